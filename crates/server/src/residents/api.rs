//! `/api/v1/residents` and `/api/v1/data-quality`: the register, moves and data-quality flags
//! of the caller's scope, for the roles that handle residents. The error responses every route
//! shares are added to the document by `api::openapi`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use wangge_store::{
    IdNumberOf, NewResident, QualityIssue, Resident, ResidentMove, ResidentRegistration,
};

use crate::api::{ApiJson, ErrorBody};
use crate::error::ApiResult;
use crate::params::{ApiId, ApiQuery};
use crate::permission::{Allowed, ResidentHandler};
use crate::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Keyset paging: residents with a larger id than this
    #[serde(default)]
    after: i64,
    /// 查找: a name or part of one, a full ID number, or its last four digits
    #[serde(default)]
    #[param(required = false)]
    q: String,
    /// At most 1000
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    100
}

/// Residents of the caller's scope by id, ID numbers masked.
#[utoipa::path(get, path = "/residents", tag = "residents", params(ListQuery), responses((status = 200, body = Vec<Resident>)))]
pub async fn list(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ResidentHandler>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<Resident>>> {
    let search = crate::search::api(&q.q)?;
    let rows = state
        .store
        .list_residents_matching(&user.actor(), search.as_ref(), q.after, q.limit)
        .await?;
    Ok(Json(rows))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShowQuery {
    /// 1: show the full ID number (recorded in the audit log)
    #[serde(default)]
    reveal: Option<u8>,
}

/// One resident; `reveal=1` shows the full ID number and records that in the audit log.
#[utoipa::path(get, path = "/residents/{id}", tag = "residents", params(("id" = i64, Path), ShowQuery), responses((status = 200, body = Resident)))]
pub async fn show(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ResidentHandler>,
    ApiId(id): ApiId,
    ApiQuery(q): ApiQuery<ShowQuery>,
) -> ApiResult<Json<Resident>> {
    let actor = user.actor();
    let mut r = state.store.resident_by_id(&actor, id).await?;
    let of = IdNumberOf::Resident(r.id);
    crate::reveal::if_asked(&state, &actor, q.reveal == Some(1), of, &mut r.id_number).await?;
    Ok(Json(r))
}

/// 登记常住人口。
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResidentBody {
    id_number: String,
    name: String,
    phone: Option<String>,
    node_code: String,
    address: String,
}

/// What registering a resident came to: the new resident (201), or a move request (202) when
/// the person is a resident of a grid outside the caller's scope.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum RegistrationJson {
    Registered(Resident),
    MoveRequested(MoveJson),
}

/// 迁入申请 as the API shows it: what the requesting grid typed, and the grid the person lives
/// in now only to those who see it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MoveJson {
    move_id: i64,
    resident_id: i64,
    /// pending, confirmed or rejected
    state: String,
    to_node_code: String,
    to_node_name: String,
    name: String,
    phone: Option<String>,
    address: String,
    requested_by: String,
    requested_at: chrono::DateTime<chrono::Utc>,
    decided_by: Option<String>,
    decided_at: Option<chrono::DateTime<chrono::Utc>>,
    from_node_name: Option<String>,
    /// whether the caller may confirm or refuse it
    decidable: bool,
}

impl From<ResidentMove> for MoveJson {
    fn from(m: ResidentMove) -> Self {
        MoveJson {
            decidable: m.decidable(),
            move_id: m.id,
            resident_id: m.resident_id,
            state: m.state,
            to_node_code: m.to_node_code,
            to_node_name: m.to_node_name,
            name: m.name,
            phone: m.phone,
            address: m.address,
            requested_by: m.requested_by,
            requested_at: m.requested_at,
            decided_by: m.decided_by,
            decided_at: m.decided_at,
            from_node_name: m.from_node_name,
        }
    }
}

/// Registers a resident in a grid of the caller's scope (201), or asks for the move of a
/// person registered outside it (202); 409 when registered here or already asked for.
#[utoipa::path(post, path = "/residents", tag = "residents", request_body = NewResidentBody, responses((status = 201, description = "已登记", body = Resident), (status = 202, description = "此人是辖区外网格的常住人口：已提交迁入申请，待现居网格或共同上级确认", body = MoveJson), (status = 409, description = "已在辖区内登记，或已提交迁入申请", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ResidentHandler>,
    ApiJson(body): ApiJson<NewResidentBody>,
) -> ApiResult<(StatusCode, Json<RegistrationJson>)> {
    let new = NewResident {
        id_number: body.id_number,
        name: body.name,
        phone: body.phone,
        node_code: body.node_code.trim().to_string(),
        address: body.address,
    };
    Ok(
        match state.store.create_resident(&user.actor(), &new).await? {
            ResidentRegistration::Registered(r) => {
                (StatusCode::CREATED, Json(RegistrationJson::Registered(r)))
            }
            ResidentRegistration::MoveRequested(m) => (
                StatusCode::ACCEPTED,
                Json(RegistrationJson::MoveRequested(m.into())),
            ),
        },
    )
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovesQuery {
    /// 1: only those waiting for a decision
    #[serde(default)]
    pending: Option<u8>,
}

/// 迁入申请 into or out of the caller's scope, newest first.
#[utoipa::path(get, path = "/residents/moves", tag = "residents", params(MovesQuery), responses((status = 200, body = Vec<MoveJson>)))]
pub async fn moves(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ResidentHandler>,
    ApiQuery(q): ApiQuery<MovesQuery>,
) -> ApiResult<Json<Vec<MoveJson>>> {
    let rows = state
        .store
        .list_resident_moves(&user.actor(), q.pending == Some(1))
        .await?;
    Ok(Json(rows.into_iter().map(MoveJson::from).collect()))
}

/// 迁入申请的处理。
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// true: 确认迁入; false: 不同意
    confirm: bool,
}

/// Confirms or refuses a move: the grid the person lives in now, or a superior of it.
#[utoipa::path(post, path = "/residents/moves/{id}/decision", tag = "residents", params(("id" = i64, Path)), request_body = DecisionBody, responses((status = 200, body = MoveJson), (status = 403, description = "只有现居网格或其上级可以确认", body = ErrorBody), (status = 409, description = "已处理", body = ErrorBody)))]
pub async fn decide_move(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ResidentHandler>,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<MoveJson>> {
    let m = state
        .store
        .decide_resident_move(&user.actor(), id, body.confirm)
        .await?;
    Ok(Json(m.into()))
}

/// Records of one ID number in the caller's scope that disagree (another name, or two open
/// reports for one arrival date); at most 200 people, ID numbers masked.
#[utoipa::path(get, path = "/data-quality", tag = "residents", responses((status = 200, body = Vec<QualityIssueJson>)))]
pub async fn quality(
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
