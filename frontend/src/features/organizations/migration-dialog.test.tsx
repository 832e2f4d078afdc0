import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { me, organization, orgIdentifier, session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

const receivingOn = { enabled: true, decided: true, pricePerDocument: '0.34', currency: 'EUR' };

async function openMigration() {
  const environment = me().environment;
  const rendered = await renderApp({
    path: '/organizations/org-1',
    language: 'en',
    session: session({ environment: { ...environment, receiving: receivingOn } }),
  });
  await rendered.user.click(await screen.findByRole('tab', { name: 'Identifiers' }));
  await rendered.user.click(await screen.findByRole('button', { name: 'Change the Peppol provider of 0106:90000016' }));
  return { ...rendered, dialog: await screen.findByRole('dialog', { name: 'Peppol provider of 0106:90000016' }) };
}

const activeOrg = {
  'GET /api/v1/organizations/{id}': {
    body: organization({ status: 'active', identifiers: [orgIdentifier({ registered: true, receive: true })] }),
  },
};

describe('changing the Peppol provider', { timeout: 15_000 }, () => {
  it('moves a participant id here with the key, and shows the SML refusing one on its field', async () => {
    let attempts = 0;
    const api = mockApi({
      ...activeOrg,
      'POST /api/v1/organizations/{id}/identifiers/{identifierId}/migration': () => {
        attempts += 1;
        return attempts === 1
          ? errorReply(400, 'validation_failed', 'The request has invalid fields; see details.', [
              { field: 'migrationKey', code: 'rejected', message: 'The Peppol SML did not accept this migration key.' },
            ])
          : { body: { participantId: '0106:90000016', state: 'registered', reason: null } };
      },
    });
    const { user, dialog } = await openMigration();
    const key = within(dialog).getByRole('textbox', { name: /Migration key/ });
    await user.type(key, 'aB3$dE6%gH9!');
    await user.click(within(dialog).getByRole('button', { name: 'Move here' }));
    expect(await within(dialog).findByText('The Peppol SML did not accept this migration key.')).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Move here' }));
    expect(await screen.findByText('0106:90000016 now reaches this organization through Haven.')).toBeInTheDocument();
    const calls = api.callsTo('POST /api/v1/organizations/{id}/identifiers/{identifierId}/migration');
    expect(calls).toHaveLength(2);
    expect(calls[1]?.body).toEqual({ migrationKey: 'aB3$dE6%gH9!' });
  });

  it('creates a migration key for another provider and shows it once', async () => {
    const api = mockApi({
      ...activeOrg,
      'POST /api/v1/organizations/{id}/identifiers/{identifierId}/migration-key': {
        body: { participantId: '0106:90000016', migrationKey: 'Qw7#Er8$Ty9%Ui0!Op1@As2^' },
      },
    });
    const { user, dialog } = await openMigration();
    await user.click(within(dialog).getByRole('button', { name: 'Create migration key' }));
    expect(await within(dialog).findByTestId('migration-key')).toHaveTextContent('Qw7#Er8$Ty9%Ui0!Op1@As2^');
    expect(within(dialog).getByText(/shown only once/)).toBeInTheDocument();
    expect(within(dialog).queryByRole('button', { name: 'Create migration key' })).not.toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/organizations/{id}/identifiers/{identifierId}/migration-key')).toHaveLength(1);
  });

  it('says why no key can be made', async () => {
    mockApi({
      ...activeOrg,
      'POST /api/v1/organizations/{id}/identifiers/{identifierId}/migration-key': errorReply(
        409,
        'sml_not_registered',
        '0106:90000016 is not registered in the Peppol SML under Haven’s SMP.',
      ),
    });
    const { user, dialog } = await openMigration();
    await user.click(within(dialog).getByRole('button', { name: 'Create migration key' }));
    expect(await within(dialog).findByText(/not registered in the Peppol/)).toBeInTheDocument();
  });

  it('is not offered to members', async () => {
    mockApi({
      'GET /api/v1/organizations/{id}': {
        body: organization({ status: 'active', myRole: 'member', identifiers: [orgIdentifier({ registered: true })] }),
      },
    });
    const environment = me().environment;
    const { user } = await renderApp({ path: '/organizations/org-1', language: 'en', session: session({ environment }) });
    await user.click(await screen.findByRole('tab', { name: 'Identifiers' }));
    expect(await screen.findByText('0106:90000016')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Change the Peppol provider/ })).not.toBeInTheDocument();
  });
});
