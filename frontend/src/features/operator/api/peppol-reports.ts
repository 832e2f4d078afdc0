import { useQueryClient } from '@tanstack/react-query';

import { $api, fetchClient, withCache, type ApiMutationOptions } from '@/api/client';
import type { paths } from '@/api/generated/schema';

/** The months to report on, newest first (one page of 24: two years). */
const lastMonths = { params: { query: { limit: 24 } } } as const;

export const reportKeys = {
  months: $api.queryOptions('get', '/api/v1/operator/peppol-reports', lastMonths).queryKey,
};

export function useReportingMonths() {
  return $api.useQuery('get', '/api/v1/operator/peppol-reports', lastMonths, { retry: false });
}

/** Sends a month's reports to OpenPeppol now (or again after a failure); the list is refetched. */
export function useSendReports(options: ApiMutationOptions<'post', '/api/v1/operator/peppol-reports/{month}/send'> = {}) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/v1/operator/peppol-reports/{month}/send', {
    ...options,
    onSuccess: withCache(options.onSuccess, { refetch: () => queryClient.invalidateQueries({ queryKey: reportKeys.months }) }),
  });
}

export type ReportKind = 'tsr' | 'eusr';

/** A month's Transaction (`tsr`) or End User (`eusr`) Statistics Report, as XML. */
export async function downloadReport(month: string, kind: ReportKind): Promise<Blob> {
  const path = kind === 'tsr' ? '/api/v1/operator/peppol-reports/{month}/tsr' : '/api/v1/operator/peppol-reports/{month}/eusr';
  const { data, response } = await fetchClient.GET(path, { params: { path: { month } }, parseAs: 'blob' });
  if (data === undefined) throw new Error(`HTTP ${String(response.status)}`);
  return data;
}

export type EvidencePart =
  paths['/api/v1/operator/peppol-reports/{month}/{report}/evidence/{part}']['get']['parameters']['path']['part'];

/** The stored evidence of a report's latest send: the AS4 message as posted, or the signed receipt (or refusal). */
export async function downloadReportEvidence(month: string, report: ReportKind, part: EvidencePart): Promise<Blob> {
  const { data, response } = await fetchClient.GET('/api/v1/operator/peppol-reports/{month}/{report}/evidence/{part}', {
    params: { path: { month, report, part } },
    parseAs: 'blob',
  });
  if (data === undefined) throw new Error(`HTTP ${String(response.status)}`);
  return data;
}
