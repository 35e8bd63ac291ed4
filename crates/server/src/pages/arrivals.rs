//! 来返报备 for staff: the list of the user's subtree, one report with its plan, and the forms
//! that change its status, record a check-in or assign it to a grid.

use crate::params::{PageId, PageQuery};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_domain::arrival::ArrivalStatus;
use wangge_domain::grid::Level;
use wangge_store::IdNumberOf;
use wangge_store::{Arrival, ArrivalFilter, CheckIn, GridNode, NewCheckIn};

use super::{render, Layout, PageForm};
use crate::error::{AppError, PageResult};
use crate::permission::{ArrivalHandler, PageAllowed};
use crate::AppState;

const PAGE_SIZE: i64 = 50;

pub use crate::api::query_date;

#[derive(Template)]
#[template(path = "arrivals.html")]
struct ListPage {
    l: Layout,
    arrivals: Vec<Arrival>,
    statuses: [ArrivalStatus; 5],
    status: String,
    date: String,
    next_before: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    date: String,
    before: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let status = match q.status.trim() {
        "" => None,
        s => Some(
            s.parse::<ArrivalStatus>()
                .map_err(|e| AppError::invalid("status", e.to_string()))?,
        ),
    };
    let filter = ArrivalFilter {
        status,
        arrival_date: query_date("date", &q.date)?,
        before_id: crate::params::opt_id("before", q.before)?,
        limit: PAGE_SIZE,
    };
    let arrivals = state
        .store
        .list_arrivals(&user.user.actor(), &filter)
        .await?;
    let next_before = (arrivals.len() as i64 == PAGE_SIZE)
        .then(|| arrivals.last().map(|a| a.id))
        .flatten();
    Ok(render(&ListPage {
        l: Layout::new(user, "arrivals"),
        arrivals,
        statuses: ArrivalStatus::ALL,
        status: q.status,
        date: q.date,
        next_before,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "arrival.html")]
struct DetailPage {
    l: Layout,
    a: Arrival,
    id_shown: String,
    revealed: bool,
    check_ins: Vec<CheckIn>,
    nodes: Vec<GridNode>,
    today: chrono::NaiveDate,
    is_admin: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    reveal: Option<u8>,
}

pub async fn show(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    PageId(id): PageId,
    PageQuery(q): PageQuery<ShowQuery>,
) -> PageResult<Response> {
    let actor = user.user.actor();
    let a = state.store.arrival_by_id(&actor, id).await?;
    let revealed = q.reveal == Some(1);
    let of = IdNumberOf::Arrival(a.id);
    let id_shown = crate::reveal::shown(&state, &actor, revealed, of, &a.id_number).await?;
    let check_ins = state.store.list_check_ins(&actor, id).await?;
    let nodes = state
        .store
        .list_grid(&actor)
        .await?
        .into_iter()
        .filter(|n| matches!(n.level, Level::Grid | Level::Community))
        .collect();
    let is_admin = user.user.role.reads_audit();
    Ok(render(&DetailPage {
        l: Layout::new(user, "arrivals"),
        a,
        id_shown,
        revealed,
        check_ins,
        nodes,
        today: crate::today(),
        is_admin,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    csrf: String,
    status: String,
    note: String,
    node_code: String,
}

/// One form for the status change and the grid assignment: whichever field is filled.
pub async fn set_status(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    PageId(id): PageId,
    PageForm(f): PageForm<StatusForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    let actor = user.user.actor();
    if !f.node_code.trim().is_empty() {
        state
            .store
            .reassign_arrival(&actor, id, &f.node_code)
            .await?;
    } else {
        let to = f
            .status
            .parse::<ArrivalStatus>()
            .map_err(|e| AppError::invalid("status", e.to_string()))?;
        state
            .store
            .set_arrival_status(&actor, id, to, &f.note, crate::today())
            .await?;
    }
    Ok(Redirect::to(&format!("/arrivals/{id}")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckInForm {
    csrf: String,
    date: String,
    temperature: String,
    note: String,
}

pub async fn check_in(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    PageId(id): PageId,
    PageForm(f): PageForm<CheckInForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    let temperature = match f.temperature.trim() {
        "" => None,
        t => Some(
            t.parse::<f64>()
                .map_err(|_| AppError::invalid("temperature", format!("体温“{t}”不是数字")))?,
        ),
    };
    let new = NewCheckIn {
        date: f.date,
        temperature,
        note: f.note,
    };
    state
        .store
        .add_check_in(&user.user.actor(), id, &new, crate::today())
        .await?;
    Ok(Redirect::to(&format!("/arrivals/{id}")).into_response())
}
