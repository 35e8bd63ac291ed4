//! 网格员每日清单: the page (printable through the print stylesheet) and its XLSX export.

use crate::params::PageQuery;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wangge_store::DailyEntry;

use crate::api::query_date;
use crate::error::PageResult;
use crate::pages::{render, Layout};
use crate::permission::{ArrivalHandler, PageAllowed};
use crate::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DailyQuery {
    date: String,
}

#[derive(Template)]
#[template(path = "daily/list.html")]
struct DailyPage {
    l: Layout,
    ft: &'static super::DailyTexts,
    date: chrono::NaiveDate,
    entries: Vec<DailyEntry>,
}

pub async fn page(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    PageQuery(q): PageQuery<DailyQuery>,
) -> PageResult<Response> {
    let date = query_date("date", &q.date)?.unwrap_or_else(crate::today);
    let entries = state
        .store
        .daily_list(&user.user.actor(), date, crate::today())
        .await?;
    Ok(render(&DailyPage {
        ft: &super::TEXTS,
        l: Layout::new(user, "daily"),
        date,
        entries,
    })?
    .into_response())
}

pub async fn xlsx(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    PageQuery(q): PageQuery<DailyQuery>,
) -> PageResult<Response> {
    let date = query_date("date", &q.date)?.unwrap_or_else(crate::today);
    let entries = state
        .store
        .daily_list(&user.user.actor(), date, crate::today())
        .await?;
    let bytes = crate::xlsx::daily_list(date, &entries)?;
    let disposition = format!("attachment; filename=\"daily-{date}.xlsx\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
