//! Intake drafts on SQLite and PostgreSQL. A draft is written with its message's outcome
//! (`finish_message`); here it is read, its fields saved while it is open, and it is finished
//! by one conditional update, so of two concurrent completions or discards only one wins.

use chrono::{DateTime, Utc};
use haven_domain::{
    intake::{
        records::{Draft, DraftStatus, IntakePurpose, InvoiceFields},
        store::DraftStore,
    },
    paging::PageRequest,
    DomainResult,
};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait,
    QueryFilter,
};
use uuid::Uuid;

use super::{corrupt, db};
use crate::{
    entities::intake_draft,
    keyset::{keyset_page, Direction},
    Database,
};

fn to_draft(m: intake_draft::Model) -> DomainResult<Draft> {
    Ok(Draft {
        id: m.id,
        environment_id: m.environment_id,
        organization_id: m.organization_id,
        message_id: m.message_id,
        position: u32::try_from(m.position).unwrap_or(0),
        purpose: IntakePurpose::parse(&m.purpose).ok_or_else(|| corrupt("draft purpose"))?,
        status: DraftStatus::parse(&m.status).ok_or_else(|| corrupt("draft status"))?,
        filename: m.filename,
        pdf_hash: m.pdf_hash,
        pdf_size: u64::try_from(m.pdf_size).unwrap_or(0),
        invoice_hash: m.invoice_hash,
        fields: serde_json::from_str(&m.fields).map_err(|_| corrupt("draft fields"))?,
        document_id: m.document_id,
        created_at: m.created_at,
        updated_at: m.updated_at,
        finished_at: m.finished_at,
        finished_by: m.finished_by,
    })
}

fn fields_json(fields: &InvoiceFields) -> String {
    serde_json::to_string(fields).unwrap_or_else(|_| "{}".into())
}

/// Stores a new draft (in the caller's transaction: the message's outcome).
pub(super) async fn insert_draft<C: ConnectionTrait>(conn: &C, draft: &Draft) -> DomainResult<()> {
    intake_draft::ActiveModel {
        id: Set(draft.id),
        environment_id: Set(draft.environment_id),
        organization_id: Set(draft.organization_id),
        message_id: Set(draft.message_id),
        position: Set(i32::try_from(draft.position).unwrap_or(i32::MAX)),
        purpose: Set(draft.purpose.as_str().to_owned()),
        status: Set(draft.status.as_str().to_owned()),
        filename: Set(draft.filename.clone()),
        pdf_hash: Set(draft.pdf_hash.clone()),
        pdf_size: Set(i64::try_from(draft.pdf_size).unwrap_or(i64::MAX)),
        invoice_hash: Set(draft.invoice_hash.clone()),
        fields: Set(fields_json(&draft.fields)),
        document_id: Set(draft.document_id),
        created_at: Set(draft.created_at),
        updated_at: Set(draft.updated_at),
        finished_at: Set(draft.finished_at),
        finished_by: Set(draft.finished_by.clone()),
    }
    .insert(conn)
    .await
    .map_err(db("storing an intake draft"))?;
    Ok(())
}

/// The newest draft of the organization from the same file (its PDF, or the invoice kept as
/// a draft) that was not discarded.
pub(super) async fn drafted_before<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    pdf_hash: &str,
    except_message: Uuid,
) -> DomainResult<Option<Uuid>> {
    use intake_draft::Column as D;
    Ok(intake_draft::Entity::find()
        .filter(D::OrganizationId.eq(organization_id))
        .filter(
            sea_orm::Condition::any()
                .add(D::PdfHash.eq(pdf_hash))
                .add(D::InvoiceHash.eq(pdf_hash)),
        )
        .filter(D::MessageId.ne(except_message))
        .filter(D::Status.ne(DraftStatus::Discarded.as_str()))
        .one(conn)
        .await
        .map_err(db("looking for an earlier draft of a file"))?
        .map(|d| d.id))
}

impl Database {
    async fn draft_by_id(&self, id: Uuid) -> DomainResult<Option<Draft>> {
        intake_draft::Entity::find_by_id(id)
            .one(self.conn())
            .await
            .map_err(db("loading an intake draft"))?
            .map(to_draft)
            .transpose()
    }
}

impl DraftStore for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn list_drafts(
        &self,
        organization_id: Uuid,
        status: Option<DraftStatus>,
        page: &PageRequest,
    ) -> DomainResult<Vec<Draft>> {
        use intake_draft::Column as D;
        let mut select = intake_draft::Entity::find().filter(D::OrganizationId.eq(organization_id));
        if let Some(status) = status {
            select = select.filter(D::Status.eq(status.as_str()));
        }
        keyset_page(
            select,
            D::CreatedAt,
            D::Id,
            page.before.as_ref(),
            Direction::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing intake drafts"))?
        .into_iter()
        .map(to_draft)
        .collect()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn find_draft(&self, organization_id: Uuid, id: Uuid) -> DomainResult<Option<Draft>> {
        Ok(self
            .draft_by_id(id)
            .await?
            .filter(|d| d.organization_id == organization_id))
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn save_draft_fields(
        &self,
        id: Uuid,
        fields: &InvoiceFields,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Draft>> {
        use intake_draft::Column as D;
        let changed = intake_draft::Entity::update_many()
            .col_expr(D::Fields, Expr::value(fields_json(fields)))
            .col_expr(D::UpdatedAt, Expr::value(now))
            .filter(D::Id.eq(id))
            .filter(D::Status.eq(DraftStatus::Open.as_str()))
            .exec(self.write_conn())
            .await
            .map_err(db("saving an intake draft"))?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        self.draft_by_id(id).await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn finish_draft(
        &self,
        id: Uuid,
        to: DraftStatus,
        document_id: Option<Uuid>,
        by: &str,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Draft>> {
        use intake_draft::Column as D;
        let changed = intake_draft::Entity::update_many()
            .col_expr(D::Status, Expr::value(to.as_str()))
            .col_expr(D::DocumentId, Expr::value(document_id))
            .col_expr(D::FinishedAt, Expr::value(now))
            .col_expr(D::FinishedBy, Expr::value(by))
            .col_expr(D::UpdatedAt, Expr::value(now))
            .filter(D::Id.eq(id))
            .filter(D::Status.eq(DraftStatus::Open.as_str()))
            .exec(self.write_conn())
            .await
            .map_err(db("finishing an intake draft"))?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        self.draft_by_id(id).await
    }
}
