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
