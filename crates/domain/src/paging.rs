//! Cursor paging of growing lists, newest first: a page size within bounds, and a cursor that
//! names the last item of the previous page by its time and id.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{DomainError, DomainResult};

/// Largest page.
pub const MAX_PAGE: u64 = 200;
/// Page size when none is asked for.
pub const DEFAULT_PAGE: u64 = 50;

/// A checked request for one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u64,
    /// Items strictly older than this (time, id).
    pub before: Option<(DateTime<Utc>, Uuid)>,
}

impl PageRequest {
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
    pub fn fetch(self) -> u64 {
        self.limit + 1
    }

    /// Cuts what was fetched to the page and makes the cursor of the next one, if any.
    pub fn finish<T>(
        self,
        mut items: Vec<T>,
        key: impl Fn(&T) -> (DateTime<Utc>, Uuid),
    ) -> (Vec<T>, Option<String>) {
        let has_more = items.len() as u64 > self.limit;
        items.truncate(usize::try_from(self.limit).unwrap_or(usize::MAX));
        let next = if has_more {
            items.last().map(|item| {
                let (at, id) = key(item);
                format!("{}_{id}", at.timestamp_micros())
            })
        } else {
            None
        };
        (items, next)
    }
}

fn parse_cursor(cursor: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (micros, id) = cursor.split_once('_')?;
    Some((
        DateTime::from_timestamp_micros(micros.parse().ok()?)?,
        Uuid::parse_str(id).ok()?,
    ))
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
    fn the_last_page_has_no_cursor() {
        let request = PageRequest::parse(Some(5), None).unwrap_or_else(|e| panic!("{e}"));
        let (items, next) = request.finish(vec![(Utc::now(), Uuid::nil())], |i| *i);
        assert_eq!(items.len(), 1);
        assert_eq!(next, None);
    }
}
