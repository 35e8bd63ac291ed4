//! Times as people in the district read them: Beijing time, to the minute.

use chrono::{DateTime, NaiveDateTime, Utc};

pub fn local(t: &DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

pub fn local_opt(t: &Option<DateTime<Utc>>) -> String {
    t.as_ref().map(local).unwrap_or_default()
}

/// A time upstream sent without a zone (already local).
pub fn naive(t: &Option<NaiveDateTime>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}
