//! The evidence of AS4 exchanges (`peppol_evidence`), written in the transaction of the
//! exchange's own record, read for the document's pages, and purged with the document.

use chrono::{DateTime, Utc};
use haven_domain::{
    documents::blobs::ContentHash,
    paging::PageRequest,
    peppol::{
        evidence::{Evidence, EvidenceRecords, NewEvidence},
        reporting::Direction,
    },
    DomainError, DomainResult,
};
use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{corrupt, db};
use crate::{
    entities::peppol_evidence::{ActiveModel, Column, Entity, Model},
    keyset::{keyset_page, Direction as Order},
    Database,
};

pub(super) async fn insert_evidence<C: ConnectionTrait>(
    conn: &C,
    record: NewEvidence,
) -> DomainResult<()> {
    let row = ActiveModel {
        id: Set(Uuid::new_v4()),
        document_id: Set(record.document_id),
        direction: Set(record.direction.as_str().to_owned()),
        message_id: Set(record.message_id),
        sending_seat: Set(record.sending_seat),
        receiving_seat: Set(record.receiving_seat),
        exchanged_at: Set(record.exchanged_at),
        message_hash: Set(record.message_hash.as_str().to_owned()),
        signal_hash: Set(record.signal_hash.as_str().to_owned()),
        ubl_hash: Set(record.ubl_hash.map(|h| h.as_str().to_owned())),
        refusal: Set(record.refusal),
        purged_at: Set(None),
    };
    Entity::insert(row)
        .exec_without_returning(conn)
        .await
        .map_err(db("recording the evidence of an AS4 exchange"))?;
    Ok(())
}

/// Marks the evidence of `document_id` purged (in the document's purge transaction).
pub(super) async fn mark_evidence_purged<C: ConnectionTrait>(
    conn: &C,
    document_id: Uuid,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    Entity::update_many()
        .col_expr(Column::PurgedAt, Expr::value(now))
        .filter(Column::DocumentId.eq(document_id))
        .filter(Column::PurgedAt.is_null())
        .exec(conn)
        .await
        .map_err(db("marking evidence purged"))?;
    Ok(())
}

/// Whether evidence that is kept names `hash`.
pub(super) async fn evidence_names<C: ConnectionTrait>(
    conn: &C,
    hash: &ContentHash,
) -> DomainResult<bool> {
    let hash = hash.as_str();
    Ok(Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::PurgedAt.is_null())
        .filter(
            Condition::any()
                .add(Column::MessageHash.eq(hash))
                .add(Column::SignalHash.eq(hash))
                .add(Column::UblHash.eq(hash)),
        )
        .limit(1)
        .into_tuple::<Uuid>()
        .one(conn)
        .await
        .map_err(db("checking whether evidence names bytes"))?
        .is_some())
}

/// The hashes the purged evidence of `document_id` names.
pub(super) async fn purged_evidence_hashes<C: ConnectionTrait>(
    conn: &C,
    document_id: Uuid,
) -> DomainResult<Vec<ContentHash>> {
    let rows = Entity::find()
        .filter(Column::DocumentId.eq(document_id))
        .filter(Column::PurgedAt.is_not_null())
        .all(conn)
        .await
        .map_err(db("reading purged evidence"))?;
    let mut hashes = Vec::new();
    for row in rows {
        hashes.extend(to_evidence(row)?.hashes());
    }
    hashes.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    hashes.dedup();
    Ok(hashes)
}

fn to_evidence(m: Model) -> DomainResult<Evidence> {
    let hash = |h: &str| {
        ContentHash::parse(h).ok_or_else(|| {
            DomainError::Unexpected(anyhow::anyhow!("stored evidence hash {h} is malformed"))
        })
    };
    Ok(Evidence {
        id: m.id,
        record: NewEvidence {
            document_id: m.document_id,
            direction: Direction::parse(&m.direction)
                .ok_or_else(|| corrupt("evidence direction"))?,
            message_hash: hash(&m.message_hash)?,
            signal_hash: hash(&m.signal_hash)?,
            ubl_hash: m.ubl_hash.as_deref().map(hash).transpose()?,
            refusal: m.refusal,
            message_id: m.message_id,
            sending_seat: m.sending_seat,
            receiving_seat: m.receiving_seat,
            exchanged_at: m.exchanged_at,
        },
        purged_at: m.purged_at,
    })
}

impl EvidenceRecords for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn list_evidence(
        &self,
        document_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<Evidence>> {
        let select = Entity::find().filter(Column::DocumentId.eq(document_id));
        keyset_page(
            select,
            Column::ExchangedAt,
            Column::Id,
            page.before.as_ref(),
            Order::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing the evidence of a document"))?
        .into_iter()
        .map(to_evidence)
        .collect()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn find_evidence(&self, document_id: Uuid, id: Uuid) -> DomainResult<Option<Evidence>> {
        Entity::find_by_id(id)
            .filter(Column::DocumentId.eq(document_id))
            .one(self.conn())
            .await
            .map_err(db("reading the evidence of an exchange"))?
            .map(to_evidence)
            .transpose()
    }
}
