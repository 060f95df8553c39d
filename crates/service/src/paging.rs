//! Splitting keyset pages: every listing fetches one row more than the page size (from
//! `roster_domain::paging::page_size`) to learn whether another page follows.

/// Splits rows fetched with one extra (`limit + 1`) into the rows to show and
/// `hasNextPage`.
pub(crate) fn split_page<T>(mut rows: Vec<T>, limit: u64) -> (Vec<T>, bool) {
    let has_next_page = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    (rows, has_next_page)
}
