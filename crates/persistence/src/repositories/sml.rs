//! SML registration records and the jobs that keep the SML in step with Haven's SMP. The
//! organization store calls [`published_of`] at the start of a change that can alter what an
//! organization publishes and [`follow`] before its commit, so that an `sml_register` or
//! `sml_unregister` job exists exactly when the change does (outbox).

use chrono::Utc;
use haven_domain::{
    jobs::{JobKind, NewJob},
    organizations::records::OrgStatus,
    peppol::registration::{SmlJob, SmlRecords, SmlRegistration, SmlState},
    DomainResult,
};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::{corrupt, db};
use crate::{
    entities::{organization, organization_identifier, sml_registration},
    Database,
};

/// The participant ids (lower case) that Haven's SMP publishes, of one organization or of
/// all: identifiers with a participant id and Receive or Send on (a seller that only sends
/// gets Invoice Responses), of active organizations.
async fn published<C: ConnectionTrait>(
    conn: &C,
    organization_id: Option<Uuid>,
) -> DomainResult<Vec<String>> {
    let owner = organization_identifier::Entity::belongs_to(organization::Entity)
        .from(organization_identifier::Column::OrganizationId)
        .to(organization::Column::Id)
        .into();
    let mut query = organization_identifier::Entity::find()
        .join(JoinType::InnerJoin, owner)
        .filter(
            Condition::any()
                .add(organization_identifier::Column::ReceiveEnabled.eq(true))
                .add(organization_identifier::Column::SendEnabled.eq(true)),
        )
        .filter(organization_identifier::Column::ParticipantId.is_not_null())
        .filter(organization::Column::Status.eq(OrgStatus::Active.as_str()));
    if let Some(id) = organization_id {
        query = query.filter(organization_identifier::Column::OrganizationId.eq(id));
    }
    let rows = query
        .select_only()
        .column(organization_identifier::Column::ParticipantId)
        .into_tuple::<Option<String>>()
        .all(conn)
        .await
        .map_err(db("listing published participant ids"))?;
    Ok(rows
        .into_iter()
        .flatten()
        .map(|p| p.to_ascii_lowercase())
        .collect())
}

/// What `organization_id` publishes now (read inside the change's transaction).
pub(crate) async fn published_of<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
) -> DomainResult<Vec<String>> {
    published(conn, Some(organization_id)).await
}

fn job(participant_id: &str, register: bool) -> NewJob {
    NewJob::new(
        if register {
            JobKind::SmlRegister
        } else {
            JobKind::SmlUnregister
        },
        serde_json::to_value(SmlJob {
            participant_id: participant_id.to_owned(),
        })
        .unwrap_or_default(),
    )
}

/// Marks `participant_id` pending and queues its job. A `moved` id keeps its state: the job
/// reads it (`registration::sync_participant` leaves a moved id alone while it is published
/// and forgets it afterwards).
async fn queue<C: ConnectionTrait>(
    conn: &C,
    participant_id: &str,
    register: bool,
) -> DomainResult<()> {
    let state = sml_registration::Entity::find_by_id(participant_id.to_ascii_lowercase())
        .select_only()
        .column(sml_registration::Column::State)
        .into_tuple::<String>()
        .one(conn)
        .await
        .map_err(db("reading an SML registration"))?;
    if state.as_deref() != Some(SmlState::Moved.as_str()) {
        upsert(conn, participant_id, SmlState::Pending, None).await?;
    }
    crate::jobs::enqueue(conn, job(participant_id, register))
        .await
        .map_err(db("queueing an SML job"))?;
    Ok(())
}

/// Queues the SML jobs for what `organization_id` publishes now compared with `before`.
pub(crate) async fn follow<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    before: &[String],
) -> DomainResult<()> {
    let after = published_of(conn, organization_id).await?;
    for added in after.iter().filter(|p| !before.contains(p)) {
        queue(conn, added, true).await?;
    }
    for gone in before.iter().filter(|p| !after.contains(p)) {
        queue(conn, gone, false).await?;
    }
    Ok(())
}

async fn upsert<C: ConnectionTrait>(
    conn: &C,
    participant_id: &str,
    state: SmlState,
    reason: Option<&str>,
) -> DomainResult<()> {
    let row = sml_registration::ActiveModel {
        participant_id: Set(participant_id.to_ascii_lowercase()),
        state: Set(state.as_str().to_owned()),
        reason: Set(reason.map(|r| r.chars().take(500).collect())),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    sml_registration::Entity::insert(row)
        .on_conflict(
            OnConflict::column(sml_registration::Column::ParticipantId)
                .update_columns([
                    sml_registration::Column::State,
                    sml_registration::Column::Reason,
                    sml_registration::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await
        .map_err(db("recording an SML registration"))?;
    Ok(())
}

impl SmlRecords for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn record_sml(
        &self,
        participant_id: &str,
        state: SmlState,
        reason: Option<&str>,
    ) -> DomainResult<()> {
        upsert(self.write_conn(), participant_id, state, reason).await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn note_migration_prepared(&self, participant_id: &str) -> DomainResult<()> {
        sml_registration::Entity::update_many()
            .col_expr(
                sml_registration::Column::MigrationPreparedAt,
                Expr::value(Utc::now()),
            )
            .filter(sml_registration::Column::ParticipantId.eq(participant_id.to_ascii_lowercase()))
            .exec(self.write_conn())
            .await
            .map_err(db("noting a migration key"))?;
        Ok(())
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn forget_sml(&self, participant_id: &str) -> DomainResult<()> {
        sml_registration::Entity::delete_many()
            .filter(sml_registration::Column::ParticipantId.eq(participant_id.to_ascii_lowercase()))
            .exec(self.write_conn())
            .await
            .map_err(db("forgetting an SML registration"))?;
        Ok(())
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn sml_registrations(
        &self,
        participant_ids: &[String],
    ) -> DomainResult<Vec<SmlRegistration>> {
        if participant_ids.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: Vec<String> = participant_ids
            .iter()
            .map(|p| p.to_ascii_lowercase())
            .collect();
        sml_registration::Entity::find()
            .filter(Expr::col(sml_registration::Column::ParticipantId).is_in(wanted))
            .all(self.conn())
            .await
            .map_err(db("reading SML registrations"))?
            .into_iter()
            .map(|m| {
                Ok(SmlRegistration {
                    state: SmlState::parse(&m.state).ok_or_else(|| corrupt("SML state"))?,
                    participant_id: m.participant_id,
                    reason: m.reason,
                    migration_prepared: m.migration_prepared_at.is_some(),
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn sml_candidates(&self) -> DomainResult<Vec<String>> {
        let mut all = published(self.conn(), None).await?;
        let recorded = sml_registration::Entity::find()
            .select_only()
            .column(sml_registration::Column::ParticipantId)
            .into_tuple::<String>()
            .all(self.conn())
            .await
            .map_err(db("listing SML registrations"))?;
        for id in recorded {
            if !all.contains(&id) {
                all.push(id);
            }
        }
        Ok(all)
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn queue_sml(&self, participant_id: &str, register: bool) -> DomainResult<()> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        queue(&txn, &participant_id.to_ascii_lowercase(), register).await?;
        txn.commit().await.map_err(db("committing"))
    }
}
