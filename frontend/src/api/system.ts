import { $api } from '@/api/client';

/** `GET /api/v1/system/info`: the server's name, version and database kind. */
export function useSystemInfo() {
  return $api.useQuery('get', '/api/v1/system/info', undefined, {
    retry: false,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
}
