import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

import type { Finding, Party, ValidationReport } from './model';

const party: Party = {
  partyId: '0106:90000067',
  organizationId: '7d0f5a2e-3c61-4f55-9f0e-2a7c9d1b0e11',
  organizationName: 'Polderdata B.V.',
  send: true,
  receive: false,
  permissions: ['view', 'send'],
};
const DOCUMENT_ID = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';

function finding(ruleId: string, severity: Finding['severity'], businessTerm: string | null): Finding {
  return { ruleId, severity, businessTerm, ruleSet: 'CEN 1.3.16', message: `${ruleId} does not hold` };
}

function report(findings: Finding[]): ValidationReport {
  return { valid: !findings.some((f) => f.severity === 'fatal'), ruleSets: [], findings };
}

const invoiceFile = () => new File(['<Invoice/>'], 'invoice.xml', { type: 'application/xml' });

async function renderSendPage(validation: ValidationReport) {
  const api = mockApi({
    'GET /api/v1/me/parties': { body: [party] },
    'POST /api/v1/validate': { body: validation },
  });
  const app = await renderApp({ path: '/send', language: 'en', session: session() });
  await screen.findByRole('heading', { level: 1, name: 'Send an invoice' });
  const input = document.querySelector<HTMLInputElement>('input[type="file"]');
  if (input === null) throw new Error('no file input');
  return { api, ...app, choose: () => app.user.upload(input, invoiceFile()) };
}

describe('send page', { timeout: 15_000 }, () => {
  it('validates a chosen file at once and shows its findings by business term, with Send off', async () => {
    const { api, choose } = await renderSendPage(
      report([
        finding('BR-CO-10', 'fatal', 'BT-106'),
        finding('BR-CO-11', 'warning', 'BT-106'),
        finding('PEPPOL-R001', 'warning', 'BT-2'),
      ]),
    );
    await choose();

    expect(await screen.findByText('The invoice has errors. Fix them and choose the file again.')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/validate')).toHaveLength(1);
    const findings = screen.getByRole('region', { name: 'Findings' });
    const groups = within(findings).getAllByRole('alert').map((group) => group.querySelector('.mantine-Alert-title')?.textContent);
    expect(groups).toEqual(['BT-106', 'BT-2']);
    expect(within(findings).getByText('BR-CO-10 does not hold')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send' })).toBeDisabled();
    expect(api.callsTo('POST /api/v1/parties/{partyId}/sales-invoices')).toHaveLength(0);
  });

  it('sends a valid file with an idempotency key and shows the track-and-trace id', async () => {
    const keys: (string | null)[] = [];
    const { api, choose, user } = await renderSendPage(report([]));
    api.handle({
      'POST /api/v1/parties/{partyId}/sales-invoices': ({ request }) => {
        keys.push(request.headers.get('Idempotency-Key'));
        return { status: 202, body: { documentId: DOCUMENT_ID, status: 'pending' } };
      },
    });
    await choose();
    await user.click(await screen.findByRole('button', { name: 'Send' }));

    expect(await screen.findByText(`Track-and-trace id: ${DOCUMENT_ID}`)).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/parties/{partyId}/sales-invoices')[0]?.params).toEqual({ partyId: '0106:90000067' });
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(screen.getByRole('link', { name: 'View the invoice' })).toHaveAttribute(
      'href',
      `/outbox/${encodeURIComponent('0106:90000067')}/${DOCUMENT_ID}`,
    );
  });

  it('links the document an earlier send with the same key made (document_exists)', async () => {
    const { api, choose, user } = await renderSendPage(report([]));
    const exists = errorReply(409, 'document_exists', 'already sent');
    api.handle({
      'POST /api/v1/parties/{partyId}/sales-invoices': { ...exists, body: { ...exists.body, documentId: DOCUMENT_ID } },
    });
    await choose();
    await user.click(await screen.findByRole('button', { name: 'Send' }));

    expect(await screen.findByText('This upload was already sent.', { exact: false })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'View the invoice that was sent' })).toHaveAttribute(
      'href',
      expect.stringContaining(DOCUMENT_ID) as string,
    );
  });

  it("shows the server's findings when it refuses the document (invalid_document)", async () => {
    const { api, choose, user } = await renderSendPage(report([]));
    const invalid = errorReply(400, 'invalid_document', 'not valid');
    api.handle({
      'POST /api/v1/parties/{partyId}/sales-invoices': {
        ...invalid,
        body: { ...invalid.body, report: report([finding('BR-NL-1', 'fatal', 'BT-31')]) },
      },
    });
    await choose();
    await user.click(await screen.findByRole('button', { name: 'Send' }));

    expect(await screen.findByText('This is not a valid e-invoice. See the findings below.')).toBeInTheDocument();
    expect(screen.getByText('BR-NL-1 does not hold')).toBeInTheDocument();
    expect(screen.getByText('BT-31')).toBeInTheDocument();
  });
});
