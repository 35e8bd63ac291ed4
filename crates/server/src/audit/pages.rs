//! 审计日志: newest first, filterable by user, entity and time; district admins only. A bad
//! filter comes back as the same page (422) with the error beside its field and what was typed
//! kept.

use crate::params::PageQuery;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use wangge_domain::audit::{self, Change};
use wangge_store::{AuditFilter, AuditRecord};

use super::{AuditQuery, AuditTexts, TEXTS};
use crate::error::PageResult;
use crate::export::{self, col, download, ExportFormat, Page, Rows, Sheet};
use crate::form::{invalid, FieldErrors};
use crate::i18n::ZH;
use crate::pages::{render, Layout};
use crate::permission::{Auditor, PageAllowed};
use crate::AppState;

/// One entry as the page shows it: in Beijing time, with action, object and fields in Chinese.
struct AuditRow {
    time: String,
    username: String,
    token_id: Option<i64>,
    action: String,
    entity: String,
    entity_id: String,
    changes: Vec<Change>,
}

impl From<AuditRecord> for AuditRow {
    fn from(r: AuditRecord) -> Self {
        let json = |s: &Option<String>| {
            s.as_deref()
                .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        };
        let (before, after) = (json(&r.before_json), json(&r.after_json));
        AuditRow {
            time: r
                .at
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            changes: audit::changes(&r.entity, before.as_ref(), after.as_ref()),
            action: audit::action_label(&r.action).to_string(),
            entity: audit::entity_label(&r.entity).to_string(),
            username: r.username,
            token_id: r.token_id,
            entity_id: r.entity_id,
        }
    }
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditPage {
    l: Layout,
    at: &'static AuditTexts,
    q: AuditQuery,
    errors: FieldErrors,
    records: Vec<AuditRow>,
    /// the kinds of record to filter by: key and Chinese name (and a key typed by hand)
    entities: Vec<(String, String)>,
    next_before: Option<i64>,
    next_query: String,
}

const PAGE_SIZE: i64 = 100;

/// The filter's kinds of record; one typed in the address that the list does not know is kept,
/// so the filter shows what was asked for.
fn entity_choices(typed: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = audit::ENTITIES
        .iter()
        .map(|e| (e.to_string(), audit::entity_label(e).to_string()))
        .collect();
    if !typed.is_empty() && !audit::ENTITIES.contains(&typed) {
        out.push((typed.to_string(), typed.to_string()));
    }
    out
}

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
    let records = records.into_iter().map(AuditRow::from).collect();
    let next_query = serde_urlencoded_pairs(&[
        ("user", &q.user),
        ("entity", &q.entity),
        ("entity_id", &q.entity_id),
        ("from", &q.from),
        ("until", &q.until),
    ]);
    let entities = entity_choices(&q.entity);
    let page = AuditPage {
        l: Layout::new(user, "audit"),
        at: &TEXTS,
        q,
        errors,
        records,
        entities,
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
    ExportFormat { format, .. }: ExportFormat,
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
            col(at.changes, 80),
        ],
        id_numbers: None,
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
                    let row = AuditRow::from(r.clone());
                    vec![
                        row.time,
                        row.username,
                        row.token_id.map(|t| format!("#{t}")).unwrap_or_default(),
                        row.action,
                        row.entity,
                        row.entity_id,
                        row.changes
                            .iter()
                            .map(Change::text)
                            .collect::<Vec<_>>()
                            .join("；"),
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
