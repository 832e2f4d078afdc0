//! Entity rows to domain values.

use haven_domain::installation::Installation;

use crate::entities::installation;

impl From<installation::Model> for Installation {
    fn from(row: installation::Model) -> Self {
        Self {
            id: row.id,
            created_at: row.created_at,
        }
    }
}
