//! One application error, mapped to an HTTP status and a clear message. JSON routes answer
//! `{"error": …, "field"?: …, "rows"?: […]}`; page routes render the error page. Internals (SQL,
//! paths) are logged, never sent.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::json;
use wangge_store::{FieldError, RowError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("请先登录")]
    Unauthorized,
    #[error("无权访问")]
    Forbidden(String),
    #[error("未找到")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// Several fields are wrong; the JSON answer names the first (as `Invalid`) and lists all.
    #[error("{}", .0.first().map_or("输入无效", |e| e.message.as_str()))]
    Fields(Vec<FieldError>),
    #[error("{} 行有错误，未导入任何数据", .0.len())]
    Rows(Vec<RowError>),
    #[error("请求过于频繁，请稍后再试")]
    TooManyRequests,
    /// The body is over the server's limit; the message says the limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("数据库暂时不可用，请稍后重试")]
    Unavailable,
    #[error("内部错误")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid { .. } | AppError::Fields(_) | AppError::Rows(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message shown to the user, in Chinese. A field's message names the field in words
    /// ("地区名称不能为空"); its key goes beside it (`field` in JSON, the input on a form).
    pub fn message(&self) -> String {
        match self {
            AppError::Forbidden(m) if !m.is_empty() => format!("无权访问：{m}"),
            other => other.to_string(),
        }
    }

    fn log(&self) {
        if let AppError::Internal(detail) = self {
            tracing::error!(%detail, "internal error");
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Forbidden(m) => AppError::Forbidden(m),
            StoreError::Invalid { field, message } => AppError::Invalid { field, message },
            StoreError::Conflict { field, message } => AppError::Conflict { field, message },
            StoreError::Fields(errors) => AppError::Fields(errors),
            StoreError::RowsRejected(rows) => AppError::Rows(rows),
            StoreError::Unavailable(err) => {
                tracing::warn!(error = %err, "database unavailable");
                AppError::Unavailable
            }
            other => {
                AppError::Internal(format!("{other}: {:?}", std::error::Error::source(&other)))
            }
        }
    }
}

impl From<wangge_domain::validate::TextError> for AppError {
    fn from(e: wangge_domain::validate::TextError) -> Self {
        AppError::invalid(e.field(), e.to_string())
    }
}

impl From<wangge_domain::validate::date::DateError> for AppError {
    fn from(e: wangge_domain::validate::date::DateError) -> Self {
        AppError::invalid(e.field(), e.to_string())
    }
}

impl From<wangge_domain::validate::number::NumberError> for AppError {
    fn from(e: wangge_domain::validate::number::NumberError) -> Self {
        AppError::invalid(e.field(), e.to_string())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl IntoResponse for AppError {
    /// The JSON form; page handlers wrap errors in [`PageError`] instead.
    fn into_response(self) -> Response {
        self.log();
        let mut body = json!({ "error": self.message() });
        match &self {
            AppError::Invalid { field, .. } | AppError::Conflict { field, .. } => {
                body["field"] = json!(field);
            }
            AppError::Fields(errors) => {
                if let Some(first) = errors.first() {
                    body["field"] = json!(first.field);
                }
                body["fields"] = json!(errors);
            }
            AppError::Rows(rows) => body["rows"] = json!(rows),
            _ => {}
        }
        (self.status(), Json(body)).into_response()
    }
}

/// An error on an HTML route: the same mapping, rendered as a page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let err = self.0;
        err.log();
        if matches!(err, AppError::Unauthorized) {
            return axum::response::Redirect::to("/login").into_response();
        }
        let rows = match &err {
            AppError::Rows(rows) => rows.clone(),
            _ => Vec::new(),
        };
        let field = match &err {
            AppError::Invalid { field, .. } | AppError::Conflict { field, .. } => {
                Some(field.clone())
            }
            AppError::Fields(errors) => errors.first().map(|e| e.field.clone()),
            _ => None,
        };
        let page = crate::pages::ErrorPage {
            t: &crate::i18n::ZH,
            status: err.status().as_u16(),
            message: err.message(),
            field,
            rows,
        };
        let html = askama::Template::render(&page)
            .unwrap_or_else(|_| format!("<h1>{}</h1>", err.status()));
        (err.status(), Html(html)).into_response()
    }
}

/// The 429 page of a public form (login, report), with the seconds to wait.
pub fn too_many(wait: std::time::Duration) -> Response {
    retry_after(PageError(AppError::TooManyRequests).into_response(), wait)
}

/// The 429 JSON answer of a public API route (the anonymous report, the region lookup), with
/// the seconds to wait.
pub fn too_many_api(wait: std::time::Duration) -> Response {
    retry_after(AppError::TooManyRequests.into_response(), wait)
}

fn retry_after(mut resp: Response, wait: std::time::Duration) -> Response {
    let secs = wait.as_secs().max(1).to_string();
    if let Ok(v) = axum::http::HeaderValue::from_str(&secs) {
        resp.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
    resp
}

/// A body that could not be read: over the size limit (413, naming the limit) or broken.
pub fn body_error(e: axum::extract::rejection::BytesRejection, limit: usize) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge(format!("请求体超过上限 {}", size_label(limit)))
    } else {
        AppError::BadRequest(format!("无法读取请求体：{}", e.body_text()))
    }
}

/// "8 MB", "512 KB": a limit as people read it.
pub fn size_label(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

pub type ApiResult<T> = Result<T, AppError>;
pub type PageResult<T> = Result<T, PageError>;
