//! 公众报备: the public arrival form — no login, a double-submit CSRF cookie like the login page,
//! and a per-client rate limit. A refused report comes back as the same form (422) with what
//! the person typed and every error beside its field, all at once (the store names every bad
//! field of a report); an accepted one shows the plan the person must follow.

use askama::Template;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wangge_domain::grid::Level;
use wangge_domain::policy::{in_force, KeyIndustry, PlanRecord};
use wangge_store::{random_token, Actor, Arrival, Channel, GridNode, NewArrival, NewStay};

use crate::auth::{cookie, same_secret, set_cookie};
use crate::error::{too_many, AppError, PageResult};
use crate::form::FieldErrors;
use crate::i18n::{Texts, ZH};
use crate::pages::{render, PageForm};
use crate::ratelimit::ClientIp;
use crate::AppState;

pub const REPORT_CSRF_COOKIE: &str = "wangge_report_csrf";

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ReportForm {
    pub(super) csrf: String,
    pub(super) name: String,
    pub(super) id_number: String,
    pub(super) phone: String,
    pub(super) origin: String,
    pub(super) overseas_days: String,
    pub(super) travel: String,
    pub(super) occupation: String,
    pub(super) key_industry: Option<String>,
    pub(super) arrival_date: String,
    pub(super) node_code: String,
    pub(super) destination: String,
    pub(super) employer: String,
}

/// A community with its grids, for the destination picker.
pub struct Community {
    pub node: GridNode,
    pub grids: Vec<GridNode>,
}

#[derive(Template)]
#[template(path = "arrivals/report.html")]
struct ReportPage {
    t: &'static Texts,
    ft: &'static super::ArrivalsTexts,
    csrf: String,
    /// The form as typed.
    form: ReportForm,
    /// A refusal of the whole form (an expired page).
    error: Option<String>,
    /// The errors of its fields, each shown beside its input.
    errors: FieldErrors,
    communities: Vec<Community>,
    industries: Vec<KeyIndustry>,
    /// Today, the latest day of a stay.
    today: chrono::NaiveDate,
    /// The travel box's example line, dated two days ago.
    travel_example: String,
}

#[derive(Template)]
#[template(path = "arrivals/report_done.html")]
struct DonePage {
    t: &'static Texts,
    ft: &'static super::ArrivalsTexts,
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

/// What both report forms offer beside the fields: the key industries of the policy in force,
/// today (the latest day of a stay) and the travel box's example line, dated two days ago.
pub(super) async fn form_context(
    state: &AppState,
) -> Result<(Vec<KeyIndustry>, chrono::NaiveDate, String), AppError> {
    let policies = state.store.load_policies().await?;
    let today = crate::today();
    let industries = in_force(&policies, today)
        .map(|p| p.key_industries().to_vec())
        .unwrap_or_default();
    let example = format!("{} 西安市雁塔区 电子城街道", today - chrono::Days::new(2));
    Ok((industries, today, example))
}

async fn form_page(
    state: &AppState,
    status: StatusCode,
    f: ReportForm,
    error: Option<String>,
    errors: FieldErrors,
) -> PageResult<Response> {
    let (industries, today, travel_example) = form_context(state).await?;
    let csrf = random_token();
    let page = ReportPage {
        ft: &super::TEXTS,
        t: &ZH,
        csrf: csrf.clone(),
        form: f,
        error,
        errors,
        communities: communities(state).await?,
        industries,
        today,
        travel_example,
    };
    let cookie = set_cookie(state, REPORT_CSRF_COOKIE, &csrf, 3600);
    Ok((status, [(SET_COOKIE, cookie)], render(&page)?).into_response())
}

pub async fn form(State(state): State<AppState>) -> PageResult<Response> {
    form_page(
        &state,
        StatusCode::OK,
        ReportForm::default(),
        None,
        FieldErrors::new(),
    )
    .await
}

/// One stay per line: “date place”, split at the first space or comma.
fn travel_lines(text: &str) -> Vec<NewStay> {
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
fn optional_days(field: &str, text: &str) -> Result<Option<i64>, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>()
        .map(Some)
        .map_err(|_| AppError::invalid(field, format!("“{t}”不是整数天数")))
}

/// The form's name for a field the store names: the days in quarantine have a shorter name, and
/// every travel entry (`travel[2].date`) is a line of the one travel box.
fn form_field(store_field: &str) -> &str {
    match store_field {
        "overseas_quarantined_days" => "overseas_days",
        f if f.starts_with("travel") => "travel",
        f => f,
    }
}

/// The store's errors by the form's fields; several about one field (travel lines) are shown
/// together beside it.
fn by_form_field(found: &FieldErrors) -> FieldErrors {
    let mut merged: Vec<(&str, String)> = Vec::new();
    for e in found.all() {
        let field = form_field(&e.field);
        match merged.iter_mut().find(|(f, _)| *f == field) {
            Some((_, message)) => {
                message.push('；');
                message.push_str(&e.message);
            }
            None => merged.push((field, e.message.clone())),
        }
    }
    let mut errors = FieldErrors::new();
    for (field, message) in merged {
        errors.add(field, message);
    }
    errors
}

/// Stores form `f` as a report by `actor` on `channel`: the arrival, or — refused, nothing
/// stored — every error by the form's field (the store's, and the form's own where the store
/// only saw the stand-in for a day count that is not a number).
pub(super) async fn store_report(
    state: &AppState,
    actor: &Actor,
    channel: Channel,
    f: &ReportForm,
) -> Result<Result<Arrival, FieldErrors>, AppError> {
    let mut parsed = FieldErrors::new();
    let overseas = parsed.check(optional_days("overseas_days", &f.overseas_days))?;
    let new = NewArrival {
        id_number: f.id_number.clone(),
        name: f.name.clone(),
        phone: f.phone.clone(),
        origin: f.origin.clone(),
        // days that are not a number: a value the store refuses, so that it still names every
        // other bad field (and, refusing, stores nothing)
        overseas_quarantined_days: overseas.unwrap_or(Some(i64::MIN)),
        travel: travel_lines(&f.travel),
        occupation: f.occupation.clone(),
        key_industry: f.key_industry.is_some(),
        arrival_date: f.arrival_date.clone(),
        destination: f.destination.clone(),
        node_code: Some(f.node_code.clone()),
        employer: f.employer.clone(),
    };
    let done = state
        .store
        .create_arrival(actor, channel, &new, crate::today())
        .await;
    let mut found = FieldErrors::new();
    let Some(a) = found.check(done)? else {
        let mut errors = FieldErrors::new();
        for e in by_form_field(&found).all() {
            // the number's own message, not the range the stand-in broke
            let message = parsed.get(&e.field).unwrap_or(&e.message);
            errors.add(&e.field, message);
        }
        for e in parsed.all() {
            if errors.get(&e.field).is_none() {
                errors.add(&e.field, e.message.clone());
            }
        }
        return Ok(Err(errors));
    };
    if !parsed.is_empty() {
        // cannot happen: the stand-in is out of range
        return Err(AppError::Internal(
            "report stored with a bad day count".into(),
        ));
    }
    Ok(Ok(a))
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
        return form_page(
            &state,
            StatusCode::FORBIDDEN,
            f,
            Some(msg),
            FieldErrors::new(),
        )
        .await;
    }
    let actor = Actor::public_reporter(&ip.to_string());
    let a = match store_report(&state, &actor, Channel::Public, &f).await? {
        Ok(a) => a,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return form_page(&state, status, f, None, errors).await;
        }
    };
    Ok(render(&DonePage {
        ft: &super::TEXTS,
        t: &ZH,
        id: a.id,
        name: a.name,
        arrival_date: a.arrival_date,
        node_name: a.node_name,
        late: a.late,
        plan: a.plan,
    })?
    .into_response())
}
