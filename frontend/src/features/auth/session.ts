import { useSyncExternalStore } from 'react';

/**
 * The signed-in user's session. Accounts do not exist yet, so nothing ever creates one
 * today: the store stays empty and every protected route redirects to /login.
 */
export interface Session {
  /** Bearer token sent with API calls once the accounts feature issues one. */
  token: string;
}

export interface SessionStore {
  get: () => Session | null;
  set: (session: Session | null) => void;
  clear: () => void;
  isAuthenticated: () => boolean;
  subscribe: (listener: () => void) => () => void;
}

/** A tiny in-memory session store (deliberately not persisted). */
export function createSessionStore(initial: Session | null = null): SessionStore {
  let current = initial;
  const listeners = new Set<() => void>();
  const store: SessionStore = {
    get: () => current,
    set: (session) => {
      current = session;
      for (const listener of listeners) listener();
    },
    clear: () => {
      store.set(null);
    },
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
