import type { ResourceKey } from 'i18next';
import { useTranslation } from 'react-i18next';

import en from '@/locales/app/en.json';
import nl from '@/locales/app/nl.json';

/** One bundle of strings per supported language. */
export interface LanguageBundles {
  en: ResourceKey;
  nl: ResourceKey;
}

/**
 * Adds strings that travel with the pages that use them, rather than with the translations
 * every visitor (the sign-in page included) waits for, to the active language. `probeKey` is a
 * key of the bundles: while the active language lacks it, the bundle is added.
 *
 * Call it first in the component that renders those pages: it adds a bundle to a language only
 * once that language's own translations are loaded, so a language switch still loads them and
 * the pages re-render with the added strings.
 */
export function useBundledTranslations(bundles: LanguageBundles, probeKey: string): void {
  const { i18n } = useTranslation();
  // One of `bundles`' languages: the instance resolves only to supported ones.
  const language = i18n.resolvedLanguage === 'nl' ? 'nl' : 'en';
  if (i18n.hasResourceBundle(language, 'translation') && i18n.getResource(language, 'translation', probeKey) === undefined) {
    i18n.addResourceBundle(language, 'translation', bundles[language], true, false);
  }
}

/**
 * Adds the strings of the signed-in application (documents, organizations, settings …) to the
 * active language. The sign-in and other public pages do not wait for them: they travel with
 * the application's layout. Call it first in the layout, and in a public page that shows
 * application strings (a shared invoice, a trusted-sender confirmation).
 */
export function useAppTranslations(): void {
  useBundledTranslations({ en, nl }, 'dashboard.title');
}
