//! 常住人口: the resident register of the user's subtree, pending moves and data quality. ID
//! numbers are masked; showing one in full is an audited act. A bad registration form comes back
//! as the same page (422) with every error beside its field and what was typed kept.

use crate::params::{PageId, PageQuery};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_store::{
    GridNode, IdNumberOf, NewResident, QualityIssue, Resident, ResidentMove, ResidentRegistration,
};

use super::{ResidentsTexts, TEXTS};
use crate::auth::PageUser;
use crate::error::{AppError, PageResult};
use crate::export::{col, download, ExportFormat, Page, Rows, Sheet};
use crate::form::{invalid, CsrfForm, FieldErrors};
use crate::i18n::ZH;
use crate::pages::{render, Layout};
use crate::permission::{PageAllowed, ResidentHandler};
use crate::search::SearchBox;
use crate::AppState;

const PAGE_SIZE: i64 = 50;

#[derive(Template)]
#[template(path = "residents/list.html")]
struct ListPage {
    l: Layout,
    rt: &'static ResidentsTexts,
    residents: Vec<Resident>,
    sb: SearchBox,
    grids: Vec<GridNode>,
    next_after: Option<i64>,
    moves: Vec<ResidentMove>,
    /// a move request was just sent
    requested: bool,
    /// The registration form: empty, or as typed when it had errors.
    form: NewResidentForm,
    errors: FieldErrors,
}

impl ListPage {
    async fn new(state: &AppState, user: PageUser, after: i64, sb: SearchBox) -> PageResult<Self> {
        let actor = user.user.actor();
        let residents = if sb.is_valid() {
            state
                .store
                .list_residents_matching(&actor, sb.search.as_ref(), after, PAGE_SIZE)
                .await?
        } else {
            Vec::new()
        };
        let next_after = (residents.len() as i64 == PAGE_SIZE)
            .then(|| residents.last().map(|r| r.id))
            .flatten();
        let grids = state.store.list_grid_cells(&actor).await?;
        let moves = state.store.list_resident_moves(&actor, true).await?;
        Ok(ListPage {
            l: Layout::new(user, "residents"),
            rt: &TEXTS,
            residents,
            sb,
            grids,
            next_after,
            moves,
            requested: false,
            form: NewResidentForm::default(),
            errors: FieldErrors::new(),
        })
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    after: i64,
    #[serde(default)]
    requested: Option<u8>,
    /// 查找: name or ID number
    #[serde(default)]
    q: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExportQuery {
    q: String,
}

impl ListPage {
    fn export_href(&self) -> String {
        crate::export::href("/residents/export", &[("q", &self.sb.q)])
    }

    fn next_href(&self, after: impl ToString) -> String {
        let after = after.to_string();
        crate::export::href("/residents", &[("q", &self.sb.q), ("after", &after)])
    }
}

pub async fn list(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ResidentHandler>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let after = crate::params::after("after", q.after)?;
    let mut page = ListPage::new(&state, user, after, SearchBox::new(&q.q)).await?;
    page.requested = q.requested == Some(1);
    if page.sb.is_valid() {
        Ok(render(&page)?.into_response())
    } else {
        invalid(&page)
    }
}

/// The register of the caller's scope as XLSX or CSV, oldest entry first: the list page's
/// columns (no birth date: with the last four digits it would give most of the number away).
pub async fn export(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ResidentHandler>,
    PageQuery(q): PageQuery<ExportQuery>,
    ExportFormat { format, reveal }: ExportFormat,
) -> PageResult<Response> {
    let t = &ZH;
    let today = crate::today();
    let search = crate::search::api(&q.q)?;
    let described = search.as_ref().map(|s| s.describe()).unwrap_or_default();
    let mut sheet = Sheet {
        file_name: format!("{}-{today}", TEXTS.title),
        ascii_name: format!("residents-{today}"),
        sheet_name: TEXTS.title,
        title: crate::export::titled(TEXTS.title, &[(t.search, described)]),
        columns: vec![
            col(t.display_name, 10),
            col(t.id_number, 20),
            col(t.phone, 13),
            col(t.node, 22),
            col(t.address, 36),
        ],
        id_numbers: None,
    };
    let ids = crate::export::id_numbers(&state, &user.user, reveal, format, &mut sheet).await?;
    let (store, actor) = (state.store.clone(), user.user.actor());
    let rows = Rows::paged(move |after, size| {
        let (store, actor, search) = (store.clone(), actor.clone(), search.clone());
        async move {
            let residents = store
                .list_residents_matching(&actor, search.as_ref(), after.unwrap_or(0), size)
                .await?;
            Ok(Page::of(
                residents,
                size,
                |r| r.id,
                |r| {
                    vec![
                        r.name.clone(),
                        ids.show(&r.id_number),
                        r.phone.clone().unwrap_or_default(),
                        r.node_name.clone(),
                        r.address.clone(),
                    ]
                },
            ))
        }
    });
    download(&state, &user.user, format, sheet, rows).await
}

#[derive(Template)]
#[template(path = "residents/show.html")]
struct ShowPage {
    l: Layout,
    r: Resident,
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
    let actor = user.user.actor();
    let mut r = state.store.resident_by_id(&actor, id).await?;
    let revealed = q.reveal == Some(1);
    let of = IdNumberOf::Resident(r.id);
    crate::reveal::if_asked(&state, &actor, revealed, of, &mut r.id_number).await?;
    Ok(render(&ShowPage {
        l: Layout::new(user, "residents"),
        r,
        revealed,
    })?
    .into_response())
}

/// The registration form, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewResidentForm {
    id_number: String,
    name: String,
    phone: String,
    node_code: String,
    address: String,
}

impl NewResidentForm {
    /// The resident, or `None` with every error in `errors`.
    fn resident(&self, errors: &mut FieldErrors) -> Result<Option<NewResident>, AppError> {
        // the register's store function (people.rs) is being reworked; until it applies the
        // text rules itself, the form applies them here so an over-long value never reaches SQL
        use wangge_domain::validate::text;
        let id_number = errors.check(text::bounded(
            "id_number",
            "身份证号",
            &self.id_number,
            text::CODE_MAX,
        ))?;
        let name = errors.check(text::bounded("name", "姓名", &self.name, text::NAME_MAX))?;
        let phone = errors.check(text::optional(
            "phone",
            "手机号",
            Some(&self.phone),
            text::CODE_MAX,
        ))?;
        let address = errors.check(text::bounded(
            "address",
            "住址",
            &self.address,
            text::ADDRESS_MAX,
        ))?;
        Ok(match (id_number, name, phone, address) {
            (Some(id_number), Some(name), Some(phone), Some(address)) => Some(NewResident {
                id_number,
                name,
                phone,
                node_code: self.node_code.trim().to_string(),
                address,
            }),
            _ => None,
        })
    }
}

pub async fn create(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ResidentHandler>,
    CsrfForm(form): CsrfForm<NewResidentForm>,
) -> PageResult<Response> {
    let mut errors = FieldErrors::new();
    if let Some(new) = form.resident(&mut errors)? {
        match state.store.create_resident(&user.user.actor(), &new).await {
            Ok(ResidentRegistration::Registered(r)) => {
                return Ok(Redirect::to(&format!("/residents/{}", r.id)).into_response())
            }
            Ok(ResidentRegistration::MoveRequested(_)) => {
                return Ok(Redirect::to("/residents?requested=1#moves").into_response())
            }
            Err(e) => errors.absorb(e)?,
        }
    }
    let mut page = ListPage::new(&state, user, 0, SearchBox::default()).await?;
    page.form = form;
    page.errors = errors;
    invalid(&page)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    /// confirm or reject
    #[serde(default)]
    decision: String,
}

/// 确认迁入 / 不同意, from the list's pending requests.
pub async fn decide_move(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<ResidentHandler>,
    PageId(id): PageId,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> PageResult<Response> {
    let confirm = match form.decision.as_str() {
        "confirm" => true,
        "reject" => false,
        _ => return Err(AppError::invalid("decision", "请选择确认迁入或不同意").into()),
    };
    state
        .store
        .decide_resident_move(&user.user.actor(), id, confirm)
        .await?;
    Ok(Redirect::to("/residents#moves").into_response())
}

#[derive(Template)]
#[template(path = "residents/data_quality.html")]
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
