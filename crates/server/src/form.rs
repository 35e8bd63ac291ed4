//! 表单: what every page form shares. The CSRF check is an extractor, so a handler cannot forget
//! it and a forged request is refused before its body is decoded or its file read:
//!
//! - [`CsrfForm<T>`]: an `application/x-www-form-urlencoded` body whose `csrf` field matches the
//!   session's token, decoded into `T` (which need not have a `csrf` field);
//! - [`CsrfMultipart`]: a `multipart/form-data` body whose first part is `csrf`; the rest is read
//!   with [`CsrfMultipart::next`] (streamed, for large uploads) or [`CsrfMultipart::small`];
//! - cookie-authenticated JSON calls send `X-CSRF-Token`, checked by `auth::ApiUser`.
//!
//! A bad form comes back as the same form, status 422, with every error beside its field and
//! what was typed kept: the handler collects the errors in [`FieldErrors`] (from its own parsing
//! and from the store's answer) and renders its page again with [`invalid`]. Templates show an
//! error with `{% call f::error(errors, "field") %}` and the summary with
//! `{% call f::summary(errors) %}` (`templates/form.html`).

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::de::DeserializeOwned;
use wangge_store::FieldError;

use crate::auth::PageUser;
use crate::error::{AppError, PageError, PageResult};
use crate::AppState;

/// A form posted by a logged-in page user, with its CSRF token checked (see the module doc).
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        let user = PageUser::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::BadRequest(
                "表单内容无效：应为 application/x-www-form-urlencoded".into(),
            )
            .into());
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| crate::error::body_error(e, state.config.body_limit))?;
        let sent = form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        user.check_csrf(&sent)?;
        Ok(CsrfForm(crate::params::decode_pairs(&bytes, "form")?))
    }
}

/// A form with nothing but its CSRF token (a delete or revoke button).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// A multipart form posted by a logged-in page user whose first part, `csrf`, matched the
/// session's token; nothing after it has been read yet.
pub struct CsrfMultipart {
    multipart: Multipart,
    limit: usize,
}

/// A file part read into memory (bounded by the request body limit).
pub struct Upload {
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

/// The text parts and the file of a small multipart form.
#[derive(Default)]
pub struct SmallForm {
    pub fields: Vec<(String, String)>,
    pub file: Option<Upload>,
}

impl SmallForm {
    /// The non-empty file, or an error naming the `file` field with `missing`.
    pub fn file(self, missing: &str) -> Result<Upload, AppError> {
        self.file
            .filter(|f| !f.bytes.is_empty())
            .ok_or_else(|| AppError::invalid("file", missing))
    }
}

/// How long a text part of a multipart form may be.
const TEXT_PART_MAX: usize = 4096;

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        let user = PageUser::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let limit = req
            .extensions()
            .get::<UploadLimit>()
            .map_or(state.config.body_limit, |l| l.0);
        let multipart = Multipart::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(format!("上传内容无效：{}", e.body_text())))?;
        let mut form = CsrfMultipart { multipart, limit };
        let sent = match form.next().await? {
            Some(field) if field.name() == Some("csrf") => text_of(field).await?,
            _ => String::new(),
        };
        user.check_csrf(&sent)?;
        Ok(form)
    }
}

/// The body limit of a route that accepts larger uploads than the default, set by the route
/// (`axum::Extension(UploadLimit(n))`), so upload errors name the right limit.
#[derive(Clone, Copy)]
pub struct UploadLimit(pub usize);

impl CsrfMultipart {
    /// The next part, streamed; a broken or oversized body is a clear error.
    pub async fn next(&mut self) -> Result<Option<Field<'_>>, AppError> {
        let limit = self.limit;
        self.multipart
            .next_field()
            .await
            .map_err(|e| multipart_error(e, limit))
    }

    /// The text of a part (bounded, without NUL).
    pub async fn text(field: Field<'_>) -> Result<String, AppError> {
        text_of(field).await
    }

    /// Reads the rest of a small form into memory: its text parts and its `file` part.
    pub async fn small(mut self) -> Result<SmallForm, AppError> {
        let limit = self.limit;
        let mut form = SmallForm::default();
        while let Some(field) = self.next().await? {
            let name = field.name().unwrap_or("").to_string();
            if name == "file" {
                let file_name = field.file_name().map(str::to_string);
                let bytes = field.bytes().await.map_err(|e| multipart_error(e, limit))?;
                form.file = Some(Upload {
                    name: file_name,
                    bytes: bytes.to_vec(),
                });
            } else {
                let value = text_of(field).await?;
                form.fields.push((name, value));
            }
        }
        Ok(form)
    }
}

async fn text_of(field: Field<'_>) -> Result<String, AppError> {
    let name = field.name().unwrap_or("").to_string();
    let value = field
        .text()
        .await
        .map_err(|e| AppError::BadRequest(format!("上传内容无效：{e}")))?;
    if value.len() > TEXT_PART_MAX || value.contains('\0') {
        return Err(AppError::invalid(&name, "内容过长或含有控制字符"));
    }
    Ok(value)
}

fn multipart_error(e: MultipartError, limit: usize) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge(format!("文件超过上限 {}", crate::error::size_label(limit)))
    } else {
        AppError::BadRequest(format!("上传内容无效：{e}"))
    }
}

/// The errors of one submitted form, by field key.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Keeps an error that concerns fields (a bad or duplicate value) to show beside them;
    /// any other error (403, 404, the database down) is handed back, for the error page.
    pub fn absorb(&mut self, e: impl Into<AppError>) -> Result<(), AppError> {
        match e.into() {
            AppError::Invalid { field, message } | AppError::Conflict { field, message } => {
                self.add(&field, message);
                Ok(())
            }
            AppError::Fields(errors) => {
                self.0.extend(errors);
                Ok(())
            }
            other => Err(other),
        }
    }

    /// The value of `r`, or `None` with its error kept (see [`FieldErrors::absorb`]).
    pub fn check<T, E: Into<AppError>>(&mut self, r: Result<T, E>) -> Result<Option<T>, AppError> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) => self.absorb(e).map(|()| None),
        }
    }

    /// The first message about `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn all(&self) -> &[FieldError] {
        &self.0
    }

    /// The errors as one: `Invalid` for a single field (the JSON API's `{"error", "field"}`),
    /// `Fields` for more.
    pub fn into_error(mut self) -> AppError {
        if self.0.len() == 1 {
            let e = self.0.remove(0);
            AppError::invalid(&e.field, e.message)
        } else {
            AppError::Fields(self.0)
        }
    }
}

/// The same form page again, with status 422 (a bad form is not a success).
pub fn invalid(page: &impl askama::Template) -> PageResult<Response> {
    let html = page.render().map_err(AppError::from)?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_field_errors_and_hands_back_the_rest() {
        let mut errors = FieldErrors::new();
        errors
            .absorb(AppError::invalid("code", "区划代码须为六位数字"))
            .unwrap();
        errors
            .absorb(AppError::Conflict {
                field: "username".into(),
                message: "用户名已存在".into(),
            })
            .unwrap();
        errors
            .absorb(AppError::Fields(vec![FieldError {
                field: "name".into(),
                message: "地区名称不能为空".into(),
            }]))
            .unwrap();
        assert_eq!(errors.len(), 3);
        assert_eq!(errors.get("code"), Some("区划代码须为六位数字"));
        assert_eq!(errors.get("name"), Some("地区名称不能为空"));
        assert_eq!(errors.get("level"), None);
        assert!(matches!(
            errors.absorb(AppError::NotFound),
            Err(AppError::NotFound)
        ));
        let v: Option<i32> = errors
            .check(Err::<i32, _>(AppError::invalid("level", "x")))
            .unwrap();
        assert_eq!(v, None);
        assert_eq!(errors.len(), 4);
    }
}
