//! Organizations as the domain sees them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::policy::OrgRole;

/// The life of an organization on the platform. Only `Active` organizations send or receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrgStatus {
    Added,
    ActivationRequested,
    Active,
    Suspended,
    Deactivated,
}

impl OrgStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::ActivationRequested => "activation_requested",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Deactivated => "deactivated",
        }
    }

    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "added" => Some(Self::Added),
            "activation_requested" => Some(Self::ActivationRequested),
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            "deactivated" => Some(Self::Deactivated),
            _ => None,
        }
    }

    /// Whether activation may be requested from this state.
    #[must_use]
    pub fn can_request_activation(self) -> bool {
        matches!(
            self,
            Self::Added | Self::ActivationRequested | Self::Deactivated
        )
    }
}

/// What happened to an organization, as its status history records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrgEventKind {
    Added,
    ActivationRequested,
    ActivationCodeSent,
    Activated,
    Rejected,
    Suspended,
    Deactivated,
}

impl OrgEventKind {
    pub const ALL: [OrgEventKind; 7] = [
        Self::Added,
        Self::ActivationRequested,
        Self::ActivationCodeSent,
        Self::Activated,
        Self::Rejected,
        Self::Suspended,
        Self::Deactivated,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::ActivationRequested => "activation_requested",
            Self::ActivationCodeSent => "activation_code_sent",
            Self::Activated => "activated",
            Self::Rejected => "rejected",
            Self::Suspended => "suspended",
            Self::Deactivated => "deactivated",
        }
    }

    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// How an organization proves it is who it says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ActivationMethod {
    /// A code sent to the contact address the business register has on file.
    EmailCode,
    /// A platform operator compares the register with what was entered.
    OperatorReview,
}

impl ActivationMethod {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmailCode => "email_code",
            Self::OperatorReview => "operator_review",
        }
    }

    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "email_code" => Some(Self::EmailCode),
            "operator_review" => Some(Self::OperatorReview),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    pub street: Option<String>,
    pub house_number: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: Uuid,
    pub environment_id: Uuid,
    pub statutory_name: String,
    pub trade_names: Vec<String>,
    pub address: Address,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub kvk_number: Option<String>,
    pub status: OrgStatus,
    pub activation_method: Option<ActivationMethod>,
    /// What the business register said when the organization was added (JSON), shown to
    /// the operator next to what the user entered.
    pub register_snapshot: Option<String>,
    /// Whether its receiving participant ids are listed in the Peppol Directory (the SMP
    /// serves their business card and the Directory is told); on unless the organization
    /// chose otherwise.
    pub directory_listed: bool,
    /// The invoice document types it receives over Peppol: its choice, or the default of its
    /// country (`peppol::document_types::default_document_types`).
    pub document_types: Vec<crate::peppol::document_types::InvoiceDocumentType>,
    /// What it adds to its Peppol Directory business card (other names, websites, contacts).
    pub directory_details: crate::peppol::directory_details::DirectoryDetails,
    pub created_at: DateTime<Utc>,
    /// When its status or details last changed.
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgIdentifier {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub kind: String,
    /// ISO 6523 ICD / EAS scheme code, e.g. `0106`.
    pub scheme: String,
    pub value: String,
    pub send_enabled: bool,
    pub receive_enabled: bool,
    /// Set while the identifier is registered as this organization's participant id.
    pub registered: bool,
}

impl OrgIdentifier {
    #[must_use]
    pub fn participant_id(&self) -> String {
        format!("{}:{}", self.scheme, self.value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: OrgRole,
    pub added_at: DateTime<Utc>,
}

/// One step in the organization's status history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgEvent {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub event: OrgEventKind,
    pub status: OrgStatus,
    pub actor_email: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}
