//! `/api/v1/arrivals`. Creating a report is open to the public (rate limited per client, the
//! answer is a receipt with the plan) and to staff (session or token, in their scope, no rate
//! limit, the answer is the full record). Reading and changing reports needs a handler role and
//! stays in the caller's subtree.

use crate::params::{ApiId, ApiQuery};
use axum::extract::{FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use wangge_domain::arrival::ArrivalStatus;
use wangge_domain::policy::PlanRecord;
use wangge_store::IdNumberOf;
use wangge_store::{
    Actor, Arrival, ArrivalFilter, Channel, CheckIn, NewArrival, NewCheckIn, NewStay, User,
};

use crate::api::{parse_json_body, query_date, ApiBytes, ApiJson, ErrorBody};
use crate::auth::{cookie, ApiUser, SESSION_COOKIE};
use crate::error::{ApiResult, AppError};
use crate::permission::{Allowed, ArrivalHandler};
use crate::ratelimit::ClientIp;
use crate::AppState;

fn require_handler(user: &User) -> ApiResult<()> {
    use crate::permission::Permission;
    if ArrivalHandler::allows(user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden(ArrivalHandler::DENIED.into()))
    }
}

/// What a member of the public gets back: enough to follow the plan, nothing about others.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Receipt {
    id: i64,
    #[schema(value_type = String, example = "reported")]
    status: ArrivalStatus,
    late: bool,
    arrival_date: NaiveDate,
    node_name: String,
    #[schema(value_type = Object)]
    plan: PlanRecord,
}

/// The answer to `POST /api/v1/arrivals`: the full record for staff, a receipt for the public.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum Created {
    Staff(Box<Arrival>),
    Public(Receipt),
}

/// Who is reporting: staff (any credential present, which must then be valid) or the public.
pub enum Reporter {
    Staff(User),
    Public(std::net::IpAddr),
}

impl FromRequestParts<AppState> for Reporter {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let has_credential = parts.headers.contains_key(AUTHORIZATION)
            || cookie(&parts.headers, SESSION_COOKIE).is_some();
        if has_credential {
            let ApiUser(user) = ApiUser::from_request_parts(parts, state).await?;
            return Ok(Reporter::Staff(user));
        }
        let Ok(ClientIp(ip)) = ClientIp::from_request_parts(parts, state).await;
        Ok(Reporter::Public(ip))
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArrivalBody {
    id_number: String,
    name: String,
    phone: String,
    /// 来源地：六位区划代码加街道，或境外国家/地区
    origin: String,
    #[serde(default)]
    overseas_quarantined_days: Option<i64>,
    /// 旅居史 `[{"date": "YYYY-MM-DD", "place": "…"}]`
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    travel: Vec<NewStay>,
    #[serde(default)]
    occupation: String,
    #[serde(default)]
    key_industry: bool,
    /// YYYY-MM-DD
    arrival_date: String,
    destination: String,
    #[serde(default)]
    node_code: Option<String>,
    #[serde(default)]
    employer: String,
}

impl From<NewArrivalBody> for NewArrival {
    fn from(b: NewArrivalBody) -> Self {
        NewArrival {
            id_number: b.id_number,
            name: b.name,
            phone: b.phone,
            origin: b.origin,
            overseas_quarantined_days: b.overseas_quarantined_days,
            travel: b.travel,
            occupation: b.occupation,
            key_industry: b.key_industry,
            arrival_date: b.arrival_date,
            destination: b.destination,
            node_code: b.node_code,
            employer: b.employer,
        }
    }
}

/// Registers an arrival report: open to the public without credentials (rate limited per
/// client, the answer is a receipt with the plan) and to staff (in their scope, the answer is
/// the full record; 409 for a report of the same person and date in their scope). The rate
/// limit is taken before the body is even parsed, so a flood of malformed requests is limited
/// too. A report with several bad fields names every one (`fields`).
#[utoipa::path(post, path = "/arrivals", tag = "arrivals", security((), ("bearer" = []), ("session" = [])), request_body = NewArrivalBody, responses((status = 201, description = "员工得到完整记录，公众得到回执", body = Created), (status = 409, description = "辖区内已有此人同一抵达日期的报备", body = ErrorBody), (status = 429, description = "公众报备过于频繁（响应带 Retry-After）", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    reporter: Reporter,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Response> {
    if let Reporter::Public(ip) = &reporter {
        if let Err(wait) = state.report_limiter.check(*ip) {
            return Ok(crate::error::too_many_api(wait));
        }
    }
    // a staff member whose role may not register arrivals hears so before any validation
    if let Reporter::Staff(user) = &reporter {
        require_handler(user)?;
    }
    let body: NewArrivalBody = parse_json_body(&body)?;
    let new = NewArrival::from(body);
    let today = crate::today();
    match reporter {
        Reporter::Staff(user) => {
            let a = state
                .store
                .create_arrival(&user.actor(), Channel::Staff, &new, today)
                .await?;
            Ok((StatusCode::CREATED, Json(a)).into_response())
        }
        Reporter::Public(ip) => {
            let actor = Actor::public_reporter(&ip.to_string());
            let a = state
                .store
                .create_arrival(&actor, Channel::Public, &new, today)
                .await?;
            let receipt = Receipt {
                id: a.id,
                status: a.status,
                late: a.late,
                arrival_date: a.arrival_date,
                node_name: a.node_name,
                plan: a.plan,
            };
            Ok((StatusCode::CREATED, Json(receipt)).into_response())
        }
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ListQuery {
    /// reported, arrived, in_measures, closed …
    #[param(required = false)]
    status: String,
    /// arrival date, YYYY-MM-DD
    #[param(required = false)]
    date: String,
    /// 查找: a name or part of one, a full ID number, or its last four digits
    #[param(required = false)]
    q: String,
    /// Keyset paging: reports with a smaller id than this
    before: Option<i64>,
    /// default 100
    limit: Option<i64>,
}

/// The reports of the caller's subtree, newest first, by status and arrival date, a page at a
/// time (keyset paging with `before`).
#[utoipa::path(get, path = "/arrivals", tag = "arrivals", params(ListQuery), responses((status = 200, body = Vec<Arrival>)))]
pub async fn list(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ArrivalHandler>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<Arrival>>> {
    let status = super::status_filter(&q.status)?;
    let filter = ArrivalFilter {
        status,
        arrival_date: query_date("date", &q.date)?,
        search: crate::search::api(&q.q)?,
        before_id: crate::params::opt_id("before", q.before)?,
        limit: crate::params::limit(q.limit, 100)?,
    };
    let rows = state.store.list_arrivals(&user.actor(), &filter).await?;
    Ok(Json(rows))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ShowQuery {
    /// 1: show the full ID number (recorded in the audit log)
    reveal: Option<u8>,
}

/// One report with its plan; `reveal=1` shows the full ID number and records that in the audit
/// log.
#[utoipa::path(get, path = "/arrivals/{id}", tag = "arrivals", params(("id" = i64, Path), ShowQuery), responses((status = 200, body = Arrival)))]
pub async fn show(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ArrivalHandler>,
    ApiId(id): ApiId,
    ApiQuery(q): ApiQuery<ShowQuery>,
) -> ApiResult<Json<Arrival>> {
    let actor = user.actor();
    let mut a = state.store.arrival_by_id(&actor, id).await?;
    let of = IdNumberOf::Arrival(a.id);
    crate::reveal::if_asked(&state, &actor, q.reveal == Some(1), of, &mut a.id_number).await?;
    Ok(Json(a))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    note: String,
    /// assign to another community or grid instead of changing the status
    #[serde(default)]
    node_code: Option<String>,
}

/// Changes the status (`{"status": "arrived", "note": "…"}`, if the step is allowed today), or
/// with `{"node_code": "…"}` assigns the report to another grid of the caller's scope (409 when
/// someone else changed the status meanwhile).
#[utoipa::path(post, path = "/arrivals/{id}/status", tag = "arrivals", params(("id" = i64, Path)), request_body = StatusBody, responses((status = 200, body = Arrival), (status = 409, description = "状态已被他人修改", body = ErrorBody)))]
pub async fn set_status(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ArrivalHandler>,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<StatusBody>,
) -> ApiResult<Json<Arrival>> {
    let actor = user.actor();
    let a = match (body.node_code, body.status) {
        (Some(code), _) => state.store.reassign_arrival(&actor, id, &code).await?,
        (None, Some(status)) => {
            let to = status
                .parse::<ArrivalStatus>()
                .map_err(|e| AppError::invalid("status", e.to_string()))?;
            state
                .store
                .set_arrival_status(&actor, id, to, &body.note, crate::today())
                .await?
        }
        (None, None) => return Err(AppError::invalid("status", "请给出新的状态 status")),
    };
    Ok(Json(a))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInBody {
    /// YYYY-MM-DD, default today
    #[serde(default)]
    date: String,
    #[serde(default)]
    temperature: Option<f64>,
    #[serde(default)]
    note: String,
}

/// Records a day's health check-in of a person under measures (409 when that day is recorded).
#[utoipa::path(post, path = "/arrivals/{id}/check-ins", tag = "arrivals", params(("id" = i64, Path)), request_body = CheckInBody, responses((status = 201, body = wangge_store::CheckIn), (status = 409, description = "当天已打卡", body = ErrorBody)))]
pub async fn add_check_in(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ArrivalHandler>,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<CheckInBody>,
) -> ApiResult<(StatusCode, Json<CheckIn>)> {
    let new = NewCheckIn {
        date: body.date,
        temperature: body.temperature,
        note: body.note,
    };
    let c = state
        .store
        .add_check_in(&user.actor(), id, &new, crate::today())
        .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// The check-ins of a report, by day.
#[utoipa::path(get, path = "/arrivals/{id}/check-ins", tag = "arrivals", params(("id" = i64, Path)), responses((status = 200, body = Vec<wangge_store::CheckIn>)))]
pub async fn check_ins(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ArrivalHandler>,
    ApiId(id): ApiId,
) -> ApiResult<Json<Vec<CheckIn>>> {
    Ok(Json(state.store.list_check_ins(&user.actor(), id).await?))
}
