import {
  Anchor,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Loader,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { Link, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fieldErrorsByPath, isApiError } from '@/api/errors';
import type { DraftStatus, IntakeMessage, Organization, TrustedSender, TrustedSenderKind } from '@/api/types';
import { NotFound } from '@/components/errors/not-found';
import { FormError } from '@/components/forms/form-error';
import { notifySuccess } from '@/components/forms/notify';
import { formatDateTime, formatPrice } from '@/lib/format';

import { useDrafts } from './api/drafts';

import {
  useAddTrustedSender,
  useIntake,
  useIntakeMessage,
  useIntakeMessages,
  useInviteTrustedSender,
  useOrganization,
  useRemoveTrustedSender,
  useSetIntakePreferences,
  useSetTrustedSenderStatus,
  useTrustedSenders,
} from './api/intake';
import {
  DRAFT_STATUS_COLOR,
  messageStatusLabel,
  reasonLabel,
  senderKindLabel,
  senderStatusLabel,
  STATUS_COLOR,
} from './labels';

/** Organization → Email intake: the two addresses, trusted senders and the intake log. */
export function IntakePage() {
  const { t } = useTranslation();
  const { organizationId } = useParams({ from: '/app/organizations/$organizationId/intake' });
  const organization = useOrganization(organizationId);

  if (isApiError(organization.error) && organization.error.status === 404) return <NotFound />;
  if (organization.isPending) return <Loader size="sm" />;
  if (organization.data === undefined) return <FormError error={organization.error} />;
  const org = organization.data;
  return (
    <Stack gap="xl">
      <Anchor
        size="sm"
        renderRoot={(props) => <Link to="/organizations/$organizationId" params={{ organizationId }} {...props} />}
      >
        ← {org.statutoryName}
      </Anchor>
      <Title order={1}>{t('intake.title', { name: org.statutoryName })}</Title>
      <Addresses org={org} canManage={org.myRole === 'administrator'} />
      <Drafts org={org} />
      <Senders org={org} canManage={org.myRole === 'administrator'} />
      <Log org={org} />
    </Stack>
  );
}

function Addresses({ org, canManage }: { org: Organization; canManage: boolean }) {
  const { t } = useTranslation();
  const intake = useIntake(org.id);
  const preferences = useSetIntakePreferences();
  if (intake.data === undefined) return <FormError error={intake.error} />;
  const { purchaseAddress, salesAddress } = intake.data;
  if (purchaseAddress === null || purchaseAddress === undefined || salesAddress === null || salesAddress === undefined) {
    return <Text c="dimmed">{t('intake.notActive')}</Text>;
  }
  const rows = [
    { label: t('intake.purchaseAddress'), help: t('intake.purchaseHelp'), value: purchaseAddress },
    { label: t('intake.salesAddress'), help: t('intake.salesHelp'), value: salesAddress },
  ];
  return (
    <Stack>
      <Title order={2} size="h3">
        {t('intake.addresses')}
      </Title>
      {rows.map((row) => (
        <Stack key={row.value} gap={2}>
          <Text fw={500}>{row.label}</Text>
          <Group wrap="nowrap">
            <Code>{row.value}</Code>
            <CopyButton value={row.value}>
              {({ copied, copy }) => (
                <Button size="xs" variant="default" aria-label={t('intake.copyAddress', { address: row.value })} onClick={copy}>
                  {copied ? t('common.copied') : t('common.copy')}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Text size="sm" c="dimmed">
            {row.help}
          </Text>
        </Stack>
      ))}
      <Text size="sm" c="dimmed">
        {t('intake.rules', {
          invoices: intake.data.maxInvoicesPerMessage,
          messageMb: Math.round(intake.data.maxMessageBytes / 1048576),
          fileMb: Math.round(intake.data.maxAttachmentBytes / 1048576),
        })}
      </Text>
      <Switch
        label={t('intake.salesAsDrafts')}
        description={t('intake.salesAsDraftsHelp')}
        checked={intake.data.salesAsDrafts}
        disabled={!canManage || preferences.isPending}
        onChange={(event) => {
          preferences.mutate({
            params: { path: { id: org.id } },
            body: { salesAsDrafts: event.currentTarget.checked },
          });
        }}
      />
      <FormError error={preferences.error} />
    </Stack>
  );
}

function AddSender({ org }: { org: Organization }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<TrustedSenderKind>('address');
  const [value, setValue] = useState('');
  const [contact, setContact] = useState('');
  const [language, setLanguage] = useState<'nl' | 'en'>('nl');
  const add = useAddTrustedSender({
    onSuccess: (sender) => {
      notifySuccess(t('intake.added', { value: sender.value }));
      setValue('');
      setContact('');
    },
  });
  const errors = fieldErrorsByPath(add.error);
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        {t('intake.addSender')}
      </Title>
      <SegmentedControl
        value={kind}
        onChange={(v) => {
          setKind(v === 'domain' ? 'domain' : 'address');
        }}
        data={[
          { value: 'address', label: senderKindLabel(t, 'address') },
          { value: 'domain', label: senderKindLabel(t, 'domain') },
        ]}
        w={280}
      />
      <Group align="flex-start">
        <TextInput
          label={kind === 'domain' ? t('intake.domain') : t('intake.address')}
          placeholder={kind === 'domain' ? 'leverancier.nl' : 'facturen@leverancier.nl'}
          value={value}
          maxLength={254}
          onChange={(event) => {
            setValue(event.currentTarget.value);
          }}
          error={errors.value}
          w={280}
        />
        <TextInput
          label={t('intake.contact')}
          description={t('intake.contactHelp')}
          value={contact}
          maxLength={254}
          onChange={(event) => {
            setContact(event.currentTarget.value);
          }}
          error={errors.contactEmail}
          w={280}
        />
        <Select
          label={t('intake.language')}
          data={[
            { value: 'nl', label: 'Nederlands' },
            { value: 'en', label: 'English' },
          ]}
          value={language}
          onChange={(v) => {
            setLanguage(v === 'en' ? 'en' : 'nl');
          }}
          allowDeselect={false}
          w={140}
        />
      </Group>
      <Group>
        <Button
          loading={add.isPending}
          disabled={value.trim() === '' || contact.trim() === ''}
          onClick={() => {
            add.mutate({ params: { path: { id: org.id } }, body: { kind, value, contactEmail: contact, language } });
          }}
        >
          {t('intake.add')}
        </Button>
      </Group>
      {Object.keys(errors).length === 0 && <FormError error={add.error} />}
    </Stack>
  );
}

function SenderActions({ org, sender }: { org: Organization; sender: TrustedSender }) {
  const { t } = useTranslation();
  const params = { path: { id: org.id, senderId: sender.id } };
  const invite = useInviteTrustedSender({
    onSuccess: () => {
      notifySuccess(t('intake.invited', { contact: sender.contactEmail }));
    },
  });
  const status = useSetTrustedSenderStatus();
  const remove = useRemoveTrustedSender();
  const error = invite.error ?? status.error ?? remove.error;
  return (
    <Stack gap={2}>
      <Group gap={4} wrap="nowrap">
        {sender.status !== 'active' && (
          <Button size="xs" variant="subtle" loading={invite.isPending} aria-label={t('intake.inviteLabel', { value: sender.value })} onClick={() => {
              invite.mutate({ params });
            }}>
            {t('intake.invite')}
          </Button>
        )}
        <Button
          size="xs"
          variant="subtle"
          loading={status.isPending}
          aria-label={t(sender.status === 'active' ? 'intake.deactivateLabel' : 'intake.activateLabel', { value: sender.value })}
          onClick={() => {
            status.mutate({ params, body: { status: sender.status === 'active' ? 'inactive' : 'active' } });
          }}
        >
          {sender.status === 'active' ? t('intake.deactivate') : t('intake.activate')}
        </Button>
        <Button size="xs" variant="subtle" color="red" loading={remove.isPending} aria-label={t('intake.removeLabel', { value: sender.value })} onClick={() => {
            remove.mutate({ params });
          }}>
          {t('intake.remove')}
        </Button>
      </Group>
      <FormError error={error} />
    </Stack>
  );
}

function Senders({ org, canManage }: { org: Organization; canManage: boolean }) {
  const { t } = useTranslation();
  const senders = useTrustedSenders(org.id);
  return (
    <Stack>
      <Title order={2} size="h3">
        {t('intake.senders')}
      </Title>
      <Text>{t('intake.sendersIntro')}</Text>
      <FormError error={senders.error} />
      {senders.data?.length === 0 && <Text c="dimmed">{t('intake.noSenders')}</Text>}
      {senders.data !== undefined && senders.data.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('intake.sender')}</Table.Th>
                <Table.Th>{t('intake.contact')}</Table.Th>
                <Table.Th>{t('intake.status')}</Table.Th>
                {canManage && <Table.Th>{t('intake.actions')}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {senders.data.map((sender) => (
                <Table.Tr key={sender.id}>
                  <Table.Td>
                    {sender.value} <Text span size="xs" c="dimmed">({senderKindLabel(t, sender.kind)})</Text>
                  </Table.Td>
                  <Table.Td>{sender.contactEmail}</Table.Td>
                  <Table.Td>
                    <Badge color={sender.status === 'active' ? 'green' : 'gray'} variant="light">
                      {senderStatusLabel(t, sender.status)}
                    </Badge>
                  </Table.Td>
                  {canManage && (
                    <Table.Td>
                      <SenderActions org={org} sender={sender} />
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {canManage ? <AddSender org={org} /> : <Text c="dimmed">{t('intake.adminOnly')}</Text>}
    </Stack>
  );
}

function Verdict({ verdict }: { verdict: NonNullable<IntakeMessage['senderVerdict']> }) {
  const { t } = useTranslation();
  const dkim = verdict.dkim.map((d) => `${d.domain} ${d.result}`).join(', ') || 'none';
  return (
    <Text size="sm" c={verdict.authenticated ? 'dimmed' : 'red'}>
      {t(verdict.authenticated ? 'intake.authenticated' : 'intake.notAuthenticated')}:{' '}
      {t('intake.verdict', { spf: verdict.spf, dkim, dmarc: verdict.dmarc, policy: verdict.dmarcPolicy })}
    </Text>
  );
}

function MessageDialog({ org, message, onClose }: { org: Organization; message: IntakeMessage; onClose: () => void }) {
  const { t } = useTranslation();
  const detail = useIntakeMessage(org.id, message.id);
  return (
    <Modal opened onClose={onClose} title={message.subject ?? t('intake.noSubject')} size="xl">
      <Stack>
        <Text size="sm">
          {t('intake.from', { sender: message.sender ?? '—' })} · {message.recipient}
        </Text>
        {message.reason !== null && message.reason !== undefined && (
          <Text role="status">{reasonLabel(t, message.reason)}</Text>
        )}
        {message.senderVerdict != null && <Verdict verdict={message.senderVerdict} />}
        <FormError error={detail.error} />
        {detail.data !== undefined && detail.data.items.length > 0 && (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('intake.file')}</Table.Th>
                <Table.Th>{t('intake.outcome')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {detail.data.items.map((item) => (
                <Table.Tr key={item.position}>
                  <Table.Td>{item.filename ?? item.contentType}</Table.Td>
                  <Table.Td>
                    <Stack gap={2}>
                      <Text size="sm">
                        {item.outcome === 'document'
                          ? t('intake.becameDocument')
                          : item.outcome === 'draft'
                            ? t('intake.becameDraft')
                            : item.reason !== null && item.reason !== undefined
                            ? reasonLabel(t, item.reason)
                              : t(`intake.outcomes.${item.outcome}`)}
                      </Text>
                      {item.draftId !== null && item.draftId !== undefined && (
                        <Anchor
                          size="sm"
                          renderRoot={(props) => (
                            <Link
                              to="/organizations/$organizationId/intake/drafts/$draftId"
                              params={{ organizationId: org.id, draftId: item.draftId ?? '' }}
                              {...props}
                            />
                          )}
                        >
                          {t('intake.openDraft')}
                        </Anchor>
                      )}
                      {item.detail !== null && item.detail !== undefined && (
                        <Code block style={{ whiteSpace: 'pre-wrap' }}>
                          {item.detail}
                        </Code>
                      )}
                    </Stack>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Modal>
  );
}

function Log({ org }: { org: Organization }) {
  const { t, i18n } = useTranslation();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [open, setOpen] = useState<IntakeMessage | null>(null);
  const messages = useIntakeMessages(org.id, cursors[cursors.length - 1]);
  const items = messages.data?.items ?? [];
  const next = messages.data?.nextCursor ?? null;
  return (
    <Stack>
      <Title order={2} size="h3">
        {t('intake.log')}
      </Title>
      <FormError error={messages.error} />
      {messages.data !== undefined && items.length === 0 && <Text c="dimmed">{t('intake.noMessages')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('intake.received')}</Table.Th>
                <Table.Th>{t('intake.sender')}</Table.Th>
                <Table.Th>{t('intake.subject')}</Table.Th>
                <Table.Th>{t('intake.kind')}</Table.Th>
                <Table.Th>{t('intake.status')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((message) => (
                <Table.Tr key={message.id}>
                  <Table.Td>{formatDateTime(message.receivedAt, i18n.language)}</Table.Td>
                  <Table.Td>{message.sender ?? '—'}</Table.Td>
                  <Table.Td>
                    <Anchor
                      component="button"
                      onClick={() => {
                        setOpen(message);
                      }}
                    >
                      {message.subject ?? t('intake.noSubject')}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{t(`intake.purposes.${message.purpose}`)}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLOR[message.status]} variant="light">
                      {messageStatusLabel(t, message.status)}
                    </Badge>
                  </Table.Td>
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
            {t('intake.more')}
          </Button>
        </Group>
      )}
      {open !== null && (
        <MessageDialog
          org={org}
          message={open}
          onClose={() => {
            setOpen(null);
          }}
        />
      )}
    </Stack>
  );
}

const DRAFT_FILTERS = ['open', 'completed', 'discarded', 'all'] as const;

/** The drafts recognised from PDFs with text only, open ones first shown. */
function Drafts({ org }: { org: Organization }) {
  const { t, i18n } = useTranslation();
  const [filter, setFilter] = useState<(typeof DRAFT_FILTERS)[number]>('open');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const status: DraftStatus | undefined = filter === 'all' ? undefined : filter;
  const drafts = useDrafts(org.id, status, cursors[cursors.length - 1]);
  const items = drafts.data?.items ?? [];
  const next = drafts.data?.nextCursor ?? null;
  return (
    <Stack>
      <Title order={2} size="h3">
        {t('intake.drafts.title')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('intake.drafts.intro')}
      </Text>
      <SegmentedControl
        aria-label={t('intake.drafts.filter')}
        value={filter}
        onChange={(value) => {
          setFilter(DRAFT_FILTERS.find((f) => f === value) ?? 'open');
          setCursors([undefined]);
        }}
        data={DRAFT_FILTERS.map((f) => ({
          value: f,
          label: f === 'all' ? t('intake.drafts.all') : t(`intake.drafts.statuses.${f}`),
        }))}
      />
      <FormError error={drafts.error} />
      {drafts.data !== undefined && items.length === 0 && <Text c="dimmed">{t('intake.drafts.none')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('intake.drafts.created')}</Table.Th>
                <Table.Th>{t('intake.drafts.file')}</Table.Th>
                <Table.Th>{t('intake.drafts.party')}</Table.Th>
                <Table.Th>{t('intake.drafts.number')}</Table.Th>
                <Table.Th>{t('intake.drafts.payable')}</Table.Th>
                <Table.Th>{t('intake.kind')}</Table.Th>
                <Table.Th>{t('intake.drafts.status')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((draft) => {
                const name = draft.filename ?? 'PDF';
                const party = draft.purpose === 'purchase' ? draft.fields.sellerName : draft.fields.buyerName;
                return (
                  <Table.Tr key={draft.id}>
                    <Table.Td>{formatDateTime(draft.createdAt, i18n.language)}</Table.Td>
                    <Table.Td>
                      <Anchor
                        aria-label={t('intake.drafts.open', { name })}
                        renderRoot={(props) => (
                          <Link
                            to="/organizations/$organizationId/intake/drafts/$draftId"
                            params={{ organizationId: org.id, draftId: draft.id }}
                            {...props}
                          />
                        )}
                      >
                        {name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{party ?? '—'}</Table.Td>
                    <Table.Td>{draft.fields.invoiceNumber ?? '—'}</Table.Td>
                    <Table.Td>
                      {draft.fields.payable === null
                        ? '—'
                        : formatPrice(draft.fields.payable, draft.fields.currency ?? 'EUR', i18n.language)}
                    </Table.Td>
                    <Table.Td>{t(`intake.purposes.${draft.purpose}`)}</Table.Td>
                    <Table.Td>
                      <Badge color={DRAFT_STATUS_COLOR[draft.status]} variant="light">
                        {t(`intake.drafts.statuses.${draft.status}`)}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
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
            {t('intake.more')}
          </Button>
        </Group>
      )}
    </Stack>
  );
}
