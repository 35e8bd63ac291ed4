//! 代为登记: staff register an arrival for someone who cannot use the public form (no phone, an
//! elderly person at the gate) — the public form's fields and region picker inside the staff
//! layout, destinations limited to the caller's subtree (the store checks it again), recorded
//! with the staff channel and the staff member as its author. A refused form comes back with
//! every error beside its field and what was typed kept; an accepted one opens the report.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use wangge_domain::policy::KeyIndustry;
use wangge_store::{Channel, GridNode};

use super::report::{form_context, store_report, ReportForm};
use crate::auth::PageUser;
use crate::error::PageResult;
use crate::form::{CsrfForm, FieldErrors};
use crate::pages::{render, Layout};
use crate::permission::{ArrivalHandler, PageAllowed};
use crate::AppState;

#[derive(Template)]
#[template(path = "arrivals/new.html")]
struct NewPage {
    l: Layout,
    ft: &'static super::ArrivalsTexts,
    form: ReportForm,
    errors: FieldErrors,
    /// The communities and grids of the caller's subtree.
    nodes: Vec<GridNode>,
    industries: Vec<KeyIndustry>,
    today: chrono::NaiveDate,
    travel_example: String,
}

async fn page(
    state: &AppState,
    user: PageUser,
    status: StatusCode,
    form: ReportForm,
    errors: FieldErrors,
) -> PageResult<Response> {
    let nodes = state.store.destinations(&user.user.actor()).await?;
    let (industries, today, travel_example) = form_context(state).await?;
    let page = NewPage {
        l: Layout::new(user, "arrivals"),
        ft: &super::TEXTS,
        form,
        errors,
        nodes,
        industries,
        today,
        travel_example,
    };
    Ok((status, render(&page)?).into_response())
}

/// The empty form.
pub async fn form(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
) -> PageResult<Response> {
    let form = ReportForm::default();
    page(&state, user, StatusCode::OK, form, FieldErrors::new()).await
}

/// Registers the report (channel 工作人员代为登记) and opens it; a refusal is the form again.
pub async fn create(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    CsrfForm(f): CsrfForm<ReportForm>,
) -> PageResult<Response> {
    let actor = user.user.actor();
    match store_report(&state, &actor, Channel::Staff, &f).await? {
        Ok(a) => Ok(Redirect::to(&format!("/arrivals/{}", a.id)).into_response()),
        Err(errors) => page(&state, user, StatusCode::UNPROCESSABLE_ENTITY, f, errors).await,
    }
}
