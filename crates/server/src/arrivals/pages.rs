//! 来返报备 for staff: the list of the user's subtree, one report with its plan, and the forms
//! that change its status, record a check-in or assign it to a grid. A refused status change or
//! check-in comes back as the same page (422) with each error beside its field and what was
//! typed kept.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_domain::arrival::ArrivalStatus;
use wangge_store::{
    Arrival, ArrivalFilter, CheckIn, ExportIdNumbers, GridNode, IdNumberOf, NewCheckIn,
};

use crate::api::query_date;
use crate::auth::PageUser;
use crate::error::{AppError, PageResult};
use crate::export::{self, col, download, ExportFormat, Page, Rows, Sheet};
use crate::form::{invalid, CsrfForm, FieldErrors};
use crate::i18n::ZH;
use crate::pages::{render, Layout};
use crate::params::{PageId, PageQuery};
use crate::permission::{ArrivalHandler, PageAllowed};
use crate::search::SearchBox;
use crate::AppState;

const PAGE_SIZE: i64 = 50;

#[derive(Template)]
#[template(path = "arrivals/list.html")]
struct ListPage {
    l: Layout,
    ft: &'static super::ArrivalsTexts,
    arrivals: Vec<Arrival>,
    statuses: [ArrivalStatus; 5],
    status: String,
    date: String,
    sb: SearchBox,
    next_before: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    date: String,
    /// 查找: name or ID number
    q: String,
    before: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let status = super::status_filter(&q.status)?;
    let sb = SearchBox::new(&q.q);
    let filter = ArrivalFilter {
        status,
        arrival_date: query_date("date", &q.date)?,
        search: sb.search.clone(),
        before_id: crate::params::opt_id("before", q.before)?,
        limit: PAGE_SIZE,
    };
    let arrivals = if sb.is_valid() {
        state
            .store
            .list_arrivals(&user.user.actor(), &filter)
            .await?
    } else {
        Vec::new()
    };
    let next_before = (arrivals.len() as i64 == PAGE_SIZE)
        .then(|| arrivals.last().map(|a| a.id))
        .flatten();
    let page = ListPage {
        ft: &super::TEXTS,
        l: Layout::new(user, "arrivals"),
        arrivals,
        statuses: ArrivalStatus::ALL,
        status: q.status,
        date: q.date,
        sb,
        next_before,
    };
    if page.sb.is_valid() {
        Ok(render(&page)?.into_response())
    } else {
        invalid(&page)
    }
}

impl ListPage {
    fn export_href(&self) -> String {
        crate::export::href(
            "/arrivals/export",
            &[
                ("status", &self.status),
                ("date", &self.date),
                ("q", &self.sb.q),
            ],
        )
    }

    /// The next page's address, with the filters.
    fn next_href(&self, before: impl ToString) -> String {
        let before = before.to_string();
        crate::export::href(
            "/arrivals",
            &[
                ("status", &self.status),
                ("date", &self.date),
                ("q", &self.sb.q),
                ("before", &before),
            ],
        )
    }
}

/// The list with the page's filters (`status`, `date`) as XLSX or CSV, newest report first.
pub async fn export(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    PageQuery(q): PageQuery<ListQuery>,
    ExportFormat { format, reveal }: ExportFormat,
) -> PageResult<Response> {
    let (t, ft) = (&ZH, &super::TEXTS);
    let status = super::status_filter(&q.status)?;
    let search = crate::search::api(&q.q)?;
    let described = search.as_ref().map(|s| s.describe()).unwrap_or_default();
    let filter = ArrivalFilter {
        status,
        arrival_date: query_date("date", &q.date)?,
        search,
        ..ArrivalFilter::default()
    };
    let today = crate::today();
    let mut sheet = Sheet {
        file_name: format!("{}-{today}", ft.arrivals_title),
        ascii_name: format!("arrivals-{today}"),
        sheet_name: ft.arrivals_title,
        title: export::titled(
            ft.arrivals_title,
            &[
                (
                    t.status,
                    status.map(|s| s.label_zh().to_string()).unwrap_or_default(),
                ),
                (t.arrival_date, q.date.clone()),
                (t.search, described),
            ],
        ),
        columns: vec![
            col(ft.report_number, 9),
            col(t.display_name, 10),
            col(t.id_number, 20),
            col(t.phone, 13),
            col(t.arrival_date, 11),
            col(ft.origin, 28),
            col(crate::places::CODE_COLUMN, 10),
            col(t.node, 22),
            col(t.destination, 30),
            col(t.category, 28),
            col(t.status, 8),
            col(ft.late, 6),
            col(ft.channel, 12),
            col(ft.employer, 20),
        ],
        id_numbers: None,
    };
    let ids = export::id_numbers(&state, &user.user, reveal, format, &mut sheet).await?;
    let (store, actor) = (state.store.clone(), user.user.actor());
    let rows = Rows::paged(move |before, size| {
        let (store, actor) = (store.clone(), actor.clone());
        let filter = ArrivalFilter {
            before_id: before,
            limit: size,
            ..filter.clone()
        };
        async move {
            let arrivals = store.list_arrivals(&actor, &filter).await?;
            Ok(Page::of(arrivals, size, |a| a.id, |a| arrival_row(a, ids)))
        }
    });
    download(&state, &user.user, format, sheet, rows).await
}

fn arrival_row(a: &Arrival, ids: ExportIdNumbers) -> Vec<String> {
    let t = &ZH;
    vec![
        a.id.to_string(),
        a.name.clone(),
        ids.show(&a.id_number),
        a.phone.clone(),
        a.arrival_date.to_string(),
        crate::places::origin(&a.origin),
        crate::places::origin_code(&a.origin),
        a.node_name.clone(),
        a.destination.clone(),
        a.plan.category.clone(),
        a.status.label_zh().to_string(),
        if a.late { t.yes } else { t.no }.to_string(),
        a.channel_label_zh().to_string(),
        a.employer.clone(),
    ]
}

#[derive(Template)]
#[template(path = "arrivals/show.html")]
struct DetailPage {
    l: Layout,
    ft: &'static super::ArrivalsTexts,
    a: Arrival,
    revealed: bool,
    check_ins: Vec<CheckIn>,
    nodes: Vec<GridNode>,
    is_admin: bool,
    /// The status form as typed, and its errors.
    status_form: StatusForm,
    status_errors: FieldErrors,
    /// The check-in form as typed (the date defaults to today), and its errors.
    check_in_form: CheckInForm,
    check_in_errors: FieldErrors,
}

impl DetailPage {
    /// The page of report `id`, with empty forms; `revealed` shows (and audits) the ID number.
    async fn new(
        state: &AppState,
        user: PageUser,
        id: i64,
        revealed: bool,
    ) -> PageResult<DetailPage> {
        let actor = user.user.actor();
        let mut a = state.store.arrival_by_id(&actor, id).await?;
        let of = IdNumberOf::Arrival(a.id);
        crate::reveal::if_asked(state, &actor, revealed, of, &mut a.id_number).await?;
        let check_ins = state.store.list_check_ins(&actor, id).await?;
        let nodes = state.store.destinations(&actor).await?;
        let is_admin = user.user.role.reads_audit();
        Ok(DetailPage {
            ft: &super::TEXTS,
            l: Layout::new(user, "arrivals"),
            a,
            revealed,
            check_ins,
            nodes,
            is_admin,
            status_form: StatusForm::default(),
            status_errors: FieldErrors::new(),
            check_in_form: CheckInForm {
                date: crate::today().to_string(),
                ..CheckInForm::default()
            },
            check_in_errors: FieldErrors::new(),
        })
    }
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
    let page = DetailPage::new(&state, user, id, q.reveal == Some(1)).await?;
    Ok(render(&page)?.into_response())
}

/// The page again with a refused form's errors. Should the report itself be out of reach the
/// refusal stands on its own (the error page with its first error), saying nothing about it.
async fn refused(
    state: &AppState,
    user: PageUser,
    id: i64,
    errors: FieldErrors,
    fill: impl FnOnce(&mut DetailPage, FieldErrors),
) -> PageResult<Response> {
    match DetailPage::new(state, user, id, false).await {
        Ok(mut page) => {
            fill(&mut page, errors);
            invalid(&page)
        }
        Err(e) => match errors.all().first() {
            Some(first) if matches!(e.0, AppError::NotFound) => {
                Err(AppError::invalid(&first.field, first.message.clone()).into())
            }
            _ => Err(e),
        },
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct StatusForm {
    status: String,
    note: String,
    node_code: String,
}

/// One form for the status change and the grid assignment: whichever field is filled.
pub async fn set_status(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    PageId(id): PageId,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> PageResult<Response> {
    let actor = user.user.actor();
    let mut errors = FieldErrors::new();
    if !f.node_code.trim().is_empty() {
        let done = state.store.reassign_arrival(&actor, id, &f.node_code).await;
        if errors.check(done)?.is_some() {
            return Ok(Redirect::to(&format!("/arrivals/{id}")).into_response());
        }
    } else {
        let to = f
            .status
            .parse::<ArrivalStatus>()
            .map_err(|e| AppError::invalid("status", e.to_string()));
        if let Some(to) = errors.check(to)? {
            let done = state
                .store
                .set_arrival_status(&actor, id, to, &f.note, crate::today())
                .await;
            if errors.check(done)?.is_some() {
                return Ok(Redirect::to(&format!("/arrivals/{id}")).into_response());
            }
        }
    }
    refused(&state, user, id, errors, |page, errors| {
        page.status_form = f;
        page.status_errors = errors;
    })
    .await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CheckInForm {
    date: String,
    temperature: String,
    note: String,
}

pub async fn check_in(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ArrivalHandler>,
    PageId(id): PageId,
    CsrfForm(f): CsrfForm<CheckInForm>,
) -> PageResult<Response> {
    let mut errors = FieldErrors::new();
    let temperature = match f.temperature.trim() {
        "" => Ok(None),
        t => t
            .parse::<f64>()
            .map(Some)
            .map_err(|_| AppError::invalid("temperature", format!("体温“{t}”不是数字"))),
    };
    if let Some(temperature) = errors.check(temperature)? {
        let new = NewCheckIn {
            date: f.date.clone(),
            temperature,
            note: f.note.clone(),
        };
        let done = state
            .store
            .add_check_in(&user.user.actor(), id, &new, crate::today())
            .await;
        if errors.check(done)?.is_some() {
            return Ok(Redirect::to(&format!("/arrivals/{id}")).into_response());
        }
    }
    refused(&state, user, id, errors, |page, errors| {
        page.check_in_form = f;
        page.check_in_errors = errors;
    })
    .await
}
