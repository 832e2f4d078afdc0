//! The query and response shapes of every cursor-paged list.

use haven_domain::paging::PageQuery;
use serde::Deserialize;
use utoipa::IntoParams;

/// Which page: its size and where it starts.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `nextCursor` of the previous page; omit for the first.
    pub before: Option<String>,
}

impl From<PageParams> for PageQuery {
    fn from(params: PageParams) -> Self {
        Self {
            limit: params.limit,
            before: params.before,
        }
    }
}

/// Declares the page type of a list: its items and the cursor of the next page.
macro_rules! page_of {
    ($name:ident, $item:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(serde::Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `before` for the next page; null on the last page.
            pub next_cursor: Option<String>,
        }

        impl $name {
            pub fn from_page<T>(
                page: haven_domain::paging::Page<T>,
                map: impl FnMut(T) -> $item,
            ) -> Self {
                Self {
                    items: page.items.into_iter().map(map).collect(),
                    next_cursor: page.next_cursor,
                }
            }
        }
    };
}
pub(crate) use page_of;
