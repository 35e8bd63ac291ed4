//! 登录 / 退出: the login form (double-submit CSRF token, rate limited per client, locked
//! accounts answer like wrong passwords) and logging out.

mod pages;

use axum::routing::{get, post};

use crate::feature::Feature;

pub fn feature() -> Feature {
    Feature::new()
        .page("/login", get(pages::form).post(pages::submit))
        .page("/logout", post(pages::logout))
}

/// The feature's own words (the shared ones — 用户名, 密码 — are in `crate::i18n`).
pub struct LoginTexts {
    pub title: &'static str,
    pub button: &'static str,
    pub bad_credentials: &'static str,
    pub expired: &'static str,
}

pub static TEXTS: LoginTexts = LoginTexts {
    title: "登录",
    button: "登录",
    bad_credentials: "用户名或密码错误（连续错误5次，账号锁定15分钟）",
    expired: "登录页面已过期，请重新输入",
};
