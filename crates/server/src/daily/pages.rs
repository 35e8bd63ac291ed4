//! 网格员每日清单: the page (printable through the print stylesheet) and its export (XLSX or
//! CSV).

use crate::params::PageQuery;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wangge_store::DailyEntry;

use crate::api::query_date;
use crate::error::PageResult;
use crate::export::{col, download, ExportFormat, Rows, Sheet};
use crate::form::invalid;
use crate::i18n::ZH;
use crate::pages::{render, Layout};
use crate::permission::{ArrivalHandler, PageAllowed};
use crate::search::SearchBox;
use crate::AppState;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DailyQuery {
    date: String,
    /// 查找: name or ID number
    q: String,
}

#[derive(Template)]
#[template(path = "daily/list.html")]
struct DailyPage {
    l: Layout,
    ft: &'static super::DailyTexts,
    date: chrono::NaiveDate,
    sb: SearchBox,
    entries: Vec<DailyEntry>,
}

impl DailyPage {
    fn export_href(&self) -> String {
        crate::export::href(
            "/daily/export",
            &[("date", &self.date.to_string()), ("q", &self.sb.q)],
        )
    }
}

pub async fn page(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    PageQuery(q): PageQuery<DailyQuery>,
) -> PageResult<Response> {
    let date = query_date("date", &q.date)?.unwrap_or_else(crate::today);
    let sb = SearchBox::new(&q.q);
    let entries = if sb.is_valid() {
        state
            .store
            .daily_list_matching(&user.user.actor(), date, crate::today(), sb.search.as_ref())
            .await?
    } else {
        Vec::new()
    };
    let page = DailyPage {
        ft: &super::TEXTS,
        l: Layout::new(user, "daily"),
        date,
        sb,
        entries,
    };
    if page.sb.is_valid() {
        Ok(render(&page)?.into_response())
    } else {
        invalid(&page)
    }
}

/// The day's list as XLSX or CSV (`?format=`), the same people as the page. `/daily.xlsx`
/// (the old address) answers the same.
pub async fn export(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    PageQuery(q): PageQuery<DailyQuery>,
    ExportFormat { format, reveal }: ExportFormat,
) -> PageResult<Response> {
    let date = query_date("date", &q.date)?.unwrap_or_else(crate::today);
    let search = crate::search::api(&q.q)?;
    let entries = state
        .store
        .daily_list_matching(&user.user.actor(), date, crate::today(), search.as_ref())
        .await?;
    let t = &ZH;
    let searched = search
        .map(|s| format!(" · {}：{}", t.search, s.describe()))
        .unwrap_or_default();
    let mut sheet = Sheet {
        file_name: format!("{}-{date}", t.nav_daily),
        ascii_name: format!("daily-{date}"),
        sheet_name: t.nav_daily,
        title: format!("{} {date}{searched}（{} 人）", t.daily_title, entries.len()),
        columns: vec![
            col(t.node, 22),
            col(t.display_name, 10),
            col(t.id_number, 20),
            col(t.phone, 13),
            col(t.arrival_date, 11),
            col(t.category, 28),
            col(t.status, 8),
            col(t.duties, 40),
            col(t.destination, 30),
        ],
        id_numbers: None,
    };
    let ids = crate::export::id_numbers(&state, &user.user, reveal, format, &mut sheet).await?;
    let rows = entries
        .iter()
        .map(|e| {
            let duties: Vec<String> = e.duties.iter().map(ToString::to_string).collect();
            vec![
                e.node_name.clone(),
                e.name.clone(),
                ids.show(&e.id_number),
                e.phone.clone(),
                e.arrival_date.to_string(),
                e.category.clone(),
                e.status.label_zh().to_string(),
                duties.join("；"),
                e.destination.clone(),
            ]
        })
        .collect();
    download(&state, &user.user, format, sheet, Rows::all(rows)).await
}
