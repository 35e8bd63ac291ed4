//! What every feature's JSON API shares (its routes are in the features' `api.rs`): the error
//! body, the body extractors and the OpenAPI document. Every route needs a session cookie or an API token; without
//! one the answer is 401 with a JSON error, never data. The one exception is
//! `POST /api/v1/arrivals`, which the public may call without credentials (rate limited per
//! client); see `crate::arrivals`.

pub mod openapi;

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::AppState;

/// The error every route answers with: a message naming the problem, the field at fault when
/// there is one, and for refused imports one entry per bad row.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: String,
    pub field: Option<String>,
    /// Every bad field, when a form had more than one (`field` names the first).
    pub fields: Option<Vec<wangge_store::FieldError>>,
    pub rows: Option<Vec<wangge_store::RowError>>,
}

/// A JSON body; a malformed one is a 400/422 JSON error naming the problem.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let ApiBytes(bytes) = ApiBytes::from_request(req, state).await?;
        parse_json_body(&bytes).map(ApiJson)
    }
}

/// A raw body (e.g. a CSV upload); over the limit is a 413 JSON error naming the limit.
pub struct ApiBytes(pub axum::body::Bytes);

impl FromRequest<AppState> for ApiBytes {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(|e| crate::error::body_error(e, state.config.body_limit))
    }
}

/// Parses a JSON body read as bytes (for handlers that must act before parsing, like the rate
/// limit): malformed JSON is 400, well-formed JSON of the wrong shape is 422.
pub fn parse_json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    // NUL cannot be stored in PostgreSQL text and is never meaningful in a field
    if body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(AppError::invalid("body", "字段中含有 NUL 字符"));
    }
    serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            AppError::invalid("body", format!("JSON 字段无效：{e}"))
        } else {
            AppError::BadRequest(format!("请求体不是有效的 JSON：{e}"))
        }
    })
}

/// An optional `YYYY-MM-DD` query value within 1900-01-01..=2100-12-31 (the domain's one date
/// rule), naming the field when malformed or out of range.
pub fn query_date(field: &str, text: &str) -> Result<Option<chrono::NaiveDate>, AppError> {
    Ok(wangge_domain::validate::date::parse_optional(field, text)?)
}
