import type { TFunction } from 'i18next';

import type { Connection, ConnectionScope } from '@/api/types';

export const SCOPES = ['send', 'receive', 'document_status', 'webhooks'] as const satisfies readonly ConnectionScope[];

export function isScope(value: string): value is ConnectionScope {
  return (SCOPES as readonly string[]).includes(value);
}

export function scopeLabel(t: TFunction, scope: ConnectionScope): string {
  return t(`connections.scopeNames.${scope}`);
}

export function statusLabel(t: TFunction, status: Connection['status']): string {
  return t(`connections.statuses.${status}`);
}

/** Software packages offered in the form; anything else is typed in. */
export const SOFTWARE_PACKAGES = [
  'AFAS Profit',
  'e-Boekhouden.nl',
  'Exact Online',
  'Moneybird',
  'Reeleezee',
  'SnelStart',
  'Twinfield',
  'Visma eAccounting',
  'Yuki',
] as const;
