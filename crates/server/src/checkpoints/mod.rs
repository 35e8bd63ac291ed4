//! 卡口 (checkpoints) and their alerts: district and township staff add, change and close the
//! checkpoints of their subtree; gates and the staff who run a checkpoint post scans with an API
//! token (one or many per request, committed before the answer); a fever, a red or yellow code
//! or a pushed person raises an alert that the checkpoint's node and the grids of the scanned
//! person (their arrivals, their push items) see at once (a live feed of server-sent events),
//! naming the person and linking to their records only for those who may open them, and that
//! one of them handles (处置) with an outcome from a fixed list.
//!
//! `api.rs` holds the JSON handlers with their OpenAPI descriptions, `pages.rs` the page
//! handlers, `templates/checkpoints/` the templates, and this file what the feature serves and
//! its texts.

mod api;
mod pages;

use axum::response::Response;
use axum::routing::{get, post};
use utoipa_axum::routes;

use wangge_store::checkpoints::{PersonLink, RecordKind};

use crate::feature::{Feature, NavEntry};
use crate::permission::CheckpointViewer;

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::list, api::create))
        .api(routes!(api::show, api::update))
        .api(routes!(api::post_scans))
        .api(routes!(api::hours))
        .api(routes!(api::alerts))
        .api(routes!(api::stream))
        .api(routes!(api::show_alert))
        .api(routes!(api::handle))
        .page("/checkpoints", get(pages::list).post(pages::create))
        .page("/checkpoints/alerts", get(pages::alerts))
        .page("/checkpoints/alerts/export", get(pages::export_alerts))
        .page("/checkpoints/alerts/{id}", get(pages::alert))
        .page("/checkpoints/alerts/{id}/handle", post(pages::handle))
        .page("/checkpoints/{id}", get(pages::show).post(pages::update))
        .page("/checkpoints/{id}/scans/export", get(pages::export_scans))
        .page("/static/alerts.js", get(script))
        .nav(NavEntry::to::<CheckpointViewer>(
            "checkpoints",
            "/checkpoints",
            TEXTS.nav,
        ))
}

/// The page of a record an alert links its person to.
pub(crate) fn record_href(link: &PersonLink) -> String {
    match link.kind {
        RecordKind::Arrival => format!("/arrivals/{}", link.id),
        RecordKind::PushItem => format!("/pushlists/items/{}", link.id),
    }
}

/// The alert list's live feed script (served from this origin only, never inline).
async fn script() -> Response {
    crate::pages::script(include_str!("../../static/alerts.js"))
}

/// The feature's own words (the shared ones — 名称, 网格节点, 新增 — are in `crate::i18n`).
pub struct CheckpointTexts {
    pub nav: &'static str,
    pub title: &'static str,
    pub new: &'static str,
    pub kind: &'static str,
    pub location: &'static str,
    pub active: &'static str,
    pub closed: &'static str,
    pub save: &'static str,
    pub api_help: &'static str,
    pub hours_title: &'static str,
    pub hour: &'static str,
    pub scans: &'static str,
    pub alerts: &'static str,
    pub recent_scans: &'static str,
    pub subject: &'static str,
    pub temperature: &'static str,
    pub direction: &'static str,
    pub code_colour: &'static str,
    pub time: &'static str,
    pub alerts_title: &'static str,
    pub open_alerts: &'static str,
    pub only_open: &'static str,
    pub show_all: &'static str,
    pub reasons: &'static str,
    pub checkpoint: &'static str,
    pub handle: &'static str,
    pub handled: &'static str,
    pub live: &'static str,
    pub last_24h: &'static str,
    pub status: &'static str,
    pub empty: &'static str,
    pub plate: &'static str,
    pub not_handled: &'static str,
    pub handled_by: &'static str,
    pub handled_at: &'static str,
    pub alert_title: &'static str,
    pub person_name: &'static str,
    pub records: &'static str,
    pub records_help: &'static str,
    pub outcome: &'static str,
    pub choose_outcome: &'static str,
    pub note: &'static str,
    pub note_help: &'static str,
    pub id: &'static str,
    pub scan_time: &'static str,
}

pub static TEXTS: CheckpointTexts = CheckpointTexts {
    nav: "卡口管理",
    title: "卡口管理",
    new: "新增卡口",
    kind: "类型",
    location: "位置",
    active: "启用",
    closed: "已关闭",
    save: "保存",
    api_help: "卡口设备用 API 令牌上传扫码：POST /api/v1/checkpoints/{编号}/scans，单条或批量 JSON。体温≥37.3℃、红码黄码、推送名单人员立即预警。",
    hours_title: "分时段统计",
    hour: "时段",
    scans: "扫码",
    alerts: "预警",
    recent_scans: "最近扫码",
    subject: "人员/车辆",
    temperature: "体温",
    direction: "方向",
    code_colour: "健康码",
    time: "时间",
    alerts_title: "卡口预警",
    open_alerts: "未处置预警",
    only_open: "只看未处置",
    show_all: "显示全部",
    reasons: "预警原因",
    checkpoint: "卡口",
    handle: "处置",
    handled: "已处置",
    live: "新预警会实时出现在列表顶部。",
    last_24h: "最近24小时",
    status: "状态",
    empty: "暂无记录",
    plate: "车牌",
    not_handled: "未处置",
    handled_by: "处置人",
    handled_at: "处置时间",
    alert_title: "预警详情",
    person_name: "姓名",
    records: "相关记录",
    records_help: "只显示您有权查看的本人记录。",
    outcome: "处置结果",
    choose_outcome: "请选择",
    note: "处置说明",
    note_help: "选“其他”时必填，最多2000字。",
    id: "编号",
    scan_time: "扫码时间",
};
