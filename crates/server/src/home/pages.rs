//! 工作台: what the user's scope holds at a glance; the pages of modules still to come; the
//! stylesheet and the health check.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::{HomeTexts, TEXTS};
use crate::auth::PageUser;
use crate::error::{AppError, PageResult};
use crate::pages::{render, Layout};
use crate::permission::{ResidentHandler, UserManager};
use crate::AppState;

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    l: Layout,
    ht: &'static HomeTexts,
    nodes: i64,
    users: Option<i64>,
    residents: Option<i64>,
}

pub async fn show(State(state): State<AppState>, user: PageUser) -> PageResult<Html<String>> {
    let actor = user.user.actor();
    let nodes = state.store.count_grid(&actor).await?;
    let users = match actor.may::<UserManager>() {
        true => Some(state.store.count_users(&actor).await?),
        false => None,
    };
    let residents = match actor.may::<ResidentHandler>() {
        true => Some(state.store.count_residents(&actor).await?),
        false => None,
    };
    render(&HomePage {
        l: Layout::new(user, "home"),
        ht: &TEXTS,
        nodes,
        users,
        residents,
    })
}

#[derive(Template)]
#[template(path = "home/soon.html")]
struct SoonPage {
    l: Layout,
    title: &'static str,
}

/// A module still to come, by its key in the menu (one the user is not shown is not found).
pub async fn soon(user: PageUser, Path(module): Path<String>) -> PageResult<Html<String>> {
    let l = Layout::new(user, "");
    let title = l
        .nav()
        .into_iter()
        .find(|n| n.key == module)
        .map(|n| n.label)
        .ok_or(AppError::NotFound)?;
    render(&SoonPage { l, title })
}

pub async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

pub async fn health(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}
