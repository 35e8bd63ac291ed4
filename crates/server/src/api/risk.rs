//! `/api/v1/risk-areas`: the register for every logged-in user to read, and for district
//! admins to change (each change recomputes the open plans and says how many changed).

use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Serialize;
use wangge_domain::policy::RiskArea;
use wangge_store::{RecomputeSummary, RiskFormat, RiskImportSummary, StoredRiskArea};

use super::ApiBytes;
use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::permission::{Allowed, RiskAdmin};
use crate::AppState;

#[derive(Serialize)]
pub struct Changed {
    area: StoredRiskArea,
    recompute: RecomputeSummary,
}

pub async fn list(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
) -> ApiResult<Json<Vec<StoredRiskArea>>> {
    Ok(Json(state.store.list_risk_areas().await?))
}

pub async fn show(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<StoredRiskArea>> {
    Ok(Json(state.store.risk_area_by_id(id).await?))
}

pub async fn create(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<RiskAdmin>,
    ApiJson(area): ApiJson<RiskArea>,
) -> ApiResult<(StatusCode, Json<Changed>)> {
    let (area, recompute) = state.store.create_risk_area(&user.actor(), &area).await?;
    Ok((StatusCode::CREATED, Json(Changed { area, recompute })))
}

pub async fn update(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<RiskAdmin>,
    Path(id): Path<i64>,
    ApiJson(area): ApiJson<RiskArea>,
) -> ApiResult<Json<Changed>> {
    let (area, recompute) = state
        .store
        .update_risk_area(&user.actor(), id, &area)
        .await?;
    Ok(Json(Changed { area, recompute }))
}

pub async fn delete(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<RiskAdmin>,
    Path(id): Path<i64>,
) -> ApiResult<Json<RecomputeSummary>> {
    Ok(Json(state.store.delete_risk_area(&user.actor(), id).await?))
}

/// `POST /api/v1/risk-areas/import` with a CSV or JSON body (by `Content-Type`, else by
/// content): all rows or none, with a per-row report.
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
