import type { TFunction } from 'i18next';

/**
 * Labels for the API's enumerated strings. The spec types role, status and language as plain
 * strings, so unknown values fall back to the raw value instead of failing.
 */
export function roleLabel(t: TFunction, role: string): string {
  switch (role) {
    case 'basic':
      return t('roles.basic');
    case 'advanced':
      return t('roles.advanced');
    case 'administrator':
      return t('roles.administrator');
    default:
      return role;
  }
}

export function userStatusLabel(t: TFunction, status: string): string {
  switch (status) {
    case 'invited':
      return t('userStatus.invited');
    case 'active':
      return t('userStatus.active');
    case 'deactivated':
      return t('userStatus.deactivated');
    default:
      return status;
  }
}

export function userStatusColor(status: string): string {
  return status === 'active' ? 'green' : status === 'invited' ? 'blue' : 'gray';
}

export function emailStatusLabel(t: TFunction, status: string): string {
  switch (status) {
    case 'unverified':
      return t('emailStatus.unverified');
    case 'pending_approval':
      return t('emailStatus.pending_approval');
    case 'active':
      return t('emailStatus.active');
    default:
      return status;
  }
}

export function emailStatusColor(status: string): string {
  return status === 'active' ? 'green' : status === 'pending_approval' ? 'yellow' : 'gray';
}
