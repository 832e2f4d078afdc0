import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import type { Connection } from '@/api/types';
import { organization, session } from '@/testing/fixtures';
import { errorReply, mockApi } from '@/testing/mock-api';
import { renderApp } from '@/testing/render-app';

function connection(overrides: Partial<Connection> = {}): Connection {
  return {
    id: 'con-1',
    organizationId: 'org-1',
    clientId: 'hvn_0123456789abcdef0123456789abcdef',
    name: 'Books',
    software: 'Exact Online',
    scopes: ['send', 'receive'],
    status: 'active',
    createdByName: 'Ada Admin',
    createdByEmail: 'ada@alpha.example',
    createdAt: '2026-12-01T10:00:00Z',
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

const page = (items: Connection[]) => ({ body: { items, nextCursor: null } });

/** Opens the organization and its Connections tab, which leads to the connections page. */
async function openConnections(language: 'en' | 'nl' = 'en') {
  const rendered = await renderApp({ path: '/organizations/org-1', language, session: session({ language }) });
  await rendered.user.click(await screen.findByRole('tab', { name: language === 'en' ? 'Connections' : 'Koppelingen' }));
  await screen.findByRole('heading', {
    name: `${language === 'en' ? 'Connections of' : 'Koppelingen van'} Tulpenveld Installatietechniek B.V.`,
  });
  return rendered;
}

describe('connections tab', { timeout: 20_000 }, () => {
  it('lists connections with their software, permissions, creator, use and status', async () => {
    mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'GET /api/v1/organizations/{id}/connections': page([
        connection(),
        connection({ id: 'con-2', name: 'Old', status: 'revoked', scopes: ['document_status'], lastUsedAt: '2026-12-02T09:00:00Z' }),
      ]),
    });
    await openConnections();
    const [, first, second] = await screen.findAllByRole('row');
    if (first === undefined || second === undefined) throw new Error('two rows expected');
    expect(within(first).getByText('Books')).toBeInTheDocument();
    expect(within(first).getByText('Exact Online')).toBeInTheDocument();
    expect(within(first).getByText('Send invoices, Receive invoices')).toBeInTheDocument();
    expect(within(first).getByText('Ada Admin')).toBeInTheDocument();
    expect(within(first).getByText('never')).toBeInTheDocument();
    expect(within(first).getByText('Active')).toBeInTheDocument();
    expect(within(second).getByText('Revoked')).toBeInTheDocument();
    expect(within(second).getByText('Change document status')).toBeInTheDocument();
    // An active connection is revoked or given a new secret; a revoked one can only be deleted.
    expect(screen.getByRole('button', { name: 'Revoke Books' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete Books' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Delete Old' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Revoke Old' })).not.toBeInTheDocument();
  });

  it('creates a connection and shows the secret once, with copy buttons and the warning', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'GET /api/v1/organizations/{id}/connections': page([]),
      'POST /api/v1/organizations/{id}/connections': {
        status: 201,
        body: { connection: connection({ software: 'Moneybird' }), clientSecret: 'the-secret-shown-once' },
      },
    });
    const { user } = await openConnections();
    expect(await screen.findByText('No connections yet.')).toBeInTheDocument();
    await user.click(screen.getByRole('combobox', { name: 'Software' }));
    // The dropdown animates in; jsdom has no layout, so the option counts as hidden.
    await user.click(await screen.findByRole('option', { name: 'Moneybird', hidden: true }));
    await user.type(screen.getByRole('textbox', { name: 'Name' }), 'Books');
    await user.click(screen.getByRole('checkbox', { name: /Change document status/ }));
    await user.click(screen.getByRole('button', { name: 'Create connection' }));

    const dialog = await screen.findByRole('dialog', { name: 'Connection key for Books' });
    expect(within(dialog).getByText('the-secret-shown-once')).toBeInTheDocument();
    expect(within(dialog).getByText('hvn_0123456789abcdef0123456789abcdef')).toBeInTheDocument();
    expect(within(dialog).getByRole('alert')).toHaveTextContent('it will not be shown again');
    expect(within(dialog).getByRole('button', { name: 'Copy the secret' })).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Copy the client id' })).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/organizations/{id}/connections')[0]?.body).toEqual({
      name: 'Books',
      software: 'Moneybird',
      scopes: ['send', 'receive', 'document_status'],
    });
    await user.click(within(dialog).getByRole('button', { name: 'I have stored the secret' }));
    expect(screen.queryByText('the-secret-shown-once')).not.toBeInTheDocument();
  });

  it('revokes after confirmation, and shows a refusal', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'GET /api/v1/organizations/{id}/connections': page([connection()]),
      'POST /api/v1/organizations/{id}/connections/{connectionId}/revoke': errorReply(
        409,
        'connection_not_active',
        'This connection is already revoked.',
      ),
    });
    const { user } = await openConnections();
    await user.click(await screen.findByRole('button', { name: 'Revoke Books' }));
    const dialog = await screen.findByRole('dialog', { name: 'Revoke connection' });
    expect(dialog).toHaveTextContent('loses access on its next request');
    await user.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    expect(await within(dialog).findByText('This connection is revoked.')).toBeInTheDocument();
    expect(api.callsTo('POST /api/v1/organizations/{id}/connections/{connectionId}/revoke')[0]?.params).toEqual({
      id: 'org-1',
      connectionId: 'con-1',
    });
  });

  it('gives a new secret and shows it once', async () => {
    mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'GET /api/v1/organizations/{id}/connections': page([connection()]),
      'POST /api/v1/organizations/{id}/connections/{connectionId}/secret': {
        body: { connection: connection(), clientSecret: 'a-brand-new-secret' },
      },
    });
    const { user } = await openConnections();
    await user.click(await screen.findByRole('button', { name: 'New secret for Books' }));
    const confirm = await screen.findByRole('dialog', { name: 'Give the connection a new secret' });
    await user.click(within(confirm).getByRole('button', { name: 'New secret' }));
    const dialog = await screen.findByRole('dialog', { name: 'Connection key for Books' });
    expect(within(dialog).getByText('a-brand-new-secret')).toBeInTheDocument();
  });

  it('deletes a revoked connection', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'GET /api/v1/organizations/{id}/connections': page([connection({ status: 'revoked' })]),
      'DELETE /api/v1/organizations/{id}/connections/{connectionId}': { status: 204 },
    });
    const { user } = await openConnections();
    await user.click(await screen.findByRole('button', { name: 'Delete Books' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete connection' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(await screen.findByText('Books has been deleted.')).toBeInTheDocument();
    expect(api.callsTo('DELETE /api/v1/organizations/{id}/connections/{connectionId}')).toHaveLength(1);
  });

  it('shows the usage log in Dutch, page by page', async () => {
    const entry = (id: string, statusCode: number) => ({
      id,
      at: '2026-12-03T10:00:00Z',
      method: 'POST' as const,
      endpoint: '/api/v1/parties/{partyId}/sales-invoices',
      statusCode,
      durationMs: 42,
    });
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active' }) },
      'GET /api/v1/organizations/{id}/connections': page([connection()]),
      'GET /api/v1/organizations/{id}/connections/{connectionId}/usage': ({ url }) => ({
        body:
          url.searchParams.get('before') === null
            ? { items: [entry('u-1', 202)], nextCursor: 'c-1' }
            : { items: [entry('u-2', 429)], nextCursor: null },
      }),
    });
    const { user } = await openConnections('nl');
    await user.click(await screen.findByRole('button', { name: 'Gebruik van Books' }));
    const dialog = await screen.findByRole('dialog', { name: 'Gebruik van Books' });
    expect(await within(dialog).findByText('202')).toBeInTheDocument();
    expect(within(dialog).getAllByText('/api/v1/parties/{partyId}/sales-invoices')).toHaveLength(1);
    expect(within(dialog).getByText('42 ms')).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Meer tonen' }));
    expect(await within(dialog).findByText('429')).toBeInTheDocument();
    expect(api.callsTo('GET /api/v1/organizations/{id}/connections/{connectionId}/usage')[1]?.path).toContain('before=c-1');
  });

  it('is closed to members', async () => {
    const api = mockApi({
      'GET /api/v1/organizations/{id}': { body: organization({ status: 'active', myRole: 'member' }) },
    });
    await openConnections();
    expect(await screen.findByText('Only Organization Administrators see and manage connection keys.')).toBeInTheDocument();
    expect(api.callsTo('GET /api/v1/organizations/{id}/connections')).toHaveLength(0);
  });
});
