//! 用户管理: accounts in the manager's subtree.

use crate::params::PageId;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_domain::role::Role;
use wangge_store::{GridNode, NewUser, User};

use super::{render, Layout, PageForm};
use crate::error::{AppError, PageResult};
use crate::permission::{PageAllowed, UserManager};
use crate::AppState;

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    users: Vec<User>,
    nodes: Vec<GridNode>,
    roles: Vec<Role>,
}

pub async fn list(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<UserManager>,
) -> PageResult<Response> {
    let actor = user.user.actor();
    let users = state.store.list_users(&actor).await?;
    let nodes = state.store.list_grid(&actor).await?;
    let me = user.user.role;
    let roles = Role::ALL
        .into_iter()
        .filter(|r| me.may_assign(*r))
        .collect();
    Ok(render(&UsersPage {
        l: Layout::new(user, "users"),
        users,
        nodes,
        roles,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    l: Layout,
    shown: User,
}

pub async fn show(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<UserManager>,
    PageId(id): PageId,
) -> PageResult<Response> {
    let shown = state.store.user_by_id(&user.user.actor(), id).await?;
    Ok(render(&UserPage {
        l: Layout::new(user, "users"),
        shown,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    node_code: String,
    #[serde(default)]
    password: String,
}

pub async fn create(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<UserManager>,
    PageForm(form): PageForm<NewUserForm>,
) -> PageResult<Response> {
    user.check_csrf(&form.csrf)?;
    let role = form
        .role
        .parse::<Role>()
        .map_err(|e| AppError::invalid("role", e.to_string()))?;
    let new = NewUser {
        username: form.username.trim().to_string(),
        display_name: form.display_name,
        role,
        node_code: form.node_code.trim().to_string(),
        password: form.password,
    };
    let created = state.store.create_user(&user.user.actor(), &new).await?;
    Ok(Redirect::to(&format!("/users/{}", created.id)).into_response())
}
