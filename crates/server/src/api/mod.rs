//! The JSON API under `/api/v1`. Every route needs a session cookie or an API token; without
//! one the answer is 401 with a JSON error, never data.

mod audit;
mod grid;
pub mod openapi;
mod residents;
mod users;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::routing::{get, post};
use axum::Json;
use serde::de::DeserializeOwned;

use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::routes::Routes;
use crate::AppState;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route("/me", get(me))
        .route("/grid", get(grid::list).post(grid::create))
        .route("/grid/import", post(grid::import))
        .route("/grid/{code}", get(grid::show))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", get(users::show))
        .route("/users/{id}/tokens", post(users::create_token))
        .route("/residents", get(residents::list).post(residents::create))
        .route("/residents/{id}", get(residents::show))
        .route("/audit", get(audit::list))
}

/// The error every route answers with: a message naming the problem, the field at fault when
/// there is one, and for refused imports one entry per bad row.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: String,
    pub field: Option<String>,
    pub rows: Option<Vec<wangge_store::RowError>>,
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", tag = "users", responses((status = 200, body = wangge_store::User), (status = 401, body = ErrorBody)))]
async fn me(ApiUser(user): ApiUser) -> ApiResult<Json<wangge_store::User>> {
    Ok(Json(user))
}

/// A JSON body; a malformed one is a 400/422 JSON error naming the problem.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let ApiBytes(bytes) = ApiBytes::from_request(req, state).await?;
        // NUL cannot be stored in PostgreSQL text and is never meaningful in a field
        if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
            return Err(AppError::invalid("body", "字段中含有 NUL 字符"));
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_error(e)),
        }
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

fn json_error(e: JsonRejection) -> AppError {
    match e {
        JsonRejection::JsonDataError(e) => {
            AppError::invalid("body", format!("JSON 字段无效：{}", e.body_text()))
        }
        other => AppError::BadRequest(format!("请求体不是有效的 JSON：{}", other.body_text())),
    }
}
