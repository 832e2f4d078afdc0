import { SegmentedControl } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { currentLanguage, isLanguage, SUPPORTED_LANGUAGES, type Language } from '@/lib/i18n';

/** Language names are written in their own language, so they are not translated. */
const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  nl: 'Nederlands',
};

export function LanguageSwitch({ onChange }: { onChange?: (language: Language) => void }) {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('language.label')}
      value={currentLanguage(i18n)}
      onChange={(value) => {
        if (!isLanguage(value)) return;
        void i18n.changeLanguage(value);
        onChange?.(value);
      }}
      data={SUPPORTED_LANGUAGES.map((lng) => ({
        value: lng,
        label: <span lang={lng}>{LANGUAGE_NAMES[lng]}</span>,
      }))}
    />
  );
}
