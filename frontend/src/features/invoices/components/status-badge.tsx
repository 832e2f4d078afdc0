import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { statusColor } from '../labels';
import type { DocumentStatus } from '../model';

export function StatusBadge({ status }: { status: DocumentStatus }) {
  const { t } = useTranslation();
  return (
    <Badge variant="light" color={statusColor(status)}>
      {t(`invoices.status.${status}`)}
    </Badge>
  );
}
