import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { responseColor } from '../labels';
import type { ResponseCode } from '../model';

/** The buyer's last Invoice Response (AP, RE, ...), or nothing when there is none. */
export function ResponseBadge({ code, size = 'sm' }: { code: ResponseCode | null | undefined; size?: 'xs' | 'sm' | 'md' }) {
  const { t } = useTranslation();
  if (code === null || code === undefined) return null;
  return (
    <Badge variant="outline" size={size} color={responseColor(code)} title={t('invoices.response.last')}>
      {t('invoices.response.badge', { code: t(`invoices.response.code.${code}`) })}
    </Badge>
  );
}
