import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { session } from '@/testing/fixtures';
import { mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

import type { InvoiceDocument, Party } from './stats';

// jsdom has no canvas: the chart shows what it was given as text.
vi.mock('./bar-chart', () => ({
  BarChart: ({ label, series }: { label: string; series: { name: string; counts: number[] }[] }) => (
    <ul aria-label={label}>
      {series.map((s) => (
        <li key={s.name}>{`${s.name}: ${String(s.counts.reduce((a, b) => a + b, 0))}`}</li>
      ))}
    </ul>
  ),
}));

const A = '0106:90000032';
const B = '0106:90000121';

function party(partyId: string, organizationName: string, receive: boolean): Party {
  return { partyId, organizationName, organizationId: `org-${partyId}`, permissions: ['view', 'send'], send: true, receive };
}

function doc(partyId: string, id: string, status: InvoiceDocument['status'], channel: InvoiceDocument['channel']): InvoiceDocument {
  const now = new Date().toISOString();
  return {
    id,
    partyId,
    direction: status === 'received' ? 'incoming' : 'outgoing',
    kind: 'invoice',
    status,
    channel,
    number: `INV-${id}`,
    syntax: 'ubl',
    seller: { name: 'Zeewind Logistiek B.V.' },
    buyer: { name: 'Brugwachter Software B.V.' },
    contentType: 'application/xml',
    sizeBytes: 1,
    purged: false,
    createdAt: now,
    updatedAt: now,
  };
}

const failed = doc(A, '1', 'failed', 'email');

describe('dashboard', { timeout: 15_000 }, () => {
  it('shows the traffic per environment and per party, the failures and who receives', async () => {
    const api = mockApi({
      'GET /api/v1/me/parties': { body: [party(A, 'Zeewind Logistiek B.V.', false), party(B, 'Brugwachter Software B.V.', true)] },
      'GET /api/v1/parties/{partyId}/sales-invoices': ({ params, url }) => {
        if (url.searchParams.get('status') === 'failed') return { body: { items: params.partyId === A ? [failed] : [] } };
        // A's sent documents come in two pages.
        if (params.partyId !== A) return { body: { items: [] } };
        return url.searchParams.has('before')
          ? { body: { items: [doc(A, '3', 'delivered', 'internal')] } }
          : { body: { items: [failed, doc(A, '2', 'delivered', 'internal')], nextCursor: 'page-2' } };
      },
      'GET /api/v1/parties/{partyId}/purchase-invoices': ({ params }) => ({
        body: { items: params.partyId === B ? [doc(B, '4', 'received', 'internal')] : [] },
      }),
      'GET /api/v1/environment': {
        body: session().user.environment,
      },
    });
    const { user } = await renderApp({ path: '/', language: 'en', session: session() });

    expect(await screen.findByLabelText('Sent: 3 documents')).toBeInTheDocument();
    expect(screen.getByLabelText('Received: 1 documents')).toBeInTheDocument();
    const sentChart = screen.getByRole('list', { name: 'Sent per day: 3 documents in total' });
    expect(within(sentChart).getByText('Delivered: 2')).toBeInTheDocument();
    expect(within(sentChart).getByText('Failed: 1')).toBeInTheDocument();
    // Every list request asked for the last 30 days, 200 at a time.
    const from = new URL(api.callsTo('GET /api/v1/parties/{partyId}/purchase-invoices')[0]?.path ?? '', 'http://x');
    expect(from.searchParams.get('limit')).toBe('200');
    expect(new Date(from.searchParams.get('from') ?? '').getTime()).toBeLessThan(Date.now() - 28 * 86_400_000);

    // The failure links to its outbox page.
    expect(await screen.findByRole('link', { name: 'Open invoice INV-1' })).toHaveAttribute(
      'href',
      `/outbox/${encodeURIComponent(A)}/1`,
    );
    // Receiving: off for the environment, on for B only.
    const receiving = screen.getByRole('region', { name: 'Receiving' });
    expect((await within(receiving).findByText('Environment receives e-invoices')).parentElement).toHaveTextContent('Off');
    expect(within(receiving).getByText(`Brugwachter Software B.V. (${B})`).parentElement).toHaveTextContent('On');
    expect(within(receiving).getByText(`Zeewind Logistiek B.V. (${A})`).parentElement).toHaveTextContent('Off');

    // By channel.
    await user.click(screen.getByRole('radio', { name: 'Channel' }));
    expect(within(screen.getByRole('list', { name: 'Sent per day: 3 documents in total' })).getByText('Haven: 2')).toBeInTheDocument();

    // One party: B sent nothing.
    await user.click(screen.getByRole('combobox', { name: 'Show' }));
    await user.click(await screen.findByRole('option', { name: `Brugwachter Software B.V. (${B})`, hidden: true }));
    expect(await screen.findByLabelText('Sent: 0 documents')).toBeInTheDocument();
    expect(screen.getByLabelText('Received: 1 documents')).toBeInTheDocument();
  });
});
