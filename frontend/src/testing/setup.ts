import '@testing-library/jest-dom/vitest';

import { notifications } from '@mantine/notifications';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeEach, expect, vi } from 'vitest';

import { sessionStore } from '@/lib/session';

import { takeUnhandledRequests } from './mock-api';

// A lazy page and its chunk take more than the default second on a machine busy with builds;
// a `findBy…` still fails when what it looks for never comes.
configure({ asyncUtilTimeout: 5000 });

// jsdom lacks a few browser APIs that Mantine uses.
Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (query: string) =>
    ({
      matches: false,
      media: query,
      onchange: null,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    }) as unknown as MediaQueryList,
});

class ResizeObserverStub implements ResizeObserver {
  observe = () => undefined;
  unobserve = () => undefined;
  disconnect = () => undefined;
}
window.ResizeObserver = ResizeObserverStub;
window.HTMLElement.prototype.scrollIntoView = () => undefined;
window.scrollTo = () => undefined;

beforeEach(() => {
  // Unit tests never reach a server: API calls fail unless a test stubs `fetch`.
  vi.stubGlobal(
    'fetch',
    vi.fn(() => Promise.reject(new TypeError('network disabled in unit tests'))),
  );
});

afterEach(() => {
  cleanup();
  // Mantine keeps notifications in a module-level store: one test's must not fill the next
  // test's screen (only a few show at once; the rest wait in a queue).
  notifications.clean();
  notifications.cleanQueue();
  // Like msw's onUnhandledRequest: 'error': a request no handler answered fails the test.
  expect(takeUnhandledRequests(), 'requests without a mockApi handler').toEqual([]);
  vi.unstubAllGlobals();
  window.localStorage.clear();
  window.sessionStorage.clear();
  sessionStore.set(null);
});
