import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

import type { InvoiceDocument, Party } from './model';

const party: Party = {
  partyId: '0106:90000067',
  organizationId: '7d0f5a2e-3c61-4f55-9f0e-2a7c9d1b0e11',
  organizationName: 'Polderdata B.V.',
  send: true,
  receive: true,
  permissions: ['view', 'send'],
};

function outgoing(n: number, overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    partyId: party.partyId,
    direction: 'outgoing',
    kind: 'invoice',
    status: 'delivered',
    channel: 'peppol',
    syntax: 'ubl',
    seller: { name: 'Polderdata B.V.', endpoint: party.partyId },
    buyer: { name: `Buyer ${String(n)}`, endpoint: '0106:90000075' },
    number: `INV-${String(n)}`,
    issueDate: '2026-11-30',
    currency: 'EUR',
    payableAmount: '1210.00',
    contentType: 'application/xml',
    sizeBytes: 2048,
    purged: false,
    createdAt: '2026-12-01T09:00:00Z',
    updatedAt: '2026-12-01T09:00:00Z',
    ...overrides,
  };
}

describe('outbox', { timeout: 15_000 }, () => {
  it('lists the chosen party’s invoices with translated status and channel, and loads more by cursor', async () => {
    const api = mockApi({
      'GET /api/v1/me/parties': { body: [party] },
      'GET /api/v1/parties/{partyId}/sales-invoices': ({ url }) =>
        url.searchParams.get('before') === 'cursor-1'
          ? { body: { items: [outgoing(2, { status: 'failed', channel: 'email' })], nextCursor: null } }
          : { body: { items: [outgoing(1)], nextCursor: 'cursor-1' } },
    });
    const { user } = await renderApp({ path: '/outbox', language: 'en', session: session() });

    const first = (await screen.findByRole('link', { name: 'Open invoice INV-1' })).closest('tr');
    expect(first).toHaveTextContent('Buyer 1');
    expect(first).toHaveTextContent('Delivered');
    expect(first).toHaveTextContent('Peppol');
    expect(first).toHaveTextContent('€1,210.00');
    expect(api.callsTo('GET /api/v1/parties/{partyId}/sales-invoices')[0]?.params).toEqual({ partyId: party.partyId });

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    const second = (await screen.findByRole('link', { name: 'Open invoice INV-2' })).closest('tr');
    expect(second).toHaveTextContent('Failed');
    expect(second).toHaveTextContent('Email');
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('searches on the server', async () => {
    const api = mockApi({
      'GET /api/v1/me/parties': { body: [party] },
      'GET /api/v1/parties/{partyId}/sales-invoices': ({ url }) =>
        url.searchParams.get('search') === 'INV-9'
          ? { body: { items: [], nextCursor: null } }
          : { body: { items: [outgoing(1)], nextCursor: null } },
    });
    const { user } = await renderApp({ path: '/outbox', language: 'en', session: session() });
    await screen.findByRole('link', { name: 'Open invoice INV-1' });
    await user.type(screen.getByRole('textbox', { name: 'Search' }), 'INV-9');

    expect(await screen.findByText('No invoices match these filters.')).toBeInTheDocument();
    await waitFor(() => {
      expect(api.callsTo('GET /api/v1/parties/{partyId}/sales-invoices').at(-1)?.path).toContain('search=INV-9');
    });
  });

  it('points to organizations when the user has no party', async () => {
    mockApi({ 'GET /api/v1/me/parties': { body: [] } });
    await renderApp({ path: '/inbox', language: 'nl', session: session({ language: 'nl' }) });
    expect(await screen.findByRole('link', { name: 'Naar organisaties' })).toBeInTheDocument();
  });
});

describe('shared invoice page', { timeout: 15_000 }, () => {
  it('opens the invoice with the link token in a header, without a session', async () => {
    const tokens: (string | null)[] = [];
    const api = mockApi({
      'GET /api/v1/shared-invoice': ({ request }) => {
        tokens.push(request.headers.get('Haven-Link-Token'));
        return { body: { document: outgoing(7), expiresAt: '2026-12-31T12:00:00Z' } };
      },
    });
    await renderApp({ path: '/shared-invoice?token=secret-token', language: 'en' });

    expect(await screen.findByText('Polderdata B.V.')).toBeInTheDocument();
    expect(screen.getByText('€1,210.00')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Download XML' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Download PDF' })).toBeInTheDocument();
    expect(tokens).toEqual(['secret-token']);
    expect(api.callsTo('GET /api/v1/shared-invoice')[0]?.authorization).toBeNull();
    expect(api.callsTo('GET /api/v1/shared-invoice')[0]?.path).not.toContain('secret-token');
  });

  it('says so when the link no longer works', async () => {
    mockApi({ 'GET /api/v1/shared-invoice': errorReply(400, 'token_invalid', 'The link is not valid.') });
    await renderApp({ path: '/shared-invoice?token=old', language: 'nl' });
    expect(await screen.findByText('Deze link werkt niet (meer). Vraag de afzender om een nieuwe.')).toBeInTheDocument();
  });
});
