import { Button, Group, Modal, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { fetchClient } from '@/api/client';
import { call, errorMessage, fieldErrorsByPath } from '@/api/errors';
import type { OrgMember, Organization } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifyError, notifySuccess } from '@/components/forms/notify';
import { useCurrentUser } from '@/lib/session';

import { orgKeys } from './api';
import { isOrgRole, ORG_ROLES, orgRoleLabel, type OrgRole } from './labels';

function useRoleOptions() {
  const { t } = useTranslation();
  return ORG_ROLES.map((role) => ({ value: role, label: orgRoleLabel(t, role) }));
}

function AddMember({ org }: { org: Organization }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const roles = useRoleOptions();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const [userId, setUserId] = useState<string | null>(null);
  const [role, setRole] = useState<OrgRole>('member');
  const candidates = useQuery({
    queryKey: orgKeys.candidates(org.id, q.trim()),
    queryFn: () =>
      call(
        fetchClient.GET('/api/v1/organizations/{id}/member-candidates', {
          params: { path: { id: org.id }, query: q.trim() === '' ? {} : { q: q.trim() } },
        }),
      ),
  });
  const add = useMutation({
    mutationFn: (body: { userId: string; role: OrgRole }) =>
      call(fetchClient.POST('/api/v1/organizations/{id}/members', { params: { path: { id: org.id } }, body })),
    onSuccess: (member) => {
      notifySuccess(t('organizations.members.added', { name: member.name || member.email }));
      setUserId(null);
      setSearch('');
      return Promise.all([
        queryClient.invalidateQueries({ queryKey: orgKeys.members(org.id) }),
        queryClient.invalidateQueries({ queryKey: ['organizations', org.id, 'member-candidates'] }),
      ]);
    },
  });
  const options = (candidates.data ?? []).map((user) => ({
    value: user.userId,
    label: user.name === '' ? user.email : `${user.name} (${user.email})`,
  }));
  const userError = fieldErrorsByPath(add.error).userId;
  return (
    <Stack>
      <Title order={2} size="h4">
        {t('organizations.members.addTitle')}
      </Title>
      <Group align="flex-start">
        <Select
          label={t('organizations.members.user')}
          placeholder={t('organizations.members.userPlaceholder')}
          data={options}
          value={userId}
          onChange={setUserId}
          searchable
          searchValue={search}
          onSearchChange={setSearch}
          filter={({ options: all }) => all}
          nothingFoundMessage={candidates.isFetching ? t('common.loading') : t('organizations.members.noCandidates')}
          w={320}
          error={userError}
        />
        <Select
          label={t('organizations.members.role')}
          data={roles}
          value={role}
          allowDeselect={false}
          onChange={(value) => {
            if (isOrgRole(value)) setRole(value);
          }}
          w={200}
        />
        <Button
          mt={25}
          disabled={userId === null}
          loading={add.isPending}
          onClick={() => {
            if (userId !== null) add.mutate({ userId, role });
          }}
        >
          {t('organizations.members.add')}
        </Button>
      </Group>
      {userError === undefined && <FormError error={add.error} />}
    </Stack>
  );
}

function MemberRow({
  org,
  member,
  canManage,
  isSelf,
  onRemove,
}: {
  org: Organization;
  member: OrgMember;
  canManage: boolean;
  isSelf: boolean;
  onRemove: (member: OrgMember) => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const roles = useRoleOptions();
  const label = member.name || member.email;
  const change = useMutation({
    mutationFn: (role: OrgRole) =>
      call(
        fetchClient.PATCH('/api/v1/organizations/{id}/members/{userId}', {
          params: { path: { id: org.id, userId: member.userId } },
          body: { role },
        }),
      ),
    onSuccess: (updated) => {
      notifySuccess(t('organizations.members.changed', { name: updated.name || updated.email }));
      return queryClient.invalidateQueries({ queryKey: orgKeys.members(org.id) });
    },
    onError: (error) => {
      notifyError(errorMessage(error, t));
    },
  });
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
      <Table.Td>{member.email}</Table.Td>
      <Table.Td>
        {canManage ? (
          <Select
            aria-label={t('organizations.members.roleLabel', { name: label })}
            data={roles}
            value={member.role}
            allowDeselect={false}
            size="xs"
            w={180}
            disabled={change.isPending}
            onChange={(value) => {
              if (isOrgRole(value) && value !== member.role) change.mutate(value);
            }}
          />
        ) : (
          orgRoleLabel(t, member.role)
        )}
      </Table.Td>
      {canManage && (
        <Table.Td>
          <Button
            size="xs"
            variant="subtle"
            color="red"
            aria-label={t('organizations.members.removeLabel', { name: label })}
            onClick={() => {
              onRemove(member);
            }}
          >
            {t('organizations.members.remove')}
          </Button>
        </Table.Td>
      )}
    </Table.Tr>
  );
}

function RemoveDialog({ org, member, onClose }: { org: Organization; member: OrgMember | null; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (target: OrgMember) =>
      call(
        fetchClient.DELETE('/api/v1/organizations/{id}/members/{userId}', {
          params: { path: { id: org.id, userId: target.userId } },
        }),
      ),
    onSuccess: (_result, target) => {
      notifySuccess(t('organizations.members.removed', { name: target.name || target.email }));
      onClose();
      return queryClient.invalidateQueries({ queryKey: ['organizations', org.id] });
    },
  });
  return (
    <Modal opened={member !== null} onClose={onClose} title={t('organizations.members.removeTitle')}>
      <Stack>
        <Text>
          {t('organizations.members.removeConfirm', { name: member === null ? '' : member.name || member.email, organization: org.statutoryName })}
        </Text>
        <FormError error={remove.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button
            color="red"
            loading={remove.isPending}
            onClick={() => {
              if (member !== null) remove.mutate(member);
            }}
          >
            {t('organizations.members.remove')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Who may act for the organization; Organization Administrators add, change and remove. */
export function MembersTab({ org, canManage }: { org: Organization; canManage: boolean }) {
  const { t } = useTranslation();
  const me = useCurrentUser();
  const [removing, setRemoving] = useState<OrgMember | null>(null);
  const members = useQuery({
    queryKey: orgKeys.members(org.id),
    queryFn: () => call(fetchClient.GET('/api/v1/organizations/{id}/members', { params: { path: { id: org.id } } })),
  });
  return (
    <Stack gap="lg">
      <FormError error={members.error} />
      {members.data?.length === 0 && <Text c="dimmed">{t('organizations.members.empty')}</Text>}
      {members.data !== undefined && members.data.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('organizations.members.name')}</Table.Th>
                <Table.Th>{t('organizations.members.email')}</Table.Th>
                <Table.Th>{t('organizations.members.role')}</Table.Th>
                {canManage && <Table.Th>{t('organizations.members.actions')}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {members.data.map((member) => (
                <MemberRow
                  key={member.userId}
                  org={org}
                  member={member}
                  canManage={canManage}
                  isSelf={member.userId === me.id}
                  onRemove={setRemoving}
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {canManage && <AddMember org={org} />}
      <RemoveDialog
        org={org}
        member={removing}
        onClose={() => {
          setRemoving(null);
        }}
      />
    </Stack>
  );
}
