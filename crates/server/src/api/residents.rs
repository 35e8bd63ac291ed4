use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use wangge_store::{AuditEntry, NewResident, Resident};

use super::ApiJson;
use super::ErrorBody;
use crate::error::ApiResult;
use crate::permission::{Allowed, ResidentHandler};
use crate::AppState;

/// A resident as the API shows it: the ID number masked unless asked for and audited.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ResidentJson {
    id: i64,
    person_id: i64,
    id_number: String,
    name: String,
    phone: Option<String>,
    birth_date: NaiveDate,
    sex: String,
    node_code: String,
    node_name: String,
    address: String,
}

impl ResidentJson {
    fn new(r: Resident, reveal: bool) -> Self {
        let id_number = if reveal {
            r.id_number.clone()
        } else {
            r.masked_id_number()
        };
        ResidentJson {
            id: r.id,
            person_id: r.person_id,
            id_number,
            name: r.name,
            phone: r.phone,
            birth_date: r.birth_date,
            sex: r.sex,
            node_code: r.node_code,
            node_name: r.node_name,
            address: r.address,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Keyset paging: residents with a larger id than this
    #[serde(default)]
    after: i64,
    /// At most 1000
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    100
}

#[utoipa::path(get, path = "/api/v1/residents", tag = "residents", params(ListQuery), responses((status = 200, body = Vec<ResidentJson>), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ResidentHandler>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<ResidentJson>>> {
    let rows = state
        .store
        .list_residents(&user.scope(), q.after, q.limit)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| ResidentJson::new(r, false))
            .collect(),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShowQuery {
    /// 1: show the full ID number (recorded in the audit log)
    #[serde(default)]
    reveal: Option<u8>,
}

#[utoipa::path(get, path = "/api/v1/residents/{id}", tag = "residents", params(("id" = i64, Path), ShowQuery), responses((status = 200, body = ResidentJson), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody), (status = 404, description = "不存在或不在辖区内", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ResidentHandler>,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> ApiResult<Json<ResidentJson>> {
    let r = state.store.resident_by_id(&user.scope(), id).await?;
    let reveal = q.reveal == Some(1);
    if reveal {
        let entry = AuditEntry::new("reveal_id_number", "resident", r.id).at_node(&r.node_path);
        state.store.record_event(&user.actor(), &entry).await?;
    }
    Ok(Json(ResidentJson::new(r, reveal)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResidentBody {
    id_number: String,
    name: String,
    phone: Option<String>,
    node_code: String,
    address: String,
}

#[utoipa::path(post, path = "/api/v1/residents", tag = "residents", request_body = NewResidentBody, responses((status = 201, body = ResidentJson), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody), (status = 409, description = "重复", body = ErrorBody), (status = 422, description = "输入无效，field 指明字段", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ResidentHandler>,
    ApiJson(body): ApiJson<NewResidentBody>,
) -> ApiResult<(StatusCode, Json<ResidentJson>)> {
    let new = NewResident {
        id_number: body.id_number,
        name: body.name,
        phone: body.phone,
        node_code: body.node_code.trim().to_string(),
        address: body.address,
    };
    let created = state.store.create_resident(&user.actor(), &new).await?;
    Ok((StatusCode::CREATED, Json(ResidentJson::new(created, false))))
}
