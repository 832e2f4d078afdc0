import { useSyncExternalStore } from 'react';

import type { Me } from '@/api/types';

/** The signed-in user's session; kept in memory only (never in storage). */
export interface Session {
  /** Short-lived bearer token for API calls. */
  token: string;
  /** When the token expires (ms since the epoch). */
  expiresAt: number;
  /** The signed-in user, as of the last sign-in, refresh or update. */
  user: Me;
}

export interface SessionStore {
  get: () => Session | null;
  set: (session: Session | null) => void;
  /** Replaces the user of the current session (after `PATCH /me` and the like). */
  updateUser: (update: (user: Me) => Me) => void;
  clear: () => void;
  /** The user of the current session, or of the last one (kept after sign-out). */
  lastUser: () => Me | null;
  isAuthenticated: () => boolean;
  subscribe: (listener: () => void) => () => void;
}

/** A tiny in-memory session store (deliberately not persisted). */
export function createSessionStore(initial: Session | null = null): SessionStore {
  let current = initial;
  let last: Me | null = initial?.user ?? null;
  const listeners = new Set<() => void>();
  const store: SessionStore = {
    get: () => current,
    set: (session) => {
      current = session;
      if (session !== null) last = session.user;
      for (const listener of listeners) listener();
    },
    updateUser: (update) => {
      if (current !== null) store.set({ ...current, user: update(current.user) });
    },
    clear: () => {
      if (current !== null) store.set(null);
    },
    lastUser: () => last,
    isAuthenticated: () => current !== null,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  return store;
}

/** The application's session store. */
export const sessionStore = createSessionStore();

export function useSession(store: SessionStore = sessionStore): Session | null {
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}

/**
 * The signed-in user (only under the authenticated layout, which guarantees a session).
 * Right after sign-out the last user is returned until the router has left the layout.
 */
export function useCurrentUser(store: SessionStore = sessionStore): Me {
  const user = useSyncExternalStore(store.subscribe, store.lastUser, store.lastUser);
  if (user === null) throw new Error('useCurrentUser needs a session');
  return user;
}
