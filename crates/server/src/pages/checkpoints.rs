//! 卡口 pages: the checkpoints of the user's subtree (managers add and close them), one
//! checkpoint's hourly counts, scans and alerts, and the live alert list.

use crate::params::{PageId, PageQuery};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, DurationRound, TimeDelta, Utc};
use serde::Deserialize;
use wangge_domain::checkpoint::CheckpointKind;
use wangge_store::checkpoints::{
    Alert, AlertFilter, Checkpoint, CheckpointChange, HourCount, NewCheckpoint, ScanRecord,
};
use wangge_store::{GridNode, StoredIdNumber};

use super::{render, Layout, PageForm};
use crate::auth::PageUser;
use crate::error::{AppError, PageResult};
use crate::permission::{CheckpointManager, CheckpointViewer, PageAllowed};
use crate::timefmt;
use crate::AppState;

#[derive(Template)]
#[template(path = "checkpoints.html")]
struct ListPage {
    l: Layout,
    checkpoints: Vec<Checkpoint>,
    nodes: Vec<GridNode>,
    kinds: [CheckpointKind; 6],
    can_manage: bool,
    open_alerts: usize,
}

pub async fn list(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<CheckpointViewer>,
) -> PageResult<Response> {
    let actor = user.user.actor();
    let checkpoints = state.store.list_checkpoints(&actor).await?;
    let can_manage = user.user.role.manages_checkpoints();
    let nodes = if can_manage {
        state.store.list_grid(&actor).await?
    } else {
        Vec::new()
    };
    let open_alerts = state
        .store
        .list_alerts(
            &actor,
            &AlertFilter {
                open_only: true,
                limit: 500,
                ..Default::default()
            },
        )
        .await?
        .len();
    Ok(render(&ListPage {
        l: Layout::new(user, "checkpoints"),
        checkpoints,
        nodes,
        kinds: CheckpointKind::ALL,
        can_manage,
        open_alerts,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct NewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    node_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    location: String,
}

pub async fn create(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<CheckpointManager>,
    PageForm(f): PageForm<NewForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    let kind = f
        .kind
        .parse()
        .map_err(|e: wangge_domain::checkpoint::ScanError| {
            AppError::invalid("kind", e.to_string())
        })?;
    let cp = state
        .store
        .create_checkpoint(
            &user.user.actor(),
            &NewCheckpoint {
                node_code: f.node_code,
                name: f.name,
                kind,
                location: f.location,
            },
        )
        .await?;
    Ok(Redirect::to(&format!("/checkpoints/{}", cp.id)).into_response())
}

#[derive(Template)]
#[template(path = "checkpoint.html")]
struct ShowPage {
    l: Layout,
    cp: Checkpoint,
    hours: Vec<(String, HourCount)>,
    scans: Vec<ScanRecord>,
    alerts: Vec<Alert>,
    kinds: [CheckpointKind; 6],
    can_manage: bool,
    total_scans: i64,
    total_alerts: i64,
}

impl ShowPage {
    fn when(&self, s: &ScanRecord) -> String {
        timefmt::local(&s.scanned_at)
    }

    fn masked(&self, s: &ScanRecord) -> String {
        s.id_number
            .as_ref()
            .map(StoredIdNumber::masked)
            .unwrap_or_default()
    }

    fn alert_time(&self, a: &Alert) -> String {
        timefmt::local(&a.created_at)
    }
}

pub async fn show(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<CheckpointViewer>,
    PageId(id): PageId,
) -> PageResult<Response> {
    let actor = user.user.actor();
    let cp = state.store.checkpoint(&actor, id).await?;
    let end = Utc::now()
        .duration_trunc(TimeDelta::hours(1))
        .unwrap_or_else(|_| Utc::now())
        + Duration::hours(1);
    let hours: Vec<(String, HourCount)> = state
        .store
        .checkpoint_hours(&actor, id, end - Duration::hours(24), end)
        .await?
        .into_iter()
        .map(|h| (timefmt::local(&h.hour), h))
        .collect();
    let total_scans = hours.iter().map(|(_, h)| h.scans).sum();
    let total_alerts = hours.iter().map(|(_, h)| h.alerts).sum();
    let scans = state.store.recent_scans(&actor, id, 20).await?;
    let alerts = state
        .store
        .list_alerts(
            &actor,
            &AlertFilter {
                checkpoint_id: Some(id),
                limit: 20,
                ..Default::default()
            },
        )
        .await?;
    let can_manage = user.user.role.manages_checkpoints();
    Ok(render(&ShowPage {
        l: Layout::new(user, "checkpoints"),
        cp,
        hours,
        scans,
        alerts,
        kinds: CheckpointKind::ALL,
        can_manage,
        total_scans,
        total_alerts,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    active: String,
}

pub async fn update(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
    PageForm(f): PageForm<ChangeForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    let kind = match f.kind.trim() {
        "" => None,
        k => Some(
            k.parse()
                .map_err(|e: wangge_domain::checkpoint::ScanError| {
                    AppError::invalid("kind", e.to_string())
                })?,
        ),
    };
    let change = CheckpointChange {
        name: Some(f.name).filter(|n| !n.trim().is_empty()),
        kind,
        location: Some(f.location),
        active: Some(f.active == "1"),
    };
    state
        .store
        .update_checkpoint(&user.user.actor(), id, &change)
        .await?;
    state.caches.targets.clear();
    Ok(Redirect::to(&format!("/checkpoints/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    l: Layout,
    alerts: Vec<Alert>,
    open_only: bool,
    next_before: Option<i64>,
}

impl AlertsPage {
    fn alert_time(&self, a: &Alert) -> String {
        timefmt::local(&a.created_at)
    }
}

#[derive(Deserialize)]
pub struct AlertsQuery {
    #[serde(default)]
    open: Option<u8>,
    before: Option<i64>,
}

/// Newest alerts first; a small script adds new ones as they arrive (server-sent events).
pub async fn alerts(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<CheckpointViewer>,
    PageQuery(q): PageQuery<AlertsQuery>,
) -> PageResult<Response> {
    const LIMIT: i64 = 100;
    let open_only = q.open == Some(1);
    let alerts = state
        .store
        .list_alerts(
            &user.user.actor(),
            &AlertFilter {
                open_only,
                before_id: crate::params::opt_id("before", q.before)?,
                limit: LIMIT,
                ..Default::default()
            },
        )
        .await?;
    let next_before = (alerts.len() as i64 == LIMIT)
        .then(|| alerts.last().map(|a| a.id))
        .flatten();
    Ok(render(&AlertsPage {
        l: Layout::new(user, "checkpoints"),
        alerts,
        open_only,
        next_before,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn handle(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    state.store.handle_alert(&user.user.actor(), id).await?;
    Ok(Redirect::to("/checkpoints/alerts").into_response())
}
