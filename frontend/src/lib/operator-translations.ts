import en from '@/locales/operator/en.json';
import nl from '@/locales/operator/nl.json';

import { useBundledTranslations } from './app-translations';

/**
 * Adds the platform operators' strings to the active language. Only operators see those pages,
 * so their strings travel with the pages' own chunks. Call it first in an operator page.
 */
export function useOperatorTranslations(): void {
  useBundledTranslations({ en, nl }, 'operator.title');
}
