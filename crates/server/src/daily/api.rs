//! `GET /api/v1/daily?date=YYYY-MM-DD`: the grid worker's list for a day (default today) in the
//! caller's subtree, each duty with its Chinese label.

use crate::params::ApiQuery;
use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use wangge_domain::arrival::Duty;
use wangge_store::DailyEntry;

use crate::api::query_date;
use crate::error::ApiResult;
use crate::permission::{Allowed, ArrivalHandler};
use crate::AppState;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct DailyQuery {
    /// YYYY-MM-DD, default today
    #[param(required = false)]
    date: String,
    /// 查找: a name or part of one, a full ID number, or its last four digits
    #[param(required = false)]
    q: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DutyJson {
    /// `{"kind": "arrives"}`, `{"kind": "starts", "measure": …}` …
    #[serde(flatten)]
    #[schema(value_type = Object)]
    duty: Duty,
    label: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EntryJson {
    arrival_id: i64,
    name: String,
    /// masked: last 4 characters only
    id_number: String,
    phone: String,
    node_code: String,
    node_name: String,
    destination: String,
    arrival_date: NaiveDate,
    category: String,
    #[schema(value_type = String)]
    status: wangge_domain::arrival::ArrivalStatus,
    duties: Vec<DutyJson>,
}

impl From<DailyEntry> for EntryJson {
    fn from(e: DailyEntry) -> Self {
        EntryJson {
            duties: e
                .duties
                .iter()
                .map(|d| DutyJson {
                    duty: *d,
                    label: d.to_string(),
                })
                .collect(),
            arrival_id: e.arrival_id,
            name: e.name,
            id_number: e.id_number.masked(),
            phone: e.phone,
            node_code: e.node_code,
            node_name: e.node_name,
            destination: e.destination,
            arrival_date: e.arrival_date,
            category: e.category,
            status: e.status,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DailyJson {
    date: NaiveDate,
    count: usize,
    entries: Vec<EntryJson>,
}

/// The list of a day (default today) in the caller's subtree: one entry per person, each duty
/// with its Chinese label, ID numbers masked.
#[utoipa::path(get, path = "/daily", tag = "arrivals", params(DailyQuery), responses((status = 200, body = DailyJson)))]
pub async fn list(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ArrivalHandler>,
    ApiQuery(q): ApiQuery<DailyQuery>,
) -> ApiResult<Json<DailyJson>> {
    let date = query_date("date", &q.date)?.unwrap_or_else(crate::today);
    let search = crate::search::api(&q.q)?;
    let entries = state
        .store
        .daily_list_matching(&user.actor(), date, crate::today(), search.as_ref())
        .await?;
    let entries: Vec<EntryJson> = entries.into_iter().map(EntryJson::from).collect();
    Ok(Json(DailyJson {
        date,
        count: entries.len(),
        entries,
    }))
}
