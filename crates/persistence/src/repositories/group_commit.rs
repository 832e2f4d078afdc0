//! Group commit of documents: sends that arrive while another batch is being written are
//! stored together in the next transaction, with one statement per table and one commit (one
//! wait for the disk) for all of them, instead of seven round trips and a commit each; and so
//! are the received copies that concurrent delivery jobs store.
//!
//! Each caller still gets its own answer only after the commit that holds its document, so
//! an accepted document is as durable as before. A batch that fails as a whole (a constraint
//! one of its documents breaks, say) is written again one document at a time, so that only the
//! document at fault fails.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
};

use chrono::{SubsecRound as _, Utc};
use haven_domain::{
    documents::{
        records::{DocumentEventKind, DocumentStatus, NewDocumentEvent},
        store::{Accepted, NewDocument, NewUsage, Received, StatusChange},
    },
    jobs::{NewJob, Outcome},
    DomainError, DomainResult,
};
use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect, TryIntoModel,
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::{
    commit, db,
    documents::{
        already_there, change_status, earlier_twin, event_rows, hook_event_of, new_row,
        original_of, received_from, received_lines, to_document, usage_row,
    },
    hooks,
};
use crate::{
    entities::{
        document::{self, Column as D},
        document_event, organization_identifier, usage_record,
    },
    error::map_db_err,
    jobs::{enqueue_many, record_successes},
    Database,
};

/// A call waiting for its batch: what one writer task stores.
trait Batched: Sized + Send + 'static {
    type Answer: Send;

    fn reply(self, answer: DomainResult<Self::Answer>);

    /// Stores this one alone, in its own transaction, and answers.
    fn store_alone(self, db: &Database) -> impl Future<Output = ()> + Send;

    /// Stores the batch in one transaction; the answers are in the batch's order.
    fn store_together(
        db: &Database,
        batch: &[Self],
    ) -> impl Future<Output = DomainResult<Vec<DomainResult<Self::Answer>>>> + Send;
}

/// One `accept_outgoing` call waiting for its batch.
struct Pending {
    document: NewDocument,
    events: Vec<NewDocumentEvent>,
    usage: NewUsage,
    jobs: Vec<NewJob>,
    reply: oneshot::Sender<DomainResult<Accepted>>,
}

impl Batched for Pending {
    type Answer = Accepted;

    fn reply(self, answer: DomainResult<Accepted>) {
        let _ = self.reply.send(answer);
    }

    async fn store_alone(self, db: &Database) {
        let stored = db
            .store_outgoing(self.document, self.events, self.usage, self.jobs, None)
            .await;
        let _ = self.reply.send(stored);
    }

    fn store_together(
        db: &Database,
        batch: &[Self],
    ) -> impl Future<Output = DomainResult<Vec<DomainResult<Accepted>>>> + Send {
        store_batch(db, batch)
    }
}

/// One `accept_incoming` call (a delivery job storing the receiver's copy) waiting for its
/// batch.
struct PendingIncoming {
    document: NewDocument,
    usage: NewUsage,
    outgoing_change: Option<StatusChange>,
    reply: oneshot::Sender<DomainResult<Received>>,
}

impl Batched for PendingIncoming {
    type Answer = Received;

    fn reply(self, answer: DomainResult<Received>) {
        let _ = self.reply.send(answer);
    }

    async fn store_alone(self, db: &Database) {
        let stored = db
            .store_incoming(self.document, self.usage, self.outgoing_change)
            .await;
        let _ = self.reply.send(stored);
    }

    fn store_together(
        db: &Database,
        batch: &[Self],
    ) -> impl Future<Output = DomainResult<Vec<DomainResult<Received>>>> + Send {
        store_incoming_batch(db, batch)
    }
}

/// One job's success waiting for its batch: the claim (id and attempt) to close.
struct PendingSuccess {
    claim: (Uuid, u32),
    reply: oneshot::Sender<DomainResult<Outcome>>,
}

impl Batched for PendingSuccess {
    type Answer = Outcome;

    fn reply(self, answer: DomainResult<Outcome>) {
        let _ = self.reply.send(answer);
    }

    async fn store_alone(self, db: &Database) {
        let recorded = record_successes(db.write_conn(), Utc::now(), &[self.claim])
            .await
            .map(|mut outcomes| outcomes.pop().unwrap_or(Outcome::Stale))
            .map_err(|e| map_db_err(e, "recording a job's outcome"));
        let _ = self.reply.send(recorded);
    }

    async fn store_together(
        db: &Database,
        batch: &[Self],
    ) -> DomainResult<Vec<DomainResult<Outcome>>> {
        let claims: Vec<(Uuid, u32)> = batch.iter().map(|p| p.claim).collect();
        // One statement: atomic on its own, no transaction needed.
        let outcomes = record_successes(db.write_conn(), Utc::now(), &claims)
            .await
            .map_err(|e| map_db_err(e, "recording jobs' outcomes"))?;
        Ok(outcomes.into_iter().map(Ok).collect())
    }
}

/// The way into the writer tasks of a pool (see [`Database::with_group_commit`]).
#[derive(Clone)]
pub struct GroupCommit {
    outgoing: mpsc::Sender<Pending>,
    incoming: mpsc::Sender<PendingIncoming>,
    succeeded: mpsc::Sender<PendingSuccess>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

/// Hands `pending` to its writer and waits for the answer; writes it here when the writer is
/// gone (the runtime is shutting down).
async fn through<P: Batched>(
    writer: &mpsc::Sender<P>,
    db: &Database,
    pending: P,
    answer: oneshot::Receiver<DomainResult<P::Answer>>,
) -> DomainResult<P::Answer> {
    if let Err(mpsc::error::SendError(pending)) = writer.send(pending).await {
        pending.store_alone(db).await;
    }
    answer.await.unwrap_or_else(|_| {
        Err(DomainError::Unexpected(anyhow::anyhow!(
            "the document writer stopped before storing the document"
        )))
    })
}

impl GroupCommit {
    /// Stores the document in the next batch and answers when that batch is committed.
    pub(super) async fn accept(
        &self,
        db: &Database,
        document: NewDocument,
        events: Vec<NewDocumentEvent>,
        usage: NewUsage,
        jobs: Vec<NewJob>,
    ) -> DomainResult<Accepted> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            document,
            events,
            usage,
            jobs,
            reply,
        };
        through(&self.outgoing, db, pending, answer).await
    }

    /// Stores the received copy in the next batch of received ones and answers when that
    /// batch is committed.
    pub(super) async fn receive(
        &self,
        db: &Database,
        document: NewDocument,
        usage: NewUsage,
        outgoing_change: Option<StatusChange>,
    ) -> DomainResult<Received> {
        let (reply, answer) = oneshot::channel();
        let pending = PendingIncoming {
            document,
            usage,
            outgoing_change,
            reply,
        };
        through(&self.incoming, db, pending, answer).await
    }

    /// Records the success of the job claimed as attempt `attempt` in the next batch of
    /// successes and answers when that batch is written: `Stale` when the claim had ended.
    pub(crate) async fn succeed(
        &self,
        db: &Database,
        id: Uuid,
        attempt: u32,
    ) -> DomainResult<Outcome> {
        let (reply, answer) = oneshot::channel();
        let pending = PendingSuccess {
            claim: (id, attempt),
            reply,
        };
        through(&self.succeeded, db, pending, answer).await
    }
}

impl Database {
    /// Writes this pool's concurrent `accept_outgoing` calls in shared transactions of up to
    /// `most` documents, its concurrent `accept_incoming` calls and job successes likewise,
    /// and reads its concurrent party and delivery-document look-ups together, each on a
    /// task of the current tokio runtime. The tasks end when the last clone of the returned pool is
    /// dropped.
    #[must_use]
    pub fn with_group_commit(mut self, most: usize) -> Self {
        let most = most.max(1);
        // The writers' own pool has no group commit: it writes.
        let mut writer = self.clone();
        writer.outgoing = None;
        writer.reads = None;
        self.reads = Some(super::BatchedReads::spawn(&writer, most));
        let (outgoing, waiting) = mpsc::channel(most * 4);
        tokio::spawn(write_batches::<Pending>(writer.clone(), waiting, most));
        let (incoming, waiting) = mpsc::channel(most * 4);
        tokio::spawn(write_batches::<PendingIncoming>(
            writer.clone(),
            waiting,
            most,
        ));
        let (succeeded, waiting) = mpsc::channel(most * 4);
        tokio::spawn(write_batches::<PendingSuccess>(writer, waiting, most));
        self.outgoing = Some(GroupCommit {
            outgoing,
            incoming,
            succeeded,
        });
        self
    }

    pub(crate) fn group_commit(&self) -> Option<&GroupCommit> {
        self.outgoing.as_ref()
    }

    pub(crate) fn batched_reads(&self) -> Option<&super::BatchedReads> {
        self.reads.as_ref()
    }
}

async fn write_batches<P: Batched>(db: Database, mut waiting: mpsc::Receiver<P>, most: usize) {
    let mut batch = Vec::with_capacity(most);
    while waiting.recv_many(&mut batch, most).await > 0 {
        let pending = std::mem::take(&mut batch);
        if pending.len() == 1 {
            for one in pending {
                one.store_alone(&db).await;
            }
            continue;
        }
        match P::store_together(&db, &pending).await {
            Ok(answers) => {
                for (one, answer) in pending.into_iter().zip(answers) {
                    one.reply(answer);
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, documents = pending.len(), "a batch of documents could not be stored together; storing them one by one");
                for one in pending {
                    one.store_alone(&db).await;
                }
            }
        }
    }
}

/// What makes two documents twins (possible duplicates): see `earlier_twin`.
type TwinKey = (
    Uuid,
    &'static str,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn twin_key(d: &NewDocument) -> Option<TwinKey> {
    let f = &d.facts;
    Some((
        d.organization_id,
        d.direction.as_str(),
        f.number.clone()?,
        f.issue_date.clone()?,
        f.seller_endpoint.clone(),
        f.total_amount.clone(),
    ))
}

/// The twins of a batch's documents: a document's twin is an earlier stored one, or else the
/// first of its kind in this batch.
#[derive(Default)]
struct Twins(HashMap<TwinKey, Uuid>);

impl Twins {
    async fn of(
        &mut self,
        txn: &DatabaseTransaction,
        document: &NewDocument,
    ) -> DomainResult<Option<Uuid>> {
        let Some(key) = twin_key(document) else {
            return Ok(None);
        };
        if let Some(first) = self.0.get(&key) {
            return Ok(Some(*first));
        }
        let earlier = earlier_twin(txn, document).await?;
        self.0.insert(key, earlier.unwrap_or(document.id));
        Ok(earlier)
    }
}

/// Stores every document of the batch that is not a replay of an idempotency key, with its
/// history, usage and jobs, in one transaction; the answers are in the batch's order.
#[tracing::instrument(name = "store outgoing batch", skip_all, fields(documents = batch.len()))]
async fn store_batch(
    pool: &Database,
    batch: &[Pending],
) -> DomainResult<Vec<DomainResult<Accepted>>> {
    let now = Utc::now().trunc_subsecs(6);
    let txn = pool
        .begin_write()
        .await
        .map_err(db("starting a transaction"))?;
    let mut twins = Twins::default();
    let mut rows = Vec::with_capacity(batch.len());
    for pending in batch {
        let document = &pending.document;
        let twin = twins.of(&txn, document).await?;
        let mut row = new_row(document, now);
        row.duplicate_of = Set(twin);
        rows.push(row);
    }
    let inserted = document::Entity::insert_many(rows.clone())
        .on_conflict(
            OnConflict::columns([D::OrganizationId, D::IdempotencyKey])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .map_err(db("storing documents"))?;
    // Those left out reused an idempotency key: their sender gets the original.
    let stored: HashSet<Uuid> = if usize::try_from(inserted).ok() == Some(batch.len()) {
        batch.iter().map(|p| p.document.id).collect()
    } else {
        document::Entity::find()
            .select_only()
            .column(D::Id)
            .filter(D::Id.is_in(batch.iter().map(|p| p.document.id)))
            .into_tuple::<Uuid>()
            .all(&txn)
            .await
            .map_err(db("reading back stored documents"))?
            .into_iter()
            .collect()
    };
    let mut events = Vec::new();
    let mut usage = Vec::new();
    let mut jobs = Vec::new();
    for pending in batch.iter().filter(|p| stored.contains(&p.document.id)) {
        let document = &pending.document;
        events.extend(event_rows(
            document.id,
            document.status,
            pending.events.clone(),
            now,
        ));
        usage.push(usage_row(document, pending.usage.clone(), now));
        jobs.extend(pending.jobs.iter().cloned());
    }
    if !events.is_empty() {
        document_event::Entity::insert_many(events)
            .exec_without_returning(&txn)
            .await
            .map_err(db("writing document history"))?;
    }
    if !usage.is_empty() {
        usage_record::Entity::insert_many(usage)
            .exec_without_returning(&txn)
            .await
            .map_err(db("writing usage records"))?;
    }
    enqueue_many(&txn, &jobs)
        .await
        .map_err(db("enqueueing jobs"))?;
    commit(txn).await?;

    // Committed: from here on an error is the one document's, never the batch's (a batch
    // written again would store its documents twice).
    let mut answers = Vec::with_capacity(batch.len());
    for (pending, row) in batch.iter().zip(rows) {
        let document = &pending.document;
        let answer = if stored.contains(&document.id) {
            row.try_into_model()
                .map_err(db("reading back a stored document"))
                .and_then(to_document)
                .map(|model| Accepted::Stored(Box::new(model)))
        } else {
            original_of(pool, document).await
        };
        answers.push(answer);
    }
    Ok(answers)
}

/// Stores the received copies of the batch whose receiver still receives and that were not
/// stored before, each with its history and usage, the sender's status change and the hook
/// events of both, in one transaction; the answers are in the batch's order.
#[tracing::instrument(name = "store incoming batch", skip_all, fields(documents = batch.len()))]
async fn store_incoming_batch(
    pool: &Database,
    batch: &[PendingIncoming],
) -> DomainResult<Vec<DomainResult<Received>>> {
    let now = Utc::now().trunc_subsecs(6);
    let txn = pool
        .begin_write()
        .await
        .map_err(db("starting a transaction"))?;
    // A receiver may have stopped receiving since the lookup: checked under the write.
    let receiving: HashSet<String> = organization_identifier::Entity::find()
        .select_only()
        .column(organization_identifier::Column::ParticipantId)
        .filter(
            organization_identifier::Column::ParticipantId
                .is_in(batch.iter().map(|p| p.document.party_id.clone())),
        )
        .filter(organization_identifier::Column::ReceiveEnabled.eq(true))
        .into_tuple::<String>()
        .all(&txn)
        .await
        .map_err(db("checking the receivers"))?
        .into_iter()
        .collect();
    let mut twins = Twins::default();
    let mut writing = Vec::with_capacity(batch.len());
    for (index, pending) in batch.iter().enumerate() {
        if !receiving.contains(&pending.document.party_id) {
            continue;
        }
        let mut document = pending.document.clone();
        let twin = twins.of(&txn, &document).await?;
        if twin.is_some() {
            document.status = DocumentStatus::Duplicate;
        }
        let mut row = new_row(&document, now);
        row.duplicate_of = Set(twin);
        writing.push((index, document, twin, row));
    }
    let stored = insert_received(&txn, &writing).await?;

    let mut events = Vec::new();
    let mut usage = Vec::new();
    let mut hook_events = Vec::new();
    let mut received = HashMap::with_capacity(stored.len());
    for (index, document, twin, row) in &writing {
        if !stored.contains(&document.id) {
            continue;
        }
        for (status, event) in received_lines(document, *twin) {
            events.extend(event_rows(document.id, status, vec![event], now));
        }
        if twin.is_none() {
            // A duplicate is not counted as new for billing either.
            usage.push(usage_row(document, batch[*index].usage.clone(), now));
        }
        if let (Some(source), Some(change)) =
            (document.related_id, batch[*index].outgoing_change.clone())
        {
            if let Some((_, event)) = change_status(&txn, source, change, now).await? {
                hook_events.extend(event);
            }
        }
        let copy = row
            .clone()
            .try_into_model()
            .map_err(db("reading back a received document"))
            .and_then(to_document)?;
        hook_events.extend(hook_event_of(
            &copy,
            DocumentEventKind::Received,
            received_from(document),
        ));
        received.insert(*index, copy);
    }
    if !events.is_empty() {
        document_event::Entity::insert_many(events)
            .exec_without_returning(&txn)
            .await
            .map_err(db("writing document history"))?;
    }
    if !usage.is_empty() {
        usage_record::Entity::insert_many(usage)
            .exec_without_returning(&txn)
            .await
            .map_err(db("writing usage records"))?;
    }
    hooks::raise_all(&txn, hook_events, now).await?;
    commit(txn).await?;

    // Committed: from here on an error is the one document's, never the batch's.
    let mut answers = Vec::with_capacity(batch.len());
    for (index, pending) in batch.iter().enumerate() {
        let document = &pending.document;
        let answer = if let Some(copy) = received.remove(&index) {
            Ok(Received::Stored(Box::new(copy)))
        } else if receiving.contains(&document.party_id) {
            already_there(pool.conn(), document).await
        } else {
            Err(DomainError::not_found("party", &document.party_id))
        };
        answers.push(answer);
    }
    Ok(answers)
}

/// Inserts the received copies; those whose delivery was stored before are left out. Returns
/// the ids of the copies written.
async fn insert_received(
    txn: &DatabaseTransaction,
    writing: &[(usize, NewDocument, Option<Uuid>, document::ActiveModel)],
) -> DomainResult<HashSet<Uuid>> {
    if writing.is_empty() {
        return Ok(HashSet::new());
    }
    let inserted = document::Entity::insert_many(writing.iter().map(|w| w.3.clone()))
        .on_conflict(OnConflict::column(D::DeliveryKey).do_nothing().to_owned())
        .exec_without_returning(txn)
        .await
        .map_err(db("storing received documents"))?;
    if usize::try_from(inserted).ok() == Some(writing.len()) {
        return Ok(writing.iter().map(|w| w.1.id).collect());
    }
    Ok(document::Entity::find()
        .select_only()
        .column(D::Id)
        .filter(D::Id.is_in(writing.iter().map(|w| w.1.id)))
        .into_tuple::<Uuid>()
        .all(txn)
        .await
        .map_err(db("reading back received documents"))?
        .into_iter()
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use haven_domain::{
        documents::{
            blobs::ContentHash,
            records::{
                Channel, Direction, Document, DocumentEventKind, DocumentFacts, DocumentKind,
                DocumentStatus, UsageKind,
            },
            store::DocumentRecords,
        },
        jobs::JobKind,
    };
    use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};

    use super::*;
    use crate::{
        entities::{environment, job, organization},
        testing::TestDatabase,
    };

    async fn organization(db: &Database) -> (Uuid, Uuid) {
        let now = Utc::now();
        let environment_id = Uuid::new_v4();
        environment::Entity::insert(environment::ActiveModel {
            id: Set(environment_id),
            name: Set("Batch test".into()),
            auto_join_domain: Set(None),
            require_two_factor: Set(false),
            receiving_enabled: Set(false),
            receiving_decided: Set(false),
            receiving_acknowledged_at: Set(None),
            created_at: Set(now),
        })
        .exec_without_returning(db.conn())
        .await
        .unwrap();
        let organization_id = Uuid::new_v4();
        organization::Entity::insert(organization::ActiveModel {
            id: Set(organization_id),
            environment_id: Set(environment_id),
            statutory_name: Set("Tulpenveld B.V.".into()),
            trade_names: Set("[]".into()),
            country: Set("NL".into()),
            status: Set("active".into()),
            activation_attempts: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(db.conn())
        .await
        .unwrap();
        (environment_id, organization_id)
    }

    fn document(ids: (Uuid, Uuid), number: &str, key: Option<&str>) -> NewDocument {
        NewDocument {
            id: Uuid::new_v4(),
            environment_id: ids.0,
            organization_id: ids.1,
            direction: Direction::Outgoing,
            kind: DocumentKind::Invoice,
            status: DocumentStatus::Validated,
            channel: None,
            party_id: "0106:90000016".into(),
            receiver_id: None,
            facts: DocumentFacts {
                number: Some(number.into()),
                issue_date: Some("2026-12-04".into()),
                seller_endpoint: Some("0106:90000016".into()),
                total_amount: Some("121.00".into()),
                ..DocumentFacts::default()
            },
            content_hash: ContentHash::of(number.as_bytes()),
            content_type: "application/xml".into(),
            size_bytes: 100,
            idempotency_key: key.map(str::to_owned),
            related_id: None,
            response: None,
            handover_key: None,
            received_note: None,
        }
    }

    async fn accept(db: &Database, d: NewDocument) -> DomainResult<Accepted> {
        let job = NewJob::new(JobKind::Noop, serde_json::json!({}))
            .idempotency_key(format!("batch-test:{}", d.id));
        db.accept_outgoing(
            d,
            vec![NewDocumentEvent::new(DocumentEventKind::Accepted)],
            NewUsage {
                kind: UsageKind::SentApi,
                price: "0.10".into(),
            },
            vec![job],
        )
        .await
    }

    /// Sends that arrive together are stored together, each with its history, usage and job;
    /// a reused idempotency key in the same batch gets the first document, twins in the same
    /// batch are flagged, and a document that breaks a constraint fails alone.
    #[tokio::test]
    async fn concurrent_sends_are_stored_together_each_with_its_own_answer() {
        let test = TestDatabase::new().await;
        let db = test.db.clone().with_group_commit(8);
        let ids = organization(&db).await;
        let bad = (ids.0, Uuid::new_v4()); // no such organization
        let barrier = Arc::new(tokio::sync::Barrier::new(12));
        let mut tasks = Vec::new();
        let plan: Vec<NewDocument> = (0..8)
            .map(|i| document(ids, &format!("INV-{i}"), None))
            .chain([
                document(ids, "KEYED-1", Some("key-1")),
                document(ids, "KEYED-2", Some("key-1")),
                document(ids, "INV-0", None),
                document(bad, "ORPHAN", None),
            ])
            .collect();
        for d in plan {
            let (db, barrier) = (db.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                accept(&db, d).await
            }));
        }
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }

        for answer in &answers[..8] {
            assert!(matches!(answer, Ok(Accepted::Stored(_))), "{answer:?}");
        }
        let keyed: Vec<&DomainResult<Accepted>> = answers[8..10].iter().collect();
        let stored: Vec<Uuid> = keyed
            .iter()
            .filter_map(|a| match a {
                Ok(Accepted::Stored(d)) => Some(d.id),
                _ => None,
            })
            .collect();
        let replayed: Vec<Uuid> = keyed
            .iter()
            .filter_map(|a| match a {
                Ok(Accepted::Replayed { original_id }) => Some(*original_id),
                _ => None,
            })
            .collect();
        assert_eq!(stored.len(), 1, "{keyed:?}");
        assert_eq!(replayed, stored, "the replay names the stored document");
        let Ok(Accepted::Stored(twin)) = &answers[10] else {
            panic!("{:?}", answers[10]);
        };
        let first = document::Entity::find()
            .filter(D::Number.eq("INV-0"))
            .filter(D::Id.ne(twin.id))
            .one(db.conn())
            .await
            .unwrap()
            .unwrap();
        let twin_row = document::Entity::find_by_id(twin.id)
            .one(db.conn())
            .await
            .unwrap()
            .unwrap();
        assert!(
            twin_row.duplicate_of == Some(first.id) || first.duplicate_of == Some(twin.id),
            "one INV-0 is flagged as the other's twin"
        );
        assert!(answers[11].is_err(), "the orphan fails: {:?}", answers[11]);

        // 10 documents stored, each with one history line, one usage record and one job.
        assert_eq!(document::Entity::find().count(db.conn()).await.unwrap(), 10);
        assert_eq!(
            document_event::Entity::find()
                .count(db.conn())
                .await
                .unwrap(),
            10
        );
        assert_eq!(
            usage_record::Entity::find().count(db.conn()).await.unwrap(),
            10
        );
        assert_eq!(
            job::Entity::find()
                .filter(job::Column::Kind.eq("noop"))
                .count(db.conn())
                .await
                .unwrap(),
            10
        );
    }

    /// Received copies that concurrent delivery jobs store are written together, each with its
    /// history, usage and the sender's status change; a repeated delivery names the original,
    /// and a copy for a party that does not receive fails alone.
    #[tokio::test]
    async fn concurrent_deliveries_are_stored_together_each_with_its_own_answer() {
        let test = TestDatabase::new().await;
        let db = test.db.clone().with_group_commit(8);
        let seller = organization(&db).await;
        let buyer = organization(&db).await;
        organization_identifier::Entity::insert(organization_identifier::ActiveModel {
            id: Set(Uuid::new_v4()),
            organization_id: Set(buyer.1),
            kind: Set("kvk".into()),
            scheme: Set("0106".into()),
            value: Set("90000032".into()),
            send_enabled: Set(true),
            receive_enabled: Set(true),
            participant_id: Set(Some("0106:90000032".into())),
            created_at: Set(Utc::now()),
        })
        .exec_without_returning(db.conn())
        .await
        .unwrap();
        let mut sent = Vec::new();
        for i in 0..8 {
            match accept(&db, document(seller, &format!("INV-{i}"), None)).await {
                Ok(Accepted::Stored(d)) => sent.push(*d),
                other => panic!("{other:?}"),
            }
        }
        let copy = |original: &Document, party: &str| NewDocument {
            id: Uuid::new_v4(),
            environment_id: buyer.0,
            organization_id: buyer.1,
            direction: Direction::Incoming,
            status: DocumentStatus::Received,
            channel: Some(Channel::Internal),
            party_id: party.into(),
            related_id: Some(original.id),
            facts: original.facts.clone(),
            ..document(buyer, "unused", None)
        };
        let delivered = || {
            StatusChange::new(
                DocumentStatus::Delivered,
                NewDocumentEvent::new(DocumentEventKind::Delivered),
            )
            .only_from(&[DocumentStatus::Validated])
        };
        let plan: Vec<NewDocument> = sent
            .iter()
            .map(|d| copy(d, "0106:90000032"))
            .chain([
                copy(&sent[0], "0106:90000032"),
                copy(&sent[1], "0106:99999999"),
            ])
            .collect();
        let barrier = Arc::new(tokio::sync::Barrier::new(plan.len()));
        let mut tasks = Vec::new();
        for d in plan {
            let (db, barrier, change) = (db.clone(), barrier.clone(), delivered());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                db.accept_incoming(
                    d,
                    NewUsage {
                        kind: UsageKind::Received,
                        price: "0.00".into(),
                    },
                    Some(change),
                )
                .await
            }));
        }
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }

        // Of the two copies of INV-0, one is stored and the other names the original.
        let of_first: Vec<&DomainResult<Received>> = [&answers[0], &answers[8]].into();
        assert_eq!(
            of_first
                .iter()
                .filter(|a| matches!(a, Ok(Received::Stored(_))))
                .count(),
            1,
            "{of_first:?}"
        );
        assert!(
            of_first
                .iter()
                .any(|a| matches!(a, Ok(Received::AlreadyThere(id)) if *id == sent[0].id)),
            "{of_first:?}"
        );
        for answer in &answers[1..8] {
            assert!(matches!(answer, Ok(Received::Stored(_))), "{answer:?}");
        }
        assert!(
            matches!(&answers[9], Err(DomainError::NotFound { .. })),
            "{:?}",
            answers[9]
        );

        let count = |direction: &'static str, status: &'static str| {
            let db = db.clone();
            async move {
                document::Entity::find()
                    .filter(D::Direction.eq(direction))
                    .filter(D::Status.eq(status))
                    .count(db.conn())
                    .await
                    .unwrap()
            }
        };
        assert_eq!(count("incoming", "received").await, 8);
        assert_eq!(count("outgoing", "delivered").await, 8);
        let lines = |kind: &'static str| {
            let db = db.clone();
            async move {
                document_event::Entity::find()
                    .filter(document_event::Column::Event.eq(kind))
                    .count(db.conn())
                    .await
                    .unwrap()
            }
        };
        assert_eq!(lines("received").await, 8);
        assert_eq!(lines("delivered").await, 8);
        assert_eq!(
            usage_record::Entity::find()
                .filter(usage_record::Column::Kind.eq("received"))
                .count(db.conn())
                .await
                .unwrap(),
            8
        );
    }

    /// Look-ups made at the same instant are answered by shared queries, each with its own
    /// row: parties in any case, unknown ones as none, documents by id.
    #[tokio::test]
    async fn concurrent_lookups_each_get_their_own_row() {
        let test = TestDatabase::new().await;
        let db = test.db.clone().with_group_commit(8);
        let mut parties = Vec::new();
        for n in 0..6 {
            let org = organization(&db).await;
            let participant = format!("0106:9000{n:04}");
            organization_identifier::Entity::insert(organization_identifier::ActiveModel {
                id: Set(Uuid::new_v4()),
                organization_id: Set(org.1),
                kind: Set("kvk".into()),
                scheme: Set("0106".into()),
                value: Set(format!("9000{n:04}")),
                send_enabled: Set(true),
                receive_enabled: Set(n % 2 == 0),
                participant_id: Set(Some(participant.clone())),
                created_at: Set(Utc::now()),
            })
            .exec_without_returning(db.conn())
            .await
            .unwrap();
            parties.push((participant, org));
        }
        let mut documents = Vec::new();
        for (n, (_, org)) in parties.iter().enumerate() {
            match accept(&db, document(*org, &format!("LOOK-{n}"), None)).await {
                Ok(Accepted::Stored(d)) => documents.push(*d),
                other => panic!("{other:?}"),
            }
        }

        let barrier = Arc::new(tokio::sync::Barrier::new(24));
        let mut party_reads = Vec::new();
        for n in 0..12 {
            let (db, barrier) = (db.clone(), barrier.clone());
            // Each party twice, once as stored and once in upper case; every third an unknown.
            let asked = match n % 3 {
                0 => format!(" {} ", parties[n / 2].0.to_uppercase()),
                1 => parties[n / 2].0.clone(),
                _ => format!("0106:1{n:07}"),
            };
            party_reads.push(tokio::spawn(async move {
                barrier.wait().await;
                (asked.clone(), db.find_party(&asked).await.unwrap())
            }));
        }
        let mut document_reads = Vec::new();
        for n in 0..12 {
            let (db, barrier) = (db.clone(), barrier.clone());
            let id = documents.get(n).map_or_else(Uuid::new_v4, |d| d.id);
            document_reads.push(tokio::spawn(async move {
                barrier.wait().await;
                (id, db.document_for_job(id).await.unwrap())
            }));
        }

        for task in party_reads {
            let (asked, found) = task.await.unwrap();
            let expected = parties
                .iter()
                .find(|(p, _)| p.eq_ignore_ascii_case(asked.trim()));
            match (expected, found) {
                (Some((participant, org)), Some(party)) => {
                    assert_eq!(
                        &party.participant_id,
                        participant,
                        "on {}",
                        test.backend_name()
                    );
                    assert_eq!(party.organization_id, org.1);
                    assert_eq!(party.environment_id, org.0);
                }
                (None, None) => {}
                (expected, found) => panic!("{asked}: expected {expected:?}, found {found:?}"),
            }
        }
        for task in document_reads {
            let (id, found) = task.await.unwrap();
            let expected = documents.iter().find(|d| d.id == id);
            assert_eq!(found.as_ref().map(|d| d.id), expected.map(|d| d.id));
            if let (Some(found), Some(expected)) = (found, expected) {
                assert_eq!(found.facts.number, expected.facts.number);
            }
        }
    }

    /// Role checks made at the same instant for several users share a query, and each gets
    /// its own user's role: a member's, none for a non-member, nothing for another
    /// environment.
    #[tokio::test]
    async fn concurrent_role_checks_each_get_their_own_users_role() {
        use haven_domain::organizations::{policy::OrgRole, store::OrganizationStore};

        use crate::entities::{organization_member, user};

        let test = TestDatabase::new().await;
        let db = test.db.clone().with_group_commit(8);
        let (environment_id, organization_id) = organization(&db).await;
        let mut users = Vec::new();
        for (n, role) in [Some("administrator"), Some("member"), None]
            .into_iter()
            .enumerate()
        {
            let id = Uuid::new_v4();
            let now = Utc::now();
            user::Entity::insert(user::ActiveModel {
                id: Set(id),
                environment_id: Set(environment_id),
                email: Set(format!("user{n}@example.com")),
                name: Set(format!("User {n}")),
                password_hash: Set(None),
                role: Set("basic".into()),
                relationship_manager: Set(false),
                status: Set("active".into()),
                language: Set("en".into()),
                phone: Set(None),
                totp_secret: Set(None),
                totp_enabled: Set(false),
                totp_last_step: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                last_login_at: Set(None),
            })
            .exec_without_returning(db.conn())
            .await
            .unwrap();
            if let Some(role) = role {
                organization_member::Entity::insert(organization_member::ActiveModel {
                    organization_id: Set(organization_id),
                    user_id: Set(id),
                    role: Set(role.into()),
                    created_at: Set(now),
                })
                .exec_without_returning(db.conn())
                .await
                .unwrap();
            }
            users.push((id, role.map(|r| OrgRole::parse(r).expect("a role"))));
        }
        let barrier = Arc::new(tokio::sync::Barrier::new(8));
        let mut tasks = Vec::new();
        for n in 0..8 {
            let (db, barrier) = (db.clone(), barrier.clone());
            let (user_id, _) = users[n % 3];
            // Every fourth asks in an environment the organization is not in.
            let environment = if n % 4 == 3 {
                Uuid::new_v4()
            } else {
                environment_id
            };
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let found = db
                    .find_organization_with_role(environment, organization_id, user_id)
                    .await
                    .unwrap();
                (n, found)
            }));
        }
        for task in tasks {
            let (n, found) = task.await.unwrap();
            if n % 4 == 3 {
                assert!(
                    found.is_none(),
                    "check {n}: another environment, on {}",
                    test.backend_name()
                );
                continue;
            }
            let (organization, role) = found.expect("the organization");
            assert_eq!(organization.id, organization_id);
            assert_eq!(
                role,
                users[n % 3].1,
                "check {n}, on {}",
                test.backend_name()
            );
        }
    }
}
