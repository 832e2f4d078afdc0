import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { session } from '@/testing/fixtures';
import { mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

import type { DocumentEvent, InvoiceDocument } from './model';

const PARTY = '0106:90000075';
const ID = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
const path = `/inbox/${encodeURIComponent(PARTY)}/${ID}`;

function inboxDocument(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return {
    id: ID,
    partyId: PARTY,
    direction: 'incoming',
    kind: 'invoice',
    status: 'received',
    syntax: 'ubl',
    seller: { name: 'Polderdata B.V.', endpoint: '0106:90000067' },
    buyer: { name: 'Hollandse Fietsfabriek N.V.', endpoint: PARTY },
    number: 'INV-42',
    issueDate: '2026-11-30',
    currency: 'EUR',
    totalAmount: '1210.00',
    payableAmount: '1210.00',
    contentType: 'application/xml',
    sizeBytes: 2048,
    // No original bytes: the page asks for no rendering, which keeps these tests to JSON.
    purged: true,
    createdAt: '2026-12-01T09:00:00Z',
    updatedAt: '2026-12-01T09:00:00Z',
    ...overrides,
  };
}

const received: DocumentEvent = {
  id: 'a1f0c2de-0000-4000-8000-000000000001',
  event: 'received',
  status: 'received',
  channel: 'peppol',
  createdAt: '2026-12-01T09:00:00Z',
};

function mockInbox(document: InvoiceDocument) {
  return mockApi({
    'GET /api/v1/parties/{partyId}/purchase-invoices/{id}': { body: document },
    'GET /api/v1/parties/{partyId}/purchase-invoices/{id}/events': { body: { items: [received] } },
    'POST /api/v1/parties/{partyId}/purchase-invoices/{id}/opened': { body: { ...document, status: 'opened' } },
  });
}

describe('inbox document page', { timeout: 15_000 }, () => {
  it('shows the facts and the translated history, and tells the server once that it was opened', async () => {
    const api = mockInbox(inboxDocument());
    await renderApp({ path, language: 'nl', session: session({ language: 'nl' }) });

    expect(await screen.findByRole('heading', { level: 1, name: 'INV-42' })).toBeInTheDocument();
    expect(screen.getByText('Polderdata B.V. — 0106:90000067')).toBeInTheDocument();
    expect(await screen.findByText(/Ontvangen · Peppol/)).toBeInTheDocument();
    await waitFor(() => {
      expect(api.callsTo('POST /api/v1/parties/{partyId}/purchase-invoices/{id}/opened')).toHaveLength(1);
    });
    expect(api.callsTo('POST /api/v1/parties/{partyId}/purchase-invoices/{id}/opened')[0]?.params).toEqual({
      partyId: PARTY,
      id: ID,
    });
    // The refetch after /opened must not send it again.
    await waitFor(() => {
      expect(api.callsTo('GET /api/v1/parties/{partyId}/purchase-invoices/{id}').length).toBeGreaterThan(1);
    });
    expect(api.callsTo('POST /api/v1/parties/{partyId}/purchase-invoices/{id}/opened')).toHaveLength(1);
  });

  it('"Approve" sends an AP response with the note; "Under review" only sets the status', async () => {
    const api = mockInbox(inboxDocument());
    api.handle({
      'POST /api/v1/parties/{partyId}/purchase-invoices/{id}/responses': {
        status: 202,
        body: inboxDocument({ status: 'approved', response: 'ap' }),
      },
      'POST /api/v1/parties/{partyId}/purchase-invoices/{id}/status': { body: inboxDocument({ status: 'under_review' }) },
    });
    const { user } = await renderApp({ path, language: 'en', session: session() });
    await user.type(await screen.findByRole('textbox', { name: /^Note/ }), 'Checked against order 17');
    await user.click(screen.getByRole('button', { name: 'Approve' }));

    expect(await screen.findByText('Status saved.')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/parties/{partyId}/purchase-invoices/{id}/responses')[0]?.body).toEqual({
      code: 'ap',
      note: 'Checked against order 17',
    });
    expect(api.callsTo('POST /api/v1/parties/{partyId}/purchase-invoices/{id}/status')).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: 'Under review' }));
    await waitFor(() => {
      expect(api.callsTo('POST /api/v1/parties/{partyId}/purchase-invoices/{id}/status')[0]?.body).toEqual({
        status: 'under_review',
      });
    });
    expect(api.callsTo('POST /api/v1/parties/{partyId}/purchase-invoices/{id}/responses')).toHaveLength(1);
    expect(screen.queryByRole('button', { name: 'Mark as original' })).toBeNull();
  });

  it('"Reject" asks for a reason and sends RE with it', async () => {
    const api = mockInbox(inboxDocument());
    api.handle({
      'POST /api/v1/parties/{partyId}/purchase-invoices/{id}/responses': {
        status: 202,
        body: inboxDocument({ status: 'rejected', response: 're' }),
      },
    });
    const { user } = await renderApp({ path, language: 'en', session: session() });
    await user.click(await screen.findByRole('button', { name: 'Reject' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reject this invoice' });
    const submit = within(dialog).getByRole('button', { name: 'Reject invoice' });
    expect(submit).toBeDisabled();
    await user.click(within(dialog).getByRole('combobox', { name: 'Reason' }));
    await user.click(await screen.findByRole('option', { name: 'PRI — Prices incorrect', hidden: true }));
    await user.type(within(dialog).getByRole('textbox', { name: 'Explanation (optional)' }), 'Not the agreed rate');
    await user.click(submit);

    await waitFor(() => {
      expect(api.callsTo('POST /api/v1/parties/{partyId}/purchase-invoices/{id}/responses')[0]?.body).toEqual({
        code: 're',
        reasons: [{ code: 'PRI', text: 'Not the agreed rate' }],
      });
    });
  });

  it('the Respond panel needs a reason for UQ and sends the code, reasons, actions and message', async () => {
    const api = mockInbox(inboxDocument({ response: 'ab' }));
    api.handle({
      'POST /api/v1/parties/{partyId}/purchase-invoices/{id}/responses': {
        status: 202,
        body: inboxDocument({ status: 'under_review', response: 'uq' }),
      },
    });
    const { user } = await renderApp({ path, language: 'en', session: session() });
    // The last response so far, next to the status.
    expect(await screen.findByText('Response: Acknowledged')).toBeInTheDocument();

    await user.click(screen.getByRole('combobox', { name: /^Response/ }));
    await user.click(await screen.findByRole('option', { name: 'UQ — Under query', hidden: true }));
    await user.click(screen.getByRole('button', { name: 'Send response' }));
    expect(await screen.findByText(/need at least one reason/)).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/parties/{partyId}/purchase-invoices/{id}/responses')).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: 'Add a reason' }));
    await user.click(screen.getByRole('combobox', { name: 'Reason' }));
    await user.click(await screen.findByRole('option', { name: 'QTY — Quantity incorrect', hidden: true }));
    await user.click(screen.getByRole('button', { name: 'Add an action' }));
    await user.click(screen.getByRole('combobox', { name: 'Requested action' }));
    await user.click(await screen.findByRole('option', { name: 'PIN — Provide information', hidden: true }));
    await user.type(screen.getByRole('textbox', { name: /Message to the seller/ }), 'Two pallets, not three?');
    await user.click(screen.getByRole('button', { name: 'Send response' }));

    await waitFor(() => {
      expect(api.callsTo('POST /api/v1/parties/{partyId}/purchase-invoices/{id}/responses')[0]?.body).toEqual({
        code: 'uq',
        reasons: [{ code: 'QTY' }],
        actions: [{ code: 'PIN' }],
        note: 'Two pallets, not three?',
      });
    });
    expect(await screen.findByText('The response is on its way to the seller.')).toBeInTheDocument();
  });

  it('offers "Mark as original" for a duplicate, which sets it back to received', async () => {
    const api = mockInbox(inboxDocument({ status: 'duplicate' }));
    api.handle({
      'POST /api/v1/parties/{partyId}/purchase-invoices/{id}/status': { body: inboxDocument() },
    });
    const { user } = await renderApp({ path, language: 'en', session: session() });
    await user.click(await screen.findByRole('button', { name: 'Mark as original' }));
    await waitFor(() => {
      expect(api.callsTo('POST /api/v1/parties/{partyId}/purchase-invoices/{id}/status')[0]?.body).toEqual({
        status: 'received',
      });
    });
  });

  it('deletes only after confirmation', async () => {
    const api = mockInbox(inboxDocument());
    api.handle({
      'DELETE /api/v1/parties/{partyId}/purchase-invoices/{id}': { status: 204 },
      'GET /api/v1/me/parties': { body: [] },
    });
    const { user } = await renderApp({ path, language: 'en', session: session() });
    await user.click(await screen.findByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete this invoice?' });
    expect(api.callsTo('DELETE /api/v1/parties/{partyId}/purchase-invoices/{id}')).toHaveLength(0);
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));

    expect(await screen.findByText('Invoice deleted.')).toBeInTheDocument();
    expect(api.callsTo('DELETE /api/v1/parties/{partyId}/purchase-invoices/{id}')).toHaveLength(1);
    expect(await screen.findByRole('heading', { level: 1, name: 'Inbox' })).toBeInTheDocument();
  });
});
