//! 卡口 pages: the checkpoints of the user's subtree (managers add and close them), one
//! checkpoint's hourly counts, scans (newest first) and alerts, the live alert list, and one
//! alert with its person and its handling (处置) form. A bad add, change or handling form comes
//! back as the same page (422) with each error beside its field and what was typed kept.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, DurationRound, TimeDelta, Utc};
use serde::Deserialize;
use wangge_domain::checkpoint::{AlertOutcome, CheckpointKind, CodeColour, Direction, ScanError};
use wangge_store::checkpoints::{
    Alert, AlertFilter, Checkpoint, CheckpointChange, HourCount, NewCheckpoint, PersonLink,
    ScanRecord,
};
use wangge_store::{GridNode, StoreError, StoredIdNumber};

use super::{CheckpointTexts, TEXTS};
use crate::auth::PageUser;
use crate::error::{AppError, PageResult};
use crate::export::{self, col, download, ExportFormat, Page, Rows, Sheet};
use crate::form::{invalid, CsrfForm, FieldErrors};
use crate::i18n::ZH;
use crate::pages::{render, Layout};
use crate::params::{PageId, PageQuery};
use crate::permission::{CheckpointManager, CheckpointViewer, PageAllowed};
use crate::timefmt;
use crate::AppState;

#[derive(Template)]
#[template(path = "checkpoints/list.html")]
struct ListPage {
    l: Layout,
    ct: &'static CheckpointTexts,
    checkpoints: Vec<Checkpoint>,
    nodes: Vec<GridNode>,
    kinds: [CheckpointKind; 6],
    can_manage: bool,
    open_alerts: i64,
    /// The add form: empty, or as typed when it had errors.
    form: NewForm,
    errors: FieldErrors,
}

impl ListPage {
    async fn new(state: &AppState, user: PageUser) -> PageResult<Self> {
        let actor = user.user.actor();
        let checkpoints = state.store.list_checkpoints(&actor).await?;
        let can_manage = user.user.role.manages_checkpoints();
        let nodes = if can_manage {
            state.store.list_grid(&actor).await?
        } else {
            Vec::new()
        };
        let open_alerts = state.store.count_open_alerts(&actor).await?;
        Ok(ListPage {
            l: Layout::new(user, "checkpoints"),
            ct: &TEXTS,
            checkpoints,
            nodes,
            kinds: CheckpointKind::ALL,
            can_manage,
            open_alerts,
            form: NewForm::default(),
            errors: FieldErrors::new(),
        })
    }
}

pub async fn list(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<CheckpointViewer>,
) -> PageResult<Response> {
    Ok(render(&ListPage::new(&state, user).await?)?.into_response())
}

/// The add form, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewForm {
    node_code: String,
    name: String,
    kind: String,
    location: String,
}

/// A kind as the form's select sends it.
fn kind_of(text: &str) -> Result<CheckpointKind, AppError> {
    text.parse()
        .map_err(|e: ScanError| AppError::invalid("kind", e.to_string()))
}

pub async fn create(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<CheckpointManager>,
    CsrfForm(f): CsrfForm<NewForm>,
) -> PageResult<Response> {
    let mut errors = FieldErrors::new();
    if let Some(kind) = errors.check(kind_of(&f.kind))? {
        let new = NewCheckpoint {
            node_code: f.node_code.clone(),
            name: f.name.clone(),
            kind,
            location: f.location.clone(),
        };
        match state
            .store
            .create_checkpoint(&user.user.actor(), &new)
            .await
        {
            Ok(cp) => return Ok(Redirect::to(&format!("/checkpoints/{}", cp.id)).into_response()),
            Err(e) => errors.absorb(e)?,
        }
    }
    let mut page = ListPage::new(&state, user).await?;
    page.form = f;
    page.errors = errors;
    invalid(&page)
}

#[derive(Template)]
#[template(path = "checkpoints/show.html")]
struct ShowPage {
    l: Layout,
    ct: &'static CheckpointTexts,
    cp: Checkpoint,
    hours: Vec<(String, HourCount)>,
    scans: Vec<ScanRecord>,
    alerts: Vec<Alert>,
    kinds: [CheckpointKind; 6],
    can_manage: bool,
    total_scans: i64,
    total_alerts: i64,
    /// The change form: the checkpoint as stored, or as typed when it had errors.
    form: ChangeForm,
    errors: FieldErrors,
}

impl ShowPage {
    fn export_href(&self) -> String {
        format!("/checkpoints/{}/scans/export?", self.cp.id)
    }

    async fn new(state: &AppState, user: PageUser, id: i64) -> PageResult<Self> {
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
        // (24 rows at most: the day's totals are summed here)
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
        Ok(ShowPage {
            l: Layout::new(user, "checkpoints"),
            ct: &TEXTS,
            form: ChangeForm::of(&cp),
            cp,
            hours,
            scans,
            alerts,
            kinds: CheckpointKind::ALL,
            can_manage,
            total_scans,
            total_alerts,
            errors: FieldErrors::new(),
        })
    }

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

    /// 进 or 出.
    fn direction(&self, s: &ScanRecord) -> String {
        direction_label(&s.direction)
    }

    /// 绿码, 黄码, 红码.
    fn colour(&self, s: &ScanRecord) -> String {
        colour_label(&s.code_colour)
    }

    fn temperature(&self, t: &Option<f64>) -> String {
        celsius(*t)
    }
}

pub async fn show(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<CheckpointViewer>,
    PageId(id): PageId,
) -> PageResult<Response> {
    Ok(render(&ShowPage::new(&state, user, id).await?)?.into_response())
}

/// The change form, as typed: an empty name or kind keeps the stored one; `active` is `1`
/// (启用) or anything else (已关闭).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    name: String,
    kind: String,
    location: String,
    active: String,
}

impl ChangeForm {
    fn of(cp: &Checkpoint) -> Self {
        ChangeForm {
            name: cp.name.clone(),
            kind: cp.kind.as_str().to_string(),
            location: cp.location.clone(),
            active: if cp.active { "1" } else { "0" }.to_string(),
        }
    }
}

pub async fn update(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
    CsrfForm(f): CsrfForm<ChangeForm>,
) -> PageResult<Response> {
    let mut errors = FieldErrors::new();
    let kind = match f.kind.trim() {
        "" => Some(None),
        k => errors.check(kind_of(k))?.map(Some),
    };
    if let Some(kind) = kind {
        let change = CheckpointChange {
            name: Some(f.name.clone()).filter(|n| !n.trim().is_empty()),
            kind,
            location: Some(f.location.clone()),
            active: Some(f.active == "1"),
        };
        match state
            .store
            .update_checkpoint(&user.user.actor(), id, &change)
            .await
        {
            Ok(_) => {
                state.caches.targets.clear();
                return Ok(Redirect::to(&format!("/checkpoints/{id}")).into_response());
            }
            Err(e) => errors.absorb(e)?,
        }
    }
    let mut page = ShowPage::new(&state, user, id).await?;
    page.form = f;
    page.errors = errors;
    invalid(&page)
}

#[derive(Template)]
#[template(path = "checkpoints/alerts.html")]
struct AlertsPage {
    l: Layout,
    ct: &'static CheckpointTexts,
    alerts: Vec<Alert>,
    open_only: bool,
    next_before: Option<i64>,
}

impl AlertsPage {
    fn export_href(&self) -> String {
        let open = if self.open_only { "1" } else { "" };
        export::href("/checkpoints/alerts/export", &[("open", open)])
    }

    fn alert_time(&self, a: &Alert) -> String {
        timefmt::local(&a.created_at)
    }

    fn href(&self, l: &PersonLink) -> String {
        super::record_href(l)
    }

    fn temperature(&self, t: &Option<f64>) -> String {
        celsius(*t)
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
        ct: &TEXTS,
        alerts,
        open_only,
        next_before,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "checkpoints/alert.html")]
struct AlertPage {
    l: Layout,
    ct: &'static CheckpointTexts,
    a: Alert,
    outcomes: [AlertOutcome; 5],
    /// The handling form: empty, or as typed when it had errors.
    form: HandleForm,
    errors: FieldErrors,
}

impl AlertPage {
    async fn new(state: &AppState, user: PageUser, id: i64) -> PageResult<Self> {
        let a = state.store.alert(&user.user.actor(), id).await?;
        Ok(AlertPage {
            l: Layout::new(user, "checkpoints"),
            ct: &TEXTS,
            a,
            outcomes: AlertOutcome::ALL,
            form: HandleForm::default(),
            errors: FieldErrors::new(),
        })
    }

    fn time(&self) -> String {
        timefmt::local(&self.a.created_at)
    }

    fn handled_time(&self) -> String {
        timefmt::local_opt(&self.a.handled_at)
    }

    fn href(&self, l: &PersonLink) -> String {
        super::record_href(l)
    }

    fn colour(&self) -> String {
        colour_label(&self.a.code_colour)
    }

    fn temperature(&self) -> String {
        celsius(self.a.temperature)
    }
}

/// One alert: what was scanned, the person as far as the viewer may know them, and the
/// handling form (or how it was handled).
pub async fn alert(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<CheckpointViewer>,
    PageId(id): PageId,
) -> PageResult<Response> {
    Ok(render(&AlertPage::new(&state, user, id).await?)?.into_response())
}

/// The handling form, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HandleForm {
    outcome: String,
    note: String,
}

/// 处置: a bad form comes back with the errors beside the fields (422); an alert handled
/// already is a conflict (409) saying by whom.
pub async fn handle(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<CheckpointViewer>,
    PageId(id): PageId,
    CsrfForm(f): CsrfForm<HandleForm>,
) -> PageResult<Response> {
    let mut errors = FieldErrors::new();
    match state
        .store
        .handle_alert(&user.user.actor(), id, &f.outcome, &f.note)
        .await
    {
        Ok(_) => return Ok(Redirect::to("/checkpoints/alerts").into_response()),
        Err(e @ StoreError::Conflict { .. }) => return Err(e.into()),
        Err(e) => errors.absorb(e)?,
    }
    let mut page = AlertPage::new(&state, user, id).await?;
    page.form = f;
    page.errors = errors;
    invalid(&page)
}

/// 方向 in words (进/出); a value the rules do not know stays as stored.
fn direction_label(direction: &str) -> String {
    direction
        .parse::<Direction>()
        .map_or_else(|_| direction.to_string(), |d| d.label_zh().to_string())
}

/// 36.5℃, or nothing.
fn celsius(t: Option<f64>) -> String {
    t.map(|t| format!("{t:.1}℃")).unwrap_or_default()
}

/// 健康码 as the people at a gate say it (绿码 …); a colour the rules do not know stays as stored.
fn colour_label(colour: &Option<String>) -> String {
    colour
        .as_deref()
        .map(|c| {
            c.parse::<CodeColour>()
                .map_or_else(|_| c.to_string(), |c| c.label_zh().to_string())
        })
        .unwrap_or_default()
}

fn temperature(t: Option<f64>) -> String {
    t.map(|t| format!("{t:.1}")).unwrap_or_default()
}

/// The alerts of the page (`open=1`: only those not handled), newest first, as XLSX or CSV.
pub async fn export_alerts(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<CheckpointViewer>,
    PageQuery(q): PageQuery<AlertsQuery>,
    ExportFormat { format, reveal }: ExportFormat,
) -> PageResult<Response> {
    let ct = &TEXTS;
    let open_only = q.open == Some(1);
    let today = crate::today();
    let mut sheet = Sheet {
        file_name: format!("{}-{today}", ct.alerts_title),
        ascii_name: format!("alerts-{today}"),
        sheet_name: ct.alerts_title,
        title: export::titled(
            ct.alerts_title,
            &[(
                ct.status,
                if open_only { ct.open_alerts } else { "" }.to_string(),
            )],
        ),
        columns: vec![
            col(ct.time, 17),
            col(ct.checkpoint, 20),
            col(ct.reasons, 20),
            col(ZH.id_number, 20),
            col(ct.person_name, 10),
            col(ct.plate, 10),
            col(ct.temperature, 6),
            col(ct.code_colour, 6),
            col(ct.status, 8),
            col(ct.outcome, 8),
            col(ct.note, 30),
            col(ct.handled_by, 10),
            col(ct.handled_at, 17),
        ],
        id_numbers: None,
    };
    let ids = export::id_numbers(&state, &user.user, reveal, format, &mut sheet).await?;
    let (store, actor) = (state.store.clone(), user.user.actor());
    let rows = Rows::paged(move |before, size| {
        let (store, actor) = (store.clone(), actor.clone());
        let filter = AlertFilter {
            open_only,
            before_id: before,
            limit: size,
            ..Default::default()
        };
        async move {
            let alerts = store.list_alerts(&actor, &filter).await?;
            Ok(Page::of(
                alerts,
                size,
                |a| a.id,
                |a| {
                    vec![
                        timefmt::local(&a.created_at),
                        a.checkpoint_name.clone(),
                        a.reason_labels(),
                        ids.show_opt(a.id_number.as_ref()),
                        // the name only from records the exporter may open (the store's rule)
                        a.person_name().unwrap_or_default(),
                        a.plate.clone().unwrap_or_default(),
                        temperature(a.temperature),
                        colour_label(&a.code_colour),
                        if a.handled_at.is_some() {
                            ct.handled
                        } else {
                            ct.not_handled
                        }
                        .to_string(),
                        a.outcome_label().to_string(),
                        a.note.clone().unwrap_or_default(),
                        a.handled_by.clone().unwrap_or_default(),
                        timefmt::local_opt(&a.handled_at),
                    ]
                },
            ))
        }
    });
    download(&state, &user.user, format, sheet, rows).await
}

/// A checkpoint's scans, newest first, as XLSX or CSV.
pub async fn export_scans(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<CheckpointViewer>,
    PageId(id): PageId,
    ExportFormat { format, reveal }: ExportFormat,
) -> PageResult<Response> {
    let ct = &TEXTS;
    let actor = user.user.actor();
    let cp = state.store.checkpoint(&actor, id).await?;
    let today = crate::today();
    let mut sheet = Sheet {
        file_name: format!("{}-{}-{today}", ct.scans, cp.name),
        ascii_name: format!("checkpoint-{}-scans-{today}", cp.id),
        sheet_name: ct.scans,
        title: format!("{} · {}", cp.name, ct.scans),
        columns: vec![
            col(ct.time, 17),
            col(ZH.id_number, 20),
            col(ct.plate, 10),
            col(ct.temperature, 6),
            col(ct.direction, 6),
            col(ct.code_colour, 6),
        ],
        id_numbers: None,
    };
    let ids = export::id_numbers(&state, &user.user, reveal, format, &mut sheet).await?;
    let store = state.store.clone();
    let rows = Rows::paged(move |before, size| {
        let (store, actor) = (store.clone(), actor.clone());
        async move {
            let scans = store.scans_before(&actor, id, before, size).await?;
            Ok(Page::of(
                scans,
                size,
                |s| s.id,
                |s| {
                    vec![
                        timefmt::local(&s.scanned_at),
                        ids.show_opt(s.id_number.as_ref()),
                        s.plate.clone().unwrap_or_default(),
                        temperature(s.temperature),
                        direction_label(&s.direction),
                        colour_label(&s.code_colour),
                    ]
                },
            ))
        }
    });
    download(&state, &user.user, format, sheet, rows).await
}
