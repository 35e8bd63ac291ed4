//! `/api/v1/risk-areas`: the register for every logged-in user to read, and for district
//! admins to change (each change recomputes the open plans and says how many changed).

use crate::params::ApiId;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Serialize;
use wangge_domain::policy::RiskArea;
use wangge_store::{RecomputeSummary, RiskFormat, RiskImportSummary, StoredRiskArea};

use super::ApiBytes;
use super::ApiJson;
use super::ErrorBody;
use crate::api::openapi::RiskAreaDoc;
use crate::error::ApiResult;
use crate::permission::{Allowed, RiskAdmin, Staff};
use crate::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Changed {
    area: StoredRiskArea,
    recompute: RecomputeSummary,
}

#[utoipa::path(get, path = "/api/v1/risk-areas", tag = "risk-areas", responses((status = 200, body = Vec<StoredRiskArea>), (status = 401, description = "未登录", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<Staff>,
) -> ApiResult<Json<Vec<StoredRiskArea>>> {
    Ok(Json(state.store.list_risk_areas(&user.actor()).await?))
}

#[utoipa::path(get, path = "/api/v1/risk-areas/{id}", tag = "risk-areas", params(("id" = i64, Path)), responses((status = 200, body = StoredRiskArea), (status = 400, description = "请求无效", body = ErrorBody), (status = 401, description = "未登录", body = ErrorBody), (status = 404, description = "不存在", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<Staff>,
    ApiId(id): ApiId,
) -> ApiResult<Json<StoredRiskArea>> {
    Ok(Json(state.store.risk_area_by_id(&user.actor(), id).await?))
}

#[utoipa::path(post, path = "/api/v1/risk-areas", tag = "risk-areas", request_body = RiskAreaDoc, responses((status = 201, body = Changed), (status = 400, description = "请求无效", body = ErrorBody), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody), (status = 409, description = "重复", body = ErrorBody), (status = 413, description = "请求体过大", body = ErrorBody), (status = 422, description = "输入无效，field 指明字段", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<RiskAdmin>,
    ApiJson(area): ApiJson<RiskArea>,
) -> ApiResult<(StatusCode, Json<Changed>)> {
    let (area, recompute) = state.store.create_risk_area(&user.actor(), &area).await?;
    Ok((StatusCode::CREATED, Json(Changed { area, recompute })))
}

#[utoipa::path(put, path = "/api/v1/risk-areas/{id}", tag = "risk-areas", params(("id" = i64, Path)), request_body = RiskAreaDoc, responses((status = 200, body = Changed), (status = 400, description = "请求无效", body = ErrorBody), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody), (status = 404, description = "不存在", body = ErrorBody), (status = 409, description = "重复", body = ErrorBody), (status = 413, description = "请求体过大", body = ErrorBody), (status = 422, description = "输入无效，field 指明字段", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<RiskAdmin>,
    ApiId(id): ApiId,
    ApiJson(area): ApiJson<RiskArea>,
) -> ApiResult<Json<Changed>> {
    let (area, recompute) = state
        .store
        .update_risk_area(&user.actor(), id, &area)
        .await?;
    Ok(Json(Changed { area, recompute }))
}

#[utoipa::path(delete, path = "/api/v1/risk-areas/{id}", tag = "risk-areas", params(("id" = i64, Path)), responses((status = 200, body = RecomputeSummary), (status = 400, description = "请求无效", body = ErrorBody), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody), (status = 404, description = "不存在", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<RiskAdmin>,
    ApiId(id): ApiId,
) -> ApiResult<Json<RecomputeSummary>> {
    Ok(Json(state.store.delete_risk_area(&user.actor(), id).await?))
}

/// `POST /api/v1/risk-areas/import` with a CSV or JSON body (by `Content-Type`, else by
/// content): all rows or none, with a per-row report.
#[utoipa::path(post, path = "/api/v1/risk-areas/import", tag = "risk-areas", request_body(content((String = "text/csv"), (Vec<RiskAreaDoc> = "application/json")), description = "CSV（code,street,name,level,valid_from,valid_until）或 JSON 数组"), responses((status = 200, body = RiskImportSummary), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody), (status = 409, description = "重复", body = ErrorBody), (status = 413, description = "请求体过大", body = ErrorBody), (status = 422, description = "输入无效，field 指明字段", body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<RiskAdmin>,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Json<RiskImportSummary>> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = if content_type.contains("json") {
        RiskFormat::Json
    } else if content_type.contains("csv") {
        RiskFormat::Csv
    } else {
        RiskFormat::detect(None, &body)
    };
    Ok(Json(
        state
            .store
            .import_risk_areas(&user.actor(), format, &body)
            .await?,
    ))
}
