import { $api } from '@/api/client';

const byId = (id: string) => ({ params: { path: { id } } });

/** Keys (the app's `[method, path, init]` scheme) of what the organization screens cache. */
export const orgKeys = {
  list: $api.queryOptions('get', '/api/v1/organizations').queryKey,
  one: (id: string) => $api.queryOptions('get', '/api/v1/organizations/{id}', byId(id)).queryKey,
  history: (id: string) => $api.queryOptions('get', '/api/v1/organizations/{id}/history', byId(id)).queryKey,
  sml: (id: string) => $api.queryOptions('get', '/api/v1/organizations/{id}/sml-registrations', byId(id)).queryKey,
  members: (id: string) => $api.queryOptions('get', '/api/v1/organizations/{id}/members', byId(id)).queryKey,
  /** Every candidate search of the organization (whatever the search text). */
  candidates: (id: string) => $api.queryOptions('get', '/api/v1/organizations/{id}/member-candidates', byId(id)).queryKey,
  reviewQueue: $api.queryOptions('get', '/api/v1/operator/activation-requests').queryKey,
  /** The participant ids the user may act for (the invoice screens and the dashboard). */
  myParties: $api.queryOptions('get', '/api/v1/me/parties').queryKey,
};
