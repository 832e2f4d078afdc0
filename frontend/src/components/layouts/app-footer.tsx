import { Anchor, Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { ServerVersion } from './server-version';

export function AppFooter() {
  const { t } = useTranslation();
  return (
    <Group component="footer" justify="space-between" px="md" py="sm" gap="xs">
      <Text size="xs" c="dimmed">
        {t('app.name')} · {t('app.tagline')}
      </Text>
      <Group gap="md">
        {/* /api/docs is served by the backend, not by the client router: a plain link. */}
        <Anchor href="/api/docs" size="xs" c="dimmed">
          {t('nav.apiDocs')}
        </Anchor>
        <ServerVersion />
      </Group>
    </Group>
  );
}
