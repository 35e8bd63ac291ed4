use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use wangge_store::{AuditEntry, NewResident, Resident, User};

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::AppState;

fn require_handler(user: &User) -> ApiResult<()> {
    if user.role.handles_residents() {
        Ok(())
    } else {
        Err(AppError::Forbidden("此角色不能查看人员信息".into()))
    }
}

/// A resident as the API shows it: the ID number masked unless asked for and audited.
#[derive(Serialize)]
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

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    100
}

pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<ResidentJson>>> {
    require_handler(&user)?;
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

#[derive(Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    reveal: Option<u8>,
}

pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> ApiResult<Json<ResidentJson>> {
    require_handler(&user)?;
    let r = state.store.resident_by_id(&user.scope(), id).await?;
    let reveal = q.reveal == Some(1);
    if reveal {
        let entry = AuditEntry::new("reveal_id_number", "resident", r.id).at_node(&r.node_path);
        state.store.record_event(&user.actor(), &entry).await?;
    }
    Ok(Json(ResidentJson::new(r, reveal)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewResidentBody {
    id_number: String,
    name: String,
    phone: Option<String>,
    node_code: String,
    address: String,
}

pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<NewResidentBody>,
) -> ApiResult<(StatusCode, Json<ResidentJson>)> {
    require_handler(&user)?;
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
