import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  Outlet,
  redirect,
  type RouterHistory,
} from '@tanstack/react-router';

import { ErrorFallback } from '@/components/errors/error-fallback';
import { NotFound } from '@/components/errors/not-found';
import { PublicLayout } from '@/components/layouts/public-layout';
import { AuditPage } from '@/features/audit/audit-page';
import { ForgotPasswordPage } from '@/features/auth/forgot-password-page';
import { InvitationPage } from '@/features/auth/invitation-page';
import { LoginPage } from '@/features/auth/login-page';
import { RegisterPage } from '@/features/auth/register-page';
import { ResetPasswordPage } from '@/features/auth/reset-password-page';
import { VerifyAdditionalEmailPage } from '@/features/auth/verify-additional-email-page';
import { VerifyEmailPage } from '@/features/auth/verify-email-page';
import { DashboardPage } from '@/features/dashboard/dashboard-page';
import { EnvironmentPage } from '@/features/environment/environment-page';
import { JobsPage } from '@/features/operator/jobs-page';
import { AddOrganizationPage } from '@/features/organizations/add-organization-page';
import { OperatorPage } from '@/features/organizations/operator-page';
import { OrganizationPage } from '@/features/organizations/organization-page';
import { OrganizationsPage } from '@/features/organizations/organizations-page';
import { ProfilePage } from '@/features/profile/profile-page';
import { UsersPage } from '@/features/users/users-page';
import { auth as appAuth, type Auth } from '@/lib/auth';
import { sessionStore, type SessionStore } from '@/lib/session';

import { AppLayout } from './app-layout';

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
  component: LoginPage,
});

const publicRoutes = [
  createRoute({ getParentRoute: () => rootRoute, path: '/register', component: RegisterPage }),
  createRoute({ getParentRoute: () => rootRoute, path: '/forgot-password', component: ForgotPasswordPage }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: '/verify-email',
    validateSearch: tokenSearch,
    component: VerifyEmailPage,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: '/reset-password',
    validateSearch: tokenSearch,
    component: ResetPasswordPage,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: '/invitation',
    validateSearch: tokenSearch,
    component: InvitationPage,
  }),
  createRoute({
    getParentRoute: () => rootRoute,
    path: '/verify-additional-email',
    validateSearch: tokenSearch,
    component: VerifyAdditionalEmailPage,
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
  component: AppLayout,
});

const appRoutes = [
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/', component: DashboardPage }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/profile', component: ProfilePage }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/users', component: UsersPage }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/environment', component: EnvironmentPage }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/audit-log', component: AuditPage }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/organizations', component: OrganizationsPage }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/organizations/new', component: AddOrganizationPage }),
  createRoute({
    getParentRoute: () => appLayoutRoute,
    path: '/organizations/$organizationId',
    component: OrganizationPage,
  }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/operator', component: OperatorPage }),
  createRoute({ getParentRoute: () => appLayoutRoute, path: '/operator/jobs', component: JobsPage }),
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
