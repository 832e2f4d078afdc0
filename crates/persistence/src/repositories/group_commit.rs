//! Group commit of outgoing documents: sends that arrive while another batch is being written
//! are stored together in the next transaction, with one statement per table and one commit
//! (one wait for the disk) for all of them, instead of seven round trips and a commit each.
//!
//! Each sender still gets its own answer only after the commit that holds its document, so
//! an accepted document is as durable as before. A batch that fails as a whole (a constraint
//! one of its documents breaks, say) is written again one document at a time, so that only the
//! document at fault fails.

use std::collections::{HashMap, HashSet};

use chrono::{SubsecRound as _, Utc};
use haven_domain::{
    documents::{
        records::NewDocumentEvent,
        store::{Accepted, NewDocument, NewUsage},
    },
    jobs::NewJob,
    DomainError, DomainResult,
};
use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
    TryIntoModel,
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::{
    commit, db,
    documents::{earlier_twin, event_rows, new_row, original_of, to_document, usage_row},
};
use crate::{
    entities::{
        document::{self, Column as D},
        document_event, usage_record,
    },
    jobs::enqueue_many,
    Database,
};

/// One `accept_outgoing` call waiting for its batch.
struct Pending {
    document: NewDocument,
    events: Vec<NewDocumentEvent>,
    usage: NewUsage,
    jobs: Vec<NewJob>,
    reply: oneshot::Sender<DomainResult<Accepted>>,
}

/// The way into the writer task of a pool (see [`Database::with_group_commit`]).
#[derive(Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
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
        if let Err(mpsc::error::SendError(pending)) = self.queue.send(pending).await {
            // The writer is gone (the runtime is shutting down): write it here.
            return db
                .store_outgoing(
                    pending.document,
                    pending.events,
                    pending.usage,
                    pending.jobs,
                    None,
                )
                .await;
        }
        answer.await.unwrap_or_else(|_| {
            Err(DomainError::Unexpected(anyhow::anyhow!(
                "the document writer stopped before storing the document"
            )))
        })
    }
}

impl Database {
    /// Writes this pool's concurrent `accept_outgoing` calls in shared transactions of up to
    /// `most` documents, on a task of the current tokio runtime. The task ends when the last
    /// clone of the returned pool is dropped.
    #[must_use]
    pub fn with_group_commit(mut self, most: usize) -> Self {
        let most = most.max(1);
        let (queue, waiting) = mpsc::channel(most * 4);
        // The writer's own pool has no group commit: it writes.
        let mut writer = self.clone();
        writer.outgoing = None;
        tokio::spawn(write_batches(writer, waiting, most));
        self.outgoing = Some(GroupCommit { queue });
        self
    }

    pub(super) fn group_commit(&self) -> Option<&GroupCommit> {
        self.outgoing.as_ref()
    }
}

async fn write_batches(db: Database, mut waiting: mpsc::Receiver<Pending>, most: usize) {
    let mut batch = Vec::with_capacity(most);
    while waiting.recv_many(&mut batch, most).await > 0 {
        let pending = std::mem::take(&mut batch);
        if pending.len() == 1 {
            for one in pending {
                let stored = db
                    .store_outgoing(one.document, one.events, one.usage, one.jobs, None)
                    .await;
                let _ = one.reply.send(stored);
            }
            continue;
        }
        match store_batch(&db, &pending).await {
            Ok(answers) => {
                for (one, answer) in pending.into_iter().zip(answers) {
                    let _ = one.reply.send(answer);
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, documents = pending.len(), "a batch of documents could not be stored together; storing them one by one");
                for one in pending {
                    let stored = db
                        .store_outgoing(one.document, one.events, one.usage, one.jobs, None)
                        .await;
                    let _ = one.reply.send(stored);
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
    // A document's twin is an earlier stored one, or else the first of its kind in this batch.
    let mut twins: HashMap<TwinKey, Uuid> = HashMap::new();
    let mut rows = Vec::with_capacity(batch.len());
    for pending in batch {
        let document = &pending.document;
        let twin = match twin_key(document) {
            Some(key) => match twins.get(&key) {
                Some(first) => Some(*first),
                None => {
                    let earlier = earlier_twin(&txn, document).await?;
                    twins.insert(key, earlier.unwrap_or(document.id));
                    earlier
                }
            },
            None => None,
        };
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Arc;

    use haven_domain::{
        documents::{
            blobs::ContentHash,
            records::{
                Direction, DocumentEventKind, DocumentFacts, DocumentKind, DocumentStatus,
                UsageKind,
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
}
