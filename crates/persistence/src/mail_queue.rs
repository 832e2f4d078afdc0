//! The durable queue of outgoing email (`outbound_emails`).
//!
//! [`enqueue`] takes any connection, so a repository can queue a message inside its own
//! transaction: the message exists exactly when the change that caused it was committed.
//! [`MailQueue`] is implemented on [`Database`] for the delivery worker.
//!
//! Claiming is safe with several instances on one database and uses no locks: candidates are
//! read, then each is taken with a conditional `UPDATE … WHERE id = ? AND status = ? AND
//! attempts = ?` that also increments `attempts`. Only one caller can see that row still in
//! that state, so only one gets `rows_affected = 1` (PostgreSQL re-checks the condition after
//! waiting for a concurrent update; SQLite serialises writers). The claimed attempt number is
//! the claim's token: outcomes are recorded only while it is current, so a worker whose lease
//! expired cannot overwrite the result of the worker that took over.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use haven_domain::{
    mail::{retry_delay, MailQueue, OutgoingMail, QueuedMail, RetryOutcome, MAX_ATTEMPTS},
    DomainResult,
};
use sea_orm::{
    sea_query::{Expr, Value},
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::{
    entities::outbound_email::{self, Column, Entity},
    error::map_db_err,
    Database,
};

/// Waiting for its first (or next) attempt.
pub const PENDING: &str = "pending";
/// Claimed by a worker until `locked_until`.
pub const SENDING: &str = "sending";
/// Delivered; the bodies are erased.
pub const SENT: &str = "sent";
/// Given up (permanent rejection or too many attempts); the bodies are erased.
pub const FAILED: &str = "failed";

/// Longest `last_error` kept.
const MAX_ERROR_CHARS: usize = 1000;

/// Queues a message for delivery on `conn`, which may be a transaction: call this inside the
/// transaction of the change that causes the message.
///
/// # Errors
/// The database error, for the caller's transaction to handle.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, mail: &OutgoingMail) -> Result<(), DbErr> {
    let now = Utc::now();
    let row = outbound_email::ActiveModel {
        id: Set(Uuid::new_v4()),
        recipient: Set(mail.to.clone()),
        subject: Set(mail.subject.clone()),
        text_body: Set(mail.text_body.clone()),
        html_body: Set(mail.html_body.clone()),
        status: Set(PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    };
    Entity::insert(row).exec_without_returning(conn).await?;
    Ok(())
}

/// One queued message as operators and tests see it (no bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRecord {
    pub id: Uuid,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<outbound_email::Model> for MailRecord {
    fn from(row: outbound_email::Model) -> Self {
        Self {
            id: row.id,
            recipient: row.recipient,
            subject: row.subject,
            status: row.status,
            attempts: u32::try_from(row.attempts).unwrap_or(0),
            next_attempt_at: row.next_attempt_at,
            locked_until: row.locked_until,
            last_error: row.last_error,
            created_at: row.created_at,
            sent_at: row.sent_at,
        }
    }
}

/// Every queued message, oldest first.
///
/// # Errors
/// The database error.
pub async fn records<C: ConnectionTrait>(conn: &C) -> Result<Vec<MailRecord>, DbErr> {
    Ok(Entity::find()
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(MailRecord::from)
        .collect())
}

impl Database {
    /// Queues a message on its own (outside any other transaction).
    ///
    /// # Errors
    /// [`haven_domain::DomainError::Unexpected`] when the store cannot be reached.
    pub async fn enqueue_mail(&self, mail: &OutgoingMail) -> DomainResult<()> {
        enqueue(self.conn(), mail)
            .await
            .map_err(|e| map_db_err(e, "queueing an email"))
    }

    /// Every queued message, oldest first (for operators and tests).
    ///
    /// # Errors
    /// [`haven_domain::DomainError::Unexpected`] when the store cannot be reached.
    pub async fn mail_records(&self) -> DomainResult<Vec<MailRecord>> {
        records(self.conn())
            .await
            .map_err(|e| map_db_err(e, "listing queued emails"))
    }

    /// [`MailQueue::claim_due`] with an explicit clock, for tests.
    ///
    /// # Errors
    /// [`haven_domain::DomainError::Unexpected`] when the store cannot be reached.
    pub async fn claim_due_at(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: Duration,
    ) -> DomainResult<Vec<QueuedMail>> {
        claim_due(self.conn(), now, limit, lease)
            .await
            .map_err(|e| map_db_err(e, "claiming queued emails"))
    }

    /// [`MailQueue::mark_retry`] with an explicit clock, for tests.
    ///
    /// # Errors
    /// [`haven_domain::DomainError::Unexpected`] when the store cannot be reached.
    pub async fn mark_retry_at(
        &self,
        now: DateTime<Utc>,
        mail: &QueuedMail,
        error: &str,
    ) -> DomainResult<RetryOutcome> {
        mark_retry(self.conn(), now, mail, error)
            .await
            .map_err(|e| map_db_err(e, "rescheduling an email"))
    }
}

impl MailQueue for Database {
    async fn claim_due(&self, limit: u32, lease: Duration) -> DomainResult<Vec<QueuedMail>> {
        self.claim_due_at(Utc::now(), limit, lease).await
    }

    async fn mark_sent(&self, mail: &QueuedMail) -> DomainResult<bool> {
        finish(self.conn(), mail, SENT, None)
            .await
            .map_err(|e| map_db_err(e, "marking an email sent"))
    }

    async fn mark_retry(&self, mail: &QueuedMail, error: &str) -> DomainResult<RetryOutcome> {
        self.mark_retry_at(Utc::now(), mail, error).await
    }

    async fn mark_failed(&self, mail: &QueuedMail, error: &str) -> DomainResult<bool> {
        finish(self.conn(), mail, FAILED, Some(error))
            .await
            .map_err(|e| map_db_err(e, "marking an email failed"))
    }
}

async fn claim_due<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    limit: u32,
    lease: Duration,
) -> Result<Vec<QueuedMail>, DbErr> {
    let lease = TimeDelta::from_std(lease).unwrap_or(TimeDelta::hours(1));
    let candidates: Vec<(Uuid, String, i32)> = Entity::find()
        .select_only()
        .columns([Column::Id, Column::Status, Column::Attempts])
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(Column::Status.eq(PENDING))
                        .add(Column::NextAttemptAt.lte(now)),
                )
                .add(
                    Condition::all()
                        .add(Column::Status.eq(SENDING))
                        .add(Column::LockedUntil.lt(now)),
                ),
        )
        .order_by_asc(Column::NextAttemptAt)
        .limit(u64::from(limit))
        .into_tuple()
        .all(conn)
        .await?;

    let mut claimed = Vec::new();
    for (id, status, attempts) in candidates {
        let still_as_read = Condition::all()
            .add(Column::Id.eq(id))
            .add(Column::Status.eq(status.as_str()))
            .add(Column::Attempts.eq(attempts));
        if status == SENDING && attempts >= i32::try_from(MAX_ATTEMPTS).unwrap_or(i32::MAX) {
            // The worker holding the last attempt stopped mid-send: give up rather than loop.
            give_up(
                conn,
                still_as_read,
                "the delivery worker stopped during the last attempt",
            )
            .await?;
            continue;
        }
        let result = Entity::update_many()
            .col_expr(Column::Status, Expr::value(SENDING))
            .col_expr(Column::LockedUntil, Expr::value(Some(now + lease)))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .filter(still_as_read)
            .exec(conn)
            .await?;
        if result.rows_affected == 1 {
            claimed.push((id, u32::try_from(attempts).unwrap_or(0) + 1));
        }
    }
    if claimed.is_empty() {
        return Ok(Vec::new());
    }

    let rows = Entity::find()
        .filter(Column::Id.is_in(claimed.iter().map(|(id, _)| *id)))
        .all(conn)
        .await?;
    Ok(claimed
        .into_iter()
        .filter_map(|(id, attempt)| {
            let row = rows.iter().find(|r| r.id == id)?;
            Some(QueuedMail {
                id,
                attempt,
                mail: OutgoingMail {
                    to: row.recipient.clone(),
                    subject: row.subject.clone(),
                    text_body: row.text_body.clone(),
                    html_body: row.html_body.clone(),
                },
            })
        })
        .collect())
}

/// The row as this claim left it: still `sending` with the claimed attempt number.
fn current_claim(mail: &QueuedMail) -> Condition {
    Condition::all()
        .add(Column::Id.eq(mail.id))
        .add(Column::Status.eq(SENDING))
        .add(Column::Attempts.eq(i32::try_from(mail.attempt).unwrap_or(i32::MAX)))
}

/// Sent or failed for good: release the lease and erase the bodies, which hold single-use
/// links that should not outlive their purpose in the database.
async fn finish<C: ConnectionTrait>(
    conn: &C,
    mail: &QueuedMail,
    status: &'static str,
    error: Option<&str>,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let mut update = Entity::update_many()
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::LockedUntil, null_timestamp())
        .col_expr(Column::TextBody, Expr::value(""))
        .col_expr(Column::HtmlBody, Expr::value(""));
    if status == SENT {
        update = update.col_expr(Column::SentAt, Expr::value(Some(now)));
    }
    if let Some(error) = error {
        update = update.col_expr(Column::LastError, Expr::value(truncate(error)));
    }
    let result = update.filter(current_claim(mail)).exec(conn).await?;
    Ok(result.rows_affected == 1)
}

async fn give_up<C: ConnectionTrait>(
    conn: &C,
    condition: Condition,
    error: &str,
) -> Result<bool, DbErr> {
    let result = Entity::update_many()
        .col_expr(Column::Status, Expr::value(FAILED))
        .col_expr(Column::LockedUntil, null_timestamp())
        .col_expr(Column::TextBody, Expr::value(""))
        .col_expr(Column::HtmlBody, Expr::value(""))
        .col_expr(Column::LastError, Expr::value(truncate(error)))
        .filter(condition)
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

async fn mark_retry<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    mail: &QueuedMail,
    error: &str,
) -> Result<RetryOutcome, DbErr> {
    if mail.attempt >= MAX_ATTEMPTS {
        let gave_up = give_up(
            conn,
            current_claim(mail),
            &format!("gave up after {} attempts: {error}", mail.attempt),
        )
        .await?;
        return Ok(if gave_up {
            RetryOutcome::GaveUp
        } else {
            RetryOutcome::Stale
        });
    }
    let delay = TimeDelta::from_std(retry_delay(mail.attempt)).unwrap_or(TimeDelta::hours(1));
    let next = now + delay;
    let result = Entity::update_many()
        .col_expr(Column::Status, Expr::value(PENDING))
        .col_expr(Column::NextAttemptAt, Expr::value(next))
        .col_expr(Column::LockedUntil, null_timestamp())
        .col_expr(Column::LastError, Expr::value(truncate(error)))
        .filter(current_claim(mail))
        .exec(conn)
        .await?;
    Ok(if result.rows_affected == 1 {
        RetryOutcome::Scheduled(next)
    } else {
        RetryOutcome::Stale
    })
}

fn null_timestamp() -> sea_orm::sea_query::SimpleExpr {
    Expr::value(Value::ChronoDateTimeUtc(None))
}

fn truncate(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}
