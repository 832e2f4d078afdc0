/**
 * A small, spec-typed network mock for component tests (instead of msw): `mockApi()` stubs
 * `fetch` with handlers keyed by `"METHOD /path/{param}"` from the generated `paths`, whose
 * replies are type-checked against the spec's response bodies. Any request without a handler
 * fails the test (like msw's `onUnhandledRequest: 'error'`; checked in `setup.ts`).
 */
import { vi } from 'vitest';

import type { components, paths } from '@/api/generated/schema';

type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

/** Every `"METHOD /path"` the spec defines. */
export type Route = {
  [P in keyof paths]: {
    [M in HttpMethod]: [NonNullable<paths[P][M]>] extends [never] ? never : `${Uppercase<M>} ${P & string}`;
  }[HttpMethod];
}[keyof paths];

type SplitRoute<R extends Route> = R extends `${infer M} ${infer P}`
  ? Lowercase<M> extends HttpMethod
    ? P extends keyof paths
      ? { method: Lowercase<M>; path: P }
      : never
    : never
  : never;

type Operation<R extends Route> = NonNullable<paths[SplitRoute<R>['path']][SplitRoute<R>['method']]>;

type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON bodies the spec declares for the route's responses, or an error body. */
export type ReplyBody<R extends Route> =
  | (Operation<R> extends { responses: infer Rs } ? { [S in keyof Rs]: JsonOf<Rs[S]> }[keyof Rs] : never)
  | components['schemas']['ErrorBody'];

/** The request body the spec declares for the route (for asserting what was sent). */
export type RequestBody<R extends Route> = Operation<R> extends { requestBody?: infer B } ? JsonOf<NonNullable<B>> : never;

export interface Reply<R extends Route> {
  status?: number;
  body?: ReplyBody<R>;
  headers?: Record<string, string>;
}

export interface HandlerContext<R extends Route> {
  request: Request;
  url: URL;
  params: Record<string, string>;
  /** The parsed JSON request body. */
  body: RequestBody<R> | undefined;
}

export type Handler<R extends Route> = (context: HandlerContext<R>) => Reply<R> | Promise<Reply<R>>;

export type Handlers = { [R in Route]?: Handler<R> | Reply<R> };

export interface RecordedCall {
  route: string;
  method: string;
  path: string;
  params: Record<string, string>;
  body: unknown;
  authorization: string | null;
}

let unhandled: string[] = [];

/** Called after each test: fails when a request had no handler. */
export function takeUnhandledRequests(): string[] {
  const result = unhandled;
  unhandled = [];
  return result;
}

function matcher(route: string) {
  const [method = '', template = ''] = route.split(' ');
  const names: string[] = [];
  const pattern = new RegExp(
    `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_all, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  return (request: Request, url: URL): Record<string, string> | null => {
    if (request.method !== method) return null;
    const match = pattern.exec(url.pathname);
    if (match === null) return null;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
  };
}

/** An error reply in the API's error format. */
export function errorReply(
  status: number,
  code: components['schemas']['ErrorCode'],
  message: string,
  details: components['schemas']['ErrorDetail'][] = [],
  headers?: Record<string, string>,
) {
  return {
    status,
    body: { code, message, requestId: 'req-1', dateTime: '2026-11-26T12:00:00Z', details },
    ...(headers === undefined ? {} : { headers }),
  };
}

/**
 * Stubs `fetch` with the handlers (a handler may be a fixed reply). Later calls to `handle`
 * add or replace handlers. Returns the recorded calls, for assertions.
 */
export function mockApi(initial: Handlers = {}) {
  const handlers = new Map<string, Handler<Route> | Reply<Route>>();
  const calls: RecordedCall[] = [];
  const handle = (more: Handlers) => {
    for (const [route, handler] of Object.entries(more)) handlers.set(route, handler);
  };
  // Every page shows the server version in its footer.
  handle({
    'GET /api/v1/system/info': {
      body: {
        name: 'Haven',
        version: '0.1.0',
        database: 'sqlite',
        activationMethods: ['email_code', 'operator_review'],
        installationId: 'test-installation',
      },
    },
  });
  // The navigation asks whether the user is a platform operator; by default they are not.
  handle({
    'GET /api/v1/operator/activation-requests': errorReply(404, 'not_found', 'No resource exists at this address.'),
    // The operators' Peppol page: no SML registration unless a test says so.
    'GET /api/v1/operator/sml/comparison': errorReply(
      409,
      'sml_registration_off',
      'This installation does not register participant ids with the Peppol SML.',
    ),
    // No refused incoming AS4 message unless a test says so.
    'GET /api/v1/operator/peppol/incoming-refusals': { body: { items: [], nextCursor: null } },
    // No participant id in the SML unless a test says so.
    'GET /api/v1/organizations/{id}/sml-registrations': { body: { items: [] } },
    // An organization takes the BIS Billing types unless a test says otherwise.
    'GET /api/v1/organizations/{id}/peppol-document-types': {
      body: { documentTypes: ['bis_billing_invoice', 'bis_billing_credit_note'] },
    },
    // Nothing added to the Peppol Directory card unless a test says so.
    'GET /api/v1/organizations/{id}/directory-details': {
      body: { otherNames: [], websites: [], contacts: [], additionalInformation: null },
    },
    // A document sent or received over Peppol lists its AS4 exchanges; none unless a test says so.
    'GET /api/v1/parties/{partyId}/sales-invoices/{id}/peppol-exchanges': { body: { items: [] } },
    'GET /api/v1/parties/{partyId}/purchase-invoices/{id}/peppol-exchanges': { body: { items: [] } },
  });
  handle(initial);

  const fetchMock = vi.fn(async (input: Request) => {
    const request = input;
    const url = new URL(request.url);
    const text = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.clone().text();
    // JSON bodies parsed; anything else (an upload's multipart form) kept as text.
    const json = request.headers.get('Content-Type')?.includes('json') ?? false;
    const body: unknown = text === '' ? undefined : json ? JSON.parse(text) : text;
    for (const [route, handler] of [...handlers.entries()].reverse()) {
      const params = matcher(route)(request, url);
      if (params === null) continue;
      calls.push({
        route,
        method: request.method,
        path: url.pathname + url.search,
        params,
        body,
        authorization: request.headers.get('Authorization'),
      });
      const reply =
        typeof handler === 'function'
          ? await handler({ request, url, params, body: body as never })
          : handler;
      const status = reply.status ?? (reply.body === undefined ? 204 : 200);
      return new Response(reply.body === undefined || status === 204 ? null : JSON.stringify(reply.body), {
        status,
        headers: { 'Content-Type': 'application/json', ...reply.headers },
      });
    }
    unhandled.push(`${request.method} ${url.pathname}${url.search}`);
    throw new TypeError(`unhandled request in test: ${request.method} ${url.pathname}`);
  });
  vi.stubGlobal('fetch', fetchMock);

  return {
    calls,
    handle,
    /** The calls made for one route. */
    callsTo: (route: Route) => calls.filter((call) => call.route === route),
    fetch: fetchMock,
  };
}
