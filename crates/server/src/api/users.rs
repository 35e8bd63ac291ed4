use crate::params::ApiId;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use wangge_domain::role::Role;
use wangge_store::{ApiToken, NewUser, User};

use super::ApiJson;
use super::ErrorBody;
use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::permission::{Allowed, UserManager};
use crate::AppState;

/// Accounts in the caller's subtree (district admins and township officers).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = Vec<User>), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<UserManager>,
) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(state.store.list_users(&user.scope()).await?))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), responses((status = 200, body = User), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody), (status = 404, description = "不存在或不在辖区内", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<UserManager>,
    ApiId(id): ApiId,
) -> ApiResult<Json<User>> {
    Ok(Json(state.store.user_by_id(&user.scope(), id).await?))
}

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

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserBody, responses((status = 201, body = User), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody), (status = 409, description = "重复", body = ErrorBody), (status = 422, description = "输入无效，field 指明字段", body = ErrorBody)))]
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    name: String,
}

/// Issues an API token for a machine account; the token is in this answer only.
#[utoipa::path(post, path = "/api/v1/users/{id}/tokens", tag = "users", params(("id" = i64, Path)), request_body = NewTokenBody, responses((status = 201, body = ApiToken), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody), (status = 404, description = "不存在或不在辖区内", body = ErrorBody), (status = 422, description = "输入无效，field 指明字段", body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<NewTokenBody>,
) -> ApiResult<(StatusCode, Json<ApiToken>)> {
    let name = body.name.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "令牌名称不能为空"));
    }
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .store
                .create_api_token(&user.actor(), id, name)
                .await?,
        ),
    ))
}
