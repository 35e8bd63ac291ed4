//! 查找人员 in SQL: the one condition every list of people adds for a
//! [`PersonSearch`](wangge_domain::search::PersonSearch), the same on both backends. Names
//! compare ASCII-case-insensitively (SQLite's `LIKE` does, PostgreSQL's would not), a full
//! number by equality so the unique index of `persons` finds it, the last four digits by a
//! suffix pattern.

use wangge_domain::search::PersonSearch;

/// The condition for `search` with `$n` as its one parameter: `name` is the column with the
/// record's name, `id_number` the person's number (`p.id_number`).
pub(crate) fn condition(search: &PersonSearch, name: &str, id_number: &str, n: usize) -> String {
    match search {
        PersonSearch::Name(_) => format!("LOWER({name}) LIKE LOWER(${n}) ESCAPE '\\'"),
        // numbers are stored as typed (pushed lists may hold a lower-case x)
        PersonSearch::IdNumber(_) => format!("{id_number} IN (${n}, LOWER(${n}))"),
        PersonSearch::IdLast4(_) => format!("UPPER({id_number}) LIKE ${n}"),
    }
}

/// The value bound to the condition's parameter.
pub(crate) fn value(search: &PersonSearch) -> String {
    match search {
        PersonSearch::IdNumber(n) => n.clone(),
        other => other.like_pattern().unwrap_or_default(),
    }
}

impl From<wangge_domain::search::SearchError> for crate::StoreError {
    fn from(e: wangge_domain::search::SearchError) -> Self {
        crate::StoreError::invalid(e.field, e.message)
    }
}
