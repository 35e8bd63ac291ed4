//! 审计日志: newest first, filterable by user, entity and time; district admins only.

use crate::params::PageQuery;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::TimeZone;
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

/// Midnight in Beijing of `date` plus `days_after`, in UTC. The date is range-checked first
/// (1900..=2100), so the day after and the time-zone conversion cannot overflow.
fn local_midnight(
    field: &str,
    date: &str,
    days_after: u64,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
    let Some(d) = crate::api::query_date(field, date)? else {
        return Ok(None);
    };
    let invalid = || AppError::invalid(field, "日期无效");
    let d = d
        .checked_add_days(chrono::Days::new(days_after))
        .ok_or_else(invalid)?;
    let local = chrono_tz::Asia::Shanghai
        .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .ok_or_else(invalid)?;
    Ok(Some(local.with_timezone(&chrono::Utc)))
}

impl AuditQuery {
    pub fn filter(&self, limit: i64) -> Result<AuditFilter, AppError> {
        use wangge_domain::validate::text;
        let opt = |field: &str, label: &str, s: &str| {
            text::optional(field, label, Some(s), text::FILTER_MAX)
        };
        Ok(AuditFilter {
            username: opt("user", "用户名", &self.user)?,
            entity: opt("entity", "对象类型", &self.entity)?,
            entity_id: opt("entity_id", "对象编号", &self.entity_id)?,
            from: local_midnight("from", &self.from, 0)?,
            until: local_midnight("until", &self.until, 1)?,
            before_id: crate::params::opt_id("before", self.before)?,
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
    PageQuery(q): PageQuery<AuditQuery>,
) -> PageResult<Response> {
    let records = state
        .store
        .list_audit(&user.user.actor(), &q.filter(PAGE_SIZE)?)
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
