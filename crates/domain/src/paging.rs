//! How much one request may list: the page-size rule every connection shares (default 20,
//! at most 100) and the longest member search. Cursors themselves are row ids (keyset).

/// The page size when a client does not ask for one.
pub const DEFAULT_PAGE: u64 = 20;
/// The largest page a client may ask for.
pub const MAX_PAGE: u64 = 100;
/// The longest member search text, in characters.
pub const MAX_SEARCH_CHARS: usize = 100;

/// A page size outside `0..=MAX_PAGE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("first must be between 0 and {MAX_PAGE}")]
pub struct PageSizeError;

/// The number of rows to show for a client's `first`.
///
/// # Errors
/// `PageSizeError` for negative values or more than `MAX_PAGE`.
pub fn page_size(first: Option<i32>) -> Result<u64, PageSizeError> {
    match first {
        None => Ok(DEFAULT_PAGE),
        Some(first) => u64::try_from(first)
            .ok()
            .filter(|first| *first <= MAX_PAGE)
            .ok_or(PageSizeError),
    }
}

/// A member search longer than `MAX_SEARCH_CHARS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("search must be at most {MAX_SEARCH_CHARS} characters")]
pub struct SearchError;

/// The search text to use: trimmed, `None` when empty.
///
/// # Errors
/// `SearchError` when longer than `MAX_SEARCH_CHARS` characters.
pub fn member_search(input: Option<&str>) -> Result<Option<String>, SearchError> {
    let Some(text) = input.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_SEARCH_CHARS {
        return Err(SearchError);
    }
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_default_and_stay_in_bounds() {
        assert_eq!(page_size(None), Ok(DEFAULT_PAGE));
        assert_eq!(page_size(Some(0)), Ok(0));
        assert_eq!(page_size(Some(100)), Ok(100));
        assert_eq!(page_size(Some(101)), Err(PageSizeError));
        assert_eq!(page_size(Some(-1)), Err(PageSizeError));
    }

    #[test]
    fn search_is_trimmed_and_bounded_in_characters() {
        assert_eq!(member_search(None), Ok(None));
        assert_eq!(member_search(Some("   ")), Ok(None));
        assert_eq!(member_search(Some(" ada ")), Ok(Some("ada".to_owned())));
        assert!(member_search(Some(&"é".repeat(100))).is_ok());
        assert_eq!(member_search(Some(&"é".repeat(101))), Err(SearchError));
    }
}
