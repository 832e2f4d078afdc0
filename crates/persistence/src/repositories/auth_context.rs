//! The caller of an authenticated request: session, user and environment in one query.

use haven_domain::{
    accounts::auth_context::{AuthContext, AuthContextStore},
    DomainResult,
};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect};
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
        // Inner joins: a session whose user or environment is gone yields no row.
        let row = session::Entity::find_by_id(session_id)
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
            .filter(user::Column::Id.eq(user_id))
            .filter(user::Column::EnvironmentId.eq(environment_id))
            .select_also(user::Entity)
            .select_also(environment::Entity)
            .one(self.conn())
            .await
            .map_err(db("loading the caller"))?;
        let Some((session, Some(user), Some(environment))) = row else {
            return Ok(None);
        };
        Ok(Some(AuthContext {
            session: to_session(session),
            user: to_user(user)?,
            environment: to_environment(environment),
        }))
    }
}
