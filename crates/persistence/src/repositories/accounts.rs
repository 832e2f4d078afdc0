//! The account store on SQLite and PostgreSQL. Every public method is one transaction.

use chrono::{DateTime, TimeDelta, Utc};
use haven_domain::{
    accounts::{
        records::{
            ensure_an_administrator_remains, AdditionalEmail, AdditionalEmailStatus, AuditEvent,
            AuditQuery, ClientInfo, EmailToken, Environment, NewAuditEvent, RefreshOutcome,
            Session, TokenKind, User,
        },
        store::{
            AdditionalEmails, AttemptReservation, AuditLog, Directory, EnvironmentChange,
            EnvironmentSettings, Invitations, LoginAttempt, LoginThrottle, NewEmailToken,
            NewSession, NewUser, Profiles, RegistrationTarget, SecondFactor, Sessions, SignUps,
            UserAdministration, UserChange,
        },
        AuditAction, Role, UserStatus,
    },
    mail::{Language, OutgoingMail},
    DomainError, DomainResult,
};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{commit, corrupt, db};
use haven_domain::paging::NamePage;

use crate::convert::{to_environment, to_session, to_user};
use crate::keyset::{keyset_page, Direction};
use crate::{
    entities::{
        additional_email, audit_event, email_token, environment, installation, login_throttle,
        recovery_code, refresh_token, session, user,
    },
    mail_queue, Database,
};

/// Failed logins within this window count together.
const THROTTLE_WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Failures allowed before delays start.
const FREE_FAILURES: i32 = 5;
const MAX_LOCK: TimeDelta = TimeDelta::minutes(15);

/// Records an audit event on `conn` (part of the caller's transaction).
pub(crate) async fn insert_audit_event<C: ConnectionTrait>(
    conn: &C,
    event: NewAuditEvent,
) -> DomainResult<()> {
    insert_audit(conn, event).await
}

/// Queues a mail on `txn` (part of the caller's transaction).
pub(crate) async fn queue_mail(txn: &DatabaseTransaction, mail: &OutgoingMail) -> DomainResult<()> {
    queue(txn, mail).await
}

async fn insert_audit<C: ConnectionTrait>(conn: &C, event: NewAuditEvent) -> DomainResult<()> {
    let (target_type, target_id) = event
        .target
        .map_or((None, None), |(kind, id)| (Some(kind.to_owned()), Some(id)));
    audit_event::ActiveModel {
        id: Set(Uuid::new_v4()),
        environment_id: Set(event.environment_id),
        actor_id: Set(event.actor_id),
        actor_email: Set(event.actor_email),
        action: Set(event.action.as_str().to_owned()),
        target_type: Set(target_type),
        target_id: Set(target_id),
        details: Set(event.details.to_string()),
        ip: Set(event.client.ip),
        user_agent: Set(event.client.user_agent),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await
    .map_err(db("recording an audit event"))?;
    Ok(())
}

async fn insert_session<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    new: NewSession,
) -> DomainResult<Session> {
    let now = Utc::now();
    let row = session::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user_id),
        user_agent: Set(new.user_agent),
        ip: Set(new.ip),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(new.expires_at),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await
    .map_err(db("opening a session"))?;
    refresh_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        session_id: Set(row.id),
        token_hash: Set(new.refresh_token_hash),
        created_at: Set(now),
        rotated_at: Set(None),
    }
    .insert(conn)
    .await
    .map_err(db("storing a refresh token"))?;
    user::Entity::update_many()
        .col_expr(user::Column::LastLoginAt, Expr::value(now))
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await
        .map_err(db("recording the login time"))?;
    Ok(to_session(row))
}

/// Marks a link token used; fails when another request used it first.
async fn use_token<C: ConnectionTrait>(conn: &C, token_id: Uuid) -> DomainResult<()> {
    let result = email_token::Entity::update_many()
        .col_expr(email_token::Column::UsedAt, Expr::value(Utc::now()))
        .filter(email_token::Column::Id.eq(token_id))
        .filter(email_token::Column::UsedAt.is_null())
        .exec(conn)
        .await
        .map_err(db("using a link token"))?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(DomainError::conflict(
            haven_domain::ConflictCode::TokenUsed,
            "This link was already used.".into(),
        ))
    }
}

/// Locks the environment's row until the transaction ends. Every check of an environment-wide
/// invariant (an active Administrator remains, the organization limit) takes it before reading,
/// so on PostgreSQL such checks and the writes they guard run one at a time and each reads what
/// the one before committed. On SQLite `begin_write` already serialises writers (and sea-query
/// leaves the `FOR UPDATE` out).
pub(crate) async fn lock_environment<C: ConnectionTrait>(
    conn: &C,
    environment_id: Uuid,
) -> DomainResult<()> {
    environment::Entity::find_by_id(environment_id)
        .lock_exclusive()
        .one(conn)
        .await
        .map_err(db("locking an environment"))?
        .ok_or(DomainError::NotFound {
            entity: "environment",
            id: environment_id.to_string(),
        })?;
    Ok(())
}

/// Locks a user's row (when it exists) before its status is checked and changed.
async fn lock_user<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
) -> DomainResult<Option<user::Model>> {
    user::Entity::find_by_id(user_id)
        .lock_exclusive()
        .one(conn)
        .await
        .map_err(db("locking a user"))
}

/// An address must be unused both as a primary and as an additional address; no index spans
/// the two tables, so whoever claims an address first takes the installation row's lock.
async fn lock_address_claims<C: ConnectionTrait>(conn: &C) -> DomainResult<()> {
    installation::Entity::find()
        .lock_exclusive()
        .one(conn)
        .await
        .map_err(db("locking address claims"))?;
    Ok(())
}

async fn email_taken<C: ConnectionTrait>(conn: &C, email: &str) -> DomainResult<bool> {
    let primary = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .count(conn)
        .await
        .map_err(db("checking an address"))?;
    let additional = additional_email::Entity::find()
        .filter(additional_email::Column::Email.eq(email))
        .count(conn)
        .await
        .map_err(db("checking an address"))?;
    Ok(primary + additional > 0)
}

async fn insert_user<C: ConnectionTrait>(
    conn: &C,
    environment_id: Uuid,
    new: NewUser,
    status: UserStatus,
) -> DomainResult<User> {
    lock_address_claims(conn).await?;
    if email_taken(conn, &new.email).await? {
        return Err(DomainError::conflict(
            haven_domain::ConflictCode::EmailTaken,
            "This email address is already in use.".into(),
        ));
    }
    let now = Utc::now();
    let row = user::ActiveModel {
        id: Set(Uuid::new_v4()),
        environment_id: Set(environment_id),
        email: Set(new.email),
        name: Set(new.name),
        password_hash: Set(new.password_hash),
        role: Set(new.role.as_str().to_owned()),
        relationship_manager: Set(false),
        status: Set(status.as_str().to_owned()),
        language: Set(new.language.code().to_owned()),
        phone: Set(None),
        totp_secret: Set(None),
        totp_enabled: Set(false),
        totp_last_step: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
    }
    .insert(conn)
    .await
    .map_err(db("creating a user"))?;
    to_user(row)
}

async fn load_user_in<C: ConnectionTrait>(
    conn: &C,
    environment_id: Uuid,
    user_id: Uuid,
) -> DomainResult<user::Model> {
    user::Entity::find_by_id(user_id)
        .filter(user::Column::EnvironmentId.eq(environment_id))
        .one(conn)
        .await
        .map_err(db("loading a user"))?
        .ok_or(DomainError::NotFound {
            entity: "user",
            id: user_id.to_string(),
        })
}

async fn active_administrators<C: ConnectionTrait>(
    conn: &C,
    environment_id: Uuid,
) -> DomainResult<u64> {
    user::Entity::find()
        .filter(user::Column::EnvironmentId.eq(environment_id))
        .filter(user::Column::Role.eq(Role::Administrator.as_str()))
        .filter(user::Column::Status.eq(UserStatus::Active.as_str()))
        .count(conn)
        .await
        .map_err(db("counting administrators"))
}

async fn revoke_sessions<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> DomainResult<()> {
    let mut update = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        update = update.filter(session::Column::Id.ne(keep));
    }
    update.exec(conn).await.map_err(db("ending sessions"))?;
    Ok(())
}

async fn queue(txn: &DatabaseTransaction, mail: &OutgoingMail) -> DomainResult<()> {
    mail_queue::enqueue(txn, mail)
        .await
        .map_err(db("queueing an email"))
}

impl Database {
    async fn begin(&self) -> DomainResult<DatabaseTransaction> {
        self.begin_write()
            .await
            .map_err(db("starting a transaction"))
    }
}

impl Directory for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn email_in_use(&self, email: &str) -> DomainResult<bool> {
        email_taken(self.conn(), email).await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn find_user_by_login_email(&self, email: &str) -> DomainResult<Option<User>> {
        if let Some(row) = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(self.conn())
            .await
            .map_err(db("finding a user"))?
        {
            return to_user(row).map(Some);
        }
        let alias = additional_email::Entity::find()
            .filter(additional_email::Column::Email.eq(email))
            .filter(additional_email::Column::Status.eq("active"))
            .one(self.conn())
            .await
            .map_err(db("finding an address"))?;
        match alias {
            Some(alias) => user::Entity::find_by_id(alias.user_id)
                .one(self.conn())
                .await
                .map_err(db("finding a user"))?
                .map(to_user)
                .transpose(),
            None => Ok(None),
        }
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn find_user(&self, environment_id: Uuid, user_id: Uuid) -> DomainResult<Option<User>> {
        match load_user_in(self.conn(), environment_id, user_id).await {
            Ok(row) => to_user(row).map(Some),
            Err(DomainError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id), level = "debug", err(level = "debug"))]
    async fn list_users(&self, environment_id: Uuid) -> DomainResult<Vec<User>> {
        user::Entity::find()
            .filter(user::Column::EnvironmentId.eq(environment_id))
            .order_by_asc(user::Column::Name)
            .all(self.conn())
            .await
            .map_err(db("listing users"))?
            .into_iter()
            .map(to_user)
            .collect()
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id), level = "debug", err(level = "debug"))]
    async fn list_users_page(
        &self,
        environment_id: Uuid,
        page: &NamePage,
    ) -> DomainResult<Vec<User>> {
        let select = user::Entity::find().filter(user::Column::EnvironmentId.eq(environment_id));
        keyset_page(
            select,
            user::Column::Name,
            user::Column::Id,
            page.before.as_ref(),
            Direction::Ascending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing users"))?
        .into_iter()
        .map(to_user)
        .collect()
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id), level = "debug", err(level = "debug"))]
    async fn find_environment(&self, environment_id: Uuid) -> DomainResult<Option<Environment>> {
        Ok(environment::Entity::find_by_id(environment_id)
            .one(self.conn())
            .await
            .map_err(db("loading an environment"))?
            .map(to_environment))
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn find_environment_for_auto_join(
        &self,
        domain: &str,
    ) -> DomainResult<Option<Environment>> {
        Ok(environment::Entity::find()
            .filter(environment::Column::AutoJoinDomain.eq(domain))
            .one(self.conn())
            .await
            .map_err(db("finding an auto-join environment"))?
            .map(to_environment))
    }
}

impl AuditLog for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn notify(&self, mail: Option<OutgoingMail>, audit: NewAuditEvent) -> DomainResult<()> {
        let txn = self.begin().await?;
        if let Some(mail) = mail {
            queue(&txn, &mail).await?;
        }
        insert_audit(&txn, audit).await?;
        commit(txn).await
    }

    #[tracing::instrument(skip_all, fields(environment_id = ?environment_id), level = "debug", err(level = "debug"))]
    async fn list_audit_events(
        &self,
        environment_id: Option<Uuid>,
        query: AuditQuery,
    ) -> DomainResult<Vec<AuditEvent>> {
        let mut select = audit_event::Entity::find().filter(match environment_id {
            Some(id) => audit_event::Column::EnvironmentId.eq(id),
            None => audit_event::Column::EnvironmentId.is_null(),
        });
        if let Some(action) = query.action {
            select = select.filter(audit_event::Column::Action.eq(action.as_str()));
        }
        if let Some(actor) = query.actor_id {
            select = select.filter(audit_event::Column::ActorId.eq(actor));
        }
        if let Some(from) = query.from {
            select = select.filter(audit_event::Column::CreatedAt.gte(from));
        }
        if let Some(to) = query.to {
            select = select.filter(audit_event::Column::CreatedAt.lt(to));
        }
        let rows = keyset_page(
            select,
            audit_event::Column::CreatedAt,
            audit_event::Column::Id,
            query.before.as_ref(),
            Direction::Descending,
            query.limit,
        )
        .all(self.conn())
        .await
        .map_err(db("reading the audit log"))?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                // Every row is written from the enum; one that does not parse was written by a
                // newer version, so it is left in place and logged, not shown half-understood.
                let Some(action) = AuditAction::parse(&r.action) else {
                    tracing::warn!(id = %r.id, action = %r.action, "audit event with an unknown action");
                    return None;
                };
                Some((r, action))
            })
            .map(|(r, action)| AuditEvent {
                id: r.id,
                environment_id: r.environment_id,
                actor_id: r.actor_id,
                actor_email: r.actor_email,
                action,
                target_type: r.target_type,
                target_id: r.target_id,
                details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
                ip: r.ip,
                user_agent: r.user_agent,
                created_at: r.created_at,
            })
            .collect())
    }
}

impl SignUps for Database {
    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn create_email_token(
        &self,
        token: NewEmailToken,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        insert_token(&txn, token).await?;
        queue(&txn, &mail).await?;
        insert_audit(&txn, audit).await?;
        commit(txn).await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn find_email_token(&self, token_hash: &str) -> DomainResult<Option<EmailToken>> {
        let Some(row) = email_token::Entity::find()
            .filter(email_token::Column::TokenHash.eq(token_hash))
            .one(self.conn())
            .await
            .map_err(db("finding a link token"))?
        else {
            return Ok(None);
        };
        Ok(Some(EmailToken {
            id: row.id,
            kind: TokenKind::parse(&row.kind).ok_or_else(|| corrupt("token kind"))?,
            user_id: row.user_id,
            email: row.email,
            payload: row.payload,
            expires_at: row.expires_at,
            used_at: row.used_at,
        }))
    }

    #[tracing::instrument(skip_all, fields(token_id = %token_id), level = "debug", err(level = "debug"))]
    async fn complete_registration(
        &self,
        token_id: Uuid,
        target: RegistrationTarget,
        new_user: NewUser,
        new_session: NewSession,
        audit: NewAuditEvent,
    ) -> DomainResult<(User, Session)> {
        let txn = self.begin().await?;
        use_token(&txn, token_id).await?;
        let environment_id = match target {
            RegistrationTarget::NewEnvironment { name } => {
                environment::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    name: Set(name),
                    auto_join_domain: Set(None),
                    require_two_factor: Set(false),
                    receiving_enabled: Set(false),
                    receiving_decided: Set(false),
                    receiving_acknowledged_at: Set(None),
                    created_at: Set(Utc::now()),
                }
                .insert(&txn)
                .await
                .map_err(db("creating an environment"))?
                .id
            }
            RegistrationTarget::Join { environment_id } => environment_id,
        };
        let user = insert_user(&txn, environment_id, new_user, UserStatus::Active).await?;
        let session = insert_session(&txn, user.id, new_session).await?;
        insert_audit(&txn, audit.by(&user).target("user", user.id)).await?;
        commit(txn).await?;
        Ok((user, session))
    }

    #[tracing::instrument(skip_all, fields(token_id = %token_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn reset_password(
        &self,
        token_id: Uuid,
        user_id: Uuid,
        password_hash: String,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        use_token(&txn, token_id).await?;
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db("setting a password"))?;
        revoke_sessions(&txn, user_id, None).await?;
        queue(&txn, &mail).await?;
        insert_audit(&txn, audit).await?;
        commit(txn).await
    }
}

impl Invitations for Database {
    #[tracing::instrument(skip_all, fields(environment_id = %environment_id), level = "debug", err(level = "debug"))]
    async fn create_invited_user(
        &self,
        environment_id: Uuid,
        new_user: NewUser,
        mut token: NewEmailToken,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<User> {
        let txn = self.begin().await?;
        let user = insert_user(&txn, environment_id, new_user, UserStatus::Invited).await?;
        token.user_id = Some(user.id);
        insert_token(&txn, token).await?;
        queue(&txn, &mail).await?;
        insert_audit(&txn, audit.target("user", user.id)).await?;
        commit(txn).await?;
        Ok(user)
    }

    #[tracing::instrument(skip_all, fields(token_id = %token_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn accept_invitation(
        &self,
        token_id: Uuid,
        user_id: Uuid,
        name: String,
        password_hash: String,
        new_session: NewSession,
        audit: NewAuditEvent,
    ) -> DomainResult<(User, Session)> {
        let txn = self.begin().await?;
        // The user row first, as withdrawing and renewing do, so they wait for each other.
        let row = lock_user(&txn, user_id).await?;
        use_token(&txn, token_id).await?;
        let row = row.ok_or(DomainError::NotFound {
            entity: "invitation",
            id: user_id.to_string(),
        })?;
        if row.status != UserStatus::Invited.as_str() {
            return Err(DomainError::conflict(
                haven_domain::ConflictCode::InvitationClosed,
                "This invitation was already accepted or withdrawn.".into(),
            ));
        }
        let mut active: user::ActiveModel = row.into();
        active.name = Set(name);
        active.password_hash = Set(Some(password_hash));
        active.status = Set(UserStatus::Active.as_str().to_owned());
        active.updated_at = Set(Utc::now());
        let user = to_user(active.update(&txn).await.map_err(db("activating a user"))?)?;
        let session = insert_session(&txn, user.id, new_session).await?;
        insert_audit(&txn, audit.by(&user).target("user", user.id)).await?;
        commit(txn).await?;
        Ok((user, session))
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn renew_invitation(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        token: NewEmailToken,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        self.renew_invitation_impl(environment_id, user_id, token, mail, audit)
            .await
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn withdraw_invitation(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        self.withdraw_invitation_impl(environment_id, user_id, audit)
            .await
    }
}

impl Sessions for Database {
    #[tracing::instrument(skip_all, fields(user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn open_session(
        &self,
        user_id: Uuid,
        new_session: NewSession,
        audit: NewAuditEvent,
    ) -> DomainResult<Session> {
        let txn = self.begin().await?;
        let session = insert_session(&txn, user_id, new_session).await?;
        insert_audit(&txn, audit).await?;
        commit(txn).await?;
        Ok(session)
    }

    #[tracing::instrument(skip_all, fields(session_id = %session_id), level = "debug", err(level = "debug"))]
    async fn find_session(&self, session_id: Uuid) -> DomainResult<Option<Session>> {
        Ok(session::Entity::find_by_id(session_id)
            .one(self.conn())
            .await
            .map_err(db("loading a session"))?
            .map(to_session))
    }

    #[tracing::instrument(skip_all, fields(session_id = %current.id), level = "debug", err(level = "debug"))]
    async fn touch_session(&self, current: &Session, now: DateTime<Utc>) -> DomainResult<()> {
        if now - current.last_seen_at < TimeDelta::minutes(1) {
            return Ok(());
        }
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(current.id))
            .exec(self.write_conn())
            .await
            .map_err(db("touching a session"))?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(session_id = %session_id), level = "debug", err(level = "debug"))]
    async fn rotate_refresh_token(
        &self,
        session_id: Uuid,
        presented_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
        client: &ClientInfo,
    ) -> DomainResult<RefreshOutcome> {
        let txn = self.begin().await?;
        let Some(token) = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(presented_hash))
            .filter(refresh_token::Column::SessionId.eq(session_id))
            .one(&txn)
            .await
            .map_err(db("finding a refresh token"))?
        else {
            return Ok(RefreshOutcome::Invalid);
        };
        let Some(current) = session::Entity::find_by_id(session_id)
            .one(&txn)
            .await
            .map_err(db("loading a session"))?
            .map(to_session)
        else {
            return Ok(RefreshOutcome::Invalid);
        };
        if token.rotated_at.is_some() {
            return end_reused_session(txn, session_id, current.user_id, client).await;
        }
        if !current.is_live(now) {
            return Ok(RefreshOutcome::Invalid);
        }
        let taken = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::RotatedAt, Expr::value(now))
            .filter(refresh_token::Column::Id.eq(token.id))
            .filter(refresh_token::Column::RotatedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db("rotating a refresh token"))?;
        if taken.rows_affected != 1 {
            // Another request rotated this token between our read and our update: the same
            // token was presented twice, which is a replay like any other.
            return end_reused_session(txn, session_id, current.user_id, client).await;
        }
        refresh_token::ActiveModel {
            id: Set(Uuid::new_v4()),
            session_id: Set(session_id),
            token_hash: Set(new_hash.to_owned()),
            created_at: Set(now),
            rotated_at: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(db("storing a refresh token"))?;
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(session_id))
            .exec(&txn)
            .await
            .map_err(db("touching a session"))?;
        let user = user::Entity::find_by_id(current.user_id)
            .one(&txn)
            .await
            .map_err(db("loading a user"))?
            .map(to_user)
            .transpose()?;
        commit(txn).await?;
        Ok(match user {
            Some(user) => RefreshOutcome::Rotated {
                session: current,
                user: Box::new(user),
            },
            None => RefreshOutcome::Invalid,
        })
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn list_sessions(&self, user_id: Uuid) -> DomainResult<Vec<Session>> {
        Ok(session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(Utc::now()))
            .order_by_desc(session::Column::LastSeenAt)
            .all(self.conn())
            .await
            .map_err(db("listing sessions"))?
            .into_iter()
            .map(to_session)
            .collect())
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id, session_id = %session_id), level = "debug", err(level = "debug"))]
    async fn revoke_session(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        let result = session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(session::Column::Id.eq(session_id))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db("ending a session"))?;
        if result.rows_affected == 0 {
            return Err(DomainError::NotFound {
                entity: "session",
                id: session_id.to_string(),
            });
        }
        insert_audit(&txn, audit.target("session", session_id)).await?;
        commit(txn).await
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn revoke_all_sessions(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        revoke_sessions(&txn, user_id, keep).await?;
        insert_audit(&txn, audit).await?;
        commit(txn).await
    }
}

impl LoginThrottle for Database {
    #[tracing::instrument(skip_all, fields(keys = keys.len()), level = "debug", err(level = "debug"))]
    async fn reserve_login_attempt(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
    ) -> DomainResult<LoginAttempt> {
        // Sorted, so that concurrent reservations lock shared keys in the same order.
        let mut keys = keys.to_vec();
        keys.sort();
        keys.dedup();
        let txn = self.begin().await?;
        let mut rows = Vec::new();
        // A successful login may delete a key's row between our insert and our lock; then we
        // insert it again (rarely more than once).
        for _ in 0..3 {
            for key in &keys {
                // The row must exist to be locked; of concurrent creators one inserts, the
                // others wait for it and then do nothing.
                login_throttle::Entity::insert(login_throttle::ActiveModel {
                    key: Set(key.clone()),
                    failures: Set(0),
                    window_started_at: Set(now),
                    locked_until: Set(None),
                })
                .on_conflict(
                    OnConflict::column(login_throttle::Column::Key)
                        .do_nothing()
                        .to_owned(),
                )
                .do_nothing()
                .exec(&txn)
                .await
                .map_err(db("creating a login throttle"))?;
            }
            rows = login_throttle::Entity::find()
                .filter(login_throttle::Column::Key.is_in(keys.clone()))
                .order_by_asc(login_throttle::Column::Key)
                .lock_exclusive()
                .all(&txn)
                .await
                .map_err(db("locking login throttles"))?;
            if rows.len() == keys.len() {
                break;
            }
        }
        let wait = rows
            .iter()
            .filter_map(|r| r.locked_until)
            .filter(|until| *until > now)
            .map(|until| {
                u64::try_from((until - now).num_seconds())
                    .unwrap_or(0)
                    .max(1)
            })
            .max();
        if let Some(retry_after_secs) = wait {
            commit(txn).await?;
            return Ok(LoginAttempt::Throttled { retry_after_secs });
        }
        let mut reserved = Vec::with_capacity(rows.len());
        for row in rows {
            let (failures, window_started_at) = if now - row.window_started_at < THROTTLE_WINDOW {
                (row.failures + 1, row.window_started_at)
            } else {
                (1, now)
            };
            // The lock applies to the attempts after this one; this one is still evaluated.
            let locked_until = (failures > FREE_FAILURES).then(|| {
                let exponent = u32::try_from(failures - FREE_FAILURES - 1)
                    .unwrap_or(10)
                    .min(10);
                now + (TimeDelta::seconds(30) * 2_i32.pow(exponent)).min(MAX_LOCK)
            });
            reserved.push((row.key.clone(), locked_until));
            login_throttle::ActiveModel {
                key: Set(row.key),
                failures: Set(failures),
                window_started_at: Set(window_started_at),
                locked_until: Set(locked_until),
            }
            .update(&txn)
            .await
            .map_err(db("counting a login attempt"))?;
        }
        commit(txn).await?;
        Ok(LoginAttempt::Reserved(AttemptReservation {
            keys: reserved,
        }))
    }

    #[tracing::instrument(skip_all, fields(keys = reservation.keys.len()), level = "debug", err(level = "debug"))]
    async fn release_login_attempt(&self, reservation: &AttemptReservation) -> DomainResult<()> {
        let txn = self.begin().await?;
        let mut keys = reservation.keys.clone();
        keys.sort();
        for (key, locked_until) in keys {
            login_throttle::Entity::update_many()
                .col_expr(
                    login_throttle::Column::Failures,
                    Expr::col(login_throttle::Column::Failures).sub(1),
                )
                .filter(login_throttle::Column::Key.eq(key.clone()))
                .filter(login_throttle::Column::Failures.gt(0))
                .exec(&txn)
                .await
                .map_err(db("releasing a login attempt"))?;
            if let Some(lock) = locked_until {
                // While the lock this attempt set lasts nobody else can change the row, so a
                // lock no later than ours is ours (with a margin: PostgreSQL keeps microseconds).
                login_throttle::Entity::update_many()
                    .col_expr(
                        login_throttle::Column::LockedUntil,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
                    .filter(login_throttle::Column::Key.eq(key))
                    .filter(login_throttle::Column::LockedUntil.lte(lock + TimeDelta::seconds(1)))
                    .exec(&txn)
                    .await
                    .map_err(db("releasing a login lock"))?;
            }
        }
        commit(txn).await
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn clear_throttle(&self, key: &str) -> DomainResult<()> {
        login_throttle::Entity::delete_by_id(key.to_owned())
            .exec(self.write_conn())
            .await
            .map_err(db("clearing a login throttle"))?;
        Ok(())
    }
}

impl Profiles for Database {
    #[tracing::instrument(skip_all, fields(user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn update_profile(
        &self,
        user_id: Uuid,
        name: Option<String>,
        language: Option<Language>,
        phone: Option<Option<String>>,
    ) -> DomainResult<User> {
        let row = user::Entity::find_by_id(user_id)
            .one(self.conn())
            .await
            .map_err(db("loading a user"))?
            .ok_or(DomainError::NotFound {
                entity: "user",
                id: user_id.to_string(),
            })?;
        let mut active: user::ActiveModel = row.into();
        if let Some(name) = name {
            active.name = Set(name);
        }
        if let Some(language) = language {
            active.language = Set(language.code().to_owned());
        }
        if let Some(phone) = phone {
            active.phone = Set(phone);
        }
        active.updated_at = Set(Utc::now());
        to_user(
            active
                .update(self.write_conn())
                .await
                .map_err(db("updating a profile"))?,
        )
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id, keep_session = %keep_session), level = "debug", err(level = "debug"))]
    async fn change_password(
        &self,
        user_id: Uuid,
        keep_session: Uuid,
        password_hash: String,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(password_hash))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db("changing a password"))?;
        revoke_sessions(&txn, user_id, Some(keep_session)).await?;
        queue(&txn, &mail).await?;
        insert_audit(&txn, audit).await?;
        commit(txn).await
    }
}

impl SecondFactor for Database {
    #[tracing::instrument(skip_all, fields(user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn store_totp_secret(&self, user_id: Uuid, encrypted_secret: String) -> DomainResult<()> {
        user::Entity::update_many()
            .col_expr(user::Column::TotpSecret, Expr::value(encrypted_secret))
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::TotpEnabled.eq(false))
            .exec(self.write_conn())
            .await
            .map_err(db("storing a two-factor secret"))?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn enable_totp(
        &self,
        user_id: Uuid,
        step: i64,
        recovery_code_hashes: Vec<String>,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        // Only once: a second concurrent confirmation must not replace the recovery codes the
        // first one showed.
        let enabled = user::Entity::update_many()
            .col_expr(user::Column::TotpEnabled, Expr::value(true))
            .col_expr(user::Column::TotpLastStep, Expr::value(step))
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::TotpEnabled.eq(false))
            .exec(&txn)
            .await
            .map_err(db("enabling two-factor"))?;
        if enabled.rows_affected == 0 {
            return Err(DomainError::conflict(
                haven_domain::ConflictCode::TwoFactorEnabled,
                "Two-factor authentication is already on.".into(),
            ));
        }
        recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db("replacing recovery codes"))?;
        for hash in recovery_code_hashes {
            recovery_code::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(user_id),
                code_hash: Set(hash),
                used_at: Set(None),
            }
            .insert(&txn)
            .await
            .map_err(db("storing a recovery code"))?;
        }
        queue(&txn, &mail).await?;
        insert_audit(&txn, audit).await?;
        commit(txn).await
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn disable_totp(
        &self,
        user_id: Uuid,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        user::Entity::update_many()
            .col_expr(user::Column::TotpEnabled, Expr::value(false))
            .col_expr(
                user::Column::TotpSecret,
                Expr::value(Option::<String>::None),
            )
            .col_expr(user::Column::TotpLastStep, Expr::value(Option::<i64>::None))
            .filter(user::Column::Id.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db("disabling two-factor"))?;
        recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db("deleting recovery codes"))?;
        queue(&txn, &mail).await?;
        insert_audit(&txn, audit).await?;
        commit(txn).await
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn accept_totp_step(&self, user_id: Uuid, step: i64) -> DomainResult<bool> {
        let result = user::Entity::update_many()
            .col_expr(user::Column::TotpLastStep, Expr::value(step))
            .filter(user::Column::Id.eq(user_id))
            .filter(
                Condition::any()
                    .add(user::Column::TotpLastStep.is_null())
                    .add(user::Column::TotpLastStep.lt(step)),
            )
            .exec(self.write_conn())
            .await
            .map_err(db("recording a two-factor code"))?;
        Ok(result.rows_affected == 1)
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn use_recovery_code(&self, user_id: Uuid, code_hash: &str) -> DomainResult<bool> {
        let result = recovery_code::Entity::update_many()
            .col_expr(recovery_code::Column::UsedAt, Expr::value(Utc::now()))
            .filter(recovery_code::Column::UserId.eq(user_id))
            .filter(recovery_code::Column::CodeHash.eq(code_hash))
            .filter(recovery_code::Column::UsedAt.is_null())
            .exec(self.write_conn())
            .await
            .map_err(db("using a recovery code"))?;
        Ok(result.rows_affected >= 1)
    }
}

impl UserAdministration for Database {
    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn change_user(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        change: UserChange,
        audit: NewAuditEvent,
    ) -> DomainResult<User> {
        let txn = self.begin().await?;
        lock_environment(&txn, environment_id).await?;
        let row = load_user_in(&txn, environment_id, user_id).await?;
        let was_active_admin =
            row.role == Role::Administrator.as_str() && row.status == UserStatus::Active.as_str();
        let mut active: user::ActiveModel = row.into();
        if let Some(role) = change.role {
            active.role = Set(role.as_str().to_owned());
            if was_active_admin && role != Role::Administrator {
                ensure_an_administrator_remains(
                    active_administrators(&txn, environment_id).await? - 1,
                )?;
            }
        }
        if let Some(flag) = change.relationship_manager {
            active.relationship_manager = Set(flag);
        }
        active.updated_at = Set(Utc::now());
        let user = to_user(active.update(&txn).await.map_err(db("changing a user"))?)?;
        insert_audit(&txn, audit.target("user", user_id)).await?;
        commit(txn).await?;
        Ok(user)
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn set_user_active(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        make_active: bool,
        audit: NewAuditEvent,
    ) -> DomainResult<User> {
        let txn = self.begin().await?;
        lock_environment(&txn, environment_id).await?;
        let row = load_user_in(&txn, environment_id, user_id).await?;
        let status = UserStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?;
        let new_status = match (status, make_active) {
            (UserStatus::Invited, _) => return Err(DomainError::conflict(
                haven_domain::ConflictCode::UserNotJoined,
                "An invited user has not joined yet; withdraw or resend the invitation instead."
                    .into(),
            )),
            (_, true) => UserStatus::Active,
            (_, false) => UserStatus::Deactivated,
        };
        if !make_active && status == UserStatus::Active && row.role == Role::Administrator.as_str()
        {
            ensure_an_administrator_remains(
                active_administrators(&txn, environment_id).await? - 1,
            )?;
        }
        let mut active: user::ActiveModel = row.into();
        active.status = Set(new_status.as_str().to_owned());
        active.updated_at = Set(Utc::now());
        let user = to_user(
            active
                .update(&txn)
                .await
                .map_err(db("changing a user's status"))?,
        )?;
        if !make_active {
            revoke_sessions(&txn, user_id, None).await?;
        }
        insert_audit(&txn, audit.target("user", user_id)).await?;
        commit(txn).await?;
        Ok(user)
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn remove_user(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        lock_environment(&txn, environment_id).await?;
        let row = load_user_in(&txn, environment_id, user_id).await?;
        if row.role == Role::Administrator.as_str() && row.status == UserStatus::Active.as_str() {
            ensure_an_administrator_remains(
                active_administrators(&txn, environment_id).await? - 1,
            )?;
        }
        // Children first: SQLite enforces foreign keys only when told to, PostgreSQL always.
        let sessions: Vec<Uuid> = session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .select_only()
            .column(session::Column::Id)
            .into_tuple()
            .all(&txn)
            .await
            .map_err(db("listing sessions"))?;
        refresh_token::Entity::delete_many()
            .filter(refresh_token::Column::SessionId.is_in(sessions))
            .exec(&txn)
            .await
            .map_err(db("deleting refresh tokens"))?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db("deleting sessions"))?;
        recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db("deleting recovery codes"))?;
        additional_email::Entity::delete_many()
            .filter(additional_email::Column::UserId.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db("deleting addresses"))?;
        email_token::Entity::delete_many()
            .filter(email_token::Column::UserId.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db("deleting link tokens"))?;
        user::Entity::delete_by_id(user_id)
            .exec(&txn)
            .await
            .map_err(db("deleting a user"))?;
        insert_audit(
            &txn,
            audit
                .target("user", user_id)
                .details(serde_json::json!({ "email": row.email })),
        )
        .await?;
        commit(txn).await
    }
}

impl EnvironmentSettings for Database {
    #[tracing::instrument(skip_all, fields(environment_id = %environment_id), level = "debug", err(level = "debug"))]
    async fn update_environment(
        &self,
        environment_id: Uuid,
        change: EnvironmentChange,
        audit: NewAuditEvent,
    ) -> DomainResult<Environment> {
        let txn = self.begin().await?;
        let row = environment::Entity::find_by_id(environment_id)
            .one(&txn)
            .await
            .map_err(db("loading an environment"))?
            .ok_or(DomainError::NotFound {
                entity: "environment",
                id: environment_id.to_string(),
            })?;
        let mut active: environment::ActiveModel = row.into();
        if let Some(name) = change.name {
            active.name = Set(name);
        }
        if let Some(domain) = change.auto_join_domain {
            active.auto_join_domain = Set(domain);
        }
        if let Some(required) = change.require_two_factor {
            active.require_two_factor = Set(required);
        }
        let updated = active
            .update(&txn)
            .await
            .map_err(db("updating an environment"))?;
        insert_audit(&txn, audit.target("environment", environment_id)).await?;
        commit(txn).await?;
        Ok(to_environment(updated))
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id), level = "debug", err(level = "debug"))]
    async fn set_receiving(
        &self,
        environment_id: Uuid,
        enabled: bool,
        audit: NewAuditEvent,
    ) -> DomainResult<Environment> {
        let txn = self.begin().await?;
        let row = environment::Entity::find_by_id(environment_id)
            .one(&txn)
            .await
            .map_err(db("loading an environment"))?
            .ok_or(DomainError::NotFound {
                entity: "environment",
                id: environment_id.to_string(),
            })?;
        let mut active: environment::ActiveModel = row.into();
        active.receiving_enabled = Set(enabled);
        active.receiving_decided = Set(true);
        if enabled {
            active.receiving_acknowledged_at = Set(Some(Utc::now()));
        }
        let updated = active
            .update(&txn)
            .await
            .map_err(db("updating receiving"))?;
        insert_audit(&txn, audit.target("environment", environment_id)).await?;
        commit(txn).await?;
        Ok(to_environment(updated))
    }
}

impl AdditionalEmails for Database {
    #[tracing::instrument(skip_all, fields(user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn list_additional_emails(&self, user_id: Uuid) -> DomainResult<Vec<AdditionalEmail>> {
        additional_email::Entity::find()
            .filter(additional_email::Column::UserId.eq(user_id))
            .order_by_asc(additional_email::Column::CreatedAt)
            .all(self.conn())
            .await
            .map_err(db("listing addresses"))?
            .into_iter()
            .map(to_additional_email)
            .collect()
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn add_additional_email(
        &self,
        user_id: Uuid,
        email: String,
        mut token: NewEmailToken,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<AdditionalEmail> {
        let txn = self.begin().await?;
        lock_address_claims(&txn).await?;
        if email_taken(&txn, &email).await? {
            return Err(DomainError::conflict(
                haven_domain::ConflictCode::EmailTaken,
                "This email address is already used by an account.".into(),
            ));
        }
        let row = additional_email::ActiveModel {
            id: Set(Uuid::new_v4()),
            user_id: Set(user_id),
            email: Set(email),
            status: Set(AdditionalEmailStatus::Unverified.as_str().to_owned()),
            created_at: Set(Utc::now()),
            verified_at: Set(None),
            approved_at: Set(None),
        }
        .insert(&txn)
        .await
        .map_err(db("adding an address"))?;
        token.user_id = Some(user_id);
        insert_token(&txn, token).await?;
        queue(&txn, &mail).await?;
        insert_audit(&txn, audit.target("additional_email", row.id)).await?;
        commit(txn).await?;
        to_additional_email(row)
    }

    #[tracing::instrument(skip_all, fields(token_id = %token_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn verify_additional_email(
        &self,
        token_id: Uuid,
        user_id: Uuid,
        email: &str,
        status: AdditionalEmailStatus,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        use_token(&txn, token_id).await?;
        let now = Utc::now();
        let mut update = additional_email::Entity::update_many()
            .col_expr(
                additional_email::Column::Status,
                Expr::value(status.as_str()),
            )
            .col_expr(additional_email::Column::VerifiedAt, Expr::value(now));
        if status == AdditionalEmailStatus::Active {
            update = update.col_expr(additional_email::Column::ApprovedAt, Expr::value(now));
        }
        let result = update
            .filter(additional_email::Column::UserId.eq(user_id))
            .filter(additional_email::Column::Email.eq(email))
            .filter(additional_email::Column::Status.eq(AdditionalEmailStatus::Unverified.as_str()))
            .exec(&txn)
            .await
            .map_err(db("verifying an address"))?;
        if result.rows_affected == 0 {
            return Err(DomainError::conflict(
                haven_domain::ConflictCode::EmailVerificationClosed,
                "This address was removed or already verified.".into(),
            ));
        }
        let owner = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await
            .map_err(db("loading a user"))?
            .ok_or(DomainError::NotFound {
                entity: "user",
                id: user_id.to_string(),
            })?;
        let mut audit = audit.in_environment(owner.environment_id);
        audit.actor_id = Some(owner.id);
        insert_audit(&txn, audit).await?;
        commit(txn).await
    }

    #[tracing::instrument(skip_all, fields(user_id = %user_id, id = %id), level = "debug", err(level = "debug"))]
    async fn remove_additional_email(
        &self,
        user_id: Uuid,
        id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        let result = additional_email::Entity::delete_many()
            .filter(additional_email::Column::Id.eq(id))
            .filter(additional_email::Column::UserId.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db("removing an address"))?;
        if result.rows_affected == 0 {
            return Err(DomainError::NotFound {
                entity: "address",
                id: id.to_string(),
            });
        }
        insert_audit(&txn, audit.target("additional_email", id)).await?;
        commit(txn).await
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id), level = "debug", err(level = "debug"))]
    async fn pending_email_approvals(
        &self,
        environment_id: Uuid,
    ) -> DomainResult<Vec<(AdditionalEmail, User)>> {
        let users: std::collections::HashMap<Uuid, user::Model> = user::Entity::find()
            .filter(user::Column::EnvironmentId.eq(environment_id))
            .all(self.conn())
            .await
            .map_err(db("listing users"))?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let rows = additional_email::Entity::find()
            .filter(additional_email::Column::UserId.is_in(users.keys().copied()))
            .filter(
                additional_email::Column::Status
                    .eq(AdditionalEmailStatus::PendingApproval.as_str()),
            )
            .order_by_asc(additional_email::Column::CreatedAt)
            .all(self.conn())
            .await
            .map_err(db("listing pending addresses"))?;
        rows.into_iter()
            .filter_map(|row| users.get(&row.user_id).cloned().map(|u| (row, u)))
            .map(|(row, u)| Ok((to_additional_email(row)?, to_user(u)?)))
            .collect()
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, id = %id), level = "debug", err(level = "debug"))]
    async fn decide_email_approval(
        &self,
        environment_id: Uuid,
        id: Uuid,
        approve: bool,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        let not_found = || DomainError::NotFound {
            entity: "address",
            id: id.to_string(),
        };
        let row = additional_email::Entity::find_by_id(id)
            .filter(
                additional_email::Column::Status
                    .eq(AdditionalEmailStatus::PendingApproval.as_str()),
            )
            .one(&txn)
            .await
            .map_err(db("loading an address"))?
            .ok_or_else(not_found)?;
        // The owner must be in the caller's environment; otherwise the address does not exist for them.
        load_user_in(&txn, environment_id, row.user_id)
            .await
            .map_err(|_| not_found())?;
        // Only a still-pending address is decided: of two concurrent decisions one wins.
        let pending =
            additional_email::Column::Status.eq(AdditionalEmailStatus::PendingApproval.as_str());
        let decided = if approve {
            additional_email::Entity::update_many()
                .col_expr(
                    additional_email::Column::Status,
                    Expr::value(AdditionalEmailStatus::Active.as_str()),
                )
                .col_expr(
                    additional_email::Column::ApprovedAt,
                    Expr::value(Utc::now()),
                )
                .filter(additional_email::Column::Id.eq(id))
                .filter(pending)
                .exec(&txn)
                .await
                .map_err(db("approving an address"))?
                .rows_affected
        } else {
            additional_email::Entity::delete_many()
                .filter(additional_email::Column::Id.eq(id))
                .filter(pending)
                .exec(&txn)
                .await
                .map_err(db("rejecting an address"))?
                .rows_affected
        };
        if decided == 0 {
            return Err(not_found());
        }
        insert_audit(
            &txn,
            audit
                .target("additional_email", id)
                .details(serde_json::json!({ "email": row.email, "approved": approve })),
        )
        .await?;
        commit(txn).await
    }
}

/// A rotated refresh token came back: it was copied. Ends the whole session.
async fn end_reused_session(
    txn: DatabaseTransaction,
    session_id: Uuid,
    user_id: Uuid,
    client: &ClientInfo,
) -> DomainResult<RefreshOutcome> {
    revoke_sessions_by_id(&txn, session_id).await?;
    let mut audit = NewAuditEvent::new(
        haven_domain::accounts::AuditAction::SessionRefreshTokenReused,
        client,
    )
    .target("session", session_id);
    // The owner's environment keeps the event, so its Administrators see the replay.
    if let Some(owner) = user::Entity::find_by_id(user_id)
        .one(&txn)
        .await
        .map_err(db("loading a session's owner"))?
    {
        audit = audit
            .in_environment(owner.environment_id)
            .email(&owner.email);
        audit.actor_id = Some(owner.id);
    }
    insert_audit(&txn, audit).await?;
    commit(txn).await?;
    Ok(RefreshOutcome::Reused { user_id })
}

async fn revoke_sessions_by_id<C: ConnectionTrait>(conn: &C, session_id: Uuid) -> DomainResult<()> {
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await
        .map_err(db("ending a session"))?;
    Ok(())
}

fn to_additional_email(m: additional_email::Model) -> DomainResult<AdditionalEmail> {
    Ok(AdditionalEmail {
        id: m.id,
        user_id: m.user_id,
        email: m.email,
        status: AdditionalEmailStatus::parse(&m.status).ok_or_else(|| corrupt("address status"))?,
        created_at: m.created_at,
    })
}

async fn insert_token<C: ConnectionTrait>(conn: &C, token: NewEmailToken) -> DomainResult<()> {
    email_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        kind: Set(token.kind.as_str().to_owned()),
        token_hash: Set(token.token_hash),
        user_id: Set(token.user_id),
        email: Set(token.email),
        payload: Set(token.payload),
        expires_at: Set(token.expires_at),
        used_at: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await
    .map_err(db("storing a link token"))?;
    Ok(())
}

/// Additional addresses and invitation follow-ups.
impl Database {
    /// The user of `environment_id` with id `user_id`, who must still be invited.
    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    async fn invited_user(
        txn: &DatabaseTransaction,
        environment_id: Uuid,
        user_id: Uuid,
    ) -> DomainResult<user::Model> {
        let row = lock_user(txn, user_id)
            .await?
            .filter(|row| row.environment_id == environment_id)
            .ok_or(DomainError::NotFound {
                entity: "user",
                id: user_id.to_string(),
            })?;
        if row.status != UserStatus::Invited.as_str() {
            return Err(DomainError::conflict(
                haven_domain::ConflictCode::UserAlreadyJoined,
                "This user has already joined.".into(),
            ));
        }
        Ok(row)
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    pub(crate) async fn renew_invitation_impl(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        token: NewEmailToken,
        mail: OutgoingMail,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        Self::invited_user(&txn, environment_id, user_id).await?;
        // Older links stop working: only the newest invitation counts.
        email_token::Entity::update_many()
            .col_expr(email_token::Column::UsedAt, Expr::value(Utc::now()))
            .filter(email_token::Column::UserId.eq(user_id))
            .filter(email_token::Column::Kind.eq(TokenKind::Invitation.as_str()))
            .filter(email_token::Column::UsedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db("retiring invitation links"))?;
        insert_token(&txn, token).await?;
        queue(&txn, &mail).await?;
        insert_audit(&txn, audit.target("user", user_id)).await?;
        commit(txn).await
    }

    #[tracing::instrument(skip_all, fields(environment_id = %environment_id, user_id = %user_id), level = "debug", err(level = "debug"))]
    pub(crate) async fn withdraw_invitation_impl(
        &self,
        environment_id: Uuid,
        user_id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<()> {
        let txn = self.begin().await?;
        let row = Self::invited_user(&txn, environment_id, user_id).await?;
        email_token::Entity::delete_many()
            .filter(email_token::Column::UserId.eq(user_id))
            .exec(&txn)
            .await
            .map_err(db("deleting invitation links"))?;
        user::Entity::delete_by_id(user_id)
            .exec(&txn)
            .await
            .map_err(db("deleting an invited user"))?;
        insert_audit(
            &txn,
            audit
                .target("user", user_id)
                .details(serde_json::json!({ "email": row.email })),
        )
        .await?;
        commit(txn).await
    }
}
