//! 风险地区名单 for district admins: the list, add, edit, delete and import (CSV/JSON). Every
//! change recomputes the open arrival plans; the page says how many changed.

use crate::params::{PageId, PageQuery};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_domain::policy::{RiskArea, RiskLevel};
use wangge_store::{RecomputeSummary, RiskFormat, RiskImportSummary, StoredRiskArea};

use super::arrivals::query_date;
use super::{render, Layout, PageForm};
use crate::error::{AppError, PageResult};
use crate::permission::{PageAllowed, RiskAdmin};
use crate::AppState;

const LEVELS: [RiskLevel; 3] = [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High];

#[derive(Template)]
#[template(path = "risk_areas.html")]
struct ListPage {
    l: Layout,
    areas: Vec<StoredRiskArea>,
    levels: [RiskLevel; 3],
    recompute: Option<RecomputeSummary>,
    imported: Option<RiskImportSummary>,
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
    let recompute = q.recomputed.map(|n| RecomputeSummary {
        recomputed: n,
        measures_changed: q.changed.unwrap_or(0),
    });
    let areas = state.store.list_risk_areas(&user.user.actor()).await?;
    Ok(render(&ListPage {
        l: Layout::new(user, "risk"),
        areas,
        levels: LEVELS,
        recompute,
        imported: None,
    })?
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AreaForm {
    csrf: String,
    code: String,
    street: String,
    name: String,
    level: String,
    valid_from: String,
    valid_until: String,
}

impl AreaForm {
    fn area(&self) -> Result<RiskArea, AppError> {
        Ok(RiskArea {
            code: self.code.clone(),
            street: Some(self.street.clone()),
            name: self.name.clone(),
            level: self
                .level
                .parse()
                .map_err(|e: wangge_domain::policy::UnknownValue| {
                    AppError::invalid("level", e.to_string())
                })?,
            valid_from: query_date("valid_from", &self.valid_from)?
                .ok_or_else(|| AppError::invalid("valid_from", "起始日期不能为空"))?,
            valid_until: query_date("valid_until", &self.valid_until)?,
        })
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
    PageForm(f): PageForm<AreaForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    let (_, summary) = state
        .store
        .create_risk_area(&user.user.actor(), &f.area()?)
        .await?;
    Ok(done(summary))
}

#[derive(Template)]
#[template(path = "risk_area.html")]
struct EditPage {
    l: Layout,
    a: StoredRiskArea,
    levels: [RiskLevel; 3],
}

pub async fn edit(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<RiskAdmin>,
    PageId(id): PageId,
) -> PageResult<Response> {
    let a = state.store.risk_area_by_id(&user.user.actor(), id).await?;
    Ok(render(&EditPage {
        l: Layout::new(user, "risk"),
        a,
        levels: LEVELS,
    })?
    .into_response())
}

pub async fn update(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<RiskAdmin>,
    PageId(id): PageId,
    PageForm(f): PageForm<AreaForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    let (_, summary) = state
        .store
        .update_risk_area(&user.user.actor(), id, &f.area()?)
        .await?;
    Ok(done(summary))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn delete(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<RiskAdmin>,
    PageId(id): PageId,
    PageForm(f): PageForm<CsrfForm>,
) -> PageResult<Response> {
    user.check_csrf(&f.csrf)?;
    let summary = state.store.delete_risk_area(&user.user.actor(), id).await?;
    Ok(done(summary))
}

/// Multipart upload with fields `csrf` (first, so a forged request's file is never read) and
/// `file` (CSV or JSON, told apart by name or content).
pub async fn import(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<RiskAdmin>,
    mut multipart: Multipart,
) -> PageResult<Response> {
    let mut csrf_ok = false;
    let mut file: Option<(Option<String>, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("上传内容无效：{e}")))?
    {
        match field.name() {
            Some("csrf") => {
                let value = field
                    .text()
                    .await
                    .map_err(|e| AppError::BadRequest(e.to_string()))?;
                user.check_csrf(&value)?;
                csrf_ok = true;
            }
            Some("file") if csrf_ok => {
                let name = field.file_name().map(str::to_string);
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| AppError::BadRequest(format!("文件读取失败：{e}")))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    if !csrf_ok {
        user.check_csrf("")?;
    }
    let (name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| AppError::invalid("file", "请选择要上传的 CSV 或 JSON 文件"))?;
    let format = RiskFormat::detect(name.as_deref(), &bytes);
    let summary = state
        .store
        .import_risk_areas(&user.user.actor(), format, &bytes)
        .await?;
    let areas = state.store.list_risk_areas(&user.user.actor()).await?;
    Ok(render(&ListPage {
        l: Layout::new(user, "risk"),
        areas,
        levels: LEVELS,
        recompute: Some(summary.recompute),
        imported: Some(summary),
    })?
    .into_response())
}
