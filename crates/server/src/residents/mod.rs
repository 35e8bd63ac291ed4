//! 常住人口: the resident register of the user's subtree, 迁入申请 (a person registered in a
//! grid outside the caller's scope is moved only when that grid or a common superior confirms),
//! and 数据质量 (records of one person that disagree). ID numbers are masked; showing one in full
//! is an audited act.

mod api;
mod pages;

use axum::routing::{get, post};
use utoipa_axum::routes;

use crate::feature::{Feature, NavEntry};
use crate::permission::ResidentHandler;

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::list, api::create))
        .api(routes!(api::moves))
        .api(routes!(api::decide_move))
        .api(routes!(api::show))
        .api(routes!(api::quality))
        .page("/residents", get(pages::list).post(pages::create))
        .page("/residents/export", get(pages::export))
        .page("/residents/moves/{id}/decision", post(pages::decide_move))
        .page("/residents/{id}", get(pages::show))
        .page("/data-quality", get(pages::quality))
        .nav(NavEntry::to::<ResidentHandler>(
            "residents",
            "/residents",
            TEXTS.nav,
        ))
}

/// The feature's own words (the shared ones — 身份证号, 手机号, 住址 — are in `crate::i18n`).
pub struct ResidentsTexts {
    pub nav: &'static str,
    pub title: &'static str,
    pub add: &'static str,
}

pub static TEXTS: ResidentsTexts = ResidentsTexts {
    nav: "常住人口",
    title: "常住人口",
    add: "登记常住人口",
};
