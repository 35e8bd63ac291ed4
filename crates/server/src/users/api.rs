//! `/api/v1/users` and `/api/v1/me`: the caller's own account for everyone; accounts in the
//! subtree for district admins and township officers; tokens for machine accounts for district
//! admins. The error responses every route shares are added to the document by `api::openapi`.

use crate::params::ApiId;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use wangge_domain::role::Role;
use wangge_store::{ApiToken, NewUser, User, UserChange, DEFAULT_TOKEN_DAYS};

use crate::api::{ApiJson, ErrorBody};
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::permission::{Allowed, TokenIssuer, UserManager};
use crate::AppState;

/// The caller's own account.
#[utoipa::path(get, path = "/me", tag = "users", responses((status = 200, body = User)))]
pub async fn me(ApiUser(user): ApiUser) -> ApiResult<Json<User>> {
    Ok(Json(user))
}

/// Accounts in the caller's subtree (district admins and township officers).
#[utoipa::path(get, path = "/users", tag = "users", responses((status = 200, body = Vec<User>)))]
pub async fn list(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<UserManager>,
) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(state.store.list_users(&user.actor()).await?))
}

/// One account in the caller's subtree.
#[utoipa::path(get, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 200, body = User)))]
pub async fn show(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<UserManager>,
    ApiId(id): ApiId,
) -> ApiResult<Json<User>> {
    Ok(Json(state.store.user_by_id(&user.actor(), id).await?))
}

/// 新账号。
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    username: String,
    display_name: String,
    #[schema(value_type = String, example = "grid_worker")]
    role: Role,
    node_code: String,
    password: String,
}

/// Adds an account in the caller's subtree, never with a role above the caller's own (409 when
/// the username is taken).
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUserBody, responses((status = 201, body = User), (status = 409, description = "用户名已存在", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<UserManager>,
    ApiJson(body): ApiJson<NewUserBody>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let new = NewUser {
        username: body.username.trim().to_string(),
        display_name: body.display_name,
        role: body.role,
        node_code: body.node_code.trim().to_string(),
        password: body.password,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_user(&user.actor(), &new).await?),
    ))
}

/// A change to an account; absent fields stay as they are. Disabling the account
/// (`"active": false`) or changing its role or node revokes its API tokens.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChangeBody {
    display_name: Option<String>,
    #[schema(value_type = Option<String>, example = "checkpoint_operator")]
    role: Option<Role>,
    node_code: Option<String>,
    active: Option<bool>,
}

/// Changes an account in the caller's subtree (district admins and township officers, never
/// to a role above their own, never their own role, node or activity).
#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserChangeBody, responses((status = 200, body = User)))]
pub async fn update(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<UserManager>,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<UserChangeBody>,
) -> ApiResult<Json<User>> {
    let change = UserChange {
        display_name: body.display_name,
        role: body.role,
        node_code: body.node_code,
        active: body.active,
    };
    let changed = state.store.update_user(&user.actor(), id, &change).await?;
    // the account's tokens may be revoked and its role changed: drop what is cached
    state.caches.tokens.clear();
    Ok(Json(changed))
}

/// 新令牌。
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    name: String,
    /// Days the token lives: 1 to 365, default 90.
    #[schema(minimum = 1, maximum = 365, example = 90)]
    expires_days: Option<i64>,
}

/// Issues an API token for a machine account (checkpoint or lab operator) in the caller's
/// subtree; district admins only, and never for a person's account. The token is in this
/// answer only.
#[utoipa::path(post, path = "/users/{id}/tokens", tag = "users", params(("id" = i64, Path)), request_body = NewTokenBody, responses((status = 201, body = ApiToken)))]
pub async fn create_token(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<TokenIssuer>,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> ApiResult<(StatusCode, Json<ApiToken>)> {
    let days = body.expires_days.unwrap_or(DEFAULT_TOKEN_DAYS);
    let token = state
        .store
        .create_api_token(&user.actor(), id, &body.name, days)
        .await?;
    Ok((StatusCode::CREATED, Json(token)))
}
