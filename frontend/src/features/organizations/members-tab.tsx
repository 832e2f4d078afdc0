import { Button, Group, Modal, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

import { errorMessage, fieldErrorsByPath } from '@/api/errors';
import type { OrgMember, Organization } from '@/api/types';
import { FormError } from '@/components/forms/form-error';
import { notifyError, notifySuccess } from '@/components/forms/notify';
import { useCurrentUser } from '@/lib/session';

import { useAddMember, useChangeMemberRole, useMemberCandidates, useMembers, useRemoveMember } from './api/members';
import { isOrgRole, ORG_ROLES, orgRoleLabel, type OrgRole } from './labels';
import { PartnerAccessSection } from './partner-access-section';

function useRoleOptions() {
  const { t } = useTranslation();
  return ORG_ROLES.map((role) => ({ value: role, label: orgRoleLabel(t, role) }));
}

function AddMember({ org }: { org: Organization }) {
  const { t } = useTranslation();
  const roles = useRoleOptions();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const [userId, setUserId] = useState<string | null>(null);
  const [role, setRole] = useState<OrgRole>('member');
  const candidates = useMemberCandidates(org.id, q.trim());
  const add = useAddMember({
    onSuccess: (member) => {
      notifySuccess(t('organizations.members.added', { name: member.name || member.email }));
      setUserId(null);
      setSearch('');
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
            if (userId !== null) add.mutate({ params: { path: { id: org.id } }, body: { userId, role } });
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
  const roles = useRoleOptions();
  const label = member.name || member.email;
  const change = useChangeMemberRole({
    onSuccess: (updated) => {
      notifySuccess(t('organizations.members.changed', { name: updated.name || updated.email }));
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
              if (isOrgRole(value) && value !== member.role) {
                change.mutate({ params: { path: { id: org.id, userId: member.userId } }, body: { role: value } });
              }
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
  const remove = useRemoveMember({
    onSuccess: () => {
      notifySuccess(t('organizations.members.removed', { name: member === null ? '' : member.name || member.email }));
      onClose();
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
              if (member !== null) remove.mutate({ params: { path: { id: org.id, userId: member.userId } } });
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
  const members = useMembers(org.id);
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
      <PartnerAccessSection org={org} canManage={canManage} />
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
