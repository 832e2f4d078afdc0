import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { $api, fetchClient } from '@/api/client';
import { call } from '@/api/errors';
import type { Hook, HookDelivery, IssuedHook } from '@/api/types';

/** Whose hooks a page manages: one party's, or the environment's. */
export type HookScope = { kind: 'party'; partyId: string } | { kind: 'environment' };

export interface HookForm {
  target: string;
  topics: string[];
  active: boolean;
  description: string;
  /** A mail hook's language; left out, the server takes the creator's. */
  language?: 'nl' | 'en';
}

/** The hooks of a scope are few: one page of the largest size holds them. */
const ALL = { limit: 200 };

export const hookKeys = {
  list: (scope: HookScope) => ['hooks', scope] as const,
  deliveries: (scope: HookScope, id: string) => ['hooks', scope, id, 'deliveries'] as const,
};

async function listHooks(scope: HookScope, signal: AbortSignal): Promise<Hook[]> {
  const page =
    scope.kind === 'party'
      ? await call(
          fetchClient.GET('/api/v1/parties/{partyId}/hooks', {
            params: { path: { partyId: scope.partyId }, query: ALL },
            signal,
          }),
        )
      : await call(fetchClient.GET('/api/v1/environment/hooks', { params: { query: ALL }, signal }));
  return page.items;
}

async function listDeliveries(scope: HookScope, id: string, signal: AbortSignal): Promise<HookDelivery[]> {
  const query = { limit: 50 };
  const page =
    scope.kind === 'party'
      ? await call(
          fetchClient.GET('/api/v1/parties/{partyId}/hooks/{id}/deliveries', {
            params: { path: { partyId: scope.partyId, id }, query },
            signal,
          }),
        )
      : await call(
          fetchClient.GET('/api/v1/environment/hooks/{id}/deliveries', { params: { path: { id }, query }, signal }),
        );
  return page.items;
}

export function useHooks(scope: HookScope) {
  return useQuery({ queryKey: hookKeys.list(scope), queryFn: ({ signal }) => listHooks(scope, signal) });
}

/**
 * The latest 50 deliveries of a hook; refreshed every few seconds while pending ones remain or
 * none has come yet (a ping's delivery may be committed just after the log was read).
 */
export function useDeliveries(scope: HookScope, id: string) {
  return useQuery({
    queryKey: hookKeys.deliveries(scope, id),
    queryFn: ({ signal }) => listDeliveries(scope, id, signal),
    refetchInterval: (query) => {
      const deliveries = query.state.data;
      const waiting = deliveries === undefined || deliveries.length === 0 || deliveries.some((d) => d.status === 'pending');
      return waiting ? 2000 : false;
    },
  });
}

function useRefetch(scope: HookScope) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: hookKeys.list(scope) });
}

export function useCreateHook(scope: HookScope, onCreated: (issued: IssuedHook) => void) {
  const refetch = useRefetch(scope);
  return useMutation({
    mutationFn: (form: HookForm) =>
      scope.kind === 'party'
        ? call(
            fetchClient.POST('/api/v1/parties/{partyId}/hooks', {
              params: { path: { partyId: scope.partyId } },
              body: form,
            }),
          )
        : call(fetchClient.POST('/api/v1/environment/hooks', { body: form })),
    onSuccess: async (issued) => {
      onCreated(issued);
      await refetch();
    },
  });
}

export function useUpdateHook(scope: HookScope, onDone: () => void) {
  const refetch = useRefetch(scope);
  return useMutation({
    mutationFn: ({ id, form }: { id: string; form: Partial<HookForm> }) =>
      scope.kind === 'party'
        ? call(
            fetchClient.PATCH('/api/v1/parties/{partyId}/hooks/{id}', {
              params: { path: { partyId: scope.partyId, id } },
              body: form,
            }),
          )
        : call(fetchClient.PATCH('/api/v1/environment/hooks/{id}', { params: { path: { id } }, body: form })),
    onSuccess: async () => {
      onDone();
      await refetch();
    },
  });
}

export function useDeleteHook(scope: HookScope) {
  const refetch = useRefetch(scope);
  return useMutation({
    mutationFn: (id: string) =>
      scope.kind === 'party'
        ? call(
            fetchClient.DELETE('/api/v1/parties/{partyId}/hooks/{id}', {
              params: { path: { partyId: scope.partyId, id } },
            }),
          )
        : call(fetchClient.DELETE('/api/v1/environment/hooks/{id}', { params: { path: { id } } })),
    onSuccess: () => refetch(),
  });
}

export function useRotateSecret(scope: HookScope, onRotated: (issued: IssuedHook) => void) {
  const refetch = useRefetch(scope);
  return useMutation({
    mutationFn: (id: string) =>
      scope.kind === 'party'
        ? call(
            fetchClient.POST('/api/v1/parties/{partyId}/hooks/{id}/rotate-secret', {
              params: { path: { partyId: scope.partyId, id } },
            }),
          )
        : call(fetchClient.POST('/api/v1/environment/hooks/{id}/rotate-secret', { params: { path: { id } } })),
    onSuccess: async (issued) => {
      onRotated(issued);
      await refetch();
    },
  });
}

/** Ping or redeliver: both queue a delivery, after which the log is read again. */
export function usePing(scope: HookScope) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      scope.kind === 'party'
        ? call(
            fetchClient.POST('/api/v1/parties/{partyId}/hooks/{id}/ping', {
              params: { path: { partyId: scope.partyId, id } },
            }),
          )
        : call(fetchClient.POST('/api/v1/environment/hooks/{id}/ping', { params: { path: { id } } })),
    onSuccess: (_data, id) => queryClient.invalidateQueries({ queryKey: hookKeys.deliveries(scope, id) }),
  });
}

export function useRedeliver(scope: HookScope, id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (deliveryId: string) =>
      scope.kind === 'party'
        ? call(
            fetchClient.POST('/api/v1/parties/{partyId}/hooks/{id}/deliveries/{deliveryId}/redeliver', {
              params: { path: { partyId: scope.partyId, id, deliveryId } },
            }),
          )
        : call(
            fetchClient.POST('/api/v1/environment/hooks/{id}/deliveries/{deliveryId}/redeliver', {
              params: { path: { id, deliveryId } },
            }),
          ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: hookKeys.deliveries(scope, id) }),
  });
}

/** The organization whose parties' hooks a page shows (the same cached call as its own page). */
export function useOrganizationOf(organizationId: string) {
  return $api.useQuery('get', '/api/v1/organizations/{id}', { params: { path: { id: organizationId } } });
}
