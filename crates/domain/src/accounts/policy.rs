//! The one authorization policy: which platform role may perform which action.
//! Handlers ask here (`actor.require(Action::…)`); none hand-rolls a role check.

use uuid::Uuid;

use super::types::Role;
use crate::DomainError;

/// Something a user can do that not everyone may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read and change one's own profile, password, 2FA, sessions and email addresses.
    ManageOwnAccount,
    /// Read the environment's name and settings.
    ViewEnvironment,
    /// Change the environment's name, auto-join domain, 2FA requirement and receiving choice.
    ManageEnvironment,
    /// List the environment's users and invitations.
    ListUsers,
    /// Invite, add, change roles of, deactivate, reactivate and remove users.
    ManageUsers,
    /// Grant or withdraw the relationship-manager flag.
    GrantRelationshipManager,
    /// Approve additional email addresses on other domains.
    ApproveEmailAddresses,
    /// Read the security audit log.
    ViewAuditLog,
    /// Create partnerships with other environments (the partners feature).
    CreatePartnership,
    /// Validate and transform documents without storing them.
    UseDocumentTools,
}

impl Action {
    /// Every action, for the policy table test and documentation.
    pub const ALL: [Action; 10] = [
        Action::ManageOwnAccount,
        Action::ViewEnvironment,
        Action::ManageEnvironment,
        Action::ListUsers,
        Action::ManageUsers,
        Action::GrantRelationshipManager,
        Action::ApproveEmailAddresses,
        Action::ViewAuditLog,
        Action::CreatePartnership,
        Action::UseDocumentTools,
    ];

    /// The least role that may perform the action.
    #[must_use]
    pub fn minimum_role(self) -> Role {
        match self {
            Self::ManageOwnAccount | Self::ViewEnvironment | Self::UseDocumentTools => Role::Basic,
            Self::CreatePartnership => Role::Advanced,
            Self::ManageEnvironment
            | Self::ListUsers
            | Self::ManageUsers
            | Self::GrantRelationshipManager
            | Self::ApproveEmailAddresses
            | Self::ViewAuditLog => Role::Administrator,
        }
    }
}

/// The authenticated user a request acts as, as loaded for this very request (so a role
/// change applies on the next request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub environment_id: Uuid,
    pub session_id: Uuid,
    pub role: Role,
    pub relationship_manager: bool,
    /// The environment requires two-factor authentication and this user has not enrolled: only
    /// their own account (to enrol) stays reachable.
    pub two_factor_pending: bool,
}

impl Actor {
    #[must_use]
    pub fn may(&self, action: Action) -> bool {
        let open_while_enrolling =
            matches!(action, Action::ManageOwnAccount | Action::ViewEnvironment);
        self.role >= action.minimum_role() && (!self.two_factor_pending || open_while_enrolling)
    }

    /// # Errors
    /// [`DomainError::Forbidden`] when the actor's role does not allow the action.
    pub fn require(&self, action: Action) -> Result<(), DomainError> {
        if self.may(action) {
            Ok(())
        } else if self.two_factor_pending && self.role >= action.minimum_role() {
            Err(DomainError::Forbidden(
                "Your environment requires two-factor authentication: set it up under your profile first.".into(),
            ))
        } else {
            Err(DomainError::Forbidden(format!(
                "This needs the {} role.",
                action.minimum_role().as_str()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
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

    /// The policy as a table: action, then whether Basic, Advanced, Administrator may.
    #[test]
    fn the_policy_table() {
        use Action::*;
        let table = [
            (ManageOwnAccount, [true, true, true]),
            (ViewEnvironment, [true, true, true]),
            (ManageEnvironment, [false, false, true]),
            (ListUsers, [false, false, true]),
            (ManageUsers, [false, false, true]),
            (GrantRelationshipManager, [false, false, true]),
            (ApproveEmailAddresses, [false, false, true]),
            (ViewAuditLog, [false, false, true]),
            (CreatePartnership, [false, true, true]),
            (UseDocumentTools, [true, true, true]),
        ];
        assert_eq!(
            table.len(),
            Action::ALL.len(),
            "every action is in the table"
        );
        for (action, expected) in table {
            for (role, may) in [Role::Basic, Role::Advanced, Role::Administrator]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(actor(role).may(action), may, "{role:?} {action:?}");
            }
        }
    }

    #[test]
    fn a_user_who_must_enrol_in_two_factor_reaches_only_their_own_account() {
        let mut admin = actor(Role::Administrator);
        admin.two_factor_pending = true;

        assert!(admin.may(Action::ManageOwnAccount));
        assert!(admin.may(Action::ViewEnvironment));
        assert!(!admin.may(Action::ManageUsers));
        assert!(
            matches!(admin.require(Action::ManageUsers), Err(DomainError::Forbidden(m)) if m.contains("two-factor"))
        );
    }

    #[test]
    fn a_refusal_names_the_role_needed() {
        let err = actor(Role::Basic).require(Action::ManageUsers);
        assert!(matches!(err, Err(DomainError::Forbidden(m)) if m.contains("administrator")));
    }
}
