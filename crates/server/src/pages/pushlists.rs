//! 推送核查 pages: the 见底清零 dashboard with drill-down, the worker's list (overdue
//! highlighted), one person's record with the verification steps, the upload with progress,
//! and the address → grid table.

use crate::params::{PageId, PageQuery};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use wangge_domain::grid::Level;
use wangge_domain::pushlist::state::allowed;
use wangge_domain::pushlist::{PushState, Verification};
use wangge_store::pushlist::dashboard::RowPlace;
use wangge_store::pushlist::{
    error_report_csv, AddressRule, BatchTotals, Dashboard, ItemView, PushImport, PushItem,
    PushItemFilter,
};
use wangge_store::GridNode;
use wangge_store::IdNumberOf;

use super::{render, Layout, PageForm};
use crate::auth::PageUser;
use crate::error::{AppError, PageResult};
use crate::form::CsrfMultipart;
use crate::jobs::JobState;
use crate::permission::{PageAllowed, PushImporter, PushViewer};
use crate::timefmt;
use crate::AppState;

const PAGE_SIZE: i64 = 100;

#[derive(Template)]
#[template(path = "pushlists.html")]
struct DashboardPage {
    l: Layout,
    batches: Vec<BatchTotals>,
    batch: Option<i64>,
    dash: Dashboard,
    crumbs: Vec<GridNode>,
    can_import: bool,
    due_hours: i64,
}

impl DashboardPage {
    fn is_current(&self, b: &BatchTotals) -> bool {
        self.batch == Some(b.batch.id)
    }

    fn when(&self, b: &BatchTotals) -> String {
        timefmt::local(&b.batch.created_at)
    }

    fn batch_query(&self) -> String {
        self.batch
            .map(|b| format!("batch={b}&"))
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
pub struct DashboardQuery {
    batch: Option<i64>,
    node: Option<String>,
}

/// 见底清零: batches with their counts, and one node's children (leaders drill down).
pub async fn dashboard(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushViewer>,
    PageQuery(q): PageQuery<DashboardQuery>,
) -> PageResult<Response> {
    let actor = user.user.actor();
    let now = wangge_store::now();
    let node = crate::api::pushlists::dashboard_node(&state, &user.user, q.node.as_deref()).await?;
    let dash = state
        .store
        .push_dashboard(&actor, &node, crate::params::opt_id("batch", q.batch)?, now)
        .await?;
    let batches = state.store.list_push_batches(&actor, now).await?;
    let crumbs = state.store.grid_ancestors(&actor, &node).await?;
    let can_import = user.user.role.imports_push_lists();
    let due_hours = state.config.push_due_hours;
    Ok(render(&DashboardPage {
        l: Layout::new(user, "pushlists"),
        batches,
        batch: q.batch,
        dash,
        crumbs,
        can_import,
        due_hours,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "push_items.html")]
struct ItemsPage {
    l: Layout,
    items: Vec<PushItem>,
    now: DateTime<Utc>,
    view: ItemView,
    batch: Option<i64>,
    node: Option<GridNode>,
    next_after: Option<i64>,
    can_place: bool,
}

impl ItemsPage {
    fn query(&self, view: &str) -> String {
        let mut q = format!("view={view}");
        if let Some(b) = self.batch {
            q.push_str(&format!("&batch={b}"));
        }
        if let Some(n) = &self.node {
            q.push_str(&format!("&node={}", n.code));
        }
        q
    }

    fn tabs(&self) -> Vec<(&'static str, &'static str)> {
        let t = self.l.t.push;
        vec![
            ("open", t.view_open),
            ("overdue", t.view_overdue),
            ("verified", t.view_verified),
            ("all", t.view_all),
        ]
    }

    fn due(&self, i: &PushItem) -> String {
        timefmt::local(&i.due_at)
    }

    fn arrived(&self, i: &PushItem) -> String {
        timefmt::naive(&i.arrived_at)
    }

    fn current(&self) -> &'static str {
        match self.view {
            ItemView::Open => "open",
            ItemView::Overdue => "overdue",
            ItemView::Verified => "verified",
            ItemView::All => "all",
            ItemView::Unassigned => "unassigned",
        }
    }
}

#[derive(Deserialize)]
pub struct ItemsQuery {
    batch: Option<i64>,
    #[serde(default)]
    view: ItemView,
    node: Option<String>,
    #[serde(default)]
    after: i64,
}

/// The people to trace, oldest first; overdue rows are marked.
pub async fn items(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushViewer>,
    PageQuery(q): PageQuery<ItemsQuery>,
) -> PageResult<Response> {
    let actor = user.user.actor();
    let node = match q.node.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(state.store.grid_node_by_code(&actor, code).await?),
        None => None,
    };
    let now = wangge_store::now();
    let filter = PushItemFilter {
        batch_id: crate::params::opt_id("batch", q.batch)?,
        view: q.view,
        node_path: node.as_ref().map(|n| n.path.clone()),
        after_id: crate::params::after("after", q.after)?,
        limit: PAGE_SIZE,
    };
    let items = state
        .store
        .list_push_items(&user.user.actor(), &filter, now)
        .await?;
    let next_after = (items.len() as i64 == PAGE_SIZE)
        .then(|| items.last().map(|i| i.id))
        .flatten();
    let can_place = user.user.role.places_push_items();
    Ok(render(&ItemsPage {
        l: Layout::new(user, "pushlists"),
        items,
        now,
        view: q.view,
        batch: q.batch,
        node,
        next_after,
        can_place,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "push_item.html")]
struct ItemPage {
    l: Layout,
    i: PushItem,
    id_shown: String,
    revealed: bool,
    overdue: bool,
    merges: Vec<(String, i64)>,
    next: Vec<PushState>,
    places: Vec<GridNode>,
}

impl ItemPage {
    fn arrived(&self) -> String {
        timefmt::naive(&self.i.arrived_at)
    }

    fn due(&self) -> String {
        timefmt::local(&self.i.due_at)
    }

    fn verified(&self) -> String {
        timefmt::local_opt(&self.i.verified_at)
    }

    fn offers(&self, s: &str) -> bool {
        self.next.iter().any(|n| n.as_str() == s)
    }
}

#[derive(Deserialize)]
pub struct ShowQuery {
    reveal: Option<u8>,
}

pub async fn item(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushViewer>,
    PageId(id): PageId,
    PageQuery(q): PageQuery<ShowQuery>,
) -> PageResult<Response> {
    let actor = user.user.actor();
    let i = state.store.push_item(&actor, id).await?;
    let revealed = q.reveal == Some(1);
    let of = IdNumberOf::PushItem(i.id);
    let id_shown = crate::reveal::shown(&state, &actor, revealed, of, &i.id_number).await?;
    let merges = state.store.push_item_merges(&actor, id).await?;
    let next = PushState::ALL
        .into_iter()
        .filter(|to| allowed(i.state, *to))
        .collect();
    // grids it can be placed in: below its current node, or anywhere in scope if unassigned
    let under = i
        .node_path
        .clone()
        .unwrap_or_else(|| user.user.node_path.clone());
    // a grid's path has four segments: district/township/community/grid/
    let at_grid = i
        .node_path
        .as_deref()
        .is_some_and(|p| p.matches('/').count() >= 4);
    let places = if at_grid {
        Vec::new()
    } else {
        state
            .store
            .list_grid(&user.user.actor())
            .await?
            .into_iter()
            .filter(|n| n.level == Level::Grid && n.path.starts_with(&under))
            .collect()
    };
    let overdue = i.is_overdue(wangge_store::now());
    Ok(render(&ItemPage {
        l: Layout::new(user, "pushlists"),
        i,
        id_shown,
        revealed,
        overdue,
        merges,
        next,
        places,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    arrival_id: String,
    #[serde(default)]
    destination: String,
    #[serde(default)]
    reason: String,
}

pub async fn verify(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushViewer>,
    PageId(id): PageId,
    PageForm(f): PageForm<VerifyForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    let v = match f.state.as_str() {
        "reached" => Verification::Reached,
        "measures_in_place" => Verification::MeasuresInPlace {
            measures: f.measures,
            arrival_id: match f.arrival_id.trim() {
                "" => None,
                s => Some(
                    wangge_domain::validate::number::parse_id("arrival_id", "来返报备编号", s)
                        .map_err(AppError::from)?,
                ),
            },
        },
        "left_district" => Verification::LeftDistrict {
            destination: f.destination,
        },
        "not_found" => Verification::NotFound { reason: f.reason },
        other => return Err(AppError::invalid("state", format!("未知核查状态“{other}”")).into()),
    };
    state
        .store
        .verify_push_item(&user.user.actor(), id, v)
        .await?;
    Ok(Redirect::to(&format!("/pushlists/items/{id}")).into_response())
}

#[derive(Deserialize)]
pub struct PlaceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    node_code: String,
}

pub async fn place(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushViewer>,
    PageId(id): PageId,
    PageForm(f): PageForm<PlaceForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    state
        .store
        .place_push_item(&user.user.actor(), id, &f.node_code)
        .await?;
    Ok(Redirect::to(&format!("/pushlists/items/{id}")).into_response())
}

/// Multipart upload (`csrf` first, then `name`, `due_hours`, `file`); the import runs in the
/// background and the browser is sent to its progress page. The file is streamed to disk.
pub async fn upload(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushImporter>,
    mut upload: CsrfMultipart,
) -> PageResult<Response> {
    let mut name = String::new();
    let mut due_hours = state.config.push_due_hours;
    let mut file = None;
    while let Some(field) = upload.next().await? {
        match field.name() {
            Some("name") => name = CsrfMultipart::text(field).await?,
            Some("due_hours") => {
                due_hours = CsrfMultipart::text(field)
                    .await?
                    .trim()
                    .parse()
                    .map_err(|_| AppError::invalid("due_hours", "核查时限应为整数小时"))?;
            }
            Some("file") => {
                let filename = field.file_name().unwrap_or("").to_string();
                let (path, _) = crate::upload::save(field).await?;
                file = Some((path, filename));
            }
            _ => {}
        }
    }
    let (path, filename) =
        file.ok_or_else(|| AppError::invalid("file", "请选择要上传的文件（CSV 或 XLSX）"))?;
    let name = if name.trim().is_empty() {
        filename
    } else {
        name
    };
    use wangge_domain::validate::text;
    let name = match text::bounded("name", "批次名称", &name, text::TITLE_MAX) {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            return Err(AppError::from(e).into());
        }
    };
    let id = state.jobs.start(
        state.store.clone(),
        user.user.actor(),
        path,
        PushImport { name, due_hours },
    );
    Ok(Redirect::to(&format!("/pushlists/jobs/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "push_job.html")]
struct JobPage {
    l: Layout,
    id: u64,
    name: String,
    percent: u32,
    rows: u64,
    job: JobState,
}

impl JobPage {
    fn running(&self) -> bool {
        matches!(self.job, JobState::Running)
    }
}

pub async fn job(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    // ids are ≥ 1, so the conversion cannot fail; jobs are numbered from 1
    let id = u64::try_from(id).map_err(|_| AppError::NotFound)?;
    let job = state
        .jobs
        .get(id, Some(user.user.id))
        .ok_or(AppError::NotFound)?;
    let page = JobPage {
        id,
        name: job.name.clone(),
        percent: job.percent(),
        rows: job.progress.rows.load(std::sync::atomic::Ordering::Relaxed),
        job: job.state(),
        l: Layout::new(user, "pushlists"),
    };
    Ok(render(&page)?.into_response())
}

/// Progress for the upload page's script: `{state, percent, rows, …}`.
pub async fn job_progress(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    // ids are ≥ 1, so the conversion cannot fail; jobs are numbered from 1
    let id = u64::try_from(id).map_err(|_| AppError::NotFound)?;
    let job = state
        .jobs
        .get(id, Some(user.user.id))
        .ok_or(AppError::NotFound)?;
    let mut body = serde_json::to_value(job.state()).unwrap_or_default();
    body["percent"] = job.percent().into();
    body["rows"] = job
        .progress
        .rows
        .load(std::sync::atomic::Ordering::Relaxed)
        .into();
    Ok(Json(body).into_response())
}

pub async fn errors_csv(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
) -> PageResult<Response> {
    let rows = state
        .store
        .push_batch_errors(&user.user.actor(), id)
        .await?;
    Ok(crate::api::pushlists::csv_download(
        &format!("batch-{id}-errors.csv"),
        error_report_csv(&rows),
    ))
}

#[derive(Template)]
#[template(path = "push_rules.html")]
struct RulesPage {
    l: Layout,
    rules: Vec<AddressRule>,
    grids: Vec<GridNode>,
    can_edit: bool,
}

pub async fn rules(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushViewer>,
) -> PageResult<Response> {
    let actor = user.user.actor();
    let rules = state.store.list_address_rules(&actor).await?;
    let can_edit = user.user.role.imports_push_lists();
    let grids = if can_edit {
        state
            .store
            .list_grid(&actor)
            .await?
            .into_iter()
            .filter(|n| n.level != Level::District)
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(&RulesPage {
        l: Layout::new(user, "pushlists"),
        rules,
        grids,
        can_edit,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    keyword: String,
    #[serde(default)]
    node_code: String,
}

pub async fn create_rule(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushImporter>,
    PageForm(f): PageForm<RuleForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    state
        .store
        .create_address_rule(&user.user.actor(), &f.keyword, &f.node_code)
        .await?;
    Ok(Redirect::to("/pushlists/rules").into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn delete_rule(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    state
        .store
        .delete_address_rule(&user.user.actor(), id)
        .await?;
    Ok(Redirect::to("/pushlists/rules").into_response())
}
