//! 审计日志: newest first, filterable by user, entity and time; district admins only.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;
use wangge_store::{AuditFilter, AuditRecord};

use super::{render, Layout};
use crate::error::{AppError, PageResult};
use crate::permission::{Auditor, PageAllowed};
use crate::AppState;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub entity_id: String,
    /// Inclusive local (Asia/Shanghai) dates.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    /// Keyset paging: entries older than this id
    #[serde(default)]
    pub before: Option<i64>,
}

fn local_midnight(
    field: &str,
    date: &str,
    days_after: i64,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
    if date.trim().is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid(field, format!("日期“{date}”应为 YYYY-MM-DD")))?;
    let d = d + chrono::Duration::days(days_after);
    let local = chrono_tz::Asia::Shanghai
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .ok_or_else(|| AppError::invalid(field, "日期无效"))?;
    Ok(Some(local.with_timezone(&chrono::Utc)))
}

impl AuditQuery {
    pub fn filter(&self, limit: i64) -> Result<AuditFilter, AppError> {
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(AuditFilter {
            username: opt(&self.user),
            entity: opt(&self.entity),
            entity_id: opt(&self.entity_id),
            from: local_midnight("from", &self.from, 0)?,
            until: local_midnight("until", &self.until, 1)?,
            before_id: self.before,
            limit,
        })
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    q: AuditQuery,
    /// Each record with its time in Beijing time.
    records: Vec<(String, AuditRecord)>,
    next_before: Option<i64>,
    next_query: String,
}

const PAGE_SIZE: i64 = 100;

pub async fn list(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<Auditor>,
    Query(q): Query<AuditQuery>,
) -> PageResult<Response> {
    let records = state
        .store
        .list_audit(&user.user.scope(), &q.filter(PAGE_SIZE)?)
        .await?;
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
    Ok(render(&AuditPage {
        l: Layout::new(user, "audit"),
        q,
        records,
        next_before,
        next_query,
    })?
    .into_response())
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
