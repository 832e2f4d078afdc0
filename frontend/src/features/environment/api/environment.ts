import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';
import type { Environment } from '@/api/types';
import { sessionStore } from '@/lib/session';

const environmentKey = $api.queryOptions('get', '/api/v1/environment').queryKey;

export function useEnvironment() {
  return $api.useQuery('get', '/api/v1/environment');
}

/** The environment's cache and the session's copy (in `/me`) take the saved settings. */
function useStoreEnvironment() {
  const queryClient = useQueryClient();
  return (environment: Environment, decided: boolean) => {
    queryClient.setQueryData(environmentKey, environment);
    sessionStore.updateUser((user) => ({
      ...user,
      environment,
      ...(decided ? { needsReceivingDecision: false } : {}),
    }));
  };
}

export function useUpdateEnvironment(options: ApiMutationOptions<'patch', '/api/v1/environment'> = {}) {
  const store = useStoreEnvironment();
  return $api.useMutation('patch', '/api/v1/environment', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      update: (environment) => {
        store(environment, false);
      },
    }),
  });
}

/** Switches receiving on or off (which also answers the first-login question). */
export function useSetReceiving(options: ApiMutationOptions<'put', '/api/v1/environment/receiving'> = {}) {
  const store = useStoreEnvironment();
  return $api.useMutation('put', '/api/v1/environment/receiving', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      update: (environment) => {
        store(environment, true);
      },
    }),
  });
}
