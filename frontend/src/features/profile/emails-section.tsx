import { ActionIcon, Badge, Button, Group, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';

import { errorMessage, fieldErrors } from '@/api/errors';
import { emailStatusColor, emailStatusLabel } from '@/api/labels';
import { FormError } from '@/components/forms/form-error';
import { notifyError, notifySuccess } from '@/components/forms/notify';

import { useAddEmail, useMyEmails, useRemoveEmail } from './api/emails';
import { Section } from './section';

export function EmailsSection() {
  const { t } = useTranslation();
  const emails = useMyEmails();
  const form = useForm({ initialValues: { email: '' } });
  const add = useAddEmail({
    onSuccess: (_result, { body }) => {
      form.reset();
      notifySuccess(t('profile.emails.added', { email: body.email }));
    },
    onError: (error) => {
      form.setErrors(fieldErrors(error, ['email']));
    },
  });
  const remove = useRemoveEmail({
    onSuccess: () => {
      notifySuccess(t('profile.emails.removed'));
    },
    onError: (error) => {
      notifyError(errorMessage(error, t));
    },
  });

  return (
    <Section title={t('profile.emails.title')}>
      <Text size="sm">{t('profile.emails.intro')}</Text>
      <FormError error={emails.error} />
      {emails.data?.length === 0 && <Text c="dimmed">{t('profile.emails.empty')}</Text>}
      {emails.data !== undefined && emails.data.length > 0 && (
        <Table>
          <Table.Tbody>
            {emails.data.map((entry) => (
              <Table.Tr key={entry.id}>
                <Table.Td>{entry.email}</Table.Td>
                <Table.Td>
                  <Badge color={emailStatusColor(entry.status)} variant="light">
                    {emailStatusLabel(t, entry.status)}
                  </Badge>
                </Table.Td>
                <Table.Td ta="right">
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={t('profile.emails.removeLabel', { email: entry.email })}
                    loading={remove.isPending && remove.variables.params.path.id === entry.id}
                    onClick={() => { remove.mutate({ params: { path: { id: entry.id } } }); }}
                  >
                    ×
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <form onSubmit={form.onSubmit((values) => { add.mutate({ body: { email: values.email.trim() } }); })} noValidate>
        <Group align="flex-end">
          <TextInput
            label={t('profile.emails.address')}
            type="email"
            required
            style={{ flex: 1 }}
            {...form.getInputProps('email')}
          />
          <Button type="submit" loading={add.isPending}>
            {t('profile.emails.add')}
          </Button>
        </Group>
        <FormError error={add.isError && Object.keys(fieldErrors(add.error, ['email'])).length === 0 ? add.error : null} />
      </form>
    </Section>
  );
}
