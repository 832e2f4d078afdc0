import { bareClient } from '@/api/bare-client';
import type { LoginResponse } from '@/api/types';

import { sessionStore, type SessionStore } from './session';

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;
const MIN_REFRESH_DELAY_MS = 5_000;

/** sessionStorage key: the receiving question was put off ("Not now") during this sign-in. */
export const RECEIVING_DISMISSED_KEY = 'haven.receivingDecisionDismissed';

export interface Auth {
  /** Starts a session from a sign-in answer (login, verify email, accept invitation). */
  signIn: (response: LoginResponse) => void;
  /**
   * Gets a new access token with the refresh cookie (`POST /auth/refresh`). Concurrent
   * callers share one request. Resolves to whether there is a session afterwards.
   */
  refresh: () => Promise<boolean>;
  /** On app start: tries the refresh cookie once, so a reload keeps the user signed in. */
  restore: () => Promise<boolean>;
  /** Ends the session on the server (best effort) and locally. */
  signOut: () => Promise<void>;
}

export function createAuth(store: SessionStore): Auth {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let refreshing: Promise<boolean> | null = null;
  let restoring: Promise<boolean> | null = null;

  const schedule = (expiresIn: number) => {
    clearTimeout(timer);
    const delay = Math.max(MIN_REFRESH_DELAY_MS, expiresIn * 1000 - REFRESH_MARGIN_MS);
    timer = setTimeout(() => {
      void auth.refresh();
    }, delay);
  };

  const start = (response: LoginResponse) => {
    store.set({ token: response.accessToken, expiresAt: Date.now() + response.expiresIn * 1000, user: response.user });
    schedule(response.expiresIn);
  };

  store.subscribe(() => {
    if (store.get() === null) clearTimeout(timer);
  });

  const auth: Auth = {
    signIn: (response) => {
      // A new sign-in asks the pending setup questions again.
      window.sessionStorage.removeItem(RECEIVING_DISMISSED_KEY);
      start(response);
    },
    refresh: () => {
      refreshing ??= (async () => {
        try {
          const { data, response } = await bareClient.POST('/api/v1/auth/refresh', { credentials: 'same-origin' });
          if (response.ok && data !== undefined) {
            start(data);
            return true;
          }
        } catch {
          // An error answer (thrown as `ApiError`) or a network failure: the session is over.
        }
        store.clear();
        return false;
      })().finally(() => {
        refreshing = null;
      });
      return refreshing;
    },
    restore: () => {
      if (store.isAuthenticated()) return Promise.resolve(true);
      restoring ??= auth.refresh();
      return restoring;
    },
    signOut: async () => {
      try {
        const token = store.get()?.token;
        await bareClient.POST('/api/v1/auth/logout', {
          credentials: 'same-origin',
          ...(token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } }),
        });
      } catch {
        // The local session ends regardless.
      }
      window.sessionStorage.removeItem(RECEIVING_DISMISSED_KEY);
      store.clear();
    },
  };
  return auth;
}

/** The application's auth service, bound to the application's session store. */
export const auth = createAuth(sessionStore);
