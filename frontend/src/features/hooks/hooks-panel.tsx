import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Radio,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath } from '@/api/errors';
import type { Hook, HookDelivery, IssuedHook } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';
import { formatDateTime } from '@/lib/format';
import { currentLanguage } from '@/lib/i18n';

import {
  type HookForm,
  type HookScope,
  useCreateHook,
  useDeleteHook,
  useDeliveries,
  useHooks,
  usePing,
  useRedeliver,
  useRotateSecret,
  useUpdateHook,
} from './api/hooks';
import { joinTarget, splitTarget, type TargetParts } from './target';

/** What the topics field suggests; any `*` pattern may be typed as well. */
const TOPIC_SUGGESTIONS = [
  '*',
  'Invoice*',
  '*Sent',
  'InvoiceReceived',
  'InvoiceReceivedError',
  'InvoiceSent',
  'InvoiceSentRetry',
  'InvoiceSentError',
  'InvoiceResponseReceived',
  'HookSentRetry',
  'HookSentError',
];

/** The signing secret of a new or rotated hook, shown once with a copy button. */
function SecretDialog({ issued, onClose }: { issued: IssuedHook | null; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal opened={issued !== null} onClose={onClose} closeOnClickOutside={false} title={t('hooks.secretTitle')} size="lg">
      {issued !== null && (
        <Stack>
          <Alert color="orange" role="alert">
            {t('hooks.secretWarning')}
          </Alert>
          <Group wrap="nowrap" align="center">
            <Code block style={{ flex: 1, wordBreak: 'break-all' }} data-testid="hook-secret">
              {issued.secret}
            </Code>
            <CopyButton value={issued.secret}>
              {({ copied, copy }) => (
                <Button variant="default" aria-label={t('hooks.copySecret')} onClick={copy}>
                  {copied ? t('common.copied') : t('common.copy')}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Group justify="flex-end">
            <Button onClick={onClose}>{t('hooks.done')}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

/** The form of a new hook, or of changes to one. */
function HookEditor({
  initial,
  pending,
  error,
  onSubmit,
  onCancel,
}: {
  initial: HookForm;
  pending: boolean;
  error: unknown;
  onSubmit: (form: HookForm) => void;
  onCancel: () => void;
}) {
  const { t, i18n } = useTranslation();
  const [form, setForm] = useState<HookForm>({ ...initial, language: initial.language ?? currentLanguage(i18n) });
  const [target, setTarget] = useState<TargetParts>(splitTarget(initial.target));
  const errors = fieldErrorsByPath(error);
  const topicErrors = Object.entries(errors)
    .filter(([path]) => path.startsWith('topics'))
    .map(([, message]) => message);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        const mail = target.channel === 'mail';
        // Only mail hooks write text; an HTTP hook keeps whatever language it has.
        onSubmit({ ...form, target: joinTarget(target), description: form.description.trim(), language: mail ? form.language : undefined });
      }}
    >
      <Stack>
        <Radio.Group
          label={t('hooks.channel')}
          value={target.channel}
          onChange={(channel) => {
            setTarget({ ...target, channel });
          }}
        >
          <Group mt={4}>
            <Radio value="http" label={t('hooks.channels.http')} />
            <Radio value="mail" label={t('hooks.channels.mail')} />
          </Group>
        </Radio.Group>
        {target.channel === 'http' ? (
          <TextInput
            label={t('hooks.target')}
            description={t('hooks.targetHelp')}
            placeholder="https://books.example.com/haven/events"
            required
            value={target.url}
            onChange={(e) => {
              setTarget({ ...target, url: e.currentTarget.value });
            }}
            error={errors.target}
          />
        ) : (
          <>
            <TextInput
              label={t('hooks.address')}
              description={t('hooks.addressHelp')}
              placeholder="books@example.com"
              type="email"
              required
              value={target.address}
              onChange={(e) => {
                setTarget({ ...target, address: e.currentTarget.value });
              }}
              error={errors.target}
            />
            <Radio.Group
              label={t('hooks.format')}
              value={target.format}
              onChange={(format) => {
                setTarget({ ...target, format });
              }}
            >
              <Group mt={4}>
                <Radio value="original" label={t('hooks.formats.original')} />
                <Radio value="ubl" label={t('hooks.formats.ubl')} />
                <Radio value="cii" label={t('hooks.formats.cii')} />
              </Group>
            </Radio.Group>
            <Radio.Group
              label={t('language.label')}
              value={form.language}
              onChange={(language) => {
                setForm({ ...form, language: language === 'en' ? 'en' : 'nl' });
              }}
            >
              {/* Language names are written in their own language. */}
              <Group mt={4}>
                <Radio value="nl" label="Nederlands" />
                <Radio value="en" label="English" />
              </Group>
            </Radio.Group>
          </>
        )}
        <TagsInput
          label={t('hooks.topics')}
          description={t('hooks.topicsHelp')}
          data={TOPIC_SUGGESTIONS}
          value={form.topics}
          onChange={(topics) => {
            setForm({ ...form, topics });
          }}
          error={topicErrors.length > 0 ? topicErrors.join(' ') : undefined}
          clearable
        />
        <TextInput
          label={t('hooks.description')}
          value={form.description}
          onChange={(e) => {
            setForm({ ...form, description: e.currentTarget.value });
          }}
          error={errors.description}
        />
        <Switch
          label={t('hooks.active')}
          checked={form.active}
          onChange={(e) => {
            setForm({ ...form, active: e.currentTarget.checked });
          }}
        />
        <FormError error={Object.keys(errors).length > 0 ? null : error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={pending}>
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function statusColor(status: HookDelivery['status']): string {
  if (status === 'delivered') return 'green';
  if (status === 'failed') return 'red';
  return 'yellow';
}

/** The delivery log of one hook: every event with its attempts, and redelivery. */
function DeliveryLog({ scope, hook, canManage }: { scope: HookScope; hook: Hook; canManage: boolean }) {
  const { t, i18n } = useTranslation();
  const deliveries = useDeliveries(scope, hook.id);
  const redeliver = useRedeliver(scope, hook.id);
  const [open, setOpen] = useState<string | null>(null);
  if (deliveries.isPending) return <Text c="dimmed">{t('common.loading')}</Text>;
  if (deliveries.data === undefined) return <FormError error={deliveries.error} />;
  if (deliveries.data.length === 0) return <Text c="dimmed">{t('hooks.noDeliveries')}</Text>;
  return (
    <Table aria-label={t('hooks.logOf', { target: hook.target })}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('hooks.when')}</Table.Th>
          <Table.Th>{t('hooks.topic')}</Table.Th>
          <Table.Th>{t('hooks.status')}</Table.Th>
          <Table.Th>{t('hooks.attempts')}</Table.Th>
          <Table.Th>{t('hooks.lastAnswer')}</Table.Th>
          <Table.Th />
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {deliveries.data.map((d) => {
          const last = d.attemptLog.at(-1);
          return (
            <Table.Tr key={d.id}>
              <Table.Td>{formatDateTime(d.createdAt, i18n.language)}</Table.Td>
              <Table.Td>{d.topic}</Table.Td>
              <Table.Td>
                <Badge color={statusColor(d.status)} variant="light">
                  {t(`hooks.statuses.${d.status}`)}
                </Badge>
              </Table.Td>
              <Table.Td>{d.attempts}</Table.Td>
              <Table.Td>
                {last === undefined ? '–' : (last.statusCode ?? last.error ?? last.responseBody ?? '–')}
                {open === d.id && (
                  <Stack gap={4} mt="xs">
                    {d.attemptLog.map((a) => (
                      <Text key={a.attempt} size="xs">
                        #{a.attempt} · {formatDateTime(a.at, i18n.language)} · {a.statusCode ?? '–'} · {a.durationMs} ms
                        {a.error === null || a.error === undefined ? '' : ` · ${a.error}`}
                      </Text>
                    ))}
                    {last !== undefined && <Code block>{last.requestBody}</Code>}
                  </Stack>
                )}
              </Table.Td>
              <Table.Td>
                <Group gap="xs" wrap="nowrap">
                  <Button
                    size="xs"
                    variant="subtle"
                    onClick={() => {
                      setOpen(open === d.id ? null : d.id);
                    }}
                  >
                    {open === d.id ? t('hooks.hideAttempts') : t('hooks.showAttempts')}
                  </Button>
                  {canManage && (
                    <Button
                      size="xs"
                      variant="default"
                      loading={redeliver.isPending && redeliver.variables === d.id}
                      onClick={() => {
                        redeliver.mutate(d.id, { onSuccess: () => { notifySuccess(t('hooks.redelivered')); } });
                      }}
                    >
                      {t('hooks.redeliver')}
                    </Button>
                  )}
                </Group>
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}

/** A target as the list shows it: the URL, or the address with the attachment's syntax. */
function TargetText({ target }: { target: string }) {
  const { t } = useTranslation();
  const parts = splitTarget(target);
  if (parts.channel === 'http') return <Text style={{ wordBreak: 'break-all' }}>{target}</Text>;
  return (
    <Group gap="xs" wrap="nowrap">
      <Badge variant="outline" color="blue">
        {t('hooks.channels.mail')}
      </Badge>
      <Text style={{ wordBreak: 'break-all' }}>{parts.address}</Text>
      <Text size="xs" c="dimmed">
        {t(`hooks.formats.${parts.format}`)}
      </Text>
    </Group>
  );
}

const NEW_HOOK: HookForm = { target: '', topics: ['*'], active: true, description: '' };

/** The hooks of a party or of the environment: create, edit, test, rotate, delete, the log. */
export function HooksPanel({ scope, canManage }: { scope: HookScope; canManage: boolean }) {
  const { t } = useTranslation();
  const hooks = useHooks(scope);
  const [issued, setIssued] = useState<IssuedHook | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Hook | null>(null);
  const [logOf, setLogOf] = useState<string | null>(null);
  const create = useCreateHook(scope, (created) => {
    setCreating(false);
    setIssued(created);
  });
  const update = useUpdateHook(scope, () => {
    setEditing(null);
    notifySuccess(t('common.saved'));
  });
  const remove = useDeleteHook(scope);
  const rotate = useRotateSecret(scope, setIssued);
  const ping = usePing(scope);

  return (
    <Stack>
      <Text>{t('hooks.intro')}</Text>
      {canManage && (
        <Group>
          <Button
            onClick={() => {
              create.reset();
              setCreating(true);
            }}
          >
            {t('hooks.new')}
          </Button>
        </Group>
      )}
      {hooks.isPending && <Text c="dimmed">{t('common.loading')}</Text>}
      {hooks.error !== null && <FormError error={hooks.error} />}
      {hooks.data?.length === 0 && <Text c="dimmed">{t('hooks.empty')}</Text>}
      {hooks.data !== undefined && hooks.data.length > 0 && (
        <Table aria-label={t('hooks.listLabel')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('hooks.target')}</Table.Th>
              <Table.Th>{t('hooks.topics')}</Table.Th>
              <Table.Th>{t('hooks.status')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {hooks.data.map((hook) => (
              <Table.Tr key={hook.id}>
                <Table.Td>
                  <TargetText target={hook.target} />
                  {hook.description !== '' && (
                    <Text size="xs" c="dimmed">
                      {hook.description}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{hook.topics.join(', ')}</Table.Td>
                <Table.Td>
                  <Badge color={hook.active ? 'green' : 'gray'} variant="light">
                    {hook.active ? t('hooks.on') : t('hooks.off')}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" justify="flex-end">
                    <Button
                      size="xs"
                      variant="subtle"
                      onClick={() => {
                        setLogOf(logOf === hook.id ? null : hook.id);
                      }}
                    >
                      {t('hooks.log')}
                    </Button>
                    {canManage && (
                      <>
                        <Button
                          size="xs"
                          variant="default"
                          aria-label={t('hooks.pingLabel', { target: hook.target })}
                          loading={ping.isPending && ping.variables === hook.id}
                          onClick={() => {
                            setLogOf(hook.id);
                            ping.mutate(hook.id, { onSuccess: () => { notifySuccess(t('hooks.pinged')); } });
                          }}
                        >
                          {t('hooks.ping')}
                        </Button>
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => {
                            update.reset();
                            setEditing(hook);
                          }}
                        >
                          {t('hooks.edit')}
                        </Button>
                        <Button
                          size="xs"
                          variant="default"
                          loading={rotate.isPending && rotate.variables === hook.id}
                          onClick={() => {
                            rotate.mutate(hook.id);
                          }}
                        >
                          {t('hooks.rotate')}
                        </Button>
                        <Button
                          size="xs"
                          color="red"
                          variant="light"
                          onClick={() => {
                            if (globalThis.confirm(t('hooks.confirmDelete', { target: hook.target }))) remove.mutate(hook.id);
                          }}
                        >
                          {t('common.remove')}
                        </Button>
                      </>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <FormError error={remove.error ?? rotate.error ?? ping.error} />
      {hooks.data
        ?.filter((hook) => hook.id === logOf)
        .map((hook) => (
          <Stack key={hook.id} gap="xs">
            <Title order={2} size="h4">
              {t('hooks.logTitle')}
            </Title>
            <DeliveryLog scope={scope} hook={hook} canManage={canManage} />
          </Stack>
        ))}
      <Modal opened={creating} onClose={() => { setCreating(false); }} title={t('hooks.new')} size="lg">
        <HookEditor
          initial={NEW_HOOK}
          pending={create.isPending}
          error={create.error}
          onSubmit={(form) => {
            create.mutate(form);
          }}
          onCancel={() => {
            setCreating(false);
          }}
        />
      </Modal>
      <Modal opened={editing !== null} onClose={() => { setEditing(null); }} title={t('hooks.edit')} size="lg">
        {editing !== null && (
          <HookEditor
            initial={{ target: editing.target, topics: editing.topics, active: editing.active, description: editing.description, language: editing.language }}
            pending={update.isPending}
            error={update.error}
            onSubmit={(form) => {
              update.mutate({ id: editing.id, form });
            }}
            onCancel={() => {
              setEditing(null);
            }}
          />
        )}
      </Modal>
      <SecretDialog
        issued={issued}
        onClose={() => {
          setIssued(null);
        }}
      />
    </Stack>
  );
}
