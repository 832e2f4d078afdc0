import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
  type RouterHistory,
} from '@tanstack/react-router';

import { ErrorFallback } from '@/components/errors/error-fallback';
import { NotFound } from '@/components/errors/not-found';
import { PageLoader } from '@/components/layouts/page-loader';
import { PublicLayout } from '@/components/layouts/public-layout';
import { auth as appAuth, type Auth } from '@/lib/auth';
import { sessionStore, type SessionStore } from '@/lib/session';

import type { appPages as appPagesType } from './app-pages';

/**
 * A page's module together with all of Mantine's CSS: only the sign-in page makes do with the
 * first load's part of it (./styles/first-load.ts).
 */
function withAllStyles<T>(load: () => Promise<T>): () => Promise<T> {
  return () => Promise.all([import('./styles/all'), load()]).then(([, module]) => module);
}

type AppPages = typeof appPagesType;
type AppPageModule<K extends keyof AppPages> = Awaited<ReturnType<AppPages[K]>>;

/** A page of the signed-in application, loaded through ./app-pages (with all of Mantine's CSS). */
function appPage<K extends keyof AppPages>(name: K): () => Promise<AppPageModule<K>> {
  return withAllStyles(() =>
    import('./app-pages').then(({ appPages }) => (appPages[name] as () => Promise<AppPageModule<K>>)()),
  );
}

// Every page is its own chunk, loaded when its route is entered (or preloaded on hover):
// the first load carries the router, the providers and the public layout only.
const page = {
  login: lazyRouteComponent(() => import('@/features/auth/login-page'), 'LoginPage'),
  register: lazyRouteComponent(withAllStyles(() => import('@/features/auth/register-page')), 'RegisterPage'),
  forgotPassword: lazyRouteComponent(
    withAllStyles(() => import('@/features/auth/forgot-password-page')),
    'ForgotPasswordPage',
  ),
  verifyEmail: lazyRouteComponent(withAllStyles(() => import('@/features/auth/verify-email-page')), 'VerifyEmailPage'),
  resetPassword: lazyRouteComponent(
    withAllStyles(() => import('@/features/auth/reset-password-page')),
    'ResetPasswordPage',
  ),
  invitation: lazyRouteComponent(withAllStyles(() => import('@/features/auth/invitation-page')), 'InvitationPage'),
  verifyAdditionalEmail: lazyRouteComponent(
    withAllStyles(() => import('@/features/auth/verify-additional-email-page')),
    'VerifyAdditionalEmailPage',
  ),
  appLayout: lazyRouteComponent(appPage('appLayout'), 'AppLayout'),
  dashboard: lazyRouteComponent(appPage('dashboard'), 'DashboardPage'),
  profile: lazyRouteComponent(appPage('profile'), 'ProfilePage'),
  users: lazyRouteComponent(appPage('users'), 'UsersPage'),
  environment: lazyRouteComponent(appPage('environment'), 'EnvironmentPage'),
  audit: lazyRouteComponent(appPage('audit'), 'AuditPage'),
  usage: lazyRouteComponent(appPage('usage'), 'UsagePage'),
  organizations: lazyRouteComponent(appPage('organizations'), 'OrganizationsPage'),
  addOrganization: lazyRouteComponent(appPage('addOrganization'), 'AddOrganizationPage'),
  organization: lazyRouteComponent(appPage('organization'), 'OrganizationPage'),
  connections: lazyRouteComponent(appPage('connections'), 'ConnectionsPage'),
  partners: lazyRouteComponent(appPage('partners'), 'PartnersPage'),
  partyHooks: lazyRouteComponent(appPage('hooks'), 'PartyHooksPage'),
  environmentHooks: lazyRouteComponent(appPage('hooks'), 'EnvironmentHooksPage'),
  intake: lazyRouteComponent(appPage('intake'), 'IntakePage'),
  intakeDraft: lazyRouteComponent(appPage('intakeDraft'), 'DraftPage'),
  confirmSender: lazyRouteComponent(
    withAllStyles(() => import('@/features/intake/confirm-sender-page')),
    'ConfirmSenderPage',
  ),
  operator: lazyRouteComponent(appPage('operator'), 'OperatorPage'),
  operatorTool: lazyRouteComponent(appPage('operatorTool'), 'OperatorToolPage'),
  outbox: lazyRouteComponent(appPage('documents'), 'OutboxPage'),
  inbox: lazyRouteComponent(appPage('documents'), 'InboxPage'),
  outboxDocument: lazyRouteComponent(appPage('document'), 'OutboxDocumentPage'),
  inboxDocument: lazyRouteComponent(appPage('document'), 'InboxDocumentPage'),
  sendInvoice: lazyRouteComponent(appPage('sendInvoice'), 'SendPage'),
  sharedInvoice: lazyRouteComponent(
    withAllStyles(() => import('@/features/invoices/shared-invoice-page')),
    'SharedInvoicePage',
  ),
};

export interface RouterContext {
  session: SessionStore;
  auth: Pick<Auth, 'restore'>;
}

export interface LoginSearch {
  /** Where to go after signing in (the page that required a session). */
  redirect?: string;
}

export interface TokenSearch {
  /** The one-time token from an emailed link. */
  token?: string;
}

const tokenSearch = (search: Record<string, unknown>): TokenSearch =>
  typeof search.token === 'string' && search.token !== '' ? { token: search.token } : {};

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: () => (
    <PublicLayout size="sm">
      <NotFound />
    </PublicLayout>
  ),
  errorComponent: (props) => (
    <PublicLayout size="sm">
      <ErrorFallback {...props} />
    </PublicLayout>
  ),
});

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  validateSearch: (search: Record<string, unknown>): LoginSearch =>
    typeof search.redirect === 'string' && search.redirect.startsWith('/') && !search.redirect.startsWith('//')
      ? { redirect: search.redirect }
      : {},
  component: page.login,
});

const publicRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: '/register', component: page.register }),
  createRoute({ getParentRoute: () => rootRoute, path: '/forgot-password', component: page.forgotPassword }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: '/verify-email',
    validateSearch: tokenSearch,
    component: page.verifyEmail,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: '/reset-password',
    validateSearch: tokenSearch,
    component: page.resetPassword,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: '/invitation',
    validateSearch: tokenSearch,
    component: page.invitation,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: '/verify-additional-email',
    validateSearch: tokenSearch,
    component: page.verifyAdditionalEmail,
  }),
  // The link in a trusted sender's invitation: no session, the token is the key.
  createRoute({
    getParentRoute: () => rootRoute,
    path: '/trusted-sender',
    validateSearch: tokenSearch,
    component: page.confirmSender,
  }),
  // The link in an invoice email: no session, the token is the key.
  createRoute({
    getParentRoute: () => rootRoute,
    path: '/shared-invoice',
    validateSearch: tokenSearch,
    component: page.sharedInvoice,
  }),
];

/** Guard: every route below this pathless layout needs a session. */
const appLayoutRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  beforeLoad: async ({ context, location }) => {
    // On app start (or a reload) the refresh cookie may still hold a session.
    if (!context.session.isAuthenticated()) await context.auth.restore();
    const session = context.session.get();
    if (session === null) {
      throw redirect({ to: '/login', search: { redirect: location.href } });
    }
    // An environment that requires 2FA sends users without it to their profile first.
    if (session.user.twoFactorSetupRequired && location.pathname !== '/profile') {
      throw redirect({ to: '/profile' });
    }
  },
  component: page.appLayout,
});

const appRoutes = [
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/', component: page.dashboard }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/profile', component: page.profile }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/users', component: page.users }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/environment', component: page.environment }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/audit-log', component: page.audit }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/usage', component: page.usage }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/organizations', component: page.organizations }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/organizations/new', component: page.addOrganization }),
  createRoute({
    getParentRoute: () => appLayoutRoute,
    path: '/organizations/$organizationId',
    component: page.organization,
  }),
  createRoute({
    getParentRoute: () => appLayoutRoute,
    path: '/organizations/$organizationId/connections',
    component: page.connections,
  }),
  // Also the landing page of an emailed authorisation request (`?token=`).
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/partners', validateSearch: tokenSearch, component: page.partners }),
  createRoute({
    getParentRoute: () => appLayoutRoute,
    path: '/organizations/$organizationId/webhooks',
    component: page.partyHooks,
  }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/environment/webhooks', component: page.environmentHooks }),
  createRoute({
    getParentRoute: () => appLayoutRoute,
    path: '/organizations/$organizationId/intake',
    component: page.intake,
  }),
  createRoute({
    getParentRoute: () => appLayoutRoute,
    path: '/organizations/$organizationId/intake/drafts/$draftId',
    component: page.intakeDraft,
  }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/operator', component: page.operator }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/operator/$tool', component: page.operatorTool }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/outbox', component: page.outbox }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/inbox', component: page.inbox }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/send', component: page.sendInvoice }),
  createRoute({
    getParentRoute: () => appLayoutRoute,
    path: '/outbox/$partyId/$documentId',
    component: page.outboxDocument,
  }),
  createRoute({
    getParentRoute: () => appLayoutRoute,
    path: '/inbox/$partyId/$documentId',
    component: page.inboxDocument,
  }),
];

export const routeTree = rootRoute.addChildren([
  loginRoute,
  ...publicRoutes,
  appLayoutRoute.addChildren(appRoutes),
]);

export interface CreateAppRouterOptions {
  session?: SessionStore;
  auth?: Pick<Auth, 'restore'>;
  /** Browser history by default; tests pass a memory history. */
  history?: RouterHistory;
}

export function createAppRouter({ session = sessionStore, auth = appAuth, history }: CreateAppRouterOptions = {}) {
  const router = createRouter({
    routeTree,
    context: { session, auth },
    ...(history === undefined ? {} : { history }),
    // Unknown paths render the root not-found page, never the guarded layout.
    notFoundMode: 'root',
    defaultPreload: 'intent',
    // Shown when entering a page takes a while (its chunk on a slow connection).
    defaultPendingComponent: PageLoader,
    scrollRestoration: true,
  });
  // Re-run the guards when the session starts or ends (sign-out, or a failed refresh).
  let signedIn = session.isAuthenticated();
  session.subscribe(() => {
    if (session.isAuthenticated() !== signedIn) {
      signedIn = session.isAuthenticated();
      void router.invalidate();
    }
  });
  return router;
}

export type AppRouter = ReturnType<typeof createAppRouter>;

declare module '@tanstack/react-router' {
  interface Register {
    router: AppRouter;
  }
}
