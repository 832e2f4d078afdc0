import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { session } from '@/testing/fixtures';
import { mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

import type { IncomingRefusal } from './api/incoming-refusals';

const operator = session({ email: 'operator@haven.test' });
const months = { 'GET /api/v1/operator/peppol-reports': { body: { items: [], nextCursor: null } } };

function refusal(overrides: Partial<IncomingRefusal> = {}): IncomingRefusal {
  return {
    id: 'r-1',
    refusedAt: '2026-12-06T10:00:00Z',
    reason: 'not_serviced',
    senderAccessPoint: 'PXX000001',
    senderVerified: true,
    messageId: 'msg-1@sender',
    ebmsCode: 'EBMS:0004',
    peppolCode: 'PEPPOL:NOT_SERVICED',
    description: 'nobody here receives the document type on 0106:99999999',
    messageKept: true,
    messageTruncated: false,
    messageSha256: 'ab'.repeat(32),
    ...overrides,
  };
}

describe('refused incoming messages', { timeout: 15_000 }, () => {
  it('lists refusals with their codes, marks an unverified sender and filters by reason', async () => {
    const api = mockApi({
      ...months,
      'GET /api/v1/operator/peppol/incoming-refusals': ({ url }) =>
        url.searchParams.get('reason') === 'authentication'
          ? {
              body: {
                items: [
                  refusal({
                    id: 'r-2',
                    reason: 'authentication',
                    senderVerified: false,
                    messageId: 'msg-2@sender',
                    ebmsCode: 'EBMS:0101',
                    peppolCode: null,
                    description: 'the certificate is not issued by a trusted AP CA',
                    messageTruncated: true,
                  }),
                ],
                nextCursor: null,
              },
            }
          : { body: { items: [refusal()], nextCursor: null } },
    });
    const { user } = await renderApp({ path: '/operator/peppol', language: 'en', session: operator });

    const row = within((await screen.findByText('msg-1@sender')).closest('tr') as HTMLElement);
    expect(row.getByText('Not serviced')).toBeInTheDocument();
    expect(row.getByText('EBMS:0004 PEPPOL:NOT_SERVICED')).toBeInTheDocument();
    expect(row.getByText('PXX000001')).toBeInTheDocument();
    expect(row.queryByText('not verified')).not.toBeInTheDocument();
    expect(row.getByRole('button', { name: 'Download refused message msg-1@sender' })).toHaveTextContent('Message');

    await user.click(screen.getByRole('combobox', { name: 'Reason' }));
    await user.click(await screen.findByRole('option', { name: 'Signature or certificate', hidden: true }));

    const other = within((await screen.findByText('msg-2@sender')).closest('tr') as HTMLElement);
    expect(other.getByText('not verified')).toBeInTheDocument();
    expect(other.getByText('EBMS:0101')).toBeInTheDocument();
    expect(other.getByRole('button', { name: 'Download refused message msg-2@sender' })).toHaveTextContent('First 16 KiB');
    await waitFor(() => {
      expect(api.callsTo('GET /api/v1/operator/peppol/incoming-refusals').some((c) => c.path.includes('reason=authentication'))).toBe(true);
    });
  });

  it('says when nothing was refused and when bytes were not kept, in Dutch', async () => {
    mockApi({
      ...months,
      'GET /api/v1/operator/peppol/incoming-refusals': {
        body: {
          items: [refusal({ messageKept: false, messageSha256: null, reason: 'rebuilt_message_id', ebmsCode: null, peppolCode: null })],
          nextCursor: null,
        },
      },
    });
    await renderApp({ path: '/operator/peppol', language: 'nl', session: session({ email: 'operator@haven.test', language: 'nl' }) });
    const row = within((await screen.findByText('msg-1@sender')).closest('tr') as HTMLElement);
    expect(row.getByText('MessageId met andere inhoud')).toBeInTheDocument();
    expect(row.getByText('Ontvangstbevestiging')).toBeInTheDocument();
    expect(row.getByText('Niet bewaard')).toBeInTheDocument();
  });

  it('reads older refusals a page at a time with the cursor of the page before', async () => {
    const api = mockApi({
      ...months,
      'GET /api/v1/operator/peppol/incoming-refusals': ({ url }) =>
        url.searchParams.get('before') === 'cursor-1'
          ? { body: { items: [refusal({ id: 'r-old', messageId: 'msg-old@sender' })], nextCursor: null } }
          : { body: { items: [refusal()], nextCursor: 'cursor-1' } },
    });
    const { user } = await renderApp({ path: '/operator/peppol', language: 'en', session: operator });
    await screen.findByText('msg-1@sender');
    expect(screen.queryByText('msg-old@sender')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Older refusals' }));
    expect(await screen.findByText('msg-old@sender')).toBeInTheDocument();
    expect(screen.getByText('msg-1@sender')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Older refusals' })).not.toBeInTheDocument();
    const calls = api.callsTo('GET /api/v1/operator/peppol/incoming-refusals');
    expect(calls[0]?.path).not.toContain('before=');
  });

  it('says so when no message was refused', async () => {
    mockApi({ ...months, 'GET /api/v1/operator/peppol/incoming-refusals': { body: { items: [], nextCursor: null } } });
    await renderApp({ path: '/operator/peppol', language: 'en', session: operator });
    expect(await screen.findByText('No incoming messages were refused.')).toBeInTheDocument();
  });
});
