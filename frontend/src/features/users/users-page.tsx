import { Badge, Button, Group, Menu, Modal, Select, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fetchClient } from '@/api/client';
import { call, errorMessage, fieldErrors } from '@/api/errors';
import { roleLabel, userStatusColor, userStatusLabel } from '@/api/labels';
import { ROLES, type Role, type User } from '@/api/types';
import { AdminOnly } from '@/components/errors/admin-only';
import { FormError } from '@/components/forms/form-error';
import { notifyError, notifySuccess } from '@/components/forms/notify';
import { useCurrentUser } from '@/lib/session';

import { EmailApprovals } from './email-approvals';

const USERS_KEY = ['users'];

function isRole(value: string | null): value is Role {
  return (ROLES as readonly (string | null)[]).includes(value);
}

function useRoleOptions() {
  const { t } = useTranslation();
  return ROLES.map((role) => ({ value: role, label: roleLabel(t, role) }));
}

type DialogKind = 'invite' | 'add';

/** Invite (they join via an emailed link) or add directly (they get a set-password email). */
function NewUserDialog({ kind, opened, onClose }: { kind: DialogKind; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const roles = useRoleOptions();
  const form = useForm({ initialValues: { email: '', name: '', role: 'basic' } });
  const texts = kind === 'invite' ? 'users.inviteDialog' : 'users.addDialog';
  const create = useMutation({
    mutationFn: async ({ email, name, role }: typeof form.values) => {
      const safeRole = isRole(role) ? role : 'basic';
      const trimmedName = name.trim();
      return kind === 'invite'
        ? call(
            fetchClient.POST('/api/v1/users/invitations', {
              body: { email: email.trim(), role: safeRole, ...(trimmedName === '' ? {} : { name: trimmedName }) },
            }),
          )
        : call(fetchClient.POST('/api/v1/users', { body: { email: email.trim(), name: trimmedName, role: safeRole } }));
    },
    onSuccess: (user) => {
      notifySuccess(t(`${texts}.done`, { email: user.email }));
      form.reset();
      onClose();
      return queryClient.invalidateQueries({ queryKey: USERS_KEY });
    },
    onError: (error) => {
      form.setErrors(fieldErrors(error, ['email', 'name', 'role']));
    },
  });
  return (
    <Modal opened={opened} onClose={onClose} title={t(`${texts}.title`)}>
      <form onSubmit={form.onSubmit((values) => { create.mutate(values); })} noValidate>
        <Stack>
          <Text size="sm">{t(`${texts}.help`)}</Text>
          <TextInput label={t(`${texts}.email`)} type="email" required data-autofocus {...form.getInputProps('email')} />
          <TextInput
            label={t(`${texts}.name`)}
            required={kind === 'add'}
            {...(kind === 'invite' ? { description: t('common.optional') } : {})}
            {...form.getInputProps('name')}
          />
          <Select label={t(`${texts}.role`)} data={roles} allowDeselect={false} {...form.getInputProps('role')} />
          <FormError error={create.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending}>
              {t(`${texts}.submit`)}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

type UserAction = 'resend' | 'withdraw' | 'deactivate' | 'reactivate' | 'remove';

function UserRow({ user, isSelf, onRemove }: { user: User; isSelf: boolean; onRemove: (user: User) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const roles = useRoleOptions();
  const refresh = () => queryClient.invalidateQueries({ queryKey: USERS_KEY });
  const update = useMutation({
    mutationFn: (body: { role?: Role; relationshipManager?: boolean }) =>
      call(fetchClient.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body })),
    onSuccess: (updated) => {
      notifySuccess(t('users.updated', { name: updated.name }));
      return refresh();
    },
    onError: (error) => {
      notifyError(errorMessage(error, t));
    },
  });
  const act = useMutation({
    mutationFn: (action: Exclude<UserAction, 'remove'>) => {
      const params = { params: { path: { id: user.id } } };
      switch (action) {
        case 'resend':
          return call(fetchClient.POST('/api/v1/users/{id}/invitation/resend', params));
        case 'withdraw':
          return call(fetchClient.DELETE('/api/v1/users/{id}/invitation', params));
        case 'deactivate':
          return call(fetchClient.POST('/api/v1/users/{id}/deactivate', params));
        case 'reactivate':
          return call(fetchClient.POST('/api/v1/users/{id}/reactivate', params));
      }
    },
    onSuccess: (_result, action) => {
      const messages = {
        resend: t('users.resent'),
        withdraw: t('users.withdrawn'),
        deactivate: t('users.deactivated', { name: user.name }),
        reactivate: t('users.reactivated', { name: user.name }),
      };
      notifySuccess(messages[action]);
      return refresh();
    },
    onError: (error) => {
      notifyError(errorMessage(error, t));
    },
  });
  const label = user.name || user.email;
  return (
    <Table.Tr>
      <Table.Td>
        {label}
        {isSelf && (
          <Text span c="dimmed" size="sm">
            {' '}
            ({t('users.you')})
          </Text>
        )}
      </Table.Td>
      <Table.Td>{user.email}</Table.Td>
      <Table.Td>
        <Select
          aria-label={t('users.roleLabel', { name: label })}
          data={roles}
          value={user.role}
          allowDeselect={false}
          size="xs"
          w={160}
          disabled={update.isPending}
          onChange={(value) => {
            if (isRole(value) && value !== user.role) update.mutate({ role: value });
          }}
        />
      </Table.Td>
      <Table.Td>
        <Switch
          aria-label={t('users.relationshipManagerLabel', { name: label })}
          checked={user.relationshipManager}
          disabled={update.isPending}
          onChange={(event) => {
            update.mutate({ relationshipManager: event.currentTarget.checked });
          }}
        />
      </Table.Td>
      <Table.Td>
        <Badge color={userStatusColor(user.status)} variant="light">
          {userStatusLabel(t, user.status)}
        </Badge>
      </Table.Td>
      <Table.Td>{user.twoFactorEnabled ? '✓' : '—'}</Table.Td>
      <Table.Td>
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <Button size="xs" variant="default" aria-label={t('users.actionsLabel', { name: label })} loading={act.isPending}>
              …
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            {user.status === 'invited' && (
              <>
                <Menu.Item onClick={() => { act.mutate('resend'); }}>{t('users.resend')}</Menu.Item>
                <Menu.Item onClick={() => { act.mutate('withdraw'); }}>{t('users.withdraw')}</Menu.Item>
              </>
            )}
            {user.status === 'active' && !isSelf && (
              <Menu.Item onClick={() => { act.mutate('deactivate'); }}>{t('users.deactivate')}</Menu.Item>
            )}
            {user.status === 'deactivated' && (
              <Menu.Item onClick={() => { act.mutate('reactivate'); }}>{t('users.reactivate')}</Menu.Item>
            )}
            {!isSelf && (
              <Menu.Item color="red" onClick={() => { onRemove(user); }}>
                {t('users.remove')}
              </Menu.Item>
            )}
          </Menu.Dropdown>
        </Menu>
      </Table.Td>
    </Table.Tr>
  );
}

function RemoveDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (id: string) => call(fetchClient.DELETE('/api/v1/users/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      if (user !== null) notifySuccess(t('users.removed', { name: user.name || user.email }));
      onClose();
      return queryClient.invalidateQueries({ queryKey: USERS_KEY });
    },
  });
  return (
    <Modal opened={user !== null} onClose={onClose} title={t('users.removeTitle')}>
      <Stack>
        <Text>{t('users.removeConfirm', { name: user?.name ?? '', email: user?.email ?? '' })}</Text>
        <FormError error={remove.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button color="red" loading={remove.isPending} onClick={() => {
              if (user !== null) remove.mutate(user.id);
            }}>
            {t('users.remove')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function UsersContent() {
  const { t } = useTranslation();
  const me = useCurrentUser();
  const users = useQuery({ queryKey: USERS_KEY, queryFn: () => call(fetchClient.GET('/api/v1/users')) });
  const [dialog, setDialog] = useState<DialogKind>('invite');
  const [opened, { open, close }] = useDisclosure(false);
  const [removing, setRemoving] = useState<User | null>(null);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1}>{t('users.title')}</Title>
        <Group>
          <Button
            variant="default"
            onClick={() => {
              setDialog('add');
              open();
            }}
          >
            {t('users.addDirect')}
          </Button>
          <Button
            onClick={() => {
              setDialog('invite');
              open();
            }}
          >
            {t('users.invite')}
          </Button>
        </Group>
      </Group>
      <FormError error={users.error} />
      {users.data?.length === 0 && <Text c="dimmed">{t('users.empty')}</Text>}
      {users.data !== undefined && users.data.length > 0 && (
        <Table.ScrollContainer minWidth={800}>
          <Table striped highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('users.columns.name')}</Table.Th>
                <Table.Th>{t('users.columns.email')}</Table.Th>
                <Table.Th>{t('users.columns.role')}</Table.Th>
                <Table.Th>{t('users.columns.relationshipManager')}</Table.Th>
                <Table.Th>{t('users.columns.status')}</Table.Th>
                <Table.Th>{t('users.columns.twoFactor')}</Table.Th>
                <Table.Th>{t('users.columns.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.data.map((user) => (
                <UserRow key={user.id} user={user} isSelf={user.id === me.id} onRemove={setRemoving} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <EmailApprovals />
      <NewUserDialog key={dialog} kind={dialog} opened={opened} onClose={close} />
      <RemoveDialog
        user={removing}
        onClose={() => {
          setRemoving(null);
        }}
      />
    </Stack>
  );
}

export function UsersPage() {
  return (
    <AdminOnly>
      <UsersContent />
    </AdminOnly>
  );
}
