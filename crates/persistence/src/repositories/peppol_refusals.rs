//! The record of refused incoming AS4 messages on SQLite and PostgreSQL: written once per
//! refusal, listed newest first by operators, removed by retention.

use chrono::{DateTime, Utc};
use haven_domain::{
    documents::blobs::ContentHash,
    peppol::refusals::{
        AnsweredError, IncomingRefusal, IncomingRefusals, NewRefusal, RefusalQuery, RefusalReason,
    },
    DomainResult,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{corrupt, db};
use crate::{
    entities::peppol_incoming_refusal::{ActiveModel, Column, Entity, Model},
    keyset::{keyset_page, Direction},
    Database,
};

fn to_refusal(m: Model) -> DomainResult<IncomingRefusal> {
    let hash = |h: Option<String>| {
        h.map(|h| ContentHash::parse(&h).ok_or_else(|| corrupt("refusal evidence hash")))
            .transpose()
    };
    let error = m.ebms_code.map(|ebms_code| AnsweredError {
        ebms_code,
        peppol_code: m.peppol_code,
    });
    Ok(IncomingRefusal {
        id: m.id,
        record: NewRefusal {
            reason: RefusalReason::parse(&m.reason).ok_or_else(|| corrupt("refusal reason"))?,
            refused_at: m.refused_at,
            sender_access_point: m.sender_access_point,
            sender_verified: m.sender_verified,
            message_id: m.message_id,
            error,
            description: m.description,
            message_hash: hash(m.message_hash)?,
            message_truncated: m.message_truncated,
            signal_hash: hash(m.signal_hash)?,
        },
    })
}

/// Whether a refusal's record names `hash` (retention keeps such bytes).
pub(super) async fn refusal_names<C: ConnectionTrait>(
    conn: &C,
    hash: &ContentHash,
) -> DomainResult<bool> {
    let hash = hash.as_str();
    Ok(Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(
            Condition::any()
                .add(Column::MessageHash.eq(hash))
                .add(Column::SignalHash.eq(hash)),
        )
        .limit(1)
        .into_tuple::<Uuid>()
        .one(conn)
        .await
        .map_err(db("checking whether a refusal names bytes"))?
        .is_some())
}

/// Records of refusals from before `before`, oldest first.
pub(super) async fn expired_refusals<C: ConnectionTrait>(
    conn: &C,
    before: DateTime<Utc>,
    limit: u64,
) -> DomainResult<Vec<IncomingRefusal>> {
    Entity::find()
        .filter(Column::RefusedAt.lt(before))
        .order_by_asc(Column::RefusedAt)
        .limit(limit)
        .all(conn)
        .await
        .map_err(db("finding expired AS4 refusals"))?
        .into_iter()
        .map(to_refusal)
        .collect()
}

/// Deletes a refusal's record; `false` when it was gone.
pub(super) async fn delete_refusal<C: ConnectionTrait>(conn: &C, id: Uuid) -> DomainResult<bool> {
    Ok(Entity::delete_by_id(id)
        .exec(conn)
        .await
        .map_err(db("deleting an AS4 refusal"))?
        .rows_affected
        == 1)
}

impl IncomingRefusals for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn record_refusal(&self, refusal: NewRefusal) -> DomainResult<()> {
        let (ebms_code, peppol_code) = refusal
            .error
            .map_or((None, None), |e| (Some(e.ebms_code), e.peppol_code));
        let row = ActiveModel {
            id: Set(Uuid::new_v4()),
            reason: Set(refusal.reason.as_str().to_owned()),
            refused_at: Set(refusal.refused_at),
            sender_access_point: Set(refusal.sender_access_point),
            sender_verified: Set(refusal.sender_verified),
            message_id: Set(refusal.message_id),
            ebms_code: Set(ebms_code),
            peppol_code: Set(peppol_code),
            description: Set(refusal.description),
            message_hash: Set(refusal.message_hash.map(|h| h.as_str().to_owned())),
            message_truncated: Set(refusal.message_truncated),
            signal_hash: Set(refusal.signal_hash.map(|h| h.as_str().to_owned())),
        };
        Entity::insert(row)
            .exec_without_returning(self.write_conn())
            .await
            .map_err(db("recording a refused AS4 message"))?;
        Ok(())
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn unverified_kept_since(&self, since: DateTime<Utc>) -> DomainResult<u64> {
        Entity::find()
            .filter(Column::RefusedAt.gte(since))
            .filter(Column::SenderVerified.eq(false))
            .filter(Column::MessageHash.is_not_null())
            .count(self.conn())
            .await
            .map_err(db("counting refused AS4 messages"))
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn list_refusals(&self, query: &RefusalQuery) -> DomainResult<Vec<IncomingRefusal>> {
        let mut select = Entity::find();
        if let Some(reason) = query.reason {
            select = select.filter(Column::Reason.eq(reason.as_str()));
        }
        keyset_page(
            select,
            Column::RefusedAt,
            Column::Id,
            query.before.as_ref(),
            Direction::Descending,
            query.limit,
        )
        .all(self.conn())
        .await
        .map_err(db("listing refused AS4 messages"))?
        .into_iter()
        .map(to_refusal)
        .collect()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn find_refusal(&self, id: Uuid) -> DomainResult<Option<IncomingRefusal>> {
        Entity::find_by_id(id)
            .one(self.conn())
            .await
            .map_err(db("reading a refused AS4 message"))?
            .map(to_refusal)
            .transpose()
    }
}
