//! Keyset paging: one page of a list ordered by (key, id), starting past the cursor's item.
//! Unlike OFFSET, a page stays correct while rows are added and costs the same at any depth.

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use uuid::Uuid;

/// Which way the list runs.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Direction {
    Ascending,
    Descending,
}

/// Orders `select` by (`key`, `id`) and keeps `limit` rows past `cursor`.
pub(crate) fn keyset_page<E, C, K>(
    select: Select<E>,
    key: C,
    id: C,
    cursor: Option<&(K, Uuid)>,
    direction: Direction,
    limit: u64,
) -> Select<E>
where
    E: EntityTrait,
    C: ColumnTrait,
    K: Into<sea_orm::Value> + Clone,
{
    let select = match cursor {
        None => select,
        Some((at, after)) => {
            let (past_key, past_id) = match direction {
                Direction::Ascending => (key.gt(at.clone()), id.gt(*after)),
                Direction::Descending => (key.lt(at.clone()), id.lt(*after)),
            };
            select.filter(
                Condition::any()
                    .add(past_key)
                    .add(Condition::all().add(key.eq(at.clone())).add(past_id)),
            )
        }
    };
    let select = match direction {
        Direction::Ascending => select.order_by_asc(key).order_by_asc(id),
        Direction::Descending => select.order_by_desc(key).order_by_desc(id),
    };
    select.limit(limit)
}
