import { Button, Stack, Text, Title } from '@mantine/core';
import type { ErrorComponentProps } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';

/** Shown when a route throws while loading or rendering. */
export function ErrorFallback({ reset }: ErrorComponentProps) {
  const { t } = useTranslation();
  return (
    <Stack align="flex-start" role="alert">
      <Title order={1}>{t('errors.unexpected.title')}</Title>
      <Text>{t('errors.unexpected.description')}</Text>
      <Button onClick={reset}>{t('errors.unexpected.retry')}</Button>
    </Stack>
  );
}
