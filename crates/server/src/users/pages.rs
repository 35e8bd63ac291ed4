//! 用户管理: accounts in the manager's subtree. A bad new-user form comes back as the same page
//! (422) with the error beside its field and what was typed kept (never the password).

use crate::params::PageId;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_domain::role::Role;
use wangge_store::{GridNode, NewUser, User};

use super::{UsersTexts, TEXTS};
use crate::auth::PageUser;
use crate::error::{AppError, PageResult};
use crate::form::{invalid, CsrfForm, FieldErrors};
use crate::pages::{render, Layout};
use crate::permission::{PageAllowed, UserManager};
use crate::AppState;

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    l: Layout,
    ut: &'static UsersTexts,
    users: Vec<User>,
    nodes: Vec<GridNode>,
    roles: Vec<Role>,
    /// The new-user form: empty, or as typed when it had errors.
    form: NewUserForm,
    errors: FieldErrors,
}

impl ListPage {
    async fn new(state: &AppState, user: PageUser) -> PageResult<Self> {
        let actor = user.user.actor();
        let users = state.store.list_users(&actor).await?;
        let nodes = state.store.list_grid(&actor).await?;
        let me = user.user.role;
        let roles = Role::ALL
            .into_iter()
            .filter(|r| me.may_assign(*r))
            .collect();
        Ok(ListPage {
            l: Layout::new(user, "users"),
            ut: &TEXTS,
            users,
            nodes,
            roles,
            form: NewUserForm::default(),
            errors: FieldErrors::new(),
        })
    }
}

pub async fn list(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<UserManager>,
) -> PageResult<Response> {
    Ok(render(&ListPage::new(&state, user).await?)?.into_response())
}

#[derive(Template)]
#[template(path = "users/show.html")]
struct ShowPage {
    l: Layout,
    shown: User,
}

pub async fn show(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<UserManager>,
    PageId(id): PageId,
) -> PageResult<Response> {
    let shown = state.store.user_by_id(&user.user.actor(), id).await?;
    Ok(render(&ShowPage {
        l: Layout::new(user, "users"),
        shown,
    })?
    .into_response())
}

/// The new-user form, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewUserForm {
    username: String,
    display_name: String,
    role: String,
    node_code: String,
    /// Never shown again.
    password: String,
}

pub async fn create(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<UserManager>,
    CsrfForm(mut form): CsrfForm<NewUserForm>,
) -> PageResult<Response> {
    let mut errors = FieldErrors::new();
    let role = errors.check(
        form.role
            .parse::<Role>()
            .map_err(|e| AppError::invalid("role", e.to_string())),
    )?;
    if let Some(role) = role {
        let new = NewUser {
            username: form.username.trim().to_string(),
            display_name: form.display_name.clone(),
            role,
            node_code: form.node_code.trim().to_string(),
            password: std::mem::take(&mut form.password),
        };
        match state.store.create_user(&user.user.actor(), &new).await {
            Ok(created) => {
                return Ok(Redirect::to(&format!("/users/{}", created.id)).into_response())
            }
            Err(e) => errors.absorb(e)?,
        }
    }
    form.password.clear();
    let mut page = ListPage::new(&state, user).await?;
    page.form = form;
    page.errors = errors;
    invalid(&page)
}
