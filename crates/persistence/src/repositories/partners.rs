//! Authorisation requests, partnerships and grants on SQLite and PostgreSQL. Every change is
//! one transaction with its audit events; answering, ending, accepting and revoking are
//! conditional updates on the status whose row count is the answer, so of two concurrent
//! answers exactly one wins. One active partnership per partner environment and
//! organization, and one live grant per organization and user, are unique indexes over a
//! `live` column that is NULL once closed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use haven_domain::{
    accounts::records::NewAuditEvent,
    connections::records::ConnectionStatus,
    mail::{Language, OutgoingMail},
    organizations::{policy::OrgRole, records::Organization},
    paging::PageRequest,
    partners::{
        records::{
            GrantStatus, NewGrant, NewPartnerRequest, PartnerAccess, PartnerGrant, PartnerRequest,
            Partnership, PartnershipStatus, RequestStatus,
        },
        store::{Answer, PartnerStore, RequestSide},
    },
    DomainError, DomainResult,
};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
    DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::accounts::insert_audit_event;
use super::organizations::to_organization;
use super::{commit, corrupt, db};
use crate::{
    entities::{connection, organization, partner_grant, partner_request, partnership, user},
    keyset::{keyset_page, Direction},
    Database,
};

fn to_request(m: partner_request::Model) -> DomainResult<PartnerRequest> {
    Ok(PartnerRequest {
        id: m.id,
        requester_environment_id: m.requester_environment_id,
        requester_environment_name: m.requester_environment_name,
        requested_by_name: m.requested_by_name,
        requested_by_email: m.requested_by_email,
        client_name: m.client_name,
        client_email: m.client_email,
        software: m.software,
        kvk_number: m.kvk_number,
        language: Language::parse(&m.language).unwrap_or_default(),
        status: RequestStatus::parse(&m.status).ok_or_else(|| corrupt("partner request status"))?,
        client_environment_id: m.client_environment_id,
        client_environment_name: m.client_environment_name,
        partnership_id: m.partnership_id,
        created_at: m.created_at,
        expires_at: m.expires_at,
        answered_at: m.answered_at,
        answered_by_email: m.answered_by_email,
    })
}

fn to_partnership(m: partnership::Model) -> DomainResult<Partnership> {
    Ok(Partnership {
        id: m.id,
        request_id: m.request_id,
        partner_environment_id: m.partner_environment_id,
        partner_environment_name: m.partner_environment_name,
        client_environment_id: m.client_environment_id,
        client_environment_name: m.client_environment_name,
        organization_id: m.organization_id,
        organization_name: m.organization_name,
        kvk_number: m.kvk_number,
        software: m.software,
        status: PartnershipStatus::parse(&m.status).ok_or_else(|| corrupt("partnership status"))?,
        created_at: m.created_at,
        ended_at: m.ended_at,
        ended_by_email: m.ended_by_email,
    })
}

fn to_grant(m: partner_grant::Model, p: &partnership::Model) -> DomainResult<PartnerGrant> {
    Ok(PartnerGrant {
        id: m.id,
        partnership_id: m.partnership_id,
        organization_id: m.organization_id,
        organization_name: p.organization_name.clone(),
        partner_environment_id: p.partner_environment_id,
        partner_environment_name: p.partner_environment_name.clone(),
        client_environment_id: p.client_environment_id,
        user_id: m.user_id,
        user_name: m.user_name,
        user_email: m.user_email,
        role: OrgRole::parse(&m.role).ok_or_else(|| corrupt("partner grant role"))?,
        status: GrantStatus::parse(&m.status).ok_or_else(|| corrupt("partner grant status"))?,
        offered_by_email: m.offered_by_email,
        created_at: m.created_at,
        accepted_at: m.accepted_at,
        revoked_at: m.revoked_at,
    })
}

/// Grants with their partnerships' names, read in one more query.
async fn grants_of<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<partner_grant::Model>,
) -> DomainResult<Vec<PartnerGrant>> {
    let ids: Vec<Uuid> = rows.iter().map(|g| g.partnership_id).collect();
    let partnerships: HashMap<Uuid, partnership::Model> = partnership::Entity::find()
        .filter(partnership::Column::Id.is_in(ids))
        .all(conn)
        .await
        .map_err(db("loading partnerships of grants"))?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    rows.into_iter()
        .map(|g| {
            let p = partnerships
                .get(&g.partnership_id)
                .ok_or_else(|| corrupt("partner grant's partnership"))?;
            to_grant(g, p)
        })
        .collect()
}

async fn grant_row<C: ConnectionTrait>(conn: &C, id: Uuid) -> DomainResult<Option<PartnerGrant>> {
    let Some(row) = partner_grant::Entity::find_by_id(id)
        .one(conn)
        .await
        .map_err(db("loading a partner grant"))?
    else {
        return Ok(None);
    };
    Ok(grants_of(conn, vec![row]).await?.pop())
}

async fn request_row<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> DomainResult<Option<PartnerRequest>> {
    partner_request::Entity::find_by_id(id)
        .one(conn)
        .await
        .map_err(db("loading a partner request"))?
        .map(to_request)
        .transpose()
}

async fn partnership_row<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> DomainResult<Option<Partnership>> {
    partnership::Entity::find_by_id(id)
        .one(conn)
        .await
        .map_err(db("loading a partnership"))?
        .map(to_partnership)
        .transpose()
}

/// Offered or active grants → revoked (and no longer live), for the caller to narrow down.
fn revoke_live_grants(now: DateTime<Utc>) -> sea_orm::UpdateMany<partner_grant::Entity> {
    partner_grant::Entity::update_many()
        .col_expr(
            partner_grant::Column::Status,
            Expr::value(GrantStatus::Revoked.as_str()),
        )
        .col_expr(
            partner_grant::Column::Live,
            Expr::value(Option::<i16>::None),
        )
        .col_expr(partner_grant::Column::RevokedAt, Expr::value(now))
        .filter(partner_grant::Column::Status.ne(GrantStatus::Revoked.as_str()))
}

async fn insert_audits(txn: &DatabaseTransaction, audits: Vec<NewAuditEvent>) -> DomainResult<()> {
    for audit in audits {
        insert_audit_event(txn, audit).await?;
    }
    Ok(())
}

/// The access an accepted grant in an active partnership gives `user_id` (of
/// `environment_id`) on another environment's organization.
pub(crate) async fn partner_access_of<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    environment_id: Uuid,
    organization_id: Uuid,
) -> DomainResult<Option<PartnerAccess>> {
    let grants = partner_grant::Entity::find()
        .filter(partner_grant::Column::UserId.eq(user_id))
        .filter(partner_grant::Column::OrganizationId.eq(organization_id))
        .filter(partner_grant::Column::Status.eq(GrantStatus::Active.as_str()))
        .all(conn)
        .await
        .map_err(db("loading partner grants"))?;
    for grant in grants {
        let active = partnership::Entity::find_by_id(grant.partnership_id)
            .filter(partnership::Column::Status.eq(PartnershipStatus::Active.as_str()))
            .filter(partnership::Column::PartnerEnvironmentId.eq(environment_id))
            .one(conn)
            .await
            .map_err(db("loading a grant's partnership"))?;
        if let (Some(p), Some(role)) = (active, OrgRole::parse(&grant.role)) {
            return Ok(Some(PartnerAccess {
                role,
                partnership_id: p.id,
                partner_environment_id: p.partner_environment_id,
            }));
        }
    }
    Ok(None)
}

/// The organizations `user_id` (of `environment_id`) reaches through accepted grants in
/// active partnerships.
pub(crate) async fn partner_organizations_of<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    environment_id: Uuid,
) -> DomainResult<Vec<(Organization, PartnerAccess)>> {
    let organization_ids: Vec<Uuid> = partner_grant::Entity::find()
        .filter(partner_grant::Column::UserId.eq(user_id))
        .filter(partner_grant::Column::Status.eq(GrantStatus::Active.as_str()))
        .all(conn)
        .await
        .map_err(db("loading a user's partner grants"))?
        .into_iter()
        .map(|g| g.organization_id)
        .collect();
    let mut reached = Vec::new();
    for organization_id in organization_ids {
        let Some(access) =
            partner_access_of(conn, user_id, environment_id, organization_id).await?
        else {
            continue;
        };
        if let Some(row) = organization::Entity::find_by_id(organization_id)
            .one(conn)
            .await
            .map_err(db("loading a partner organization"))?
        {
            reached.push((to_organization(row)?, access));
        }
    }
    Ok(reached)
}

/// Whether the connection's partnership (if it has one) has ended.
pub(crate) async fn partnership_ended<C: ConnectionTrait>(
    conn: &C,
    partnership_id: Option<Uuid>,
) -> DomainResult<bool> {
    let Some(id) = partnership_id else {
        return Ok(false);
    };
    Ok(partnership::Entity::find_by_id(id)
        .one(conn)
        .await
        .map_err(db("loading a connection's partnership"))?
        .is_none_or(|p| p.status != PartnershipStatus::Active.as_str()))
}

impl PartnerStore for Database {
    #[tracing::instrument(skip_all, fields(request_id = %new.id), level = "debug", err(level = "debug"))]
    async fn create_request(
        &self,
        new: NewPartnerRequest,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<PartnerRequest> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let row = partner_request::ActiveModel {
            id: Set(new.id),
            requester_environment_id: Set(new.requester_environment_id),
            requester_environment_name: Set(new.requester_environment_name),
            requested_by: Set(Some(new.requested_by)),
            requested_by_name: Set(new.requested_by_name),
            requested_by_email: Set(new.requested_by_email),
            client_name: Set(new.client_name),
            client_email: Set(new.client_email),
            software: Set(new.software),
            kvk_number: Set(new.kvk_number),
            language: Set(new.language.code().to_owned()),
            token_hash: Set(new.token_hash),
            status: Set(RequestStatus::Pending.as_str().to_owned()),
            client_environment_id: Set(None),
            client_environment_name: Set(None),
            partnership_id: Set(None),
            created_at: Set(Utc::now()),
            expires_at: Set(new.expires_at),
            answered_at: Set(None),
            answered_by_email: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(db("creating a partner request"))?;
        crate::mail_queue::enqueue(&txn, &mail)
            .await
            .map_err(db("queueing the partner request email"))?;
        insert_audit_event(&txn, audit).await?;
        commit(txn).await?;
        to_request(row)
    }

    async fn find_request(&self, id: Uuid) -> DomainResult<Option<PartnerRequest>> {
        request_row(self.conn(), id).await
    }

    async fn find_request_by_token(
        &self,
        token_hash: &str,
    ) -> DomainResult<Option<PartnerRequest>> {
        partner_request::Entity::find()
            .filter(partner_request::Column::TokenHash.eq(token_hash))
            .one(self.conn())
            .await
            .map_err(db("loading a partner request by token"))?
            .map(to_request)
            .transpose()
    }

    async fn list_requests(
        &self,
        side: RequestSide,
        environment_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<PartnerRequest>> {
        let column = match side {
            RequestSide::Sent => partner_request::Column::RequesterEnvironmentId,
            RequestSide::Received => partner_request::Column::ClientEnvironmentId,
        };
        keyset_page(
            partner_request::Entity::find().filter(column.eq(environment_id)),
            partner_request::Column::CreatedAt,
            partner_request::Column::Id,
            page.before.as_ref(),
            Direction::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing partner requests"))?
        .into_iter()
        .map(to_request)
        .collect()
    }

    #[tracing::instrument(skip_all, fields(request_id = %id), level = "debug", err(level = "debug"))]
    async fn claim_request(
        &self,
        id: Uuid,
        client_environment_id: Uuid,
        client_environment_name: &str,
        audits: Vec<NewAuditEvent>,
    ) -> DomainResult<bool> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let changed = partner_request::Entity::update_many()
            .col_expr(
                partner_request::Column::ClientEnvironmentId,
                Expr::value(client_environment_id),
            )
            .col_expr(
                partner_request::Column::ClientEnvironmentName,
                Expr::value(client_environment_name),
            )
            .filter(partner_request::Column::Id.eq(id))
            .filter(partner_request::Column::ClientEnvironmentId.is_null())
            .exec(&txn)
            .await
            .map_err(db("opening a partner request"))?;
        if changed.rows_affected == 0 {
            return Ok(false);
        }
        insert_audits(&txn, audits).await?;
        commit(txn).await?;
        Ok(true)
    }

    #[tracing::instrument(skip_all, fields(request_id = %id), level = "debug", err(level = "debug"))]
    async fn accept_request(
        &self,
        id: Uuid,
        organization: &Organization,
        now: DateTime<Utc>,
        answered_by_email: &str,
        audits: Vec<NewAuditEvent>,
    ) -> DomainResult<Option<Partnership>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let partnership_id = Uuid::new_v4();
        let changed = partner_request::Entity::update_many()
            .col_expr(
                partner_request::Column::Status,
                Expr::value(RequestStatus::Accepted.as_str()),
            )
            .col_expr(partner_request::Column::AnsweredAt, Expr::value(now))
            .col_expr(
                partner_request::Column::AnsweredByEmail,
                Expr::value(answered_by_email),
            )
            .col_expr(
                partner_request::Column::PartnershipId,
                Expr::value(partnership_id),
            )
            .filter(partner_request::Column::Id.eq(id))
            .filter(partner_request::Column::Status.eq(RequestStatus::Pending.as_str()))
            .filter(partner_request::Column::ExpiresAt.gt(now))
            .filter(partner_request::Column::ClientEnvironmentId.eq(organization.environment_id))
            .exec(&txn)
            .await
            .map_err(db("accepting a partner request"))?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        let request = request_row(&txn, id)
            .await?
            .ok_or_else(|| DomainError::not_found("partner request", id))?;
        let row = partnership::ActiveModel {
            id: Set(partnership_id),
            request_id: Set(id),
            partner_environment_id: Set(request.requester_environment_id),
            partner_environment_name: Set(request.requester_environment_name),
            client_environment_id: Set(organization.environment_id),
            client_environment_name: Set(request.client_environment_name.unwrap_or_default()),
            organization_id: Set(organization.id),
            organization_name: Set(organization.statutory_name.clone()),
            kvk_number: Set(request.kvk_number),
            software: Set(request.software),
            status: Set(PartnershipStatus::Active.as_str().to_owned()),
            live: Set(Some(1)),
            created_at: Set(now),
            ended_at: Set(None),
            ended_by_email: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(db("creating a partnership"))?;
        let mut audits = audits;
        for audit in &mut audits {
            if let serde_json::Value::Object(map) = &mut audit.details {
                map.insert("partnershipId".into(), partnership_id.to_string().into());
            }
        }
        insert_audits(&txn, audits).await?;
        commit(txn).await?;
        to_partnership(row).map(Some)
    }

    #[tracing::instrument(skip_all, fields(request_id = %id), level = "debug", err(level = "debug"))]
    async fn close_request(
        &self,
        id: Uuid,
        answer: Answer,
        now: DateTime<Utc>,
        by_email: Option<&str>,
        audits: Vec<NewAuditEvent>,
    ) -> DomainResult<Option<PartnerRequest>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let (status, unexpired) = match answer {
            Answer::Decline => (RequestStatus::Declined, true),
            Answer::Withdraw => (RequestStatus::Withdrawn, true),
            Answer::Expire => (RequestStatus::Expired, false),
        };
        let mut update = partner_request::Entity::update_many()
            .col_expr(
                partner_request::Column::Status,
                Expr::value(status.as_str()),
            )
            .col_expr(partner_request::Column::AnsweredAt, Expr::value(now))
            .col_expr(
                partner_request::Column::AnsweredByEmail,
                Expr::value(by_email.map(str::to_owned)),
            )
            .filter(partner_request::Column::Id.eq(id))
            .filter(partner_request::Column::Status.eq(RequestStatus::Pending.as_str()));
        update = if unexpired {
            update.filter(partner_request::Column::ExpiresAt.gt(now))
        } else {
            update.filter(partner_request::Column::ExpiresAt.lte(now))
        };
        let changed = update
            .exec(&txn)
            .await
            .map_err(db("closing a partner request"))?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        insert_audits(&txn, audits).await?;
        let row = request_row(&txn, id).await?;
        commit(txn).await?;
        Ok(row)
    }

    async fn requests_due_for_expiry(
        &self,
        now: DateTime<Utc>,
        limit: u64,
    ) -> DomainResult<Vec<PartnerRequest>> {
        partner_request::Entity::find()
            .filter(partner_request::Column::Status.eq(RequestStatus::Pending.as_str()))
            .filter(partner_request::Column::ExpiresAt.lte(now))
            .limit(limit)
            .all(self.conn())
            .await
            .map_err(db("listing expired partner requests"))?
            .into_iter()
            .map(to_request)
            .collect()
    }

    async fn organization_by_kvk(
        &self,
        environment_id: Uuid,
        kvk_number: &str,
    ) -> DomainResult<Option<Organization>> {
        organization::Entity::find()
            .filter(organization::Column::EnvironmentId.eq(environment_id))
            .filter(organization::Column::KvkNumber.eq(kvk_number))
            .one(self.conn())
            .await
            .map_err(db("loading an organization by KvK number"))?
            .map(to_organization)
            .transpose()
    }

    async fn find_partnership(&self, id: Uuid) -> DomainResult<Option<Partnership>> {
        partnership_row(self.conn(), id).await
    }

    async fn list_partnerships(
        &self,
        environment_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<Partnership>> {
        keyset_page(
            partnership::Entity::find().filter(
                sea_orm::Condition::any()
                    .add(partnership::Column::PartnerEnvironmentId.eq(environment_id))
                    .add(partnership::Column::ClientEnvironmentId.eq(environment_id)),
            ),
            partnership::Column::CreatedAt,
            partnership::Column::Id,
            page.before.as_ref(),
            Direction::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing partnerships"))?
        .into_iter()
        .map(to_partnership)
        .collect()
    }

    #[tracing::instrument(skip_all, fields(partnership_id = %id), level = "debug", err(level = "debug"))]
    async fn end_partnership(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        by_email: &str,
        audits: Vec<NewAuditEvent>,
    ) -> DomainResult<Option<Partnership>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let changed = partnership::Entity::update_many()
            .col_expr(
                partnership::Column::Status,
                Expr::value(PartnershipStatus::Ended.as_str()),
            )
            .col_expr(partnership::Column::Live, Expr::value(Option::<i16>::None))
            .col_expr(partnership::Column::EndedAt, Expr::value(now))
            .col_expr(partnership::Column::EndedByEmail, Expr::value(by_email))
            .filter(partnership::Column::Id.eq(id))
            .filter(partnership::Column::Status.eq(PartnershipStatus::Active.as_str()))
            .exec(&txn)
            .await
            .map_err(db("ending a partnership"))?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        revoke_live_grants(now)
            .filter(partner_grant::Column::PartnershipId.eq(id))
            .exec(&txn)
            .await
            .map_err(db("revoking a partnership's grants"))?;
        // The keys stop through the partnership check on every request already; revoking
        // them too shows it in the client's list of keys.
        connection::Entity::update_many()
            .col_expr(
                connection::Column::Status,
                Expr::value(ConnectionStatus::Revoked.as_str()),
            )
            .col_expr(connection::Column::RevokedAt, Expr::value(now))
            .filter(connection::Column::PartnershipId.eq(id))
            .filter(connection::Column::Status.eq(ConnectionStatus::Active.as_str()))
            .exec(&txn)
            .await
            .map_err(db("revoking a partnership's connection keys"))?;
        insert_audits(&txn, audits).await?;
        let row = partnership_row(&txn, id).await?;
        commit(txn).await?;
        Ok(row)
    }

    #[tracing::instrument(skip_all, fields(grant_id = %new.id), level = "debug", err(level = "debug"))]
    async fn offer_grant(
        &self,
        new: NewGrant,
        audits: Vec<NewAuditEvent>,
    ) -> DomainResult<Option<PartnerGrant>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        // Read the partnership under a row lock so that it cannot end half-way.
        let Some(partnership) = partnership::Entity::find_by_id(new.partnership_id)
            .filter(partnership::Column::Status.eq(PartnershipStatus::Active.as_str()))
            .lock_exclusive()
            .one(&txn)
            .await
            .map_err(db("locking a partnership"))?
        else {
            return Ok(None);
        };
        let partner_user = user::Entity::find()
            .filter(user::Column::EnvironmentId.eq(partnership.partner_environment_id))
            .filter(user::Column::Email.eq(new.user_email.as_str()))
            .filter(user::Column::Status.eq("active"))
            .one(&txn)
            .await
            .map_err(db("finding a partner user"))?
            .ok_or_else(|| DomainError::not_found("user", &new.user_email))?;
        let row = partner_grant::ActiveModel {
            id: Set(new.id),
            partnership_id: Set(partnership.id),
            organization_id: Set(new.organization_id),
            user_id: Set(partner_user.id),
            user_name: Set(partner_user.name),
            user_email: Set(partner_user.email),
            role: Set(new.role.as_str().to_owned()),
            status: Set(GrantStatus::Offered.as_str().to_owned()),
            live: Set(Some(1)),
            offered_by_email: Set(new.offered_by_email),
            created_at: Set(Utc::now()),
            accepted_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(db("offering a partner grant"))?;
        insert_audits(&txn, audits).await?;
        let grant = to_grant(row, &partnership)?;
        commit(txn).await?;
        Ok(Some(grant))
    }

    async fn find_grant(&self, id: Uuid) -> DomainResult<Option<PartnerGrant>> {
        grant_row(self.conn(), id).await
    }

    async fn list_organization_grants(
        &self,
        organization_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<PartnerGrant>> {
        let rows = keyset_page(
            partner_grant::Entity::find()
                .filter(partner_grant::Column::OrganizationId.eq(organization_id)),
            partner_grant::Column::CreatedAt,
            partner_grant::Column::Id,
            page.before.as_ref(),
            Direction::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing an organization's partner grants"))?;
        grants_of(self.conn(), rows).await
    }

    async fn list_user_grants(
        &self,
        user_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<PartnerGrant>> {
        let rows = keyset_page(
            partner_grant::Entity::find().filter(partner_grant::Column::UserId.eq(user_id)),
            partner_grant::Column::CreatedAt,
            partner_grant::Column::Id,
            page.before.as_ref(),
            Direction::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing a user's partner grants"))?;
        grants_of(self.conn(), rows).await
    }

    #[tracing::instrument(skip_all, fields(grant_id = %id), level = "debug", err(level = "debug"))]
    async fn accept_grant(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        audits: Vec<NewAuditEvent>,
    ) -> DomainResult<Option<PartnerGrant>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let Some(grant) = partner_grant::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(db("loading a partner grant"))?
        else {
            return Ok(None);
        };
        // The partnership must still be active: lock it so that ending waits for us.
        if partnership::Entity::find_by_id(grant.partnership_id)
            .filter(partnership::Column::Status.eq(PartnershipStatus::Active.as_str()))
            .lock_exclusive()
            .one(&txn)
            .await
            .map_err(db("locking a partnership"))?
            .is_none()
        {
            return Ok(None);
        }
        let changed = partner_grant::Entity::update_many()
            .col_expr(
                partner_grant::Column::Status,
                Expr::value(GrantStatus::Active.as_str()),
            )
            .col_expr(partner_grant::Column::AcceptedAt, Expr::value(now))
            .filter(partner_grant::Column::Id.eq(id))
            .filter(partner_grant::Column::Status.eq(GrantStatus::Offered.as_str()))
            .exec(&txn)
            .await
            .map_err(db("accepting a partner grant"))?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        insert_audits(&txn, audits).await?;
        let grant = grant_row(&txn, id).await?;
        commit(txn).await?;
        Ok(grant)
    }

    #[tracing::instrument(skip_all, fields(grant_id = %id), level = "debug", err(level = "debug"))]
    async fn revoke_grant(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        audits: Vec<NewAuditEvent>,
    ) -> DomainResult<Option<PartnerGrant>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let changed = revoke_live_grants(now)
            .filter(partner_grant::Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(db("revoking a partner grant"))?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        let grant = grant_row(&txn, id).await?;
        if let Some(grant) = &grant {
            // The keys the partner user made under this access were made on its authority:
            // they stop with it, even while the partnership (and other grants) go on.
            connection::Entity::update_many()
                .col_expr(
                    connection::Column::Status,
                    Expr::value(ConnectionStatus::Revoked.as_str()),
                )
                .col_expr(connection::Column::RevokedAt, Expr::value(now))
                .filter(connection::Column::PartnershipId.eq(grant.partnership_id))
                .filter(connection::Column::OrganizationId.eq(grant.organization_id))
                .filter(connection::Column::CreatedBy.eq(grant.user_id))
                .filter(connection::Column::Status.eq(ConnectionStatus::Active.as_str()))
                .exec(&txn)
                .await
                .map_err(db("revoking a grant's connection keys"))?;
        }
        insert_audits(&txn, audits).await?;
        commit(txn).await?;
        Ok(grant)
    }
}
