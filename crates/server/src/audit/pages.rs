//! 审计日志: newest first, filterable by user, entity and time; district admins only. A bad
//! filter comes back as the same page (422) with the error beside its field and what was typed
//! kept.

use crate::params::PageQuery;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use wangge_store::AuditRecord;

use super::{AuditQuery, AuditTexts, TEXTS};
use crate::error::PageResult;
use crate::form::{invalid, FieldErrors};
use crate::pages::{render, Layout};
use crate::permission::{Auditor, PageAllowed};
use crate::AppState;

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditPage {
    l: Layout,
    at: &'static AuditTexts,
    q: AuditQuery,
    errors: FieldErrors,
    /// Each record with its time in Beijing time.
    records: Vec<(String, AuditRecord)>,
    next_before: Option<i64>,
    next_query: String,
}

const PAGE_SIZE: i64 = 100;

pub async fn list(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<Auditor>,
    PageQuery(q): PageQuery<AuditQuery>,
) -> PageResult<Response> {
    let mut errors = FieldErrors::new();
    let records = match errors.check(q.filter(PAGE_SIZE))? {
        Some(filter) => state.store.list_audit(&user.user.actor(), &filter).await?,
        None => Vec::new(),
    };
    let next_before = (records.len() as i64 == PAGE_SIZE)
        .then(|| records.last().map(|r| r.id))
        .flatten();
    let records = records
        .into_iter()
        .map(|r| {
            (
                r.at.with_timezone(&chrono_tz::Asia::Shanghai)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                r,
            )
        })
        .collect();
    let next_query = serde_urlencoded_pairs(&[
        ("user", &q.user),
        ("entity", &q.entity),
        ("entity_id", &q.entity_id),
        ("from", &q.from),
        ("until", &q.until),
    ]);
    let page = AuditPage {
        l: Layout::new(user, "audit"),
        at: &TEXTS,
        q,
        errors,
        records,
        next_before,
        next_query,
    };
    if page.errors.is_empty() {
        Ok(render(&page)?.into_response())
    } else {
        invalid(&page)
    }
}

/// `k=v&…` for the non-empty pairs, percent-encoded, for the "next page" link.
fn serde_urlencoded_pairs(pairs: &[(&str, &String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}&", percent_encode(v)))
        .collect()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
