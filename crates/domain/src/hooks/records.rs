//! Hooks as the domain sees them: topics and their patterns, the hooks, the events written to
//! the outbox, and the deliveries with their attempts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    documents::records::{Direction, DocumentEventKind, DocumentKind},
    mail::Language,
};

/// What a hook event is about. Names are PascalCase, as receivers see them in `topic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Topic {
    /// A document arrived in the party's inbox.
    InvoiceReceived,
    /// A document for the party could not be taken in (reserved for the network and email
    /// intake; nothing emits it yet).
    InvoiceReceivedError,
    /// A sales invoice or credit note was delivered to its receiver.
    InvoiceSent,
    /// A delivery attempt failed for a passing reason; another follows.
    InvoiceSentRetry,
    /// Delivery failed for good.
    InvoiceSentError,
    /// The buyer answered a sales invoice with an Invoice Response.
    InvoiceResponseReceived,
    /// A delivery of this hook's events failed for a passing reason (about another hook).
    HookSentRetry,
    /// A delivery of a hook gave up (about another hook).
    HookSentError,
    /// A test event sent on request; only to the hook it was asked for.
    Ping,
}

impl Topic {
    /// Every topic a hook can subscribe to (`Ping` is sent on request only).
    pub const SUBSCRIBABLE: [Self; 8] = [
        Self::InvoiceReceived,
        Self::InvoiceReceivedError,
        Self::InvoiceSent,
        Self::InvoiceSentRetry,
        Self::InvoiceSentError,
        Self::InvoiceResponseReceived,
        Self::HookSentRetry,
        Self::HookSentError,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvoiceReceived => "InvoiceReceived",
            Self::InvoiceReceivedError => "InvoiceReceivedError",
            Self::InvoiceSent => "InvoiceSent",
            Self::InvoiceSentRetry => "InvoiceSentRetry",
            Self::InvoiceSentError => "InvoiceSentError",
            Self::InvoiceResponseReceived => "InvoiceResponseReceived",
            Self::HookSentRetry => "HookSentRetry",
            Self::HookSentError => "HookSentError",
            Self::Ping => "Ping",
        }
    }

    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::SUBSCRIBABLE
            .into_iter()
            .chain([Self::Ping])
            .find(|t| t.as_str() == name)
    }

    /// Whether the event is about a hook's own deliveries: a failure to deliver one of these
    /// makes no further hook event, so two failing hooks cannot feed each other forever.
    #[must_use]
    pub fn about_hooks(self) -> bool {
        matches!(self, Self::HookSentRetry | Self::HookSentError | Self::Ping)
    }

    /// The topic a line of a document's history raises, if any. Invoice Responses themselves
    /// raise nothing as documents; their arrival is `InvoiceResponseReceived` on the invoice.
    #[must_use]
    pub fn of_document_event(
        direction: Direction,
        kind: DocumentKind,
        event: DocumentEventKind,
    ) -> Option<Self> {
        if kind == DocumentKind::InvoiceResponse {
            return None;
        }
        match (direction, event) {
            (Direction::Outgoing, DocumentEventKind::Delivered) => Some(Self::InvoiceSent),
            (Direction::Outgoing, DocumentEventKind::AttemptFailed) => Some(Self::InvoiceSentRetry),
            (Direction::Outgoing, DocumentEventKind::Failed) => Some(Self::InvoiceSentError),
            (Direction::Outgoing, DocumentEventKind::ResponseReceived) => {
                Some(Self::InvoiceResponseReceived)
            }
            (Direction::Incoming, DocumentEventKind::Received) => Some(Self::InvoiceReceived),
            _ => None,
        }
    }

    /// The sentence a receiver gets in `message`.
    #[must_use]
    pub fn message(self, number: Option<&str>) -> String {
        let (doc, the_doc) = match number {
            Some(n) => (format!("Document {n}"), format!("document {n}")),
            None => ("A document".to_owned(), "a document".to_owned()),
        };
        match self {
            Self::InvoiceReceived => format!("{doc} was received."),
            Self::InvoiceReceivedError => format!("{doc} could not be received."),
            Self::InvoiceSent => format!("{doc} was delivered."),
            Self::InvoiceSentRetry => format!("Delivering {the_doc} failed; it is tried again."),
            Self::InvoiceSentError => format!("{doc} could not be delivered."),
            Self::InvoiceResponseReceived => format!("The buyer answered {the_doc}."),
            Self::HookSentRetry => "A webhook delivery failed; it is tried again.".into(),
            Self::HookSentError => "A webhook delivery failed for good.".into(),
            Self::Ping => "A test event.".into(),
        }
    }
}

/// A subscription: a topic's name, `*` (everything), or a name with `*` at its start or end
/// (`*Sent`, `Invoice*`) that matches at least one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicPattern(String);

impl TopicPattern {
    /// Longest pattern.
    pub const MAX_LEN: usize = 40;

    /// `None` when it is not a pattern or matches no topic.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > Self::MAX_LEN {
            return None;
        }
        let inner = raw.trim_start_matches('*').trim_end_matches('*');
        if inner.contains('*') || !inner.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        if raw.starts_with("**") || raw.ends_with("**") {
            return None;
        }
        let pattern = Self(raw.to_owned());
        Topic::SUBSCRIBABLE
            .into_iter()
            .any(|t| pattern.matches(t))
            .then_some(pattern)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn matches(&self, topic: Topic) -> bool {
        if topic == Topic::Ping {
            return false;
        }
        let name = topic.as_str();
        let p = self.0.as_str();
        if p == "*" {
            return true;
        }
        match (p.strip_prefix('*'), p.strip_suffix('*')) {
            (Some(rest), _) if rest.ends_with('*') => name.contains(&rest[..rest.len() - 1]),
            (Some(rest), _) => name.ends_with(rest),
            (None, Some(rest)) => name.starts_with(rest),
            (None, None) => name == p,
        }
    }
}

/// Whom a hook belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookOwner {
    /// A participant id of an organization: that party's events.
    Party {
        organization_id: Uuid,
        party_id: String,
    },
    /// The whole environment: every organization's events.
    Environment,
}

/// A hook without its secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub id: Uuid,
    pub environment_id: Uuid,
    pub owner: HookOwner,
    /// `https://…`, (where allowed) `http://…`, or `mailto:…`.
    pub target: String,
    pub topics: Vec<TopicPattern>,
    pub active: bool,
    pub description: String,
    /// The language of a mail hook's messages: chosen, or that of the person who created it.
    pub language: Language,
    /// Until when the previous secret still signs, after a rotation.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Hook {
    #[must_use]
    pub fn wants(&self, topic: Topic) -> bool {
        self.topics.iter().any(|p| p.matches(topic))
    }
}

/// A hook with its sealed secrets, for signing.
#[derive(Debug, Clone)]
pub struct SigningHook {
    pub hook: Hook,
    pub secret_sealed: String,
    /// The secret before the last rotation, while it still signs.
    pub previous_secret_sealed: Option<String>,
}

/// A hook to store.
#[derive(Debug, Clone)]
pub struct NewHook {
    pub id: Uuid,
    pub environment_id: Uuid,
    pub owner: HookOwner,
    pub target: String,
    pub topics: Vec<TopicPattern>,
    pub active: bool,
    pub description: String,
    pub language: Language,
    pub secret_sealed: String,
}

/// Changes to a hook; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct HookChange {
    pub target: Option<String>,
    pub topics: Option<Vec<TopicPattern>>,
    pub active: Option<bool>,
    pub description: Option<String>,
    pub language: Option<Language>,
}

/// An event for the outbox, written with the change that causes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHookEvent {
    pub topic: Topic,
    pub environment_id: Uuid,
    /// The organization whose party hooks may get it; `None`: environment hooks only.
    pub organization_id: Option<Uuid>,
    pub party_id: Option<String>,
    pub document_id: Option<Uuid>,
    pub message: String,
    pub details: Option<String>,
    /// For events about a hook: that hook, which does not get them itself.
    pub about_hook_id: Option<Uuid>,
}

/// An event as stored: the stable id receivers deduplicate by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookEvent {
    pub id: Uuid,
    pub topic: Topic,
    pub party_id: Option<String>,
    pub document_id: Option<Uuid>,
    pub message: String,
    pub details: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Where one delivery of an event to a hook is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up: a final answer, or the last attempt failed.
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [Self; 3] = [Self::Pending, Self::Delivered, Self::Failed];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// One try to hand an event to a hook's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub id: Uuid,
    pub attempt: u32,
    pub at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub duration_ms: u32,
    pub error: Option<String>,
    pub request_body: String,
    /// The start of the receiver's answer.
    pub response_body: Option<String>,
}

/// One event on its way to one hook, with every attempt so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: Uuid,
    pub hook_id: Uuid,
    pub event: HookEvent,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The delivery this one repeats, for a manual redelivery.
    pub redelivery_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub attempt_log: Vec<DeliveryAttempt>,
}

/// The outcome of one attempt, to record.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery_id: Uuid,
    pub hook_id: Uuid,
    pub attempt: u32,
    pub at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub duration_ms: u32,
    pub error: Option<String>,
    pub request_body: String,
    pub response_body: Option<String>,
    /// The delivery's status after this attempt.
    pub status: DeliveryStatus,
    /// When pending: the next attempt.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// `HookSentRetry` or `HookSentError` to raise with it.
    pub raise: Option<NewHookEvent>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_as_documented() {
        let p = |s| TopicPattern::parse(s).unwrap();
        assert!(p("*").matches(Topic::HookSentError));
        assert!(p("*Sent").matches(Topic::InvoiceSent));
        assert!(!p("*Sent").matches(Topic::InvoiceSentRetry));
        assert!(p("Invoice*").matches(Topic::InvoiceResponseReceived));
        assert!(!p("Invoice*").matches(Topic::HookSentRetry));
        assert!(p("*Retry").matches(Topic::HookSentRetry));
        assert!(p("*Sent*").matches(Topic::InvoiceSentError));
        assert!(p("InvoiceSent").matches(Topic::InvoiceSent));
        assert!(!p("InvoiceSent").matches(Topic::InvoiceSentError));
        assert!(!p("*").matches(Topic::Ping));
    }

    #[test]
    fn patterns_that_match_nothing_are_refused() {
        for bad in [
            "",
            "Ping",
            "Nothing*",
            "In*voice",
            "**",
            "***",
            "Invoice Sent",
            "*Sent**",
        ] {
            assert!(TopicPattern::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn document_events_raise_their_topics() {
        use DocumentEventKind as E;
        let of = |d, e| Topic::of_document_event(d, DocumentKind::Invoice, e);
        assert_eq!(
            of(Direction::Outgoing, E::Delivered),
            Some(Topic::InvoiceSent)
        );
        assert_eq!(
            of(Direction::Outgoing, E::AttemptFailed),
            Some(Topic::InvoiceSentRetry)
        );
        assert_eq!(
            of(Direction::Outgoing, E::Failed),
            Some(Topic::InvoiceSentError)
        );
        assert_eq!(
            of(Direction::Incoming, E::Received),
            Some(Topic::InvoiceReceived)
        );
        assert_eq!(
            of(Direction::Outgoing, E::ResponseReceived),
            Some(Topic::InvoiceResponseReceived)
        );
        assert_eq!(of(Direction::Outgoing, E::Accepted), None);
        assert_eq!(
            Topic::of_document_event(
                Direction::Outgoing,
                DocumentKind::InvoiceResponse,
                E::Delivered
            ),
            None
        );
    }
}
