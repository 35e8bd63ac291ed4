//! API 令牌: the tokens the caller sees (their own; a district admin also those of every account
//! in their subtree), and revoking one. Issuing is `POST /api/v1/users/{id}/tokens` (`crate::users`).

mod api;
mod pages;

use axum::routing::{get, post};
use utoipa_axum::routes;

use crate::feature::{Feature, NavEntry};

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::list))
        .api(routes!(api::revoke))
        .page("/tokens", get(pages::list))
        .page("/tokens/{id}/revoke", post(pages::revoke))
        // everyone may see their own tokens; only machines and their issuers have any
        .nav(NavEntry::when("tokens", "/tokens", TEXTS.nav, |r| {
            r.manages_tokens() || r.is_machine()
        }))
}

/// The feature's own words (the shared ones — 名称 — are in `crate::i18n`).
pub struct TokensTexts {
    pub nav: &'static str,
    pub title: &'static str,
    pub help: &'static str,
    pub none: &'static str,
    pub owner: &'static str,
    pub created: &'static str,
    pub expires: &'static str,
    pub last_used: &'static str,
    pub status: &'static str,
    pub revoke: &'static str,
}

pub static TEXTS: TokensTexts = TokensTexts {
    nav: "API 令牌",
    title: "API 令牌",
    help: "令牌只发给机器账号（卡口、检测机构），由区级管理员签发，有效期默认90天、最长365天。吊销立即生效；停用账号或修改其角色、所属网格时，其令牌一并吊销。",
    none: "没有可查看的令牌",
    owner: "账号",
    created: "签发时间",
    expires: "到期时间",
    last_used: "最近使用",
    status: "状态",
    revoke: "吊销",
};
