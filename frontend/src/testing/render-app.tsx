import { createMemoryHistory } from '@tanstack/react-router';
import { QueryClient } from '@tanstack/react-query';
import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { App } from '@/app/app';
import { createAppRouter } from '@/app/router';
import { createI18n, type Language } from '@/lib/i18n';
import { sessionStore, type Session } from '@/lib/session';

export interface RenderAppOptions {
  /** The URL to start at. */
  path?: string;
  /** Force a language; without it the language is detected like in the browser. */
  language?: Language;
  /** The session to start with (see `fixtures.session()`); none by default. */
  session?: Session | null;
  /**
   * What the app-start refresh (`POST /auth/refresh`) finds: nothing by default, so
   * protected routes redirect to /login without touching the network.
   */
  restore?: () => Promise<boolean>;
}

/**
 * Renders the whole app (providers + router) at `path`, with a memory history. Uses the
 * application's session store (and so the real API client and its auth middleware).
 */
export async function renderApp({
  path = '/',
  language,
  session = null,
  restore = () => Promise.resolve(false),
}: RenderAppOptions = {}) {
  const i18n = await createI18n(language === undefined ? {} : { lng: language });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  sessionStore.set(session);
  const router = createAppRouter({
    session: sessionStore,
    auth: { restore },
    history: createMemoryHistory({ initialEntries: [path] }),
  });
  const user = userEvent.setup();
  const result = render(<App router={router} i18n={i18n} queryClient={queryClient} />);
  // Wait until the router has resolved the first location (including redirects).
  await act(() => router.load());
  await screen.findByRole('main');
  return { ...result, router, i18n, queryClient, sessionStore, user };
}

/** A JSON `Response` for stubbing `fetch`. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}
