import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { useSystemInfo } from '@/api/system';

/** Shows the backend's version; degrades to a short notice when the call fails. */
export function ServerVersion() {
  const { t } = useTranslation();
  const { data, isPending } = useSystemInfo();

  let label: string;
  if (data !== undefined) label = t('footer.version', { version: data.version });
  else if (isPending) label = t('footer.versionLoading');
  else label = t('footer.versionUnavailable');

  return (
    <Text size="xs" c="dimmed" data-testid="server-version">
      {label}
    </Text>
  );
}
