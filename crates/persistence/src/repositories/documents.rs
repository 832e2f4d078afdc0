//! The document records on SQLite and PostgreSQL. Every public method that writes is one
//! transaction: the document or its status, its history lines, usage records and jobs.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound as _, Utc};
use haven_domain::peppol::document_types::accepted_document_types;
use haven_domain::{
    documents::{
        blobs::ContentHash,
        records::{
            Channel, Direction, Document, DocumentEvent, DocumentEventKind, DocumentFacts,
            DocumentKind, DocumentStatus, NewDocumentEvent, ResponseCode,
        },
        store::{
            Accepted, DocumentQuery, DocumentRecords, NewDocument, NewShareLink, NewUsage,
            PartyRecord, Received, SharedDocument, StatusChange,
        },
    },
    hooks::records::{NewHookEvent, Topic},
    jobs::NewJob,
    mail::OutgoingMail,
    organizations::records::OrgStatus,
    paging::PageRequest,
    DomainError, DomainResult,
};
use sea_orm::{
    sea_query::{Expr, Func, OnConflict},
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, FromQueryResult,
    JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait, TryIntoModel,
};
use uuid::Uuid;

use super::{
    accounts::queue_mail,
    commit, corrupt, db,
    evidence::{evidence_names, insert_evidence, mark_evidence_purged, purged_evidence_hashes},
    hooks,
    reporting::insert_exchange,
};
use crate::{
    entities::{
        document::{self, Column as D},
        document_event, document_link, organization, organization_identifier, usage_record,
    },
    jobs::enqueue,
    keyset::{keyset_page, Direction as Order},
    Database,
};

pub(super) fn to_document(m: document::Model) -> DomainResult<Document> {
    Ok(Document {
        id: m.id,
        environment_id: m.environment_id,
        organization_id: m.organization_id,
        direction: Direction::parse(&m.direction).ok_or_else(|| corrupt("document direction"))?,
        kind: DocumentKind::parse(&m.kind).ok_or_else(|| corrupt("document kind"))?,
        status: DocumentStatus::parse(&m.status).ok_or_else(|| corrupt("document status"))?,
        channel: m.channel.as_deref().and_then(Channel::parse),
        party_id: m.party_id,
        receiver_id: m.receiver_id,
        facts: DocumentFacts {
            number: m.number,
            issue_date: m.issue_date,
            due_date: m.due_date,
            currency: m.currency,
            payable_amount: m.payable_amount,
            total_amount: m.total_amount,
            profile: m.profile,
            syntax: m.syntax,
            seller_name: m.seller_name,
            seller_endpoint: m.seller_endpoint,
            buyer_name: m.buyer_name,
            buyer_endpoint: m.buyer_endpoint,
            buyer_legal_id: m.buyer_legal_id,
            buyer_vat_id: m.buyer_vat_id,
            buyer_email: m.buyer_email,
            buyer_reference: m.buyer_reference,
        },
        content_hash: ContentHash::parse(&m.content_hash)
            .ok_or_else(|| corrupt("document content hash"))?,
        content_type: m.content_type,
        size_bytes: u64::try_from(m.size_bytes).unwrap_or(0),
        idempotency_key: m.idempotency_key,
        duplicate_of: m.duplicate_of,
        related_id: m.related_id,
        response: m.response.as_deref().and_then(ResponseCode::parse),
        created_at: m.created_at,
        updated_at: m.updated_at,
        deleted_at: m.deleted_at,
        purged_at: m.purged_at,
    })
}

fn to_event(m: document_event::Model) -> DomainResult<DocumentEvent> {
    Ok(DocumentEvent {
        id: m.id,
        document_id: m.document_id,
        event: DocumentEventKind::parse(&m.event).ok_or_else(|| corrupt("document event"))?,
        status: DocumentStatus::parse(&m.status).ok_or_else(|| corrupt("document status"))?,
        channel: m.channel.as_deref().and_then(Channel::parse),
        details: m.details,
        attempt: m.attempt.and_then(|a| u32::try_from(a).ok()),
        actor_email: m.actor_email,
        created_at: m.created_at,
    })
}

pub(super) fn new_row(d: &NewDocument, now: DateTime<Utc>) -> document::ActiveModel {
    let f = &d.facts;
    // A handover key wins: an Invoice Response received from outside names the invoice it
    // answers (`related_id`), but each response is its own handover.
    let delivery_key = match (d.direction, d.related_id, &d.handover_key) {
        (Direction::Incoming, _, Some(key)) => Some(key.clone()),
        (Direction::Incoming, Some(source), None) => {
            Some(format!("{source}:{}", d.organization_id))
        }
        _ => None,
    };
    document::ActiveModel {
        id: Set(d.id),
        environment_id: Set(d.environment_id),
        organization_id: Set(d.organization_id),
        direction: Set(d.direction.as_str().to_owned()),
        kind: Set(d.kind.as_str().to_owned()),
        status: Set(d.status.as_str().to_owned()),
        channel: Set(d.channel.map(|c| c.as_str().to_owned())),
        party_id: Set(d.party_id.clone()),
        receiver_id: Set(d.receiver_id.clone()),
        number: Set(f.number.clone()),
        issue_date: Set(f.issue_date.clone()),
        due_date: Set(f.due_date.clone()),
        currency: Set(f.currency.clone()),
        payable_amount: Set(f.payable_amount.clone()),
        total_amount: Set(f.total_amount.clone()),
        profile: Set(f.profile.clone()),
        syntax: Set(f.syntax.clone()),
        seller_name: Set(f.seller_name.clone()),
        seller_endpoint: Set(f.seller_endpoint.clone()),
        buyer_name: Set(f.buyer_name.clone()),
        buyer_endpoint: Set(f.buyer_endpoint.clone()),
        buyer_legal_id: Set(f.buyer_legal_id.clone()),
        buyer_vat_id: Set(f.buyer_vat_id.clone()),
        buyer_email: Set(f.buyer_email.clone()),
        buyer_reference: Set(f.buyer_reference.clone()),
        content_hash: Set(d.content_hash.as_str().to_owned()),
        content_type: Set(d.content_type.clone()),
        size_bytes: Set(i64::try_from(d.size_bytes).unwrap_or(i64::MAX)),
        idempotency_key: Set(d.idempotency_key.clone()),
        delivery_key: Set(delivery_key),
        duplicate_of: Set(None),
        related_id: Set(d.related_id),
        response: Set(d.response.map(|r| r.as_str().to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        purged_at: Set(None),
    }
}

async fn insert_event<C: ConnectionTrait>(
    conn: &C,
    document_id: Uuid,
    status: DocumentStatus,
    event: NewDocumentEvent,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    document_event::Entity::insert(document_event::ActiveModel {
        id: Set(Uuid::new_v4()),
        document_id: Set(document_id),
        event: Set(event.event.as_str().to_owned()),
        status: Set(status.as_str().to_owned()),
        channel: Set(event.channel.map(|c| c.as_str().to_owned())),
        details: Set(event.details),
        attempt: Set(event.attempt.and_then(|a| i32::try_from(a).ok())),
        actor_email: Set(event.actor_email),
        created_at: Set(at),
    })
    .exec_without_returning(conn)
    .await
    .map_err(db("writing document history"))?;
    Ok(())
}

/// Several history lines of one document in one statement, a microsecond apart so that the
/// history keeps their order.
async fn insert_events<C: ConnectionTrait>(
    conn: &C,
    document_id: Uuid,
    status: DocumentStatus,
    events: Vec<NewDocumentEvent>,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    let rows = event_rows(document_id, status, events, at);
    if rows.is_empty() {
        return Ok(());
    }
    document_event::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await
        .map_err(db("writing document history"))?;
    Ok(())
}

/// The rows of a document's new history lines, a microsecond apart (see [`insert_events`]).
pub(super) fn event_rows(
    document_id: Uuid,
    status: DocumentStatus,
    events: Vec<NewDocumentEvent>,
    at: DateTime<Utc>,
) -> Vec<document_event::ActiveModel> {
    (0i64..)
        .zip(events)
        .map(|(step, event)| document_event::ActiveModel {
            id: Set(Uuid::new_v4()),
            document_id: Set(document_id),
            event: Set(event.event.as_str().to_owned()),
            status: Set(status.as_str().to_owned()),
            channel: Set(event.channel.map(|c| c.as_str().to_owned())),
            details: Set(event.details),
            attempt: Set(event.attempt.and_then(|a| i32::try_from(a).ok())),
            actor_email: Set(event.actor_email),
            created_at: Set(at + chrono::TimeDelta::microseconds(step)),
        })
        .collect()
}

async fn insert_usage<C: ConnectionTrait>(
    conn: &C,
    d: &NewDocument,
    usage: NewUsage,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    usage_record::Entity::insert(usage_row(d, usage, at))
        .exec_without_returning(conn)
        .await
        .map_err(db("writing a usage record"))?;
    Ok(())
}

pub(super) fn usage_row(
    d: &NewDocument,
    usage: NewUsage,
    at: DateTime<Utc>,
) -> usage_record::ActiveModel {
    usage_record::ActiveModel {
        id: Set(Uuid::new_v4()),
        environment_id: Set(d.environment_id),
        organization_id: Set(d.organization_id),
        document_id: Set(Some(d.id)),
        kind: Set(usage.kind.as_str().to_owned()),
        price: Set(usage.price),
        created_at: Set(at),
    }
}

async fn enqueue_all<C: ConnectionTrait>(conn: &C, jobs: Vec<NewJob>) -> DomainResult<()> {
    for job in jobs {
        enqueue(conn, job).await.map_err(db("enqueueing a job"))?;
    }
    Ok(())
}

/// What the "received" history line and hook event say about where a document came from.
pub(super) fn received_from(document: &NewDocument) -> Option<String> {
    match (
        document.facts.seller_name.as_deref(),
        &document.received_note,
    ) {
        (Some(seller), Some(note)) => Some(format!("From {seller}, {note}")),
        (Some(seller), None) => Some(format!("From {seller}")),
        (None, Some(note)) => Some(format!("Received {note}")),
        (None, None) => None,
    }
}

/// The "received" history line of a document.
fn received_line(document: &NewDocument) -> NewDocumentEvent {
    NewDocumentEvent {
        event: DocumentEventKind::Received,
        channel: document.channel,
        details: received_from(document),
        attempt: None,
        actor_email: None,
    }
}

/// The history lines of a received document, each with the status it is written under: its
/// receipt, and when it has a twin, its marking as a duplicate.
pub(super) fn received_lines(
    document: &NewDocument,
    twin: Option<Uuid>,
) -> Vec<(DocumentStatus, NewDocumentEvent)> {
    let mut lines = vec![(DocumentStatus::Received, received_line(document))];
    if let Some(twin) = twin {
        lines.push((
            DocumentStatus::Duplicate,
            NewDocumentEvent::new(DocumentEventKind::MarkedDuplicate).details(format!(
                "Same seller, number, issue date and total as document {twin}"
            )),
        ));
    }
    lines
}

/// The answer to a delivery stored before: for a handover (it has a key), the document stored
/// the first time; otherwise the original it came from.
pub(super) async fn already_there<C: ConnectionTrait>(
    conn: &C,
    document: &NewDocument,
) -> DomainResult<Received> {
    let first = match &document.handover_key {
        Some(key) => document::Entity::find()
            .select_only()
            .column(D::Id)
            .filter(D::DeliveryKey.eq(key.clone()))
            .into_tuple::<Uuid>()
            .one(conn)
            .await
            .map_err(db("finding the earlier handover"))?,
        None => None,
    };
    Ok(Received::AlreadyThere(
        first.or(document.related_id).unwrap_or(document.id),
    ))
}

/// An earlier document of the same organization and direction with the same seller, number,
/// issue date and total.
pub(super) async fn earlier_twin<C: ConnectionTrait>(
    conn: &C,
    d: &NewDocument,
) -> DomainResult<Option<Uuid>> {
    let f = &d.facts;
    let (Some(number), Some(issue_date)) = (&f.number, &f.issue_date) else {
        return Ok(None);
    };
    let mut select = document::Entity::find()
        .select_only()
        .column(D::Id)
        .filter(D::OrganizationId.eq(d.organization_id))
        .filter(D::Direction.eq(d.direction.as_str()))
        .filter(D::Number.eq(number.as_str()))
        .filter(D::IssueDate.eq(issue_date.as_str()))
        .filter(D::Id.ne(d.id));
    select = match &f.seller_endpoint {
        Some(seller) => select.filter(D::SellerEndpoint.eq(seller.as_str())),
        None => select.filter(D::SellerEndpoint.is_null()),
    };
    select = match &f.total_amount {
        Some(total) => select.filter(D::TotalAmount.eq(total.as_str())),
        None => select.filter(D::TotalAmount.is_null()),
    };
    select
        .limit(1)
        .into_tuple::<Uuid>()
        .one(conn)
        .await
        .map_err(db("looking for duplicates"))
}

/// The answer to a document that reused an idempotency key: the document that used it first.
pub(super) async fn original_of(
    db_pool: &Database,
    document: &NewDocument,
) -> DomainResult<Accepted> {
    let original_id = document::Entity::find()
        .select_only()
        .column(D::Id)
        .filter(D::OrganizationId.eq(document.organization_id))
        .filter(D::IdempotencyKey.eq(document.idempotency_key.clone()))
        .into_tuple::<Uuid>()
        .one(db_pool.conn())
        .await
        .map_err(db("finding the original document"))?
        .ok_or_else(|| corrupt("idempotency key without its document"))?;
    Ok(Accepted::Replayed { original_id })
}

async fn load<C: ConnectionTrait>(conn: &C, id: Uuid) -> DomainResult<Option<Document>> {
    document::Entity::find_by_id(id)
        .one(conn)
        .await
        .map_err(db("reading a document"))?
        .map(to_document)
        .transpose()
}

/// The documents of `ids` that exist, by id.
pub(super) async fn load_many<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<Uuid>,
) -> DomainResult<HashMap<Uuid, Document>> {
    document::Entity::find()
        .filter(D::Id.is_in(ids))
        .all(conn)
        .await
        .map_err(db("reading documents"))?
        .into_iter()
        .map(|m| to_document(m).map(|d| (d.id, d)))
        .collect()
}

/// The parties of `keys` (participant ids trimmed and in lower case) that exist, by key; each
/// with its organization, read in the same query.
pub(super) async fn find_parties<C: ConnectionTrait>(
    conn: &C,
    keys: Vec<String>,
) -> DomainResult<HashMap<String, PartyRecord>> {
    let owner = organization_identifier::Entity::belongs_to(organization::Entity)
        .from(organization_identifier::Column::OrganizationId)
        .to(organization::Column::Id)
        .into();
    let rows = organization_identifier::Entity::find()
        .join(JoinType::InnerJoin, owner)
        .select_also(organization::Entity)
        .filter(
            Expr::expr(Func::lower(Expr::col((
                organization_identifier::Entity,
                organization_identifier::Column::ParticipantId,
            ))))
            .is_in(keys),
        )
        .all(conn)
        .await
        .map_err(db("finding participants"))?;
    let mut found = HashMap::with_capacity(rows.len());
    for (identifier, org) in rows {
        let (Some(participant_id), Some(org)) = (identifier.participant_id, org) else {
            continue;
        };
        let party = PartyRecord {
            participant_id,
            organization_id: org.id,
            environment_id: org.environment_id,
            organization_name: org.statutory_name,
            organization_status: OrgStatus::parse(&org.status)
                .ok_or_else(|| corrupt("organization status"))?,
            send_enabled: identifier.send_enabled,
            receive_enabled: identifier.receive_enabled,
            document_types: accepted_document_types(
                org.peppol_document_types.as_deref(),
                &org.country,
            ),
            organization_country: org.country,
        };
        // The key as the query compared it: the stored id in lower case.
        found
            .entry(party.participant_id.to_lowercase())
            .or_insert(party);
    }
    Ok(found)
}

/// One party by its key (see [`find_parties`]).
async fn one_party<C: ConnectionTrait>(conn: &C, key: String) -> DomainResult<Option<PartyRecord>> {
    Ok(find_parties(conn, vec![key.clone()]).await?.remove(&key))
}

/// The hook event a history line raises, if any.
pub(super) fn hook_event_of(
    document: &Document,
    event: DocumentEventKind,
    details: Option<String>,
) -> Option<NewHookEvent> {
    let topic = Topic::of_document_event(document.direction, document.kind, event)?;
    Some(NewHookEvent {
        topic,
        environment_id: document.environment_id,
        organization_id: Some(document.organization_id),
        party_id: Some(document.party_id.clone()),
        document_id: Some(document.id),
        message: topic.message(document.facts.number.as_deref()),
        details,
        about_hook_id: None,
    })
}

/// Applies a status change inside `txn`; `None` when the document is not in `change.from`.
async fn apply_change(
    txn: &DatabaseTransaction,
    id: Uuid,
    change: StatusChange,
    now: DateTime<Utc>,
) -> DomainResult<Option<Document>> {
    let Some((document, hook_event)) = change_status(txn, id, change, now).await? else {
        return Ok(None);
    };
    if let Some(event) = hook_event {
        hooks::raise(txn, event, now).await?;
    }
    Ok(Some(document))
}

/// [`apply_change`] without raising its hook event, which it returns for the caller to raise
/// with the others of its transaction.
pub(super) async fn change_status(
    txn: &DatabaseTransaction,
    id: Uuid,
    change: StatusChange,
    now: DateTime<Utc>,
) -> DomainResult<Option<(Document, Option<NewHookEvent>)>> {
    let mut update = document::Entity::update_many()
        .col_expr(D::Status, Expr::value(change.to.as_str()))
        .col_expr(D::UpdatedAt, Expr::value(now))
        .filter(D::Id.eq(id));
    if let Some(channel) = change.channel {
        update = update.col_expr(D::Channel, Expr::value(channel.as_str()));
    }
    if let Some(receiver) = &change.receiver_id {
        update = update.col_expr(D::ReceiverId, Expr::value(receiver.clone()));
    }
    if let Some(response) = change.response {
        update = update.col_expr(D::Response, Expr::value(response.as_str()));
    }
    if change.event.event == DocumentEventKind::MarkedOriginal {
        update = update.col_expr(D::DuplicateOf, Expr::value(Option::<Uuid>::None));
    }
    if !change.from.is_empty() {
        update = update.filter(D::Status.is_in(change.from.iter().map(|s| s.as_str())));
    }
    // The changed row comes back with the update (both databases support RETURNING): one
    // statement less on every status change, deliveries above all.
    // (Built by hand: sea-orm's `exec_with_returning` is not enabled for SQLite.)
    let mut query = update.into_query();
    query.returning_all();
    let backend = txn.get_database_backend();
    let Some(row) = txn
        .query_one(backend.build(&query))
        .await
        .map_err(db("changing a document status"))?
    else {
        return Ok(None);
    };
    let document = document::Model::from_query_result(&row, "")
        .map_err(db("reading a changed document"))
        .and_then(to_document)?;
    let (kind, details) = (change.event.event, change.event.details.clone());
    insert_event(txn, id, change.to, change.event, now).await?;
    enqueue_all(txn, change.jobs).await?;
    if let Some(exchange) = change.exchange {
        insert_exchange(txn, exchange).await?;
    }
    if let Some(evidence) = change.evidence {
        insert_evidence(txn, evidence).await?;
    }
    let hook_event = hook_event_of(&document, kind, details);
    Ok(Some((document, hook_event)))
}

impl Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(document_id = %document.id))]
    pub(super) async fn store_incoming(
        &self,
        mut document: NewDocument,
        usage: NewUsage,
        outgoing_change: Option<StatusChange>,
    ) -> DomainResult<Received> {
        // Microseconds, as both databases keep them: the answer is built from the row written.
        let now = Utc::now().trunc_subsecs(6);
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        // The receiver may have stopped receiving since the lookup: check under the write.
        let still_receiving = organization_identifier::Entity::find()
            .filter(organization_identifier::Column::ParticipantId.eq(document.party_id.clone()))
            .filter(organization_identifier::Column::ReceiveEnabled.eq(true))
            .one(&txn)
            .await
            .map_err(db("checking the receiver"))?
            .is_some();
        if !still_receiving {
            txn.rollback().await.map_err(db("rolling back"))?;
            return Err(DomainError::not_found("party", &document.party_id));
        }
        let twin = earlier_twin(&txn, &document).await?;
        if twin.is_some() {
            document.status = DocumentStatus::Duplicate;
        }
        let mut row = new_row(&document, now);
        row.duplicate_of = Set(twin);
        let inserted = document::Entity::insert(row.clone())
            .on_conflict(OnConflict::column(D::DeliveryKey).do_nothing().to_owned())
            .exec_without_returning(&txn)
            .await
            .map_err(db("storing a received document"))?;
        if inserted == 0 {
            let first = already_there(&txn, &document).await?;
            txn.rollback().await.map_err(db("rolling back"))?;
            return Ok(first);
        }
        let from = received_from(&document);
        for (status, event) in received_lines(&document, twin) {
            insert_event(&txn, document.id, status, event, now).await?;
        }
        if twin.is_none() {
            // A duplicate is not counted as new for billing either.
            insert_usage(&txn, &document, usage, now).await?;
        }
        let mut hook_events = Vec::with_capacity(2);
        if let (Some(source), Some(change)) = (document.related_id, outgoing_change) {
            if let Some((_, event)) = change_status(&txn, source, change, now).await? {
                hook_events.extend(event);
            }
        }
        // Built from the row written, as the send does, instead of reading it back.
        let stored = row
            .try_into_model()
            .map_err(db("reading back a received document"))
            .and_then(to_document)?;
        hook_events.extend(hook_event_of(&stored, DocumentEventKind::Received, from));
        // The sender's and the receiver's events find their hooks in one query.
        hooks::raise_all(&txn, hook_events, now).await?;
        commit(txn).await?;
        Ok(Received::Stored(Box::new(stored)))
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(document_id = %document.id))]
    pub(super) async fn store_outgoing(
        &self,
        document: NewDocument,
        events: Vec<NewDocumentEvent>,
        usage: NewUsage,
        jobs: Vec<NewJob>,
        answering: Option<(Uuid, StatusChange)>,
    ) -> DomainResult<Accepted> {
        // Microseconds, as both databases keep them: the answer is built from the row written
        // instead of reading it back.
        let now = Utc::now().trunc_subsecs(6);
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        // Looked for before the insert, so the row is written with it (no second write).
        let twin = earlier_twin(&txn, &document).await?;
        let mut row = new_row(&document, now);
        row.duplicate_of = Set(twin);
        let inserted = document::Entity::insert(row.clone())
            .on_conflict(
                OnConflict::columns([D::OrganizationId, D::IdempotencyKey])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .map_err(db("storing a document"))?;
        if inserted == 0 {
            txn.rollback().await.map_err(db("rolling back"))?;
            return original_of(self, &document).await;
        }
        insert_events(&txn, document.id, document.status, events, now).await?;
        insert_usage(&txn, &document, usage, now).await?;
        enqueue_all(&txn, jobs).await?;
        if let Some((invoice_id, change)) = answering {
            apply_change(&txn, invoice_id, change, now).await?;
        }
        commit(txn).await?;
        let stored = row
            .try_into_model()
            .map_err(db("reading back a stored document"))
            .and_then(to_document)?;
        Ok(Accepted::Stored(Box::new(stored)))
    }
}

impl DocumentRecords for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn find_party(&self, participant_id: &str) -> DomainResult<Option<PartyRecord>> {
        let wanted = participant_id.trim().to_lowercase();
        let alone = one_party(self.conn(), wanted.clone());
        match self.batched_reads() {
            Some(reads) => reads.parties.get(wanted, alone).await,
            None => alone.await,
        }
    }

    async fn accept_outgoing(
        &self,
        document: NewDocument,
        events: Vec<NewDocumentEvent>,
        usage: NewUsage,
        jobs: Vec<NewJob>,
    ) -> DomainResult<Accepted> {
        match self.group_commit() {
            Some(group) => group.accept(self, document, events, usage, jobs).await,
            None => {
                self.store_outgoing(document, events, usage, jobs, None)
                    .await
            }
        }
    }

    async fn accept_response(
        &self,
        response: NewDocument,
        events: Vec<NewDocumentEvent>,
        usage: NewUsage,
        jobs: Vec<NewJob>,
        invoice_id: Uuid,
        invoice_change: StatusChange,
    ) -> DomainResult<Accepted> {
        self.store_outgoing(
            response,
            events,
            usage,
            jobs,
            Some((invoice_id, invoice_change)),
        )
        .await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(response_id = %response_id))]
    async fn deliver_response(
        &self,
        response_id: Uuid,
        response_change: StatusChange,
        invoice_id: Uuid,
        invoice_change: StatusChange,
    ) -> DomainResult<bool> {
        let now = Utc::now();
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        if apply_change(&txn, response_id, response_change, now)
            .await?
            .is_none()
        {
            txn.rollback().await.map_err(db("rolling back"))?;
            return Ok(false);
        }
        apply_change(&txn, invoice_id, invoice_change, now).await?;
        commit(txn).await?;
        Ok(true)
    }

    async fn accept_incoming(
        &self,
        document: NewDocument,
        usage: NewUsage,
        outgoing_change: Option<StatusChange>,
    ) -> DomainResult<Received> {
        match self.group_commit() {
            Some(group) => group.receive(self, document, usage, outgoing_change).await,
            None => self.store_incoming(document, usage, outgoing_change).await,
        }
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(document_id = %response.id))]
    async fn accept_received_response(
        &self,
        response: NewDocument,
        invoice_change: StatusChange,
    ) -> DomainResult<Received> {
        let now = Utc::now().trunc_subsecs(6);
        let (Some(invoice_id), Some(_)) = (response.related_id, &response.handover_key) else {
            return Err(DomainError::Unexpected(anyhow::anyhow!(
                "a received response needs the invoice it answers and a handover key"
            )));
        };
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let row = new_row(&response, now);
        let inserted = document::Entity::insert(row.clone())
            .on_conflict(OnConflict::column(D::DeliveryKey).do_nothing().to_owned())
            .exec_without_returning(&txn)
            .await
            .map_err(db("storing a received response"))?;
        if inserted == 0 {
            let first = already_there(&txn, &response).await?;
            txn.rollback().await.map_err(db("rolling back"))?;
            return Ok(first);
        }
        let received = received_line(&response);
        insert_event(&txn, response.id, response.status, received, now).await?;
        // The invoice's history line raises `InvoiceResponseReceived` in this transaction.
        if apply_change(&txn, invoice_id, invoice_change, now)
            .await?
            .is_none()
        {
            txn.rollback().await.map_err(db("rolling back"))?;
            return Err(DomainError::not_found("document", invoice_id));
        }
        let stored = row
            .try_into_model()
            .map_err(db("reading back a received response"))
            .and_then(to_document)?;
        commit(txn).await?;
        Ok(Received::Stored(Box::new(stored)))
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn sent_with_number(
        &self,
        organization_id: Uuid,
        number: &str,
    ) -> DomainResult<Vec<Document>> {
        document::Entity::find()
            .filter(D::OrganizationId.eq(organization_id))
            .filter(D::Direction.eq(Direction::Outgoing.as_str()))
            .filter(D::Kind.ne(DocumentKind::InvoiceResponse.as_str()))
            .filter(D::Number.eq(number))
            .order_by_desc(D::CreatedAt)
            .limit(20)
            .all(self.conn())
            .await
            .map_err(db("finding sent documents by number"))?
            .into_iter()
            .map(to_document)
            .collect()
    }

    async fn find_document(
        &self,
        environment_id: Uuid,
        id: Uuid,
    ) -> DomainResult<Option<Document>> {
        Ok(load(self.conn(), id)
            .await?
            .filter(|d| d.environment_id == environment_id))
    }

    async fn document_for_job(&self, id: Uuid) -> DomainResult<Option<Document>> {
        let alone = load(self.conn(), id);
        match self.batched_reads() {
            Some(reads) => reads.documents.get(id, alone).await,
            None => alone.await,
        }
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn list_documents(&self, query: &DocumentQuery) -> DomainResult<Vec<Document>> {
        let mut select = document::Entity::find()
            .filter(D::EnvironmentId.eq(query.environment_id))
            .filter(D::OrganizationId.is_in(query.organization_ids.clone()))
            .filter(D::Direction.eq(query.direction.as_str()))
            // Invoice responses show in the history of the invoice they answer.
            .filter(D::Kind.ne(DocumentKind::InvoiceResponse.as_str()))
            .filter(D::DeletedAt.is_null());
        if let Some(status) = query.status {
            select = select.filter(D::Status.eq(status.as_str()));
        }
        if let Some(channel) = query.channel {
            select = select.filter(D::Channel.eq(channel.as_str()));
        }
        if let Some(from) = query.from {
            select = select.filter(D::CreatedAt.gte(from));
        }
        if let Some(until) = query.until {
            select = select.filter(D::CreatedAt.lt(until));
        }
        if let Some(search) = &query.search {
            let pattern = format!(
                "%{}%",
                search
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            let like = |col: D| {
                Expr::expr(Func::lower(Expr::col(col)))
                    .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
            };
            let party = match query.direction {
                Direction::Outgoing => D::BuyerName,
                Direction::Incoming => D::SellerName,
            };
            select = select.filter(
                Condition::any()
                    .add(like(D::Number))
                    .add(like(party))
                    .add(D::PayableAmount.eq(search.clone()))
                    .add(D::TotalAmount.eq(search.clone())),
            );
        }
        keyset_page(
            select,
            D::CreatedAt,
            D::Id,
            query.page.before.as_ref(),
            Order::Descending,
            query.page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing documents"))?
        .into_iter()
        .map(to_document)
        .collect()
    }

    async fn list_events(
        &self,
        document_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<DocumentEvent>> {
        let select = document_event::Entity::find()
            .filter(document_event::Column::DocumentId.eq(document_id));
        keyset_page(
            select,
            document_event::Column::CreatedAt,
            document_event::Column::Id,
            page.before.as_ref(),
            Order::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing document history"))?
        .into_iter()
        .map(to_event)
        .collect()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(document_id = %id, to = change.to.as_str()))]
    async fn change_status(
        &self,
        id: Uuid,
        change: StatusChange,
    ) -> DomainResult<Option<Document>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let changed = apply_change(&txn, id, change, Utc::now()).await?;
        commit(txn).await?;
        Ok(changed)
    }

    async fn add_event(&self, id: Uuid, event: NewDocumentEvent) -> DomainResult<()> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let document = load(&txn, id)
            .await?
            .ok_or_else(|| DomainError::not_found("document", id))?;
        insert_event(&txn, id, document.status, event, Utc::now()).await?;
        commit(txn).await
    }

    async fn delete_document(&self, id: Uuid, event: NewDocumentEvent) -> DomainResult<()> {
        let now = Utc::now();
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let document = load(&txn, id)
            .await?
            .ok_or_else(|| DomainError::not_found("document", id))?;
        document::Entity::update_many()
            .col_expr(D::DeletedAt, Expr::value(now))
            .col_expr(D::UpdatedAt, Expr::value(now))
            .filter(D::Id.eq(id))
            .filter(D::DeletedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db("deleting a document"))?;
        insert_event(&txn, id, document.status, event, now).await?;
        commit(txn).await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"), fields(document_id = %id))]
    async fn deliver_by_email(
        &self,
        id: Uuid,
        link: NewShareLink,
        mail: OutgoingMail,
        change: StatusChange,
    ) -> DomainResult<Option<Document>> {
        let now = Utc::now();
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let Some(document) = apply_change(&txn, id, change, now).await? else {
            txn.rollback().await.map_err(db("rolling back"))?;
            return Ok(None);
        };
        document_link::Entity::insert(document_link::ActiveModel {
            token_hash: Set(link.token_hash),
            document_id: Set(link.document_id),
            expires_at: Set(link.expires_at),
            opened_at: Set(None),
            created_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(db("storing a document link"))?;
        queue_mail(&txn, &mail).await?;
        commit(txn).await?;
        Ok(Some(document))
    }

    async fn open_share_link(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<SharedDocument>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let Some(link) = document_link::Entity::find_by_id(token_hash.to_owned())
            .one(&txn)
            .await
            .map_err(db("reading a document link"))?
            .filter(|l| l.expires_at > now)
        else {
            txn.rollback().await.map_err(db("rolling back"))?;
            return Ok(None);
        };
        let first_open = document_link::Entity::update_many()
            .col_expr(document_link::Column::OpenedAt, Expr::value(now))
            .filter(document_link::Column::TokenHash.eq(token_hash))
            .filter(document_link::Column::OpenedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db("recording a link opening"))?
            .rows_affected
            == 1;
        let document = load(&txn, link.document_id)
            .await?
            .ok_or_else(|| corrupt("document link without its document"))?;
        commit(txn).await?;
        Ok(Some(SharedDocument {
            document,
            expires_at: link.expires_at,
            first_open,
        }))
    }
}

impl haven_domain::documents::usage::UsageRecords for Database {
    async fn usage_between(
        &self,
        environment_id: Uuid,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> DomainResult<Vec<haven_domain::documents::usage::UsageRecord>> {
        use haven_domain::documents::records::UsageKind;
        let rows = usage_record::Entity::find()
            .filter(usage_record::Column::EnvironmentId.eq(environment_id))
            .filter(usage_record::Column::CreatedAt.gte(from))
            .filter(usage_record::Column::CreatedAt.lt(until))
            .order_by_asc(usage_record::Column::CreatedAt)
            .all(self.conn())
            .await
            .map_err(db("reading usage"))?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.organization_id).collect();
        let names: std::collections::HashMap<Uuid, String> = organization::Entity::find()
            .filter(organization::Column::Id.is_in(ids))
            .all(self.conn())
            .await
            .map_err(db("reading organization names"))?
            .into_iter()
            .map(|o| (o.id, o.statutory_name))
            .collect();
        rows.into_iter()
            .map(|r| {
                Ok(haven_domain::documents::usage::UsageRecord {
                    organization_name: names.get(&r.organization_id).cloned().unwrap_or_default(),
                    organization_id: r.organization_id,
                    kind: UsageKind::parse(&r.kind).ok_or_else(|| corrupt("usage kind"))?,
                    price: r.price,
                    created_at: r.created_at,
                })
            })
            .collect()
    }
}

impl haven_domain::documents::retention::RetentionRecords for Database {
    async fn expired(
        &self,
        direction: Direction,
        status: Option<DocumentStatus>,
        before: DateTime<Utc>,
        limit: u64,
    ) -> DomainResult<Vec<Document>> {
        let mut select = document::Entity::find()
            .filter(D::Direction.eq(direction.as_str()))
            .filter(D::PurgedAt.is_null())
            .filter(D::CreatedAt.lt(before));
        if let Some(status) = status {
            select = select.filter(D::Status.eq(status.as_str()));
        }
        select
            .limit(limit)
            .all(self.conn())
            .await
            .map_err(db("finding expired documents"))?
            .into_iter()
            .map(to_document)
            .collect()
    }

    async fn mark_purged(&self, id: Uuid, event: NewDocumentEvent) -> DomainResult<bool> {
        let now = Utc::now();
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let marked = document::Entity::update_many()
            .col_expr(D::PurgedAt, Expr::value(now))
            .col_expr(D::UpdatedAt, Expr::value(now))
            .filter(D::Id.eq(id))
            .filter(D::PurgedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db("marking a document purged"))?
            .rows_affected
            == 1;
        if marked {
            let document = load(&txn, id)
                .await?
                .ok_or_else(|| corrupt("document vanished in its transaction"))?;
            insert_event(&txn, id, document.status, event, now).await?;
            // Before the evidence is marked: the received records are found through it.
            super::peppol_received::delete_received_of(&txn, id).await?;
            mark_evidence_purged(&txn, id, now).await?;
        }
        commit(txn).await?;
        Ok(marked)
    }

    async fn bytes_in_use(&self, hash: &ContentHash) -> DomainResult<bool> {
        Ok(document::Entity::find()
            .select_only()
            .column(D::Id)
            .filter(D::ContentHash.eq(hash.as_str()))
            .filter(D::PurgedAt.is_null())
            .limit(1)
            .into_tuple::<Uuid>()
            .one(self.conn())
            .await
            .map_err(db("checking whether bytes are in use"))?
            .is_some()
            || evidence_names(self.conn(), hash).await?
            || super::peppol_refusals::refusal_names(self.conn(), hash).await?)
    }

    async fn purged_evidence(&self, document_id: Uuid) -> DomainResult<Vec<ContentHash>> {
        purged_evidence_hashes(self.conn(), document_id).await
    }

    async fn expired_refusals(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> DomainResult<Vec<haven_domain::peppol::refusals::IncomingRefusal>> {
        super::peppol_refusals::expired_refusals(self.conn(), before, limit).await
    }

    async fn delete_refusal(&self, id: Uuid) -> DomainResult<bool> {
        super::peppol_refusals::delete_refusal(self.write_conn(), id).await
    }
}

impl haven_domain::documents::sharing::DocumentShares for Database {
    async fn share(
        &self,
        document_id: Uuid,
        user_id: Uuid,
        access: haven_domain::documents::sharing::ShareAccess,
        shared_by: &str,
        event: NewDocumentEvent,
    ) -> DomainResult<()> {
        use crate::entities::document_share;
        let now = Utc::now();
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let document = load(&txn, document_id)
            .await?
            .ok_or_else(|| DomainError::not_found("document", document_id))?;
        document_share::Entity::insert(document_share::ActiveModel {
            document_id: Set(document_id),
            user_id: Set(user_id),
            access: Set(access.as_str().to_owned()),
            shared_by: Set(shared_by.to_owned()),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                document_share::Column::DocumentId,
                document_share::Column::UserId,
            ])
            .update_columns([
                document_share::Column::Access,
                document_share::Column::SharedBy,
            ])
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .map_err(db("sharing a document"))?;
        insert_event(&txn, document_id, document.status, event, now).await?;
        commit(txn).await
    }

    async fn share_of(
        &self,
        document_id: Uuid,
        user_id: Uuid,
    ) -> DomainResult<Option<haven_domain::documents::sharing::SharedWithMe>> {
        use crate::entities::document_share;
        let Some(share) = document_share::Entity::find_by_id((document_id, user_id))
            .one(self.conn())
            .await
            .map_err(db("reading a share"))?
        else {
            return Ok(None);
        };
        let Some(document) = load(self.conn(), document_id).await? else {
            return Ok(None);
        };
        Ok(Some(to_shared(share, document)?))
    }

    async fn shared_with(
        &self,
        user_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<haven_domain::documents::sharing::SharedWithMe>> {
        use crate::entities::document_share;
        let select =
            document_share::Entity::find().filter(document_share::Column::UserId.eq(user_id));
        let shares = keyset_page(
            select,
            document_share::Column::CreatedAt,
            document_share::Column::DocumentId,
            page.before.as_ref(),
            Order::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing shares"))?;
        let mut out = Vec::with_capacity(shares.len());
        for share in shares {
            if let Some(document) = load(self.conn(), share.document_id).await? {
                if document.deleted_at.is_none() {
                    out.push(to_shared(share, document)?);
                }
            }
        }
        Ok(out)
    }
}

fn to_shared(
    share: crate::entities::document_share::Model,
    document: Document,
) -> DomainResult<haven_domain::documents::sharing::SharedWithMe> {
    Ok(haven_domain::documents::sharing::SharedWithMe {
        access: haven_domain::documents::sharing::ShareAccess::parse(&share.access)
            .ok_or_else(|| corrupt("share access"))?,
        shared_by: share.shared_by,
        shared_at: share.created_at,
        document,
    })
}
