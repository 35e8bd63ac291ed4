//! API 令牌: the tokens the visitor sees (their own; a district admin also those of every
//! account in their subtree), each with a revoke button. Secrets are never shown here.

use crate::params::PageId;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use wangge_store::TokenInfo;

use super::{TokensTexts, TEXTS};
use crate::auth::PageUser;
use crate::error::PageResult;
use crate::form::{CsrfForm, NoFields};
use crate::pages::{render, Layout};
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
#[template(path = "tokens/list.html")]
struct TokensPage {
    l: Layout,
    kt: &'static TokensTexts,
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
        kt: &TEXTS,
        rows,
    })?
    .into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
    _: CsrfForm<NoFields>,
) -> PageResult<Response> {
    state.store.revoke_api_token(&user.user.actor(), id).await?;
    state.caches.tokens.clear();
    Ok(Redirect::to("/tokens").into_response())
}
