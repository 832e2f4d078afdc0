//! The connection-key use cases: create, list, read, revoke, delete and regenerate (for
//! Organization Administrators), the client-credentials check of the token endpoint, and the
//! check every request with a connection's token goes through.

use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use uuid::Uuid;

use super::{
    records::{
        Connection, ConnectionGrant, ConnectionStatus, IssuedSecret, NewConnection, Scope,
        UsageEntry,
    },
    store::{ConnectionStore, StoredConnection, UsageLog},
};
use crate::{
    accounts::{
        records::{ClientInfo, NewAuditEvent},
        secrets::{equal_in_constant_time, hash_token, new_token},
        store::AuditLog,
        AuditAction, Caller,
    },
    organizations::{policy::OrgAction, service::Authorized},
    paging::{Page, PageQuery, PageRequest},
    ConflictCode, DomainError, DomainResult, FieldError,
};

/// How long a connection's usage log is kept.
pub const USAGE_DAYS: i64 = 30;
/// Longest name and software package name.
pub const NAME_MAX: usize = 100;

/// "New connection" as entered.
#[derive(Debug, Clone)]
pub struct NewConnectionInput {
    pub name: String,
    pub software: String,
    pub scopes: Vec<Scope>,
}

/// A new public client id: `hvn_` and 128 random bits in hex.
fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("hvn_{}", hex::encode(bytes))
}

/// Compares two hashes in time that does not depend on where they differ.
fn checked_text(field: &str, value: &str, errors: &mut Vec<FieldError>) -> String {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > NAME_MAX {
        errors.push(FieldError {
            field: field.into(),
            code: "length",
            message: format!("Enter from 1 to {NAME_MAX} characters."),
        });
    }
    value.to_owned()
}

fn audit_of(caller: &Caller<'_>, action: AuditAction, connection: &Connection) -> NewAuditEvent {
    caller
        .audit(action)
        .target("connection", connection.id)
        .details(serde_json::json!({
            "organizationId": connection.organization_id,
            "clientId": connection.client_id,
            "name": connection.name,
            "partnershipId": connection.partnership_id,
        }))
        .on_organization(connection.environment_id)
}

/// Creates a connection for a software package; the secret is in the answer and nowhere else.
///
/// # Errors
/// `Forbidden` (not an Organization Administrator), `Validation`, the store's error.
#[tracing::instrument(name = "create connection", skip_all, fields(organization_id = %org.organization.id, connection_id))]
pub async fn create_connection<S: ConnectionStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    input: NewConnectionInput,
) -> DomainResult<IssuedSecret> {
    let organization = org.allow(OrgAction::ManageConnectionKeys)?;
    let mut errors = Vec::new();
    let name = checked_text("name", &input.name, &mut errors);
    let software = checked_text("software", &input.software, &mut errors);
    if input.scopes.is_empty() {
        errors.push(FieldError {
            field: "scopes".into(),
            code: "required",
            message: "Choose at least one scope.".into(),
        });
    }
    // A webhook made with a partner's key would outlive the partnership: not through one.
    if org.partner.is_some() && input.scopes.contains(&Scope::Webhooks) {
        errors.push(FieldError {
            field: "scopes".into(),
            code: "partner_scope",
            message: "A connection created through a partnership cannot manage webhooks.".into(),
        });
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let scopes = Scope::split(&Scope::join(&input.scopes)).unwrap_or_default();
    let client_secret = new_token();
    let id = Uuid::new_v4();
    tracing::Span::current().record("connection_id", tracing::field::display(id));
    let new = NewConnection {
        id,
        environment_id: organization.environment_id,
        organization_id: organization.id,
        client_id: new_client_id(),
        secret_hash: hash_token(&client_secret),
        name: name.clone(),
        software: software.clone(),
        scopes: scopes.clone(),
        created_by: caller.user.id,
        created_by_name: caller.user.name.clone(),
        created_by_email: caller.user.email.clone(),
        partnership_id: org.partner.map(|p| p.partnership_id),
    };
    let audit = caller
        .audit(AuditAction::ConnectionCreated)
        .target("connection", id)
        .details(serde_json::json!({
            "organizationId": organization.id,
            "clientId": new.client_id,
            "name": name,
            "software": software,
            "scopes": Scope::join(&scopes),
            "partnershipId": new.partnership_id,
        }))
        .on_organization(organization.environment_id);
    let connection = store.create_connection(new, audit).await?;
    Ok(IssuedSecret {
        connection,
        client_secret,
    })
}

/// One page of the organization's connections, newest first.
///
/// # Errors
/// `Forbidden`, `Validation` (page), the store's error.
#[tracing::instrument(name = "list connections", skip_all, fields(organization_id = %org.organization.id))]
pub async fn list_connections<S: ConnectionStore>(
    store: &S,
    org: &Authorized,
    page: &PageQuery,
) -> DomainResult<Page<Connection>> {
    let organization = org.allow(OrgAction::ManageConnectionKeys)?;
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = store.list_connections(organization.id, &page).await?;
    Ok(page.page(rows, |c| (c.created_at, c.id)))
}

/// One connection of the organization.
///
/// # Errors
/// `NotFound`, `Forbidden`, the store's error.
#[tracing::instrument(name = "get connection", skip_all, fields(organization_id = %org.organization.id, connection_id = %id))]
pub async fn get_connection<S: ConnectionStore>(
    store: &S,
    org: &Authorized,
    id: Uuid,
) -> DomainResult<Connection> {
    let organization = org.allow(OrgAction::ManageConnectionKeys)?;
    store
        .find_connection(organization.id, id)
        .await?
        .ok_or_else(|| DomainError::not_found("connection", id))
}

/// Revokes a connection: its tokens stop on their next request, and it cannot get new ones.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Conflict` (`connection_not_active`), the store's error.
#[tracing::instrument(name = "revoke connection", skip_all, fields(organization_id = %org.organization.id, connection_id = %id))]
pub async fn revoke_connection<S: ConnectionStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    id: Uuid,
) -> DomainResult<Connection> {
    let connection = get_connection(store, org, id).await?;
    store
        .revoke_connection(
            id,
            audit_of(caller, AuditAction::ConnectionRevoked, &connection),
        )
        .await?
        .ok_or_else(|| {
            DomainError::conflict(
                ConflictCode::ConnectionNotActive,
                "This connection is already revoked.".into(),
            )
        })
}

/// Deletes a revoked connection and its usage log.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Conflict` (`connection_not_revoked`), the store's error.
#[tracing::instrument(name = "delete connection", skip_all, fields(organization_id = %org.organization.id, connection_id = %id))]
pub async fn delete_connection<S: ConnectionStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    id: Uuid,
) -> DomainResult<()> {
    let connection = get_connection(store, org, id).await?;
    if store
        .delete_connection(
            id,
            audit_of(caller, AuditAction::ConnectionDeleted, &connection),
        )
        .await?
    {
        Ok(())
    } else {
        Err(DomainError::conflict(
            ConflictCode::ConnectionNotRevoked,
            "Revoke the connection before you delete it.".into(),
        ))
    }
}

/// Issues a new secret for an active connection; the old secret and every token obtained
/// with it stop at once.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Conflict` (`connection_not_active`), the store's error.
#[tracing::instrument(name = "regenerate connection secret", skip_all, fields(organization_id = %org.organization.id, connection_id = %id))]
pub async fn regenerate_secret<S: ConnectionStore>(
    store: &S,
    caller: &Caller<'_>,
    org: &Authorized,
    id: Uuid,
) -> DomainResult<IssuedSecret> {
    let connection = get_connection(store, org, id).await?;
    let client_secret = new_token();
    let connection = store
        .replace_secret(
            id,
            hash_token(&client_secret),
            audit_of(
                caller,
                AuditAction::ConnectionSecretRegenerated,
                &connection,
            ),
        )
        .await?
        .ok_or_else(|| {
            DomainError::conflict(
                ConflictCode::ConnectionNotActive,
                "A revoked connection gets no new secret; create a new connection.".into(),
            )
        })?;
    Ok(IssuedSecret {
        connection,
        client_secret,
    })
}

/// One page of a connection's usage log, newest first.
///
/// # Errors
/// `NotFound`, `Forbidden`, `Validation` (page), the store's error.
#[tracing::instrument(name = "connection usage", skip_all, fields(organization_id = %org.organization.id, connection_id = %id))]
pub async fn list_usage<S: ConnectionStore + UsageLog>(
    store: &S,
    org: &Authorized,
    id: Uuid,
    page: &PageQuery,
) -> DomainResult<Page<UsageEntry>> {
    let connection = get_connection(store, org, id).await?;
    let page = PageRequest::parse(page.limit, page.before.as_deref())?;
    let rows = store.list_usage(connection.id, &page).await?;
    Ok(page.page(rows, |u| (u.at, u.id)))
}

/// Removes usage entries older than [`USAGE_DAYS`] (the daily job).
///
/// # Errors
/// The store's error.
#[tracing::instrument(name = "purge connection usage", skip_all)]
pub async fn purge_usage<S: UsageLog>(store: &S, now: DateTime<Utc>) -> DomainResult<u64> {
    store.purge_usage(now - TimeDelta::days(USAGE_DAYS)).await
}

/// Records the use, at most once a minute: the time read with the connection decides, so a
/// request in the same minute costs no write (the store's update is conditional as well).
async fn touch<S: ConnectionStore>(
    store: &S,
    connection: &Connection,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    if connection
        .last_used_at
        .is_none_or(|at| now - at >= TimeDelta::minutes(1))
    {
        store.touch_connection(connection.id, now).await?;
    }
    Ok(())
}

/// What the token endpoint was given.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: String,
    pub client_secret: String,
    /// The `scope` parameter as sent, if any.
    pub scope: Option<String>,
}

/// A token may be issued for this connection, generation and scopes.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub connection: Connection,
    pub generation: i32,
    pub scopes: Vec<Scope>,
}

/// The answer of the token endpoint's check.
#[derive(Debug, Clone)]
pub enum ClientCheck {
    Granted(Box<TokenGrant>),
    /// Unknown client id, wrong secret, or a revoked connection (RFC 6749 `invalid_client`).
    InvalidClient,
    /// A scope that is not one, or more than the connection has (`invalid_scope`).
    InvalidScope,
}

/// Checks client credentials. A failure for a known client id is recorded in the audit log
/// of the connection's environment; the client is told only `invalid_client`.
///
/// # Errors
/// A store's error.
#[tracing::instrument(name = "authenticate client", skip_all, fields(connection_id))]
pub async fn authenticate_client<S: ConnectionStore + AuditLog>(
    store: &S,
    credentials: &ClientCredentials,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> DomainResult<ClientCheck> {
    let Some(stored) = store
        .find_by_client_id(credentials.client_id.trim())
        .await?
    else {
        tracing::info!("token request for an unknown client id");
        return Ok(ClientCheck::InvalidClient);
    };
    let StoredConnection {
        connection,
        secret_hash,
        generation,
        partnership_ended,
    } = stored;
    tracing::Span::current().record("connection_id", tracing::field::display(connection.id));
    let right_secret =
        equal_in_constant_time(&hash_token(&credentials.client_secret), &secret_hash);
    let reason = if !right_secret {
        Some("wrong_secret")
    } else if connection.status != ConnectionStatus::Active {
        Some("revoked")
    } else if partnership_ended {
        Some("partnership_ended")
    } else {
        None
    };
    if let Some(reason) = reason {
        let audit = NewAuditEvent::new(AuditAction::ConnectionAuthenticationFailed, client)
            .in_environment(connection.environment_id)
            .target("connection", connection.id)
            .details(serde_json::json!({
                "organizationId": connection.organization_id,
                "clientId": connection.client_id,
                "reason": reason,
            }));
        store.notify(None, audit).await?;
        return Ok(ClientCheck::InvalidClient);
    }
    let scopes = match credentials.scope.as_deref().map(str::trim) {
        None | Some("") => connection.scopes.clone(),
        Some(asked) => match Scope::split(asked) {
            Some(asked) if asked.iter().all(|s| connection.scopes.contains(s)) => asked,
            _ => return Ok(ClientCheck::InvalidScope),
        },
    };
    touch(store, &connection, now).await?;
    Ok(ClientCheck::Granted(Box::new(TokenGrant {
        connection,
        generation,
        scopes,
    })))
}

/// What a verified token says.
#[derive(Debug, Clone)]
pub struct TokenClaims {
    pub connection_id: Uuid,
    pub environment_id: Uuid,
    pub organization_id: Uuid,
    pub generation: i32,
    pub scopes: Vec<Scope>,
}

/// The grant of a request made with a verified token: the connection as it is now must still
/// be active, of the same environment and organization, and on the token's secret generation.
/// `None` means the token no longer works (revoked, deleted, secret regenerated).
///
/// # Errors
/// A store's error.
pub async fn grant_for_request<S: ConnectionStore>(
    store: &S,
    claims: &TokenClaims,
    now: DateTime<Utc>,
) -> DomainResult<Option<ConnectionGrant>> {
    let Some(stored) = store.stored_connection(claims.connection_id).await? else {
        return Ok(None);
    };
    let c = &stored.connection;
    // A key created through a partnership stops with it, even while its own status is
    // active: the partnership is read with the connection on every request.
    if c.status != ConnectionStatus::Active
        || stored.partnership_ended
        || c.environment_id != claims.environment_id
        || c.organization_id != claims.organization_id
        || stored.generation != claims.generation
    {
        return Ok(None);
    }
    touch(store, c, now).await?;
    Ok(Some(ConnectionGrant {
        connection_id: c.id,
        environment_id: c.environment_id,
        organization_id: c.organization_id,
        client_id: c.client_id.clone(),
        name: c.name.clone(),
        scopes: claims
            .scopes
            .iter()
            .copied()
            .filter(|s| c.scopes.contains(s))
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_unique_and_marked() {
        let (a, b) = (new_client_id(), new_client_id());
        assert_ne!(a, b);
        assert!(a.starts_with("hvn_") && a.len() == 36);
    }
}
