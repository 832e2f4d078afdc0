import { Button, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

export function NotFound() {
  const { t } = useTranslation();
  return (
    <Stack align="flex-start">
      <Text c="dimmed" fw={700}>
        404
      </Text>
      <Title order={1}>{t('errors.notFound.title')}</Title>
      <Text>{t('errors.notFound.description')}</Text>
      <Button component={Link} to="/">
        {t('errors.notFound.home')}
      </Button>
    </Stack>
  );
}
