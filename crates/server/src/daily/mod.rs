//! 每日名单: the grid worker's list for a day (default today) in the caller's subtree — who
//! arrives, whose measures start or end, who is due a test — as JSON, as a printable page and
//! as an XLSX export. Read-only: it is computed from the arrival reports and their plans.

mod api;
mod pages;

use axum::routing::get;
use utoipa_axum::routes;

use crate::feature::{Feature, NavEntry};
use crate::i18n::ZH;
use crate::permission::ArrivalHandler;

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::list))
        .page("/daily", get(pages::page))
        .page("/daily.xlsx", get(pages::xlsx))
        .nav(NavEntry::to::<ArrivalHandler>(
            "daily",
            "/daily",
            ZH.nav_daily,
        ))
}
