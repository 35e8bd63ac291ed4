//! 风险地区名单: the register of risk areas the policy engine reads. Every logged-in user may
//! read it; district admins add, edit, delete and import areas, and each change recomputes the
//! open arrival plans (the answer says how many changed).
//!
//! The model of a feature (see `crate::feature`): `api.rs` holds the JSON handlers with their
//! OpenAPI descriptions, `pages.rs` the page handlers, `templates/risk/` the templates, and
//! this file what the feature serves and its texts.

mod api;
mod pages;

use axum::routing::{get, post};
use utoipa_axum::routes;

use crate::feature::{Feature, NavEntry};
use crate::permission::RiskAdmin;

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::list, api::create))
        .api(routes!(api::import))
        .api(routes!(api::show, api::update, api::delete))
        .page("/risk-areas", get(pages::list).post(pages::create))
        .page("/risk-areas/import", post(pages::import))
        .page("/risk-areas/template.csv", get(pages::template))
        .page("/risk-areas/{id}", get(pages::edit).post(pages::update))
        .page("/risk-areas/{id}/delete", post(pages::delete))
        .nav(NavEntry::to::<RiskAdmin>("risk", "/risk-areas", TEXTS.nav))
}

/// The feature's own words (the shared ones — 代码, 名称, 保存 — are in `crate::i18n`).
pub struct RiskTexts {
    pub nav: &'static str,
    pub title: &'static str,
    pub add: &'static str,
    pub edit: &'static str,
    pub import: &'static str,
    pub import_help: &'static str,
    pub help: &'static str,
    pub imported: &'static str,
    pub level: &'static str,
    pub division: &'static str,
    pub division_placeholder: &'static str,
    pub division_help: &'static str,
}

pub static TEXTS: RiskTexts = RiskTexts {
    nav: "风险地区",
    title: "风险地区名单",
    add: "新增风险地区",
    edit: "修改风险地区",
    import: "导入风险地区（CSV/JSON）",
    import_help: "CSV 列：code（区划代码，或只对应一个区县的区县名称）、street（街道/乡镇，可空）、name（名称）、level（low/medium/high 或 低/中/高）、valid_from（起始日期）、valid_until（截止日期，可空）；JSON 为同名字段的对象数组。区划代码、街道和起始日期相同的记录视为同一条，更新之。整批导入：任何一行有错则全部不导入。",
    help: "风险地区的增删改会按抵达日有效的名单重算所有未结束的管控计划，并记入审计日志。",
    imported: "导入完成",
    level: "风险等级",
    division: "区划",
    division_placeholder: "如 西安市雁塔区",
    division_help: "区县名称（输入时可从提示中选择）或六位区划代码；按名称填写时须只对应一个区县。",
};
