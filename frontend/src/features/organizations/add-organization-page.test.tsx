import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { organization, session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

const company = {
  kvkNumber: '90000016',
  establishmentNumber: '990000100001',
  statutoryName: 'Tulpenveld Installatietechniek B.V.',
  tradeNames: ['Tulpenveld Installatietechniek', 'Tulpenveld Warmtepompen'],
  legalForm: 'Besloten Vennootschap',
  address: { street: 'Vleutenseweg', houseNumber: '214', postalCode: '3532HK', city: 'Utrecht' },
  hasContactEmail: true,
};

const hit = {
  kvkNumber: '90000016',
  establishmentNumber: '990000100001',
  name: 'Tulpenveld Installatietechniek',
  place: 'Utrecht',
  kind: 'hoofdvestiging' as const,
};

// Typing through a three-step wizard takes a few seconds on a busy machine.
describe('add organization', { timeout: 20_000 }, () => {
  it('searches the register, picks a hit, reviews the prefilled data and saves', async () => {
    const api = mockApi({
      'GET /api/v1/business-register/search': { body: { items: [hit], nextCursor: null } },
      'GET /api/v1/business-register/companies/{kvkNumber}': { body: company },
      'POST /api/v1/organizations': { status: 201, body: organization() },
      'GET /api/v1/organizations/{id}': { body: organization() },
    });
    const { user, router } = await renderApp({ path: '/organizations/new', language: 'en', session: session() });
    expect(screen.getByRole('heading', { level: 1, name: 'Add organization' })).toBeInTheDocument();

    await user.type(screen.getByRole('textbox', { name: /KvK number/ }), '90000016');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await user.click(await screen.findByRole('button', { name: 'Select Tulpenveld Installatietechniek' }));
    expect(api.callsTo('GET /api/v1/business-register/search')[0]?.path).toBe(
      '/api/v1/business-register/search?kvkNumber=90000016',
    );

    // Review: prefilled from the register, the KvK number read-only; add a VAT number.
    expect(await screen.findByRole('textbox', { name: /Statutory name/ })).toHaveValue('Tulpenveld Installatietechniek B.V.');
    const kvk = screen.getByRole('textbox', { name: /KvK number/ });
    expect(kvk).toHaveValue('90000016');
    expect(kvk).toHaveAttribute('readonly');
    expect(screen.getByRole('textbox', { name: 'City' })).toHaveValue('Utrecht');
    expect(screen.getByRole('textbox', { name: /OIN/ })).toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: /Enterprise number/ })).not.toBeInTheDocument();
    await user.type(screen.getByRole('textbox', { name: /VAT number/ }), 'NL123456789B01');
    await user.click(screen.getByRole('button', { name: 'Next' }));

    // Save.
    expect(screen.getByText('VAT number: NL123456789B01')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save organization' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Tulpenveld Installatietechniek B.V.' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/organizations/org-1');
    const [saved] = api.callsTo('POST /api/v1/organizations');
    expect(saved?.body).toEqual({
      country: 'NL',
      kvkNumber: '90000016',
      statutoryName: 'Tulpenveld Installatietechniek B.V.',
      tradeNames: ['Tulpenveld Installatietechniek', 'Tulpenveld Warmtepompen'],
      address: { street: 'Vleutenseweg', houseNumber: '214', postalCode: '3532HK', city: 'Utrecht' },
      identifiers: [{ kind: 'vat', value: 'NL123456789B01' }],
    });
  });

  it('shows the server’s identifier errors next to their fields', async () => {
    mockApi({
      'GET /api/v1/business-register/search': { body: { items: [hit], nextCursor: null } },
      'GET /api/v1/business-register/companies/{kvkNumber}': { body: company },
      'POST /api/v1/organizations': errorReply(400, 'validation_failed', 'Check the fields.', [
        { field: 'identifiers[1].value', code: 'invalid_check_digits', message: 'This VAT number fails its check.' },
      ]),
    });
    const { user } = await renderApp({ path: '/organizations/new', language: 'en', session: session() });
    await user.type(screen.getByRole('textbox', { name: /KvK number/ }), '90000016');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await user.click(await screen.findByRole('button', { name: 'Select Tulpenveld Installatietechniek' }));
    await user.type(await screen.findByRole('textbox', { name: /OIN/ }), '00000001234567890000');
    await user.type(screen.getByRole('textbox', { name: /VAT number/ }), 'NL123456789B02');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await user.click(screen.getByRole('button', { name: 'Save organization' }));
    // Back on the review step, the error sits under the VAT field (the second identifier sent).
    const vat = await screen.findByRole('textbox', { name: /VAT number/ });
    expect(vat).toHaveAccessibleDescription(expect.stringContaining('This VAT number fails its check.'));
    expect(vat).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('textbox', { name: /OIN/ })).not.toHaveAttribute('aria-invalid', 'true');
  });

  it('says when the register cannot be reached and offers manual entry', async () => {
    mockApi({
      'GET /api/v1/business-register/search': errorReply(
        503,
        'register_unavailable',
        'The business register cannot be reached right now.',
      ),
    });
    const { user } = await renderApp({ path: '/organizations/new', language: 'en', session: session() });
    await user.click(screen.getByRole('radio', { name: 'Name and place' }));
    await user.type(screen.getByRole('textbox', { name: /Name/ }), 'Tulpenveld');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByText('The business register cannot be reached')).toBeInTheDocument();
    expect(screen.getByText(/Try again later, or enter the details by hand/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Enter the details by hand' }));
    const kvk = await screen.findByRole('textbox', { name: /KvK number/ });
    expect(kvk).toHaveValue('');
    expect(kvk).not.toHaveAttribute('readonly');
    expect(screen.getByRole('textbox', { name: /Statutory name/ })).toHaveValue('');
  });

  it('enters organizations from other countries by hand, with their identifiers', async () => {
    const api = mockApi({
      'POST /api/v1/organizations': { status: 201, body: organization({ id: 'org-be', country: 'BE', kvkNumber: null }) },
      'GET /api/v1/organizations/{id}': { body: organization({ id: 'org-be', country: 'BE', kvkNumber: null }) },
    });
    const { user } = await renderApp({ path: '/organizations/new', language: 'en', session: session() });
    const country = screen.getByRole('combobox', { name: 'Country' });
    await user.clear(country);
    await user.type(country, 'Belg');
    // The dropdown animates in; jsdom has no layout, so the option counts as hidden.
    await user.click(await screen.findByRole('option', { name: 'Belgium', hidden: true }));
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.queryByRole('textbox', { name: /KvK number/ })).not.toBeInTheDocument();
    await user.type(screen.getByRole('textbox', { name: /Statutory name/ }), 'Brugge Bouw BV');
    await user.type(screen.getByRole('textbox', { name: /Enterprise number/ }), '0123.456.749');
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await user.click(screen.getByRole('button', { name: 'Save organization' }));
    await screen.findByRole('heading', { level: 1, name: 'Tulpenveld Installatietechniek B.V.' });
    expect(api.callsTo('POST /api/v1/organizations')[0]?.body).toMatchObject({
      country: 'BE',
      statutoryName: 'Brugge Bouw BV',
      identifiers: [{ kind: 'be_enterprise', value: '0123.456.749' }],
    });
  });

  it('is for environment Administrators only', async () => {
    await renderApp({ path: '/organizations/new', language: 'en', session: session({ role: 'basic' }) });
    expect(screen.queryByRole('heading', { name: 'Add organization' })).not.toBeInTheDocument();
  });
});
