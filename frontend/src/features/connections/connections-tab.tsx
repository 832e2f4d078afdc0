import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath } from '@/api/errors';
import type { Connection, ConnectionScope, IssuedConnection, Organization } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';
import { formatDateTime } from '@/lib/format';

import {
  useConnections,
  useConnectionUsage,
  useCreateConnection,
  useDeleteConnection,
  useRegenerateSecret,
  useRevokeConnection,
} from './api/connections';
import { isScope, SCOPES, scopeLabel, SOFTWARE_PACKAGES, statusLabel } from './labels';

const OTHER = 'other';

/** The client id and the secret, shown once with copy buttons and the warning. */
function IssuedSecretDialog({ issued, onClose }: { issued: IssuedConnection | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={issued !== null}
      onClose={onClose}
      closeOnClickOutside={false}
      title={t('connections.secretTitle', { name: issued?.connection.name ?? '' })}
      size="lg"
    >
      {issued !== null && (
        <Stack>
          <Alert color="orange" role="alert">
            {t('connections.secretWarning')}
          </Alert>
          {[
            { label: t('connections.clientId'), copy: t('connections.copyClientId'), value: issued.connection.clientId },
            { label: t('connections.clientSecret'), copy: t('connections.copySecret'), value: issued.clientSecret },
          ].map((field) => (
            <Stack key={field.label} gap={4}>
              <Text fw={500} size="sm">
                {field.label}
              </Text>
              <Group wrap="nowrap" align="center">
                <Code block style={{ flex: 1, wordBreak: 'break-all' }} data-testid={field.label}>
                  {field.value}
                </Code>
                <CopyButton value={field.value}>
                  {({ copied, copy }) => (
                    <Button variant="default" aria-label={field.copy} onClick={copy}>
                      {copied ? t('common.copied') : t('common.copy')}
                    </Button>
                  )}
                </CopyButton>
              </Group>
            </Stack>
          ))}
          <Group justify="flex-end">
            <Button onClick={onClose}>{t('connections.done')}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

function CreateConnection({ org, onIssued }: { org: Organization; onIssued: (issued: IssuedConnection) => void }) {
  const { t } = useTranslation();
  const [package_, setPackage] = useState<string | null>(null);
  const [otherName, setOtherName] = useState('');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ConnectionScope[]>(['send', 'receive']);
  const create = useCreateConnection({
    onSuccess: (issued) => {
      onIssued(issued);
      setPackage(null);
      setOtherName('');
      setName('');
    },
  });
  const software = package_ === OTHER ? otherName : (package_ ?? '');
  const errors = fieldErrorsByPath(create.error);
  return (
    <Stack>
      <Title order={2} size="h4">
        {t('connections.newTitle')}
      </Title>
      <Group align="flex-start">
        <Select
          label={t('connections.software')}
          placeholder={t('connections.softwarePlaceholder')}
          data={[
            ...SOFTWARE_PACKAGES.map((p) => ({ value: p, label: p })),
            { value: OTHER, label: t('connections.otherSoftware') },
          ]}
          value={package_}
          onChange={setPackage}
          w={260}
          error={package_ === OTHER ? undefined : errors.software}
        />
        {package_ === OTHER && (
          <TextInput
            label={t('connections.otherSoftwareName')}
            value={otherName}
            maxLength={100}
            onChange={(event) => {
              setOtherName(event.currentTarget.value);
            }}
            w={240}
            error={errors.software}
          />
        )}
        <TextInput
          label={t('connections.name')}
          placeholder={t('connections.namePlaceholder')}
          value={name}
          maxLength={100}
          onChange={(event) => {
            setName(event.currentTarget.value);
          }}
          w={260}
          error={errors.name}
        />
      </Group>
      <Checkbox.Group
        label={t('connections.scopes')}
        value={scopes}
        onChange={(values) => {
          setScopes(values.filter(isScope));
        }}
        error={errors.scopes}
      >
        <Stack gap={6} mt={6}>
          {SCOPES.map((scope) => (
            <Checkbox
              key={scope}
              value={scope}
              label={scopeLabel(t, scope)}
              description={t(`connections.scopeHelp.${scope}`)}
            />
          ))}
        </Stack>
      </Checkbox.Group>
      <Group>
        <Button
          loading={create.isPending}
          disabled={software.trim() === '' || name.trim() === '' || scopes.length === 0}
          onClick={() => {
            create.mutate({ params: { path: { id: org.id } }, body: { name, software, scopes } });
          }}
        >
          {t('connections.create')}
        </Button>
      </Group>
      {Object.keys(errors).length === 0 && <FormError error={create.error} />}
    </Stack>
  );
}

interface Pending {
  kind: 'revoke' | 'regenerate' | 'delete';
  connection: Connection;
}

function ConfirmDialog({
  org,
  pending,
  onClose,
  onIssued,
}: {
  org: Organization;
  pending: Pending | null;
  onClose: () => void;
  onIssued: (issued: IssuedConnection) => void;
}) {
  const { t } = useTranslation();
  const name = pending?.connection.name ?? '';
  const revoke = useRevokeConnection({
    onSuccess: () => {
      notifySuccess(t('connections.revoked', { name }));
      onClose();
    },
  });
  const regenerate = useRegenerateSecret({
    onSuccess: (issued) => {
      onClose();
      onIssued(issued);
    },
  });
  const remove = useDeleteConnection({
    onSuccess: () => {
      notifySuccess(t('connections.deleted', { name }));
      onClose();
    },
  });
  const kind = pending?.kind ?? 'revoke';
  const mutation = { revoke, regenerate, delete: remove }[kind];
  const texts = {
    revoke: { title: 'connections.revokeTitle', confirm: 'connections.revokeConfirm', action: 'connections.revoke' },
    regenerate: {
      title: 'connections.regenerateTitle',
      confirm: 'connections.regenerateConfirm',
      action: 'connections.regenerate',
    },
    delete: { title: 'connections.deleteTitle', confirm: 'connections.deleteConfirm', action: 'connections.delete' },
  } as const;
  return (
    <Modal opened={pending !== null} onClose={onClose} title={t(texts[kind].title)}>
      <Stack>
        <Text>{t(texts[kind].confirm, { name })}</Text>
        <FormError error={mutation.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button
            color={kind === 'regenerate' ? undefined : 'red'}
            loading={mutation.isPending}
            onClick={() => {
              if (pending === null) return;
              const params = { path: { id: org.id, connectionId: pending.connection.id } };
              if (kind === 'revoke') revoke.mutate({ params });
              else if (kind === 'regenerate') regenerate.mutate({ params });
              else remove.mutate({ params });
            }}
          >
            {t(texts[kind].action)}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function UsageDialog({ org, connection, onClose }: { org: Organization; connection: Connection; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const current = cursors[cursors.length - 1];
  const usage = useConnectionUsage(org.id, connection.id, current);
  const items = usage.data?.items ?? [];
  const next = usage.data?.nextCursor ?? null;
  return (
    <Modal opened onClose={onClose} title={t('connections.usageTitle', { name: connection.name })} size="xl">
      <Stack>
        <Text c="dimmed" size="sm">
          {t('connections.usageIntro')}
        </Text>
        <FormError error={usage.error} />
        {usage.data !== undefined && items.length === 0 && <Text c="dimmed">{t('connections.usageEmpty')}</Text>}
        {items.length > 0 && (
          <Table.ScrollContainer minWidth={560}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('connections.time')}</Table.Th>
                  <Table.Th>{t('connections.method')}</Table.Th>
                  <Table.Th>{t('connections.endpoint')}</Table.Th>
                  <Table.Th>{t('connections.statusCode')}</Table.Th>
                  <Table.Th>{t('connections.duration')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((entry) => (
                  <Table.Tr key={entry.id}>
                    <Table.Td>{formatDateTime(entry.at, i18n.language)}</Table.Td>
                    <Table.Td>{entry.method}</Table.Td>
                    <Table.Td>
                      <Code>{entry.endpoint}</Code>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={entry.statusCode < 400 ? 'green' : 'red'} variant="light">
                        {entry.statusCode}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{t('connections.durationMs', { ms: entry.durationMs })}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {next !== null && (
          <Group>
            <Button
              variant="default"
              onClick={() => {
                setCursors([...cursors, next]);
              }}
            >
              {t('connections.more')}
            </Button>
          </Group>
        )}
      </Stack>
    </Modal>
  );
}

function ConnectionRow({
  connection,
  onAction,
  onUsage,
}: {
  connection: Connection;
  onAction: (pending: Pending) => void;
  onUsage: (connection: Connection) => void;
}) {
  const { t, i18n } = useTranslation();
  const active = connection.status === 'active';
  const name = connection.name;
  return (
    <Table.Tr>
      <Table.Td>{name}</Table.Td>
      <Table.Td>{connection.software}</Table.Td>
      <Table.Td>{connection.scopes.map((scope) => scopeLabel(t, scope)).join(', ')}</Table.Td>
      <Table.Td>{connection.createdByName || connection.createdByEmail}</Table.Td>
      <Table.Td>{formatDateTime(connection.createdAt, i18n.language)}</Table.Td>
      <Table.Td>
        {connection.lastUsedAt === null || connection.lastUsedAt === undefined
          ? t('common.never')
          : formatDateTime(connection.lastUsedAt, i18n.language)}
      </Table.Td>
      <Table.Td>
        <Badge color={active ? 'green' : 'gray'} variant="light">
          {statusLabel(t, connection.status)}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          <Button size="xs" variant="subtle" aria-label={t('connections.usageLabel', { name })} onClick={() => {
              onUsage(connection);
            }}>
            {t('connections.usage')}
          </Button>
          {active ? (
            <>
              <Button
                size="xs"
                variant="subtle"
                aria-label={t('connections.regenerateLabel', { name })}
                onClick={() => {
                  onAction({ kind: 'regenerate', connection });
                }}
              >
                {t('connections.regenerate')}
              </Button>
              <Button
                size="xs"
                variant="subtle"
                color="red"
                aria-label={t('connections.revokeLabel', { name })}
                onClick={() => {
                  onAction({ kind: 'revoke', connection });
                }}
              >
                {t('connections.revoke')}
              </Button>
            </>
          ) : (
            <Button
              size="xs"
              variant="subtle"
              color="red"
              aria-label={t('connections.deleteLabel', { name })}
              onClick={() => {
                onAction({ kind: 'delete', connection });
              }}
            >
              {t('connections.delete')}
            </Button>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/** The organization's connection keys: list, create (secret shown once), revoke, delete, new secret, usage. */
export function ConnectionsTab({ org, canManage }: { org: Organization; canManage: boolean }) {
  const { t } = useTranslation();
  if (!canManage) return <Text c="dimmed">{t('connections.adminOnly')}</Text>;
  return <ConnectionsPanel org={org} />;
}

function ConnectionsPanel({ org }: { org: Organization }) {
  const { t } = useTranslation();
  const [issued, setIssued] = useState<IssuedConnection | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [usageOf, setUsageOf] = useState<Connection | null>(null);
  const connections = useConnections(org.id);
  return (
    <Stack gap="lg">
      <Text>{t('connections.intro')}</Text>
      <FormError error={connections.error} />
      {connections.data?.length === 0 && <Text c="dimmed">{t('connections.empty')}</Text>}
      {connections.data !== undefined && connections.data.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('connections.name')}</Table.Th>
                <Table.Th>{t('connections.software')}</Table.Th>
                <Table.Th>{t('connections.scopes')}</Table.Th>
                <Table.Th>{t('connections.createdBy')}</Table.Th>
                <Table.Th>{t('connections.created')}</Table.Th>
                <Table.Th>{t('connections.lastUsed')}</Table.Th>
                <Table.Th>{t('connections.status')}</Table.Th>
                <Table.Th>{t('connections.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {connections.data.map((connection) => (
                <ConnectionRow key={connection.id} connection={connection} onAction={setPending} onUsage={setUsageOf} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <CreateConnection org={org} onIssued={setIssued} />
      <IssuedSecretDialog
        issued={issued}
        onClose={() => {
          setIssued(null);
        }}
      />
      <ConfirmDialog
        org={org}
        pending={pending}
        onClose={() => {
          setPending(null);
        }}
        onIssued={setIssued}
      />
      {usageOf !== null && (
        <UsageDialog
          org={org}
          connection={usageOf}
          onClose={() => {
            setUsageOf(null);
          }}
        />
      )}
    </Stack>
  );
}
