import type { TFunction } from 'i18next';

import type { DraftStatus, IntakeReason, IntakeStatus, TrustedSenderKind, TrustedSenderStatus } from '@/api/types';

export function reasonLabel(t: TFunction, reason: IntakeReason): string {
  return t(`intake.reasons.${reason}`);
}

export function messageStatusLabel(t: TFunction, status: IntakeStatus): string {
  return t(`intake.statuses.${status}`);
}

export function senderStatusLabel(t: TFunction, status: TrustedSenderStatus): string {
  return t(`intake.senderStatuses.${status}`);
}

export function senderKindLabel(t: TFunction, kind: TrustedSenderKind): string {
  return t(`intake.kinds.${kind}`);
}

export const STATUS_COLOR: Record<IntakeStatus, string> = {
  received: 'blue',
  processed: 'green',
  partly_processed: 'orange',
  rejected: 'red',
};

export const DRAFT_STATUS_COLOR: Record<DraftStatus, string> = {
  open: 'blue',
  completed: 'green',
  discarded: 'gray',
};
