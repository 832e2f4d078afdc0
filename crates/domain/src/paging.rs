//! Cursor paging of growing lists: a page size within bounds, and a cursor that names the last
//! item of the previous page by its sort key and id. Lists ordered by time (the audit log, jobs,
//! status history, the review queue) use [`PageRequest`]; lists ordered by name (users,
//! organizations, members) use [`NamePage`]. A cursor is opaque to clients: they pass back the
//! `nextCursor` they were given.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{DomainError, DomainResult};

/// Largest page.
pub const MAX_PAGE: u64 = 200;
/// Page size when none is asked for.
pub const DEFAULT_PAGE: u64 = 50;

/// A sort key that can travel in a cursor.
pub trait CursorKey: Sized + Clone {
    fn encode(&self) -> String;
    fn decode(raw: &str) -> Option<Self>;
}

impl CursorKey for DateTime<Utc> {
    fn encode(&self) -> String {
        self.timestamp_micros().to_string()
    }

    fn decode(raw: &str) -> Option<Self> {
        DateTime::from_timestamp_micros(raw.parse().ok()?)
    }
}

/// Names can hold any character (`_` included), so they travel base64url-encoded.
impl CursorKey for String {
    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.as_bytes())
    }

    fn decode(raw: &str) -> Option<Self> {
        String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()
    }
}

/// A checked request for one page of a list ordered by (`K`, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyset<K> {
    pub limit: u64,
    /// Only items past this (key, id) in the list's order.
    pub before: Option<(K, Uuid)>,
}

/// A page of a list ordered by time.
pub type PageRequest = Keyset<DateTime<Utc>>;
/// A page of a list ordered by name.
pub type NamePage = Keyset<String>;

/// A page as a caller asks for it, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct PageQuery {
    pub limit: Option<u64>,
    /// The `nextCursor` of the previous page.
    pub before: Option<String>,
}

/// One page and the cursor of the next, if there is one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<K: CursorKey> Keyset<K> {
    /// Checks a page size and a cursor as a caller sent them.
    ///
    /// # Errors
    /// `Validation` on `limit` outside 1–200, or on `before` for a cursor not made here.
    pub fn parse(limit: Option<u64>, before: Option<&str>) -> DomainResult<Self> {
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(DomainError::field(
                "limit",
                "out_of_range",
                "Choose a page size from 1 to 200.",
            ));
        }
        let before = match before {
            None => None,
            Some(cursor) => Some(parse_cursor(cursor).ok_or_else(|| {
                DomainError::field(
                    "before",
                    "invalid_cursor",
                    "Use the nextCursor of a previous page.",
                )
            })?),
        };
        Ok(Self { limit, before })
    }

    /// How many items to fetch: one more than the page, which tells whether another follows.
    #[must_use]
    pub fn fetch(&self) -> u64 {
        self.limit + 1
    }

    /// Cuts what was fetched to the page and makes the cursor of the next one, if any.
    pub fn finish<T>(
        &self,
        mut items: Vec<T>,
        key: impl Fn(&T) -> (K, Uuid),
    ) -> (Vec<T>, Option<String>) {
        let has_more = items.len() as u64 > self.limit;
        items.truncate(usize::try_from(self.limit).unwrap_or(usize::MAX));
        let next = if has_more {
            items.last().map(|item| {
                let (at, id) = key(item);
                format!("{}_{id}", at.encode())
            })
        } else {
            None
        };
        (items, next)
    }

    /// [`Keyset::finish`] as a [`Page`].
    pub fn page<T>(&self, items: Vec<T>, key: impl Fn(&T) -> (K, Uuid)) -> Page<T> {
        let (items, next_cursor) = self.finish(items, key);
        Page { items, next_cursor }
    }
}

fn parse_cursor<K: CursorKey>(cursor: &str) -> Option<(K, Uuid)> {
    // The id is last and has no `_`; the key before it is encoded so that it has none either.
    let (key, id) = cursor.rsplit_once('_')?;
    Some((K::decode(key)?, Uuid::parse_str(id).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_made_for_a_page_is_read_back() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap_or_default();
        let id = Uuid::new_v4();
        let request = PageRequest::parse(Some(2), None).unwrap_or_else(|e| panic!("{e}"));
        let (items, next) = request.finish(vec![(at, id), (at, id), (at, id)], |i| *i);
        assert_eq!(items.len(), 2);
        let next = next.unwrap_or_default();
        let again = PageRequest::parse(None, Some(&next)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.before, Some((at, id)));
        assert_eq!(again.limit, DEFAULT_PAGE);
    }

    #[test]
    fn sizes_and_cursors_from_elsewhere_are_refused() {
        for (limit, before) in [(Some(0), None), (Some(201), None), (None, Some("x_y"))] {
            assert!(matches!(
                PageRequest::parse(limit, before),
                Err(DomainError::Validation(_))
            ));
        }
    }

    #[test]
    fn a_name_cursor_survives_any_characters() {
        let name = "Jansen_&_Zn. B.V. ö".to_owned();
        let id = Uuid::new_v4();
        let request = NamePage::parse(Some(1), None).unwrap_or_else(|e| panic!("{e}"));
        let (_, next) = request.finish(vec![(name.clone(), id), (name.clone(), id)], Clone::clone);
        let again = NamePage::parse(None, next.as_deref()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.before, Some((name, id)));
    }

    #[test]
    fn the_last_page_has_no_cursor() {
        let request = PageRequest::parse(Some(5), None).unwrap_or_else(|e| panic!("{e}"));
        let (items, next) = request.finish(vec![(Utc::now(), Uuid::nil())], |i| *i);
        assert_eq!(items.len(), 1);
        assert_eq!(next, None);
    }
}
