import { Badge, Button, Group, Menu, Modal, Select, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { errorMessage, fieldErrors } from '@/api/errors';
import { roleLabel, userStatusColor, userStatusLabel } from '@/api/labels';
import { ROLES, type Role, type User } from '@/api/types';
import { AdminOnly } from '@/components/errors/admin-only';
import { FormError } from '@/components/forms/form-error';
import { notifyError, notifySuccess } from '@/components/forms/notify';
import { useCurrentUser } from '@/lib/session';

import {
  useAddUser,
  useInviteUser,
  useRemoveUser,
  useUpdateUser,
  useUserActions,
  useUsers,
  type UserAction,
} from './api/users';
import { EmailApprovals } from './email-approvals';

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
  const roles = useRoleOptions();
  const form = useForm({ initialValues: { email: '', name: '', role: 'basic' } });
  const texts = kind === 'invite' ? 'users.inviteDialog' : 'users.addDialog';
  const callbacks = {
    onSuccess: (user: User) => {
      notifySuccess(t(`${texts}.done`, { email: user.email }));
      form.reset();
      onClose();
    },
    onError: (error: unknown) => {
      form.setErrors(fieldErrors(error, ['email', 'name', 'role']));
    },
  };
  const invite = useInviteUser(callbacks);
  const add = useAddUser(callbacks);
  const create = kind === 'invite' ? invite : add;
  const submit = ({ email, name, role }: typeof form.values) => {
    const safeRole = isRole(role) ? role : 'basic';
    const trimmedName = name.trim();
    if (kind === 'invite') {
      invite.mutate({ body: { email: email.trim(), role: safeRole, ...(trimmedName === '' ? {} : { name: trimmedName }) } });
    } else {
      add.mutate({ body: { email: email.trim(), name: trimmedName, role: safeRole } });
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title={t(`${texts}.title`)}>
      <form onSubmit={form.onSubmit(submit)} noValidate>
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

function UserRow({ user, isSelf, onRemove }: { user: User; isSelf: boolean; onRemove: (user: User) => void }) {
  const { t } = useTranslation();
  const roles = useRoleOptions();
  const update = useUpdateUser({
    onSuccess: (updated) => {
      notifySuccess(t('users.updated', { name: updated.name }));
    },
    onError: (error) => {
      notifyError(errorMessage(error, t));
    },
  });
  const actions = useUserActions({
    onSuccess: (action: UserAction) => {
      const messages = {
        resend: t('users.resent'),
        withdraw: t('users.withdrawn'),
        deactivate: t('users.deactivated', { name: user.name }),
        reactivate: t('users.reactivated', { name: user.name }),
      };
      notifySuccess(messages[action]);
    },
    onError: (error) => {
      notifyError(errorMessage(error, t));
    },
  });
  const acting = Object.values(actions).some((action) => action.isPending);
  const act = (action: UserAction) => {
    actions[action].mutate({ params: { path: { id: user.id } } });
  };
  const patch = (body: { role?: Role; relationshipManager?: boolean }) => {
    update.mutate({ params: { path: { id: user.id } }, body });
  };
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
            if (isRole(value) && value !== user.role) patch({ role: value });
          }}
        />
      </Table.Td>
      <Table.Td>
        <Switch
          aria-label={t('users.relationshipManagerLabel', { name: label })}
          checked={user.relationshipManager}
          disabled={update.isPending}
          onChange={(event) => {
            patch({ relationshipManager: event.currentTarget.checked });
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
            <Button size="xs" variant="default" aria-label={t('users.actionsLabel', { name: label })} loading={acting}>
              …
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            {user.status === 'invited' && (
              <>
                <Menu.Item onClick={() => { act('resend'); }}>{t('users.resend')}</Menu.Item>
                <Menu.Item onClick={() => { act('withdraw'); }}>{t('users.withdraw')}</Menu.Item>
              </>
            )}
            {user.status === 'active' && !isSelf && (
              <Menu.Item onClick={() => { act('deactivate'); }}>{t('users.deactivate')}</Menu.Item>
            )}
            {user.status === 'deactivated' && (
              <Menu.Item onClick={() => { act('reactivate'); }}>{t('users.reactivate')}</Menu.Item>
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
  const remove = useRemoveUser({
    onSuccess: () => {
      if (user !== null) notifySuccess(t('users.removed', { name: user.name || user.email }));
      onClose();
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
              if (user !== null) remove.mutate({ params: { path: { id: user.id } } });
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
  const users = useUsers();
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
