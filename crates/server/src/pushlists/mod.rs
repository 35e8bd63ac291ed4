//! 推送核查 (大数据推送核查, 见底清零): the district command imports the lists pushed from
//! above (CSV or XLSX, in the background with progress), each person lands in a grid by address
//! (the address → grid table first), grid workers trace and record each step, and leaders
//! follow the counts down to the grid. ID numbers are masked unless asked for (and audited).
//!
//! `api.rs` holds the JSON handlers with their OpenAPI descriptions, `pages.rs` the page
//! handlers, `templates/pushlists/` the templates, and this file what the feature serves, its
//! texts and what the API and the pages share.

mod api;
mod pages;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;
use wangge_store::User;

use crate::error::ApiResult;
use crate::feature::{Feature, NavEntry};
use crate::form::UploadLimit;
use crate::permission::PushViewer;
use crate::AppState;

/// `upload_limit`: the largest push-list file accepted (the other routes keep the default).
pub fn feature(upload_limit: usize) -> Feature {
    Feature::new()
        .api(routes!(api::import).layer(DefaultBodyLimit::max(upload_limit)))
        .api(routes!(api::batches))
        .api(routes!(api::errors_csv))
        .api(routes!(api::items))
        .api(routes!(api::item))
        .api(routes!(api::verify))
        .api(routes!(api::place))
        .api(routes!(api::place_many))
        .api(routes!(api::dashboard))
        .api(routes!(api::rules, api::create_rule))
        .page("/pushlists", get(pages::dashboard))
        .page("/pushlists/export", get(pages::export_dashboard))
        .page(
            "/pushlists/import",
            post(pages::upload)
                .layer::<_, std::convert::Infallible>(DefaultBodyLimit::max(upload_limit))
                .layer(axum::Extension(UploadLimit(upload_limit))),
        )
        .page("/pushlists/template.csv", get(pages::template))
        .page("/pushlists/jobs/{id}", get(pages::job))
        .page("/pushlists/jobs/{id}/progress", get(pages::job_progress))
        .page("/pushlists/batches/{id}/errors.csv", get(pages::errors_csv))
        .page("/pushlists/items", get(pages::items))
        .page("/pushlists/items/export", get(pages::export_items))
        .page("/pushlists/items/{id}", get(pages::item))
        .page("/pushlists/items/{id}/verify", post(pages::verify))
        .page("/pushlists/items/{id}/place", post(pages::place))
        .page("/pushlists/place", post(pages::place_many))
        .page(
            "/pushlists/rules",
            get(pages::rules).post(pages::create_rule),
        )
        .page("/pushlists/rules/{id}/delete", post(pages::delete_rule))
        .page("/static/pushlists.js", get(script))
        .nav(NavEntry::to::<PushViewer>(
            "pushlists",
            "/pushlists",
            TEXTS.nav,
        ))
}

/// The upload and progress pages' script (served from this origin only, never inline).
async fn script() -> Response {
    crate::pages::script(include_str!("../../static/pushlists.js"))
}

/// The node a dashboard shows: the one asked for (inside the caller's scope), else the
/// caller's own.
async fn dashboard_node(
    state: &AppState,
    user: &User,
    code: Option<&str>,
) -> ApiResult<wangge_store::GridNode> {
    let code = code
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(&user.node_code);
    Ok(state.store.grid_node_by_code(&user.actor(), code).await?)
}

/// A batch's error report (行号,字段,原因) as a CSV download.
fn errors_csv_download(id: i64, rows: &[wangge_store::RowError]) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"batch-{id}-errors.csv\""),
            ),
        ],
        wangge_store::pushlist::error_report_csv(rows),
    )
        .into_response()
}

/// The feature's own words (the shared ones — 姓名, 身份证号, 上传 — are in `crate::i18n`).
pub struct PushTexts {
    pub nav: &'static str,
    pub title: &'static str,
    pub my_open: &'static str,
    pub my_overdue: &'static str,
    pub import_title: &'static str,
    pub import_help: &'static str,
    pub batch_name: &'static str,
    pub batch_name_hint: &'static str,
    pub due_hours: &'static str,
    pub file: &'static str,
    pub batches: &'static str,
    pub batch: &'static str,
    pub imported_at: &'static str,
    pub all_batches: &'static str,
    pub total: &'static str,
    pub pending: &'static str,
    pub reached: &'static str,
    pub open: &'static str,
    pub overdue: &'static str,
    pub verified: &'static str,
    pub status: &'static str,
    pub cleared: &'static str,
    pub not_cleared: &'static str,
    pub rejected_rows: &'static str,
    pub error_report: &'static str,
    pub merged_open: &'static str,
    pub here: &'static str,
    pub unassigned: &'static str,
    pub drill_help: &'static str,
    pub list_title: &'static str,
    pub view_open: &'static str,
    pub view_overdue: &'static str,
    pub view_verified: &'static str,
    pub view_all: &'static str,
    pub view_unassigned: &'static str,
    pub origin: &'static str,
    pub arrived_at: &'static str,
    pub due_at: &'static str,
    pub state: &'static str,
    pub row_in_file: &'static str,
    pub note: &'static str,
    pub overdue_mark: &'static str,
    pub verify_title: &'static str,
    pub mark_reached: &'static str,
    pub mark_measures: &'static str,
    pub measures: &'static str,
    /// the form's label (says the field is optional)
    pub arrival_id: &'static str,
    /// how a stored arrival number is shown beside the measures
    pub arrival_ref: &'static str,
    pub mark_left: &'static str,
    pub destination: &'static str,
    pub mark_not_found: &'static str,
    pub reason: &'static str,
    pub final_state: &'static str,
    pub place_title: &'static str,
    pub place_button: &'static str,
    pub place_many_title: &'static str,
    pub place_many_help: &'static str,
    pub place_many_button: &'static str,
    pub select_all: &'static str,
    pub pick: &'static str,
    pub placed_notice: &'static str,
    pub merged_from: &'static str,
    pub verified_at: &'static str,
    pub job_title: &'static str,
    pub job_running: &'static str,
    pub job_rows: &'static str,
    pub job_done: &'static str,
    pub job_failed: &'static str,
    pub job_created: &'static str,
    pub job_merged: &'static str,
    pub job_unassigned: &'static str,
    pub job_to_batch: &'static str,
    pub rules_title: &'static str,
    pub rules_help: &'static str,
    pub keyword: &'static str,
    pub delete: &'static str,
    pub empty: &'static str,
}

pub static TEXTS: PushTexts = PushTexts {
    nav: "推送核查",
    title: "推送核查 · 见底清零",
    my_open: "待核查名单",
    my_overdue: "超时未核查",
    import_title: "导入推送名单（CSV 或 XLSX）",
    import_help: "列：姓名、身份证号、手机号、来源地、抵达时间、现住址、备注（或 name, id_number, phone, origin, arrived_at, address, note）。CSV 可为 UTF-8 或 GBK 编码。有错的行不导入，可下载错误报告；同一人重复推送会合并。",
    batch_name: "批次名称",
    batch_name_hint: "默认为文件名",
    due_hours: "核查时限（小时）",
    file: "文件",
    batches: "推送批次",
    batch: "批次",
    imported_at: "导入时间",
    all_batches: "全部批次",
    total: "合计",
    pending: "待核查",
    reached: "已联系",
    open: "未核查",
    overdue: "超时",
    verified: "已核查",
    status: "状态",
    cleared: "已清零",
    not_cleared: "未清零",
    rejected_rows: "被拒行",
    error_report: "错误报告",
    merged_open: "另有并入早先批次未核查",
    here: "本级（待下沉到网格）",
    unassigned: "待分配（住址未匹配到网格）",
    drill_help: "点击名称逐级查看，直到网格。",
    list_title: "推送人员",
    view_open: "未核查",
    view_overdue: "超时",
    view_verified: "已核查",
    view_all: "全部",
    view_unassigned: "待分配",
    origin: "来源地",
    arrived_at: "抵达时间",
    due_at: "核查时限",
    state: "核查状态",
    row_in_file: "原文件行号",
    note: "备注",
    overdue_mark: "已超时",
    verify_title: "登记核查结果",
    mark_reached: "已联系到本人",
    mark_measures: "已落实管控措施",
    measures: "管控措施",
    arrival_id: "来返报备编号（可选）",
    arrival_ref: "来返报备编号",
    mark_left: "已离开本区",
    destination: "去向",
    mark_not_found: "查无此人",
    reason: "原因",
    final_state: "核查已完成。",
    place_title: "分配到网格",
    place_button: "分配",
    place_many_title: "批量分配",
    place_many_help: "勾选下表中的人员，选择网格后一次分配；任一人不能分配时全部不分配，并说明原因。",
    place_many_button: "分配所选人员",
    select_all: "全选本页",
    pick: "选择",
    placed_notice: "已分配",
    merged_from: "重复推送（已合并）",
    verified_at: "核查完成时间",
    job_title: "导入进度",
    job_running: "正在导入，请稍候……",
    job_rows: "已读取行数",
    job_done: "导入完成",
    job_failed: "导入失败",
    job_created: "新增核查对象",
    job_merged: "合并重复",
    job_unassigned: "待分配",
    job_to_batch: "查看该批次见底清零情况",
    rules_title: "地址对照表",
    rules_help: "住址中含有关键词（如小区名）的人员分到对应网格。对照表优先于网格名称匹配，最长的关键词优先。",
    keyword: "关键词",
    delete: "删除",
    empty: "暂无记录",
};
