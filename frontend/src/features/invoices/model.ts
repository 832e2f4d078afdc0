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

export type ResponseCode = Schemas['ResponseCode'];
export type Clarification = Schemas['ClarificationDto'];
export type RespondRequest = Schemas['RespondRequest'];

/** Peppol Invoice Response codes (UNCL4343 subset), in the order a buyer usually meets them. */
export const RESPONSE_CODES = ['ab', 'ip', 'uq', 'ca', 're', 'ap', 'pd'] as const satisfies readonly ResponseCode[];

/** The codes that need at least one reason (the server refuses them without). */
export const NEEDS_REASON: readonly ResponseCode[] = ['uq', 'ca', 're'];

/** OPStatusReason: why the buyer answers as it does. */
export const REASON_CODES = [
  'NON', 'REF', 'LEG', 'REC', 'QUA', 'DEL', 'PRI', 'QTY', 'ITM', 'PAY', 'UNR', 'FIN', 'PPD', 'OTH',
] as const;

/** OPStatusAction: what the buyer asks the seller to do. */
export const ACTION_CODES = ['NOA', 'PIN', 'NIN', 'CNF', 'CNP', 'CNA', 'OTH'] as const;

export const CHANNELS = ['internal', 'peppol', 'email', 'api'] as const satisfies readonly Channel[];
