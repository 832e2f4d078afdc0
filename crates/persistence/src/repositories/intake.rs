//! Email intake on SQLite and PostgreSQL: messages and their items, trusted senders, and the
//! per-sender reply counter. A message row and its processing job are written in one
//! transaction; finishing a message is conditional on it still being `received`, so a repeated
//! job records nothing twice.

use chrono::{DateTime, Utc};
use haven_domain::{
    accounts::{records::NewAuditEvent, types::UserStatus, Role},
    documents::store::PartyRecord,
    intake::{
        records::{
            IntakeItem, IntakeMessage, IntakePurpose, IntakeReason, IntakeStatus, IntakeTransport,
            ItemOutcome, TrustedSender, TrustedSenderKind, TrustedSenderStatus,
        },
        store::{
            Finished, IntakeStore, IntakeTarget, NewIntakeMessage, NewTrustedSender,
            SenderInvitation, Trust,
        },
    },
    jobs::NewJob,
    mail::Language,
    paging::PageRequest,
    DomainResult,
};
use sea_orm::{
    sea_query::{Expr, Func, OnConflict},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::{
    accounts::{insert_audit_event, queue_mail},
    commit, corrupt, db,
    organizations::to_organization,
};
use crate::{
    entities::{
        additional_email, intake_item, intake_message, intake_reply_counter, organization,
        organization_identifier, organization_member, trusted_sender, user,
    },
    keyset::{keyset_page, Direction},
    Database,
};

fn to_message(m: intake_message::Model) -> DomainResult<IntakeMessage> {
    Ok(IntakeMessage {
        id: m.id,
        environment_id: m.environment_id,
        organization_id: m.organization_id,
        purpose: IntakePurpose::parse(&m.purpose).ok_or_else(|| corrupt("intake purpose"))?,
        recipient: m.recipient,
        envelope_from: m.envelope_from,
        transport: IntakeTransport::parse(&m.transport)
            .ok_or_else(|| corrupt("intake transport"))?,
        raw_hash: m.raw_hash,
        size_bytes: u64::try_from(m.size_bytes).unwrap_or(0),
        sender: m.sender,
        subject: m.subject,
        status: IntakeStatus::parse(&m.status).ok_or_else(|| corrupt("intake status"))?,
        reason: m.reason.as_deref().and_then(IntakeReason::parse),
        replied: m.replied,
        received_at: m.received_at,
        processed_at: m.processed_at,
        sender_verdict: m
            .sender_verdict
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| corrupt("intake sender verdict"))?,
    })
}

fn to_item(m: intake_item::Model) -> DomainResult<IntakeItem> {
    Ok(IntakeItem {
        position: u32::try_from(m.position).unwrap_or(0),
        filename: m.filename,
        content_type: m.content_type,
        size_bytes: u64::try_from(m.size_bytes).unwrap_or(0),
        content_hash: m.content_hash,
        outcome: ItemOutcome::parse(&m.outcome).ok_or_else(|| corrupt("intake item outcome"))?,
        reason: m.reason.as_deref().and_then(IntakeReason::parse),
        detail: m.detail,
        document_id: m.document_id,
        draft_id: m.draft_id,
    })
}

fn to_sender(m: trusted_sender::Model) -> DomainResult<TrustedSender> {
    Ok(TrustedSender {
        id: m.id,
        environment_id: m.environment_id,
        organization_id: m.organization_id,
        kind: TrustedSenderKind::parse(&m.kind).ok_or_else(|| corrupt("trusted sender kind"))?,
        value: m.value,
        contact_email: m.contact_email,
        language: Language::parse(&m.language).unwrap_or_default(),
        status: TrustedSenderStatus::parse(&m.status)
            .ok_or_else(|| corrupt("trusted sender status"))?,
        created_by: m.created_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn statuses(list: &[TrustedSenderStatus]) -> Vec<&'static str> {
    list.iter().map(|s| s.as_str()).collect()
}

async fn target_of<C: ConnectionTrait>(
    conn: &C,
    org: organization::Model,
) -> DomainResult<IntakeTarget> {
    let sales_as_drafts = org.intake_sales_drafts;
    let organization = to_organization(org)?;
    let parties = organization_identifier::Entity::find()
        .filter(organization_identifier::Column::OrganizationId.eq(organization.id))
        .filter(organization_identifier::Column::ParticipantId.is_not_null())
        .all(conn)
        .await
        .map_err(db("loading an organization's participant ids"))?
        .into_iter()
        .map(|i| PartyRecord {
            participant_id: i.participant_id.unwrap_or_default(),
            organization_id: organization.id,
            environment_id: organization.environment_id,
            organization_name: organization.statutory_name.clone(),
            organization_status: organization.status,
            send_enabled: i.send_enabled,
            receive_enabled: i.receive_enabled,
            organization_country: organization.country.clone(),
            document_types: organization.document_types.clone(),
        })
        .collect();
    Ok(IntakeTarget {
        organization,
        parties,
        sales_as_drafts,
    })
}

async fn sender_row<C: ConnectionTrait>(conn: &C, id: Uuid) -> DomainResult<Option<TrustedSender>> {
    trusted_sender::Entity::find_by_id(id)
        .one(conn)
        .await
        .map_err(db("loading a trusted sender"))?
        .map(to_sender)
        .transpose()
}

impl Database {
    /// Whether `user` is active and may act for the organization: an Administrator of its
    /// environment, or one of its members.
    async fn acts_for(&self, user: &user::Model, organization_id: Uuid) -> DomainResult<bool> {
        if user.status != UserStatus::Active.as_str() {
            return Ok(false);
        }
        if user.role == Role::Administrator.as_str() {
            return Ok(true);
        }
        Ok(organization_member::Entity::find()
            .filter(organization_member::Column::OrganizationId.eq(organization_id))
            .filter(organization_member::Column::UserId.eq(user.id))
            .one(self.conn())
            .await
            .map_err(db("checking a membership"))?
            .is_some())
    }
}

impl IntakeStore for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn intake_target(&self, kvk: &str) -> DomainResult<Option<IntakeTarget>> {
        let participant = format!("0106:{kvk}");
        let Some(identifier) = organization_identifier::Entity::find()
            .filter(organization_identifier::Column::ParticipantId.eq(participant))
            .one(self.conn())
            .await
            .map_err(db("finding an intake address's organization"))?
        else {
            return Ok(None);
        };
        let Some(org) = organization::Entity::find_by_id(identifier.organization_id)
            .one(self.conn())
            .await
            .map_err(db("loading an organization"))?
        else {
            return Ok(None);
        };
        Ok(Some(target_of(self.conn(), org).await?))
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn intake_target_of(&self, organization_id: Uuid) -> DomainResult<Option<IntakeTarget>> {
        match organization::Entity::find_by_id(organization_id)
            .one(self.conn())
            .await
            .map_err(db("loading an organization"))?
        {
            Some(org) => Ok(Some(target_of(self.conn(), org).await?)),
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all, fields(message_id = %message.id), level = "debug", err(level = "debug"))]
    async fn record_message(&self, message: NewIntakeMessage, job: NewJob) -> DomainResult<()> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        intake_message::ActiveModel {
            id: Set(message.id),
            environment_id: Set(message.environment_id),
            organization_id: Set(message.organization_id),
            purpose: Set(message.purpose.as_str().to_owned()),
            recipient: Set(message.recipient),
            envelope_from: Set(message.envelope_from),
            transport: Set(message.transport.as_str().to_owned()),
            raw_hash: Set(message.raw_hash),
            size_bytes: Set(i64::try_from(message.size_bytes).unwrap_or(i64::MAX)),
            sender: Set(None),
            subject: Set(None),
            header_message_id: Set(None),
            status: Set(IntakeStatus::Received.as_str().to_owned()),
            reason: Set(None),
            replied: Set(false),
            received_at: Set(message.received_at),
            processed_at: Set(None),
            sender_verdict: Set(message
                .sender_verdict
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(|e| haven_domain::DomainError::Unexpected(e.into()))?),
        }
        .insert(&txn)
        .await
        .map_err(db("storing an intake message"))?;
        crate::jobs::enqueue(&txn, job)
            .await
            .map_err(db("queueing an intake message"))?;
        commit(txn).await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn message_for_job(&self, id: Uuid) -> DomainResult<Option<IntakeMessage>> {
        intake_message::Entity::find_by_id(id)
            .one(self.conn())
            .await
            .map_err(db("loading an intake message"))?
            .map(to_message)
            .transpose()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn trust(
        &self,
        environment_id: Uuid,
        organization_id: Uuid,
        sender: &str,
    ) -> DomainResult<Trust> {
        let sender = sender.trim().to_lowercase();
        let lower = |col: user::Column| Expr::expr(Func::lower(Expr::col((user::Entity, col))));
        let primary = user::Entity::find()
            .filter(user::Column::EnvironmentId.eq(environment_id))
            .filter(lower(user::Column::Email).eq(sender.clone()))
            .all(self.conn())
            .await
            .map_err(db("finding a sender among the users"))?;
        for user in &primary {
            if self.acts_for(user, organization_id).await? {
                return Ok(Trust::User {
                    email: sender,
                    language: Language::parse(&user.language).unwrap_or_default(),
                });
            }
        }
        let additional = additional_email::Entity::find()
            .filter(
                Expr::expr(Func::lower(Expr::col((
                    additional_email::Entity,
                    additional_email::Column::Email,
                ))))
                .eq(sender.clone()),
            )
            .filter(additional_email::Column::Status.eq("active"))
            .all(self.conn())
            .await
            .map_err(db("finding a sender among additional addresses"))?;
        for address in additional {
            let owner = user::Entity::find_by_id(address.user_id)
                .filter(user::Column::EnvironmentId.eq(environment_id))
                .one(self.conn())
                .await
                .map_err(db("loading an address's owner"))?;
            if let Some(owner) = owner {
                if self.acts_for(&owner, organization_id).await? {
                    return Ok(Trust::User {
                        email: sender,
                        language: Language::parse(&owner.language).unwrap_or_default(),
                    });
                }
            }
        }
        let domain = haven_domain::intake::addresses::domain_of(&sender).unwrap_or_default();
        let entry = trusted_sender::Entity::find()
            .filter(trusted_sender::Column::OrganizationId.eq(organization_id))
            .filter(trusted_sender::Column::Status.eq(TrustedSenderStatus::Active.as_str()))
            .filter(
                sea_orm::Condition::any()
                    .add(
                        sea_orm::Condition::all()
                            .add(
                                trusted_sender::Column::Kind
                                    .eq(TrustedSenderKind::Address.as_str()),
                            )
                            .add(trusted_sender::Column::Value.eq(sender)),
                    )
                    .add(
                        sea_orm::Condition::all()
                            .add(
                                trusted_sender::Column::Kind.eq(TrustedSenderKind::Domain.as_str()),
                            )
                            .add(trusted_sender::Column::Value.eq(domain)),
                    ),
            )
            .one(self.conn())
            .await
            .map_err(db("finding a trusted sender"))?;
        match entry {
            Some(entry) => Ok(Trust::Sender(Box::new(to_sender(entry)?))),
            None => Ok(Trust::None),
        }
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn processed_before(
        &self,
        organization_id: Uuid,
        content_hash: &str,
        except_message: Uuid,
    ) -> DomainResult<Option<Uuid>> {
        let messages = intake_message::Entity::find()
            .select_only()
            .column(intake_message::Column::Id)
            .filter(intake_message::Column::OrganizationId.eq(organization_id))
            .into_query();
        let found = intake_item::Entity::find()
            .filter(intake_item::Column::ContentHash.eq(content_hash))
            .filter(intake_item::Column::Outcome.eq(ItemOutcome::Document.as_str()))
            .filter(intake_item::Column::MessageId.ne(except_message))
            .filter(intake_item::Column::MessageId.in_subquery(messages))
            .one(self.conn())
            .await
            .map_err(db("looking for an earlier intake of a file"))?;
        Ok(found.and_then(|item| item.document_id))
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn drafted_before(
        &self,
        organization_id: Uuid,
        pdf_hash: &str,
        except_message: Uuid,
    ) -> DomainResult<Option<Uuid>> {
        super::intake_drafts::drafted_before(self.conn(), organization_id, pdf_hash, except_message)
            .await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn take_reply_slot(
        &self,
        sender: &str,
        window_start: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<bool> {
        use intake_reply_counter::Column as C;
        let count = Expr::col((intake_reply_counter::Entity, C::Count));
        let upsert = OnConflict::columns([C::Sender, C::WindowStart])
            .value(C::Count, count.clone().add(1))
            .action_and_where(count.lt(i64::from(limit)))
            .to_owned();
        let taken = intake_reply_counter::Entity::insert(intake_reply_counter::ActiveModel {
            sender: Set(sender.to_owned()),
            window_start: Set(window_start),
            count: Set(1),
        })
        .on_conflict(upsert)
        .exec_without_returning(self.write_conn())
        .await
        .map_err(db("counting a sender's rejection notices"))?;
        Ok(taken > 0 && limit > 0)
    }

    #[tracing::instrument(skip_all, fields(message_id = %id), level = "debug", err(level = "debug"))]
    async fn finish_message(&self, id: Uuid, finished: Finished) -> DomainResult<bool> {
        use intake_message::Column as M;
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let changed = intake_message::Entity::update_many()
            .col_expr(M::Status, Expr::value(finished.status.as_str()))
            .col_expr(
                M::Reason,
                Expr::value(finished.reason.map(IntakeReason::as_str)),
            )
            .col_expr(M::Sender, Expr::value(finished.sender))
            .col_expr(M::Subject, Expr::value(finished.subject))
            .col_expr(M::HeaderMessageId, Expr::value(finished.header_message_id))
            .col_expr(M::Replied, Expr::value(!finished.replies.is_empty()))
            .col_expr(M::ProcessedAt, Expr::value(finished.processed_at))
            .filter(M::Id.eq(id))
            .filter(M::Status.eq(IntakeStatus::Received.as_str()))
            .exec(&txn)
            .await
            .map_err(db("finishing an intake message"))?;
        if changed.rows_affected == 0 {
            return Ok(false);
        }
        for item in finished.items {
            intake_item::ActiveModel {
                id: Set(Uuid::new_v4()),
                message_id: Set(id),
                position: Set(i32::try_from(item.position).unwrap_or(i32::MAX)),
                filename: Set(item.filename),
                content_type: Set(item.content_type),
                size_bytes: Set(i64::try_from(item.size_bytes).unwrap_or(i64::MAX)),
                content_hash: Set(item.content_hash),
                outcome: Set(item.outcome.as_str().to_owned()),
                reason: Set(item.reason.map(|r| r.as_str().to_owned())),
                detail: Set(item.detail),
                document_id: Set(item.document_id),
                draft_id: Set(item.draft_id),
            }
            .insert(&txn)
            .await
            .map_err(db("storing an intake item"))?;
        }
        for draft in &finished.drafts {
            super::intake_drafts::insert_draft(&txn, draft).await?;
        }
        for mail in &finished.replies {
            queue_mail(&txn, mail).await?;
        }
        for event in finished.events {
            super::hooks::raise(&txn, event, finished.processed_at).await?;
        }
        if let Some(audit) = finished.audit {
            insert_audit_event(&txn, audit).await?;
        }
        commit(txn).await?;
        Ok(true)
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn list_messages(
        &self,
        organization_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<IntakeMessage>> {
        keyset_page(
            intake_message::Entity::find()
                .filter(intake_message::Column::OrganizationId.eq(organization_id)),
            intake_message::Column::ReceivedAt,
            intake_message::Column::Id,
            page.before.as_ref(),
            Direction::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing intake messages"))?
        .into_iter()
        .map(to_message)
        .collect()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn find_message(
        &self,
        organization_id: Uuid,
        id: Uuid,
    ) -> DomainResult<Option<IntakeMessage>> {
        Ok(self
            .message_for_job(id)
            .await?
            .filter(|m| m.organization_id == organization_id))
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn message_items(&self, message_id: Uuid) -> DomainResult<Vec<IntakeItem>> {
        intake_item::Entity::find()
            .filter(intake_item::Column::MessageId.eq(message_id))
            .order_by_asc(intake_item::Column::Position)
            .all(self.conn())
            .await
            .map_err(db("listing intake items"))?
            .into_iter()
            .map(to_item)
            .collect()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn list_trusted_senders(
        &self,
        organization_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<TrustedSender>> {
        keyset_page(
            trusted_sender::Entity::find()
                .filter(trusted_sender::Column::OrganizationId.eq(organization_id)),
            trusted_sender::Column::CreatedAt,
            trusted_sender::Column::Id,
            page.before.as_ref(),
            Direction::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing trusted senders"))?
        .into_iter()
        .map(to_sender)
        .collect()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn find_trusted_sender(
        &self,
        organization_id: Uuid,
        id: Uuid,
    ) -> DomainResult<Option<TrustedSender>> {
        Ok(sender_row(self.conn(), id)
            .await?
            .filter(|s| s.organization_id == organization_id))
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn add_trusted_sender(&self, new: NewTrustedSender) -> DomainResult<TrustedSender> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let s = new.sender;
        let row = trusted_sender::ActiveModel {
            id: Set(s.id),
            environment_id: Set(s.environment_id),
            organization_id: Set(s.organization_id),
            kind: Set(s.kind.as_str().to_owned()),
            value: Set(s.value),
            contact_email: Set(s.contact_email),
            language: Set(s.language.code().to_owned()),
            status: Set(s.status.as_str().to_owned()),
            invite_token_hash: Set(None),
            invite_expires_at: Set(None),
            created_by: Set(s.created_by),
            created_at: Set(s.created_at),
            updated_at: Set(s.updated_at),
        }
        .insert(&txn)
        .await
        .map_err(db("adding a trusted sender"))?;
        insert_audit_event(&txn, new.audit).await?;
        commit(txn).await?;
        to_sender(row)
    }

    #[tracing::instrument(skip_all, fields(trusted_sender_id = %id), level = "debug", err(level = "debug"))]
    async fn invite_trusted_sender(
        &self,
        id: Uuid,
        from: &[TrustedSenderStatus],
        invitation: SenderInvitation,
        audit: NewAuditEvent,
    ) -> DomainResult<Option<TrustedSender>> {
        use trusted_sender::Column as T;
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let changed = trusted_sender::Entity::update_many()
            .col_expr(
                T::Status,
                Expr::value(TrustedSenderStatus::Invited.as_str()),
            )
            .col_expr(T::InviteTokenHash, Expr::value(Some(invitation.token_hash)))
            .col_expr(T::InviteExpiresAt, Expr::value(Some(invitation.expires_at)))
            .col_expr(T::UpdatedAt, Expr::value(Utc::now()))
            .filter(T::Id.eq(id))
            .filter(T::Status.is_in(statuses(from)))
            .exec(&txn)
            .await
            .map_err(db("inviting a trusted sender"))?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        queue_mail(&txn, &invitation.mail).await?;
        insert_audit_event(&txn, audit).await?;
        let row = sender_row(&txn, id).await?;
        commit(txn).await?;
        Ok(row)
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn confirm_trusted_sender(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        audit: impl Fn(&TrustedSender) -> NewAuditEvent,
    ) -> DomainResult<Option<TrustedSender>> {
        use trusted_sender::Column as T;
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let Some(row) = trusted_sender::Entity::find()
            .filter(T::InviteTokenHash.eq(token_hash))
            .one(&txn)
            .await
            .map_err(db("finding a trusted sender's invitation"))?
        else {
            return Ok(None);
        };
        // The token goes with the change, in one conditional statement: it works once.
        let changed = trusted_sender::Entity::update_many()
            .col_expr(T::Status, Expr::value(TrustedSenderStatus::Active.as_str()))
            .col_expr(T::InviteTokenHash, Expr::value(Option::<String>::None))
            .col_expr(
                T::InviteExpiresAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(T::UpdatedAt, Expr::value(now))
            .filter(T::Id.eq(row.id))
            .filter(T::InviteTokenHash.eq(token_hash))
            .filter(T::Status.eq(TrustedSenderStatus::Invited.as_str()))
            .filter(T::InviteExpiresAt.gt(now))
            .exec(&txn)
            .await
            .map_err(db("confirming a trusted sender"))?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        let sender = sender_row(&txn, row.id)
            .await?
            .ok_or_else(|| corrupt("trusted sender vanished in its transaction"))?;
        insert_audit_event(&txn, audit(&sender)).await?;
        commit(txn).await?;
        Ok(Some(sender))
    }

    #[tracing::instrument(skip_all, fields(trusted_sender_id = %id), level = "debug", err(level = "debug"))]
    async fn set_trusted_sender_status(
        &self,
        id: Uuid,
        from: &[TrustedSenderStatus],
        to: TrustedSenderStatus,
        audit: NewAuditEvent,
    ) -> DomainResult<Option<TrustedSender>> {
        use trusted_sender::Column as T;
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let changed = trusted_sender::Entity::update_many()
            .col_expr(T::Status, Expr::value(to.as_str()))
            .col_expr(T::InviteTokenHash, Expr::value(Option::<String>::None))
            .col_expr(
                T::InviteExpiresAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(T::UpdatedAt, Expr::value(Utc::now()))
            .filter(T::Id.eq(id))
            .filter(T::Status.is_in(statuses(from)))
            .exec(&txn)
            .await
            .map_err(db("changing a trusted sender"))?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        insert_audit_event(&txn, audit).await?;
        let row = sender_row(&txn, id).await?;
        commit(txn).await?;
        Ok(row)
    }

    #[tracing::instrument(skip_all, fields(trusted_sender_id = %id), level = "debug", err(level = "debug"))]
    async fn delete_trusted_sender(&self, id: Uuid, audit: NewAuditEvent) -> DomainResult<bool> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let deleted = trusted_sender::Entity::delete_by_id(id)
            .exec(&txn)
            .await
            .map_err(db("removing a trusted sender"))?;
        if deleted.rows_affected == 0 {
            return Ok(false);
        }
        insert_audit_event(&txn, audit).await?;
        commit(txn).await?;
        Ok(true)
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn set_sales_as_drafts(
        &self,
        organization_id: Uuid,
        on: bool,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let updated = organization::Entity::update_many()
            .col_expr(organization::Column::IntakeSalesDrafts, Expr::value(on))
            .col_expr(organization::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(organization::Column::Id.eq(organization_id))
            .exec(&txn)
            .await
            .map_err(db("setting an organization's intake preference"))?;
        if updated.rows_affected == 0 {
            return Err(haven_domain::DomainError::not_found(
                "organization",
                organization_id,
            ));
        }
        insert_audit_event(&txn, audit).await?;
        commit(txn).await?;
        Ok(())
    }
}
