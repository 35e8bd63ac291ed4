//! 数据质量: people whose records disagree, for staff who see all of them.

use axum::extract::State;
use axum::Json;
use wangge_store::QualityIssue;

use super::ErrorBody;
use crate::error::ApiResult;
use crate::permission::{Allowed, ResidentHandler};
use crate::AppState;

/// Records of one ID number in the caller's scope that disagree (another name, or two open
/// reports for one arrival date); at most 200 people, ID numbers masked.
#[utoipa::path(get, path = "/api/v1/data-quality", tag = "residents", responses((status = 200, body = Vec<QualityIssueJson>), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ResidentHandler>,
) -> ApiResult<Json<Vec<QualityIssue>>> {
    Ok(Json(state.store.quality_issues(&user.actor()).await?))
}

/// The schema of [`QualityIssue`] for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct QualityIssueJson {
    person_id: i64,
    /// masked: last 4 characters only
    id_number: String,
    /// name_mismatch, duplicate_arrival
    kinds: Vec<String>,
    records: Vec<PersonRecordJson>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PersonRecordJson {
    /// resident, arrival or push_item
    module: String,
    id: i64,
    name: String,
    arrival_date: Option<chrono::NaiveDate>,
    node_code: String,
    node_name: String,
}
