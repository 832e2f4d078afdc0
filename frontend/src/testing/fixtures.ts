import type { LoginResponse, Me, Organization, OrgIdentifier, User } from '@/api/types';
import type { Session } from '@/lib/session';

/** A signed-in Administrator who has already decided about receiving. */
export function me(overrides: Partial<Me> = {}): Me {
  return {
    id: 'u-ann',
    email: 'ann@example.com',
    name: 'Ann Admin',
    language: 'en',
    phone: null,
    role: 'administrator',
    relationshipManager: false,
    status: 'active',
    twoFactorEnabled: false,
    needsReceivingDecision: false,
    twoFactorSetupRequired: false,
    platformOperator: false,
    environment: {
      id: 'env-1',
      name: 'Acme BV',
      autoJoinDomain: null,
      requireTwoFactor: false,
      receiving: { enabled: false, decided: true, pricePerDocument: '0.34', currency: 'EUR' },
    },
    ...overrides,
  };
}

export function session(user: Partial<Me> = {}): Session {
  return { token: 'access-token', expiresAt: Date.now() + 900_000, user: me(user) };
}

export function loginResponse(user: Partial<Me> = {}): LoginResponse {
  return { accessToken: 'new-access-token', tokenType: 'Bearer', expiresIn: 900, user: me(user) };
}

export function user(overrides: Partial<User> = {}): User {
  return {
    id: 'u-bob',
    email: 'bob@example.com',
    name: 'Bob Colleague',
    role: 'basic',
    relationshipManager: false,
    status: 'active',
    twoFactorEnabled: false,
    createdAt: '2026-11-26T12:00:00Z',
    ...overrides,
  };
}

export function orgIdentifier(overrides: Partial<OrgIdentifier> = {}): OrgIdentifier {
  return {
    id: 'id-kvk',
    kind: 'kvk',
    scheme: '0106',
    value: '90000016',
    participantId: '0106:90000016',
    send: false,
    receive: false,
    registered: false,
    ...overrides,
  };
}

/** An organization just added from the register; the caller is its Organization Administrator. */
export function organization(overrides: Partial<Organization> = {}): Organization {
  return {
    id: 'org-1',
    statutoryName: 'Tulpenveld Installatietechniek B.V.',
    tradeNames: ['Tulpenveld Installatietechniek'],
    address: { street: 'Vleutenseweg', houseNumber: '214', postalCode: '3532HK', city: 'Utrecht' },
    country: 'NL',
    contactName: null,
    contactEmail: null,
    kvkNumber: '90000016',
    status: 'added',
    directoryListed: true,
    activationMethod: null,
    myRole: 'administrator',
    identifiers: [orgIdentifier()],
    createdAt: '2026-11-26T12:00:00Z',
    ...overrides,
  };
}
