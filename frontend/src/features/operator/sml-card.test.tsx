import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

const operator = session({ email: 'operator@haven.test' });
const noMonths = { 'GET /api/v1/operator/peppol-reports': { body: { items: [], nextCursor: null } } };
const none = { items: [], total: 0 };
const drifted = {
  inSml: 3,
  inAgreement: 1,
  onlyInSml: { items: ['0106:00000001'], total: 1 },
  missing: { items: ['0106:90000032'], total: 1 },
  moved: { items: ['0106:90000016'], total: 101 },
};

describe('SML card on the operators’ Peppol page', { timeout: 15_000 }, () => {
  it('shows the difference with the SML and queues its repair', async () => {
    const api = mockApi({
      ...noMonths,
      'GET /api/v1/operator/sml/comparison': { body: drifted },
      'POST /api/v1/operator/sml/reconcile': {
        status: 202,
        body: { createdAgain: 1, deleted: 1, markedMoved: 101, comparison: drifted },
      },
    });
    const { user } = await renderApp({ path: '/operator/peppol', language: 'en', session: operator });

    expect(await screen.findByText('The SML lists 3 participant ids under this SMP; 1 of them are published here.')).toBeInTheDocument();
    expect(screen.getByText('0106:00000001')).toBeInTheDocument();
    expect(screen.getByText('0106:90000032')).toBeInTheDocument();
    expect(screen.getByText('0106:90000016')).toBeInTheDocument();
    // Only the first ids are listed; the rest are counted.
    expect(screen.getByText('and 100 more')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Repair' }));
    expect(await screen.findByText('Repair queued: 1 to create again, 1 to delete, 101 marked as moved.')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/operator/sml/reconcile')).toHaveLength(1);
    // The comparison is read again after the repair.
    await waitFor(() => {
      expect(api.callsTo('GET /api/v1/operator/sml/comparison').length).toBeGreaterThan(1);
    });
  });

  it('says so when all agree, and announces the next SMP certificate', async () => {
    const api = mockApi({
      ...noMonths,
      'GET /api/v1/operator/sml/comparison': {
        body: { inSml: 2, inAgreement: 2, onlyInSml: none, missing: none, moved: none },
      },
      'POST /api/v1/operator/sml/certificate-change': {
        body: {
          subject: 'CN=PXX000001',
          issuer: 'CN=SMP CA',
          serialNumber: '0a1b',
          notAfter: '2028-12-01T00:00:00Z',
          migrationDate: '2099-01-31',
        },
      },
    });
    const { user } = await renderApp({ path: '/operator/peppol', language: 'en', session: operator });

    expect(await screen.findByText('The SML and Haven agree.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Repair' })).toBeNull();
    const date = screen.getByLabelText('Migration date');
    await user.clear(date);
    await user.type(date, '2099-01-31');
    await user.click(screen.getByRole('button', { name: 'Announce to the SML' }));
    expect(await screen.findByText('Certificate 0a1b (CN=PXX000001) announced; the SML switches to it on 2099-01-31.')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/operator/sml/certificate-change')[0]?.body).toEqual({ migrationDate: '2099-01-31' });
  });

  it('shows why an announcement was refused, in Dutch', async () => {
    mockApi({
      ...noMonths,
      'POST /api/v1/operator/sml/certificate-change': errorReply(409, 'smp_next_certificate_missing', 'No next SMP certificate is configured.'),
    });
    const { user } = await renderApp({
      path: '/operator/peppol',
      language: 'nl',
      session: session({ email: 'operator@haven.test', language: 'nl' }),
    });

    expect(await screen.findByText("Deze installatie registreert geen participant-id's in de SML.")).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Aanmelden bij de SML' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Er is geen volgend SMP-certificaat ingesteld (peppol_smp_next_certificate_file).');
  });
});
