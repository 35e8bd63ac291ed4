//! 网格架构: the grid tree of the user's scope, one node with its path and children, and the
//! CSV import for district admins (JSON: list, show, add a node, import).

mod api;
mod pages;

use axum::routing::{get, post};
use utoipa_axum::routes;

use crate::feature::{Feature, NavEntry};
use crate::permission::Staff;

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::list, api::create))
        .api(routes!(api::import))
        .api(routes!(api::show))
        .page("/grid", get(pages::tree))
        .page("/grid/import", post(pages::import))
        .page("/grid/template.csv", get(pages::template))
        .page("/grid/{code}", get(pages::node))
        .nav(NavEntry::to::<Staff>("grid", "/grid", TEXTS.nav))
}

/// The feature's own words (the shared ones — 编码, 名称, 级别 — are in `crate::i18n`).
pub struct GridTexts {
    pub nav: &'static str,
    pub title: &'static str,
    pub import: &'static str,
    pub import_help: &'static str,
    pub import_missing: &'static str,
    pub children: &'static str,
}

pub static TEXTS: GridTexts = GridTexts {
    nav: "网格架构",
    title: "网格架构",
    import: "导入网格（CSV）",
    import_help: "列：code（编码）、name（名称）、level（district/township/community/grid）、parent_code（上级编码）。整批导入：任何一行有错则全部不导入。",
    import_missing: "请选择要上传的CSV文件",
    children: "下级",
};
