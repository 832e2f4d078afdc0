import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import type { Hook, HookDelivery } from '@/api/types';
import { organization, orgIdentifier, session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

const PARTY = '0106:90000016';

function hook(overrides: Partial<Hook> = {}): Hook {
  return {
    id: 'hook-1',
    partyId: PARTY,
    target: 'https://books.example.com/events',
    topics: ['InvoiceReceived', '*Sent'],
    active: true,
    description: 'Ledger',
    language: 'en',
    previousSecretUntil: null,
    createdAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z',
    ...overrides,
  };
}

function delivery(overrides: Partial<HookDelivery> = {}): HookDelivery {
  return {
    id: 'del-1',
    eventId: 'evt-1',
    topic: 'Ping',
    documentId: null,
    message: 'A test event.',
    status: 'delivered',
    attempts: 1,
    nextAttemptAt: null,
    redeliveryOf: null,
    createdAt: '2026-12-01T10:05:00Z',
    attemptLog: [
      {
        attempt: 1,
        at: '2026-12-01T10:05:00Z',
        statusCode: 200,
        durationMs: 12,
        error: null,
        requestBody: '{"id":"evt-1","topic":"Ping"}',
        responseBody: 'ok',
      },
    ],
    ...overrides,
  };
}

const page = <T,>(items: T[]) => ({ body: { items, nextCursor: null } });
const activeOrg = () =>
  organization({ status: 'active', identifiers: [orgIdentifier({ registered: true, send: true })] });

async function openHooks(language: 'en' | 'nl' = 'en') {
  const rendered = await renderApp({ path: '/organizations/org-1', language, session: session({ language }) });
  await rendered.user.click(await screen.findByRole('tab', { name: 'Webhooks' }));
  await screen.findByRole('heading', { name: `Webhooks ${language === 'en' ? 'of' : 'van'} Tulpenveld Installatietechniek B.V.` });
  return rendered;
}

describe('webhooks page', { timeout: 20_000 }, () => {
  it('creates a hook for the party and shows its secret once', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: activeOrg() },
      'GET /api/v1/parties/{partyId}/hooks': page([]),
      'POST /api/v1/parties/{partyId}/hooks': { status: 201, body: { hook: hook(), secret: 'whsec_shown-once' } },
    });
    const { user } = await openHooks();
    expect(await screen.findByText('No webhooks yet.')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'New webhook' }));
    const form = await screen.findByRole('dialog', { name: 'New webhook' });
    await user.type(within(form).getByRole('textbox', { name: /Target URL/ }), 'https://books.example.com/events');
    await user.click(within(form).getByRole('button', { name: 'Save' }));

    const dialog = await screen.findByRole('dialog', { name: "The webhook's signing secret" });
    expect(within(dialog).getByText('whsec_shown-once')).toBeInTheDocument();
    expect(within(dialog).getByRole('alert')).toHaveTextContent('shown only this once');
    expect(within(dialog).getByRole('button', { name: 'Copy the secret' })).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/parties/{partyId}/hooks')[0]?.body).toEqual({
      target: 'https://books.example.com/events',
      topics: ['*'],
      active: true,
      description: '',
    });
    expect(api.callsTo('POST /api/v1/parties/{partyId}/hooks')[0]?.params).toEqual({ partyId: PARTY });
    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(screen.queryByText('whsec_shown-once')).not.toBeInTheDocument();
  });

  it('shows the field the server refused', async () => {
    mockApi({
      'GET /api/v1/organizations/{id}': { body: activeOrg() },
      'GET /api/v1/parties/{partyId}/hooks': page([]),
      'POST /api/v1/parties/{partyId}/hooks': errorReply(400, 'validation_failed', 'Check the fields.', [
        { field: 'target', code: 'target', message: 'Use https://; plain http is not allowed for this host.' },
      ]),
    });
    const { user } = await openHooks();
    await user.click(await screen.findByRole('button', { name: 'New webhook' }));
    const form = await screen.findByRole('dialog', { name: 'New webhook' });
    await user.type(within(form).getByRole('textbox', { name: /Target URL/ }), 'http://books.example.com/');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText('Use https://; plain http is not allowed for this host.')).toBeInTheDocument();
  });

  it('pings a hook and shows its delivery log with redelivery', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: activeOrg() },
      'GET /api/v1/parties/{partyId}/hooks': page([hook()]),
      'POST /api/v1/parties/{partyId}/hooks/{id}/ping': { status: 202, body: { deliveryId: 'del-1' } },
      'GET /api/v1/parties/{partyId}/hooks/{id}/deliveries': page([
        delivery(),
        delivery({ id: 'del-0', topic: 'InvoiceSent', status: 'failed', attempts: 7, attemptLog: [] }),
      ]),
      'POST /api/v1/parties/{partyId}/hooks/{id}/deliveries/{deliveryId}/redeliver': { status: 202, body: { deliveryId: 'del-2' } },
    });
    const { user } = await openHooks();
    await user.click(await screen.findByRole('button', { name: 'Send a test event to https://books.example.com/events' }));
    const log = await screen.findByRole('table', { name: 'Delivery log of https://books.example.com/events' });
    expect(api.callsTo('POST /api/v1/parties/{partyId}/hooks/{id}/ping')).toHaveLength(1);
    const [, first, second] = await within(log).findAllByRole('row');
    if (first === undefined || second === undefined) throw new Error('two rows expected');
    expect(within(first).getByText('Delivered')).toBeInTheDocument();
    expect(within(first).getByText('200')).toBeInTheDocument();
    expect(within(second).getByText('Failed')).toBeInTheDocument();
    await user.click(within(first).getByRole('button', { name: 'Details' }));
    expect(within(first).getByText('{"id":"evt-1","topic":"Ping"}')).toBeInTheDocument();
    await user.click(within(second).getByRole('button', { name: 'Send again' }));
    expect(api.callsTo('POST /api/v1/parties/{partyId}/hooks/{id}/deliveries/{deliveryId}/redeliver')[0]?.params).toEqual({
      partyId: PARTY,
      id: 'hook-1',
      deliveryId: 'del-0',
    });
  });

  it('reads in Dutch, and a member sees the hooks without managing them', async () => {
    mockApi({
      'GET /api/v1/organizations/{id}': { body: { ...activeOrg(), myRole: 'member' } },
      'GET /api/v1/parties/{partyId}/hooks': page([hook({ active: false })]),
    });
    await openHooks('nl');
    expect(await screen.findByText('Uit')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Nieuwe webhook' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Afleverlog' })).toBeInTheDocument();
  });

  it('manages the environment hooks on their own page', async () => {
    const api = mockApi({
      'GET /api/v1/environment/hooks': page([hook({ partyId: null })]),
      'POST /api/v1/environment/hooks/{id}/rotate-secret': { body: { hook: hook({ partyId: null }), secret: 'whsec_rotated' } },
    });
    const { user } = await renderApp({ path: '/environment/webhooks', session: session({ role: 'administrator' }) });
    await screen.findByRole('heading', { name: 'Environment webhooks' });
    await user.click(await screen.findByRole('button', { name: 'New secret' }));
    expect(await screen.findByText('whsec_rotated')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/environment/hooks/{id}/rotate-secret')).toHaveLength(1);
  });
  it('creates a mail hook with a converted attachment and shows it as email', async () => {
    const mailHook = hook({ target: 'mailto:books@example.com?format=cii' });
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: activeOrg() },
      'GET /api/v1/parties/{partyId}/hooks': page([mailHook]),
      'POST /api/v1/parties/{partyId}/hooks': { status: 201, body: { hook: mailHook, secret: 'whsec_x' } },
    });
    const { user } = await openHooks();
    const list = await screen.findByRole('table', { name: 'Webhooks' });
    expect(within(list).getByText('books@example.com')).toBeInTheDocument();
    expect(within(list).getByText('Converted to CII')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'New webhook' }));
    const form = await screen.findByRole('dialog', { name: 'New webhook' });
    await user.click(within(form).getByRole('radio', { name: 'Email' }));
    expect(within(form).queryByRole('textbox', { name: /Target URL/ })).not.toBeInTheDocument();
    await user.type(within(form).getByRole('textbox', { name: /Email address/ }), 'books@example.com');
    await user.click(within(form).getByRole('radio', { name: 'Converted to CII' }));
    // The messages' language starts as the user's and can be chosen.
    expect(within(form).getByRole('radio', { name: 'English' })).toBeChecked();
    await user.click(within(form).getByRole('radio', { name: 'Nederlands' }));
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    await screen.findByRole('dialog', { name: "The webhook's signing secret" });
    expect(api.callsTo('POST /api/v1/parties/{partyId}/hooks')[0]?.body).toMatchObject({
      target: 'mailto:books@example.com?format=cii',
      language: 'nl',
    });
  });

  it('edits a mail hook in Dutch, keeping its address and format', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: activeOrg() },
      'GET /api/v1/parties/{partyId}/hooks': page([hook({ target: 'mailto:boeken@example.com' })]),
      'PATCH /api/v1/parties/{partyId}/hooks/{id}': { body: hook({ target: 'mailto:boeken@example.com?format=ubl' }) },
    });
    const { user } = await openHooks('nl');
    const list = await screen.findByRole('table', { name: 'Webhooks' });
    expect(within(list).getByText('Origineel document')).toBeInTheDocument();
    await user.click(within(list).getByRole('button', { name: 'Webhook wijzigen' }));
    const form = await screen.findByRole('dialog', { name: 'Webhook wijzigen' });
    expect(within(form).getByRole('radio', { name: 'E-mail' })).toBeChecked();
    expect(within(form).getByRole('textbox', { name: /E-mailadres/ })).toHaveValue('boeken@example.com');
    await user.click(within(form).getByRole('radio', { name: 'Omgezet naar UBL' }));
    await user.click(within(form).getByRole('button', { name: 'Opslaan' }));
    await vi.waitFor(() => {
      expect(api.callsTo('PATCH /api/v1/parties/{partyId}/hooks/{id}')[0]?.body).toMatchObject({
        target: 'mailto:boeken@example.com?format=ubl',
        // The hook's own language is kept, not replaced by the user's.
        language: 'en',
      });
    });
  });
});
