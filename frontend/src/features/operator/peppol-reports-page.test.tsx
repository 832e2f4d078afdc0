import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

const saved = vi.hoisted(() => vi.fn());
vi.mock('@/lib/save-blob', () => ({ saveBlob: saved }));

const operator = session({ email: 'operator@haven.test' });

const notSent = { state: 'not_sent' as const, messageId: null, sentAt: null, reason: null, messageSha256: null, receiptSha256: null };
const sent = { ...notSent, state: 'sent' as const, messageId: 'a@haven', sentAt: '2026-11-01T00:31:00Z' };
const failed = { ...notSent, state: 'failed' as const, messageId: 'b@haven', reason: 'EBMS:0004 refused' };
/** The card of refused incoming messages below the reports, empty here. */
const noRefusals = { 'GET /api/v1/operator/peppol/incoming-refusals': { body: { items: [], nextCursor: null } } };

describe('Peppol reports page', { timeout: 15_000 }, () => {
  it('lists the months with both reports to download', async () => {
    const api = mockApi({
      ...noRefusals,
      'GET /api/v1/operator/peppol-reports': {
        body: {
          items: [
            { month: '2026-11', incoming: 12, outgoing: 30, tsr: notSent, eusr: notSent },
            { month: '2026-10', incoming: 0, outgoing: 4, tsr: sent, eusr: sent },
          ],
          nextCursor: null,
        },
      },
    });
    await renderApp({ path: '/operator/peppol', language: 'en', session: operator });

    const november = (await screen.findByText('2026-11')).closest('tr');
    expect(november).not.toBeNull();
    const row = within(november as HTMLElement);
    expect(row.getByText('12')).toBeInTheDocument();
    expect(row.getByText('30')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'TSR 2026-11' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'EUSR 2026-10' })).toBeInTheDocument();
    expect(api.callsTo('GET /api/v1/operator/peppol-reports')[0]?.path).toContain('limit=24');
  });

  it('shows where each report stands and sends a month again after a failure', async () => {
    const api = mockApi({
      ...noRefusals,
      'GET /api/v1/operator/peppol-reports': {
        body: {
          items: [
            { month: '2020-02', incoming: 0, outgoing: 0, tsr: sent, eusr: sent },
            { month: '2020-01', incoming: 0, outgoing: 1, tsr: sent, eusr: failed },
          ],
          nextCursor: null,
        },
      },
      'POST /api/v1/operator/peppol-reports/{month}/send': {
        status: 202,
        body: { month: '2020-01', tsr: sent, eusr: { ...notSent, state: 'pending' as const } },
      },
    });
    const { user } = await renderApp({ path: '/operator/peppol', language: 'en', session: operator });

    const january = within((await screen.findByText('2020-01')).closest('tr') as HTMLElement);
    expect(january.getByText('EUSR: failed')).toBeInTheDocument();
    expect(january.getByText('TSR: sent')).toBeInTheDocument();
    const february = within(screen.getByText('2020-02').closest('tr') as HTMLElement);
    expect(february.queryByRole('button', { name: 'Send the reports of 2020-02 to OpenPeppol' })).toBeNull();

    const again = january.getByRole('button', { name: 'Send the reports of 2020-01 to OpenPeppol' });
    expect(again).toHaveTextContent('Send again');
    await user.click(again);
    await waitFor(() => {
      expect(api.callsTo('POST /api/v1/operator/peppol-reports/{month}/send')).toHaveLength(1);
    });
    expect(api.callsTo('POST /api/v1/operator/peppol-reports/{month}/send')[0]?.params).toEqual({ month: '2020-01' });
  });

  it('downloads the evidence of a sent report and offers none for one never answered', async () => {
    const api = mockApi({
      'GET /api/v1/operator/peppol-reports': {
        body: {
          items: [
            {
              month: '2020-01',
              incoming: 0,
              outgoing: 1,
              tsr: { ...sent, messageSha256: 'a'.repeat(64), receiptSha256: 'b'.repeat(64) },
              eusr: failed,
            },
          ],
          nextCursor: null,
        },
      },
      'GET /api/v1/operator/peppol-reports/{month}/{report}/evidence/{part}': {
        status: 200,
        headers: { 'content-type': 'application/octet-stream' },
      },
    });
    const { user } = await renderApp({ path: '/operator/peppol', language: 'en', session: operator });

    const receipt = await screen.findByRole('button', { name: 'Download the signed answer to the TSR of 2020-01 (receipt or refusal)' });
    expect(screen.getByRole('button', { name: 'Download the AS4 message of the TSR of 2020-01 as sent' })).toHaveTextContent('TSR message');
    expect(screen.queryByRole('button', { name: /of the EUSR of 2020-01/ })).toBeNull();
    await user.click(receipt);
    await waitFor(() => {
      expect(saved).toHaveBeenCalledTimes(1);
    });
    expect(saved.mock.calls[0]?.[1]).toBe('tsr-2020-01-receipt.mime');
    expect(api.callsTo('GET /api/v1/operator/peppol-reports/{month}/{report}/evidence/{part}')[0]?.params).toEqual({
      month: '2020-01',
      report: 'tsr',
      part: 'receipt',
    });
  });

  it('says so when nothing was exchanged yet, in Dutch too', async () => {
    mockApi({ ...noRefusals, 'GET /api/v1/operator/peppol-reports': { body: { items: [], nextCursor: null } } });
    await renderApp({
      path: '/operator/peppol',
      language: 'nl',
      session: session({ email: 'operator@haven.test', language: 'nl' }),
    });
    expect(await screen.findByText('Nog niets via Peppol verstuurd of ontvangen.')).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('Peppol-rapportages');
  });

  it('does not exist for anyone but an operator', async () => {
    mockApi({ 'GET /api/v1/operator/peppol-reports': errorReply(404, 'not_found', 'Not found.') });
    await renderApp({ path: '/operator/peppol', language: 'en', session: session() });
    expect(await screen.findByRole('heading', { level: 1 })).not.toHaveTextContent('Peppol reports');
  });
});
