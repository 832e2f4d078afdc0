import { Alert, Button, Code, CopyButton, Divider, Group, Modal, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath } from '@/api/errors';
import type { OrgIdentifier, Organization } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';

import { useCreateMigrationKey, useMigrateIdentifier } from './api/migration';

/** Moving here: the key the previous provider gave. */
function MoveHere({ org, identifier }: { org: Organization; identifier: OrgIdentifier }) {
  const { t } = useTranslation();
  const form = useForm({ initialValues: { migrationKey: '' } });
  const migrate = useMigrateIdentifier({
    onSuccess: () => {
      notifySuccess(t('migration.moved', { id: identifier.participantId }));
      form.reset();
    },
    onError: (error) => {
      form.setErrors(fieldErrorsByPath(error));
    },
  });
  const hasFieldErrors = Object.keys(fieldErrorsByPath(migrate.error)).length > 0;
  return (
    <form
      noValidate
      onSubmit={form.onSubmit((values) => {
        migrate.mutate({
          params: { path: { id: org.id, identifierId: identifier.id } },
          body: { migrationKey: values.migrationKey.trim() },
        });
      })}
    >
      <Stack gap="xs">
        <Title order={3} size="h5">
          {t('migration.inTitle')}
        </Title>
        <Text size="sm">{t('migration.inHelp')}</Text>
        <Group align="flex-start">
          <TextInput
            label={t('migration.key')}
            required
            autoComplete="off"
            w={280}
            {...form.getInputProps('migrationKey')}
          />
          <Button type="submit" mt={25} loading={migrate.isPending}>
            {t('migration.move')}
          </Button>
        </Group>
        {!hasFieldErrors && <FormError error={migrate.error} />}
      </Stack>
    </form>
  );
}

/** Leaving: a key for the new provider, shown once. */
function Leave({ org, identifier }: { org: Organization; identifier: OrgIdentifier }) {
  const { t } = useTranslation();
  const create = useCreateMigrationKey();
  const key = create.data?.migrationKey;
  return (
    <Stack gap="xs">
      <Title order={3} size="h5">
        {t('migration.outTitle')}
      </Title>
      <Text size="sm">{t('migration.outHelp')}</Text>
      {key === undefined ? (
        <Group>
          <Button
            variant="default"
            loading={create.isPending}
            onClick={() => {
              create.mutate({ params: { path: { id: org.id, identifierId: identifier.id } } });
            }}
          >
            {t('migration.createKey')}
          </Button>
        </Group>
      ) : (
        <Alert color="blue" title={t('migration.keyTitle')}>
          <Stack gap="xs">
            <Group>
              <Code fz="md" data-testid="migration-key">
                {key}
              </Code>
              <CopyButton value={key}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="light" onClick={copy}>
                    {copied ? t('migration.copied') : t('migration.copy')}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <Text size="sm">{t('migration.keyOnce')}</Text>
          </Stack>
        </Alert>
      )}
      <FormError error={create.error} />
    </Stack>
  );
}

/** Moving a participant id between Peppol providers, both ways. */
export function MigrationDialog({
  org,
  identifier,
  onClose,
}: {
  org: Organization;
  identifier: OrgIdentifier | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={identifier !== null}
      onClose={onClose}
      size="lg"
      title={t('migration.title', { id: identifier?.participantId ?? '' })}
    >
      {identifier !== null && (
        <Stack>
          <MoveHere org={org} identifier={identifier} />
          <Divider />
          <Leave org={org} identifier={identifier} />
        </Stack>
      )}
    </Modal>
  );
}
