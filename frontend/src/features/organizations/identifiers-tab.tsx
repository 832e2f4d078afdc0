import { Alert, Badge, Button, Code, Group, Modal, Select, Stack, Switch, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath } from '@/api/errors';
import type { OrgIdentifier, Organization, SmlRegistration } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';
import { useCurrentUser } from '@/lib/session';

import { useAddIdentifier, useRemoveIdentifier, useSmlRegistrations, useUpdateIdentifier } from './api/identifiers';
import { useUpdateOrganization } from './api/organizations';
import { DirectoryDetailsSection } from './directory-details-section';
import { DocumentTypesSection } from './document-types-section';
import { identifierKindLabel, identifierKindsFor } from './labels';
import { MigrationDialog } from './migration-dialog';

const smlColor = { registered: 'green', pending: 'yellow', failed: 'red', not_registering: 'gray', moved: 'gray' } as const;

/** The participant id's state in the SML (shown while it receives). */
function SmlBadge({ registration }: { registration: SmlRegistration }) {
  const { t } = useTranslation();
  const badge = (
    <Badge color={smlColor[registration.state]} variant="light" mt={4}>
      {t(`organizations.identifiers.sml.${registration.state}`)}
    </Badge>
  );
  return registration.reason == null ? badge : <Tooltip label={registration.reason} multiline w={300}>{badge}</Tooltip>;
}

interface SwitchState {
  /** Why switching on is not possible, or null. */
  blockedReason: string | null;
}

function IdentifierRow({
  org,
  identifier,
  canManage,
  send,
  receive,
  sml,
  onRemove,
  onMigrate,
  onConflict,
}: {
  org: Organization;
  identifier: OrgIdentifier;
  canManage: boolean;
  send: SwitchState;
  receive: SwitchState;
  sml: SmlRegistration | undefined;
  onRemove: (identifier: OrgIdentifier) => void;
  onMigrate: (identifier: OrgIdentifier) => void;
  onConflict: (message: string) => void;
}) {
  const { t } = useTranslation();
  const toggle = useUpdateIdentifier({
    onError: (error) => {
      onConflict(error.message);
    },
  });
  const label = identifier.participantId;
  const switchFor = (which: 'send' | 'receive', state: SwitchState) => {
    const checked = identifier[which];
    // Switching off is always allowed; switching on only when nothing blocks it.
    const disabled = !canManage || toggle.isPending || (!checked && state.blockedReason !== null);
    const control = (
      <Switch
        aria-label={t(`organizations.identifiers.${which}Label`, { id: label })}
        checked={checked}
        disabled={disabled}
        onChange={() => {
          // Flip what the server has (not the input's own, possibly stale, state).
          toggle.mutate({
            params: { path: { id: org.id, identifierId: identifier.id } },
            body: { [which]: !checked },
          });
        }}
      />
    );
    return !checked && state.blockedReason !== null ? (
      <Tooltip label={state.blockedReason} multiline w={260}>
        <span>{control}</span>
      </Tooltip>
    ) : (
      control
    );
  };
  return (
    <Table.Tr>
      <Table.Td>{identifierKindLabel(t, identifier.kind)}</Table.Td>
      <Table.Td>
        <Code>{identifier.participantId}</Code>
      </Table.Td>
      <Table.Td>
        {identifier.registered ? (
          <Badge color="green" variant="light">
            {t('organizations.identifiers.registered')}
          </Badge>
        ) : (
          <Badge color="gray" variant="light">
            {t('organizations.identifiers.notRegistered')}
          </Badge>
        )}
      </Table.Td>
      <Table.Td>{switchFor('send', send)}</Table.Td>
      <Table.Td>
        {switchFor('receive', receive)}
        {identifier.receive && sml !== undefined && <SmlBadge registration={sml} />}
      </Table.Td>
      {canManage && (
        <Table.Td>
          {identifier.registered && (
            <Button
              size="xs"
              variant="subtle"
              aria-label={t('migration.openLabel', { id: label })}
              onClick={() => {
                onMigrate(identifier);
              }}
            >
              {t('migration.open')}
            </Button>
          )}
          <Button
            size="xs"
            variant="subtle"
            color="red"
            aria-label={t('organizations.identifiers.removeLabel', { id: label })}
            onClick={() => {
              onRemove(identifier);
            }}
          >
            {t('organizations.identifiers.remove')}
          </Button>
        </Table.Td>
      )}
    </Table.Tr>
  );
}

function AddIdentifier({ org }: { org: Organization }) {
  const { t } = useTranslation();
  const kinds = identifierKindsFor(org.country);
  const form = useForm({ initialValues: { kind: kinds[0] ?? 'vat', value: '', scheme: '' } });
  const add = useAddIdentifier({
    onSuccess: (identifier) => {
      notifySuccess(t('organizations.identifiers.added', { id: identifier.participantId }));
      form.reset();
    },
    onError: (error) => {
      form.setErrors(fieldErrorsByPath(error));
    },
  });
  const hasFieldErrors = Object.keys(fieldErrorsByPath(add.error)).length > 0;
  return (
    <form
      onSubmit={form.onSubmit((values) => {
        add.mutate({
          params: { path: { id: org.id } },
          body: {
            kind: values.kind,
            value: values.value.trim(),
            ...(values.kind === 'other' ? { scheme: values.scheme.trim() } : {}),
          },
        });
      })}
      noValidate
    >
      <Stack>
        <Title order={2} size="h4">
          {t('organizations.identifiers.addTitle')}
        </Title>
        <Group align="flex-start">
          <Select
            label={t('organizations.identifiers.kind')}
            data={kinds.map((kind) => ({ value: kind, label: identifierKindLabel(t, kind) }))}
            allowDeselect={false}
            w={220}
            {...form.getInputProps('kind')}
          />
          {form.values.kind === 'other' && (
            <TextInput
              label={t('organizations.fields.scheme')}
              placeholder="0060"
              w={120}
              {...form.getInputProps('scheme')}
            />
          )}
          <TextInput label={t('organizations.identifiers.value')} required w={260} {...form.getInputProps('value')} />
          <Button type="submit" mt={25} loading={add.isPending}>
            {t('organizations.identifiers.add')}
          </Button>
        </Group>
        {!hasFieldErrors && <FormError error={add.error} />}
      </Stack>
    </form>
  );
}

function RemoveDialog({ org, identifier, onClose }: { org: Organization; identifier: OrgIdentifier | null; onClose: () => void }) {
  const { t } = useTranslation();
  const remove = useRemoveIdentifier({
    onSuccess: () => {
      notifySuccess(t('organizations.identifiers.removed', { id: identifier?.participantId ?? '' }));
      onClose();
    },
  });
  return (
    <Modal opened={identifier !== null} onClose={onClose} title={t('organizations.identifiers.removeTitle')}>
      <Stack>
        <Text>{t('organizations.identifiers.removeConfirm', { id: identifier?.participantId ?? '' })}</Text>
        <FormError error={remove.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button
            color="red"
            loading={remove.isPending}
            onClick={() => {
              if (identifier !== null) {
                remove.mutate({ params: { path: { id: org.id, identifierId: identifier.id } } });
              }
            }}
          >
            {t('organizations.identifiers.remove')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Whether the receiving ids are listed in the Peppol Directory (their business card). */
function DirectorySwitch({ org, canManage }: { org: Organization; canManage: boolean }) {
  const { t } = useTranslation();
  const save = useUpdateOrganization();
  return (
    <Switch
      label={t('organizations.identifiers.directory')}
      description={t('organizations.identifiers.directoryHint')}
      checked={org.directoryListed}
      disabled={!canManage || save.isPending}
      onChange={() => {
        save.mutate({ params: { path: { id: org.id } }, body: { directoryListed: !org.directoryListed } });
      }}
    />
  );
}

/** Identifiers with their participant ids and the Send / Receive switches. */
export function IdentifiersTab({ org, canManage }: { org: Organization; canManage: boolean }) {
  const { t } = useTranslation();
  const me = useCurrentUser();
  const [removing, setRemoving] = useState<OrgIdentifier | null>(null);
  const [migrating, setMigrating] = useState<OrgIdentifier | null>(null);
  const [conflict, setConflict] = useState<string | null>(null);
  const sml = useSmlRegistrations(org.id).data ?? [];
  const active = org.status === 'active';
  const receivingEnabled = me.environment.receiving.enabled;
  const notActive = active ? null : t('organizations.identifiers.notActive');
  const send: SwitchState = { blockedReason: notActive };
  const receive: SwitchState = {
    blockedReason: notActive ?? (receivingEnabled ? null : t('organizations.identifiers.receivingOff')),
  };
  return (
    <Stack gap="lg">
      {notActive !== null && <Alert color="yellow">{notActive}</Alert>}
      {active && !receivingEnabled && <Alert color="yellow">{t('organizations.identifiers.receivingOff')}</Alert>}
      {conflict !== null && (
        <Alert
          color="red"
          role="alert"
          withCloseButton
          closeButtonLabel={t('common.close')}
          onClose={() => {
            setConflict(null);
          }}
        >
          {conflict}
        </Alert>
      )}
      {org.identifiers.length === 0 ? (
        <Text c="dimmed">{t('organizations.identifiers.empty')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('organizations.identifiers.kind')}</Table.Th>
                <Table.Th>{t('organizations.identifiers.participantId')}</Table.Th>
                <Table.Th>{t('organizations.identifiers.network')}</Table.Th>
                <Table.Th>{t('organizations.identifiers.send')}</Table.Th>
                <Table.Th>{t('organizations.identifiers.receive')}</Table.Th>
                {canManage && <Table.Th>{t('organizations.identifiers.actions')}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {org.identifiers.map((identifier) => (
                <IdentifierRow
                  key={identifier.id}
                  org={org}
                  identifier={identifier}
                  canManage={canManage}
                  send={send}
                  receive={receive}
                  sml={sml.find((r) => r.participantId === identifier.participantId.toLowerCase())}
                  onRemove={setRemoving}
                  onMigrate={setMigrating}
                  onConflict={(message) => {
                    setConflict(message);
                  }}
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <DirectorySwitch org={org} canManage={canManage} />
      <DirectoryDetailsSection org={org} canManage={canManage} />
      <DocumentTypesSection org={org} canManage={canManage} />
      {canManage && <AddIdentifier org={org} />}
      <RemoveDialog
        org={org}
        identifier={removing}
        onClose={() => {
          setRemoving(null);
        }}
      />
      <MigrationDialog
        org={org}
        identifier={migrating}
        onClose={() => {
          setMigrating(null);
        }}
      />
    </Stack>
  );
}
