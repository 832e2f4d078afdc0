import i18next from 'i18next';
import { describe, expect, it } from 'vitest';

import en from '@/locales/en.json';
import nl from '@/locales/nl.json';

import { readFileSync } from 'node:fs';

import { ApiError, errorMessage, SPECIFIC_ERROR_CODES } from './errors';

// The repository root, as a path: jsdom replaces the URL class that node:fs would accept.
const here = decodeURIComponent(import.meta.url.replace(/^file:\/\//, ''));
const repository = here.slice(0, here.lastIndexOf('/frontend/src/api/') + 1);

/** Every error code of the API, from the committed OpenAPI document. */
function apiErrorCodes(): string[] {
  const spec = JSON.parse(readFileSync(`${repository}openapi/openapi.json`, 'utf8')) as {
    components: { schemas: { ErrorCode: { enum: string[] } } };
  };
  return spec.components.schemas.ErrorCode.enum;
}

function apiError(status: number, code: string, message: string, headers: Record<string, string> = {}) {
  return new ApiError(new Response(null, { status, headers }), {
    code,
    message,
    requestId: 'req-1',
    dateTime: '2026-12-03T00:00:00Z',
    details: [],
  });
}

async function translator(language: 'en' | 'nl') {
  const instance = i18next.createInstance();
  await instance.init({ lng: language, resources: { en: { translation: en }, nl: { translation: nl } } });
  return instance.t;
}

describe('error messages', () => {
  it('has words of its own for every code but the request-specific ones, in both languages', () => {
    const translated = apiErrorCodes().filter((code) => !(SPECIFIC_ERROR_CODES as readonly string[]).includes(code));
    expect(translated.length).toBeGreaterThan(40);
    for (const messages of [en, nl]) {
      const table = messages.apiErrors as Record<string, string>;
      for (const code of translated) expect(table[code], code).toMatch(/\S/);
    }
  });

  it('says a business-rule conflict in the user language, not the server sentence', async () => {
    const t = await translator('nl');
    const error = apiError(409, 'last_administrator', 'This is the last active administrator.');

    expect(errorMessage(error, t)).toBe(nl.apiErrors.last_administrator);
  });

  it('keeps the server sentence for a mistake specific to this request', async () => {
    const t = await translator('nl');
    const error = apiError(400, 'bad_request', 'The request has no document; send the invoice as the body.');

    expect(errorMessage(error, t)).toBe('The request has no document; send the invoice as the body.');
  });

  it('tells an expired session from an expired link, and adds the wait of a rate limit', async () => {
    const t = await translator('en');

    expect(errorMessage(apiError(401, 'token_expired', 'x'), t)).toBe(en.apiErrors.token_expired_session);
    expect(errorMessage(apiError(400, 'token_expired', 'x'), t)).toBe(en.apiErrors.token_expired);
    expect(errorMessage(apiError(429, 'too_many_requests', 'x', { 'Retry-After': '30' }), t)).toContain('30');
  });

  it('keeps the server sentence for a code this build does not know yet', async () => {
    const t = await translator('nl');
    expect(errorMessage(apiError(409, 'some_future_rule', 'A rule from a newer server.'), t)).toBe(
      'A rule from a newer server.',
    );
  });
});
