//! 工作台: what the user's scope holds at a glance.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use super::{render, Layout};
use crate::auth::PageUser;
use crate::error::PageResult;
use crate::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    nodes: usize,
    users: Option<usize>,
    residents: Option<i64>,
}

pub async fn show(State(state): State<AppState>, user: PageUser) -> PageResult<Html<String>> {
    let scope = user.user.scope();
    let role = user.user.role;
    let nodes = state.store.list_grid(&scope).await?.len();
    let users = match role.manages_users() {
        true => Some(state.store.list_users(&scope).await?.len()),
        false => None,
    };
    let residents = match role.handles_residents() {
        true => Some(state.store.count_residents(&scope).await?),
        false => None,
    };
    render(&HomePage {
        l: Layout::new(user, "home"),
        nodes,
        users,
        residents,
    })
}
