//! 推送核查 pages: the 见底清零 dashboard with drill-down, the worker's list (overdue
//! highlighted), one person's record with the verification steps, the upload with progress,
//! and the address → grid table. A bad form (a verification step, an address rule, an upload)
//! comes back as the same page (422) with each error beside its field and what was typed kept.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use wangge_domain::grid::Level;
use wangge_domain::pushlist::state::next_states;
use wangge_domain::pushlist::{PushState, Verification};
use wangge_store::pushlist::dashboard::RowPlace;
use wangge_store::pushlist::{
    AddressRule, BatchTotals, Dashboard, ItemView, PushImport, PushImportSummary, PushItem,
    PushItemFilter,
};
use wangge_store::{ExportIdNumbers, GridNode, IdNumberOf};

use super::{dashboard_node, errors_csv_download, PushTexts, TEXTS};
use crate::auth::PageUser;
use crate::error::{AppError, PageResult};
use crate::export::{self, col, download, ExportFormat, Page, Rows, Sheet};
use crate::form::{invalid, CsrfForm, CsrfMultipart, FieldErrors, NoFields};
use crate::i18n::ZH;
use crate::jobs::JobState;
use crate::pages::{render, Layout};
use crate::params::{PageId, PageQuery};
use crate::permission::{PageAllowed, PushImporter, PushPlacer, PushViewer};
use crate::search::SearchBox;
use crate::timefmt;
use crate::AppState;

const PAGE_SIZE: i64 = 100;

#[derive(Template)]
#[template(path = "pushlists/dashboard.html")]
struct DashboardPage {
    l: Layout,
    pt: &'static PushTexts,
    batches: Vec<BatchTotals>,
    batch: Option<i64>,
    dash: Dashboard,
    crumbs: Vec<GridNode>,
    can_import: bool,
    /// The upload form: the defaults, or as typed when it had errors.
    upload: UploadForm,
    errors: FieldErrors,
}

impl DashboardPage {
    async fn new(
        state: &AppState,
        user: PageUser,
        batch: Option<i64>,
        node: Option<&str>,
    ) -> PageResult<Self> {
        let actor = user.user.actor();
        let now = wangge_store::now();
        let node = dashboard_node(state, &user.user, node).await?;
        let dash = state
            .store
            .push_dashboard(&actor, &node, crate::params::opt_id("batch", batch)?, now)
            .await?;
        let batches = state.store.list_push_batches(&actor, now).await?;
        let crumbs = state.store.grid_ancestors(&actor, &node).await?;
        let can_import = user.user.role.imports_push_lists();
        Ok(DashboardPage {
            l: Layout::new(user, "pushlists"),
            pt: &TEXTS,
            batches,
            batch,
            dash,
            crumbs,
            can_import,
            upload: UploadForm {
                name: String::new(),
                due_hours: state.config.push_due_hours.to_string(),
            },
            errors: FieldErrors::new(),
        })
    }

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

/// The text fields of the upload form, as typed.
pub struct UploadForm {
    name: String,
    due_hours: String,
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
    let page = DashboardPage::new(&state, user, q.batch, q.node.as_deref()).await?;
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "pushlists/items.html")]
struct ItemsPage {
    l: Layout,
    pt: &'static PushTexts,
    items: Vec<PushItem>,
    now: DateTime<Utc>,
    view: ItemView,
    batch: Option<i64>,
    node: Option<GridNode>,
    sb: SearchBox,
    next_after: Option<i64>,
    can_place: bool,
    /// 批量分配: the grids to choose from (the unassigned view of a placer only)
    grids: Vec<GridNode>,
    /// the bulk placement form: the chosen grid and ticked rows, as sent
    place: PlaceManyForm,
    errors: FieldErrors,
    /// how many were just placed, and where
    placed: Option<(usize, String)>,
}

impl ItemsPage {
    fn query(&self, view: &str) -> String {
        let batch = self.batch.map(|b| b.to_string()).unwrap_or_default();
        let node = self.node.as_ref().map(|n| n.code.as_str()).unwrap_or("");
        let q = export::href(
            "",
            &[
                ("view", view),
                ("batch", &batch),
                ("node", node),
                ("q", &self.sb.q),
            ],
        );
        q.trim_start_matches('?').trim_end_matches('&').to_string()
    }

    fn tabs(&self) -> Vec<(&'static str, &'static str)> {
        let t = self.pt;
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

    /// 未核查, 超时 … : a view as its tab names it.
    fn view_label(view: ItemView) -> &'static str {
        let t = &TEXTS;
        match view {
            ItemView::Open => t.view_open,
            ItemView::Overdue => t.view_overdue,
            ItemView::Verified => t.view_verified,
            ItemView::All => t.view_all,
            ItemView::Unassigned => t.view_unassigned,
        }
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

#[derive(Deserialize, Default)]
pub struct ItemsQuery {
    batch: Option<i64>,
    #[serde(default)]
    view: ItemView,
    node: Option<String>,
    /// 查找: name or ID number
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: i64,
    /// how many the last bulk placement placed (shown once)
    placed: Option<usize>,
    #[serde(default)]
    to: String,
}

/// The people to trace, oldest first; overdue rows are marked.
pub async fn items(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushViewer>,
    PageQuery(q): PageQuery<ItemsQuery>,
) -> PageResult<Response> {
    let page = ItemsPage::load(&state, user, &q).await?;
    if page.sb.is_valid() {
        Ok(render(&page)?.into_response())
    } else {
        invalid(&page)
    }
}

impl ItemsPage {
    async fn load(state: &AppState, user: PageUser, q: &ItemsQuery) -> PageResult<ItemsPage> {
        let actor = user.user.actor();
        let node = match q.node.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => Some(state.store.grid_node_by_code(&actor, code).await?),
            None => None,
        };
        let now = wangge_store::now();
        let sb = SearchBox::new(&q.q);
        let filter = PushItemFilter {
            batch_id: crate::params::opt_id("batch", q.batch)?,
            view: q.view,
            node_path: node.as_ref().map(|n| n.path.clone()),
            search: sb.search.clone(),
            after_id: crate::params::after("after", q.after)?,
            limit: PAGE_SIZE,
        };
        let items = if sb.is_valid() {
            state.store.list_push_items(&actor, &filter, now).await?
        } else {
            Vec::new()
        };
        let next_after = (items.len() as i64 == PAGE_SIZE)
            .then(|| items.last().map(|i| i.id))
            .flatten();
        let can_place = user.user.role.places_push_items();
        let grids = if can_place && q.view == ItemView::Unassigned && !items.is_empty() {
            state.store.list_grid_cells(&actor).await?
        } else {
            Vec::new()
        };
        Ok(ItemsPage {
            l: Layout::new(user, "pushlists"),
            pt: &TEXTS,
            items,
            now,
            view: q.view,
            batch: q.batch,
            node,
            sb,
            next_after,
            can_place,
            grids,
            place: PlaceManyForm::default(),
            errors: FieldErrors::new(),
            placed: q.placed.map(|n| (n, q.to.clone())),
        })
    }

    /// Whether row `id` is ticked in the bulk placement form (kept when it comes back).
    fn picked(&self, id: &i64) -> bool {
        self.place.fields.contains_key(&format!("item_{id}"))
    }
}

#[derive(Deserialize, Default)]
pub struct PlaceManyForm {
    #[serde(default)]
    node_code: String,
    /// the list's filters, to come back to the same page
    #[serde(default)]
    back_batch: String,
    /// the ticked rows (`item_<id>=1`) and the token
    #[serde(flatten)]
    fields: std::collections::BTreeMap<String, String>,
}

impl PlaceManyForm {
    /// The ticked item ids, or the field's error.
    fn ids(&self) -> Result<Vec<i64>, AppError> {
        self.fields
            .keys()
            .filter_map(|k| k.strip_prefix("item_"))
            .map(|id| {
                id.parse::<i64>()
                    .ok()
                    .filter(|id| *id >= 1)
                    .ok_or_else(|| AppError::invalid("items", format!("所选记录编号“{id}”无效")))
            })
            .collect()
    }
}

/// 批量分配 from the unassigned queue: every ticked person to one grid, all or none. Refused,
/// the queue comes back with the reason beside the form and the ticks and grid kept.
pub async fn place_many(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushPlacer>,
    CsrfForm(f): CsrfForm<PlaceManyForm>,
) -> PageResult<Response> {
    let mut errors = FieldErrors::new();
    let batch = f.back_batch.trim().parse::<i64>().ok();
    if let Some(ids) = errors.check(f.ids())? {
        let placed = state
            .store
            .place_push_items(&user.user.actor(), &ids, &f.node_code)
            .await;
        if let Some(p) = errors.check(placed)? {
            let back = export::href(
                "/pushlists/items",
                &[
                    ("view", "unassigned"),
                    ("batch", &batch.map(|b| b.to_string()).unwrap_or_default()),
                    ("placed", &p.placed.len().to_string()),
                    ("to", &p.node_name),
                ],
            );
            return Ok(Redirect::to(back.trim_end_matches('&')).into_response());
        }
    }
    let q = ItemsQuery {
        batch,
        view: ItemView::Unassigned,
        ..ItemsQuery::default()
    };
    let mut page = ItemsPage::load(&state, user, &q).await?;
    page.place = f;
    page.errors = errors;
    invalid(&page)
}

impl ItemsPage {
    fn export_href(&self) -> String {
        let batch = self.batch.map(|b| b.to_string()).unwrap_or_default();
        let node = self
            .node
            .as_ref()
            .map(|n| n.code.clone())
            .unwrap_or_default();
        crate::export::href(
            "/pushlists/items/export",
            &[
                ("view", self.current()),
                ("batch", &batch),
                ("node", &node),
                ("q", &self.sb.q),
            ],
        )
    }
}

impl DashboardPage {
    fn export_href(&self) -> String {
        let batch = self.batch.map(|b| b.to_string()).unwrap_or_default();
        crate::export::href(
            "/pushlists/export",
            &[("batch", &batch), ("node", &self.dash.node.code)],
        )
    }
}

/// The name of batch `id` for an export's title (`#id` should it be gone).
async fn batch_label(state: &AppState, user: &PageUser, id: Option<i64>) -> PageResult<String> {
    let Some(id) = id else {
        return Ok(String::new());
    };
    let batches = state
        .store
        .list_push_batches(&user.user.actor(), wangge_store::now())
        .await?;
    Ok(batches
        .into_iter()
        .find(|b| b.batch.id == id)
        .map_or_else(|| format!("#{id}"), |b| b.batch.name))
}

/// The people of the list with the page's filters (`view`, `batch`, `node`), oldest first, as
/// XLSX or CSV.
pub async fn export_items(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushViewer>,
    PageQuery(q): PageQuery<ItemsQuery>,
    ExportFormat { format, reveal }: ExportFormat,
) -> PageResult<Response> {
    let actor = user.user.actor();
    let node = match q.node.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(state.store.grid_node_by_code(&actor, code).await?),
        None => None,
    };
    let search = crate::search::api(&q.q)?;
    let described = search.as_ref().map(|s| s.describe()).unwrap_or_default();
    let filter = PushItemFilter {
        batch_id: crate::params::opt_id("batch", q.batch)?,
        view: q.view,
        node_path: node.as_ref().map(|n| n.path.clone()),
        search,
        after_id: 0,
        limit: 0,
    };
    let (t, pt) = (&ZH, &TEXTS);
    let view = ItemsPage::view_label(q.view);
    let today = crate::today();
    let mut sheet = Sheet {
        file_name: format!("{}-{view}-{today}", pt.list_title),
        ascii_name: format!("push-items-{today}"),
        sheet_name: pt.list_title,
        title: export::titled(
            pt.list_title,
            &[
                (pt.state, view.to_string()),
                (pt.batch, batch_label(&state, &user, filter.batch_id).await?),
                (t.node, node.map(|n| n.name).unwrap_or_default()),
                (t.search, described),
            ],
        ),
        columns: vec![
            col(pt.batch, 16),
            col(t.display_name, 10),
            col(t.id_number, 20),
            col(t.phone, 13),
            col(pt.origin, 24),
            col(crate::places::CODE_COLUMN, 10),
            col(pt.arrived_at, 17),
            col(t.address, 30),
            col(t.node, 22),
            col(pt.state, 12),
            col(pt.due_at, 17),
            col(pt.overdue, 6),
            col(pt.verify_title, 30),
            col(pt.verified_at, 17),
            col(pt.row_in_file, 8),
            col(pt.note, 20),
        ],
        id_numbers: None,
    };
    let ids = export::id_numbers(&state, &user.user, reveal, format, &mut sheet).await?;
    let (store, now) = (state.store.clone(), wangge_store::now());
    let rows = Rows::paged(move |after, size| {
        let (store, actor) = (store.clone(), actor.clone());
        let filter = PushItemFilter {
            after_id: after.unwrap_or(0),
            limit: size,
            ..filter.clone()
        };
        async move {
            let items = store.list_push_items(&actor, &filter, now).await?;
            Ok(Page::of(items, size, |i| i.id, |i| item_row(i, now, ids)))
        }
    });
    download(&state, &user.user, format, sheet, rows).await
}

fn item_row(i: &PushItem, now: DateTime<Utc>, ids: ExportIdNumbers) -> Vec<String> {
    let (t, pt) = (&ZH, &TEXTS);
    let outcome = [
        i.measures.clone(),
        i.arrival_id.map(|a| format!("{} {a}", pt.arrival_ref)),
        i.destination.clone(),
        i.reason.clone(),
    ];
    vec![
        i.batch_name.clone(),
        i.name.clone(),
        ids.show(&i.id_number),
        i.phone.clone().unwrap_or_default(),
        crate::places::text(&i.origin),
        crate::places::text_code(&i.origin),
        timefmt::naive(&i.arrived_at),
        i.address.clone(),
        i.node_name
            .clone()
            .unwrap_or_else(|| pt.view_unassigned.to_string()),
        i.state.label_zh().to_string(),
        timefmt::local(&i.due_at),
        if i.is_overdue(now) { t.yes } else { t.no }.to_string(),
        outcome.into_iter().flatten().collect::<Vec<_>>().join("；"),
        timefmt::local_opt(&i.verified_at),
        i.row_no.to_string(),
        i.note.clone(),
    ]
}

/// 见底清零 of the page's node (and batch): one row per child node (and the node itself, and
/// the unassigned queue for those who place people), then the total.
pub async fn export_dashboard(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushViewer>,
    PageQuery(q): PageQuery<DashboardQuery>,
    ExportFormat { format, .. }: ExportFormat,
) -> PageResult<Response> {
    let actor = user.user.actor();
    let node = dashboard_node(&state, &user.user, q.node.as_deref()).await?;
    let batch = crate::params::opt_id("batch", q.batch)?;
    let dash = state
        .store
        .push_dashboard(&actor, &node, batch, wangge_store::now())
        .await?;
    let (t, pt) = (&ZH, &TEXTS);
    let status = |cleared: bool| if cleared { pt.cleared } else { pt.not_cleared };
    let counts = |n: &wangge_store::pushlist::NodeTotals| {
        [n.pending, n.reached, n.overdue, n.verified, n.total()].map(|c| c.to_string())
    };
    let mut rows: Vec<Vec<String>> = dash
        .rows
        .iter()
        .map(|r| {
            let (name, code) = match &r.place {
                RowPlace::Child { node } => (node.name.clone(), node.code.clone()),
                RowPlace::Here => (pt.here.to_string(), dash.node.code.clone()),
                RowPlace::Unassigned => (pt.unassigned.to_string(), String::new()),
            };
            let mut row = vec![name, code];
            row.extend(counts(&r.totals));
            row.push(status(r.cleared()).to_string());
            row
        })
        .collect();
    let mut total = vec![pt.total.to_string(), dash.node.code.clone()];
    total.extend(counts(&dash.totals));
    total.push(status(dash.cleared).to_string());
    rows.push(total);
    let today = crate::today();
    let sheet = Sheet {
        file_name: format!("见底清零-{}-{today}", dash.node.name),
        ascii_name: format!("push-dashboard-{}-{today}", dash.node.code),
        sheet_name: "见底清零",
        title: export::titled(
            &format!("{} · {}", pt.title, dash.node.name),
            &[(pt.batch, batch_label(&state, &user, batch).await?)],
        ),
        columns: vec![
            col(t.name, 24),
            col(t.code, 16),
            col(pt.pending, 8),
            col(pt.reached, 8),
            col(pt.overdue, 8),
            col(pt.verified, 8),
            col(pt.total, 8),
            col(pt.status, 8),
        ],
        id_numbers: None,
    };
    download(&state, &user.user, format, sheet, Rows::all(rows)).await
}

/// 下载模板: a CSV with the importer's own columns (`Column::ALL`, in their Chinese names)
/// and one example row, whose address matches no grid (it would wait for placement).
pub async fn template(PageAllowed(_, _): PageAllowed<PushImporter>) -> PageResult<Response> {
    use wangge_domain::pushlist::columns::Column;
    let today = crate::today();
    let headers = Column::ALL.map(Column::label_zh);
    let example = Column::ALL.map(|c| match c {
        Column::Name => "张三".to_string(),
        Column::IdNumber => wangge_domain::validate::make_valid("11010519900307123"),
        Column::Phone => "13800138000".to_string(),
        Column::Origin => "北京市朝阳区".to_string(),
        Column::ArrivedAt => format!("{today} 08:00"),
        Column::Address => "某某小区1号楼2单元301室".to_string(),
        Column::Note => "示例行，请换成实际名单".to_string(),
    });
    export::template("推送名单模板", "pushlist-template", &headers, &example)
}

#[derive(Template)]
#[template(path = "pushlists/item.html")]
struct ItemPage {
    l: Layout,
    pt: &'static PushTexts,
    i: PushItem,
    revealed: bool,
    overdue: bool,
    merges: Vec<(String, i64)>,
    next: Vec<PushState>,
    places: Vec<GridNode>,
    /// The verification forms: empty, or as typed when one had errors.
    form: VerifyForm,
    errors: FieldErrors,
}

impl ItemPage {
    /// The record of item `id`; with `revealed`, its full ID number (recorded in the audit log).
    async fn new(state: &AppState, user: PageUser, id: i64, revealed: bool) -> PageResult<Self> {
        let actor = user.user.actor();
        let mut i = state.store.push_item(&actor, id).await?;
        let of = IdNumberOf::PushItem(i.id);
        crate::reveal::if_asked(state, &actor, revealed, of, &mut i.id_number).await?;
        let merges = state.store.push_item_merges(&actor, id).await?;
        let places = state.store.push_item_places(&actor, &i).await?;
        Ok(ItemPage {
            l: Layout::new(user, "pushlists"),
            pt: &TEXTS,
            revealed,
            overdue: i.is_overdue(wangge_store::now()),
            merges,
            next: next_states(i.state),
            places,
            i,
            form: VerifyForm::default(),
            errors: FieldErrors::new(),
        })
    }

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
    let page = ItemPage::new(&state, user, id, q.reveal == Some(1)).await?;
    Ok(render(&page)?.into_response())
}

/// A verification step as typed: `state` says which (a hidden field of each step's form).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VerifyForm {
    state: String,
    measures: String,
    arrival_id: String,
    destination: String,
    reason: String,
}

impl VerifyForm {
    /// The step, or `None` with the errors of its fields in `errors`. An unknown step is no
    /// typing mistake (the page offers none): it is refused as such, before the record is
    /// looked up.
    fn verification(&self, errors: &mut FieldErrors) -> Result<Option<Verification>, AppError> {
        Ok(match self.state.as_str() {
            "reached" => Some(Verification::Reached),
            "measures_in_place" => {
                let arrival_id = match self.arrival_id.trim() {
                    "" => Some(None),
                    s => errors
                        .check(wangge_domain::validate::number::parse_id(
                            "arrival_id",
                            "来返报备编号",
                            s,
                        ))?
                        .map(Some),
                };
                if arrival_id.is_none() {
                    // the store is not asked: check the measures here, to show both at once
                    use wangge_domain::validate::text;
                    errors.check(text::required(
                        "measures",
                        "管控措施",
                        &self.measures,
                        text::REASON_MAX,
                    ))?;
                }
                arrival_id.map(|arrival_id| Verification::MeasuresInPlace {
                    measures: self.measures.clone(),
                    arrival_id,
                })
            }
            "left_district" => Some(Verification::LeftDistrict {
                destination: self.destination.clone(),
            }),
            "not_found" => Some(Verification::NotFound {
                reason: self.reason.clone(),
            }),
            other => return Err(AppError::invalid("state", format!("未知核查状态“{other}”"))),
        })
    }
}

pub async fn verify(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushViewer>,
    PageId(id): PageId,
    CsrfForm(f): CsrfForm<VerifyForm>,
) -> PageResult<Response> {
    let mut errors = FieldErrors::new();
    if let Some(v) = f.verification(&mut errors)? {
        match state
            .store
            .verify_push_item(&user.user.actor(), id, v)
            .await
        {
            Ok(_) => return Ok(Redirect::to(&format!("/pushlists/items/{id}")).into_response()),
            Err(e) => errors.absorb(e)?,
        }
    }
    let mut page = ItemPage::new(&state, user, id, false).await?;
    page.form = f;
    page.errors = errors;
    invalid(&page)
}

#[derive(Deserialize)]
pub struct PlaceForm {
    #[serde(default)]
    node_code: String,
}

pub async fn place(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushViewer>,
    PageId(id): PageId,
    CsrfForm(f): CsrfForm<PlaceForm>,
) -> PageResult<Response> {
    state
        .store
        .place_push_item(&user.user.actor(), id, &f.node_code)
        .await?;
    Ok(Redirect::to(&format!("/pushlists/items/{id}")).into_response())
}

/// Multipart upload (`csrf` first, then `name`, `due_hours`, `file`); the import runs in the
/// background and the browser is sent to its progress page. The file is streamed to disk. A
/// bad name or time limit, or no file, shows the dashboard again with the errors beside the
/// fields and what was typed (a browser never keeps a chosen file).
pub async fn upload(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushImporter>,
    mut upload: CsrfMultipart,
) -> PageResult<Response> {
    let mut form = UploadForm {
        name: String::new(),
        due_hours: state.config.push_due_hours.to_string(),
    };
    let mut file = None;
    while let Some(field) = upload.next().await? {
        match field.name() {
            Some("name") => form.name = CsrfMultipart::text(field).await?,
            Some("due_hours") => form.due_hours = CsrfMultipart::text(field).await?,
            Some("file") if file.is_none() => {
                let filename = field.file_name().unwrap_or("").to_string();
                let (path, _) = crate::upload::save(field).await?;
                file = Some((path, filename));
            }
            _ => {}
        }
    }
    let mut errors = FieldErrors::new();
    let due_hours = errors.check(
        form.due_hours
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::invalid("due_hours", "核查时限应为整数小时")),
    )?;
    if file.is_none() {
        errors.add("file", "请选择要上传的文件（CSV 或 XLSX）");
    }
    // an empty name is the file's; without a file there is nothing to name yet
    let name = match (&file, form.name.trim().is_empty()) {
        (Some((_, filename)), true) => Some(filename.clone()),
        (None, true) => None,
        (_, false) => Some(form.name.clone()),
    };
    use wangge_domain::validate::text;
    let name = match name {
        Some(name) => errors.check(text::bounded("name", "批次名称", &name, text::TITLE_MAX))?,
        None => None,
    };
    match (file, name, due_hours) {
        (Some((path, _)), Some(name), Some(due_hours)) if errors.is_empty() => {
            let id = state.jobs.start_import(
                state.store.clone(),
                user.user.actor(),
                path,
                PushImport { name, due_hours },
            );
            Ok(Redirect::to(&format!("/pushlists/jobs/{id}")).into_response())
        }
        (file, _, _) => {
            if let Some((path, _)) = file {
                let _ = tokio::fs::remove_file(&path).await;
            }
            let mut page = DashboardPage::new(&state, user, None, None).await?;
            page.upload = form;
            page.errors = errors;
            invalid(&page)
        }
    }
}

#[derive(Template)]
#[template(path = "pushlists/job.html")]
struct JobPage {
    l: Layout,
    pt: &'static PushTexts,
    id: u64,
    name: String,
    percent: u32,
    rows: u64,
    job: JobState<PushImportSummary>,
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
        .import(id, Some(user.user.id))
        .ok_or(AppError::NotFound)?;
    let page = JobPage {
        id,
        name: job.name.clone(),
        percent: job.percent(),
        rows: job.rows(),
        job: job.state(),
        l: Layout::new(user, "pushlists"),
        pt: &TEXTS,
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
        .import(id, Some(user.user.id))
        .ok_or(AppError::NotFound)?;
    Ok(Json(job.progress_json()).into_response())
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
    Ok(errors_csv_download(id, &rows))
}

#[derive(Template)]
#[template(path = "pushlists/rules.html")]
struct RulesPage {
    l: Layout,
    pt: &'static PushTexts,
    rules: Vec<AddressRule>,
    grids: Vec<GridNode>,
    can_edit: bool,
    /// The add form: empty, or as typed when it had errors.
    form: RuleForm,
    errors: FieldErrors,
}

impl RulesPage {
    async fn new(state: &AppState, user: PageUser) -> PageResult<Self> {
        let actor = user.user.actor();
        let rules = state.store.list_address_rules(&actor).await?;
        let can_edit = user.user.role.imports_push_lists();
        let grids = if can_edit {
            state.store.address_rule_nodes(&actor).await?
        } else {
            Vec::new()
        };
        Ok(RulesPage {
            l: Layout::new(user, "pushlists"),
            pt: &TEXTS,
            rules,
            grids,
            can_edit,
            form: RuleForm::default(),
            errors: FieldErrors::new(),
        })
    }
}

pub async fn rules(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushViewer>,
) -> PageResult<Response> {
    Ok(render(&RulesPage::new(&state, user).await?)?.into_response())
}

/// The add form of the address table, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RuleForm {
    keyword: String,
    node_code: String,
}

pub async fn create_rule(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<PushImporter>,
    CsrfForm(f): CsrfForm<RuleForm>,
) -> PageResult<Response> {
    let mut errors = FieldErrors::new();
    match state
        .store
        .create_address_rule(&user.user.actor(), &f.keyword, &f.node_code)
        .await
    {
        Ok(_) => return Ok(Redirect::to("/pushlists/rules").into_response()),
        Err(e) => errors.absorb(e)?,
    }
    let mut page = RulesPage::new(&state, user).await?;
    page.form = f;
    page.errors = errors;
    invalid(&page)
}

pub async fn delete_rule(
    State(state): State<AppState>,
    user: PageUser,
    PageId(id): PageId,
    _: CsrfForm<NoFields>,
) -> PageResult<Response> {
    state
        .store
        .delete_address_rule(&user.user.actor(), id)
        .await?;
    Ok(Redirect::to("/pushlists/rules").into_response())
}
