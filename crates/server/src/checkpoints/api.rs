//! `/api/v1/checkpoints` and `/api/v1/alerts`: checkpoints (admins), scans (machines with an
//! API token, one or many per request), per-hour counts, alerts and their live feed
//! (server-sent events). The error responses every route shares are added to the document by
//! `api::openapi`.

use std::convert::Infallible;
use std::sync::Arc;

use crate::params::{ApiId, ApiQuery};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use chrono::{DateTime, Duration, DurationRound, TimeDelta, Utc};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;
use wangge_domain::checkpoint::{AlertReason, CheckpointKind, ScanInput};
use wangge_store::checkpoints::{
    Alert, AlertFilter, Checkpoint, CheckpointChange, HourCount, NewCheckpoint, PersonLink,
    ScanTarget,
};
use wangge_store::{RowError, User};

use crate::api::{ApiJson, ErrorBody};
use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::permission::{Allowed, CheckpointManager, CheckpointViewer};
use crate::AppState;

/// Most scans one request may carry.
pub const MAX_SCANS_PER_REQUEST: usize = 1000;

/// The checkpoints of the caller's subtree, by node and name.
#[utoipa::path(get, path = "/checkpoints", tag = "checkpoints", responses((status = 200, body = Vec<Checkpoint>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<Checkpoint>>> {
    Ok(Json(state.store.list_checkpoints(&user.actor()).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBody {
    node_code: String,
    name: String,
    /// highway, estate, factory, supermarket, station, other
    #[schema(value_type = String, example = "highway")]
    kind: CheckpointKind,
    #[serde(default)]
    location: String,
}

/// Adds a checkpoint at a node of the caller's subtree.
#[utoipa::path(post, path = "/checkpoints", tag = "checkpoints", request_body = NewBody, responses((status = 201, body = Checkpoint), (status = 409, description = "同一网格节点下已有同名卡口", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<CheckpointManager>,
    ApiJson(b): ApiJson<NewBody>,
) -> ApiResult<(StatusCode, Json<Checkpoint>)> {
    let cp = state
        .store
        .create_checkpoint(
            &user.actor(),
            &NewCheckpoint {
                node_code: b.node_code,
                name: b.name,
                kind: b.kind,
                location: b.location,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(cp)))
}

/// One checkpoint.
#[utoipa::path(get, path = "/checkpoints/{id}", tag = "checkpoints", params(("id" = i64, Path)), responses((status = 200, body = Checkpoint)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId,
) -> ApiResult<Json<Checkpoint>> {
    Ok(Json(state.store.checkpoint(&user.actor(), id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    name: Option<String>,
    #[schema(value_type = Option<String>, example = "highway")]
    kind: Option<CheckpointKind>,
    location: Option<String>,
    active: Option<bool>,
}

/// Changes a checkpoint: rename, re-kind, move the description, close (`active: false`); the
/// fields left out keep their values.
#[utoipa::path(patch, path = "/checkpoints/{id}", tag = "checkpoints", params(("id" = i64, Path)), request_body = ChangeBody, responses((status = 200, body = Checkpoint), (status = 409, description = "同一网格节点下已有同名卡口", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId,
    ApiJson(b): ApiJson<ChangeBody>,
) -> ApiResult<Json<Checkpoint>> {
    let cp = state
        .store
        .update_checkpoint(
            &user.actor(),
            id,
            &CheckpointChange {
                name: b.name,
                kind: b.kind,
                location: b.location,
                active: b.active,
            },
        )
        .await?;
    state.caches.targets.clear();
    Ok(Json(cp))
}

/// Where `user`'s scans for checkpoint `id` go, cached for a few seconds.
async fn target(state: &AppState, user: &User, id: i64) -> ApiResult<Arc<ScanTarget>> {
    let key = (user.id, id);
    if let Some(t) = state.caches.targets.get(&key) {
        return Ok(t);
    }
    let t = Arc::new(state.store.scan_target(&user.actor(), id).await?);
    state.caches.targets.put(key, t.clone());
    Ok(t)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Batch {
    scans: Vec<ScanInput>,
}

/// A body is one scan (`{…}`), a list (`[…]`) or `{"scans": […]}`.
fn parse_scans(body: &[u8]) -> ApiResult<Vec<ScanInput>> {
    let bad = |e: serde_json::Error| AppError::invalid("body", format!("JSON 无效：{e}"));
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'[') => serde_json::from_slice(body).map_err(bad),
        Some(b'{') => match serde_json::from_slice::<Batch>(body) {
            Ok(b) => Ok(b.scans),
            Err(_) => serde_json::from_slice::<ScanInput>(body)
                .map(|s| vec![s])
                .map_err(bad),
        },
        _ => Err(AppError::BadRequest(
            "请求体应为一条扫码记录（JSON 对象）或其数组".into(),
        )),
    }
}

/// Posts scans: answered only after they are committed. All scans of a request are stored or
/// none; a bad one is named by its position.
#[utoipa::path(post, path = "/checkpoints/{id}/scans", tag = "checkpoints", params(("id" = i64, Path)), request_body(content = Vec<ScanDoc>, description = "一条扫码记录 `{…}`、其数组 `[…]` 或 `{\"scans\": […]}`，一次最多 1000 条"), responses((status = 201, body = ScansJson), (status = 409, description = "卡口已关闭", body = ErrorBody), (status = 422, description = "扫码无效：rows 逐条指明第几条、哪个字段和原因", body = ErrorBody)))]
pub async fn post_scans(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ScansJson>)> {
    let target = target(&state, &user, id).await?;
    let inputs = parse_scans(&body)?;
    if inputs.is_empty() {
        return Err(AppError::invalid("scans", "没有扫码记录"));
    }
    if inputs.len() > MAX_SCANS_PER_REQUEST {
        return Err(AppError::invalid(
            "scans",
            format!("一次最多上传{MAX_SCANS_PER_REQUEST}条"),
        ));
    }
    let now = wangge_store::now();
    let mut scans = Vec::with_capacity(inputs.len());
    let mut errors = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        match input.check(now) {
            Ok(s) => scans.push(s),
            Err(e) => errors.push(RowError {
                row: i as u64 + 1,
                field: e.field().into(),
                message: e.to_string(),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Rows(errors));
    }
    let acks = state.scans.submit(target, scans).await?;
    Ok((
        StatusCode::CREATED,
        Json(ScansJson {
            accepted: acks.len(),
            scans: acks,
        }),
    ))
}

/// The answer to a scan upload: how many were stored, and for each its id and any alert.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ScansJson {
    accepted: usize,
    scans: Vec<wangge_store::checkpoints::ScanAck>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HoursQuery {
    /// default 24, at most 744
    hours: Option<i64>,
}

/// Counts of the last `hours` hours (default 24), one entry per hour with scans.
#[utoipa::path(get, path = "/checkpoints/{id}/hours", tag = "checkpoints", params(("id" = i64, Path), HoursQuery), responses((status = 200, body = Vec<HourCount>)))]
pub async fn hours(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiId(id): ApiId,
    ApiQuery(q): ApiQuery<HoursQuery>,
) -> ApiResult<Json<Vec<HourCount>>> {
    let n = wangge_domain::validate::number::in_range(
        "hours",
        "小时数",
        q.hours.unwrap_or(24),
        1..=24 * 31,
    )?;
    let end = Utc::now()
        .duration_trunc(TimeDelta::hours(1))
        .unwrap_or_else(|_| Utc::now())
        + Duration::hours(1);
    Ok(Json(
        state
            .store
            .checkpoint_hours(&user.actor(), id, end - Duration::hours(n), end)
            .await?,
    ))
}

/// An alert as the API and the live feed show it: the ID number masked; the person's name
/// and the links to their records only where the caller may open those records.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertJson {
    id: i64,
    checkpoint_id: i64,
    checkpoint_name: String,
    #[schema(value_type = Vec<String>)]
    reasons: Vec<AlertReason>,
    reason_labels: String,
    id_number: Option<String>,
    /// 姓名, as the caller's own records of the person hold it; absent otherwise
    person_name: Option<String>,
    /// The person's records the caller may open (来返报备, 推送核查), newest first
    links: Vec<LinkJson>,
    plate: Option<String>,
    temperature: Option<f64>,
    code_colour: Option<String>,
    created_at: DateTime<Utc>,
    created_at_local: String,
    handled: bool,
    /// contacted, transferred, isolated, false_alarm, other
    outcome: Option<String>,
    /// 已联系, 已转运, 已隔离, 误报, 其他
    outcome_label: Option<String>,
    note: Option<String>,
    handled_by: Option<String>,
    handled_at: Option<DateTime<Utc>>,
}

/// A record of the alert's person, with the page that shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LinkJson {
    #[serde(flatten)]
    link: PersonLink,
    /// 来返报备 or 推送核查
    kind_label: &'static str,
    href: String,
}

impl From<&PersonLink> for LinkJson {
    fn from(l: &PersonLink) -> Self {
        LinkJson {
            link: l.clone(),
            kind_label: l.kind.label_zh(),
            href: super::record_href(l),
        }
    }
}

impl From<&Alert> for AlertJson {
    fn from(a: &Alert) -> Self {
        AlertJson {
            id: a.id,
            checkpoint_id: a.checkpoint_id,
            checkpoint_name: a.checkpoint_name.clone(),
            reasons: a.reason_list(),
            reason_labels: a.reason_labels(),
            id_number: a.masked_id_number(),
            person_name: a.person_name(),
            links: a.people.iter().map(LinkJson::from).collect(),
            plate: a.plate.clone(),
            temperature: a.temperature,
            code_colour: a.code_colour.clone(),
            created_at: a.created_at,
            created_at_local: crate::timefmt::local(&a.created_at),
            handled: a.handled_at.is_some(),
            outcome: a.outcome().map(|o| o.as_str().to_string()),
            outcome_label: a.outcome().map(|o| o.label_zh().to_string()),
            note: a.note.clone(),
            handled_by: a.handled_by.clone(),
            handled_at: a.handled_at,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertsQuery {
    /// one checkpoint, default all the caller may see
    checkpoint: Option<i64>,
    /// 1: only alerts not yet handled
    #[serde(default)]
    open: Option<u8>,
    /// Keyset paging: alerts with a smaller id than this
    before: Option<i64>,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    100
}

/// The alerts the caller may see, newest first, a page at a time (`before` the last id seen).
#[utoipa::path(get, path = "/alerts", tag = "checkpoints", params(AlertsQuery), responses((status = 200, body = Vec<AlertJson>)))]
pub async fn alerts(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<AlertsQuery>,
) -> ApiResult<Json<Vec<AlertJson>>> {
    let filter = AlertFilter {
        checkpoint_id: crate::params::opt_id("checkpoint", q.checkpoint)?,
        open_only: q.open == Some(1),
        before_id: crate::params::opt_id("before", q.before)?,
        limit: crate::params::limit(Some(q.limit), 100)?,
    };
    let list = state.store.list_alerts(&user.actor(), &filter).await?;
    Ok(Json(list.iter().map(AlertJson::from).collect()))
}

/// One alert the caller may see.
#[utoipa::path(get, path = "/alerts/{id}", tag = "checkpoints", params(("id" = i64, Path)), responses((status = 200, body = AlertJson)))]
pub async fn show_alert(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<CheckpointViewer>,
    ApiId(id): ApiId,
) -> ApiResult<Json<AlertJson>> {
    let a = state.store.alert(&user.actor(), id).await?;
    Ok(Json(AlertJson::from(&a)))
}

/// 处置 as sent: an outcome from the list and a note (required for `other`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandleBody {
    /// contacted (已联系), transferred (已转运), isolated (已隔离), false_alarm (误报), other
    /// (其他); the Chinese names are taken too
    #[serde(default)]
    outcome: String,
    /// 处置说明, at most 2000 characters; required when the outcome is `other`
    #[serde(default)]
    note: Option<String>,
}

/// Records how an alert was handled (处置), once: a second handling is 409.
#[utoipa::path(post, path = "/alerts/{id}/handle", tag = "checkpoints", params(("id" = i64, Path)), request_body = HandleBody, responses((status = 200, body = AlertJson), (status = 409, description = "此预警已处置", body = ErrorBody), (status = 422, description = "处置结果不在列表中，选“其他”未填处置说明，或处置说明过长：field 指明字段", body = ErrorBody)))]
pub async fn handle(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<CheckpointViewer>,
    ApiId(id): ApiId,
    ApiJson(b): ApiJson<HandleBody>,
) -> ApiResult<Json<AlertJson>> {
    let note = b.note.unwrap_or_default();
    let a = state
        .store
        .handle_alert(&user.actor(), id, &b.outcome, &note)
        .await?;
    Ok(Json(AlertJson::from(&a)))
}

/// The live feed: server-sent events, one `alert` event per new alert that reaches the caller
/// (the checkpoint's node or a grid of the scanned person), showing what the lists show them.
#[utoipa::path(get, path = "/alerts/stream", tag = "checkpoints", responses((status = 200, description = "server-sent events：每条新预警一个 `alert` 事件（data 为 AlertJson），漏收时一个 `lagged` 事件", content_type = "text/event-stream", body = String)))]
pub async fn stream(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<CheckpointViewer>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let rx = state.scans.subscribe();
    let closing = state.closing.clone();
    let viewer = user.actor();
    let events = futures_util::stream::unfold(
        (rx, closing, viewer),
        |(mut rx, mut closing, viewer)| async move {
            loop {
                if *closing.borrow() {
                    return None;
                }
                let next = tokio::select! {
                    next = rx.recv() => next,
                    _ = closing.changed() => return None,
                };
                match next {
                    // the store decides what this viewer sees of it, as for the lists
                    Ok(raised) => {
                        let Some(a) = raised.seen_by(&viewer) else {
                            continue;
                        };
                        let event = Event::default()
                            .event("alert")
                            .json_data(AlertJson::from(&a))
                            .unwrap_or_else(|_| Event::default().comment("unserialisable"));
                        return Some((Ok(event), (rx, closing, viewer)));
                    }
                    // a slow reader missed some: tell the page to reload the list
                    Err(RecvError::Lagged(_)) => {
                        return Some((
                            Ok(Event::default().event("lagged").data("reload")),
                            (rx, closing, viewer),
                        ));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

// The request body's Rust type lives in the domain crate (which does not depend on utoipa):
// this describes the same JSON for the document only.

/// 卡口设备上传的一次扫码。
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ScanDoc {
    id_number: Option<String>,
    plate: Option<String>,
    temperature: Option<f64>,
    /// in, out
    direction: Option<String>,
    /// green, yellow, red
    code_colour: Option<String>,
    scanned_at: Option<chrono::DateTime<chrono::Utc>>,
}
