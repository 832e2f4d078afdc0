import { useQueryClient } from '@tanstack/react-query';

import { $api, withCache, type ApiMutationOptions } from '@/api/client';

import { orgKeys } from './keys';

/** Sets a migration key in the SML so that another provider can take the participant id over. */
export function useCreateMigrationKey(
  options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/identifiers/{identifierId}/migration-key'> = {},
) {
  return $api.useMutation('post', '/api/v1/organizations/{id}/identifiers/{identifierId}/migration-key', options);
}

/** Moves the participant id here with the previous provider's key; the SML state is asked again. */
export function useMigrateIdentifier(
  options: ApiMutationOptions<'post', '/api/v1/organizations/{id}/identifiers/{identifierId}/migration'> = {},
) {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/v1/organizations/{id}/identifiers/{identifierId}/migration', {
    ...options,
    onSuccess: withCache(options.onSuccess, {
      refetch: (_registration, { params }) => queryClient.invalidateQueries({ queryKey: orgKeys.sml(params.path.id) }),
    }),
  });
}
