//! 查找框: the search box of every list of people (来返报备, 每日名单, 推送核查, 常住人口), one
//! query parameter `q` understood by [`PersonSearch`]: a name or part of one, a full ID number,
//! or its last four digits. On a page a bad search comes back as the list with the message
//! beside the box, what was typed kept, and no rows (status 422); on the API it is a 422 naming
//! `q`. The store applies the search inside the caller's scope, so it finds nobody the caller
//! could not see anyway.

use wangge_domain::search::PersonSearch;

use crate::error::AppError;
use crate::form::FieldErrors;

/// The query parameter of the search box.
pub const FIELD: &str = "q";

/// What a list page knows of its search box.
#[derive(Debug, Clone, Default)]
pub struct SearchBox {
    /// as typed, shown again in the box
    pub q: String,
    /// the search, when one was typed and understood
    pub search: Option<PersonSearch>,
    /// the box's error, shown beside it (`templates/search.html`)
    pub errors: FieldErrors,
}

impl SearchBox {
    pub fn new(typed: &str) -> SearchBox {
        let mut errors = FieldErrors::new();
        let search = match PersonSearch::parse(FIELD, typed) {
            Ok(search) => search,
            Err(e) => {
                errors.add(&e.field, e.message);
                None
            }
        };
        SearchBox {
            q: typed.to_string(),
            search,
            errors,
        }
    }

    /// Whether the search was understood (or none was typed): the list may be read.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The API's (and an export's) reading of `q`: the search, or a 422 naming `q`.
pub fn api(typed: &str) -> Result<Option<PersonSearch>, AppError> {
    PersonSearch::parse(FIELD, typed).map_err(|e| AppError::invalid(&e.field, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_was_typed_and_says_what_is_wrong() {
        let b = SearchBox::new("12345");
        assert!(!b.is_valid());
        assert_eq!(b.q, "12345");
        assert!(b.errors.get("q").unwrap_or("").contains("末四位"));
        assert!(b.search.is_none());
        let b = SearchBox::new("张");
        assert!(b.is_valid());
        assert_eq!(
            b.search.map(|s| s.describe()).as_deref(),
            Some("姓名含“张”")
        );
        assert!(SearchBox::new("").search.is_none());
        assert!(api("0021").unwrap().is_some());
        assert!(matches!(api("123"), Err(AppError::Invalid { field, .. }) if field == "q"));
    }
}
