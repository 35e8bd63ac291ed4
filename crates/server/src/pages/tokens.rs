//! API 令牌: the tokens the visitor sees (their own; a district admin also those of every
//! account in their subtree), each with a revoke button. Secrets are never shown here.

use crate::params::PageId;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_store::TokenInfo;

use super::{render, Layout, PageForm};
use crate::auth::PageUser;
use crate::error::PageResult;
use crate::timefmt;
use crate::AppState;

/// A token with its times in Beijing time.
struct Row {
    token: TokenInfo,
    created: String,
    expires: String,
    last_used: String,
    revoked: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    l: Layout,
    rows: Vec<Row>,
}

pub async fn list(State(state): State<AppState>, user: PageUser) -> PageResult<Response> {
    let tokens = state.store.list_api_tokens(&user.user.actor()).await?;
    let rows = tokens
        .into_iter()
        .map(|t| Row {
            created: timefmt::local(&t.created_at),
            expires: timefmt::local_opt(&t.expires_at),
            last_used: timefmt::local_opt(&t.last_used_at),
            revoked: timefmt::local_opt(&t.revoked_at),
            token: t,
        })
        .collect();
    Ok(render(&TokensPage {
        l: Layout::new(user, "tokens"),
        rows,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    state.store.revoke_api_token(&user.user.actor(), id).await?;
    state.caches.tokens.clear();
    Ok(Redirect::to("/tokens").into_response())
}
