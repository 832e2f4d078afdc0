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
import { AppLayout } from '@/components/layouts/app-layout';
import { PublicLayout } from '@/components/layouts/public-layout';
import { LoginPage } from '@/features/auth/login-page';
import { sessionStore, type SessionStore } from '@/features/auth/session';
import { DashboardPage } from '@/features/dashboard/dashboard-page';

export interface RouterContext {
  session: SessionStore;
}

export interface LoginSearch {
  /** Where to go after signing in (the page that required a session). */
  redirect?: string;
}

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
    typeof search.redirect === 'string' && search.redirect.startsWith('/') ? { redirect: search.redirect } : {},
  component: LoginPage,
});

/** Guard: every route below this pathless layout needs a session. */
const appLayoutRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  beforeLoad: ({ context, location }) => {
    if (!context.session.isAuthenticated()) {
      throw redirect({ to: '/login', search: { redirect: location.href } });
    }
  },
  component: AppLayout,
});

const dashboardRoute = createRoute({
  getParentRoute: () => appLayoutRoute,
  path: '/',
  component: DashboardPage,
});

export const routeTree = rootRoute.addChildren([loginRoute, appLayoutRoute.addChildren([dashboardRoute])]);

export interface CreateAppRouterOptions {
  session?: SessionStore;
  /** Browser history by default; tests pass a memory history. */
  history?: RouterHistory;
}

export function createAppRouter({ session = sessionStore, history }: CreateAppRouterOptions = {}) {
  const router = createRouter({
    routeTree,
    context: { session },
    ...(history === undefined ? {} : { history }),
    // Unknown paths render the root not-found page, never the guarded layout.
    notFoundMode: 'root',
    defaultPreload: 'intent',
    scrollRestoration: true,
  });
  // Re-run the guards when the session changes (sign-out, or a 401 clearing it).
  session.subscribe(() => {
    void router.invalidate();
  });
  return router;
}

export type AppRouter = ReturnType<typeof createAppRouter>;

declare module '@tanstack/react-router' {
  interface Register {
    router: AppRouter;
  }
}
