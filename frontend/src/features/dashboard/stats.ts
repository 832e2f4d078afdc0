import type { components } from '@/api/generated/schema';

export type InvoiceDocument = components['schemas']['DocumentDto'];
export type Party = components['schemas']['PartyDto'];
type DocumentStatus = components['schemas']['DocumentStatus'];
type Channel = components['schemas']['Channel'];

export const DASHBOARD_DAYS = 30;

/** What the bars of a chart are split by. */
export type GroupBy = 'status' | 'channel';

/** Days as `YYYY-MM-DD` in local time, oldest first, ending today. */
export function lastDays(count: number, today: Date = new Date()): string[] {
  const days: string[] = [];
  for (let back = count - 1; back >= 0; back--) {
    const day = new Date(today.getFullYear(), today.getMonth(), today.getDate() - back);
    days.push(localDay(day));
  }
  return days;
}

/** The start of the first of the last `count` days, as the API's `from` (RFC 3339). */
export function periodStart(count: number, today: Date = new Date()): string {
  return new Date(today.getFullYear(), today.getMonth(), today.getDate() - (count - 1)).toISOString();
}

export function localDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${String(date.getFullYear())}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export const DOCUMENT_STATUSES = [
  'pending', 'validated', 'routed', 'retrying', 'delivered', 'failed', 'received', 'duplicate', 'downloaded',
  'opened', 'under_review', 'approved', 'paid', 'rejected',
] as const satisfies readonly DocumentStatus[];

export function isStatus(key: string): key is DocumentStatus {
  return (DOCUMENT_STATUSES as readonly string[]).includes(key);
}

export interface Series {
  /** A status or a channel (`none` for documents not routed yet). */
  key: DocumentStatus | Channel | 'none';
  /** One count per day of `days`. */
  counts: number[];
}

/**
 * Documents per day (by the day they were created, in local time), split by status or channel:
 * one series per key that occurs, in a fixed order so the colours stay put.
 */
export function perDay(documents: readonly InvoiceDocument[], days: readonly string[], groupBy: GroupBy): Series[] {
  const index = new Map(days.map((day, i) => [day, i]));
  const series = new Map<Series['key'], number[]>();
  for (const document of documents) {
    const at = index.get(localDay(new Date(document.createdAt)));
    if (at === undefined) continue;
    const key = groupBy === 'status' ? document.status : (document.channel ?? 'none');
    const counts = series.get(key) ?? days.map(() => 0);
    counts[at] = (counts[at] ?? 0) + 1;
    series.set(key, counts);
  }
  return [...series.entries()]
    .map(([key, counts]) => ({ key, counts }))
    .sort((a, b) => ORDER.indexOf(a.key) - ORDER.indexOf(b.key));
}

const ORDER: readonly Series['key'][] = [...DOCUMENT_STATUSES, 'internal', 'peppol', 'email', 'api', 'email_intake', 'none'];

/** A colour per status or channel that tells stacked neighbours apart (Mantine's palette). */
export const SERIES_COLORS: Record<Series['key'], string> = {
  pending: '#adb5bd',
  validated: '#74c0fc',
  routed: '#4dabf7',
  retrying: '#fab005',
  delivered: '#40c057',
  failed: '#fa5252',
  received: '#228be6',
  duplicate: '#fd7e14',
  downloaded: '#15aabf',
  opened: '#7950f2',
  under_review: '#ffd43b',
  approved: '#2f9e44',
  paid: '#087f5b',
  rejected: '#e03131',
  internal: '#228be6',
  peppol: '#7950f2',
  email: '#fd7e14',
  api: '#15aabf',
  email_intake: '#e64980',
  none: '#adb5bd',
};
