import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { IntakeMessage, TrustedSender } from '@/api/types';
import { organization, session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

const overview = {
  purchaseAddress: '90000016.inkoop@intake.haven.example',
  salesAddress: '90000016.verkoop@intake.haven.example',
  maxMessageBytes: 36_700_160,
  maxAttachmentBytes: 10_485_760,
  maxInvoicesPerMessage: 50,
};

function sender(overrides: Partial<TrustedSender> = {}): TrustedSender {
  return {
    id: 'ts-1',
    kind: 'domain',
    value: 'leverancier.nl',
    contactEmail: 'admin@leverancier.nl',
    language: 'nl',
    status: 'draft',
    createdBy: 'ada@alpha.example',
    createdAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z',
    ...overrides,
  };
}

function message(overrides: Partial<IntakeMessage> = {}): IntakeMessage {
  return {
    id: 'msg-1',
    purpose: 'sales',
    recipient: '90000016.verkoop@intake.haven.example',
    sender: 'ada@alpha.example',
    subject: 'Invoice 7',
    transport: 'smtp',
    sizeBytes: 4000,
    status: 'rejected',
    reason: null,
    replied: true,
    receivedAt: '2026-12-02T10:00:00Z',
    processedAt: '2026-12-02T10:00:01Z',
    ...overrides,
  };
}

const page = <T,>(items: T[]) => ({ body: { items, nextCursor: null } });

async function openIntake(language: 'en' | 'nl' = 'en') {
  const rendered = await renderApp({ path: '/organizations/org-1', language, session: session({ language }) });
  await rendered.user.click(await screen.findByRole('tab', { name: language === 'en' ? 'Email intake' : 'E-mailontvangst' }));
  await screen.findByRole('heading', {
    name: `${language === 'en' ? 'Email intake of' : 'E-mailontvangst van'} Tulpenveld Installatietechniek B.V.`,
  });
  return rendered;
}

describe('email intake page', { timeout: 20_000 }, () => {
  it('shows both addresses with copy buttons, the trusted senders and the log', async () => {
    mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'GET /api/v1/organizations/{id}/intake': { body: overview },
      'GET /api/v1/organizations/{id}/trusted-senders': page([sender({ status: 'active' })]),
      'GET /api/v1/organizations/{id}/intake/messages': page([message()]),
      'GET /api/v1/organizations/{id}/intake/messages/{messageId}': {
        body: {
          message: message(),
          items: [
            {
              position: 0,
              filename: 'invoice-7.xml',
              contentType: 'application/xml',
              sizeBytes: 3000,
              outcome: 'rejected',
              reason: 'validation_failed',
              detail: 'BR-CO-15: totals do not add up',
              documentId: null,
            },
          ],
        },
      },
    });
    const { user } = await openIntake();
    expect(await screen.findByText('90000016.inkoop@intake.haven.example')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Copy 90000016.verkoop@intake.haven.example' })).toBeInTheDocument();
    expect(await screen.findByText('leverancier.nl')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Deactivate leverancier.nl' })).toBeInTheDocument();
    await user.click(await screen.findByRole('button', { name: 'Invoice 7' }));
    const dialog = await screen.findByRole('dialog', { name: 'Invoice 7' });
    expect(await within(dialog).findByText('The invoice breaks rules of the standard.')).toBeInTheDocument();
    expect(within(dialog).getByText('BR-CO-15: totals do not add up')).toBeInTheDocument();
  });

  it('adds a trusted domain and shows field errors in Dutch', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'GET /api/v1/organizations/{id}/intake': { body: overview },
      'GET /api/v1/organizations/{id}/trusted-senders': page([]),
      'GET /api/v1/organizations/{id}/intake/messages': page([]),
      'POST /api/v1/organizations/{id}/trusted-senders': errorReply(400, 'validation_failed', 'Some fields are not valid.', [
        { field: 'value', code: 'format', message: 'Enter a domain name, such as example.nl.' },
      ]),
    });
    const { user } = await openIntake('nl');
    expect(await screen.findByText('Nog geen vertrouwde afzenders.')).toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: 'Domein' }));
    await user.type(screen.getByRole('textbox', { name: 'Domein' }), 'leverancier');
    await user.type(screen.getByRole('textbox', { name: /Contactadres/ }), 'admin@leverancier.nl');
    await user.click(screen.getByRole('button', { name: 'Toevoegen' }));
    expect(await screen.findByText('Enter a domain name, such as example.nl.')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/organizations/{id}/trusted-senders')[0]?.body).toEqual({
      kind: 'domain',
      value: 'leverancier',
      contactEmail: 'admin@leverancier.nl',
      language: 'nl',
    });
  });

  it('invites a draft sender and shows a refusal', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'GET /api/v1/organizations/{id}/intake': { body: overview },
      'GET /api/v1/organizations/{id}/trusted-senders': page([sender()]),
      'GET /api/v1/organizations/{id}/intake/messages': page([]),
      'POST /api/v1/organizations/{id}/trusted-senders/{senderId}/invite': errorReply(
        409,
        'trusted_sender_status',
        'The trusted sender is active; it cannot be invited.',
      ),
    });
    const { user } = await openIntake();
    await user.click(await screen.findByRole('button', { name: 'Invite leverancier.nl' }));
    expect(await screen.findByText('The trusted sender already has that status.')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/organizations/{id}/trusted-senders/{senderId}/invite')[0]?.params).toEqual({
      id: 'org-1',
      senderId: 'ts-1',
    });
  });
});
