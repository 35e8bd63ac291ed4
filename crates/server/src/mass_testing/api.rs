//! `/api/v1/testing/…`: campaigns, sampling points, tubes, samples, results and recall lists.
//! The error responses every route shares are added to the document by `api::openapi`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use wangge_store::mass_testing::{
    Campaign, NewCampaign, NewResult, NewSample, NewSamplingPoint, Recall, ResultsSummary,
    SampleAck, SamplingPoint, Tube,
};

use crate::api::{ApiJson, ErrorBody};
use crate::error::ApiResult;
use crate::params::ApiId;
use crate::permission::{
    Allowed, RecallViewer, ResultRecorder, SampleCollector, Staff, TestingManager,
};
use crate::AppState;

/// The campaigns the caller sees (at, above or below their node), the newest first.
#[utoipa::path(get, path = "/testing/campaigns", tag = "testing", responses((status = 200, body = Vec<Campaign>)))]
pub async fn list_campaigns(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<Staff>,
) -> ApiResult<Json<Vec<Campaign>>> {
    Ok(Json(state.store.list_campaigns(&user.actor()).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignBody {
    /// the node the campaign covers
    node_code: String,
    name: String,
    /// YYYY-MM-DD
    starts_on: String,
    /// YYYY-MM-DD
    ends_on: String,
    /// 混样人数: 1, 5, 10 or 20
    pool_size: u32,
}

/// 新建检测轮次 over a node of the caller's subtree.
#[utoipa::path(post, path = "/testing/campaigns", tag = "testing", request_body = CampaignBody, responses((status = 201, body = Campaign)))]
pub async fn create_campaign(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<TestingManager>,
    ApiJson(b): ApiJson<CampaignBody>,
) -> ApiResult<(StatusCode, Json<Campaign>)> {
    let campaign = state
        .store
        .create_campaign(
            &user.actor(),
            &NewCampaign {
                node_code: b.node_code,
                name: b.name,
                starts_on: b.starts_on,
                ends_on: b.ends_on,
                pool_size: b.pool_size.to_string(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(campaign)))
}

/// One campaign.
#[utoipa::path(get, path = "/testing/campaigns/{id}", tag = "testing", params(("id" = i64, Path)), responses((status = 200, body = Campaign)))]
pub async fn show_campaign(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<Staff>,
    ApiId(id): ApiId,
) -> ApiResult<Json<Campaign>> {
    Ok(Json(state.store.campaign(&user.actor(), id).await?))
}

/// The campaign's sampling points in the caller's subtree.
#[utoipa::path(get, path = "/testing/campaigns/{id}/points", tag = "testing", params(("id" = i64, Path)), responses((status = 200, body = Vec<SamplingPoint>)))]
pub async fn list_points(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<Staff>,
    ApiId(id): ApiId,
) -> ApiResult<Json<Vec<SamplingPoint>>> {
    Ok(Json(
        state.store.list_sampling_points(&user.actor(), id).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointBody {
    node_code: String,
    name: String,
    /// 采样时间
    #[serde(default)]
    hours: String,
    /// 采样人员
    #[serde(default)]
    staff: String,
    /// the point's own pool size; absent: the campaign's
    #[serde(default)]
    pool_size: Option<u32>,
}

/// 新增采样点 of a campaign.
#[utoipa::path(post, path = "/testing/campaigns/{id}/points", tag = "testing", params(("id" = i64, Path)), request_body = PointBody, responses((status = 201, body = SamplingPoint), (status = 409, description = "本轮检测已有同名采样点", body = ErrorBody)))]
pub async fn add_point(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<TestingManager>,
    ApiId(id): ApiId,
    ApiJson(b): ApiJson<PointBody>,
) -> ApiResult<(StatusCode, Json<SamplingPoint>)> {
    let point = state
        .store
        .add_sampling_point(
            &user.actor(),
            id,
            &NewSamplingPoint {
                node_code: b.node_code,
                name: b.name,
                hours: b.hours,
                staff: b.staff,
                pool_size: b.pool_size.map(|s| s.to_string()).unwrap_or_default(),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(point)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TubeBody {
    /// 试管条码: 4–32 letters, digits, - or _
    barcode: String,
}

/// 开管: a new tube at a sampling point, on a day of its campaign.
#[utoipa::path(post, path = "/testing/points/{id}/tubes", tag = "testing", params(("id" = i64, Path)), request_body = TubeBody, responses((status = 201, body = Tube), (status = 409, description = "试管条码已使用", body = ErrorBody)))]
pub async fn open_tube(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<SampleCollector>,
    ApiId(id): ApiId,
    ApiJson(b): ApiJson<TubeBody>,
) -> ApiResult<(StatusCode, Json<Tube>)> {
    let tube = state.store.open_tube(&user.actor(), id, &b.barcode).await?;
    Ok((StatusCode::CREATED, Json(tube)))
}

/// One tube of a sampling point in the caller's subtree.
#[utoipa::path(get, path = "/testing/tubes/{barcode}", tag = "testing", params(("barcode" = String, Path)), responses((status = 200, body = Tube)))]
pub async fn show_tube(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<SampleCollector>,
    Path(barcode): Path<String>,
) -> ApiResult<Json<Tube>> {
    Ok(Json(state.store.tube(&user.actor(), &barcode).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleBody {
    /// 身份证号
    id_number: String,
    /// as an ID-card reader gives it
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

/// 装样: one person into an open tube, durable before the answer. Refused (409) when the
/// person is already in a tube of this campaign, naming it; 422 when the tube is full or sealed.
#[utoipa::path(post, path = "/testing/tubes/{barcode}/samples", tag = "testing", params(("barcode" = String, Path)), request_body = SampleBody, responses((status = 201, body = SampleAck), (status = 409, description = "此人本轮已在某一试管中（指明试管）", body = ErrorBody)))]
pub async fn add_sample(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<SampleCollector>,
    Path(barcode): Path<String>,
    ApiJson(b): ApiJson<SampleBody>,
) -> ApiResult<(StatusCode, Json<SampleAck>)> {
    let ack = state
        .store
        .add_sample(
            &user.actor(),
            &barcode,
            &NewSample {
                id_number: b.id_number,
                name: b.name,
                phone: b.phone,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(ack)))
}

/// 封管: the tube takes no more samples and goes to the lab.
#[utoipa::path(post, path = "/testing/tubes/{barcode}/seal", tag = "testing", params(("barcode" = String, Path)), responses((status = 200, body = Tube)))]
pub async fn seal_tube(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<SampleCollector>,
    Path(barcode): Path<String>,
) -> ApiResult<Json<Tube>> {
    Ok(Json(state.store.seal_tube(&user.actor(), &barcode).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    barcode: String,
    /// negative, positive or inconclusive (阴性, 阳性, 可疑)
    result: String,
}

/// 录入结果: results of sealed tubes, all or none (422 names each bad row and field).
#[utoipa::path(post, path = "/testing/results", tag = "testing", request_body = Vec<ResultBody>, responses((status = 200, body = ResultsSummary)))]
pub async fn record_results(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<ResultRecorder>,
    ApiJson(rows): ApiJson<Vec<ResultBody>>,
) -> ApiResult<Json<ResultsSummary>> {
    let rows: Vec<NewResult> = rows
        .into_iter()
        .map(|r| NewResult {
            barcode: r.barcode,
            result: r.result,
        })
        .collect();
    Ok(Json(
        state.store.record_results(&user.actor(), &rows).await?,
    ))
}

/// 召回名单 of a tube: after a positive or inconclusive result, the members the caller may see
/// (ID numbers masked); empty before a result and after a negative one.
#[utoipa::path(get, path = "/testing/tubes/{barcode}/recall", tag = "testing", params(("barcode" = String, Path)), responses((status = 200, body = Recall)))]
pub async fn recall(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<RecallViewer>,
    Path(barcode): Path<String>,
) -> ApiResult<Json<Recall>> {
    Ok(Json(
        state.store.tube_recall(&user.actor(), &barcode).await?,
    ))
}
