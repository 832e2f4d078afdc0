//! The caller of an authenticated request: session, user and environment in one query (shared
//! by the requests that arrive together, see `read_batch`).

use haven_domain::{
    accounts::auth_context::{AuthContext, AuthContextStore},
    DomainResult,
};
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::db;
use crate::{
    convert::{to_environment, to_session, to_user},
    entities::{environment, session, user},
    Database,
};

impl AuthContextStore for Database {
    async fn load_auth_context(
        &self,
        session_id: Uuid,
        user_id: Uuid,
        environment_id: Uuid,
    ) -> DomainResult<Option<AuthContext>> {
        let alone = async {
            Ok(load_sessions(self.conn(), vec![session_id])
                .await?
                .remove(&session_id))
        };
        let found = match self.batched_reads() {
            Some(reads) => reads.sessions.get(session_id, alone).await?,
            None => alone.await?,
        };
        // The session must be the one the token names: of that user, in that environment.
        Ok(found.filter(|c| c.user.id == user_id && c.user.environment_id == environment_id))
    }
}

/// The sessions of `ids` that exist with their user and environment, by session id.
pub(super) async fn load_sessions<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<Uuid>,
) -> DomainResult<HashMap<Uuid, AuthContext>> {
    // Inner joins: a session whose user or environment is gone yields no row.
    let rows = session::Entity::find()
        .filter(session::Column::Id.is_in(ids))
        .join(
            JoinType::InnerJoin,
            session::Entity::belongs_to(user::Entity)
                .from(session::Column::UserId)
                .to(user::Column::Id)
                .into(),
        )
        .join(
            JoinType::InnerJoin,
            user::Entity::belongs_to(environment::Entity)
                .from(user::Column::EnvironmentId)
                .to(environment::Column::Id)
                .into(),
        )
        .select_also(user::Entity)
        .select_also(environment::Entity)
        .all(conn)
        .await
        .map_err(db("loading the caller"))?;
    let mut found = HashMap::with_capacity(rows.len());
    for (session, user, environment) in rows {
        let (Some(user), Some(environment)) = (user, environment) else {
            continue;
        };
        let context = AuthContext {
            session: to_session(session),
            user: to_user(user)?,
            environment: to_environment(environment),
        };
        found.insert(context.session.id, context);
    }
    Ok(found)
}
