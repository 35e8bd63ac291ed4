//! `/api/v1/pushlists`: import a batch, list and verify people, place the unassigned, the
//! 见底清零 counts, the address table. ID numbers are masked unless asked for (and audited).
//! The error responses every route shares are added to the document by `api::openapi`.

use crate::params::{ApiId, ApiQuery};
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wangge_domain::pushlist::Verification;
use wangge_store::pushlist::{
    AddressRule, BatchTotals, Dashboard, ItemView, Placement, PushImport, PushItem, PushItemFilter,
    ReadProgress,
};
use wangge_store::IdNumberOf;

use super::{dashboard_node, errors_csv_download};
use crate::api::{ApiJson, ErrorBody};
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::permission::{Allowed, PushHandler, PushImporter, PushViewer};
use crate::AppState;

/// A pushed person as the API shows them: the stored item (its ID number masked unless
/// revealed) with its state in Chinese and whether it is past its deadline.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemJson {
    #[serde(flatten)]
    item: PushItem,
    /// 状态 in Chinese
    state_label: &'static str,
    /// 超时: still open after its deadline
    overdue: bool,
}

impl ItemJson {
    fn new(item: PushItem, now: DateTime<Utc>) -> Self {
        ItemJson {
            state_label: item.state.label_zh(),
            overdue: item.is_overdue(now),
            item,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// batch name, default 推送名单 and the time
    name: Option<String>,
    /// hours to verify each person, default from the configuration
    due_hours: Option<i64>,
}

/// Imports a batch: `POST /api/v1/pushlists/import?name=…&due_hours=…` with the file (CSV or
/// XLSX) as the body. 201 with the summary and the first refused rows; 422 when the file as a
/// whole is refused.
#[utoipa::path(post, path = "/pushlists/import", tag = "pushlists", params(ImportQuery), request_body(content((Vec<u8> = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")), description = "推送名单文件（CSV 或 XLSX）"), responses((status = 201, body = ImportJson)))]
pub async fn import(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<PushImporter>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<ImportJson>)> {
    use wangge_domain::validate::text;
    let name = text::optional("name", "批次名称", q.name.as_deref(), text::TITLE_MAX)?;
    let (path, _) = crate::upload::save(body.into_data_stream()).await?;
    let opts = PushImport {
        name: name.unwrap_or_else(|| format!("推送名单 {}", crate::timefmt::local(&Utc::now()))),
        due_hours: q.due_hours.unwrap_or(state.config.push_due_hours),
    };
    let mut first_errors = Vec::new();
    let mut keep = |e: &wangge_store::RowError| {
        if first_errors.len() < 100 {
            first_errors.push(e.clone());
        }
    };
    let result = state
        .store
        .import_push_list(
            &user.actor(),
            &path,
            &opts,
            std::sync::Arc::new(ReadProgress::default()),
            Some(&mut keep),
        )
        .await;
    let _ = tokio::fs::remove_file(&path).await;
    let summary = result?;
    Ok((
        StatusCode::CREATED,
        Json(ImportJson {
            errors_url: format!("/api/v1/pushlists/batches/{}/errors.csv", summary.batch_id),
            summary,
            errors: first_errors,
        }),
    ))
}

/// The answer to an import.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportJson {
    summary: wangge_store::pushlist::PushImportSummary,
    /// the first 100 refused rows
    errors: Vec<wangge_store::RowError>,
    /// the full error report as CSV
    errors_url: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BatchJson {
    #[serde(flatten)]
    totals: BatchTotals,
    cleared: bool,
}

/// Every batch in reach with its counts, and whether it is cleared (见底清零).
#[utoipa::path(get, path = "/pushlists/batches", tag = "pushlists", responses((status = 200, body = Vec<BatchJson>)))]
pub async fn batches(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<BatchJson>>> {
    let list = state
        .store
        .list_push_batches(&user.actor(), wangge_store::now())
        .await?;
    Ok(Json(
        list.into_iter()
            .map(|t| BatchJson {
                cleared: t.cleared(),
                totals: t,
            })
            .collect(),
    ))
}

/// The error report of a batch as CSV (行号,字段,原因).
#[utoipa::path(get, path = "/pushlists/batches/{id}/errors.csv", tag = "pushlists", params(("id" = i64, Path)), responses((status = 200, description = "行号,字段,原因", content_type = "text/csv", body = String)))]
pub async fn errors_csv(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Response> {
    let rows = state.store.push_batch_errors(&user.actor(), id).await?;
    Ok(errors_csv_download(id, &rows))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemsQuery {
    batch: Option<i64>,
    /// open, overdue, verified, all, unassigned
    #[serde(default)]
    #[param(value_type = Option<String>)]
    view: ItemView,
    /// 查找: a name or part of one, a full ID number, or its last four digits
    #[serde(default)]
    #[param(required = false)]
    q: String,
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    100
}

/// The people to trace in reach, oldest first, by view (open, overdue, verified, all,
/// unassigned), a page at a time (`after` the last id seen).
#[utoipa::path(get, path = "/pushlists/items", tag = "pushlists", params(ItemsQuery), responses((status = 200, body = Vec<ItemJson>)))]
pub async fn items(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ItemsQuery>,
) -> ApiResult<Json<Vec<ItemJson>>> {
    let now = wangge_store::now();
    let filter = PushItemFilter {
        batch_id: crate::params::opt_id("batch", q.batch)?,
        view: q.view,
        node_path: None,
        search: crate::search::api(&q.q)?,
        after_id: crate::params::after("after", q.after)?,
        limit: crate::params::limit(Some(q.limit), 100)?,
    };
    let rows = state
        .store
        .list_push_items(&user.actor(), &filter, now)
        .await?;
    Ok(Json(
        rows.into_iter().map(|i| ItemJson::new(i, now)).collect(),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ShowQuery {
    /// 1: show the full ID number (recorded in the audit log)
    reveal: Option<u8>,
}

/// One person; `reveal=1` shows the full ID number and records that in the audit log.
#[utoipa::path(get, path = "/pushlists/items/{id}", tag = "pushlists", params(("id" = i64, Path), ShowQuery), responses((status = 200, body = ItemJson)))]
pub async fn item(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId,
    ApiQuery(q): ApiQuery<ShowQuery>,
) -> ApiResult<Json<ItemJson>> {
    let actor = user.actor();
    let mut item = state.store.push_item(&actor, id).await?;
    let of = IdNumberOf::PushItem(item.id);
    crate::reveal::if_asked(&state, &actor, q.reveal == Some(1), of, &mut item.id_number).await?;
    Ok(Json(ItemJson::new(item, wangge_store::now())))
}

/// Records a step of tracing: `{"state": "reached"}`,
/// `{"state": "measures_in_place", "measures": …, "arrival_id"?: …}`,
/// `{"state": "left_district", "destination": …}` or `{"state": "not_found", "reason": …}`.
#[utoipa::path(post, path = "/pushlists/items/{id}/verify", tag = "pushlists", params(("id" = i64, Path)), request_body = VerificationDoc, responses((status = 200, body = ItemJson), (status = 409, description = "该记录刚被他人修改，或此人已在另一批次中待核查", body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<PushHandler>,
    ApiId(id): ApiId,
    ApiJson(v): ApiJson<Verification>,
) -> ApiResult<Json<ItemJson>> {
    let item = state.store.verify_push_item(&user.actor(), id, v).await?;
    Ok(Json(ItemJson::new(item, wangge_store::now())))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceBody {
    node_code: String,
}

/// Places a person not yet in a grid (unassigned, or at a community or township) in a node
/// of the caller's scope.
#[utoipa::path(post, path = "/pushlists/items/{id}/place", tag = "pushlists", params(("id" = i64, Path)), request_body = PlaceBody, responses((status = 200, body = ItemJson), (status = 409, description = "该记录刚被他人修改", body = ErrorBody)))]
pub async fn place(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<PushHandler>,
    ApiId(id): ApiId,
    ApiJson(body): ApiJson<PlaceBody>,
) -> ApiResult<Json<ItemJson>> {
    let item = state
        .store
        .place_push_item(&user.actor(), id, &body.node_code)
        .await?;
    Ok(Json(ItemJson::new(item, wangge_store::now())))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceManyBody {
    /// the items to place (at most 500)
    #[schema(max_items = 500)]
    item_ids: Vec<i64>,
    node_code: String,
}

/// 批量分配: places several people at once in one node of the caller's scope, all or none; an
/// item out of reach, or already at a node the target is not under, refuses the request
/// naming it. Items already at the node are left as they are (`unchanged`).
#[utoipa::path(post, path = "/pushlists/place", tag = "pushlists", request_body = PlaceManyBody, responses((status = 200, body = Placement), (status = 409, description = "某条记录刚被他人修改", body = ErrorBody)))]
pub async fn place_many(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<PushHandler>,
    ApiJson(body): ApiJson<PlaceManyBody>,
) -> ApiResult<Json<Placement>> {
    let placed = state
        .store
        .place_push_items(&user.actor(), &body.item_ids, &body.node_code)
        .await?;
    Ok(Json(placed))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// one batch, default all
    batch: Option<i64>,
    /// node code, default the caller's own
    node: Option<String>,
}

/// 见底清零: one node's counts and its children's (default the caller's own node), for one
/// batch or all.
#[utoipa::path(get, path = "/pushlists/dashboard", tag = "pushlists", params(DashboardQuery), responses((status = 200, body = Dashboard)))]
pub async fn dashboard(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> ApiResult<Json<Dashboard>> {
    let node = dashboard_node(&state, &user, q.node.as_deref()).await?;
    let d = state
        .store
        .push_dashboard(
            &user.actor(),
            &node,
            crate::params::opt_id("batch", q.batch)?,
            wangge_store::now(),
        )
        .await?;
    Ok(Json(d))
}

/// The address → grid table.
#[utoipa::path(get, path = "/pushlists/address-rules", tag = "pushlists", responses((status = 200, body = Vec<AddressRule>)))]
pub async fn rules(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<PushViewer>,
) -> ApiResult<Json<Vec<AddressRule>>> {
    Ok(Json(state.store.list_address_rules(&user.actor()).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleBody {
    keyword: String,
    node_code: String,
}

/// Adds a rule: people whose address contains `keyword` go to the node `node_code`.
#[utoipa::path(post, path = "/pushlists/address-rules", tag = "pushlists", request_body = RuleBody, responses((status = 201, body = AddressRule), (status = 409, description = "关键词已存在", body = ErrorBody)))]
pub async fn create_rule(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<PushImporter>,
    ApiJson(body): ApiJson<RuleBody>,
) -> ApiResult<(StatusCode, Json<AddressRule>)> {
    let rule = state
        .store
        .create_address_rule(&user.actor(), &body.keyword, &body.node_code)
        .await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

// The request body's Rust type lives in the domain crate (which does not depend on utoipa):
// this describes the same JSON for the document only.

/// 一次核查结果：`state` 为 reached、measures_in_place（须 measures，可带 arrival_id）、
/// left_district（须 destination）或 not_found（须 reason）。
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct VerificationDoc {
    #[schema(example = "reached")]
    state: String,
    measures: Option<String>,
    arrival_id: Option<i64>,
    destination: Option<String>,
    reason: Option<String>,
}
