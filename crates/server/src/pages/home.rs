//! 工作台: what the user's scope holds at a glance.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use super::{render, Layout};
use crate::auth::PageUser;
use crate::error::PageResult;
use crate::permission::{ResidentHandler, UserManager};
use crate::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
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
        nodes,
        users,
        residents,
    })
}
