//! The Peppol reporting records (`peppol_exchanges`) on SQLite and PostgreSQL: written by the
//! document store (a delivery acknowledged over AS4) and the received-message record (a
//! message acknowledged here) inside their own transactions, and counted per month for the
//! TSR and EUSR with GROUP BY, so a report reads a few rows per key, not one per message.

use haven_domain::{
    peppol::reporting::{
        end_user_country, Direction, EndUserActivity, ExchangeCount, ExchangeRecord, MonthSummary,
        ReportingMonth, ReportingRecords, SchemedId,
    },
    DomainResult,
};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::{corrupt, db};
use crate::{
    entities::peppol_exchange::{ActiveModel, Column, Entity},
    Database,
};

/// Writes `record` on `conn` (the caller's transaction); a message recorded before (the same
/// direction, other access point and MessageId) stays counted once.
pub(super) async fn insert_exchange<C: ConnectionTrait>(
    conn: &C,
    record: ExchangeRecord,
) -> DomainResult<()> {
    let row = ActiveModel {
        id: Set(Uuid::new_v4()),
        direction: Set(record.direction.as_str().to_owned()),
        period: Set(record.month().to_string()),
        exchanged_at: Set(record.exchanged_at),
        message_id: Set(record.message_id),
        our_seat: Set(record.our_seat),
        their_seat: Set(record.their_seat),
        sender_scheme: Set(record.sender.scheme),
        sender_id: Set(record.sender.value),
        receiver_scheme: Set(record.receiver.scheme),
        receiver_id: Set(record.receiver.value),
        document_type_scheme: Set(record.document_type.scheme),
        document_type: Set(record.document_type.value),
        process_scheme: Set(record.process.scheme),
        process: Set(record.process.value),
        transport_profile: Set(record.transport_profile),
        country_c1: Set(record.country_c1),
        country_c4: Set(record.country_c4),
        end_user_id: Set(record.end_user_id),
    };
    Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::Direction, Column::TheirSeat, Column::MessageId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await
        .map_err(db("recording a Peppol exchange for reporting"))?;
    Ok(())
}

fn direction(text: &str) -> DomainResult<Direction> {
    Direction::parse(text).ok_or_else(|| corrupt("Peppol exchange direction"))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[derive(FromQueryResult)]
struct CountRow {
    direction: String,
    our_seat: String,
    their_seat: String,
    transport_profile: String,
    document_type_scheme: String,
    document_type: String,
    process_scheme: String,
    process: String,
    country_c1: String,
    country_c4: Option<String>,
    count: i64,
}

#[derive(FromQueryResult)]
struct ActivityRow {
    end_user_id: Uuid,
    direction: String,
    document_type_scheme: String,
    document_type: String,
    process_scheme: String,
    process: String,
    country_c1: String,
    country_c4: Option<String>,
}

impl ReportingRecords for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn reporting_months(
        &self,
        before: Option<ReportingMonth>,
        limit: u64,
    ) -> DomainResult<Vec<MonthSummary>> {
        let mut query = Entity::find()
            .select_only()
            .column(Column::Period)
            .column(Column::Direction)
            .column_as(Expr::col(Column::Id).count(), "count")
            .group_by(Column::Period)
            .group_by(Column::Direction)
            .order_by_desc(Column::Period)
            .order_by_asc(Column::Direction)
            // At most two rows (the directions) per month: twice the limit holds the first
            // `limit` months whole; only a month after them can be cut.
            .limit(limit.saturating_mul(2));
        if let Some(before) = before {
            query = query.filter(Column::Period.lt(before.to_string()));
        }
        let rows: Vec<(String, String, i64)> = query
            .into_tuple()
            .all(self.conn())
            .await
            .map_err(db("listing the reporting months"))?;
        let mut months: Vec<MonthSummary> = Vec::new();
        for (period, dir, n) in rows {
            let month =
                ReportingMonth::parse(&period).map_err(|_| corrupt("Peppol exchange period"))?;
            if months.last().map(|m| m.month) != Some(month) {
                months.push(MonthSummary {
                    month,
                    incoming: 0,
                    outgoing: 0,
                });
            }
            let summary = months.last_mut().expect("pushed above");
            match direction(&dir)? {
                Direction::Incoming => summary.incoming = count(n),
                Direction::Outgoing => summary.outgoing = count(n),
            }
        }
        months.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(months)
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn first_reporting_month(&self) -> DomainResult<Option<ReportingMonth>> {
        let first: Option<Option<String>> = Entity::find()
            .select_only()
            .column_as(Expr::col(Column::Period).min(), "first")
            .into_tuple()
            .one(self.conn())
            .await
            .map_err(db("reading the first reporting month"))?;
        first
            .flatten()
            .map(|p| ReportingMonth::parse(&p).map_err(|_| corrupt("Peppol exchange period")))
            .transpose()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn exchange_counts(&self, month: ReportingMonth) -> DomainResult<Vec<ExchangeCount>> {
        let keys = [
            Column::Direction,
            Column::OurSeat,
            Column::TheirSeat,
            Column::TransportProfile,
            Column::DocumentTypeScheme,
            Column::DocumentType,
            Column::ProcessScheme,
            Column::Process,
            Column::CountryC1,
            Column::CountryC4,
        ];
        let mut query = Entity::find()
            .select_only()
            .filter(Column::Period.eq(month.to_string()));
        for key in keys {
            query = query.column(key).group_by(key);
        }
        let rows = query
            .column_as(Expr::col(Column::Id).count(), "count")
            .into_model::<CountRow>()
            .all(self.conn())
            .await
            .map_err(db("counting Peppol exchanges"))?;
        rows.into_iter()
            .map(|r| {
                Ok(ExchangeCount {
                    direction: direction(&r.direction)?,
                    our_seat: r.our_seat,
                    their_seat: r.their_seat,
                    transport_profile: r.transport_profile,
                    document_type: SchemedId {
                        scheme: r.document_type_scheme,
                        value: r.document_type,
                    },
                    process: SchemedId {
                        scheme: r.process_scheme,
                        value: r.process,
                    },
                    country_c1: r.country_c1,
                    country_c4: r.country_c4,
                    count: count(r.count),
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn end_user_activity(&self, month: ReportingMonth) -> DomainResult<Vec<EndUserActivity>> {
        let keys = [
            Column::EndUserId,
            Column::Direction,
            Column::DocumentTypeScheme,
            Column::DocumentType,
            Column::ProcessScheme,
            Column::Process,
            Column::CountryC1,
            Column::CountryC4,
        ];
        let mut query = Entity::find()
            .select_only()
            .filter(Column::Period.eq(month.to_string()));
        for key in keys {
            query = query.column(key).group_by(key);
        }
        let rows = query
            .into_model::<ActivityRow>()
            .all(self.conn())
            .await
            .map_err(db("reading the end users' Peppol activity"))?;
        let mut facts = rows
            .into_iter()
            .map(|r| {
                let direction = direction(&r.direction)?;
                let country =
                    end_user_country(direction, &r.country_c1, r.country_c4.as_deref()).to_owned();
                Ok(EndUserActivity {
                    end_user_id: r.end_user_id,
                    direction,
                    document_type: SchemedId {
                        scheme: r.document_type_scheme,
                        value: r.document_type,
                    },
                    process: SchemedId {
                        scheme: r.process_scheme,
                        value: r.process,
                    },
                    country,
                })
            })
            .collect::<DomainResult<Vec<_>>>()?;
        facts.sort();
        facts.dedup();
        Ok(facts)
    }
}
