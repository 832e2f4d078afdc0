import type { SPECIFIC_ERROR_CODES } from './errors';
import type { ErrorBody } from './types';

type ErrorCode = ErrorBody['code'];

/**
 * The codes the web app says in its own words (`apiErrors.<code>` in both locales; a test
 * checks they are there). Kept apart from `errors.ts`, which is part of the first load: at
 * run time every code but the specific ones is looked up. The type below makes a new code in
 * the API fail the type check until it is placed in one list or the other.
 */
export const TRANSLATED_ERROR_CODES = [
  'unauthenticated', 'token_expired', 'invalid_credentials', 'two_factor_required', 'invalid_two_factor_code',
  'token_invalid', 'token_used', 'forbidden', 'not_found', 'method_not_allowed', 'conflict', 'already_exists',
  'email_taken', 'last_administrator', 'organization_limit_reached', 'participant_id_taken', 'organization_exists',
  'identifier_exists', 'already_member', 'activation_not_allowed', 'no_pending_activation',
  'no_activation_code_pending', 'activation_code_unavailable', 'organization_not_active', 'receiving_not_enabled',
  'invitation_closed', 'user_not_joined', 'user_already_joined', 'email_verification_closed', 'two_factor_enabled',
  'two_factor_setup_not_started', 'two_factor_required_by_environment', 'job_not_dead', 'document_purged',
  'delivery_in_progress', 'document_exists', 'invalid_document', 'payload_too_large',
  'unsupported_media_type', 'too_many_requests', 'service_unavailable', 'register_unavailable', 'internal_error',
  'connection_not_allowed', 'scope_missing', 'connection_invalid', 'connection_not_active', 'connection_not_revoked',
  'partner_request_answered', 'partner_request_expired', 'partner_request_taken', 'own_partner_request',
  'partner_organization_missing', 'partnership_exists', 'partnership_not_active', 'grant_exists',
  'grant_not_offered', 'grant_revoked',
] as const satisfies readonly ErrorCode[];

type Unplaced = Exclude<ErrorCode, (typeof TRANSLATED_ERROR_CODES)[number] | (typeof SPECIFIC_ERROR_CODES)[number]>;
/** `true` only while every code is placed: a new code makes this line fail the type check. */
export const EVERY_ERROR_CODE_PLACED: [Unplaced] extends [never] ? true : Unplaced = true;
