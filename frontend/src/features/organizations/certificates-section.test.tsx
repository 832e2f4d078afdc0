import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { components } from '@/api/generated/schema';
import { session } from '@/testing/fixtures';
import { mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

type Certificate = components['schemas']['CertificateDto'];

function certificate(overrides: Partial<Certificate> = {}): Certificate {
  return {
    purpose: 'access_point',
    subject: 'CN=POP000123',
    issuer: 'CN=PEPPOL ACCESS POINT CA - G2',
    serialNumber: '0a1b',
    notBefore: '2025-01-10T00:00:00Z',
    notAfter: '2027-01-10T00:00:00Z',
    state: 'valid',
    daysLeft: 400,
    ...overrides,
  };
}

const operator = session({ email: 'operator@haven.test' });

describe('certificates on the operator page', { timeout: 15_000 }, () => {
  it('warns of a certificate that expires soon and lists the installation log', async () => {
    mockApi({
      'GET /api/v1/operator/activation-requests': { body: { items: [] } },
      'GET /api/v1/operator/certificates': {
        body: {
          warningDays: 30,
          items: [
            certificate({ state: 'expires_soon', daysLeft: 12 }),
            certificate({ purpose: 'smp', subject: 'CN=PSG000123', daysLeft: 300 }),
          ],
        },
      },
      'GET /api/v1/operator/audit-events': {
        body: {
          items: [
            {
              id: 'e-1',
              action: 'peppol.certificate_expires_soon',
              targetType: 'certificate',
              targetId: '0a1b',
              details: {},
              createdAt: '2026-12-06T06:00:00Z',
            },
          ],
        },
      },
    });
    await renderApp({ path: '/operator', language: 'en', session: operator });

    expect(await screen.findByText('Access point (AS4): Expires in 12 days')).toBeInTheDocument();
    expect(screen.getByText(/Renew it now/)).toBeInTheDocument();
    expect(screen.getByText('Valid')).toBeInTheDocument();
    expect(screen.getByText('CN=PSG000123')).toBeInTheDocument();
    expect(await screen.findByText('peppol.certificate_expires_soon')).toBeInTheDocument();
    expect(screen.getByText('certificate 0a1b')).toBeInTheDocument();
  });

  it('says an expired certificate has expired, in Dutch', async () => {
    mockApi({
      'GET /api/v1/operator/activation-requests': { body: { items: [] } },
      'GET /api/v1/operator/certificates': {
        body: { warningDays: 30, items: [certificate({ state: 'expired', daysLeft: -3 })] },
      },
      'GET /api/v1/operator/audit-events': { body: { items: [] } },
    });
    await renderApp({
      path: '/operator',
      language: 'nl',
      session: session({ email: 'operator@haven.test', language: 'nl' }),
    });
    expect(await screen.findByText('Accesspoint (AS4): Verlopen')).toBeInTheDocument();
    expect(screen.getByText(/Installeer het vernieuwde certificaat/)).toBeInTheDocument();
  });

  it('names the previous certificate of a rollover without warning of its end', async () => {
    const items = [
      certificate({ serialNumber: '0c0d' }),
      certificate({ purpose: 'access_point_previous', state: 'expires_soon', daysLeft: 5 }),
    ];
    mockApi({
      'GET /api/v1/operator/activation-requests': { body: { items: [] } },
      'GET /api/v1/operator/certificates': { body: { warningDays: 30, items } },
      'GET /api/v1/operator/audit-events': { body: { items: [] } },
    });
    await renderApp({ path: '/operator', language: 'en', session: operator });
    expect(await screen.findByText('Previous access point certificate (decrypts only)')).toBeInTheDocument();
    expect(screen.getByText(/still decrypts messages/)).toBeInTheDocument();
    expect(screen.queryByText(/Renew it now/)).not.toBeInTheDocument();
  });

  it('names the previous certificate in Dutch', async () => {
    mockApi({
      'GET /api/v1/operator/activation-requests': { body: { items: [] } },
      'GET /api/v1/operator/certificates': {
        body: { warningDays: 30, items: [certificate({ purpose: 'access_point_previous' })] },
      },
      'GET /api/v1/operator/audit-events': { body: { items: [] } },
    });
    await renderApp({
      path: '/operator',
      language: 'nl',
      session: session({ email: 'operator@haven.test', language: 'nl' }),
    });
    expect(await screen.findByText('Vorig accesspointcertificaat (alleen ontsleutelen)')).toBeInTheDocument();
  });

  it('is left out where no certificate is configured', async () => {
    mockApi({
      'GET /api/v1/operator/activation-requests': { body: { items: [] } },
      'GET /api/v1/operator/certificates': { body: { warningDays: 30, items: [] } },
      'GET /api/v1/operator/audit-events': { body: { items: [] } },
    });
    await renderApp({ path: '/operator', language: 'en', session: operator });
    expect(await screen.findByText('No activation requests are waiting.')).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Peppol certificates' })).not.toBeInTheDocument();
  });
});
