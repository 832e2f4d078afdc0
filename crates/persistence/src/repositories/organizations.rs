//! The organization store on SQLite and PostgreSQL. Every public method is one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use haven_domain::{
    accounts::records::NewAuditEvent,
    mail::OutgoingMail,
    organizations::{
        policy::OrgRole,
        records::{
            ActivationMethod, Address, Member, OrgEvent, OrgEventKind, OrgIdentifier, OrgStatus,
            Organization,
        },
        store::{
            organization_limit_reached, CodeOutcome, NewIdentifier, NewOrgEvent, NewOrganization,
            OrganizationChange, OrganizationStore, MAX_CODE_ATTEMPTS,
        },
    },
    DomainError, DomainResult,
};
use sea_orm::{
    sea_query::{Expr, IntoCondition},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationDef, SqlErr,
};
use std::collections::BTreeSet;

use haven_domain::peppol::directory::directory_jobs;
use haven_domain::peppol::directory_details::DirectoryDetails;
use haven_domain::peppol::document_types::{accepted_document_types, to_stored};
use uuid::Uuid;

use super::accounts::{insert_audit_event, lock_environment, queue_mail};
use super::{commit, corrupt, db};
use haven_domain::paging::{NamePage, PageRequest};

use crate::keyset::{keyset_page, Direction};
use crate::{
    entities::{
        organization, organization_event, organization_identifier, organization_member, user,
    },
    error::map_db_err,
    jobs::enqueue_many,
    Database,
};

pub(crate) fn to_organization(m: organization::Model) -> DomainResult<Organization> {
    let document_types = accepted_document_types(m.peppol_document_types.as_deref(), &m.country);
    Ok(Organization {
        id: m.id,
        environment_id: m.environment_id,
        statutory_name: m.statutory_name,
        trade_names: serde_json::from_str(&m.trade_names).unwrap_or_default(),
        address: Address {
            street: m.street,
            house_number: m.house_number,
            postal_code: m.postal_code,
            city: m.city,
        },
        country: m.country,
        contact_name: m.contact_name,
        contact_email: m.contact_email,
        kvk_number: m.kvk_number,
        status: OrgStatus::parse(&m.status).ok_or_else(|| corrupt("organization status"))?,
        activation_method: m
            .activation_method
            .as_deref()
            .and_then(ActivationMethod::parse),
        register_snapshot: m.register_snapshot,
        directory_listed: m.directory_listed,
        document_types,
        directory_details: DirectoryDetails::from_stored(m.directory_details.as_deref()),
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn to_identifier(m: organization_identifier::Model) -> OrgIdentifier {
    OrgIdentifier {
        id: m.id,
        organization_id: m.organization_id,
        kind: m.kind,
        scheme: m.scheme,
        value: m.value,
        send_enabled: m.send_enabled,
        receive_enabled: m.receive_enabled,
        registered: m.participant_id.is_some(),
    }
}

fn to_org_event(e: organization_event::Model) -> DomainResult<OrgEvent> {
    Ok(OrgEvent {
        id: e.id,
        organization_id: e.organization_id,
        event: OrgEventKind::parse(&e.event).ok_or_else(|| corrupt("event kind"))?,
        status: OrgStatus::parse(&e.status).ok_or_else(|| corrupt("event status"))?,
        actor_email: e.actor_email,
        note: e.note,
        created_at: e.created_at,
    })
}

/// The user's role in each organization they are a member of.
async fn memberships_of<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
) -> DomainResult<std::collections::HashMap<Uuid, OrgRole>> {
    Ok(organization_member::Entity::find()
        .filter(organization_member::Column::UserId.eq(user_id))
        .all(conn)
        .await
        .map_err(db("listing memberships"))?
        .into_iter()
        .filter_map(|m| OrgRole::parse(&m.role).map(|r| (m.organization_id, r)))
        .collect())
}

async fn insert_event<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    status: OrgStatus,
    event: NewOrgEvent,
) -> DomainResult<()> {
    organization_event::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(organization_id),
        event: Set(event.event.as_str().to_owned()),
        status: Set(status.as_str().to_owned()),
        actor_email: Set(event.actor_email),
        note: Set(event.note),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await
    .map_err(db("recording an organization event"))?;
    Ok(())
}

/// Loads the organization and locks its row until the transaction ends: every change of an
/// organization checks its state (status, pending code, attempts) and then writes, so on
/// PostgreSQL concurrent changes must wait and read what the one before committed.
async fn load<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
) -> DomainResult<organization::Model> {
    organization::Entity::find_by_id(organization_id)
        .lock_exclusive()
        .one(conn)
        .await
        .map_err(db("loading an organization"))?
        .ok_or(DomainError::NotFound {
            entity: "organization",
            id: organization_id.to_string(),
        })
}

/// Registers every identifier of the organization as its participant id. A participant id held
/// by another organization is a conflict that names it and the way out.
async fn register_participants(
    txn: &DatabaseTransaction,
    organization_id: Uuid,
) -> DomainResult<()> {
    let identifiers = organization_identifier::Entity::find()
        .filter(organization_identifier::Column::OrganizationId.eq(organization_id))
        .all(txn)
        .await
        .map_err(db("listing identifiers"))?;
    for identifier in identifiers {
        register_participant(txn, identifier).await?;
    }
    Ok(())
}

async fn register_participant(
    txn: &DatabaseTransaction,
    identifier: organization_identifier::Model,
) -> DomainResult<()> {
    let participant = format!("{}:{}", identifier.scheme, identifier.value);
    let result = organization_identifier::Entity::update_many()
        .col_expr(
            organization_identifier::Column::ParticipantId,
            Expr::value(participant.clone()),
        )
        .col_expr(
            organization_identifier::Column::SendEnabled,
            Expr::value(true),
        )
        .filter(organization_identifier::Column::Id.eq(identifier.id))
        .exec(txn)
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Err(DomainError::conflict(haven_domain::ConflictCode::ParticipantIdTaken, format!(
            "The participant id {participant} is already active for another organization on this platform. \
             One address on the Peppol network belongs to one organization: ask its current holder to deactivate it, \
             or contact support to request a transfer."
        ))),
        Err(err) => Err(map_db_err(err, "registering a participant id")),
    }
}

async fn set_status(
    txn: &DatabaseTransaction,
    row: organization::Model,
    status: OrgStatus,
) -> DomainResult<Organization> {
    let mut active: organization::ActiveModel = row.into();
    active.status = Set(status.as_str().to_owned());
    active.activation_code_hash = Set(None);
    active.activation_code_expires_at = Set(None);
    active.activation_attempts = Set(0);
    active.updated_at = Set(Utc::now());
    to_organization(
        active
            .update(txn)
            .await
            .map_err(db("changing an organization's status"))?,
    )
}

async fn member_row(
    conn: &impl ConnectionTrait,
    organization_id: Uuid,
    user_id: Uuid,
) -> DomainResult<Member> {
    let row = organization_member::Entity::find_by_id((organization_id, user_id))
        .one(conn)
        .await
        .map_err(db("loading a member"))?
        .ok_or(DomainError::NotFound {
            entity: "member",
            id: user_id.to_string(),
        })?;
    let person = user::Entity::find_by_id(user_id)
        .one(conn)
        .await
        .map_err(db("loading a user"))?
        .ok_or(DomainError::NotFound {
            entity: "user",
            id: user_id.to_string(),
        })?;
    Ok(Member {
        organization_id,
        user_id,
        name: person.name,
        email: person.email,
        role: OrgRole::parse(&row.role).ok_or_else(|| corrupt("member role"))?,
        added_at: row.created_at,
    })
}

/// The participant ids of the organization that the Peppol Directory lists: registered, Receive
/// on, the organization active and listed (what `domain::peppol::publishing::business_card`
/// serves).
async fn listed_participants<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
) -> DomainResult<BTreeSet<String>> {
    let org = organization::Entity::find_by_id(organization_id)
        .one(conn)
        .await
        .map_err(db("loading an organization"))?;
    if !org.is_some_and(|o| o.directory_listed && o.status == OrgStatus::Active.as_str()) {
        return Ok(BTreeSet::new());
    }
    Ok(organization_identifier::Entity::find()
        .filter(organization_identifier::Column::OrganizationId.eq(organization_id))
        .filter(organization_identifier::Column::ReceiveEnabled.eq(true))
        .filter(organization_identifier::Column::ParticipantId.is_not_null())
        .all(conn)
        .await
        .map_err(db("listing listed participant ids"))?
        .into_iter()
        .filter_map(|i| i.participant_id)
        .collect())
}

/// Queues the Peppol Directory jobs of a change, in its transaction: `before` is what
/// [`listed_participants`] said before the change.
async fn queue_directory_jobs(
    txn: &DatabaseTransaction,
    organization_id: Uuid,
    before: &BTreeSet<String>,
) -> DomainResult<()> {
    let after = listed_participants(txn, organization_id).await?;
    enqueue_many(txn, &directory_jobs(before, &after))
        .await
        .map_err(db("queueing Peppol Directory jobs"))
}

impl Database {
    async fn org_txn(&self) -> DomainResult<DatabaseTransaction> {
        self.begin_write()
            .await
            .map_err(db("starting a transaction"))
    }
}

impl OrganizationStore for Database {
    #[tracing::instrument(skip_all, fields(environment_id = %environment_id), level = "debug", err(level = "debug"))]
    async fn count_organizations(&self, environment_id: Uuid) -> DomainResult<u64> {
        organization::Entity::find()
            .filter(organization::Column::EnvironmentId.eq(environment_id))
            .count(self.conn())
            .await
            .map_err(db("counting organizations"))
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, creator_id = %creator_id), level = "debug", err(level = "debug"))]
    async fn create_organization(
        &self,
        environment_id: Uuid,
        creator_id: Uuid,
        limit: u64,
        new: NewOrganization,
        identifiers: Vec<NewIdentifier>,
        event: NewOrgEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<Organization> {
        let txn = self.org_txn().await?;
        // Counted under the environment's lock, so concurrent creations cannot all fit.
        lock_environment(&txn, environment_id).await?;
        let existing = organization::Entity::find()
            .filter(organization::Column::EnvironmentId.eq(environment_id))
            .count(&txn)
            .await
            .map_err(db("counting organizations"))?;
        if existing >= limit {
            return Err(organization_limit_reached(limit));
        }
        if let Some(kvk) = &new.kvk_number {
            let taken = organization::Entity::find()
                .filter(organization::Column::EnvironmentId.eq(environment_id))
                .filter(organization::Column::KvkNumber.eq(kvk.clone()))
                .count(&txn)
                .await
                .map_err(db("checking the KvK number"))?;
            if taken > 0 {
                return Err(DomainError::conflict(
                    haven_domain::ConflictCode::OrganizationExists,
                    format!("Your environment already has an organization with KvK number {kvk}."),
                ));
            }
        }
        let now = Utc::now();
        let row = organization::ActiveModel {
            id: Set(Uuid::new_v4()),
            environment_id: Set(environment_id),
            statutory_name: Set(new.statutory_name),
            trade_names: Set(
                serde_json::to_string(&new.trade_names).unwrap_or_else(|_| "[]".into())
            ),
            street: Set(new.address.street),
            house_number: Set(new.address.house_number),
            postal_code: Set(new.address.postal_code),
            city: Set(new.address.city),
            country: Set(new.country),
            contact_name: Set(new.contact_name),
            contact_email: Set(new.contact_email),
            kvk_number: Set(new.kvk_number),
            status: Set(OrgStatus::Added.as_str().to_owned()),
            activation_method: Set(None),
            activation_code_hash: Set(None),
            activation_code_expires_at: Set(None),
            activation_attempts: Set(0),
            register_snapshot: Set(new.register_snapshot),
            intake_sales_drafts: Set(false),
            directory_listed: Set(true),
            peppol_document_types: Set(None),
            directory_details: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(db("creating an organization"))?;
        for identifier in identifiers {
            insert_identifier(&txn, row.id, identifier).await?;
        }
        organization_member::ActiveModel {
            organization_id: Set(row.id),
            user_id: Set(creator_id),
            role: Set(OrgRole::Administrator.as_str().to_owned()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(db("adding the creator as member"))?;
        insert_event(&txn, row.id, OrgStatus::Added, event).await?;
        insert_audit_event(&txn, audit.target("organization", row.id)).await?;
        commit(txn).await?;
        to_organization(row)
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn list_organizations(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        all: bool,
    ) -> DomainResult<Vec<(Organization, Option<OrgRole>)>> {
        let memberships = memberships_of(self.conn(), user_id).await?;
        let rows = organization::Entity::find()
            .filter(organization::Column::EnvironmentId.eq(environment_id))
            .order_by_asc(organization::Column::StatutoryName)
            .all(self.conn())
            .await
            .map_err(db("listing organizations"))?;
        rows.into_iter()
            .filter(|row| all || memberships.contains_key(&row.id))
            .map(|row| {
                let role = memberships.get(&row.id).copied();
                to_organization(row).map(|o| (o, role))
            })
            .collect()
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id), level = "debug", err(level = "debug"))]
    async fn list_organizations_page(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        all: bool,
        page: &NamePage,
    ) -> DomainResult<Vec<(Organization, Option<OrgRole>)>> {
        let memberships = memberships_of(self.conn(), user_id).await?;
        let mut select = organization::Entity::find()
            .filter(organization::Column::EnvironmentId.eq(environment_id));
        if !all {
            select = select.filter(organization::Column::Id.is_in(memberships.keys().copied()));
        }
        keyset_page(
            select,
            organization::Column::StatutoryName,
            organization::Column::Id,
            page.before.as_ref(),
            Direction::Ascending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing organizations"))?
        .into_iter()
        .map(|row| {
            let role = memberships.get(&row.id).copied();
            to_organization(row).map(|o| (o, role))
        })
        .collect()
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn find_organization(
        &self,
        environment_id: Uuid,
        organization_id: Uuid,
    ) -> DomainResult<Option<Organization>> {
        organization::Entity::find_by_id(organization_id)
            .filter(organization::Column::EnvironmentId.eq(environment_id))
            .one(self.conn())
            .await
            .map_err(db("loading an organization"))?
            .map(to_organization)
            .transpose()
    }

    async fn find_organization_with_role(
        &self,
        environment_id: Uuid,
        organization_id: Uuid,
        user_id: Uuid,
    ) -> DomainResult<Option<(Organization, Option<OrgRole>)>> {
        let key = (environment_id, organization_id, user_id);
        let alone = async {
            Ok(organizations_with_roles(self.conn(), vec![key])
                .await?
                .remove(&key))
        };
        match self.batched_reads() {
            Some(reads) => reads.roles.get(key, alone).await,
            None => alone.await,
        }
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn partner_access(
        &self,
        user_id: Uuid,
        environment_id: Uuid,
        organization_id: Uuid,
    ) -> DomainResult<Option<haven_domain::partners::PartnerAccess>> {
        super::partners::partner_access_of(self.conn(), user_id, environment_id, organization_id)
            .await
    }

    async fn partner_organizations(
        &self,
        user_id: Uuid,
        environment_id: Uuid,
    ) -> DomainResult<Vec<(Organization, haven_domain::partners::PartnerAccess)>> {
        super::partners::partner_organizations_of(self.conn(), user_id, environment_id).await
    }

    async fn membership(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
    ) -> DomainResult<Option<OrgRole>> {
        Ok(
            organization_member::Entity::find_by_id((organization_id, user_id))
                .one(self.conn())
                .await
                .map_err(db("loading a membership"))?
                .and_then(|m| OrgRole::parse(&m.role)),
        )
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn update_organization(
        &self,
        organization_id: Uuid,
        change: OrganizationChange,
        audit: NewAuditEvent,
    ) -> DomainResult<Organization> {
        let txn = self.org_txn().await?;
        let row = load(&txn, organization_id).await?;
        let listed = listed_participants(&txn, organization_id).await?;
        let mut active: organization::ActiveModel = row.into();
        if let Some(name) = change.statutory_name {
            active.statutory_name = Set(name);
        }
        if let Some(names) = change.trade_names {
            active.trade_names = Set(serde_json::to_string(&names).unwrap_or_else(|_| "[]".into()));
        }
        if let Some(address) = change.address {
            active.street = Set(address.street);
            active.house_number = Set(address.house_number);
            active.postal_code = Set(address.postal_code);
            active.city = Set(address.city);
        }
        if let Some(name) = change.contact_name {
            active.contact_name = Set(name);
        }
        if let Some(email) = change.contact_email {
            active.contact_email = Set(email);
        }
        if let Some(listed) = change.directory_listed {
            active.directory_listed = Set(listed);
        }
        if let Some(types) = change.document_types {
            active.peppol_document_types = Set(Some(to_stored(&types)));
        }
        if let Some(details) = change.directory_details {
            active.directory_details = Set(details.to_stored());
        }
        active.updated_at = Set(Utc::now());
        let updated = active
            .update(&txn)
            .await
            .map_err(db("updating an organization"))?;
        queue_directory_jobs(&txn, organization_id, &listed).await?;
        insert_audit_event(&txn, audit.target("organization", organization_id)).await?;
        commit(txn).await?;
        to_organization(updated)
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn list_identifiers(&self, organization_id: Uuid) -> DomainResult<Vec<OrgIdentifier>> {
        Ok(organization_identifier::Entity::find()
            .filter(organization_identifier::Column::OrganizationId.eq(organization_id))
            .order_by_asc(organization_identifier::Column::CreatedAt)
            .all(self.conn())
            .await
            .map_err(db("listing identifiers"))?
            .into_iter()
            .map(to_identifier)
            .collect())
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn add_identifier(
        &self,
        organization_id: Uuid,
        identifier: NewIdentifier,
        audit: NewAuditEvent,
    ) -> DomainResult<OrgIdentifier> {
        let txn = self.org_txn().await?;
        let org = load(&txn, organization_id).await?;
        let listed = listed_participants(&txn, organization_id).await?;
        let row = insert_identifier(&txn, organization_id, identifier).await?;
        if org.status == OrgStatus::Active.as_str() {
            register_participant(&txn, row.clone()).await?;
        }
        queue_directory_jobs(&txn, organization_id, &listed).await?;
        let stored = organization_identifier::Entity::find_by_id(row.id)
            .one(&txn)
            .await
            .map_err(db("loading an identifier"))?
            .map(to_identifier)
            .ok_or_else(|| DomainError::Unexpected(anyhow::anyhow!("identifier vanished")))?;
        insert_audit_event(
            &txn,
            audit
                .target("organization", organization_id)
                .details(serde_json::json!({ "participantId": stored.participant_id() })),
        )
        .await?;
        commit(txn).await?;
        Ok(stored)
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id, identifier_id = %identifier_id), level = "debug", err(level = "debug"))]
    async fn remove_identifier(
        &self,
        organization_id: Uuid,
        identifier_id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.org_txn().await?;
        let listed = listed_participants(&txn, organization_id).await?;
        let published = super::sml::published_of(&txn, organization_id).await?;
        let result = organization_identifier::Entity::delete_many()
            .filter(organization_identifier::Column::Id.eq(identifier_id))
            .filter(organization_identifier::Column::OrganizationId.eq(organization_id))
            .exec(&txn)
            .await
            .map_err(db("removing an identifier"))?;
        if result.rows_affected == 0 {
            return Err(DomainError::NotFound {
                entity: "identifier",
                id: identifier_id.to_string(),
            });
        }
        queue_directory_jobs(&txn, organization_id, &listed).await?;
        insert_audit_event(&txn, audit.target("organization", organization_id)).await?;
        super::sml::follow(&txn, organization_id, &published).await?;
        commit(txn).await
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id, identifier_id = %identifier_id), level = "debug", err(level = "debug"))]
    async fn set_identifier_switches(
        &self,
        organization_id: Uuid,
        identifier_id: Uuid,
        send: Option<bool>,
        receive: Option<bool>,
        audit: NewAuditEvent,
    ) -> DomainResult<OrgIdentifier> {
        let txn = self.org_txn().await?;
        let listed = listed_participants(&txn, organization_id).await?;
        let published = super::sml::published_of(&txn, organization_id).await?;
        let row = organization_identifier::Entity::find_by_id(identifier_id)
            .filter(organization_identifier::Column::OrganizationId.eq(organization_id))
            .one(&txn)
            .await
            .map_err(db("loading an identifier"))?
            .ok_or(DomainError::NotFound {
                entity: "identifier",
                id: identifier_id.to_string(),
            })?;
        let mut active: organization_identifier::ActiveModel = row.into();
        if let Some(send) = send {
            active.send_enabled = Set(send);
        }
        if let Some(receive) = receive {
            active.receive_enabled = Set(receive);
        }
        let updated = active
            .update(&txn)
            .await
            .map_err(db("switching an identifier"))?;
        queue_directory_jobs(&txn, organization_id, &listed).await?;
        insert_audit_event(&txn, audit.target("organization", organization_id).details(serde_json::json!({
            "participantId": format!("{}:{}", updated.scheme, updated.value), "send": send, "receive": receive
        })))
        .await?;
        super::sml::follow(&txn, organization_id, &published).await?;
        commit(txn).await?;
        Ok(to_identifier(updated))
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn request_activation(
        &self,
        organization_id: Uuid,
        method: ActivationMethod,
        code: Option<(String, DateTime<Utc>)>,
        mail: Option<OutgoingMail>,
        event: NewOrgEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<Organization> {
        let txn = self.org_txn().await?;
        let row = load(&txn, organization_id).await?;
        let status = OrgStatus::parse(&row.status).ok_or_else(|| corrupt("organization status"))?;
        if !status.can_request_activation() {
            return Err(DomainError::conflict(
                haven_domain::ConflictCode::ActivationNotAllowed,
                format!(
                    "An organization that is {} cannot request activation.",
                    status.as_str().replace('_', " ")
                ),
            ));
        }
        let mut active: organization::ActiveModel = row.into();
        active.status = Set(OrgStatus::ActivationRequested.as_str().to_owned());
        active.activation_method = Set(Some(method.as_str().to_owned()));
        let (hash, expires) = code.map_or((None, None), |(h, e)| (Some(h), Some(e)));
        active.activation_code_hash = Set(hash);
        active.activation_code_expires_at = Set(expires);
        active.activation_attempts = Set(0);
        active.updated_at = Set(Utc::now());
        let updated = active
            .update(&txn)
            .await
            .map_err(db("requesting activation"))?;
        if let Some(mail) = mail {
            queue_mail(&txn, &mail).await?;
        }
        insert_event(&txn, organization_id, OrgStatus::ActivationRequested, event).await?;
        insert_audit_event(&txn, audit.target("organization", organization_id)).await?;
        commit(txn).await?;
        to_organization(updated)
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn enter_activation_code(
        &self,
        organization_id: Uuid,
        code_hash: &str,
        now: DateTime<Utc>,
        event: NewOrgEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<CodeOutcome> {
        let txn = self.org_txn().await?;
        let row = load(&txn, organization_id).await?;
        let (Some(stored), Some(expires)) = (
            row.activation_code_hash.clone(),
            row.activation_code_expires_at,
        ) else {
            return Ok(CodeOutcome::NoCodePending);
        };
        if row.status != OrgStatus::ActivationRequested.as_str() {
            return Ok(CodeOutcome::NoCodePending);
        }
        if expires <= now {
            return Ok(CodeOutcome::Expired);
        }
        let attempts = u32::try_from(row.activation_attempts).unwrap_or(u32::MAX) + 1;
        if stored != code_hash {
            let attempts_left = MAX_CODE_ATTEMPTS.saturating_sub(attempts);
            let mut active: organization::ActiveModel = row.into();
            active.activation_attempts = Set(i32::try_from(attempts).unwrap_or(i32::MAX));
            if attempts_left == 0 {
                // Used up: a new code must be requested.
                active.activation_code_hash = Set(None);
                active.activation_code_expires_at = Set(None);
            }
            active
                .update(&txn)
                .await
                .map_err(db("counting a code attempt"))?;
            insert_audit_event(
                &txn,
                NewAuditEvent {
                    action: haven_domain::accounts::AuditAction::OrganizationActivationCodeWrong,
                    ..audit
                }
                .target("organization", organization_id),
            )
            .await?;
            commit(txn).await?;
            return Ok(CodeOutcome::Wrong { attempts_left });
        }
        let listed = listed_participants(&txn, organization_id).await?;
        register_participants(&txn, organization_id).await?;
        let organization = set_status(&txn, row, OrgStatus::Active).await?;
        queue_directory_jobs(&txn, organization_id, &listed).await?;
        insert_event(&txn, organization_id, OrgStatus::Active, event).await?;
        insert_audit_event(&txn, audit.target("organization", organization_id)).await?;
        // Not active before, so nothing was published: whatever is now is new.
        super::sml::follow(&txn, organization_id, &[]).await?;
        commit(txn).await?;
        Ok(CodeOutcome::Activated(Box::new(organization)))
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn activate(
        &self,
        organization_id: Uuid,
        event: NewOrgEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<Organization> {
        let txn = self.org_txn().await?;
        let row = load(&txn, organization_id).await?;
        if row.status != OrgStatus::ActivationRequested.as_str() {
            return Err(DomainError::conflict(
                haven_domain::ConflictCode::NoPendingActivation,
                "This organization has no pending activation request.".into(),
            ));
        }
        let listed = listed_participants(&txn, organization_id).await?;
        register_participants(&txn, organization_id).await?;
        let organization = set_status(&txn, row, OrgStatus::Active).await?;
        queue_directory_jobs(&txn, organization_id, &listed).await?;
        insert_event(&txn, organization_id, OrgStatus::Active, event).await?;
        insert_audit_event(
            &txn,
            audit
                .in_environment(organization.environment_id)
                .target("organization", organization_id),
        )
        .await?;
        super::sml::follow(&txn, organization_id, &[]).await?;
        commit(txn).await?;
        Ok(organization)
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn reject_activation(
        &self,
        organization_id: Uuid,
        event: NewOrgEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<Organization> {
        let txn = self.org_txn().await?;
        let row = load(&txn, organization_id).await?;
        if row.status != OrgStatus::ActivationRequested.as_str() {
            return Err(DomainError::conflict(
                haven_domain::ConflictCode::NoPendingActivation,
                "This organization has no pending activation request.".into(),
            ));
        }
        let organization = set_status(&txn, row, OrgStatus::Added).await?;
        insert_event(&txn, organization_id, OrgStatus::Added, event).await?;
        insert_audit_event(
            &txn,
            audit
                .in_environment(organization.environment_id)
                .target("organization", organization_id),
        )
        .await?;
        commit(txn).await?;
        Ok(organization)
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn stop_organization(
        &self,
        organization_id: Uuid,
        status: OrgStatus,
        event: NewOrgEvent,
        audit: NewAuditEvent,
    ) -> DomainResult<Organization> {
        let txn = self.org_txn().await?;
        let listed = listed_participants(&txn, organization_id).await?;
        let row = load(&txn, organization_id).await?;
        let published = super::sml::published_of(&txn, organization_id).await?;
        organization_identifier::Entity::update_many()
            .col_expr(
                organization_identifier::Column::SendEnabled,
                Expr::value(false),
            )
            .col_expr(
                organization_identifier::Column::ReceiveEnabled,
                Expr::value(false),
            )
            .col_expr(
                organization_identifier::Column::ParticipantId,
                Expr::value(Option::<String>::None),
            )
            .filter(organization_identifier::Column::OrganizationId.eq(organization_id))
            .exec(&txn)
            .await
            .map_err(db("switching identifiers off"))?;
        let organization = set_status(&txn, row, status).await?;
        queue_directory_jobs(&txn, organization_id, &listed).await?;
        insert_event(&txn, organization_id, status, event).await?;
        insert_audit_event(
            &txn,
            audit
                .in_environment(organization.environment_id)
                .target("organization", organization_id),
        )
        .await?;
        super::sml::follow(&txn, organization_id, &published).await?;
        commit(txn).await?;
        Ok(organization)
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn list_events(&self, organization_id: Uuid) -> DomainResult<Vec<OrgEvent>> {
        organization_event::Entity::find()
            .filter(organization_event::Column::OrganizationId.eq(organization_id))
            .order_by_asc(organization_event::Column::CreatedAt)
            .all(self.conn())
            .await
            .map_err(db("listing organization events"))?
            .into_iter()
            .map(to_org_event)
            .collect()
    }

    async fn list_events_page(
        &self,
        organization_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<OrgEvent>> {
        let select = organization_event::Entity::find()
            .filter(organization_event::Column::OrganizationId.eq(organization_id));
        keyset_page(
            select,
            organization_event::Column::CreatedAt,
            organization_event::Column::Id,
            page.before.as_ref(),
            Direction::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing organization events"))?
        .into_iter()
        .map(to_org_event)
        .collect()
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn review_queue(&self, page: &PageRequest) -> DomainResult<Vec<Organization>> {
        let select = organization::Entity::find()
            .filter(organization::Column::Status.eq(OrgStatus::ActivationRequested.as_str()))
            .filter(
                organization::Column::ActivationMethod
                    .eq(ActivationMethod::OperatorReview.as_str()),
            );
        keyset_page(
            select,
            organization::Column::UpdatedAt,
            organization::Column::Id,
            page.before.as_ref(),
            Direction::Ascending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing the review queue"))?
        .into_iter()
        .map(to_organization)
        .collect()
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn find_organization_anywhere(
        &self,
        organization_id: Uuid,
    ) -> DomainResult<Option<Organization>> {
        organization::Entity::find_by_id(organization_id)
            .one(self.conn())
            .await
            .map_err(db("loading an organization"))?
            .map(to_organization)
            .transpose()
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn list_members(&self, organization_id: Uuid) -> DomainResult<Vec<Member>> {
        let rows = organization_member::Entity::find()
            .filter(organization_member::Column::OrganizationId.eq(organization_id))
            .all(self.conn())
            .await
            .map_err(db("listing members"))?;
        let mut members = Vec::with_capacity(rows.len());
        for row in rows {
            members.push(member_row(self.conn(), organization_id, row.user_id).await?);
        }
        members.sort_by_key(|m| m.name.to_lowercase());
        Ok(members)
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, organization_id = %organization_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn add_member(
        &self,
        environment_id: Uuid,
        organization_id: Uuid,
        user_id: Uuid,
        role: OrgRole,
        audit: NewAuditEvent,
    ) -> DomainResult<Member> {
        let txn = self.org_txn().await?;
        // The membership check and insert below run one at a time per organization.
        load(&txn, organization_id).await?;
        let in_environment = user::Entity::find_by_id(user_id)
            .filter(user::Column::EnvironmentId.eq(environment_id))
            .count(&txn)
            .await
            .map_err(db("checking a user"))?;
        if in_environment == 0 {
            return Err(DomainError::NotFound {
                entity: "user",
                id: user_id.to_string(),
            });
        }
        let exists = organization_member::Entity::find_by_id((organization_id, user_id))
            .one(&txn)
            .await
            .map_err(db("checking a membership"))?;
        if exists.is_some() {
            return Err(DomainError::conflict(
                haven_domain::ConflictCode::AlreadyMember,
                "This user is already a member of the organization.".into(),
            ));
        }
        organization_member::ActiveModel {
            organization_id: Set(organization_id),
            user_id: Set(user_id),
            role: Set(role.as_str().to_owned()),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await
        .map_err(db("adding a member"))?;
        insert_audit_event(
            &txn,
            audit
                .target("organization", organization_id)
                .details(serde_json::json!({ "userId": user_id, "role": role.as_str() })),
        )
        .await?;
        let member = member_row(&txn, organization_id, user_id).await?;
        commit(txn).await?;
        Ok(member)
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn change_member(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
        role: OrgRole,
        audit: NewAuditEvent,
    ) -> DomainResult<Member> {
        let txn = self.org_txn().await?;
        let result = organization_member::Entity::update_many()
            .col_expr(
                organization_member::Column::Role,
                Expr::value(role.as_str()),
            )
            .filter(organization_member::Column::OrganizationId.eq(organization_id))
            .filter(organization_member::Column::UserId.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db("changing a member"))?;
        if result.rows_affected == 0 {
            return Err(DomainError::NotFound {
                entity: "member",
                id: user_id.to_string(),
            });
        }
        insert_audit_event(
            &txn,
            audit
                .target("organization", organization_id)
                .details(serde_json::json!({ "userId": user_id, "role": role.as_str() })),
        )
        .await?;
        let member = member_row(&txn, organization_id, user_id).await?;
        commit(txn).await?;
        Ok(member)
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn remove_member(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.org_txn().await?;
        let result = organization_member::Entity::delete_by_id((organization_id, user_id))
            .exec(&txn)
            .await
            .map_err(db("removing a member"))?;
        if result.rows_affected == 0 {
            return Err(DomainError::NotFound {
                entity: "member",
                id: user_id.to_string(),
            });
        }
        insert_audit_event(
            &txn,
            audit
                .target("organization", organization_id)
                .details(serde_json::json!({ "userId": user_id })),
        )
        .await?;
        commit(txn).await
    }
}

async fn insert_identifier<C: ConnectionTrait>(
    conn: &C,
    organization_id: Uuid,
    identifier: NewIdentifier,
) -> DomainResult<organization_identifier::Model> {
    let result = organization_identifier::ActiveModel {
        id: Set(Uuid::new_v4()),
        organization_id: Set(organization_id),
        kind: Set(identifier.kind),
        scheme: Set(identifier.scheme.clone()),
        value: Set(identifier.value.clone()),
        send_enabled: Set(false),
        receive_enabled: Set(false),
        participant_id: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await;
    match result {
        Ok(row) => Ok(row),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(DomainError::conflict(
                haven_domain::ConflictCode::IdentifierExists,
                format!(
                    "The organization already has the identifier {}:{}.",
                    identifier.scheme, identifier.value
                ),
            ))
        }
        Err(err) => Err(map_db_err(err, "adding an identifier")),
    }
}

/// Who asks for which organization: environment, organization and user.
pub(super) type RoleKey = (Uuid, Uuid, Uuid);

/// For each key whose organization is in its environment: the organization and the user's
/// role in it, if a member. One query: the organizations with a left join on the memberships
/// of the users asked about.
pub(super) async fn organizations_with_roles<C: ConnectionTrait>(
    conn: &C,
    keys: Vec<RoleKey>,
) -> DomainResult<HashMap<RoleKey, (Organization, Option<OrgRole>)>> {
    let users: Vec<Uuid> = keys.iter().map(|k| k.2).collect();
    let membership: RelationDef = organization_member::Entity::belongs_to(organization::Entity)
        .from(organization_member::Column::OrganizationId)
        .to(organization::Column::Id)
        .on_condition(move |_, _| {
            Expr::col((
                organization_member::Entity,
                organization_member::Column::UserId,
            ))
            .is_in(users.clone())
            .into_condition()
        })
        .into();
    let rows = organization::Entity::find()
        .filter(organization::Column::Id.is_in(keys.iter().map(|k| k.1)))
        .join(JoinType::LeftJoin, membership.rev())
        .select_also(organization_member::Entity)
        .all(conn)
        .await
        .map_err(db("loading organizations"))?;
    let mut found = HashMap::with_capacity(keys.len());
    for key in keys {
        let (environment_id, organization_id, user_id) = key;
        let mut of_key = rows
            .iter()
            .filter(|(o, _)| o.id == organization_id && o.environment_id == environment_id);
        let Some((row, _)) = of_key.clone().next() else {
            continue;
        };
        let role = of_key
            .find_map(|(_, m)| m.as_ref().filter(|m| m.user_id == user_id))
            .and_then(|m| OrgRole::parse(&m.role));
        found.insert(key, (to_organization(row.clone())?, role));
    }
    Ok(found)
}
