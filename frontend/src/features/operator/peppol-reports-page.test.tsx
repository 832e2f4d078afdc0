import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

const operator = session({ email: 'operator@haven.test' });

describe('Peppol reports page', { timeout: 15_000 }, () => {
  it('lists the months with both reports to download', async () => {
    const api = mockApi({
      'GET /api/v1/operator/peppol-reports': {
        body: {
          items: [
            { month: '2026-11', incoming: 12, outgoing: 30 },
            { month: '2026-10', incoming: 0, outgoing: 4 },
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

  it('says so when nothing was exchanged yet, in Dutch too', async () => {
    mockApi({ 'GET /api/v1/operator/peppol-reports': { body: { items: [], nextCursor: null } } });
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
