//! The JSON API under `/api/v1`. Every route needs a session cookie or an API token; without
//! one the answer is 401 with a JSON error, never data.

mod audit;
pub(crate) mod checkpoints;
mod grid;
pub(crate) mod pushlists;
mod residents;
mod users;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::AppState;

pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/pushlists/import",
            post(pushlists::import).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
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
        .route("/pushlists/batches", get(pushlists::batches))
        .route(
            "/pushlists/batches/{id}/errors.csv",
            get(pushlists::errors_csv),
        )
        .route("/pushlists/items", get(pushlists::items))
        .route("/pushlists/items/{id}", get(pushlists::item))
        .route("/pushlists/items/{id}/verify", post(pushlists::verify))
        .route("/pushlists/items/{id}/place", post(pushlists::place))
        .route("/pushlists/dashboard", get(pushlists::dashboard))
        .route(
            "/pushlists/address-rules",
            get(pushlists::rules).post(pushlists::create_rule),
        )
        .route(
            "/checkpoints",
            get(checkpoints::list).post(checkpoints::create),
        )
        .route(
            "/checkpoints/{id}",
            get(checkpoints::show).patch(checkpoints::update),
        )
        .route("/checkpoints/{id}/scans", post(checkpoints::post_scans))
        .route("/checkpoints/{id}/hours", get(checkpoints::hours))
        .route("/alerts", get(checkpoints::alerts))
        .route("/alerts/stream", get(checkpoints::stream))
        .route("/alerts/{id}/handle", post(checkpoints::handle))
        .fallback(|| async { AppError::NotFound })
}

async fn me(ApiUser(user): ApiUser) -> ApiResult<Json<wangge_store::User>> {
    Ok(Json(user))
}

/// A JSON body; a malformed one is a 400/422 JSON error naming the problem.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_error(e)),
        }
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
