import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { session } from '@/testing/fixtures';
import { mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

import type { PeppolExchange } from './api/peppol-evidence';
import type { InvoiceDocument } from './model';

const saved = vi.hoisted(() => vi.fn());
vi.mock('@/lib/save-blob', () => ({ saveBlob: saved }));

const PARTY = '0106:90000075';
const ID = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
const EXCHANGE = '6f1c9a2e-5b7d-4e3f-8a1b-2c3d4e5f6a7b';
const path = `/inbox/${encodeURIComponent(PARTY)}/${ID}`;
const PURCHASE = '/api/v1/parties/{partyId}/purchase-invoices/{id}';

function document(): InvoiceDocument {
  return {
    id: ID,
    partyId: PARTY,
    direction: 'incoming',
    kind: 'invoice',
    status: 'opened',
    channel: 'peppol',
    syntax: 'ubl',
    seller: { name: 'Polderdata B.V.', endpoint: '0106:90000067' },
    buyer: { name: 'Hollandse Fietsfabriek N.V.', endpoint: PARTY },
    number: 'INV-77',
    contentType: 'application/xml',
    sizeBytes: 2048,
    // No original bytes: the page asks for no rendering, which keeps these tests to JSON.
    purged: true,
    createdAt: '2026-12-01T09:00:00Z',
    updatedAt: '2026-12-01T09:00:00Z',
  };
}

function exchange(overrides: Partial<PeppolExchange> = {}): PeppolExchange {
  return {
    id: EXCHANGE,
    direction: 'incoming',
    messageId: 'c0ffee00-0000-4000-8000-000000000001@sender.example',
    sendingAccessPoint: 'PNL000009',
    receivingAccessPoint: 'PNL000002',
    receiptAt: '2026-12-01T09:00:00Z',
    messageSha256: 'a'.repeat(64),
    receiptSha256: 'b'.repeat(64),
    held: true,
    ...overrides,
  };
}

function mockDocument(exchanges: PeppolExchange[]) {
  return mockApi({
    [`GET ${PURCHASE}`]: { body: document() },
    [`GET ${PURCHASE}/events`]: { body: { items: [] } },
    [`POST ${PURCHASE}/opened`]: { body: document() },
    [`GET ${PURCHASE}/peppol-exchanges`]: { body: { items: exchanges } },
    [`GET ${PURCHASE}/peppol-exchanges/{exchangeId}/{part}`]: { status: 200, headers: { 'content-type': 'application/octet-stream' } },
  });
}

describe('the Peppol section of a document page', { timeout: 15_000 }, () => {
  it('lists the AS4 exchange with its access points and hashes, and downloads the receipt', async () => {
    const api = mockDocument([exchange()]);
    await renderApp({ path, language: 'en', session: session({ language: 'en' }) });

    const card = (await screen.findByRole('heading', { level: 2, name: 'Peppol' })).closest('div') as HTMLElement;
    expect(await within(card).findByText('c0ffee00-0000-4000-8000-000000000001@sender.example')).toBeInTheDocument();
    expect(within(card).getByText('Received')).toBeInTheDocument();
    expect(within(card).getByText('From access point PNL000009 to PNL000002')).toBeInTheDocument();
    expect(within(card).getByText(`Receipt: sha256:${'b'.repeat(64)}`)).toBeInTheDocument();
    expect(within(card).queryByRole('button', { name: 'UBL sent' })).not.toBeInTheDocument();

    fireEvent.click(within(card).getByRole('button', { name: 'Receipt' }));
    await waitFor(() => {
      expect(saved).toHaveBeenCalledTimes(1);
    });
    expect(saved.mock.calls[0]?.[1]).toBe(`peppol-${EXCHANGE}-receipt.mime`);
    expect(api.callsTo(`GET ${PURCHASE}/peppol-exchanges/{exchangeId}/{part}`)[0]?.params).toEqual({
      partyId: PARTY,
      id: ID,
      exchangeId: EXCHANGE,
      part: 'receipt',
    });
  });

  it('shows a refused message with the ebMS error as its signal', async () => {
    mockDocument([exchange({ refusal: 'EBMS:0004 PEPPOL:NOT_SERVICED' })]);
    await renderApp({ path, language: 'en', session: session({ language: 'en' }) });

    const card = (await screen.findByRole('heading', { level: 2, name: 'Peppol' })).closest('div') as HTMLElement;
    expect(await within(card).findByText('Refused: EBMS:0004 PEPPOL:NOT_SERVICED')).toBeInTheDocument();
    expect(within(card).getByText(`Refusal (ebMS error): sha256:${'b'.repeat(64)}`)).toBeInTheDocument();
    expect(within(card).getByRole('button', { name: 'Refusal (ebMS error)' })).toBeInTheDocument();
    expect(within(card).queryByRole('button', { name: 'Receipt' })).not.toBeInTheDocument();
  });

  it('says in Dutch that retention removed the evidence, and offers no download', async () => {
    mockDocument([exchange({ held: false, direction: 'incoming' })]);
    await renderApp({ path, language: 'nl', session: session({ language: 'nl' }) });

    const card = (await screen.findByRole('heading', { level: 2, name: 'Peppol' })).closest('div') as HTMLElement;
    expect(
      await within(card).findByText(
        'Het bewijs is na de bewaartermijn samen met het origineel verwijderd; deze vastlegging blijft bewaard.',
      ),
    ).toBeInTheDocument();
    expect(within(card).getByText('Ontvangen')).toBeInTheDocument();
    expect(within(card).queryByRole('button', { name: 'Ontvangstbevestiging' })).not.toBeInTheDocument();
  });
});
