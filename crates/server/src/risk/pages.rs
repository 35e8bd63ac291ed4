//! 风险地区名单 for district admins: the list, add, edit, delete and import (CSV/JSON). Every
//! change recomputes the open arrival plans; the page says how many changed. A bad form comes
//! back as the same page (422) with each error beside its field and what was typed kept.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_domain::policy::{RiskArea, RiskLevel};
use wangge_store::{RecomputeSummary, RiskFormat, RiskImportSummary, StoredRiskArea};

use super::{RiskTexts, TEXTS};
use crate::api::query_date;
use crate::auth::PageUser;
use crate::error::{AppError, PageResult};
use crate::form::{invalid, CsrfForm, CsrfMultipart, FieldErrors, NoFields};
use crate::pages::{render, Layout};
use crate::params::{PageId, PageQuery};
use crate::permission::{PageAllowed, RiskAdmin};
use crate::AppState;

const LEVELS: [RiskLevel; 3] = [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High];

#[derive(Template)]
#[template(path = "risk/list.html")]
struct ListPage {
    l: Layout,
    rt: &'static RiskTexts,
    areas: Vec<StoredRiskArea>,
    levels: [RiskLevel; 3],
    recompute: Option<RecomputeSummary>,
    imported: Option<RiskImportSummary>,
    /// The add form: empty, or as typed when it had errors.
    form: AreaForm,
    errors: FieldErrors,
    /// Errors of the import form (its file field).
    import_errors: FieldErrors,
}

impl ListPage {
    async fn new(state: &AppState, user: PageUser) -> PageResult<Self> {
        let areas = state.store.list_risk_areas(&user.user.actor()).await?;
        Ok(ListPage {
            l: Layout::new(user, "risk"),
            rt: &TEXTS,
            areas,
            levels: LEVELS,
            recompute: None,
            imported: None,
            form: AreaForm::default(),
            errors: FieldErrors::new(),
            import_errors: FieldErrors::new(),
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    recomputed: Option<usize>,
    changed: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<RiskAdmin>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> PageResult<Response> {
    let mut page = ListPage::new(&state, user).await?;
    page.recompute = q.recomputed.map(|n| RecomputeSummary {
        recomputed: n,
        measures_changed: q.changed.unwrap_or(0),
    });
    Ok(render(&page)?.into_response())
}

/// The add and edit forms, as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AreaForm {
    code: String,
    street: String,
    name: String,
    level: String,
    valid_from: String,
    valid_until: String,
}

impl AreaForm {
    fn of(a: &RiskArea) -> Self {
        AreaForm {
            code: a.code.clone(),
            street: a.street.clone().unwrap_or_default(),
            name: a.name.clone(),
            level: a.level.as_str().to_string(),
            valid_from: a.valid_from.to_string(),
            valid_until: a.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        }
    }

    /// The area, or `None` with every error in `errors`: level and dates as they parse here,
    /// the rest (code, name, street, the order of the dates) by the store's own rules, checked
    /// even when level or dates did not parse, so the form shows every error at once.
    fn area(&self, errors: &mut FieldErrors) -> Result<Option<RiskArea>, AppError> {
        let level = errors.check(self.level.parse::<RiskLevel>().map_err(
            |e: wangge_domain::policy::UnknownValue| AppError::invalid("level", e.to_string()),
        ))?;
        let valid_from = match errors.check(query_date("valid_from", &self.valid_from))? {
            Some(None) => {
                errors.add("valid_from", "起始日期不能为空");
                None
            }
            other => other.flatten(),
        };
        let valid_until = errors.check(query_date("valid_until", &self.valid_until))?;
        let parsed = errors.is_empty();
        let area = RiskArea {
            code: self.code.clone(),
            street: Some(self.street.clone()),
            name: self.name.clone(),
            // stand-ins where a value did not parse, only to check the other fields
            level: level.unwrap_or(RiskLevel::High),
            valid_from: valid_from.unwrap_or(wangge_domain::validate::date::MIN),
            valid_until: valid_until.flatten(),
        };
        if let Err(e) = wangge_store::normalize_risk_area(&area) {
            let mut found = FieldErrors::new();
            found.absorb(e)?;
            for e in found.all() {
                let stand_in = matches!(e.field.as_str(), "level" | "valid_from" | "valid_until");
                if parsed || !stand_in {
                    errors.add(&e.field, e.message.clone());
                }
            }
        }
        Ok(errors.is_empty().then_some(area))
    }
}

fn done(summary: RecomputeSummary) -> Response {
    Redirect::to(&format!(
        "/risk-areas?recomputed={}&changed={}",
        summary.recomputed, summary.measures_changed
    ))
    .into_response()
}

pub async fn create(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<RiskAdmin>,
    CsrfForm(f): CsrfForm<AreaForm>,
) -> PageResult<Response> {
    let mut errors = FieldErrors::new();
    if let Some(area) = f.area(&mut errors)? {
        match state
            .store
            .create_risk_area(&user.user.actor(), &area)
            .await
        {
            Ok((_, summary)) => return Ok(done(summary)),
            Err(e) => errors.absorb(e)?,
        }
    }
    let mut page = ListPage::new(&state, user).await?;
    page.form = f;
    page.errors = errors;
    invalid(&page)
}

#[derive(Template)]
#[template(path = "risk/edit.html")]
struct EditPage {
    l: Layout,
    rt: &'static RiskTexts,
    id: i64,
    levels: [RiskLevel; 3],
    form: AreaForm,
    errors: FieldErrors,
}

pub async fn edit(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<RiskAdmin>,
    PageId(id): PageId,
) -> PageResult<Response> {
    let a = state.store.risk_area_by_id(&user.user.actor(), id).await?;
    Ok(render(&EditPage {
        l: Layout::new(user, "risk"),
        rt: &TEXTS,
        id: a.id,
        levels: LEVELS,
        form: AreaForm::of(&a.area),
        errors: FieldErrors::new(),
    })?
    .into_response())
}

pub async fn update(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<RiskAdmin>,
    PageId(id): PageId,
    CsrfForm(f): CsrfForm<AreaForm>,
) -> PageResult<Response> {
    let mut errors = FieldErrors::new();
    if let Some(area) = f.area(&mut errors)? {
        match state
            .store
            .update_risk_area(&user.user.actor(), id, &area)
            .await
        {
            Ok((_, summary)) => return Ok(done(summary)),
            Err(e) => errors.absorb(e)?,
        }
    }
    // the area must still be there and in reach: otherwise the error page, not the form
    state.store.risk_area_by_id(&user.user.actor(), id).await?;
    invalid(&EditPage {
        l: Layout::new(user, "risk"),
        rt: &TEXTS,
        id,
        levels: LEVELS,
        form: f,
        errors,
    })
}

pub async fn delete(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<RiskAdmin>,
    PageId(id): PageId,
    _: CsrfForm<NoFields>,
) -> PageResult<Response> {
    let summary = state.store.delete_risk_area(&user.user.actor(), id).await?;
    Ok(done(summary))
}

/// 下载模板: a CSV with the importer's columns (`RISK_CSV_COLUMNS`, in their Chinese names)
/// and one example row.
pub async fn template(PageAllowed(_, _): PageAllowed<RiskAdmin>) -> PageResult<Response> {
    let headers = wangge_store::RISK_CSV_COLUMNS.map(|names| names[1]);
    let example = [
        "110105".to_string(),
        "三里屯街道".to_string(),
        "北京市朝阳区三里屯街道（示例）".to_string(),
        "中".to_string(),
        crate::today().to_string(),
        String::new(),
    ];
    crate::export::template(
        "风险地区导入模板",
        "risk-areas-template",
        &headers,
        &example,
    )
}

/// Multipart upload: `csrf` first (a forged request's file is never read), then `file` (CSV or
/// JSON, told apart by name or content). A refused file shows the list again with the reason
/// beside the upload and, for bad rows, the rows.
pub async fn import(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<RiskAdmin>,
    upload: CsrfMultipart,
) -> PageResult<Response> {
    let mut import_errors = FieldErrors::new();
    let file = upload
        .small()
        .await?
        .file("请选择要上传的 CSV 或 JSON 文件");
    if let Some(file) = import_errors.check(file)? {
        let format = RiskFormat::detect(file.name.as_deref(), &file.bytes);
        let summary = state
            .store
            .import_risk_areas(&user.user.actor(), format, &file.bytes)
            .await?;
        let mut page = ListPage::new(&state, user).await?;
        page.recompute = Some(summary.recompute);
        page.imported = Some(summary);
        return Ok(render(&page)?.into_response());
    }
    let mut page = ListPage::new(&state, user).await?;
    page.import_errors = import_errors;
    invalid(&page)
}
