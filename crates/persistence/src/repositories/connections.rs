//! Connections and their usage log on SQLite and PostgreSQL. Each change is one transaction
//! with its audit event; changes that depend on the status are conditional updates whose row
//! count is the answer, so two concurrent requests cannot both revoke, delete or regenerate.

use chrono::{DateTime, TimeDelta, Utc};
use haven_domain::{
    accounts::records::NewAuditEvent,
    connections::{
        records::{Connection, ConnectionStatus, NewConnection, Scope, UsageEntry},
        store::{ConnectionStore, StoredConnection, UsageLog},
    },
    paging::PageRequest,
    DomainResult,
};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::accounts::insert_audit_event;
use super::partners::partnership_ended;
use super::{commit, corrupt, db};
use crate::{
    entities::{connection, connection_usage},
    keyset::{keyset_page, Direction},
    Database,
};

fn to_connection(m: connection::Model) -> DomainResult<StoredConnection> {
    let connection = Connection {
        id: m.id,
        environment_id: m.environment_id,
        organization_id: m.organization_id,
        client_id: m.client_id,
        name: m.name,
        software: m.software,
        scopes: Scope::split(&m.scopes).ok_or_else(|| corrupt("connection scopes"))?,
        status: ConnectionStatus::parse(&m.status).ok_or_else(|| corrupt("connection status"))?,
        created_by: m.created_by,
        created_by_name: m.created_by_name,
        created_by_email: m.created_by_email,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
        partnership_id: m.partnership_id,
    };
    Ok(StoredConnection {
        connection,
        secret_hash: m.secret_hash,
        generation: m.generation,
        partnership_ended: false,
    })
}

fn to_usage(m: connection_usage::Model) -> UsageEntry {
    UsageEntry {
        id: m.id,
        connection_id: m.connection_id,
        at: m.at,
        method: m.method,
        endpoint: m.endpoint,
        status: u16::try_from(m.status).unwrap_or(0),
        duration_ms: u32::try_from(m.duration_ms).unwrap_or(0),
    }
}

/// A stored connection with whether the partnership it came through has ended.
async fn with_partnership<C: sea_orm::ConnectionTrait>(
    conn: &C,
    row: Option<connection::Model>,
) -> DomainResult<Option<StoredConnection>> {
    let Some(row) = row else {
        return Ok(None);
    };
    let mut stored = to_connection(row)?;
    stored.partnership_ended = partnership_ended(conn, stored.connection.partnership_id).await?;
    Ok(Some(stored))
}

impl Database {
    async fn connection_row<C: sea_orm::ConnectionTrait>(
        conn: &C,
        id: Uuid,
    ) -> DomainResult<Option<StoredConnection>> {
        let row = connection::Entity::find_by_id(id)
            .one(conn)
            .await
            .map_err(db("loading a connection"))?;
        with_partnership(conn, row).await
    }
}

impl ConnectionStore for Database {
    #[tracing::instrument(skip_all, fields(connection_id = %new.id), level = "debug", err(level = "debug"))]
    async fn create_connection(
        &self,
        new: NewConnection,
        audit: NewAuditEvent,
    ) -> DomainResult<Connection> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let row = connection::ActiveModel {
            id: Set(new.id),
            environment_id: Set(new.environment_id),
            organization_id: Set(new.organization_id),
            client_id: Set(new.client_id),
            secret_hash: Set(new.secret_hash),
            generation: Set(0),
            name: Set(new.name),
            software: Set(new.software),
            scopes: Set(Scope::join(&new.scopes)),
            status: Set(ConnectionStatus::Active.as_str().to_owned()),
            created_by: Set(Some(new.created_by)),
            created_by_name: Set(new.created_by_name),
            created_by_email: Set(new.created_by_email),
            created_at: Set(Utc::now()),
            last_used_at: Set(None),
            revoked_at: Set(None),
            partnership_id: Set(new.partnership_id),
        }
        .insert(&txn)
        .await
        .map_err(db("creating a connection"))?;
        insert_audit_event(&txn, audit).await?;
        commit(txn).await?;
        Ok(to_connection(row)?.connection)
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id), level = "debug", err(level = "debug"))]
    async fn list_connections(
        &self,
        organization_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<Connection>> {
        keyset_page(
            connection::Entity::find()
                .filter(connection::Column::OrganizationId.eq(organization_id)),
            connection::Column::CreatedAt,
            connection::Column::Id,
            page.before.as_ref(),
            Direction::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing connections"))?
        .into_iter()
        .map(|m| to_connection(m).map(|s| s.connection))
        .collect()
    }

    #[tracing::instrument(skip_all, fields(organization_id = %organization_id, connection_id = %id), level = "debug", err(level = "debug"))]
    async fn find_connection(
        &self,
        organization_id: Uuid,
        id: Uuid,
    ) -> DomainResult<Option<Connection>> {
        Ok(Self::connection_row(self.conn(), id)
            .await?
            .map(|s| s.connection)
            .filter(|c| c.organization_id == organization_id))
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn find_by_client_id(&self, client_id: &str) -> DomainResult<Option<StoredConnection>> {
        let row = connection::Entity::find()
            .filter(connection::Column::ClientId.eq(client_id))
            .one(self.conn())
            .await
            .map_err(db("loading a connection by client id"))?;
        with_partnership(self.conn(), row).await
    }

    #[tracing::instrument(skip_all, fields(connection_id = %id), level = "debug", err(level = "debug"))]
    async fn stored_connection(&self, id: Uuid) -> DomainResult<Option<StoredConnection>> {
        Self::connection_row(self.conn(), id).await
    }

    #[tracing::instrument(skip_all, fields(connection_id = %id), level = "debug", err(level = "debug"))]
    async fn revoke_connection(
        &self,
        id: Uuid,
        audit: NewAuditEvent,
    ) -> DomainResult<Option<Connection>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let changed = connection::Entity::update_many()
            .col_expr(
                connection::Column::Status,
                Expr::value(ConnectionStatus::Revoked.as_str()),
            )
            .col_expr(connection::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(connection::Column::Id.eq(id))
            .filter(connection::Column::Status.eq(ConnectionStatus::Active.as_str()))
            .exec(&txn)
            .await
            .map_err(db("revoking a connection"))?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        insert_audit_event(&txn, audit).await?;
        let row = Self::connection_row(&txn, id).await?;
        commit(txn).await?;
        Ok(row.map(|s| s.connection))
    }

    #[tracing::instrument(skip_all, fields(connection_id = %id), level = "debug", err(level = "debug"))]
    async fn delete_connection(&self, id: Uuid, audit: NewAuditEvent) -> DomainResult<bool> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let deleted = connection::Entity::delete_many()
            .filter(connection::Column::Id.eq(id))
            .filter(connection::Column::Status.eq(ConnectionStatus::Revoked.as_str()))
            .exec(&txn)
            .await
            .map_err(db("deleting a connection"))?;
        if deleted.rows_affected == 0 {
            return Ok(false);
        }
        connection_usage::Entity::delete_many()
            .filter(connection_usage::Column::ConnectionId.eq(id))
            .exec(&txn)
            .await
            .map_err(db("deleting a connection's usage"))?;
        insert_audit_event(&txn, audit).await?;
        commit(txn).await?;
        Ok(true)
    }

    #[tracing::instrument(skip_all, fields(connection_id = %id), level = "debug", err(level = "debug"))]
    async fn replace_secret(
        &self,
        id: Uuid,
        secret_hash: String,
        audit: NewAuditEvent,
    ) -> DomainResult<Option<Connection>> {
        let txn = self
            .begin_write()
            .await
            .map_err(db("starting a transaction"))?;
        let changed = connection::Entity::update_many()
            .col_expr(connection::Column::SecretHash, Expr::value(secret_hash))
            .col_expr(
                connection::Column::Generation,
                Expr::col(connection::Column::Generation).add(1),
            )
            .filter(connection::Column::Id.eq(id))
            .filter(connection::Column::Status.eq(ConnectionStatus::Active.as_str()))
            .exec(&txn)
            .await
            .map_err(db("replacing a connection's secret"))?;
        if changed.rows_affected == 0 {
            return Ok(None);
        }
        insert_audit_event(&txn, audit).await?;
        let row = Self::connection_row(&txn, id).await?;
        commit(txn).await?;
        Ok(row.map(|s| s.connection))
    }

    #[tracing::instrument(skip_all, fields(connection_id = %id), level = "debug", err(level = "debug"))]
    async fn touch_connection(&self, id: Uuid, now: DateTime<Utc>) -> DomainResult<()> {
        connection::Entity::update_many()
            .col_expr(connection::Column::LastUsedAt, Expr::value(now))
            .filter(connection::Column::Id.eq(id))
            .filter(
                connection::Column::LastUsedAt
                    .is_null()
                    .or(connection::Column::LastUsedAt.lt(now - TimeDelta::minutes(1))),
            )
            .exec(self.write_conn())
            .await
            .map_err(db("noting a connection's use"))?;
        Ok(())
    }
}

impl UsageLog for Database {
    #[tracing::instrument(skip_all, fields(entries = entries.len()), level = "debug", err(level = "debug"))]
    async fn append_usage(&self, entries: Vec<UsageEntry>) -> DomainResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let rows = entries.into_iter().map(|e| connection_usage::ActiveModel {
            id: Set(e.id),
            connection_id: Set(e.connection_id),
            at: Set(e.at),
            method: Set(e.method),
            endpoint: Set(e.endpoint),
            status: Set(i32::from(e.status)),
            duration_ms: Set(i32::try_from(e.duration_ms).unwrap_or(i32::MAX)),
        });
        connection_usage::Entity::insert_many(rows)
            .exec(self.write_conn())
            .await
            .map_err(db("writing connection usage"))?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(connection_id = %connection_id), level = "debug", err(level = "debug"))]
    async fn list_usage(
        &self,
        connection_id: Uuid,
        page: &PageRequest,
    ) -> DomainResult<Vec<UsageEntry>> {
        Ok(keyset_page(
            connection_usage::Entity::find()
                .filter(connection_usage::Column::ConnectionId.eq(connection_id)),
            connection_usage::Column::At,
            connection_usage::Column::Id,
            page.before.as_ref(),
            Direction::Descending,
            page.fetch(),
        )
        .all(self.conn())
        .await
        .map_err(db("listing connection usage"))?
        .into_iter()
        .map(to_usage)
        .collect())
    }

    #[tracing::instrument(skip_all, level = "debug", err(level = "debug"))]
    async fn purge_usage(&self, before: DateTime<Utc>) -> DomainResult<u64> {
        Ok(connection_usage::Entity::delete_many()
            .filter(connection_usage::Column::At.lt(before))
            .exec(self.write_conn())
            .await
            .map_err(db("purging connection usage"))?
            .rows_affected)
    }
}
