/** Names for the generated API types used across the app (never hand-written shapes). */
import type { components } from '@/api/generated/schema';

type Schemas = components['schemas'];

export type ErrorBody = Schemas['ErrorBody'];
export type LoginResponse = Schemas['LoginResponse'];
export type Me = Schemas['MeDto'];
export type Environment = Schemas['EnvironmentDto'];
export type User = Schemas['UserDto'];
export type Role = Me['role'];
export type UserStatus = User['status'];
export type AdditionalEmail = Schemas['AdditionalEmailDto'];
export type EmailApproval = Schemas['EmailApprovalDto'];
export type SessionInfo = Schemas['SessionDto'];
export type AuditEvent = Schemas['AuditEventDto'];
export type TwoFactorSetup = Schemas['TwoFactorSetup'];

export const ROLES = ['basic', 'advanced', 'administrator'] as const satisfies readonly Role[];

export type Organization = Schemas['OrganizationDto'];
export type OrgIdentifier = Schemas['IdentifierDto'];
export type OrgAddress = Schemas['AddressDto'];
export type OrgEvent = Schemas['OrgEventDto'];
export type OrgMember = Schemas['MemberDto'];
export type IdentifierInput = Schemas['IdentifierInput'];
export type CreateOrganization = Schemas['CreateOrganizationRequest'];
export type RegisterHit = Schemas['RegisterHitDto'];
export type RegisterCompany = Schemas['RegisterCompanyDto'];
export type ReviewItem = Schemas['ReviewItemDto'];
export type Job = Schemas['Job'];

export type Connection = Schemas['ConnectionDto'];
export type IssuedConnection = Schemas['IssuedConnectionDto'];
export type ConnectionScope = Connection['scopes'][number];
export type ConnectionUsageEntry = Schemas['UsageEntryDto'];
export type Hook = Schemas['HookDto'];
export type IssuedHook = Schemas['IssuedHookDto'];
export type HookDelivery = Schemas['DeliveryDto'];
export type HookDeliveryAttempt = Schemas['DeliveryAttemptDto'];
export type HookTopic = Schemas['Topic'];
export type HookDeliveryStatus = Schemas['DeliveryStatus'];
export type IntakeOverview = Schemas['IntakeOverviewDto'];
export type IntakeMessage = Schemas['IntakeMessageDto'];
export type IntakeItem = Schemas['IntakeItemDto'];
export type IntakeReason = Schemas['IntakeReason'];
export type IntakeStatus = Schemas['IntakeStatus'];
export type TrustedSender = Schemas['TrustedSenderDto'];
export type TrustedSenderStatus = Schemas['TrustedSenderStatus'];
export type TrustedSenderKind = Schemas['TrustedSenderKind'];
export type IntakeDraft = Schemas['DraftDto'];
export type DraftStatus = Schemas['DraftStatus'];
export type InvoiceFields = Schemas['InvoiceFields'];
export type VatLine = Schemas['VatLine'];

export type PartnerRequest = Schemas['PartnerRequestDto'];
export type Partnership = Schemas['PartnershipDto'];
export type PartnerGrant = Schemas['PartnerGrantDto'];
export type SmlRegistration = Schemas['SmlRegistration'];
