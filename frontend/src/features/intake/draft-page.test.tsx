import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { IntakeDraft, InvoiceFields } from '@/api/types';
import { organization, session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

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

function draft(overrides: Partial<IntakeDraft> = {}): IntakeDraft {
  return {
    id: 'draft-1',
    messageId: 'msg-1',
    position: 0,
    purpose: 'purchase',
    status: 'open',
    filename: 'factuur.pdf',
    pdfSize: 4000,
    fromInvoice: false,
    fields: {
      ...EMPTY_FIELDS,
      sellerName: 'Tulpenveld Installatietechniek B.V.',
      sellerKvk: '90000016',
      invoiceNumber: '2026-0042',
      issueDate: '2026-12-04',
      currency: 'EUR',
      netTotal: '1000.00',
      vatTotal: '210.00',
      payable: '1210.00',
      vatBreakdown: [{ rate: '21', taxableAmount: '1000.00', taxAmount: '210.00' }],
      iban: 'NL91ABNA0417164300',
    },
    documentId: null,
    createdAt: '2026-12-04T10:00:00Z',
    updatedAt: '2026-12-04T10:00:00Z',
    finishedAt: null,
    finishedBy: null,
    ...overrides,
  };
}

const routes = (current: IntakeDraft) => ({
  'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
  'GET /api/v1/organizations/{id}/intake/drafts/{draftId}': { body: current },
  'GET /api/v1/organizations/{id}/intake/drafts/{draftId}/pdf': errorReply(404, 'not_found', 'Gone.'),
});

describe('intake draft page', { timeout: 20_000 }, () => {
  it('shows the recognised fields, saves corrections and completes the draft', async () => {
    const api = mockApi({
      ...routes(draft()),
      'PUT /api/v1/organizations/{id}/intake/drafts/{draftId}/fields': { body: draft() },
      'POST /api/v1/organizations/{id}/intake/drafts/{draftId}/complete': {
        body: draft({ status: 'completed', documentId: 'doc-1' }),
      },
    });
    const { user } = await renderApp({ path: '/organizations/org-1/intake/drafts/draft-1', session: session() });
    expect(await screen.findByRole('heading', { name: 'Draft from factuur.pdf' })).toBeInTheDocument();
    const number = screen.getByRole('textbox', { name: 'Invoice number' });
    expect(number).toHaveValue('2026-0042');
    expect(screen.getByRole('textbox', { name: 'Name' })).toHaveValue('Tulpenveld Installatietechniek B.V.');
    await user.type(screen.getByRole('textbox', { name: 'Buyer reference' }), 'PO-77');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Draft saved.')).toBeInTheDocument();
    const saved = api.callsTo('PUT /api/v1/organizations/{id}/intake/drafts/{draftId}/fields')[0];
    expect(saved?.params).toEqual({ id: 'org-1', draftId: 'draft-1' });
    expect(saved?.body).toMatchObject({ buyerReference: 'PO-77', invoiceNumber: '2026-0042' });
    await user.click(screen.getByRole('button', { name: 'Complete into the inbox' }));
    expect(await screen.findByText('Draft completed.')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/organizations/{id}/intake/drafts/{draftId}/complete')).toHaveLength(1);
  });

  it('shows field problems and rule failures in Dutch', async () => {
    mockApi({
      ...routes(draft()),
      'PUT /api/v1/organizations/{id}/intake/drafts/{draftId}/fields': { body: draft() },
      'POST /api/v1/organizations/{id}/intake/drafts/{draftId}/complete': errorReply(
        422,
        'unprocessable',
        'Some fields of the draft are missing or wrong; see details.',
        [
          { field: 'buyerReference', code: 'required', message: 'Required to complete the invoice.' },
          { field: 'invoice', code: 'rule_failed', message: 'BR-CO-15: totals do not add up' },
        ],
      ),
    });
    const { user } = await renderApp({
      path: '/organizations/org-1/intake/drafts/draft-1',
      language: 'nl',
      session: session({ language: 'nl' }),
    });
    await user.click(await screen.findByRole('button', { name: 'Afronden naar de inbox' }));
    expect(await screen.findByText('Required to complete the invoice.')).toBeInTheDocument();
    expect(screen.getByText('De factuur kan nog niet worden afgerond:')).toBeInTheDocument();
    expect(screen.getByText('BR-CO-15: totals do not add up')).toBeInTheDocument();
  });

  it('keeps the errors of completing after the save before it gave the draft a new time', async () => {
    let saves = 0;
    const api = mockApi({
      ...routes(draft()),
      // The server stamps every save: the page shows the draft as it is now.
      'GET /api/v1/organizations/{id}/intake/drafts/{draftId}': () => ({
        body: draft({ updatedAt: `2026-12-04T10:00:0${String(saves)}Z` }),
      }),
      'PUT /api/v1/organizations/{id}/intake/drafts/{draftId}/fields': () => {
        saves += 1;
        return { body: draft({ updatedAt: `2026-12-04T10:00:0${String(saves)}Z` }) };
      },
      'POST /api/v1/organizations/{id}/intake/drafts/{draftId}/complete': errorReply(
        422,
        'unprocessable',
        'Some fields of the draft are missing or wrong; see details.',
        [{ field: 'buyerReference', code: 'required', message: 'Required to complete the invoice.' }],
      ),
    });
    const { user } = await renderApp({ path: '/organizations/org-1/intake/drafts/draft-1', session: session() });
    await user.click(await screen.findByRole('button', { name: 'Complete into the inbox' }));
    expect(await screen.findByText('Required to complete the invoice.')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/organizations/{id}/intake/drafts/{draftId}/complete')).toHaveLength(1);
    expect(screen.getByRole('textbox', { name: 'Buyer reference' })).toHaveAttribute('aria-invalid', 'true');
  });

  it('shows a finished draft without its actions', async () => {
    mockApi(routes(draft({ status: 'discarded' })));
    await renderApp({ path: '/organizations/org-1/intake/drafts/draft-1', session: session() });
    expect(await screen.findByText('This draft is discarded.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save' })).not.toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Invoice number' })).toBeDisabled();
  });
});
