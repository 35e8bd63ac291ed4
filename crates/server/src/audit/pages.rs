//! 审计日志: newest first, filterable by user, entity and time; district admins only. A bad
//! filter comes back as the same page (422) with the error beside its field and what was typed
//! kept.

use crate::params::PageQuery;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use wangge_store::{AuditFilter, AuditRecord};

use super::{AuditQuery, AuditTexts, TEXTS};
use crate::error::PageResult;
use crate::export::{self, col, download, ExportFormat, Page, Rows, Sheet};
use crate::form::{invalid, FieldErrors};
use crate::i18n::ZH;
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

impl AuditPage {
    fn export_href(&self) -> String {
        let q = &self.q;
        crate::export::href(
            "/audit/export",
            &[
                ("user", &q.user),
                ("entity", &q.entity),
                ("entity_id", &q.entity_id),
                ("from", &q.from),
                ("until", &q.until),
            ],
        )
    }
}

/// The log with the page's filters, newest first, as XLSX or CSV (the ID numbers in before
/// and after are masked where they are recorded).
pub async fn export(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<Auditor>,
    PageQuery(q): PageQuery<AuditQuery>,
    ExportFormat(format): ExportFormat,
) -> PageResult<Response> {
    let filter = q.filter(0)?;
    let (t, at) = (&ZH, &TEXTS);
    let today = crate::today();
    let sheet = Sheet {
        file_name: format!("{}-{today}", at.title),
        ascii_name: format!("audit-{today}"),
        sheet_name: at.title,
        title: export::titled(
            at.title,
            &[
                (at.user, q.user.clone()),
                (at.entity, q.entity.clone()),
                ("ID", q.entity_id.clone()),
                (t.from, q.from.clone()),
                (t.until, q.until.clone()),
            ],
        ),
        columns: vec![
            col(at.time, 19),
            col(at.user, 12),
            col(at.token, 6),
            col(at.action, 16),
            col(at.entity, 14),
            col("ID", 16),
            col(at.before, 50),
            col(at.after, 50),
        ],
        id_numbers: false,
    };
    let (store, actor) = (state.store.clone(), user.user.actor());
    let rows = Rows::paged(move |before, size| {
        let (store, actor) = (store.clone(), actor.clone());
        let filter = AuditFilter {
            before_id: before,
            limit: size,
            ..filter.clone()
        };
        async move {
            let records = store.list_audit(&actor, &filter).await?;
            Ok(Page::of(
                records,
                size,
                |r| r.id,
                |r| {
                    vec![
                        r.at.with_timezone(&chrono_tz::Asia::Shanghai)
                            .format("%Y-%m-%d %H:%M:%S")
                            .to_string(),
                        r.username.clone(),
                        r.token_id.map(|t| format!("#{t}")).unwrap_or_default(),
                        r.action.clone(),
                        r.entity.clone(),
                        r.entity_id.clone(),
                        r.before_json.clone().unwrap_or_default(),
                        r.after_json.clone().unwrap_or_default(),
                    ]
                },
            ))
        }
    });
    download(&state, &user.user, format, sheet, rows).await
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
