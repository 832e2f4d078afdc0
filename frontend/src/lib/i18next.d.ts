import 'i18next';

import type appEn from '@/locales/app/en.json';
import type en from '@/locales/en.json';
import type operatorEn from '@/locales/operator/en.json';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en & typeof appEn & typeof operatorEn };
  }
}
