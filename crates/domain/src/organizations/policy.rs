//! Who may do what with one organization. An environment Administrator may do everything with
//! every organization of the environment; otherwise the organization role decides.

use serde::{Deserialize, Serialize};

use crate::{
    accounts::{Actor, Role},
    DomainError,
};

/// A user's role in one organization, independent of their platform role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrgRole {
    /// Views, creates and sends the organization's documents.
    Member,
    /// Also manages members, details, identifiers, activation and connection keys.
    Administrator,
}

impl OrgRole {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Administrator => "administrator",
        }
    }

    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "member" => Some(Self::Member),
            "administrator" => Some(Self::Administrator),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgAction {
    /// See the organization, its identifiers and status history.
    View,
    /// Create and send documents as the organization.
    SendDocuments,
    /// Change details, identifiers and their Send/Receive switches; request activation.
    ManageDetails,
    /// Add, change and remove members.
    ManageMembers,
    /// Create and revoke connection keys (the connection-keys feature).
    ManageConnectionKeys,
    /// Create, change and delete the webhooks of the organization's parties.
    ManageHooks,
}

impl OrgAction {
    pub const ALL: [OrgAction; 6] = [
        OrgAction::View,
        OrgAction::SendDocuments,
        OrgAction::ManageDetails,
        OrgAction::ManageMembers,
        OrgAction::ManageConnectionKeys,
        OrgAction::ManageHooks,
    ];

    #[must_use]
    pub fn minimum_role(self) -> OrgRole {
        match self {
            Self::View | Self::SendDocuments => OrgRole::Member,
            Self::ManageDetails
            | Self::ManageMembers
            | Self::ManageConnectionKeys
            | Self::ManageHooks => OrgRole::Administrator,
        }
    }
}

/// The role the actor effectively has in an organization: environment Administrators act as
/// Organization Administrators everywhere in their environment.
#[must_use]
pub fn effective_role(actor: &Actor, membership: Option<OrgRole>) -> Option<OrgRole> {
    if actor.role == Role::Administrator {
        Some(OrgRole::Administrator)
    } else {
        membership
    }
}

/// # Errors
/// `NotFound` when the actor cannot even see the organization (a foreign id must look absent),
/// `Forbidden` when they see it but their role does not allow the action.
pub fn require(
    actor: &Actor,
    membership: Option<OrgRole>,
    action: OrgAction,
    organization_id: uuid::Uuid,
) -> Result<OrgRole, DomainError> {
    let Some(role) = effective_role(actor, membership) else {
        return Err(DomainError::NotFound {
            entity: "organization",
            id: organization_id.to_string(),
        });
    };
    if actor.two_factor_pending {
        return Err(DomainError::Forbidden(
            "Your environment requires two-factor authentication: set it up under your profile first.".into(),
        ));
    }
    if role >= action.minimum_role() {
        Ok(role)
    } else {
        Err(DomainError::Forbidden(
            "This needs the Organization Administrator role.".into(),
        ))
    }
}

/// What the actor may do with an organization, for `GET /me/parties`.
#[must_use]
pub fn permissions(role: OrgRole) -> Vec<&'static str> {
    OrgAction::ALL
        .into_iter()
        .filter(|a| role >= a.minimum_role())
        .map(|a| match a {
            OrgAction::View => "view",
            OrgAction::SendDocuments => "send",
            OrgAction::ManageDetails => "manage_details",
            OrgAction::ManageMembers => "manage_members",
            OrgAction::ManageConnectionKeys => "manage_connection_keys",
            OrgAction::ManageHooks => "manage_hooks",
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: Uuid::nil(),
            environment_id: Uuid::nil(),
            session_id: Uuid::nil(),
            role,
            relationship_manager: false,
            two_factor_pending: false,
        }
    }

    /// Rows: action; columns: Member, Organization Administrator, non-member Basic user,
    /// environment Administrator without membership.
    #[test]
    fn the_organization_policy_table() {
        use OrgAction::*;
        let table = [
            (View, [true, true, false, true]),
            (SendDocuments, [true, true, false, true]),
            (ManageDetails, [false, true, false, true]),
            (ManageMembers, [false, true, false, true]),
            (ManageConnectionKeys, [false, true, false, true]),
            (ManageHooks, [false, true, false, true]),
        ];
        assert_eq!(table.len(), OrgAction::ALL.len());
        let cases = [
            (actor(Role::Basic), Some(OrgRole::Member)),
            (actor(Role::Basic), Some(OrgRole::Administrator)),
            (actor(Role::Basic), None),
            (actor(Role::Administrator), None),
        ];
        for (action, expected) in table {
            for ((who, membership), allowed) in cases.iter().zip(expected) {
                let result = require(who, *membership, action, Uuid::nil());
                assert_eq!(
                    result.is_ok(),
                    allowed,
                    "{action:?} {:?} {membership:?}",
                    who.role
                );
            }
        }
    }

    #[test]
    fn a_non_member_gets_not_found_and_a_member_forbidden() {
        let basic = actor(Role::Basic);
        assert!(matches!(
            require(&basic, None, OrgAction::View, Uuid::nil()),
            Err(DomainError::NotFound { .. })
        ));
        assert!(matches!(
            require(
                &basic,
                Some(OrgRole::Member),
                OrgAction::ManageMembers,
                Uuid::nil()
            ),
            Err(DomainError::Forbidden(_))
        ));
    }

    #[test]
    fn permissions_grow_with_the_role() {
        assert_eq!(permissions(OrgRole::Member), vec!["view", "send"]);
        assert_eq!(permissions(OrgRole::Administrator).len(), 6);
    }
}
