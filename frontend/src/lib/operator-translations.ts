import { useTranslation } from 'react-i18next';

import en from '@/locales/operator/en.json';
import nl from '@/locales/operator/nl.json';

const bundles = { en, nl };

/**
 * Adds the platform operators' strings to the active language. Only operators see those pages,
 * so their strings travel with the pages' own chunks instead of the translations every visitor
 * (the sign-in page included) waits for. Call it first in an operator page: it adds the bundle
 * to a language only once that language's own translations are loaded, so switching language
 * still loads them.
 */
export function useOperatorTranslations(): void {
  const { i18n } = useTranslation();
  // One of `bundles`' languages: the instance resolves only to supported ones.
  const language = i18n.resolvedLanguage === 'nl' ? 'nl' : 'en';
  if (i18n.hasResourceBundle(language, 'translation') && i18n.getResource(language, 'translation', 'operator.title') === undefined) {
    i18n.addResourceBundle(language, 'translation', bundles[language], true, false);
  }
}
