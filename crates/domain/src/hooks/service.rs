//! The hook use cases for their owners: Organization Administrators (or a connection with the
//! `webhooks` scope) for a party's hooks, Administrators for the environment's. Each checks who
//! asks first, then the input, then makes one change through the store with its audit event.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::{
    records::{Delivery, Hook, HookChange, HookOwner, NewHook, NewHookEvent, Topic, TopicPattern},
    store::HookAdmin,
    target::{check_target, TargetRules},
};
use crate::{
    accounts::{
        policy::Action,
        profile::SecretSealer,
        records::{ClientInfo, NewAuditEvent},
        AuditAction, Caller, PartyCaller,
    },
    connections::PartyAction,
    documents::{sending::authorize_party, store::DocumentRecords},
    mail::Language,
    organizations::store::OrganizationStore,
    paging::{Page, PageQuery, PageRequest},
    DomainError, DomainResult, FieldError,
};

/// Longest description.
pub const DESCRIPTION_MAX: usize = 200;
/// Most topic patterns per hook.
pub const TOPICS_MAX: usize = 20;
/// Longest overlap of an old secret after a rotation: a week.
pub const OVERLAP_MAX_MINUTES: u32 = 7 * 24 * 60;
/// Overlap when none is asked for: a day.
pub const OVERLAP_DEFAULT_MINUTES: u32 = 24 * 60;

/// How hooks behave on this installation.
#[derive(Debug, Clone)]
pub struct HookSettings {
    /// Waits between attempts; the number of attempts is one more than its length.
    pub retry_schedule: Vec<Duration>,
    pub targets: TargetRules,
    /// Messages the mail hooks of one environment send per hour together; 0: no limit.
    pub mails_per_hour: u32,
}

impl Default for HookSettings {
    fn default() -> Self {
        Self {
            retry_schedule: [60, 300, 1800, 7200, 21_600, 86_400]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            targets: TargetRules::default(),
            mails_per_hour: 100,
        }
    }
}

/// Someone who passed the check for one owner's hooks, with how the audit log names them.
#[derive(Debug, Clone)]
pub struct HookManager {
    pub environment_id: Uuid,
    pub owner: HookOwner,
    actor_id: Option<Uuid>,
    actor_label: String,
    client: ClientInfo,
    /// The language of the messages of the mail hooks this manager creates.
    language: Language,
}

impl HookManager {
    fn audit(
        &self,
        action: AuditAction,
        hook_id: Uuid,
        details: serde_json::Value,
    ) -> NewAuditEvent {
        let mut event = NewAuditEvent::new(action, &self.client)
            .in_environment(self.environment_id)
            .email(&self.actor_label)
            .target("hook", hook_id)
            .details(details);
        event.actor_id = self.actor_id;
        event
    }

    fn owns(&self, hook: &Hook) -> bool {
        hook.environment_id == self.environment_id && hook.owner == self.owner
    }
}

/// A party's hooks: a person who may manage the organization's hooks, or a connection of that
/// organization with the `webhooks` scope (through [`authorize_party`], the one policy).
///
/// # Errors
/// `NotFound`, `Forbidden`, `MissingScope`, a store's error.
pub async fn authorize_party_hooks<R: DocumentRecords, O: OrganizationStore>(
    records: &R,
    organizations: &O,
    caller: &PartyCaller<'_>,
    party_id: &str,
) -> DomainResult<HookManager> {
    let access = authorize_party(
        records,
        organizations,
        caller,
        party_id,
        PartyAction::ManageHooks,
    )
    .await?;
    let (actor_id, client, language) = match caller {
        PartyCaller::User(c) => (Some(c.user.id), c.client.clone(), c.user.language),
        PartyCaller::Connection { client, .. } => (None, (*client).clone(), Language::default()),
        // `authorize_party` never lets a mail through; nothing to record should one come.
        PartyCaller::Email { .. } => (None, Default::default(), Language::default()),
    };
    Ok(HookManager {
        environment_id: caller.environment_id(),
        owner: HookOwner::Party {
            organization_id: access.party.organization_id,
            party_id: access.party.participant_id,
        },
        actor_id,
        actor_label: caller.by(),
        client,
        language,
    })
}

/// The environment's hooks: Administrators only.
///
/// # Errors
/// `Forbidden`.
pub fn authorize_environment_hooks(caller: &Caller<'_>) -> DomainResult<HookManager> {
    caller.actor.require(Action::ManageEnvironment)?;
    Ok(HookManager {
        environment_id: caller.actor.environment_id,
        owner: HookOwner::Environment,
        actor_id: Some(caller.user.id),
        actor_label: caller.user.email.clone(),
        client: caller.client.clone(),
        language: caller.user.language,
    })
}

/// A hook as entered.
#[derive(Debug, Clone)]
pub struct HookInput {
    pub target: String,
    pub topics: Vec<String>,
    pub active: bool,
    pub description: Option<String>,
    /// A mail hook's language; `None`: the creator's.
    pub language: Option<Language>,
}

/// Changes as entered; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct HookUpdate {
    pub target: Option<String>,
    pub topics: Option<Vec<String>>,
    pub active: Option<bool>,
    pub description: Option<String>,
    pub language: Option<Language>,
}

/// A hook with its new secret: shown once, never again.
#[derive(Debug, Clone)]
pub struct IssuedHookSecret {
    pub hook: Hook,
    pub secret: String,
}

/// A new signing secret: `whsec_` and 256 random bits. The HMAC key is this whole string.
#[must_use]
pub fn new_secret() -> String {
    format!("whsec_{}", crate::accounts::secrets::new_token())
}

fn checked_topics(raw: &[String], errors: &mut Vec<FieldError>) -> Vec<TopicPattern> {
    if raw.is_empty() || raw.len() > TOPICS_MAX {
        errors.push(FieldError {
            field: "topics".into(),
            code: "length",
            message: format!("Choose from 1 to {TOPICS_MAX} topics."),
        });
        return Vec::new();
    }
    let mut patterns: Vec<TopicPattern> = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        match TopicPattern::parse(t) {
            Some(p) if !patterns.contains(&p) => patterns.push(p),
            Some(_) => {}
            None => errors.push(FieldError {
                field: format!("topics[{i}]"),
                code: "topic",
                message: "Use a topic's name, `*`, or a name with `*` at its start or end that matches a topic (such as `*Sent` or `Invoice*`).".into(),
            }),
        }
    }
    patterns
}

fn checked_description(raw: Option<&str>, errors: &mut Vec<FieldError>) -> String {
    let text = raw.unwrap_or_default().trim().to_owned();
    if text.chars().count() > DESCRIPTION_MAX {
        errors.push(FieldError {
            field: "description".into(),
            code: "length",
            message: format!("Use at most {DESCRIPTION_MAX} characters."),
        });
    }
    text
}

fn checked_target(raw: &str, rules: &TargetRules, errors: &mut Vec<FieldError>) -> String {
    match check_target(raw, rules) {
        Ok(target) => target,
        Err(message) => {
            errors.push(FieldError {
                field: "target".into(),
                code: "target",
                message,
            });
            String::new()
        }
    }
}

fn summary(hook: &Hook) -> serde_json::Value {
    serde_json::json!({
        "target": hook.target,
        "topics": hook.topics.iter().map(TopicPattern::as_str).collect::<Vec<_>>(),
        "active": hook.active,
        "partyId": match &hook.owner {
            HookOwner::Party { party_id, .. } => Some(party_id.clone()),
            HookOwner::Environment => None,
        },
    })
}

/// Creates a hook with a new secret, which is in the answer and nowhere else readable.
///
/// # Errors
/// `Validation`, the store's error.
#[tracing::instrument(name = "create hook", skip_all, fields(environment_id = %manager.environment_id, hook_id))]
pub async fn create_hook<S: HookAdmin, B: SecretSealer>(
    store: &S,
    sealer: &B,
    settings: &HookSettings,
    manager: &HookManager,
    input: HookInput,
) -> DomainResult<IssuedHookSecret> {
    let mut errors = Vec::new();
    let target = checked_target(&input.target, &settings.targets, &mut errors);
    let topics = checked_topics(&input.topics, &mut errors);
    let description = checked_description(input.description.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let secret = new_secret();
    let id = Uuid::new_v4();
    tracing::Span::current().record("hook_id", tracing::field::display(id));
    let new = NewHook {
        id,
        environment_id: manager.environment_id,
        owner: manager.owner.clone(),
        target,
        topics,
        active: input.active,
        description,
        language: input.language.unwrap_or(manager.language),
        secret_sealed: sealer.seal(&secret).map_err(DomainError::Unexpected)?,
    };
    let now = Utc::now();
    let preview = Hook {
        id,
        environment_id: new.environment_id,
        owner: new.owner.clone(),
        target: new.target.clone(),
        topics: new.topics.clone(),
        active: new.active,
        description: new.description.clone(),
        language: new.language,
        previous_secret_until: None,
        created_at: now,
        updated_at: now,
    };
    let audit = manager.audit(AuditAction::HookCreated, id, summary(&preview));
    let hook = store.create_hook(new, audit).await?;
    Ok(IssuedHookSecret { hook, secret })
}

/// One page of the owner's hooks, newest first.
///
/// # Errors
/// `Validation` (page), the store's error.
#[tracing::instrument(name = "list hooks", skip_all, fields(environment_id = %manager.environment_id))]
pub async fn list_hooks<S: HookAdmin>(
    store: &S,
    manager: &HookManager,
    page: &PageQuery,
) -> DomainResult<Page<Hook>> {
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = store
        .list_hooks(manager.environment_id, &manager.owner, &page)
        .await?;
    Ok(page.page(rows, |h| (h.created_at, h.id)))
}

/// One of the owner's hooks; another owner's is not found.
///
/// # Errors
/// `NotFound`, the store's error.
#[tracing::instrument(name = "get hook", skip_all, fields(hook_id = %id))]
pub async fn get_hook<S: HookAdmin>(
    store: &S,
    manager: &HookManager,
    id: Uuid,
) -> DomainResult<Hook> {
    store
        .find_hook(manager.environment_id, id)
        .await?
        .filter(|h| manager.owns(h))
        .ok_or_else(|| DomainError::not_found("hook", id))
}

/// Changes a hook. Deliveries under way are kept and go to the new target.
///
/// # Errors
/// `NotFound`, `Validation`, the store's error.
#[tracing::instrument(name = "update hook", skip_all, fields(hook_id = %id))]
pub async fn update_hook<S: HookAdmin>(
    store: &S,
    settings: &HookSettings,
    manager: &HookManager,
    id: Uuid,
    update: HookUpdate,
) -> DomainResult<Hook> {
    get_hook(store, manager, id).await?;
    let mut errors = Vec::new();
    let change = HookChange {
        target: update
            .target
            .as_deref()
            .map(|t| checked_target(t, &settings.targets, &mut errors)),
        topics: update
            .topics
            .as_deref()
            .map(|t| checked_topics(t, &mut errors)),
        active: update.active,
        description: update
            .description
            .as_deref()
            .map(|d| checked_description(Some(d), &mut errors)),
        language: update.language,
    };
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let details = serde_json::json!({
        "target": change.target,
        "topics": change.topics.as_ref().map(|t| t.iter().map(TopicPattern::as_str).collect::<Vec<_>>()),
        "active": change.active,
    });
    store
        .update_hook(
            id,
            change,
            manager.audit(AuditAction::HookUpdated, id, details),
        )
        .await?
        .ok_or_else(|| DomainError::not_found("hook", id))
}

/// Deletes a hook and its delivery log.
///
/// # Errors
/// `NotFound`, the store's error.
#[tracing::instrument(name = "delete hook", skip_all, fields(hook_id = %id))]
pub async fn delete_hook<S: HookAdmin>(
    store: &S,
    manager: &HookManager,
    id: Uuid,
) -> DomainResult<()> {
    let hook = get_hook(store, manager, id).await?;
    let audit = manager.audit(AuditAction::HookDeleted, id, summary(&hook));
    if store.delete_hook(id, audit).await? {
        Ok(())
    } else {
        Err(DomainError::not_found("hook", id))
    }
}

/// Replaces the signing secret; the old one keeps signing (a second signature) for
/// `overlap_minutes` (default a day), so receivers can switch without losing events.
///
/// # Errors
/// `NotFound`, `Validation` (overlap), the store's error.
#[tracing::instrument(name = "rotate hook secret", skip_all, fields(hook_id = %id))]
pub async fn rotate_secret<S: HookAdmin, B: SecretSealer>(
    store: &S,
    sealer: &B,
    manager: &HookManager,
    id: Uuid,
    overlap_minutes: Option<u32>,
) -> DomainResult<IssuedHookSecret> {
    get_hook(store, manager, id).await?;
    let overlap = overlap_minutes.unwrap_or(OVERLAP_DEFAULT_MINUTES);
    if overlap > OVERLAP_MAX_MINUTES {
        return Err(DomainError::field(
            "overlapMinutes",
            "out_of_range",
            format!("Choose an overlap from 0 to {OVERLAP_MAX_MINUTES} minutes."),
        ));
    }
    let until: Option<DateTime<Utc>> =
        (overlap > 0).then(|| Utc::now() + TimeDelta::minutes(i64::from(overlap)));
    let secret = new_secret();
    let sealed = sealer.seal(&secret).map_err(DomainError::Unexpected)?;
    let audit = manager.audit(
        AuditAction::HookSecretRotated,
        id,
        serde_json::json!({ "previousSecretUntil": until }),
    );
    let hook = store
        .rotate_secret(id, sealed, until, audit)
        .await?
        .ok_or_else(|| DomainError::not_found("hook", id))?;
    Ok(IssuedHookSecret { hook, secret })
}

/// Queues a test event to this hook alone; returns the delivery's id.
///
/// # Errors
/// `NotFound`, the store's error.
#[tracing::instrument(name = "ping hook", skip_all, fields(hook_id = %id))]
pub async fn ping_hook<S: HookAdmin>(
    store: &S,
    manager: &HookManager,
    id: Uuid,
) -> DomainResult<Uuid> {
    let hook = get_hook(store, manager, id).await?;
    let (organization_id, party_id) = match &hook.owner {
        HookOwner::Party {
            organization_id,
            party_id,
        } => (Some(*organization_id), Some(party_id.clone())),
        HookOwner::Environment => (None, None),
    };
    let event = NewHookEvent {
        topic: Topic::Ping,
        environment_id: hook.environment_id,
        organization_id,
        party_id,
        document_id: None,
        message: Topic::Ping.message(None),
        details: None,
        about_hook_id: Some(hook.id),
    };
    let audit = manager.audit(AuditAction::HookPinged, id, serde_json::json!({}));
    store.queue_single(id, event, audit).await
}

/// Queues a past delivery's event to its hook again (same event id); returns the new
/// delivery's id.
///
/// # Errors
/// `NotFound` (hook or delivery), the store's error.
#[tracing::instrument(name = "redeliver hook event", skip_all, fields(hook_id = %id, delivery_id = %delivery_id))]
pub async fn redeliver<S: HookAdmin>(
    store: &S,
    manager: &HookManager,
    id: Uuid,
    delivery_id: Uuid,
) -> DomainResult<Uuid> {
    get_hook(store, manager, id).await?;
    let audit = manager.audit(
        AuditAction::HookRedelivered,
        id,
        serde_json::json!({ "deliveryId": delivery_id }),
    );
    store
        .redeliver(id, delivery_id, audit)
        .await?
        .ok_or_else(|| DomainError::not_found("delivery", delivery_id))
}

/// One page of a hook's delivery log (every attempt), newest first.
///
/// # Errors
/// `NotFound`, `Validation` (page), the store's error.
#[tracing::instrument(name = "list hook deliveries", skip_all, fields(hook_id = %id))]
pub async fn list_deliveries<S: HookAdmin>(
    store: &S,
    manager: &HookManager,
    id: Uuid,
    page: &PageQuery,
) -> DomainResult<Page<Delivery>> {
    get_hook(store, manager, id).await?;
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = store.list_deliveries(id, &page).await?;
    Ok(page.page(rows, |d| (d.created_at, d.id)))
}
