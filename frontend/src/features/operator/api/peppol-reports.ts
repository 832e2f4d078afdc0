import { $api, fetchClient } from '@/api/client';

/** Months with Peppol reporting data, newest first (one page of 24: two years). */
export function useReportingMonths() {
  return $api.useQuery('get', '/api/v1/operator/peppol-reports', { params: { query: { limit: 24 } } }, { retry: false });
}

export type ReportKind = 'tsr' | 'eusr';

/** A month's Transaction (`tsr`) or End User (`eusr`) Statistics Report, as XML. */
export async function downloadReport(month: string, kind: ReportKind): Promise<Blob> {
  const path = kind === 'tsr' ? '/api/v1/operator/peppol-reports/{month}/tsr' : '/api/v1/operator/peppol-reports/{month}/eusr';
  const { data, response } = await fetchClient.GET(path, { params: { path: { month } }, parseAs: 'blob' });
  if (data === undefined) throw new Error(`HTTP ${String(response.status)}`);
  return data;
}
