//! What a call for a participant id needs: the organization role for a person, the scope for
//! a connection. One table for both, so that the two ways in cannot drift apart; no handler
//! compares scopes or roles itself.

use super::records::Scope;
use crate::{documents::records::Direction, organizations::policy::OrgAction};

/// Something done for a participant id (the `/parties/{partyId}/…` operations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartyAction {
    /// Send a sales invoice, ask which of the buyer's ids can receive, resend.
    SendInvoices,
    /// List, read and download sales invoices and their history (the outbox).
    ReadSent,
    /// List, read and download purchase invoices and their history, mark them opened.
    ReadReceived,
    /// Remove a purchase invoice from the inbox.
    DeleteReceived,
    /// Set a purchase invoice's status or answer it with an Invoice Response.
    ChangeStatus,
    /// Share a document with a colleague: for people only.
    Share,
    /// Create, change, test and delete the party's webhooks, read their delivery log.
    ManageHooks,
}

impl PartyAction {
    pub const ALL: [PartyAction; 7] = [
        PartyAction::SendInvoices,
        PartyAction::ReadSent,
        PartyAction::ReadReceived,
        PartyAction::DeleteReceived,
        PartyAction::ChangeStatus,
        PartyAction::Share,
        PartyAction::ManageHooks,
    ];

    /// Reading the outbox or the inbox.
    #[must_use]
    pub fn read(direction: Direction) -> Self {
        match direction {
            Direction::Outgoing => Self::ReadSent,
            Direction::Incoming => Self::ReadReceived,
        }
    }

    /// What a person needs in the organization.
    #[must_use]
    pub fn org_action(self) -> OrgAction {
        match self {
            Self::ReadSent | Self::ReadReceived => OrgAction::View,
            Self::SendInvoices | Self::DeleteReceived | Self::ChangeStatus | Self::Share => {
                OrgAction::SendDocuments
            }
            Self::ManageHooks => OrgAction::ManageHooks,
        }
    }

    /// What a connection needs among its scopes; `None`: no connection may do it.
    #[must_use]
    pub fn required_scope(self) -> Option<Scope> {
        match self {
            Self::SendInvoices | Self::ReadSent => Some(Scope::Send),
            Self::ReadReceived | Self::DeleteReceived => Some(Scope::Receive),
            Self::ChangeStatus => Some(Scope::DocumentStatus),
            Self::ManageHooks => Some(Scope::Webhooks),
            Self::Share => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy as a table: action, the organization action a person needs, the scope a
    /// connection needs.
    #[test]
    fn the_party_policy_table() {
        use PartyAction::*;
        let table = [
            (SendInvoices, OrgAction::SendDocuments, Some(Scope::Send)),
            (ReadSent, OrgAction::View, Some(Scope::Send)),
            (ReadReceived, OrgAction::View, Some(Scope::Receive)),
            (
                DeleteReceived,
                OrgAction::SendDocuments,
                Some(Scope::Receive),
            ),
            (
                ChangeStatus,
                OrgAction::SendDocuments,
                Some(Scope::DocumentStatus),
            ),
            (Share, OrgAction::SendDocuments, None),
            (ManageHooks, OrgAction::ManageHooks, Some(Scope::Webhooks)),
        ];
        assert_eq!(table.len(), PartyAction::ALL.len());
        for (action, org, scope) in table {
            assert_eq!(action.org_action(), org, "{action:?}");
            assert_eq!(action.required_scope(), scope, "{action:?}");
        }
    }
}
