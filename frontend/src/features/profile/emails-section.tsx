import { ActionIcon, Badge, Button, Group, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';

import { fetchClient } from '@/api/client';
import { call, errorMessage, fieldErrors } from '@/api/errors';
import { emailStatusColor, emailStatusLabel } from '@/api/labels';
import { FormError } from '@/components/forms/form-error';
import { notifyError, notifySuccess } from '@/components/forms/notify';

import { Section } from './section';

const EMAILS_KEY = ['me', 'emails'];

export function EmailsSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const emails = useQuery({ queryKey: EMAILS_KEY, queryFn: () => call(fetchClient.GET('/api/v1/me/emails')) });
  const form = useForm({ initialValues: { email: '' } });
  const add = useMutation({
    mutationFn: (email: string) => call(fetchClient.POST('/api/v1/me/emails', { body: { email } })),
    onSuccess: (_result, email) => {
      form.reset();
      notifySuccess(t('profile.emails.added', { email }));
      return queryClient.invalidateQueries({ queryKey: EMAILS_KEY });
    },
    onError: (error) => {
      form.setErrors(fieldErrors(error, ['email']));
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => call(fetchClient.DELETE('/api/v1/me/emails/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      notifySuccess(t('profile.emails.removed'));
      return queryClient.invalidateQueries({ queryKey: EMAILS_KEY });
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
                    loading={remove.isPending && remove.variables === entry.id}
                    onClick={() => { remove.mutate(entry.id); }}
                  >
                    ×
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <form onSubmit={form.onSubmit((values) => { add.mutate(values.email.trim()); })} noValidate>
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
