//! 每日名单: the grid worker's list for a day (default today) in the caller's subtree — who
//! arrives, whose measures start or end, who is due a test — as JSON, as a printable page and
//! as an export (XLSX or CSV). Read-only: it is computed from the arrival reports and their plans.

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
        .page("/daily/export", get(pages::export))
        // the address of the first export, kept for bookmarks
        .page("/daily.xlsx", get(pages::export))
        .nav(NavEntry::to::<ArrivalHandler>(
            "daily",
            "/daily",
            ZH.nav_daily,
        ))
}

/// The feature's own words (the shared ones are in `crate::i18n`).
pub struct DailyTexts {
    pub daily_help: &'static str,
    pub print_hint: &'static str,
    pub daily_empty: &'static str,
    pub show: &'static str,
}

pub static TEXTS: DailyTexts = DailyTexts {
    daily_help:
        "所选日期抵达、开始或结束管控措施、应做核酸检测的人员，以及前一天未健康打卡的管控对象。",
    print_hint: "打印：使用浏览器的打印功能（Ctrl+P），导航和表单不会打印。",
    daily_empty: "这一天没有需要办理的事项。",
    show: "查看",
};
