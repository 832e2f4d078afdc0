import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { organization, orgIdentifier, session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

async function openIdentifiers() {
  const rendered = await renderApp({ path: '/organizations/org-1', language: 'en', session: session() });
  await rendered.user.click(await screen.findByRole('tab', { name: 'Identifiers' }));
  return rendered;
}

const active = organization({ status: 'active', identifiers: [orgIdentifier({ registered: true, receive: true })] });

describe('document types received', { timeout: 15_000 }, () => {
  it('shows the chosen types and saves a new choice', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: active },
      'GET /api/v1/organizations/{id}/peppol-document-types': {
        body: { documentTypes: ['bis_billing_invoice', 'bis_billing_credit_note', 'nlcius_invoice', 'nlcius_credit_note'] },
      },
      'PUT /api/v1/organizations/{id}/peppol-document-types': ({ body }) => ({
        body: { documentTypes: body?.documentTypes ?? [] },
      }),
    });
    const { user } = await openIdentifiers();
    const nlcius = await screen.findByRole('checkbox', { name: 'SI-UBL 2.0 (NLCIUS) invoice' });
    expect(nlcius).toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'Peppol BIS Billing 3.0 invoice' })).toBeChecked();
    expect(screen.getByRole('checkbox', { name: 'SI-UBL 2.0 G-account invoice' })).not.toBeChecked();
    expect(screen.getByText(/Invoice Responses .* are always received/)).toBeInTheDocument();
    const save = screen.getByRole('button', { name: 'Save document types' });
    expect(save).toBeDisabled();

    await user.click(nlcius);
    await user.click(screen.getByRole('checkbox', { name: 'SI-UBL 2.0 (NLCIUS) credit note' }));
    await user.click(save);
    expect(await screen.findByText('Document types saved.')).toBeInTheDocument();
    expect(api.callsTo('PUT /api/v1/organizations/{id}/peppol-document-types')[0]?.body).toEqual({
      documentTypes: ['bis_billing_invoice', 'bis_billing_credit_note'],
    });
    expect(screen.getByRole('checkbox', { name: 'SI-UBL 2.0 (NLCIUS) invoice' })).not.toBeChecked();
  });

  it('asks for at least one type and shows a refusal', async () => {
    mockApi({
      'GET /api/v1/organizations/{id}': { body: active },
      'GET /api/v1/organizations/{id}/peppol-document-types': { body: { documentTypes: ['bis_billing_invoice'] } },
      'PUT /api/v1/organizations/{id}/peppol-document-types': errorReply(403, 'forbidden', 'Only Organization Administrators may do this.'),
    });
    const { user } = await openIdentifiers();
    const bis = await screen.findByRole('checkbox', { name: 'Peppol BIS Billing 3.0 invoice' });
    await user.click(bis);
    expect(screen.getByText('Choose at least one document type.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save document types' })).toBeDisabled();
    await user.click(screen.getByRole('checkbox', { name: 'SI-UBL 2.0 (NLCIUS) invoice' }));
    await user.click(screen.getByRole('button', { name: 'Save document types' }));
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.some((alert) => /not allowed|Only Organization Administrators/.test(alert.textContent))).toBe(true);
    expect(screen.getByRole('checkbox', { name: 'SI-UBL 2.0 (NLCIUS) invoice' })).toBeChecked();
  });

  it('is read-only for members', async () => {
    mockApi({ 'GET /api/v1/organizations/{id}': { body: { ...active, myRole: 'member' } } });
    await openIdentifiers();
    expect(await screen.findByRole('checkbox', { name: 'Peppol BIS Billing 3.0 invoice' })).toBeDisabled();
    expect(screen.getByText('Document types received')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save document types' })).not.toBeInTheDocument();
  });
});
