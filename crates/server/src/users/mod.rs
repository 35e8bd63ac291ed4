//! 用户管理: accounts in the manager's subtree (district admins and township officers), the
//! caller's own account (`/api/v1/me`), and API tokens issued for machine accounts.

mod api;
mod pages;

use axum::routing::get;
use utoipa_axum::routes;

use crate::feature::{Feature, NavEntry};
use crate::permission::UserManager;

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::me))
        .api(routes!(api::list, api::create))
        .api(routes!(api::show, api::update))
        .api(routes!(api::create_token))
        .page("/users", get(pages::list).post(pages::create))
        .page("/users/{id}", get(pages::show))
        .nav(NavEntry::to::<UserManager>("users", "/users", TEXTS.nav))
}

/// The feature's own words (the shared ones — 用户名, 姓名, 角色, 所属网格 — are in `crate::i18n`).
pub struct UsersTexts {
    pub nav: &'static str,
    pub title: &'static str,
    pub add: &'static str,
}

pub static TEXTS: UsersTexts = UsersTexts {
    nav: "用户管理",
    title: "用户管理",
    add: "新增用户",
};
