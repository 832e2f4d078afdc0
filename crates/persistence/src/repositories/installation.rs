use chrono::Utc;
use haven_domain::{
    installation::{Installation, InstallationRepository},
    DomainError, DomainResult,
};
use sea_orm::{sea_query::OnConflict, ActiveValue::Set, EntityTrait};
use uuid::Uuid;

use crate::{entities::installation, error::map_db_err, Database};

/// The row's fixed key: the table holds at most one row.
const SINGLETON: i32 = 1;

impl InstallationRepository for Database {
    #[tracing::instrument(name = "Loading the installation", skip(self), level = "debug", err)]
    async fn get_or_create(&self) -> DomainResult<Installation> {
        let candidate = installation::ActiveModel {
            singleton: Set(SINGLETON),
            id: Set(Uuid::new_v4()),
            created_at: Set(Utc::now()),
        };
        // Insert-if-absent, then read: whichever instance wins the race, all read the same row.
        installation::Entity::insert(candidate)
            .on_conflict(
                OnConflict::column(installation::Column::Singleton)
                    .do_nothing()
                    .to_owned(),
            )
            .do_nothing()
            .exec(self.write_conn())
            .await
            .map_err(|e| map_db_err(e, "creating the installation"))?;
        installation::Entity::find_by_id(SINGLETON)
            .one(self.conn())
            .await
            .map_err(|e| map_db_err(e, "loading the installation"))?
            .map(Installation::from)
            .ok_or_else(|| DomainError::Unexpected(anyhow::anyhow!("installation row vanished")))
    }
}
