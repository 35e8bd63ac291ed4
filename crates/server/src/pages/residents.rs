//! 常住人口: the resident register of the user's subtree. ID numbers are masked; showing one in
//! full is an audited act.

use crate::params::{PageId, PageQuery};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_store::IdNumberOf;
use wangge_store::{
    GridNode, NewResident, QualityIssue, Resident, ResidentMove, ResidentRegistration,
};

use super::{render, Layout, PageForm};
use crate::error::{AppError, PageResult};
use crate::permission::{PageAllowed, ResidentHandler};
use crate::AppState;

const PAGE_SIZE: i64 = 50;

#[derive(Template)]
#[template(path = "residents.html")]
struct ResidentsPage {
    l: Layout,
    residents: Vec<Resident>,
    grids: Vec<GridNode>,
    next_after: Option<i64>,
    moves: Vec<ResidentMove>,
    /// a move request was just sent
    requested: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    after: i64,
    #[serde(default)]
    requested: Option<u8>,
}

pub async fn list(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ResidentHandler>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let actor = user.user.actor();
    let residents = state
        .store
        .list_residents(&actor, crate::params::after("after", q.after)?, PAGE_SIZE)
        .await?;
    let next_after = (residents.len() as i64 == PAGE_SIZE)
        .then(|| residents.last().map(|r| r.id))
        .flatten();
    let grids = state
        .store
        .list_grid(&actor)
        .await?
        .into_iter()
        .filter(|n| n.level == wangge_domain::grid::Level::Grid)
        .collect();
    let moves = state
        .store
        .list_resident_moves(&user.user.actor(), true)
        .await?;
    Ok(render(&ResidentsPage {
        l: Layout::new(user, "residents"),
        residents,
        grids,
        next_after,
        moves,
        requested: q.requested == Some(1),
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "resident.html")]
struct ResidentPage {
    l: Layout,
    r: Resident,
    id_shown: String,
    revealed: bool,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    reveal: Option<u8>,
}

pub async fn show(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ResidentHandler>,
    PageId(id): PageId,
    PageQuery(q): PageQuery<ShowQuery>,
) -> PageResult<Response> {
    let r = state.store.resident_by_id(&user.user.actor(), id).await?;
    let revealed = q.reveal == Some(1);
    let of = IdNumberOf::Resident(r.id);
    let actor = user.user.actor();
    let id_shown = crate::reveal::shown(&state, &actor, revealed, of, &r.id_number).await?;
    Ok(render(&ResidentPage {
        l: Layout::new(user, "residents"),
        r,
        id_shown,
        revealed,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct NewResidentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    node_code: String,
    #[serde(default)]
    address: String,
}

pub async fn create(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ResidentHandler>,
    PageForm(form): PageForm<NewResidentForm>,
) -> PageResult<Response> {
    user.check_csrf(&form.csrf)?;
    // the register's store function (people.rs) is being reworked; until it applies the text
    // rules itself, the form applies them here so an over-long value never reaches SQL
    use wangge_domain::validate::text;
    let new = NewResident {
        id_number: text::bounded("id_number", "身份证号", &form.id_number, text::CODE_MAX)
            .map_err(AppError::from)?,
        name: text::bounded("name", "姓名", &form.name, text::NAME_MAX).map_err(AppError::from)?,
        phone: text::optional("phone", "手机号", Some(&form.phone), text::CODE_MAX)
            .map_err(AppError::from)?,
        node_code: form.node_code.trim().to_string(),
        address: text::bounded("address", "住址", &form.address, text::ADDRESS_MAX)
            .map_err(AppError::from)?,
    };
    let to = match state
        .store
        .create_resident(&user.user.actor(), &new)
        .await?
    {
        ResidentRegistration::Registered(r) => format!("/residents/{}", r.id),
        ResidentRegistration::MoveRequested(_) => "/residents?requested=1#moves".to_string(),
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    /// confirm or reject
    #[serde(default)]
    decision: String,
}

/// 确认迁入 / 不同意, from the list's pending requests.
pub async fn decide_move(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ResidentHandler>,
    PageId(id): PageId,
    PageForm(form): PageForm<DecisionForm>,
) -> PageResult<Response> {
    user.check_csrf(&form.csrf)?;
    let confirm = match form.decision.as_str() {
        "confirm" => true,
        "reject" => false,
        _ => {
            return Err(
                crate::error::AppError::invalid("decision", "请选择确认迁入或不同意").into(),
            )
        }
    };
    state
        .store
        .decide_resident_move(&user.user.actor(), id, confirm)
        .await?;
    Ok(Redirect::to("/residents#moves").into_response())
}

#[derive(Template)]
#[template(path = "data_quality.html")]
struct QualityPage {
    l: Layout,
    issues: Vec<QualityIssue>,
    limit: usize,
}

/// 数据质量: people whose records in scope disagree.
pub async fn quality(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ResidentHandler>,
) -> PageResult<Response> {
    let issues = state.store.quality_issues(&user.user.actor()).await?;
    Ok(render(&QualityPage {
        l: Layout::new(user, "residents"),
        issues,
        limit: wangge_store::QUALITY_LIMIT,
    })?
    .into_response())
}
