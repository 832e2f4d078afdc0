import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { session } from '@/testing/fixtures';
import { mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

const report = {
  from: '2026-01-01T00:00:00Z',
  until: '2026-12-03T00:00:00Z',
  total: '0.68',
  lines: [
    {
      month: '2026-12',
      organizationId: 'org-1',
      organizationName: 'Zeewind Logistiek B.V.',
      kind: 'received' as const,
      count: 2,
      amount: '0.68',
    },
  ],
};

describe('usage page', { timeout: 15_000 }, () => {
  it('lists usage per month and organization with the total', async () => {
    const api = mockApi({ 'GET /api/v1/environment/usage': { body: report } });
    await renderApp({ path: '/usage', language: 'en', session: session() });

    expect(await screen.findByText('Zeewind Logistiek B.V.')).toBeInTheDocument();
    expect(screen.getByText('Received')).toBeInTheDocument();
    expect(screen.getByText('2026-12')).toBeInTheDocument();
    expect(screen.getAllByText('€0.68')).toHaveLength(2);
    expect(api.callsTo('GET /api/v1/environment/usage')).toHaveLength(1);
  });

  it('says so in Dutch when there is nothing yet', async () => {
    mockApi({ 'GET /api/v1/environment/usage': { body: { ...report, total: '0', lines: [] } } });
    await renderApp({ path: '/usage', language: 'nl', session: session({ language: 'nl' }) });
    expect(await screen.findByText('Nog niets in deze periode.')).toBeInTheDocument();
  });
});
