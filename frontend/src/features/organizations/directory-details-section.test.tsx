import { screen, within } from '@testing-library/react';
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

describe('Peppol Directory card', { timeout: 20_000 }, () => {
  it('shows what was added and saves a website and a contact point', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: active },
      'GET /api/v1/organizations/{id}/directory-details': {
        body: {
          otherNames: [{ language: 'en', name: 'Sea Wind Ltd.' }],
          websites: [],
          contacts: [],
          additionalInformation: null,
        },
      },
      'PUT /api/v1/organizations/{id}/directory-details': ({ body }) => ({
        body: {
          otherNames: body?.otherNames ?? [],
          websites: (body?.websites ?? []).map((w) => (w.startsWith('http') ? w : `https://${w}`)),
          contacts: body?.contacts ?? [],
          additionalInformation: body?.additionalInformation ?? null,
        },
      }),
    });
    const { user } = await openIdentifiers();
    expect(await screen.findByRole('heading', { name: 'Peppol Directory card' })).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Name in that language' })).toHaveValue('Sea Wind Ltd.');
    const save = screen.getByRole('button', { name: 'Save Directory card' });
    expect(save).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Add a website' }));
    await user.type(screen.getByRole('textbox', { name: 'Website' }), 'www.zeewind.example.nl');
    await user.click(screen.getByRole('button', { name: 'Add a contact point' }));
    await user.type(screen.getByRole('textbox', { name: 'For' }), 'Invoices');
    await user.type(screen.getByRole('textbox', { name: 'Email' }), 'facturen@zeewind.example.nl');
    await user.click(save);

    expect(await screen.findByText(/Directory card saved/)).toBeInTheDocument();
    expect(api.callsTo('PUT /api/v1/organizations/{id}/directory-details')[0]?.body).toEqual({
      otherNames: [{ language: 'en', name: 'Sea Wind Ltd.' }],
      websites: ['www.zeewind.example.nl'],
      contacts: [{ purpose: 'Invoices', name: null, phone: null, email: 'facturen@zeewind.example.nl' }],
      additionalInformation: null,
    });
    // The form shows what the server kept.
    expect(screen.getByRole('textbox', { name: 'Website' })).toHaveValue('https://www.zeewind.example.nl');
  });

  it('puts each refusal on its field', async () => {
    mockApi({
      'GET /api/v1/organizations/{id}': { body: active },
      'PUT /api/v1/organizations/{id}/directory-details': errorReply(400, 'validation_failed', 'Some fields are not valid.', [
        { field: 'websites[0]', code: 'invalid_url', message: 'Enter a web address such as https://www.example.nl.' },
        { field: 'contacts[0].email', code: 'invalid_email', message: 'Enter an email address like name@example.com.' },
      ]),
    });
    const { user } = await openIdentifiers();
    await user.click(await screen.findByRole('button', { name: 'Add a website' }));
    await user.type(screen.getByRole('textbox', { name: 'Website' }), 'ftp://x');
    await user.click(screen.getByRole('button', { name: 'Add a contact point' }));
    await user.type(screen.getByRole('textbox', { name: 'Email' }), 'nope');
    await user.click(screen.getByRole('button', { name: 'Save Directory card' }));

    expect(await screen.findByText('Enter a web address such as https://www.example.nl.')).toBeInTheDocument();
    expect(screen.getByText('Enter an email address like name@example.com.')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Website' })).toHaveAttribute('aria-invalid', 'true');
  });

  it('is read-only for those who may not change the organization', async () => {
    mockApi({
      'GET /api/v1/organizations/{id}': { body: { ...active, myRole: 'member' } },
      'GET /api/v1/organizations/{id}/directory-details': {
        body: { otherNames: [], websites: ['https://www.zeewind.example.nl'], contacts: [], additionalInformation: 'EUR only' },
      },
    });
    await openIdentifiers();
    const section = (await screen.findByRole('heading', { name: 'Peppol Directory card' })).parentElement;
    if (section === null) throw new Error('the card section has no element around its heading');
    const card = within(section);
    expect(await card.findByRole('textbox', { name: 'Website' })).toBeDisabled();
    expect(card.getByRole('textbox', { name: 'Additional information' })).toHaveValue('EUR only');
    expect(card.queryByRole('button', { name: 'Save Directory card' })).toBeNull();
    expect(card.queryByRole('button', { name: 'Add a website' })).toBeNull();
  });
});
