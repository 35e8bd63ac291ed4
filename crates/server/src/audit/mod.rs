//! 审计日志: every change and every revealed ID number, newest first, filterable by user, entity
//! and time; district admins only. The filter is shared by the page and the JSON API.

mod api;
mod pages;

use axum::routing::get;
use chrono::TimeZone;
use serde::Deserialize;
use utoipa_axum::routes;
use wangge_store::AuditFilter;

use crate::error::AppError;
use crate::feature::{Feature, NavEntry};
use crate::i18n::ZH;
use crate::permission::Auditor;

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::list))
        .page("/audit", get(pages::list))
        .page("/audit/export", get(pages::export))
        // the label is shared: other pages link to the log by it
        .nav(NavEntry::to::<Auditor>("audit", "/audit", ZH.nav_audit))
}

/// The feature's own words (the shared ones — 起止日期, 筛选 — are in `crate::i18n`).
pub struct AuditTexts {
    pub title: &'static str,
    pub time: &'static str,
    pub user: &'static str,
    pub token: &'static str,
    pub action: &'static str,
    pub entity: &'static str,
    pub changes: &'static str,
    pub removed: &'static str,
    pub all: &'static str,
}

pub static TEXTS: AuditTexts = AuditTexts {
    title: "审计日志",
    time: "时间",
    user: "操作人",
    token: "令牌",
    action: "操作",
    entity: "对象",
    changes: "内容（修改前 → 修改后）",
    removed: "已删除",
    all: "全部",
};

/// `?user=&entity=&entity_id=&from=&until=&before=`, as typed.
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
        // every bad parameter at once, so the page shows each beside its input
        let mut errors = crate::form::FieldErrors::new();
        let username = errors.check(opt("user", "用户名", &self.user))?;
        let entity = errors.check(opt("entity", "对象类型", &self.entity))?;
        let entity_id = errors.check(opt("entity_id", "对象编号", &self.entity_id))?;
        let from = errors.check(local_midnight("from", &self.from, 0))?;
        let until = errors.check(local_midnight("until", &self.until, 1))?;
        let before_id = errors.check(crate::params::opt_id("before", self.before))?;
        match (username, entity, entity_id, from, until, before_id) {
            (
                Some(username),
                Some(entity),
                Some(entity_id),
                Some(from),
                Some(until),
                Some(before_id),
            ) if errors.is_empty() => Ok(AuditFilter {
                username,
                entity,
                entity_id,
                from,
                until,
                before_id,
                limit,
            }),
            _ => Err(errors.into_error()),
        }
    }
}
