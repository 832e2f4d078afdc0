import { Alert } from '@mantine/core';
import { useTranslation } from 'react-i18next';

import { errorMessage } from '@/api/errors';

/** The message of a failed call (the server's `message`), as an alert; nothing without an error. */
export function FormError({ error, title }: { error: unknown; title?: string }) {
  const { t } = useTranslation();
  if (error === null || error === undefined) return null;
  return (
    <Alert color="red" role="alert" title={title}>
      {errorMessage(error, t)}
    </Alert>
  );
}
