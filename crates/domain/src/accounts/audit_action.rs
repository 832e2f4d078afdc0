//! The closed set of security events the audit log records.

use serde::{Deserialize, Serialize};

/// What happened, as the audit log names it (`area.event`). Stored and sent as its string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AuditAction {
    #[serde(rename = "additional_email.added")]
    AdditionalEmailAdded,
    #[serde(rename = "additional_email.approved")]
    AdditionalEmailApproved,
    #[serde(rename = "additional_email.rejected")]
    AdditionalEmailRejected,
    #[serde(rename = "additional_email.removed")]
    AdditionalEmailRemoved,
    #[serde(rename = "additional_email.verified")]
    AdditionalEmailVerified,
    #[serde(rename = "connection.authentication_failed")]
    ConnectionAuthenticationFailed,
    #[serde(rename = "connection.created")]
    ConnectionCreated,
    #[serde(rename = "connection.deleted")]
    ConnectionDeleted,
    #[serde(rename = "connection.revoked")]
    ConnectionRevoked,
    #[serde(rename = "connection.secret_regenerated")]
    ConnectionSecretRegenerated,
    #[serde(rename = "environment.receiving_changed")]
    EnvironmentReceivingChanged,
    #[serde(rename = "environment.settings_changed")]
    EnvironmentSettingsChanged,
    #[serde(rename = "hook.created")]
    HookCreated,
    #[serde(rename = "hook.deleted")]
    HookDeleted,
    #[serde(rename = "hook.pinged")]
    HookPinged,
    #[serde(rename = "hook.redelivered")]
    HookRedelivered,
    #[serde(rename = "hook.secret_rotated")]
    HookSecretRotated,
    #[serde(rename = "hook.updated")]
    HookUpdated,
    #[serde(rename = "intake.preferences_changed")]
    IntakePreferencesChanged,
    /// Intake mail refused because its `From` domain was not authenticated (SPF, DKIM,
    /// DMARC): a possible forgery of a trusted sender.
    #[serde(rename = "intake.sender_not_authenticated")]
    IntakeSenderNotAuthenticated,
    #[serde(rename = "invitation.accepted")]
    InvitationAccepted,
    #[serde(rename = "login.failed")]
    LoginFailed,
    #[serde(rename = "login.succeeded")]
    LoginSucceeded,
    #[serde(rename = "login.two_factor_failed")]
    LoginTwoFactorFailed,
    #[serde(rename = "logout")]
    Logout,
    #[serde(rename = "logout.all_sessions")]
    LogoutAllSessions,
    #[serde(rename = "organization.activated")]
    OrganizationActivated,
    #[serde(rename = "organization.activation_approved")]
    OrganizationActivationApproved,
    #[serde(rename = "organization.activation_code_wrong")]
    OrganizationActivationCodeWrong,
    #[serde(rename = "organization.activation_rejected")]
    OrganizationActivationRejected,
    #[serde(rename = "organization.activation_requested")]
    OrganizationActivationRequested,
    #[serde(rename = "organization.added")]
    OrganizationAdded,
    #[serde(rename = "organization.deactivated")]
    OrganizationDeactivated,
    #[serde(rename = "organization.identifier_added")]
    OrganizationIdentifierAdded,
    #[serde(rename = "organization.identifier_removed")]
    OrganizationIdentifierRemoved,
    #[serde(rename = "organization.identifier_switched")]
    OrganizationIdentifierSwitched,
    #[serde(rename = "organization.member_added")]
    OrganizationMemberAdded,
    #[serde(rename = "organization.member_changed")]
    OrganizationMemberChanged,
    #[serde(rename = "organization.member_removed")]
    OrganizationMemberRemoved,
    #[serde(rename = "organization.suspended")]
    OrganizationSuspended,
    #[serde(rename = "organization.updated")]
    OrganizationUpdated,
    #[serde(rename = "partner_grant.accepted")]
    PartnerGrantAccepted,
    #[serde(rename = "partner_grant.offered")]
    PartnerGrantOffered,
    #[serde(rename = "partner_grant.revoked")]
    PartnerGrantRevoked,
    #[serde(rename = "partner_request.accepted")]
    PartnerRequestAccepted,
    #[serde(rename = "partner_request.declined")]
    PartnerRequestDeclined,
    #[serde(rename = "partner_request.expired")]
    PartnerRequestExpired,
    #[serde(rename = "partner_request.received")]
    PartnerRequestReceived,

    #[serde(rename = "partner_request.sent")]
    PartnerRequestSent,
    #[serde(rename = "partner_request.withdrawn")]
    PartnerRequestWithdrawn,
    #[serde(rename = "partnership.ended")]
    PartnershipEnded,
    #[serde(rename = "password.changed")]
    PasswordChanged,
    #[serde(rename = "password.reset")]
    PasswordReset,
    #[serde(rename = "password.reset_requested")]
    PasswordResetRequested,
    #[serde(rename = "peppol.certificate_expired")]
    PeppolCertificateExpired,
    #[serde(rename = "peppol.certificate_expires_soon")]
    PeppolCertificateExpiresSoon,
    /// A renewed key or certificate file could not be taken into use; the old one stays.
    #[serde(rename = "peppol.certificate_reload_failed")]
    PeppolCertificateReloadFailed,
    /// A renewed certificate was taken into use without a restart.
    #[serde(rename = "peppol.certificate_renewed")]
    PeppolCertificateRenewed,
    /// The Peppol Directory refused to index or remove a participant (for good).
    #[serde(rename = "peppol.directory_refused")]
    PeppolDirectoryRefused,
    /// A participant id was taken over from another provider with its migration key.
    #[serde(rename = "peppol.migration_completed")]
    PeppolMigrationCompleted,
    /// A migration key was set in the SML so that another provider can take a participant id
    /// over.
    #[serde(rename = "peppol.migration_key_created")]
    PeppolMigrationKeyCreated,
    /// A month's Peppol report (TSR or EUSR) could not be sent to OpenPeppol: refused, or
    /// not answered with a receipt by the last attempt.
    #[serde(rename = "peppol.report_send_failed")]
    PeppolReportSendFailed,
    /// The SML refused to create or delete a participant id, or could not be reached at the
    /// last attempt.
    #[serde(rename = "peppol.sml_registration_failed")]
    PeppolSmlRegistrationFailed,
    /// An operator had the SML brought in line with our records (participant ids created
    /// again, deleted, or marked as moved to another provider).
    #[serde(rename = "peppol.sml_repaired")]
    PeppolSmlRepaired,
    /// An operator announced the SMP's next certificate to the SML
    /// (`PrepareChangeCertificate`).
    #[serde(rename = "peppol.smp_certificate_change_announced")]
    PeppolSmpCertificateChangeAnnounced,
    /// A changed AP or SMP trust file (the CAs Peppol certificates must chain to) was taken
    /// into use without a restart.
    #[serde(rename = "peppol.trust_renewed")]
    PeppolTrustRenewed,
    #[serde(rename = "registration.completed")]
    RegistrationCompleted,
    #[serde(rename = "registration.existing_address")]
    RegistrationExistingAddress,
    #[serde(rename = "registration.requested")]
    RegistrationRequested,
    #[serde(rename = "session.refresh_token_reused")]
    SessionRefreshTokenReused,
    #[serde(rename = "session.revoked")]
    SessionRevoked,
    #[serde(rename = "trusted_sender.added")]
    TrustedSenderAdded,
    #[serde(rename = "trusted_sender.confirmed")]
    TrustedSenderConfirmed,
    #[serde(rename = "trusted_sender.invited")]
    TrustedSenderInvited,
    #[serde(rename = "trusted_sender.removed")]
    TrustedSenderRemoved,
    #[serde(rename = "trusted_sender.status_changed")]
    TrustedSenderStatusChanged,
    #[serde(rename = "two_factor.disabled")]
    TwoFactorDisabled,
    #[serde(rename = "two_factor.enabled")]
    TwoFactorEnabled,
    #[serde(rename = "user.added")]
    UserAdded,
    #[serde(rename = "user.deactivated")]
    UserDeactivated,
    #[serde(rename = "user.invitation_resent")]
    UserInvitationResent,
    #[serde(rename = "user.invitation_withdrawn")]
    UserInvitationWithdrawn,
    #[serde(rename = "user.invited")]
    UserInvited,
    #[serde(rename = "user.reactivated")]
    UserReactivated,
    #[serde(rename = "user.removed")]
    UserRemoved,
    #[serde(rename = "user.role_changed")]
    UserRoleChanged,
}

impl AuditAction {
    pub const ALL: [AuditAction; 86] = [
        Self::AdditionalEmailAdded,
        Self::AdditionalEmailApproved,
        Self::AdditionalEmailRejected,
        Self::AdditionalEmailRemoved,
        Self::AdditionalEmailVerified,
        Self::ConnectionAuthenticationFailed,
        Self::ConnectionCreated,
        Self::ConnectionDeleted,
        Self::ConnectionRevoked,
        Self::ConnectionSecretRegenerated,
        Self::EnvironmentReceivingChanged,
        Self::EnvironmentSettingsChanged,
        Self::HookCreated,
        Self::HookDeleted,
        Self::HookPinged,
        Self::HookRedelivered,
        Self::HookSecretRotated,
        Self::HookUpdated,
        Self::IntakePreferencesChanged,
        Self::IntakeSenderNotAuthenticated,
        Self::InvitationAccepted,
        Self::LoginFailed,
        Self::LoginSucceeded,
        Self::LoginTwoFactorFailed,
        Self::Logout,
        Self::LogoutAllSessions,
        Self::OrganizationActivated,
        Self::OrganizationActivationApproved,
        Self::OrganizationActivationCodeWrong,
        Self::OrganizationActivationRejected,
        Self::OrganizationActivationRequested,
        Self::OrganizationAdded,
        Self::OrganizationDeactivated,
        Self::OrganizationIdentifierAdded,
        Self::OrganizationIdentifierRemoved,
        Self::OrganizationIdentifierSwitched,
        Self::OrganizationMemberAdded,
        Self::OrganizationMemberChanged,
        Self::OrganizationMemberRemoved,
        Self::OrganizationSuspended,
        Self::OrganizationUpdated,
        Self::PartnerGrantAccepted,
        Self::PartnerGrantOffered,
        Self::PartnerGrantRevoked,
        Self::PartnerRequestAccepted,
        Self::PartnerRequestDeclined,
        Self::PartnerRequestExpired,
        Self::PartnerRequestReceived,
        Self::PartnerRequestSent,
        Self::PartnerRequestWithdrawn,
        Self::PartnershipEnded,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::PasswordResetRequested,
        Self::PeppolCertificateExpired,
        Self::PeppolCertificateExpiresSoon,
        Self::PeppolCertificateReloadFailed,
        Self::PeppolCertificateRenewed,
        Self::PeppolDirectoryRefused,
        Self::PeppolMigrationCompleted,
        Self::PeppolMigrationKeyCreated,
        Self::PeppolReportSendFailed,
        Self::PeppolSmlRegistrationFailed,
        Self::PeppolSmlRepaired,
        Self::PeppolSmpCertificateChangeAnnounced,
        Self::PeppolTrustRenewed,
        Self::RegistrationCompleted,
        Self::RegistrationExistingAddress,
        Self::RegistrationRequested,
        Self::SessionRefreshTokenReused,
        Self::SessionRevoked,
        Self::TrustedSenderAdded,
        Self::TrustedSenderConfirmed,
        Self::TrustedSenderInvited,
        Self::TrustedSenderRemoved,
        Self::TrustedSenderStatusChanged,
        Self::TwoFactorDisabled,
        Self::TwoFactorEnabled,
        Self::UserAdded,
        Self::UserDeactivated,
        Self::UserInvitationResent,
        Self::UserInvitationWithdrawn,
        Self::UserInvited,
        Self::UserReactivated,
        Self::UserRemoved,
        Self::UserRoleChanged,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AdditionalEmailAdded => "additional_email.added",
            Self::AdditionalEmailApproved => "additional_email.approved",
            Self::AdditionalEmailRejected => "additional_email.rejected",
            Self::AdditionalEmailRemoved => "additional_email.removed",
            Self::AdditionalEmailVerified => "additional_email.verified",
            Self::ConnectionAuthenticationFailed => "connection.authentication_failed",
            Self::ConnectionCreated => "connection.created",
            Self::ConnectionDeleted => "connection.deleted",
            Self::ConnectionRevoked => "connection.revoked",
            Self::ConnectionSecretRegenerated => "connection.secret_regenerated",
            Self::EnvironmentReceivingChanged => "environment.receiving_changed",
            Self::EnvironmentSettingsChanged => "environment.settings_changed",
            Self::HookCreated => "hook.created",
            Self::HookDeleted => "hook.deleted",
            Self::HookPinged => "hook.pinged",
            Self::HookRedelivered => "hook.redelivered",
            Self::HookSecretRotated => "hook.secret_rotated",
            Self::HookUpdated => "hook.updated",
            Self::IntakePreferencesChanged => "intake.preferences_changed",
            Self::IntakeSenderNotAuthenticated => "intake.sender_not_authenticated",
            Self::InvitationAccepted => "invitation.accepted",
            Self::LoginFailed => "login.failed",
            Self::LoginSucceeded => "login.succeeded",
            Self::LoginTwoFactorFailed => "login.two_factor_failed",
            Self::Logout => "logout",
            Self::LogoutAllSessions => "logout.all_sessions",
            Self::OrganizationActivated => "organization.activated",
            Self::OrganizationActivationApproved => "organization.activation_approved",
            Self::OrganizationActivationCodeWrong => "organization.activation_code_wrong",
            Self::OrganizationActivationRejected => "organization.activation_rejected",
            Self::OrganizationActivationRequested => "organization.activation_requested",
            Self::OrganizationAdded => "organization.added",
            Self::OrganizationDeactivated => "organization.deactivated",
            Self::OrganizationIdentifierAdded => "organization.identifier_added",
            Self::OrganizationIdentifierRemoved => "organization.identifier_removed",
            Self::OrganizationIdentifierSwitched => "organization.identifier_switched",
            Self::OrganizationMemberAdded => "organization.member_added",
            Self::OrganizationMemberChanged => "organization.member_changed",
            Self::OrganizationMemberRemoved => "organization.member_removed",
            Self::OrganizationSuspended => "organization.suspended",
            Self::OrganizationUpdated => "organization.updated",
            Self::PartnerGrantAccepted => "partner_grant.accepted",
            Self::PartnerGrantOffered => "partner_grant.offered",
            Self::PartnerGrantRevoked => "partner_grant.revoked",
            Self::PartnerRequestAccepted => "partner_request.accepted",
            Self::PartnerRequestDeclined => "partner_request.declined",
            Self::PartnerRequestExpired => "partner_request.expired",
            Self::PartnerRequestReceived => "partner_request.received",
            Self::PartnerRequestSent => "partner_request.sent",
            Self::PartnerRequestWithdrawn => "partner_request.withdrawn",
            Self::PartnershipEnded => "partnership.ended",
            Self::PasswordChanged => "password.changed",
            Self::PasswordReset => "password.reset",
            Self::PasswordResetRequested => "password.reset_requested",
            Self::PeppolCertificateExpired => "peppol.certificate_expired",
            Self::PeppolCertificateExpiresSoon => "peppol.certificate_expires_soon",
            Self::PeppolCertificateReloadFailed => "peppol.certificate_reload_failed",
            Self::PeppolCertificateRenewed => "peppol.certificate_renewed",
            Self::PeppolDirectoryRefused => "peppol.directory_refused",
            Self::PeppolSmlRegistrationFailed => "peppol.sml_registration_failed",
            Self::PeppolSmlRepaired => "peppol.sml_repaired",
            Self::PeppolSmpCertificateChangeAnnounced => "peppol.smp_certificate_change_announced",
            Self::PeppolMigrationKeyCreated => "peppol.migration_key_created",
            Self::PeppolMigrationCompleted => "peppol.migration_completed",
            Self::PeppolReportSendFailed => "peppol.report_send_failed",
            Self::PeppolTrustRenewed => "peppol.trust_renewed",
            Self::RegistrationCompleted => "registration.completed",
            Self::RegistrationExistingAddress => "registration.existing_address",
            Self::RegistrationRequested => "registration.requested",
            Self::SessionRefreshTokenReused => "session.refresh_token_reused",
            Self::SessionRevoked => "session.revoked",
            Self::TrustedSenderAdded => "trusted_sender.added",
            Self::TrustedSenderConfirmed => "trusted_sender.confirmed",
            Self::TrustedSenderInvited => "trusted_sender.invited",
            Self::TrustedSenderRemoved => "trusted_sender.removed",
            Self::TrustedSenderStatusChanged => "trusted_sender.status_changed",
            Self::TwoFactorDisabled => "two_factor.disabled",
            Self::TwoFactorEnabled => "two_factor.enabled",
            Self::UserAdded => "user.added",
            Self::UserDeactivated => "user.deactivated",
            Self::UserInvitationResent => "user.invitation_resent",
            Self::UserInvitationWithdrawn => "user.invitation_withdrawn",
            Self::UserInvited => "user.invited",
            Self::UserReactivated => "user.reactivated",
            Self::UserRemoved => "user.removed",
            Self::UserRoleChanged => "user.role_changed",
        }
    }

    /// The action named by its string, or `None`.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::AuditAction;

    #[test]
    fn strings_round_trip_and_match_serde() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            assert_eq!(
                serde_json::to_value(action).unwrap(),
                serde_json::Value::from(action.as_str())
            );
        }
        assert_eq!(AuditAction::parse("user.unknown"), None);
    }
}
