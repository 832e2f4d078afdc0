//! The record of received AS4 messages on SQLite and PostgreSQL. Recording is an insert that
//! does nothing on the unique (sender access point, MessageId) and a read of the row that is
//! there, so two deliveries of one message at the same instant end with one row, which both
//! read.

use haven_domain::{
    documents::blobs::ContentHash,
    peppol::{
        evidence::NewEvidence,
        receiving::{ReceivedMessage, ReceivedMessages},
        reporting::ExchangeRecord,
    },
    DomainError, DomainResult,
};
use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{commit, db, evidence::insert_evidence, reporting::insert_exchange};
use crate::{
    entities::{
        peppol_evidence,
        peppol_received_message::{ActiveModel, Column, Entity, Model},
    },
    Database,
};

/// Deletes the records of the AS4 messages that brought `document_id`, or whose exchange is
/// evidence on it (an Invoice Response's, recorded on the invoice it answers): retention
/// removes their receipts with the document, and a record must not name a receipt that is
/// gone. Senders retry within hours, retention counts in days, so no retry of such a message
/// is still to come.
pub(super) async fn delete_received_of<C: ConnectionTrait>(
    conn: &C,
    document_id: Uuid,
) -> DomainResult<()> {
    let exchanges: Vec<(String, String)> = peppol_evidence::Entity::find()
        .select_only()
        .column(peppol_evidence::Column::SendingSeat)
        .column(peppol_evidence::Column::MessageId)
        .filter(peppol_evidence::Column::DocumentId.eq(document_id))
        .filter(peppol_evidence::Column::Direction.eq("incoming"))
        .into_tuple()
        .all(conn)
        .await
        .map_err(db("reading the exchanges of a purged document"))?;
    let mut which = Condition::any().add(Column::DocumentId.eq(document_id));
    for (seat, message_id) in exchanges {
        which = which.add(
            Condition::all()
                .add(Column::SenderAccessPoint.eq(seat))
                .add(Column::MessageId.eq(message_id)),
        );
    }
    Entity::delete_many()
        .filter(which)
        .exec(conn)
        .await
        .map_err(db("deleting the records of received AS4 messages"))?;
    Ok(())
}

fn to_received(m: Model) -> DomainResult<ReceivedMessage> {
    let hash = |h: &str| {
        ContentHash::parse(h).ok_or_else(|| {
            DomainError::Unexpected(anyhow::anyhow!("stored evidence hash {h} is malformed"))
        })
    };
    Ok(ReceivedMessage {
        message_hash: hash(&m.message_hash)?,
        receipt_hash: hash(&m.receipt_hash)?,
        sender_access_point: m.sender_access_point,
        message_id: m.message_id,
        document_id: m.document_id,
        received_at: m.received_at,
    })
}

impl ReceivedMessages for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn find_received(
        &self,
        sender_access_point: &str,
        message_id: &str,
    ) -> DomainResult<Option<ReceivedMessage>> {
        Entity::find()
            .filter(Column::SenderAccessPoint.eq(sender_access_point))
            .filter(Column::MessageId.eq(message_id))
            .one(self.conn())
            .await
            .map_err(db("reading a received AS4 message"))?
            .map(to_received)
            .transpose()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn record_received(
        &self,
        message: ReceivedMessage,
        exchange: ExchangeRecord,
        evidence: Option<NewEvidence>,
    ) -> DomainResult<ReceivedMessage> {
        let row = ActiveModel {
            id: Set(Uuid::new_v4()),
            sender_access_point: Set(message.sender_access_point.clone()),
            message_id: Set(message.message_id.clone()),
            document_id: Set(message.document_id),
            message_hash: Set(message.message_hash.as_str().to_owned()),
            receipt_hash: Set(message.receipt_hash.as_str().to_owned()),
            received_at: Set(message.received_at),
        };
        // Not read-then-write: under READ COMMITTED both of two concurrent deliveries would
        // read nothing. The insert waits for the other's commit and does nothing; then the
        // read sees its row. The reporting record goes with the row that was inserted, so a
        // message is counted once and only when it is recorded.
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let inserted = Entity::insert(row)
            .on_conflict(
                OnConflict::columns([Column::SenderAccessPoint, Column::MessageId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .map_err(db("recording a received AS4 message"))?;
        if inserted == 1 {
            insert_exchange(&txn, exchange).await?;
            if let Some(evidence) = evidence {
                insert_evidence(&txn, evidence).await?;
            }
        }
        commit(txn).await?;
        self.find_received(&message.sender_access_point, &message.message_id)
            .await?
            .ok_or_else(|| {
                DomainError::Unexpected(anyhow::anyhow!("received AS4 message row vanished"))
            })
    }
}
