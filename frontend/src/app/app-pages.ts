/**
 * The signed-in application's pages, a chunk each. The router reaches them through this module,
 * which it loads with the first of them: each `import()` carries the list of chunks to preload
 * with it, and kept here those lists are not part of the first load every visitor waits for.
 */
export const appPages = {
  appLayout: () => import('./app-layout'),
  dashboard: () => import('@/features/dashboard/dashboard-page'),
  profile: () => import('@/features/profile/profile-page'),
  users: () => import('@/features/users/users-page'),
  environment: () => import('@/features/environment/environment-page'),
  audit: () => import('@/features/audit/audit-page'),
  usage: () => import('@/features/usage/usage-page'),
  organizations: () => import('@/features/organizations/organizations-page'),
  addOrganization: () => import('@/features/organizations/add-organization-page'),
  organization: () => import('@/features/organizations/organization-page'),
  connections: () => import('@/features/connections/connections-page'),
  partners: () => import('@/features/partners/partners-page'),
  hooks: () => import('@/features/hooks/pages'),
  intake: () => import('@/features/intake/intake-page'),
  intakeDraft: () => import('@/features/intake/draft-page'),
  operator: () => import('@/features/organizations/operator-page'),
  operatorTool: () => import('@/features/operator/operator-tool-page'),
  documents: () => import('@/features/invoices/documents-page'),
  document: () => import('@/features/invoices/document-page'),
  sendInvoice: () => import('@/features/invoices/send-page'),
};
