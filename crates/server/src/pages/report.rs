//! 公众报备: the public arrival form — no login, a double-submit CSRF cookie like the login page,
//! and a per-client rate limit. A refused report comes back with the person's input and the
//! field named; an accepted one shows the plan the person must follow.

use askama::Template;
use axum::extract::State;
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wangge_domain::grid::Level;
use wangge_domain::policy::{in_force, KeyIndustry, PlanRecord};
use wangge_store::{random_token, Actor, Channel, GridNode, NewArrival, NewStay, StoreError};

use super::{render, PageForm};
use crate::auth::{cookie, same_secret, set_cookie};
use crate::error::{AppError, PageError, PageResult};
use crate::i18n::{Texts, ZH};
use crate::ratelimit::ClientIp;
use crate::AppState;

pub const REPORT_CSRF_COOKIE: &str = "wangge_report_csrf";

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ReportForm {
    csrf: String,
    name: String,
    id_number: String,
    phone: String,
    origin: String,
    overseas_days: String,
    travel: String,
    occupation: String,
    key_industry: Option<String>,
    arrival_date: String,
    node_code: String,
    destination: String,
    employer: String,
}

/// A community with its grids, for the destination picker.
pub struct Community {
    pub node: GridNode,
    pub grids: Vec<GridNode>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    t: &'static Texts,
    csrf: String,
    f: ReportForm,
    error: Option<String>,
    communities: Vec<Community>,
    industries: Vec<KeyIndustry>,
}

#[derive(Template)]
#[template(path = "report_done.html")]
struct DonePage {
    t: &'static Texts,
    id: i64,
    name: String,
    arrival_date: chrono::NaiveDate,
    node_name: String,
    late: bool,
    plan: PlanRecord,
}

async fn communities(state: &AppState) -> Result<Vec<Community>, AppError> {
    let nodes = state.store.public_destinations().await?;
    let mut out: Vec<Community> = Vec::new();
    // tree order: each community is followed by its grids
    for n in nodes {
        match n.level {
            Level::Community => out.push(Community {
                node: n,
                grids: Vec::new(),
            }),
            Level::Grid => {
                if let Some(c) = out.last_mut().filter(|c| Some(c.node.id) == n.parent_id) {
                    c.grids.push(n);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

async fn form_page(
    state: &AppState,
    status: StatusCode,
    f: ReportForm,
    error: Option<String>,
) -> PageResult<Response> {
    let policies = state.store.load_policies().await?;
    let industries = in_force(&policies, crate::today())
        .map(|p| p.key_industries().to_vec())
        .unwrap_or_default();
    let csrf = random_token();
    let page = ReportPage {
        t: &ZH,
        csrf: csrf.clone(),
        f,
        error,
        communities: communities(state).await?,
        industries,
    };
    let cookie = set_cookie(state, REPORT_CSRF_COOKIE, &csrf, 3600);
    Ok((status, [(SET_COOKIE, cookie)], render(&page)?).into_response())
}

pub async fn form(State(state): State<AppState>) -> PageResult<Response> {
    form_page(&state, StatusCode::OK, ReportForm::default(), None).await
}

/// One stay per line: “date place”, split at the first space or comma.
pub fn travel_lines(text: &str) -> Vec<NewStay> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(
            |l| match l.split_once(|c: char| c.is_whitespace() || c == ',' || c == '，') {
                Some((date, place)) => NewStay {
                    date: date.trim().to_string(),
                    place: place.trim().to_string(),
                },
                None => NewStay {
                    date: l.to_string(),
                    place: String::new(),
                },
            },
        )
        .collect()
}

/// An optional whole number typed into a form.
pub fn optional_days(field: &str, text: &str) -> Result<Option<i64>, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>()
        .map(Some)
        .map_err(|_| AppError::invalid(field, format!("“{t}”不是整数天数")))
}

/// The 429 answer, with the seconds to wait.
pub fn too_many(wait: std::time::Duration) -> Response {
    let mut resp = PageError(AppError::TooManyRequests).into_response();
    let secs = wait.as_secs().max(1).to_string();
    if let Ok(v) = HeaderValue::from_str(&secs) {
        resp.headers_mut().insert(RETRY_AFTER, v);
    }
    resp
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    PageForm(f): PageForm<ReportForm>,
) -> PageResult<Response> {
    if let Err(wait) = state.report_limiter.check(ip) {
        return Ok(too_many(wait));
    }
    let expected = cookie(&headers, REPORT_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !same_secret(expected, &f.csrf) {
        let msg = "页面已过期或来源不明，请核对后重新提交".to_string();
        return form_page(&state, StatusCode::FORBIDDEN, f, Some(msg)).await;
    }
    let overseas = match optional_days("overseas_quarantined_days", &f.overseas_days) {
        Ok(v) => v,
        Err(e) => {
            let msg = e.message();
            return form_page(&state, e.status(), f, Some(msg)).await;
        }
    };
    let new = NewArrival {
        id_number: f.id_number.clone(),
        name: f.name.clone(),
        phone: f.phone.clone(),
        origin: f.origin.clone(),
        overseas_quarantined_days: overseas,
        travel: travel_lines(&f.travel),
        occupation: f.occupation.clone(),
        key_industry: f.key_industry.is_some(),
        arrival_date: f.arrival_date.clone(),
        destination: f.destination.clone(),
        node_code: Some(f.node_code.clone()),
        employer: f.employer.clone(),
    };
    let actor = Actor::public_reporter(&ip.to_string());
    match state
        .store
        .create_arrival(&actor, Channel::Public, &new, crate::today())
        .await
    {
        Ok(a) => Ok(render(&DonePage {
            t: &ZH,
            id: a.id,
            name: a.name,
            arrival_date: a.arrival_date,
            node_name: a.node_name,
            late: a.late,
            plan: a.plan,
        })?
        .into_response()),
        Err(e @ (StoreError::Invalid { .. } | StoreError::Conflict { .. })) => {
            let e = AppError::from(e);
            let msg = e.message();
            form_page(&state, e.status(), f, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}
