import type { components } from '@/api/generated/schema';

type Schemas = components['schemas'];

export type Party = Schemas['PartyDto'];
export type InvoiceDocument = Schemas['DocumentDto'];
export type DocumentEvent = Schemas['DocumentEventDto'];
export type DocumentStatus = Schemas['DocumentStatus'];
export type DocumentEventKind = Schemas['DocumentEventKind'];
export type Channel = Schemas['Channel'];
export type ValidationReport = Schemas['ValidationReport'];
export type Finding = Schemas['Finding'];
export type Severity = Schemas['Severity'];
export type SendResult = Schemas['SendResult'];
export type SharedInvoice = Schemas['SharedInvoiceDto'];

/** Outbox = sales invoices (sent by the party), inbox = purchase invoices (received by it). */
export type Box = 'outbox' | 'inbox';
export type DownloadFormat = 'original' | 'ubl' | 'cii' | 'pdf' | 'html';

export const DOCUMENT_STATUSES = [
  'pending', 'validated', 'routed', 'retrying', 'delivered', 'failed', 'received', 'downloaded', 'opened',
  'under_review', 'approved', 'paid', 'rejected', 'duplicate',
] as const satisfies readonly DocumentStatus[];

/** The statuses each box can show, for its status filter. */
export const BOX_STATUSES: Record<Box, readonly DocumentStatus[]> = {
  outbox: ['pending', 'validated', 'routed', 'retrying', 'delivered', 'failed'],
  inbox: ['received', 'duplicate', 'downloaded', 'opened', 'under_review', 'approved', 'paid', 'rejected'],
};

/** The statuses a person may set on an inbox document by hand (StatusRequest). */
export const INBOX_ACTIONS = ['under_review', 'approved', 'paid', 'rejected'] as const satisfies readonly DocumentStatus[];
