import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { me, organization, orgIdentifier, session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

const receivingOn = { enabled: true, decided: true, pricePerDocument: '0.34', currency: 'EUR' };

async function openIdentifiers(options: { receiving?: boolean } = {}) {
  const environment = me().environment;
  const rendered = await renderApp({
    path: '/organizations/org-1',
    language: 'en',
    session: session(options.receiving === true ? { environment: { ...environment, receiving: receivingOn } } : {}),
  });
  await rendered.user.click(await screen.findByRole('tab', { name: 'Identifiers' }));
  return rendered;
}

describe('identifiers tab', { timeout: 15_000 }, () => {
  it('disables both switches, with the reason, until the organization is active', async () => {
    mockApi({ 'GET /api/v1/organizations/{id}': { body: organization({ status: 'added' }) } });
    await openIdentifiers({ receiving: true });
    expect(screen.getByText('0106:90000016')).toBeInTheDocument();
    expect(screen.getByText('Not registered')).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: 'Send with 0106:90000016' })).toBeDisabled();
    expect(screen.getByRole('switch', { name: 'Receive on 0106:90000016' })).toBeDisabled();
    expect(
      screen.getByText('Sending and receiving can be switched on once the organization is active.'),
    ).toBeInTheDocument();
  });

  it('allows sending but not receiving when the environment did not opt in to receiving', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': {
        body: organization({ status: 'active', identifiers: [orgIdentifier({ registered: true })] }),
      },
      'PATCH /api/v1/organizations/{id}/identifiers/{identifierId}': ({ body }) => ({
        body: orgIdentifier({ registered: true, send: body?.send ?? false }),
      }),
    });
    const { user } = await openIdentifiers({ receiving: false });
    expect(screen.getByText('Registered')).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: 'Receive on 0106:90000016' })).toBeDisabled();
    expect(screen.getByText(/Receiving is off for your environment/)).toBeInTheDocument();
    const send = screen.getByRole('switch', { name: 'Send with 0106:90000016' });
    expect(send).toBeEnabled();
    await user.click(send);
    expect(await screen.findByRole('switch', { name: 'Send with 0106:90000016', checked: true })).toBeInTheDocument();
    expect(api.callsTo('PATCH /api/v1/organizations/{id}/identifiers/{identifierId}')[0]?.body).toEqual({ send: true });
  });

  it('enables both switches for an active organization that receives, and shows a refusal', async () => {
    mockApi({
      'GET /api/v1/organizations/{id}': {
        body: organization({ status: 'active', identifiers: [orgIdentifier({ registered: true })] }),
      },
      'PATCH /api/v1/organizations/{id}/identifiers/{identifierId}': errorReply(
        409,
        'conflict',
        'Your environment has not chosen to receive e-invoices (€0.34 per document); an Administrator can switch it on in the environment settings.',
      ),
    });
    const { user } = await openIdentifiers({ receiving: true });
    const receive = screen.getByRole('switch', { name: 'Receive on 0106:90000016' });
    expect(receive).toBeEnabled();
    expect(screen.getByRole('switch', { name: 'Send with 0106:90000016' })).toBeEnabled();
    await user.click(receive);
    expect(await screen.findByRole('alert')).toHaveTextContent('Your environment has not chosen to receive e-invoices');
    expect(screen.getByRole('switch', { name: 'Receive on 0106:90000016' })).not.toBeChecked();
  });

  it('is read-only for members', async () => {
    mockApi({
      'GET /api/v1/organizations/{id}': {
        body: organization({ status: 'active', myRole: 'member', identifiers: [orgIdentifier({ registered: true })] }),
      },
    });
    await openIdentifiers({ receiving: true });
    expect(screen.getByRole('switch', { name: 'Send with 0106:90000016' })).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Add identifier' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Remove 0106:90000016' })).not.toBeInTheDocument();
  });

  it('shows where a receiving participant id is in the SML, with the reason of a failure', async () => {
    mockApi({
      'GET /api/v1/organizations/{id}': {
        body: organization({ status: 'active', identifiers: [orgIdentifier({ registered: true, receive: true })] }),
      },
      'GET /api/v1/organizations/{id}/sml-registrations': {
        body: { items: [{ participantId: '0106:90000016', state: 'failed', reason: 'the SML refused the request' }] },
      },
    });
    const { user } = await openIdentifiers({ receiving: true });
    const badge = await screen.findByText('Network registration failed');
    await user.hover(badge);
    expect(await screen.findByText('the SML refused the request')).toBeInTheDocument();
  });

  it('switches the Peppol Directory listing off through the organization', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'PATCH /api/v1/organizations/{id}': ({ body }) => ({
        body: organization({ status: 'active', directoryListed: body?.directoryListed ?? true }),
      }),
    });
    const { user } = await openIdentifiers({ receiving: true });
    await user.click(screen.getByRole('switch', { name: /Listed in the Peppol Directory/ }));
    expect(await screen.findByRole('switch', { name: /Listed in the Peppol Directory/, checked: false })).toBeInTheDocument();
    expect(api.callsTo('PATCH /api/v1/organizations/{id}')[0]?.body).toEqual({ directoryListed: false });
  });
});
