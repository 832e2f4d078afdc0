import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { PartnerGrant, PartnerRequest, Partnership } from '@/api/types';
import { session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

function request(overrides: Partial<PartnerRequest> = {}): PartnerRequest {
  return {
    id: 'req-1',
    side: 'client',
    requesterEnvironmentName: 'Boekhouders BV',
    requestedByName: 'Anna Accountant',
    requestedByEmail: 'anna@accountants.example',
    clientName: 'Carl Client',
    clientEmail: 'carl@client.example',
    software: 'Ledger Pro',
    kvkNumber: '90000016',
    language: 'en',
    status: 'pending',
    clientEnvironmentName: 'Acme BV',
    partnershipId: null,
    createdAt: '2026-12-01T10:00:00Z',
    expiresAt: '2026-12-15T10:00:00Z',
    answeredAt: null,
    answeredByEmail: null,
    ...overrides,
  };
}

function partnership(overrides: Partial<Partnership> = {}): Partnership {
  return {
    id: 'ps-1',
    side: 'client',
    requestId: 'req-1',
    partnerEnvironmentName: 'Boekhouders BV',
    clientEnvironmentName: 'Acme BV',
    organizationId: 'org-1',
    organizationName: 'Tulpenveld Installatietechniek B.V.',
    kvkNumber: '90000016',
    software: 'Ledger Pro',
    status: 'active',
    createdAt: '2026-12-01T11:00:00Z',
    endedAt: null,
    endedByEmail: null,
    ...overrides,
  };
}

function grant(overrides: Partial<PartnerGrant> = {}): PartnerGrant {
  return {
    id: 'gr-1',
    partnershipId: 'ps-1',
    organizationId: 'org-1',
    organizationName: 'Tulpenveld Installatietechniek B.V.',
    partnerEnvironmentName: 'Boekhouders BV',
    userId: 'u-ann',
    userName: 'Ann Admin',
    userEmail: 'ann@example.com',
    role: 'administrator',
    status: 'offered',
    offeredByEmail: 'carl@client.example',
    createdAt: '2026-12-01T12:00:00Z',
    acceptedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

const page = <T,>(items: T[]) => ({ body: { items, nextCursor: null } });

function lists({
  sent = [] as PartnerRequest[],
  received = [] as PartnerRequest[],
  partnerships = [] as Partnership[],
  grants = [] as PartnerGrant[],
} = {}) {
  return mockApi({
    'GET /api/v1/partner-requests': ({ url }) => page(url.searchParams.get('side') === 'received' ? received : sent),
    'GET /api/v1/partnerships': page(partnerships),
    'GET /api/v1/me/partner-access': page(grants),
  });
}

describe('partners page', { timeout: 20_000 }, () => {
  it('answers received requests, ends partnerships and withdraws sent requests', async () => {
    const api = lists({
      received: [request()],
      sent: [request({ id: 'req-2', side: 'partner', clientName: 'Dora Client', kvkNumber: '90000032' })],
      partnerships: [partnership()],
    });
    api.handle({
      'POST /api/v1/partner-requests/{id}/accept': { body: partnership() },
      'POST /api/v1/partnerships/{id}/end': { body: partnership({ status: 'ended' }) },
      'POST /api/v1/partner-requests/{id}/withdraw': { body: request({ id: 'req-2', status: 'withdrawn' }) },
    });
    const { user } = await renderApp({ path: '/partners', language: 'en', session: session() });

    const received = await screen.findByRole('table', { name: 'Requests received' });
    expect(within(received).getByText('Boekhouders BV (anna@accountants.example)')).toBeInTheDocument();
    expect(within(received).getByText('Pending')).toBeInTheDocument();
    await user.click(within(received).getByRole('button', { name: 'Accept' }));
    expect(api.callsTo('POST /api/v1/partner-requests/{id}/accept')[0]?.params).toEqual({ id: 'req-1' });

    await user.click(screen.getByRole('button', { name: 'End the partnership for Tulpenveld Installatietechniek B.V.' }));
    expect(api.callsTo('POST /api/v1/partnerships/{id}/end')[0]?.params).toEqual({ id: 'ps-1' });

    await user.click(screen.getByRole('button', { name: 'Withdraw the request to Dora Client' }));
    expect(api.callsTo('POST /api/v1/partner-requests/{id}/withdraw')[0]?.params).toEqual({ id: 'req-2' });
  });

  it('sends a request and shows field errors from the server', async () => {
    const api = lists();
    api.handle({
      'POST /api/v1/partner-requests': errorReply(400, 'validation_failed', 'Invalid input.', [
        { field: 'kvkNumber', code: 'invalid_kvk', message: 'A KvK number has eight digits.' },
      ]),
    });
    const { user } = await renderApp({ path: '/partners', language: 'en', session: session() });
    await user.type(await screen.findByRole('textbox', { name: 'Client name' }), 'Carl Client');
    await user.type(screen.getByRole('textbox', { name: 'Client email' }), 'carl@client.example');
    await user.type(screen.getByRole('textbox', { name: 'Software package' }), 'Ledger Pro');
    await user.type(screen.getByRole('textbox', { name: 'KvK number' }), '1234');
    await user.click(screen.getByRole('button', { name: 'Send request' }));
    expect(await screen.findByText('A KvK number has eight digits.')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/partner-requests')[0]?.body).toEqual({
      clientName: 'Carl Client',
      clientEmail: 'carl@client.example',
      software: 'Ledger Pro',
      kvkNumber: '1234',
      language: 'nl',
    });
  });

  it('opens the emailed link and says what to do when the organization is missing', async () => {
    const api = lists();
    api.handle({
      'POST /api/v1/partner-requests/open': { body: request() },
      'POST /api/v1/partner-requests/{id}/accept': errorReply(409, 'partner_organization_missing', 'Add it first.'),
    });
    const { user } = await renderApp({ path: '/partners?token=secret-token', language: 'en', session: session() });
    expect(await screen.findByText('Authorisation request from Boekhouders BV')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/partner-requests/open')[0]?.body).toEqual({ token: 'secret-token' });
    expect(
      screen.getByText(/Anna Accountant of Boekhouders BV asks for authorisation .* KvK number 90000016, with the software package Ledger Pro/),
    ).toBeInTheDocument();
    const [accept] = screen.getAllByRole('button', { name: 'Accept' });
    if (accept === undefined) throw new Error('an Accept button expected');
    await user.click(accept);
    expect(
      await screen.findByText('Add the organization with this KvK number to your environment first, then accept.'),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Add the organization with KvK number 90000016' })).toHaveAttribute(
      'href',
      '/organizations/new',
    );
  });

  it('lets a Basic user accept access a client offered, in Dutch', async () => {
    const api = mockApi({ 'GET /api/v1/me/partner-access': page([grant()]) });
    api.handle({ 'POST /api/v1/me/partner-access/{id}/accept': { body: grant({ status: 'active' }) } });
    const { user } = await renderApp({
      path: '/partners',
      language: 'nl',
      session: session({ role: 'basic', language: 'nl' }),
    });
    const table = await screen.findByRole('table', { name: 'Toegang die klanten je gaven' });
    expect(within(table).getByText('Organisatiebeheerder')).toBeInTheDocument();
    expect(within(table).getByText('Aangeboden')).toBeInTheDocument();
    expect(screen.getByText(/Machtigingsverzoeken en samenwerkingen worden behandeld/)).toBeInTheDocument();
    await user.click(
      screen.getByRole('button', { name: 'Toegang tot Tulpenveld Installatietechniek B.V. accepteren' }),
    );
    expect(api.callsTo('POST /api/v1/me/partner-access/{id}/accept')[0]?.params).toEqual({ id: 'gr-1' });
    expect(api.callsTo('GET /api/v1/partner-requests')).toHaveLength(0);
  });
});
