//! `/api/v1/policies`: the stored policy versions; district admins publish a new version (TOML
//! body), which recomputes the open plans; anyone logged in may check a file without storing it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use wangge_domain::policy::{check, CheckReport};
use wangge_store::{PolicyInfo, PolicyRegistration};

use crate::api::{ApiBytes, ErrorBody};
use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::permission::{Allowed, PolicyAdmin, Staff};
use crate::AppState;

/// The stored versions, newest effective date first.
#[utoipa::path(get, path = "/policies", tag = "policies", responses((status = 200, body = Vec<PolicyInfo>)))]
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

/// One version with its TOML source.
#[utoipa::path(get, path = "/policies/{id}", tag = "policies", params(("id" = String, Path, description = "政策版本号")), responses((status = 200, body = PolicyJson)))]
pub async fn show(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<Staff>,
    Path(id): Path<String>,
) -> ApiResult<Json<PolicyJson>> {
    let (info, source) = state.store.policy_by_id(&user.actor(), &id).await?;
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

/// The checker's report for a TOML body (errors and warnings, each with its line); stores
/// nothing.
#[utoipa::path(post, path = "/policies/check", tag = "policies", request_body(content = String, content_type = "text/plain", description = "政策文件（TOML 文本）"), responses((status = 200, body = CheckJson)))]
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

/// Publishes a version (201) and recomputes the open plans, or answers 200 when exactly this
/// file is stored; a file that fails the check is refused with its report (422), an id stored
/// with other content is a conflict (409).
#[utoipa::path(post, path = "/policies", tag = "policies", request_body(content = String, content_type = "text/plain", description = "政策文件（TOML 文本）"), responses((status = 201, description = "新版本", body = PolicyRegistration), (status = 200, description = "同一文件已存在", body = PolicyRegistration), (status = 409, description = "同一版本号已有不同内容", body = ErrorBody)))]
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
