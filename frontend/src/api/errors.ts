import type { TFunction } from 'i18next';
import type { Middleware } from 'openapi-fetch';

import type { paths } from './generated/schema';
import type { ErrorBody } from './types';

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** An error answer of the API (any non-2xx status), with its parsed error body. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody | null;
  /** Seconds from `Retry-After` (429), when given. */
  readonly retryAfter: number | null;

  constructor(response: Response, body: unknown) {
    const parsed = isErrorBody(body) ? body : null;
    super(parsed?.message ?? `HTTP ${String(response.status)}`);
    this.name = 'ApiError';
    this.status = response.status;
    this.body = parsed;
    const retry = Number(response.headers.get('Retry-After'));
    this.retryAfter = Number.isFinite(retry) && retry > 0 ? retry : null;
  }

  get code(): string | null {
    return this.body?.code ?? null;
  }
}

/**
 * Throws an `ApiError` for every non-2xx answer, before openapi-fetch parses it. Callers, and
 * openapi-react-query (which would otherwise throw the bare error body), thereby always get the
 * status, the parsed error body and `Retry-After`. Network failures stay `TypeError`s.
 */
export const apiErrorMiddleware: Middleware = {
  async onResponse({ response }) {
    if (response.ok) return undefined;
    const text = await response.text();
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): the status alone.
    }
    throw new ApiError(response, body);
  },
};

type SuccessStatus = 200 | 201 | 202 | 203 | 204 | 206 | 207 | '2XX';

/** An operation whose error answers are all an `ApiError` (what `apiErrorMiddleware` throws). */
type ThrowsApiError<Operation> = Operation extends { responses: infer Responses }
  ? Omit<Operation, 'responses'> & {
      responses: { [S in keyof Responses as S extends SuccessStatus ? S : never]: Responses[S] } & {
        default: { headers: Record<string, unknown>; content: { 'application/json': ApiError } };
      };
    }
  : Operation;

/**
 * The generated `paths` as seen through `apiErrorMiddleware`: success bodies as the spec declares
 * them, and `ApiError` as the error type of every operation, so the query hooks' `error` is typed
 * as what is actually thrown.
 */
export type ApiPaths = { [Path in keyof paths]: { [Key in keyof paths[Path]]: ThrowsApiError<paths[Path][Key]> } };

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Unwraps an openapi-fetch result: the data, or an `ApiError` thrown for error statuses. */
export async function call<T>(promise: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await promise;
  if (!response.ok) throw new ApiError(response, error);
  return data as T;
}

export function isApiError(error: unknown, code?: string): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

type ErrorCode = ErrorBody['code'];

/**
 * The codes whose server sentence is shown as it is: `bad_request`, `validation_failed` and
 * `unprocessable` are about this one request (which field, which line of the document). Every
 * other code the web app says in its own words (`apiErrors.<code>` in the locales): the typed
 * translation keys make a new code in the API fail the type check until it has its words, and
 * no list of codes has to ship with the first load.
 */
export const SPECIFIC_ERROR_CODES = ['bad_request', 'validation_failed', 'unprocessable'] as const satisfies readonly ErrorCode[];
type TranslatedCode = Exclude<ErrorCode, (typeof SPECIFIC_ERROR_CODES)[number]>;

function translatedCode(code: ErrorCode): code is TranslatedCode {
  return !(SPECIFIC_ERROR_CODES as readonly string[]).includes(code);
}

/** The text to show for a failed call: the code in the user's language, or the server's sentence. */
export function errorMessage(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    const code = error.body?.code;
    if (code === undefined) return t('common.unexpectedError');
    // A code this build does not know yet (a newer server) keeps the server's sentence.
    const text = !translatedCode(code)
      ? (error.body?.message ?? t('common.unexpectedError'))
      : code === 'token_expired' && error.status === 401
        ? t('apiErrors.token_expired_session')
        : t(`apiErrors.${code}`, { defaultValue: error.body?.message ?? t('common.unexpectedError') });
    if (error.status === 429 && error.retryAfter !== null) {
      return `${text} ${t('common.tooManyRequests', { seconds: error.retryAfter })}`;
    }
    return text;
  }
  if (error instanceof TypeError) return t('common.networkError');
  return t('common.unexpectedError');
}

/**
 * Field-level details of an error, keyed by form field (`body.email`, `/email` and `email`
 * all map to `email`). Only fields in `fields` are returned; the rest stay in the message.
 */
export function fieldErrors(error: unknown, fields: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  if (!(error instanceof ApiError)) return result;
  for (const detail of error.body?.details ?? []) {
    const name = detail.field?.split(/[./]/).filter(Boolean).pop();
    if (name !== undefined && fields.includes(name) && !(name in result)) result[name] = detail.message;
  }
  return result;
}

/**
 * Every field-level detail of an error keyed by its full field path (`kvkNumber`,
 * `identifiers[1].value`); a leading `body.` or `/` is dropped. The first detail per field wins.
 */
export function fieldErrorsByPath(error: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (!(error instanceof ApiError)) return result;
  for (const detail of error.body?.details ?? []) {
    const field = detail.field?.replace(/^body\./, '').replace(/^\//, '');
    if (field !== undefined && field !== '' && !(field in result)) result[field] = detail.message;
  }
  return result;
}
