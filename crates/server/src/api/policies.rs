//! `/api/v1/policies`: the stored policy versions; district admins publish a new version (TOML
//! body), which recomputes the open plans; anyone logged in may check a file without storing it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use wangge_domain::policy::{check, CheckReport};
use wangge_store::{PolicyInfo, PolicyRegistration};

use super::ApiBytes;
use super::ErrorBody;
use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::permission::{Allowed, PolicyAdmin, Staff};
use crate::AppState;

#[utoipa::path(get, path = "/api/v1/policies", tag = "policies", responses((status = 200, body = Vec<PolicyInfo>), (status = 401, description = "未登录", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<Staff>,
) -> ApiResult<Json<Vec<PolicyInfo>>> {
    Ok(Json(state.store.list_policies(&user.actor()).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PolicyJson {
    #[serde(flatten)]
    info: PolicyInfo,
    /// the TOML file
    source: String,
}

#[utoipa::path(get, path = "/api/v1/policies/{id}", tag = "policies", params(("id" = String, Path, description = "政策版本号")), responses((status = 200, body = PolicyJson), (status = 401, description = "未登录", body = ErrorBody), (status = 404, description = "不存在", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<Staff>,
    Path(id): Path<String>,
) -> ApiResult<Json<PolicyJson>> {
    let actor = user.actor();
    let info = state
        .store
        .list_policies(&actor)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(AppError::NotFound)?;
    let source = state.store.policy_source(&actor, &id).await?;
    Ok(Json(PolicyJson { info, source }))
}

fn utf8(body: &[u8]) -> ApiResult<&str> {
    std::str::from_utf8(body).map_err(|_| AppError::invalid("policy", "政策文件应为 UTF-8 文本"))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckJson {
    valid: bool,
    /// errors and warnings, each with its line
    #[serde(flatten)]
    #[schema(value_type = Object)]
    report: CheckReport,
}

/// `POST /api/v1/policies/check`: the checker's report for a TOML body; stores nothing.
#[utoipa::path(post, path = "/api/v1/policies/check", tag = "policies", request_body(content = String, content_type = "text/plain", description = "政策文件（TOML 文本）"), responses((status = 200, body = CheckJson), (status = 401, description = "未登录", body = ErrorBody), (status = 413, description = "请求体过大", body = ErrorBody), (status = 422, description = "输入无效，field 指明字段", body = ErrorBody)))]
pub async fn check_only(
    ApiUser(_): ApiUser,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Json<CheckJson>> {
    let report = check(utf8(&body)?);
    Ok(Json(CheckJson {
        valid: report.is_valid(),
        report,
    }))
}

/// `POST /api/v1/policies`: publish a version (201), or 200 when exactly this file is stored.
#[utoipa::path(post, path = "/api/v1/policies", tag = "policies", request_body(content = String, content_type = "text/plain", description = "政策文件（TOML 文本）"), responses((status = 201, description = "新版本", body = PolicyRegistration), (status = 200, description = "同一文件已存在", body = PolicyRegistration), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody), (status = 409, description = "重复", body = ErrorBody), (status = 413, description = "请求体过大", body = ErrorBody), (status = 422, description = "输入无效，field 指明字段", body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<PolicyAdmin>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<(StatusCode, Json<PolicyRegistration>)> {
    let r = state
        .store
        .register_policy(&user.actor(), utf8(&body)?)
        .await?;
    let status = if r.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(r)))
}
