//! Where each month's Peppol reports stand in being sent to OpenPeppol
//! (`peppol_report_sendings`), and their jobs.

use chrono::Utc;
use haven_domain::{
    accounts::records::NewAuditEvent,
    jobs::NewJob,
    peppol::{
        report_sending::{report_job, ReportKind, ReportSending, ReportSendings, SendState},
        reporting::ReportingMonth,
    },
    DomainResult,
};
use sea_orm::{
    sea_query::OnConflict, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait,
    QueryFilter, QuerySelect,
};

use super::{accounts::insert_audit_event, commit, corrupt, db};
use crate::{
    entities::peppol_report_sending::{ActiveModel, Column, Entity, Model},
    Database,
};

fn from_row(row: Model) -> DomainResult<ReportSending> {
    Ok(ReportSending {
        month: ReportingMonth::parse(&row.month).map_err(|_| corrupt("report month"))?,
        report: ReportKind::parse(&row.report).ok_or_else(|| corrupt("report kind"))?,
        state: SendState::parse(&row.state).ok_or_else(|| corrupt("report sending state"))?,
        round: u32::try_from(row.round).unwrap_or(0),
        message_id: row.message_id,
        reason: row.reason,
        message_hash: row.message_hash,
        receipt_hash: row.receipt_hash,
        sent_at: row.sent_at,
        updated_at: row.updated_at,
    })
}

async fn upsert<C: ConnectionTrait>(conn: &C, s: &ReportSending) -> DomainResult<()> {
    let row = ActiveModel {
        month: Set(s.month.to_string()),
        report: Set(s.report.as_str().to_owned()),
        state: Set(s.state.as_str().to_owned()),
        round: Set(i32::try_from(s.round).unwrap_or(i32::MAX)),
        message_id: Set(s.message_id.clone()),
        reason: Set(s.reason.as_ref().map(|r| r.chars().take(1000).collect())),
        message_hash: Set(s.message_hash.clone()),
        receipt_hash: Set(s.receipt_hash.clone()),
        sent_at: Set(s.sent_at),
        updated_at: Set(s.updated_at),
    };
    Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::Month, Column::Report])
                .update_columns([
                    Column::State,
                    Column::Round,
                    Column::MessageId,
                    Column::Reason,
                    Column::MessageHash,
                    Column::ReceiptHash,
                    Column::SentAt,
                    Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await
        .map_err(db("recording a Peppol report sending"))?;
    Ok(())
}

impl ReportSendings for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn report_sendings(
        &self,
        from: ReportingMonth,
        to: ReportingMonth,
    ) -> DomainResult<Vec<ReportSending>> {
        Entity::find()
            .filter(Column::Month.gte(from.to_string()))
            .filter(Column::Month.lte(to.to_string()))
            .all(self.conn())
            .await
            .map_err(db("reading Peppol report sendings"))?
            .into_iter()
            .map(from_row)
            .collect()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn record_report_sending(&self, sending: &ReportSending) -> DomainResult<()> {
        upsert(self.write_conn(), sending).await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn record_report_failure(
        &self,
        sending: &ReportSending,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        upsert(&txn, sending).await?;
        insert_audit_event(&txn, audit).await?;
        commit(txn).await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn queue_report_round(&self, month: ReportingMonth) -> DomainResult<Vec<ReportSending>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        // The rows are locked first, so two operators asking at once queue one round (a row
        // neither saw is inserted by both: the second insert fails as a conflict).
        let rows = Entity::find()
            .filter(Column::Month.eq(month.to_string()))
            .lock_exclusive()
            .all(&txn)
            .await
            .map_err(db("reading Peppol report sendings"))?
            .into_iter()
            .map(from_row)
            .collect::<DomainResult<Vec<_>>>()?;
        let now = Utc::now();
        let mut after = Vec::new();
        for report in ReportKind::ALL {
            let current = rows.iter().find(|r| r.report == report).cloned();
            if let Some(current) = &current {
                if matches!(current.state, SendState::Sent | SendState::Pending) {
                    after.push(current.clone());
                    continue;
                }
            }
            let round = current.as_ref().map_or(1, |c| c.round + 1);
            let queued = ReportSending {
                state: SendState::Pending,
                round,
                reason: None,
                ..ReportSending::not_sent(month, report, now)
            };
            upsert(&txn, &queued).await?;
            crate::jobs::enqueue(&txn, report_job(month, report, round, None))
                .await
                .map_err(db("queueing a Peppol report job"))?;
            after.push(queued);
        }
        commit(txn).await?;
        Ok(after)
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn queue_report_job(&self, job: NewJob) -> DomainResult<()> {
        self.enqueue_job(job).await.map(|_| ())
    }
}
