import type { TFunction } from 'i18next';

/** Labels for the organization API's enumerated strings (unknown values show as they are). */
export function orgStatusLabel(t: TFunction, status: string): string {
  switch (status) {
    case 'added':
      return t('organizations.status.added');
    case 'activation_requested':
      return t('organizations.status.activation_requested');
    case 'active':
      return t('organizations.status.active');
    case 'suspended':
      return t('organizations.status.suspended');
    case 'deactivated':
      return t('organizations.status.deactivated');
    default:
      return status;
  }
}

export function orgStatusColor(status: string): string {
  switch (status) {
    case 'active':
      return 'green';
    case 'activation_requested':
      return 'blue';
    case 'suspended':
      return 'red';
    case 'added':
      return 'yellow';
    default:
      return 'gray';
  }
}

export const ORG_ROLES = ['member', 'administrator'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export function isOrgRole(value: string | null): value is OrgRole {
  return (ORG_ROLES as readonly (string | null)[]).includes(value);
}

export function orgRoleLabel(t: TFunction, role: string | null | undefined): string {
  switch (role) {
    case 'member':
      return t('organizations.roles.member');
    case 'administrator':
      return t('organizations.roles.administrator');
    case null:
    case undefined:
      return '—';
    default:
      return role;
  }
}

export const IDENTIFIER_KINDS = ['kvk', 'kvk_establishment', 'oin', 'vat', 'be_enterprise', 'gln', 'other'] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

export function identifierKindLabel(t: TFunction, kind: string): string {
  switch (kind) {
    case 'kvk':
      return t('organizations.identifierKinds.kvk');
    case 'kvk_establishment':
      return t('organizations.identifierKinds.kvk_establishment');
    case 'oin':
      return t('organizations.identifierKinds.oin');
    case 'vat':
      return t('organizations.identifierKinds.vat');
    case 'be_enterprise':
      return t('organizations.identifierKinds.be_enterprise');
    case 'gln':
      return t('organizations.identifierKinds.gln');
    case 'other':
      return t('organizations.identifierKinds.other');
    default:
      return kind;
  }
}

/** The identifier kinds that fit an organization of `country` (the KvK number comes from the register). */
export function identifierKindsFor(country: string): IdentifierKind[] {
  if (country === 'NL') return ['kvk_establishment', 'oin', 'vat', 'gln', 'other'];
  if (country === 'BE') return ['be_enterprise', 'vat', 'gln', 'other'];
  return ['vat', 'gln', 'other'];
}

export function eventLabel(t: TFunction, event: string): string {
  switch (event) {
    case 'added':
      return t('organizations.events.added');
    case 'activation_requested':
      return t('organizations.events.activation_requested');
    case 'activation_code_sent':
      return t('organizations.events.activation_code_sent');
    case 'activated':
      return t('organizations.events.activated');
    case 'rejected':
      return t('organizations.events.rejected');
    case 'deactivated':
      return t('organizations.events.deactivated');
    case 'suspended':
      return t('organizations.events.suspended');
    default:
      return event;
  }
}

/** Countries offered in "Add organization" (NL first); names come from `Intl.DisplayNames`. */
export const COUNTRIES = [
  'NL', 'BE', 'DE', 'FR', 'LU', 'AT', 'BG', 'CH', 'CY', 'CZ', 'DK', 'EE', 'ES', 'FI', 'GB', 'GR', 'HR', 'HU', 'IE',
  'IS', 'IT', 'LI', 'LT', 'LV', 'MT', 'NO', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK', 'US',
] as const;

export function countryName(code: string, language: string): string {
  try {
    return new Intl.DisplayNames([language], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function formatAddress(address: {
  street?: string | null;
  houseNumber?: string | null;
  postalCode?: string | null;
  city?: string | null;
} | null | undefined): string {
  if (address === null || address === undefined) return '';
  const line1 = [address.street, address.houseNumber].filter(Boolean).join(' ');
  const line2 = [address.postalCode, address.city].filter(Boolean).join(' ');
  return [line1, line2].filter((l) => l !== '').join(', ');
}

/**
 * Languages offered for names on the Peppol Directory card: the EU's official languages and
 * those of the other Peppol countries nearby (the server takes any ISO 639-1 code).
 */
export const CARD_LANGUAGES = [
  'en', 'nl', 'de', 'fr', 'bg', 'cs', 'da', 'el', 'es', 'et', 'fi', 'ga', 'hr', 'hu', 'is', 'it', 'lt', 'lv', 'mt',
  'no', 'pl', 'pt', 'ro', 'sk', 'sl', 'sv',
] as const;

export function languageName(code: string, language: string): string {
  try {
    return new Intl.DisplayNames([language], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}
