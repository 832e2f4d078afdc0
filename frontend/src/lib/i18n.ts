import i18next, { type BackendModule, type i18n as I18n, type ResourceKey } from 'i18next';
import { initReactI18next } from 'react-i18next';

export const SUPPORTED_LANGUAGES = ['en', 'nl'] as const;
export type Language = (typeof SUPPORTED_LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/** localStorage key under which the chosen language is remembered. */
export const LANGUAGE_STORAGE_KEY = 'haven.language';

// One chunk per language: a page loads only the translations it shows.
const translations: Record<Language, () => Promise<{ default: ResourceKey }>> = {
  en: () => import('@/locales/en.json'),
  nl: () => import('@/locales/nl.json'),
};

const lazyTranslations: BackendModule = {
  type: 'backend',
  callbackApi: true,
  init: () => undefined,
  read: (language, _namespace, callback) => {
    translations[toSupportedLanguage(language)]().then(
      (module) => {
        callback(null, module.default);
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : String(error), false);
      },
    );
  },
};

export function isLanguage(value: string | null | undefined): value is Language {
  return (SUPPORTED_LANGUAGES as readonly (string | null | undefined)[]).includes(value);
}

/** The supported language an i18next instance currently resolves to. */
export function currentLanguage(instance: I18n): Language {
  return toSupportedLanguage(instance.resolvedLanguage ?? instance.language);
}

/** `nl-NL` → `nl`; anything unsupported → the default language. */
export function toSupportedLanguage(lng: string | undefined): Language {
  const base = lng?.split('-')[0]?.toLowerCase();
  return isLanguage(base) ? base : DEFAULT_LANGUAGE;
}

function storedLanguage(): string | null {
  try {
    return window.localStorage.getItem(LANGUAGE_STORAGE_KEY);
  } catch {
    // Storage disabled: nothing remembered.
    return null;
  }
}

function rememberLanguage(lng: string): void {
  try {
    window.localStorage.setItem(LANGUAGE_STORAGE_KEY, toSupportedLanguage(lng));
  } catch {
    // Storage disabled: the choice lasts until the page is left.
  }
}

/** A previous choice (localStorage), else the browser's first supported language, else English. */
export function detectLanguage(): Language {
  const stored = storedLanguage();
  if (isLanguage(stored)) return stored;
  const browser = navigator.languages.length > 0 ? navigator.languages : [navigator.language];
  for (const lng of browser) {
    const base = lng.split('-')[0]?.toLowerCase();
    if (isLanguage(base)) return base;
  }
  return DEFAULT_LANGUAGE;
}

function syncDocumentLanguage(lng: string): void {
  if (typeof document !== 'undefined') document.documentElement.lang = toSupportedLanguage(lng);
}

export interface CreateI18nOptions {
  /** Force a language instead of detecting it (tests). */
  lng?: Language;
}

/**
 * Creates an i18next instance and resolves once the translations of its language are loaded.
 * Without `lng` the language is detected (`detectLanguage`) and every change is remembered in
 * localStorage. The `<html lang>` attribute follows the active language.
 */
export async function createI18n(options: CreateI18nOptions = {}): Promise<I18n> {
  const instance = i18next.createInstance();
  instance.on('languageChanged', syncDocumentLanguage);
  if (options.lng === undefined) instance.on('languageChanged', rememberLanguage);
  instance.use(lazyTranslations).use(initReactI18next);
  await instance.init({
    lng: options.lng ?? detectLanguage(),
    // Both languages have every key (a test checks): no second language to load as fallback.
    fallbackLng: false,
    supportedLngs: [...SUPPORTED_LANGUAGES],
    load: 'languageOnly',
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance;
}
