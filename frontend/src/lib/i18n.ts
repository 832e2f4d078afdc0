import i18next, { type i18n as I18n } from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';

import en from '@/locales/en.json';
import nl from '@/locales/nl.json';

export const SUPPORTED_LANGUAGES = ['en', 'nl'] as const;
export type Language = (typeof SUPPORTED_LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/** localStorage key under which the chosen language is remembered. */
export const LANGUAGE_STORAGE_KEY = 'haven.language';

export const resources = {
  en: { translation: en },
  nl: { translation: nl },
} as const;

export function isLanguage(value: string | undefined): value is Language {
  return (SUPPORTED_LANGUAGES as readonly (string | undefined)[]).includes(value);
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

function syncDocumentLanguage(lng: string): void {
  if (typeof document !== 'undefined') document.documentElement.lang = toSupportedLanguage(lng);
}

export interface CreateI18nOptions {
  /** Force a language instead of detecting it (tests). */
  lng?: Language;
}

/**
 * Creates and initialises an i18next instance. Without `lng`, the language is taken from
 * localStorage (a previous choice) and otherwise from the browser, falling back to English.
 * The `<html lang>` attribute follows the active language.
 */
export function createI18n(options: CreateI18nOptions = {}): I18n {
  const instance = i18next.createInstance();
  instance.on('languageChanged', syncDocumentLanguage);
  if (options.lng === undefined) instance.use(LanguageDetector);
  instance.use(initReactI18next);
  void instance.init({
    resources,
    lng: options.lng,
    fallbackLng: DEFAULT_LANGUAGE,
    supportedLngs: [...SUPPORTED_LANGUAGES],
    nonExplicitSupportedLngs: true,
    load: 'languageOnly',
    initAsync: false,
    interpolation: { escapeValue: false },
    returnNull: false,
    detection: {
      order: ['localStorage', 'navigator'],
      lookupLocalStorage: LANGUAGE_STORAGE_KEY,
      caches: ['localStorage'],
      // `nl-NL` → `nl`; other languages are left as they are, for i18next to skip.
      convertDetectedLanguage: (lng: string) => {
        const base = lng.split('-')[0];
        return isLanguage(base) ? base : lng;
      },
    },
  });
  return instance;
}
