import { $api, fetchClient } from '@/api/client';

/** The environment's usage per month, organization and kind (the last twelve months). */
export function useUsage() {
  return $api.useQuery('get', '/api/v1/environment/usage');
}

/** The same report as CSV, for a spreadsheet. */
export async function downloadUsageCsv(): Promise<Blob> {
  const { data, response } = await fetchClient.GET('/api/v1/environment/usage/export', { parseAs: 'blob' });
  if (data === undefined) throw new Error(`HTTP ${String(response.status)}`);
  return data;
}
