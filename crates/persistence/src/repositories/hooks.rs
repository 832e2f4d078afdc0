//! Hooks, their outbox and deliveries on SQLite and PostgreSQL.
//!
//! [`raise`] is the outbox: the document store calls it inside the transaction of the change
//! that causes an event, so the event and its deliveries exist exactly when the change does.
//! Whatever makes a delivery pending locks the hook's row and queues a delivery job when the
//! hook has none (`drain_scheduled`); the job clears that flag under the same lock only when
//! nothing is pending. So a delivery can never be left without a job, and a hook never has two.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use haven_domain::{
    accounts::records::NewAuditEvent,
    hooks::{
        delivery::DrainJob,
        records::{
            AttemptRecord, Delivery, DeliveryAttempt, DeliveryStatus, Hook, HookChange, HookEvent,
            HookOwner, NewHook, NewHookEvent, SigningHook, Topic, TopicPattern,
        },
        store::{HookAdmin, HookDeliveries, HookEvents},
    },
    jobs::{JobKind, NewJob},
    mail::Language,
    paging::PageRequest,
    DomainResult,
};
use sea_orm::{
    sea_query::{Expr, Query},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{accounts::insert_audit_event, commit, corrupt, db};
use crate::{
    entities::{
        hook::{self, Column as H},
        hook_attempt,
        hook_delivery::{self, Column as HD},
        hook_event,
    },
    jobs::enqueue,
    keyset::{keyset_page, Direction},
    Database,
};

fn to_hook(m: &hook::Model) -> DomainResult<Hook> {
    let owner = match (m.organization_id, &m.party_id) {
        (Some(organization_id), Some(party_id)) => HookOwner::Party {
            organization_id,
            party_id: party_id.clone(),
        },
        (None, None) => HookOwner::Environment,
        _ => return Err(corrupt("hook owner")),
    };
    let topics = m
        .topics
        .split_whitespace()
        .map(|t| TopicPattern::parse(t).ok_or_else(|| corrupt("hook topic")))
        .collect::<DomainResult<Vec<_>>>()?;
    Ok(Hook {
        id: m.id,
        environment_id: m.environment_id,
        owner,
        target: m.target.clone(),
        topics,
        active: m.active,
        description: m.description.clone(),
        language: Language::parse(&m.language).unwrap_or_default(),
        previous_secret_until: m.previous_secret_until,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn joined(topics: &[TopicPattern]) -> String {
    topics
        .iter()
        .map(TopicPattern::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

fn to_event(m: &hook_event::Model) -> DomainResult<HookEvent> {
    Ok(HookEvent {
        id: m.id,
        topic: Topic::parse(&m.topic).ok_or_else(|| corrupt("hook event topic"))?,
        party_id: m.party_id.clone(),
        document_id: m.document_id,
        message: m.message.clone(),
        details: m.details.clone(),
        created_at: m.created_at,
    })
}

fn to_delivery(
    d: hook_delivery::Model,
    event: Option<hook_event::Model>,
    attempts: Vec<DeliveryAttempt>,
) -> DomainResult<Delivery> {
    let event = event.ok_or_else(|| corrupt("hook delivery without its event"))?;
    Ok(Delivery {
        id: d.id,
        hook_id: d.hook_id,
        event: to_event(&event)?,
        status: DeliveryStatus::parse(&d.status).ok_or_else(|| corrupt("delivery status"))?,
        attempts: u32::try_from(d.attempts).unwrap_or(0),
        next_attempt_at: d.next_attempt_at,
        redelivery_of: d.redelivery_of,
        created_at: d.created_at,
        attempt_log: attempts,
    })
}

fn to_attempt(m: hook_attempt::Model) -> DeliveryAttempt {
    DeliveryAttempt {
        id: m.id,
        attempt: u32::try_from(m.attempt).unwrap_or(0),
        at: m.at,
        status_code: m.status_code.and_then(|c| u16::try_from(c).ok()),
        duration_ms: u32::try_from(m.duration_ms).unwrap_or(0),
        error: m.error,
        request_body: m.request_body,
        response_body: m.response_body,
    }
}

fn pending_row(hook_id: Uuid, event_id: Uuid, at: DateTime<Utc>) -> hook_delivery::ActiveModel {
    hook_delivery::ActiveModel {
        id: Set(Uuid::new_v4()),
        hook_id: Set(hook_id),
        event_id: Set(event_id),
        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(None),
        redelivery_of: Set(None),
        created_at: Set(at),
        finished_at: Set(None),
    }
}

/// Ends a change of hook `id`: writes its audit event, reads the hook as changed, commits.
async fn finish_change(
    txn: DatabaseTransaction,
    id: Uuid,
    audit: NewAuditEvent,
) -> DomainResult<Option<Hook>> {
    insert_audit_event(&txn, audit).await?;
    let row = hook::Entity::find_by_id(id)
        .one(&txn)
        .await
        .map_err(db("reading a hook"))?;
    commit(txn).await?;
    row.as_ref().map(to_hook).transpose()
}

/// Makes sure each hook has a delivery job: locks the rows (in id order, so that writers
/// cannot deadlock one another) and queues a job for each that has none. Called before the
/// deliveries are written, in the same transaction (the job cannot start before the commit).
async fn schedule_drains<C: ConnectionTrait>(
    conn: &C,
    mut hook_ids: Vec<Uuid>,
) -> DomainResult<()> {
    if hook_ids.is_empty() {
        return Ok(());
    }
    hook_ids.sort_unstable();
    hook_ids.dedup();
    let idle: Vec<Uuid> = hook::Entity::find()
        .select_only()
        .column(H::Id)
        .column(H::DrainScheduled)
        .filter(H::Id.is_in(hook_ids))
        .order_by_asc(H::Id)
        .lock_exclusive()
        .into_tuple::<(Uuid, bool)>()
        .all(conn)
        .await
        .map_err(db("locking hooks"))?
        .into_iter()
        .filter_map(|(id, scheduled)| (!scheduled).then_some(id))
        .collect();
    if idle.is_empty() {
        return Ok(());
    }
    hook::Entity::update_many()
        .col_expr(H::DrainScheduled, Expr::value(true))
        .filter(H::Id.is_in(idle.clone()))
        .exec(conn)
        .await
        .map_err(db("marking hooks scheduled"))?;
    for hook_id in idle {
        enqueue(conn, drain_job(hook_id))
            .await
            .map_err(db("queueing a hook delivery job"))?;
    }
    Ok(())
}

fn drain_job(hook_id: Uuid) -> NewJob {
    NewJob::new(
        JobKind::DeliverHook,
        serde_json::to_value(DrainJob { hook_id }).unwrap_or_default(),
    )
}

async fn insert_event<C: ConnectionTrait>(
    conn: &C,
    event: NewHookEvent,
    at: DateTime<Utc>,
) -> DomainResult<Uuid> {
    let id = Uuid::new_v4();
    hook_event::Entity::insert(hook_event::ActiveModel {
        id: Set(id),
        environment_id: Set(event.environment_id),
        organization_id: Set(event.organization_id),
        party_id: Set(event.party_id),
        document_id: Set(event.document_id),
        topic: Set(event.topic.as_str().to_owned()),
        message: Set(event.message),
        details: Set(event.details),
        about_hook_id: Set(event.about_hook_id),
        created_at: Set(at),
    })
    .exec_without_returning(conn)
    .await
    .map_err(db("writing a hook event"))?;
    Ok(id)
}

/// The outbox: writes `event` with a pending delivery to every active hook that subscribed
/// to its topic (the party's hooks and the environment's), on `conn`, which is the
/// transaction of the change that causes it. Nothing is written when no hook wants it.
///
/// # Errors
/// The database's error, for the caller's transaction to roll back.
pub(crate) async fn raise<C: ConnectionTrait>(
    conn: &C,
    event: NewHookEvent,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    raise_all(conn, vec![event], at).await
}

/// [`raise`] for several events of one transaction (a delivery raises one for the sender and
/// one for the receiver): the hooks of all of them are found with one query.
///
/// # Errors
/// The database's error, for the caller's transaction to roll back.
pub(crate) async fn raise_all<C: ConnectionTrait>(
    conn: &C,
    events: Vec<NewHookEvent>,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let mut environments: Vec<Uuid> = events.iter().map(|e| e.environment_id).collect();
    environments.sort_unstable();
    environments.dedup();
    let mut organizations: Vec<Uuid> = events.iter().filter_map(|e| e.organization_id).collect();
    organizations.sort_unstable();
    organizations.dedup();
    let owners = Condition::any()
        .add(H::OrganizationId.is_null())
        .add(H::OrganizationId.is_in(organizations));
    let candidates: Vec<HookCandidate> = hook::Entity::find()
        .select_only()
        .column(H::Id)
        .column(H::EnvironmentId)
        .column(H::OrganizationId)
        .column(H::PartyId)
        .column(H::Topics)
        .filter(H::EnvironmentId.is_in(environments))
        .filter(H::Active.eq(true))
        .filter(owners)
        .into_tuple()
        .all(conn)
        .await
        .map_err(db("finding hooks for an event"))?;
    let mut deliveries = Vec::new();
    let mut woken: Vec<Uuid> = Vec::new();
    for event in events {
        let wanted: Vec<Uuid> = candidates
            .iter()
            .filter(|candidate| wants(candidate, &event))
            .map(|(id, ..)| *id)
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let event_id = insert_event(conn, event, at).await?;
        deliveries.extend(wanted.iter().map(|h| pending_row(*h, event_id, at)));
        woken.extend(wanted);
    }
    if deliveries.is_empty() {
        return Ok(());
    }
    hook_delivery::Entity::insert_many(deliveries)
        .exec_without_returning(conn)
        .await
        .map_err(db("writing hook deliveries"))?;
    woken.sort_unstable();
    woken.dedup();
    wake_idle_hooks(conn, woken).await
}

/// A hook as [`raise_all`] reads it: id, environment, organization, party and topics.
type HookCandidate = (Uuid, Uuid, Option<Uuid>, Option<String>, String);

/// Whether a hook gets an event: the event's environment; an environment hook, or the hook of
/// the event's organization and party; a topic it subscribed to; never its own HookSent*.
fn wants(
    (id, environment_id, organization_id, party, topics): &HookCandidate,
    event: &NewHookEvent,
) -> bool {
    *environment_id == event.environment_id
        && organization_id.is_none_or(|org| event.organization_id == Some(org))
        && Some(*id) != event.about_hook_id
        && party.as_deref().is_none_or(|p| {
            event
                .party_id
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(p))
        })
        && topics
            .split_whitespace()
            .filter_map(TopicPattern::parse)
            .any(|t| t.matches(event.topic))
}

/// Queues a delivery job for each of the hooks that has none, after their new deliveries were
/// written in this transaction. Every document event comes here, so it must not make
/// concurrent writers wait for each other: the hooks are read without a lock, and only an
/// idle hook (no job queued or running) is updated. That is safe because the deliveries'
/// foreign keys hold a key-share lock on each hook row until the commit, which the finishing
/// job's exclusive lock (`finish_draining`) waits for: either the job sees these deliveries
/// and goes on, or it ended before and this reads the hook as idle. The update of an idle
/// hook is conditional, so of two writers that both read it idle, one queues the job.
async fn wake_idle_hooks<C: ConnectionTrait>(
    conn: &C,
    mut hook_ids: Vec<Uuid>,
) -> DomainResult<()> {
    hook_ids.sort_unstable();
    hook_ids.dedup();
    let idle: Vec<Uuid> = hook::Entity::find()
        .select_only()
        .column(H::Id)
        .filter(H::Id.is_in(hook_ids))
        .filter(H::DrainScheduled.eq(false))
        .order_by_asc(H::Id)
        .into_tuple::<Uuid>()
        .all(conn)
        .await
        .map_err(db("reading hooks"))?;
    // One at a time in id order, so that writers cannot deadlock one another.
    for hook_id in idle {
        let marked = hook::Entity::update_many()
            .col_expr(H::DrainScheduled, Expr::value(true))
            .filter(H::Id.eq(hook_id))
            .filter(H::DrainScheduled.eq(false))
            .exec(conn)
            .await
            .map_err(db("marking a hook scheduled"))?
            .rows_affected;
        if marked == 1 {
            enqueue(conn, drain_job(hook_id))
                .await
                .map_err(db("queueing a hook delivery job"))?;
        }
    }
    Ok(())
}

async fn attempts_of<C: ConnectionTrait>(
    conn: &C,
    delivery_ids: Vec<Uuid>,
) -> DomainResult<HashMap<Uuid, Vec<DeliveryAttempt>>> {
    let mut by_delivery: HashMap<Uuid, Vec<DeliveryAttempt>> = HashMap::new();
    if delivery_ids.is_empty() {
        return Ok(by_delivery);
    }
    let rows = hook_attempt::Entity::find()
        .filter(hook_attempt::Column::DeliveryId.is_in(delivery_ids))
        .order_by_asc(hook_attempt::Column::Attempt)
        .all(conn)
        .await
        .map_err(db("reading delivery attempts"))?;
    for row in rows {
        by_delivery
            .entry(row.delivery_id)
            .or_default()
            .push(to_attempt(row));
    }
    Ok(by_delivery)
}

impl HookAdmin for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(hook_id = %new.id))]
    async fn create_hook(&self, new: NewHook, audit: NewAuditEvent) -> DomainResult<Hook> {
        let now = Utc::now();
        let (organization_id, party_id) = match &new.owner {
            HookOwner::Party {
                organization_id,
                party_id,
            } => (Some(*organization_id), Some(party_id.clone())),
            HookOwner::Environment => (None, None),
        };
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let row = hook::ActiveModel {
            id: Set(new.id),
            environment_id: Set(new.environment_id),
            organization_id: Set(organization_id),
            party_id: Set(party_id),
            target: Set(new.target),
            topics: Set(joined(&new.topics)),
            active: Set(new.active),
            description: Set(new.description),
            language: Set(new.language.code().to_owned()),
            secret_sealed: Set(new.secret_sealed),
            previous_secret_sealed: Set(None),
            previous_secret_until: Set(None),
            drain_scheduled: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(db("creating a hook"))?;
        insert_audit_event(&txn, audit).await?;
        commit(txn).await?;
        to_hook(&row)
    }

    async fn list_hooks(
        &self,
        environment_id: Uuid,
        owner: &HookOwner,
        page: &PageRequest,
    ) -> DomainResult<Vec<Hook>> {
        let select = hook::Entity::find().filter(H::EnvironmentId.eq(environment_id));
        let select = match owner {
            HookOwner::Party {
                organization_id,
                party_id,
            } => select
                .filter(H::OrganizationId.eq(*organization_id))
                .filter(H::PartyId.eq(party_id.clone())),
            HookOwner::Environment => select.filter(H::OrganizationId.is_null()),
        };
        keyset_page(
            select,
            H::CreatedAt,
            H::Id,
            page.before.as_ref(),
            Direction::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing hooks"))?
        .iter()
        .map(to_hook)
        .collect()
    }

    async fn find_hook(&self, environment_id: Uuid, id: Uuid) -> DomainResult<Option<Hook>> {
        hook::Entity::find_by_id(id)
            .filter(H::EnvironmentId.eq(environment_id))
            .one(self.conn())
            .await
            .map_err(db("reading a hook"))?
            .as_ref()
            .map(to_hook)
            .transpose()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(hook_id = %id))]
    async fn update_hook(
        &self,
        id: Uuid,
        change: HookChange,
        audit: NewAuditEvent,
    ) -> DomainResult<Option<Hook>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let mut update = hook::Entity::update_many()
            .col_expr(H::UpdatedAt, Expr::value(Utc::now()))
            .filter(H::Id.eq(id));
        if let Some(target) = change.target {
            update = update.col_expr(H::Target, Expr::value(target));
        }
        if let Some(topics) = &change.topics {
            update = update.col_expr(H::Topics, Expr::value(joined(topics)));
        }
        if let Some(active) = change.active {
            update = update.col_expr(H::Active, Expr::value(active));
        }
        if let Some(description) = change.description {
            update = update.col_expr(H::Description, Expr::value(description));
        }
        if let Some(language) = change.language {
            update = update.col_expr(H::Language, Expr::value(language.code()));
        }
        let changed = update
            .exec(&txn)
            .await
            .map_err(db("changing a hook"))?
            .rows_affected;
        if changed == 0 {
            txn.rollback().await.map_err(db("rolling back"))?;
            return Ok(None);
        }
        if change.active == Some(true) {
            // Deliveries that waited while the hook was off go out now.
            let waiting = hook_delivery::Entity::find()
                .filter(HD::HookId.eq(id))
                .filter(HD::Status.eq(DeliveryStatus::Pending.as_str()))
                .count(&txn)
                .await
                .map_err(db("counting pending deliveries"))?;
            if waiting > 0 {
                schedule_drains(&txn, vec![id]).await?;
            }
        }
        finish_change(txn, id, audit).await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(hook_id = %id))]
    async fn delete_hook(&self, id: Uuid, audit: NewAuditEvent) -> DomainResult<bool> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let deliveries: Vec<Uuid> = hook_delivery::Entity::find()
            .select_only()
            .column(HD::Id)
            .filter(HD::HookId.eq(id))
            .into_tuple()
            .all(&txn)
            .await
            .map_err(db("finding a hook's deliveries"))?;
        for chunk in deliveries.chunks(500) {
            hook_attempt::Entity::delete_many()
                .filter(hook_attempt::Column::DeliveryId.is_in(chunk.to_vec()))
                .exec(&txn)
                .await
                .map_err(db("removing delivery attempts"))?;
        }
        hook_delivery::Entity::delete_many()
            .filter(HD::HookId.eq(id))
            .exec(&txn)
            .await
            .map_err(db("removing deliveries"))?;
        let removed = hook::Entity::delete_by_id(id)
            .exec(&txn)
            .await
            .map_err(db("removing a hook"))?
            .rows_affected;
        if removed == 0 {
            txn.rollback().await.map_err(db("rolling back"))?;
            return Ok(false);
        }
        insert_audit_event(&txn, audit).await?;
        commit(txn).await?;
        Ok(true)
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(hook_id = %id))]
    async fn rotate_secret(
        &self,
        id: Uuid,
        secret_sealed: String,
        previous_until: Option<DateTime<Utc>>,
        audit: NewAuditEvent,
    ) -> DomainResult<Option<Hook>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        // SET reads the row as it was, so the current secret becomes the previous one.
        let previous = match previous_until {
            Some(_) => Expr::col(H::SecretSealed).into(),
            None => Expr::value(Option::<String>::None),
        };
        let changed = hook::Entity::update_many()
            .col_expr(H::PreviousSecretSealed, previous)
            .col_expr(H::PreviousSecretUntil, Expr::value(previous_until))
            .col_expr(H::SecretSealed, Expr::value(secret_sealed))
            .col_expr(H::UpdatedAt, Expr::value(Utc::now()))
            .filter(H::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(db("rotating a hook secret"))?
            .rows_affected;
        if changed == 0 {
            txn.rollback().await.map_err(db("rolling back"))?;
            return Ok(None);
        }
        finish_change(txn, id, audit).await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(hook_id = %hook_id))]
    async fn queue_single(
        &self,
        hook_id: Uuid,
        event: NewHookEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<Uuid> {
        let now = Utc::now();
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        schedule_drains(&txn, vec![hook_id]).await?;
        let event_id = insert_event(&txn, event, now).await?;
        let row = pending_row(hook_id, event_id, now);
        let id = row.id.clone().unwrap();
        hook_delivery::Entity::insert(row)
            .exec_without_returning(&txn)
            .await
            .map_err(db("writing a hook delivery"))?;
        insert_audit_event(&txn, audit).await?;
        commit(txn).await?;
        Ok(id)
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(hook_id = %hook_id))]
    async fn redeliver(
        &self,
        hook_id: Uuid,
        delivery_id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<Option<Uuid>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        schedule_drains(&txn, vec![hook_id]).await?;
        let Some(original) = hook_delivery::Entity::find_by_id(delivery_id)
            .filter(HD::HookId.eq(hook_id))
            .one(&txn)
            .await
            .map_err(db("reading a delivery"))?
        else {
            txn.rollback().await.map_err(db("rolling back"))?;
            return Ok(None);
        };
        let mut row = pending_row(hook_id, original.event_id, Utc::now());
        row.redelivery_of = Set(Some(original.id));
        let id = row.id.clone().unwrap();
        hook_delivery::Entity::insert(row)
            .exec_without_returning(&txn)
            .await
            .map_err(db("writing a hook delivery"))?;
        insert_audit_event(&txn, audit).await?;
        commit(txn).await?;
        Ok(Some(id))
    }

    async fn list_deliveries(
        &self,
        hook_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<Delivery>> {
        let rows = keyset_page(
            hook_delivery::Entity::find().filter(HD::HookId.eq(hook_id)),
            HD::CreatedAt,
            HD::Id,
            page.before.as_ref(),
            Direction::Descending,
            page.fetch(),
        )
        .find_also_related(hook_event::Entity)
        .all(self.conn())
        .await
        .map_err(db("listing deliveries"))?;
        let mut attempts =
            attempts_of(self.conn(), rows.iter().map(|(d, _)| d.id).collect()).await?;
        rows.into_iter()
            .map(|(d, e)| {
                let log = attempts.remove(&d.id).unwrap_or_default();
                to_delivery(d, e, log)
            })
            .collect()
    }
}

impl HookDeliveries for Database {
    async fn signing_hook(&self, id: Uuid) -> DomainResult<Option<SigningHook>> {
        let Some(row) = hook::Entity::find_by_id(id)
            .one(self.conn())
            .await
            .map_err(db("reading a hook"))?
        else {
            return Ok(None);
        };
        Ok(Some(SigningHook {
            hook: to_hook(&row)?,
            secret_sealed: row.secret_sealed,
            previous_secret_sealed: row.previous_secret_sealed,
        }))
    }

    async fn next_pending(&self, hook_id: Uuid, limit: u32) -> DomainResult<Vec<Delivery>> {
        hook_delivery::Entity::find()
            .filter(HD::HookId.eq(hook_id))
            .filter(HD::Status.eq(DeliveryStatus::Pending.as_str()))
            .order_by_asc(HD::CreatedAt)
            .order_by_asc(HD::Id)
            .find_also_related(hook_event::Entity)
            .limit(u64::from(limit))
            .all(self.conn())
            .await
            .map_err(db("finding the next deliveries"))?
            .into_iter()
            .map(|(d, e)| to_delivery(d, e, Vec::new()))
            .collect()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(attempts = records.len()))]
    async fn record_attempts(&self, records: Vec<AttemptRecord>) -> DomainResult<()> {
        if records.is_empty() {
            return Ok(());
        }
        let now = Utc::now();
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let attempts: Vec<hook_attempt::ActiveModel> = records
            .iter()
            .map(|record| hook_attempt::ActiveModel {
                id: Set(Uuid::new_v4()),
                delivery_id: Set(record.delivery_id),
                attempt: Set(i32::try_from(record.attempt).unwrap_or(i32::MAX)),
                at: Set(record.at),
                status_code: Set(record.status_code.map(i32::from)),
                duration_ms: Set(i32::try_from(record.duration_ms).unwrap_or(i32::MAX)),
                error: Set(record.error.clone()),
                request_body: Set(record.request_body.clone()),
                response_body: Set(record.response_body.clone()),
            })
            .collect();
        hook_attempt::Entity::insert_many(attempts)
            .exec_without_returning(&txn)
            .await
            .map_err(db("writing delivery attempts"))?;
        // Deliveries that came to the same state (usually: delivered at the first attempt)
        // are updated together.
        let mut states: Vec<(StateChange, Vec<Uuid>)> = Vec::new();
        for record in &records {
            let state = StateChange {
                status: record.status,
                attempt: record.attempt,
                next_attempt_at: record.next_attempt_at,
            };
            match states.iter_mut().find(|(s, _)| *s == state) {
                Some((_, ids)) => ids.push(record.delivery_id),
                None => states.push((state, vec![record.delivery_id])),
            }
        }
        for (state, ids) in states {
            let finished = (state.status != DeliveryStatus::Pending).then_some(now);
            hook_delivery::Entity::update_many()
                .col_expr(HD::Status, Expr::value(state.status.as_str()))
                .col_expr(
                    HD::Attempts,
                    Expr::value(i32::try_from(state.attempt).unwrap_or(i32::MAX)),
                )
                .col_expr(HD::NextAttemptAt, Expr::value(state.next_attempt_at))
                .col_expr(HD::FinishedAt, Expr::value(finished))
                .filter(HD::Id.is_in(ids))
                .exec(&txn)
                .await
                .map_err(db("recording deliveries"))?;
        }
        for record in records {
            if let Some(event) = record.raise {
                raise(&txn, event, now).await?;
            }
        }
        commit(txn).await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(hook_id = %hook_id))]
    async fn finish_draining(&self, hook_id: Uuid) -> DomainResult<bool> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        // Taken before the look at the deliveries: a writer that made one pending either
        // committed before (we see it) or waits and then finds the flag cleared (it queues).
        let Some(row) = hook::Entity::find_by_id(hook_id)
            .lock_exclusive()
            .one(&txn)
            .await
            .map_err(db("locking a hook"))?
        else {
            txn.rollback().await.map_err(db("rolling back"))?;
            return Ok(true);
        };
        if row.active {
            let pending = hook_delivery::Entity::find()
                .filter(HD::HookId.eq(hook_id))
                .filter(HD::Status.eq(DeliveryStatus::Pending.as_str()))
                .count(&txn)
                .await
                .map_err(db("counting pending deliveries"))?;
            if pending > 0 {
                txn.rollback().await.map_err(db("rolling back"))?;
                return Ok(false);
            }
        }
        hook::Entity::update_many()
            .col_expr(H::DrainScheduled, Expr::value(false))
            .filter(H::Id.eq(hook_id))
            .exec(&txn)
            .await
            .map_err(db("ending a hook's delivery job"))?;
        commit(txn).await?;
        Ok(true)
    }

    async fn continue_draining(
        &self,
        hook_id: Uuid,
        at: DateTime<Utc>,
        key: String,
    ) -> DomainResult<()> {
        enqueue(
            self.write_conn(),
            drain_job(hook_id).run_at(at).idempotency_key(key),
        )
        .await
        .map_err(db("queueing a hook delivery job"))?;
        Ok(())
    }

    async fn mail_attempts_since(
        &self,
        environment_id: Uuid,
        since: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<DateTime<Utc>>> {
        let mail_hooks = Query::select()
            .column(H::Id)
            .from(hook::Entity)
            .and_where(H::EnvironmentId.eq(environment_id))
            .and_where(H::Target.like("mailto:%"))
            .to_owned();
        let deliveries = Query::select()
            .column(HD::Id)
            .from(hook_delivery::Entity)
            .and_where(HD::HookId.in_subquery(mail_hooks))
            .to_owned();
        let times = hook_attempt::Entity::find()
            .select_only()
            .column(hook_attempt::Column::At)
            .filter(hook_attempt::Column::At.gte(since))
            .filter(hook_attempt::Column::DeliveryId.in_subquery(deliveries))
            .order_by_desc(hook_attempt::Column::At)
            .limit(u64::from(limit))
            .into_tuple::<DateTime<Utc>>()
            .all(self.conn())
            .await
            .map_err(db("counting mail hook messages"))?;
        Ok(times)
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn purge_deliveries(&self, before: DateTime<Utc>) -> DomainResult<u64> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let old = Query::select()
            .column(HD::Id)
            .from(hook_delivery::Entity)
            .and_where(HD::CreatedAt.lt(before))
            .and_where(HD::Status.ne(DeliveryStatus::Pending.as_str()))
            .to_owned();
        hook_attempt::Entity::delete_many()
            .filter(hook_attempt::Column::DeliveryId.in_subquery(old))
            .exec(&txn)
            .await
            .map_err(db("removing old delivery attempts"))?;
        let removed = hook_delivery::Entity::delete_many()
            .filter(HD::CreatedAt.lt(before))
            .filter(HD::Status.ne(DeliveryStatus::Pending.as_str()))
            .exec(&txn)
            .await
            .map_err(db("removing old deliveries"))?
            .rows_affected;
        let referenced = Query::select()
            .column(HD::EventId)
            .from(hook_delivery::Entity)
            .to_owned();
        hook_event::Entity::delete_many()
            .filter(hook_event::Column::CreatedAt.lt(before))
            .filter(hook_event::Column::Id.not_in_subquery(referenced))
            .exec(&txn)
            .await
            .map_err(db("removing old hook events"))?;
        commit(txn).await?;
        Ok(removed)
    }
}

/// The state a recorded attempt leaves its delivery in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct StateChange {
    status: DeliveryStatus,
    attempt: u32,
    next_attempt_at: Option<DateTime<Utc>>,
}

impl HookEvents for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(topic = event.topic.as_str()))]
    async fn raise_event(&self, event: NewHookEvent) -> DomainResult<()> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        raise(&txn, event, Utc::now()).await?;
        commit(txn).await
    }
}
