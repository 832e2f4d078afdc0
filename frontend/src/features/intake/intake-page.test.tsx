import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { InvoiceFields, IntakeMessage, TrustedSender } from '@/api/types';
import { organization, session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

const overview = {
  purchaseAddress: '90000016.inkoop@intake.haven.example',
  salesAddress: '90000016.verkoop@intake.haven.example',
  maxMessageBytes: 36_700_160,
  maxAttachmentBytes: 10_485_760,
  maxInvoicesPerMessage: 50,
  salesAsDrafts: false,
};

const EMPTY_FIELDS: InvoiceFields = {
  sellerName: null,
  sellerKvk: null,
  sellerVat: null,
  sellerStreet: null,
  sellerPostalCode: null,
  sellerCity: null,
  sellerCountry: null,
  buyerName: null,
  buyerKvk: null,
  buyerVat: null,
  buyerStreet: null,
  buyerPostalCode: null,
  buyerCity: null,
  buyerCountry: null,
  invoiceNumber: null,
  issueDate: null,
  dueDate: null,
  currency: null,
  netTotal: null,
  vatTotal: null,
  payable: null,
  vatBreakdown: [],
  iban: null,
  buyerReference: null,
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
    senderVerdict: {
      source: 'checked',
      fromDomain: 'alpha.example',
      spf: 'fail',
      spfDomain: 'alpha.example',
      dkim: [{ domain: 'alpha.example', result: 'pass', aligned: true }],
      dmarc: 'pass',
      dmarcPolicy: 'reject',
      authenticated: true,
    },
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
      'GET /api/v1/organizations/{id}/intake/drafts': page([]),
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
              draftId: null,
            },
            {
              position: 1,
              filename: 'factuur.pdf',
              contentType: 'application/pdf',
              sizeBytes: 40_000,
              outcome: 'draft',
              reason: null,
              detail: null,
              documentId: null,
              draftId: 'draft-1',
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
    expect(
      within(dialog).getByText(
        'Sender authenticated: SPF fail · DKIM alpha.example pass · DMARC pass (policy reject)',
      ),
    ).toBeInTheDocument();
    expect(within(dialog).getByText('Recognised into a draft')).toBeInTheDocument();
    expect(within(dialog).getByRole('link', { name: 'Open draft' })).toHaveAttribute(
      'href',
      '/organizations/org-1/intake/drafts/draft-1',
    );
  });

  it('lists the open drafts and filters by status', async () => {
    const draft = {
      id: 'draft-1',
      messageId: 'msg-1',
      position: 0,
      purpose: 'purchase' as const,
      status: 'open' as const,
      filename: 'factuur.pdf',
      pdfSize: 4000,
      fields: {
        ...EMPTY_FIELDS,
        sellerName: 'Zeewind Logistiek B.V.',
        invoiceNumber: '2026-0042',
        payable: '1210.00',
        currency: 'EUR',
      },
      fromInvoice: false,
      documentId: null,
      createdAt: '2026-12-04T10:00:00Z',
      updatedAt: '2026-12-04T10:00:00Z',
      finishedAt: null,
      finishedBy: null,
    };
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'GET /api/v1/organizations/{id}/intake': { body: overview },
      'GET /api/v1/organizations/{id}/trusted-senders': page([]),
      'GET /api/v1/organizations/{id}/intake/messages': page([]),
      'GET /api/v1/organizations/{id}/intake/drafts': page([draft]),
    });
    const { user } = await openIntake();
    expect(await screen.findByRole('link', { name: 'Open factuur.pdf' })).toHaveAttribute(
      'href',
      '/organizations/org-1/intake/drafts/draft-1',
    );
    expect(screen.getByText('Zeewind Logistiek B.V.')).toBeInTheDocument();
    expect(screen.getByText('2026-0042')).toBeInTheDocument();
    expect(api.callsTo('GET /api/v1/organizations/{id}/intake/drafts')[0]?.path).toContain('status=open');
    await user.click(screen.getByRole('radio', { name: 'Discarded' }));
    await waitFor(() => {
      expect(api.callsTo('GET /api/v1/organizations/{id}/intake/drafts').at(-1)?.path).toContain('status=discarded');
    });
  });

  it('adds a trusted domain and shows field errors in Dutch', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'GET /api/v1/organizations/{id}/intake': { body: overview },
      'GET /api/v1/organizations/{id}/trusted-senders': page([]),
      'GET /api/v1/organizations/{id}/intake/messages': page([]),
      'GET /api/v1/organizations/{id}/intake/drafts': page([]),
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
      'GET /api/v1/organizations/{id}/intake/drafts': page([]),
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

  it('keeps sales invoices as drafts when an administrator switches it on', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'GET /api/v1/organizations/{id}/intake': { body: overview },
      'GET /api/v1/organizations/{id}/trusted-senders': page([]),
      'GET /api/v1/organizations/{id}/intake/messages': page([]),
      'GET /api/v1/organizations/{id}/intake/drafts': page([]),
      'PUT /api/v1/organizations/{id}/intake': { body: { ...overview, salesAsDrafts: true } },
    });
    const { user } = await openIntake('nl');
    const toggle = await screen.findByRole('switch', { name: /^Verkoopfacturen als concept bewaren/ });
    expect(toggle).not.toBeChecked();
    await user.click(toggle);
    await waitFor(() => {
      expect(toggle).toBeChecked();
    });
    expect(api.callsTo('PUT /api/v1/organizations/{id}/intake')[0]?.body).toEqual({ salesAsDrafts: true });
  });
});
