//! `/api/v1/risk-areas`: the register for every logged-in user to read, and for district
//! admins to change (each change recomputes the open plans and says how many changed). The
//! error responses every route shares are added to the document by `api::openapi`.

use crate::params::ApiId;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Serialize;
use wangge_domain::policy::RiskArea;
use wangge_store::{RecomputeSummary, RiskFormat, RiskImportSummary, StoredRiskArea};

use crate::api::ErrorBody;
use crate::api::{ApiBytes, ApiJson};
use crate::error::ApiResult;
use crate::permission::{Allowed, RiskAdmin, Staff};
use crate::AppState;

/// The changed area and how many open plans were recomputed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Changed {
    area: StoredRiskArea,
    recompute: RecomputeSummary,
}

/// The whole register, by code, street and start date.
#[utoipa::path(get, path = "/risk-areas", tag = "risk-areas", responses((status = 200, body = Vec<StoredRiskArea>)))]
pub async fn list(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<Staff>,
) -> ApiResult<Json<Vec<StoredRiskArea>>> {
    Ok(Json(state.store.list_risk_areas(&user.actor()).await?))
}

/// One area.
#[utoipa::path(get, path = "/risk-areas/{id}", tag = "risk-areas", params(("id" = i64, Path)), responses((status = 200, body = StoredRiskArea)))]
pub async fn show(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<Staff>,
    ApiId(id): ApiId,
) -> ApiResult<Json<StoredRiskArea>> {
    Ok(Json(state.store.risk_area_by_id(&user.actor(), id).await?))
}

/// Adds an area (409 when one with the same code, street and start date exists).
#[utoipa::path(post, path = "/risk-areas", tag = "risk-areas", request_body = RiskAreaDoc, responses((status = 201, body = Changed), (status = 409, description = "已有同一区划、街道和起始日期的记录", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<RiskAdmin>,
    ApiJson(area): ApiJson<RiskArea>,
) -> ApiResult<(StatusCode, Json<Changed>)> {
    let (area, recompute) = state.store.create_risk_area(&user.actor(), &area).await?;
    Ok((StatusCode::CREATED, Json(Changed { area, recompute })))
}

/// Replaces an area.
#[utoipa::path(put, path = "/risk-areas/{id}", tag = "risk-areas", params(("id" = i64, Path)), request_body = RiskAreaDoc, responses((status = 200, body = Changed), (status = 409, description = "已有同一区划、街道和起始日期的记录", body = ErrorBody)))]
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

/// Removes an area.
#[utoipa::path(delete, path = "/risk-areas/{id}", tag = "risk-areas", params(("id" = i64, Path)), responses((status = 200, body = RecomputeSummary)))]
pub async fn delete(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<RiskAdmin>,
    ApiId(id): ApiId,
) -> ApiResult<Json<RecomputeSummary>> {
    Ok(Json(state.store.delete_risk_area(&user.actor(), id).await?))
}

/// `POST /api/v1/risk-areas/import` with a CSV or JSON body (by `Content-Type`, else by
/// content): all rows or none, with a per-row report.
#[utoipa::path(post, path = "/risk-areas/import", tag = "risk-areas", request_body(content((String = "text/csv"), (Vec<RiskAreaDoc> = "application/json")), description = "CSV（code,street,name,level,valid_from,valid_until）或 JSON 数组"), responses((status = 200, body = RiskImportSummary), (status = 409, description = "文件中有重复记录", body = ErrorBody)))]
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

// The request body's Rust type lives in the domain crate (which does not depend on utoipa):
// this describes the same JSON for the document only.

/// 风险地区。
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct RiskAreaDoc {
    /// GB/T 2260 六位区划代码，或只对应一个区县的区县名称（“西安市雁塔区”，存为代码；可连着
    /// 街道写，街道为空时取自这里）
    #[schema(example = "610113")]
    code: String,
    /// 街道/乡镇名称；为空表示整个区县
    street: Option<String>,
    /// 地区名称
    name: String,
    /// none, low, medium, high
    #[schema(example = "medium")]
    level: String,
    /// YYYY-MM-DD
    valid_from: chrono::NaiveDate,
    /// 含当天；为空表示至今有效
    valid_until: Option<chrono::NaiveDate>,
}
