import { afterEach, describe, expect, it, vi } from 'vitest';

import appEn from '@/locales/app/en.json';
import appNl from '@/locales/app/nl.json';
import en from '@/locales/en.json';
import nl from '@/locales/nl.json';
import operatorEn from '@/locales/operator/en.json';
import operatorNl from '@/locales/operator/nl.json';

import { createI18n, LANGUAGE_STORAGE_KEY } from './i18n';

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => keys(child, prefix ? `${prefix}.${key}` : key));
}

describe('i18n', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('has the same keys in every language', () => {
    expect(keys(nl).sort()).toEqual(keys(en).sort());
    expect(keys(appNl).sort()).toEqual(keys(appEn).sort());
    expect(keys(operatorNl).sort()).toEqual(keys(operatorEn).sort());
  });

  it('keeps the application\'s strings apart from the public pages\'', () => {
    const shared = keys(appEn).filter((key) => keys(en).includes(key) || keys(operatorEn).includes(key));
    expect(shared).toEqual([]);
  });

  it('keeps the operators\' strings apart from everyone\'s', () => {
    const shared = keys(operatorEn).filter((key) => keys(en).includes(key));
    expect(shared).toEqual([]);
  });

  it('has no empty translations', () => {
    for (const messages of [en, nl, appEn, appNl, operatorEn, operatorNl]) {
      for (const key of keys(messages)) {
        const text = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], messages);
        expect(text, key).toEqual(expect.stringMatching(/\S/));
      }
    }
  });

  it('takes the language from the browser', async () => {
    vi.spyOn(window.navigator, 'languages', 'get').mockReturnValue(['nl-NL', 'en']);
    const i18n = await createI18n();
    expect(i18n.resolvedLanguage).toBe('nl');
    expect(i18n.t('auth.login.title')).toBe(nl.auth.login.title);
    expect(document.documentElement.lang).toBe('nl');
  });

  it('takes the first supported language of the browser', async () => {
    vi.spyOn(window.navigator, 'languages', 'get').mockReturnValue(['fr-FR', 'nl-BE', 'en']);
    expect((await createI18n()).resolvedLanguage).toBe('nl');
  });

  it('prefers a language remembered in localStorage', async () => {
    vi.spyOn(window.navigator, 'languages', 'get').mockReturnValue(['nl-NL']);
    window.localStorage.setItem(LANGUAGE_STORAGE_KEY, 'en');
    expect((await createI18n()).resolvedLanguage).toBe('en');
  });

  it('falls back to English for unsupported browser languages', async () => {
    vi.spyOn(window.navigator, 'languages', 'get').mockReturnValue(['fr-FR']);
    vi.spyOn(window.navigator, 'language', 'get').mockReturnValue('fr-FR');
    const i18n = await createI18n();
    expect(i18n.resolvedLanguage).toBe('en');
    expect(i18n.t('auth.login.title')).toBe(en.auth.login.title);
  });

  it('remembers a change, and loads the other language when switched to', async () => {
    vi.spyOn(window.navigator, 'languages', 'get').mockReturnValue(['en-GB']);
    const i18n = await createI18n();
    expect(window.localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('en');
    await i18n.changeLanguage('nl');
    expect(i18n.t('auth.login.title')).toBe(nl.auth.login.title);
    expect(window.localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('nl');
    expect(document.documentElement.lang).toBe('nl');
  });

  it('does not remember a forced language', async () => {
    await createI18n({ lng: 'nl' });
    expect(window.localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBeNull();
  });
});
