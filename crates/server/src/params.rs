//! Extractors for what a client puts in the URL and in forms, so a bad value answers 422 naming
//! its parameter (JSON on API routes, the error page on pages) instead of axum's plain-text 400:
//!
//! - [`ApiQuery`] / [`PageQuery`]: a query string, decoded into `T`; NUL in any key or value is
//!   refused before decoding.
//! - [`ApiId`] / [`PageId`]: a record id in the path, an integer ≥ 1.
//! - [`decode_form`]: the same rules for an `application/x-www-form-urlencoded` body
//!   (used by `pages::PageForm`).
//!
//! Ranges (dates, limits, ids inside values) are checked by the domain's `validate` module,
//! called from the handlers and the store.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use wangge_domain::validate::{number, text};

use crate::error::{AppError, PageError};

/// Decodes `key=value&…` into `T`: NUL anywhere is refused naming the field, a value of the
/// wrong shape is refused naming the field (`what` names the whole input otherwise).
pub fn decode_pairs<T: DeserializeOwned>(input: &[u8], what: &str) -> Result<T, AppError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(input).into_owned().collect();
    if let Some(field) = text::find_nul(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        let field = field.replace('\0', "\\0");
        return Err(AppError::invalid(
            &field,
            "含有 NUL 字符，不允许输入控制字符",
        ));
    }
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(input));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let field = if path.is_empty() || path == "." {
            what.to_string()
        } else {
            path
        };
        AppError::invalid(&field, format!("取值无效（{}）", e.inner()))
    })
}

/// A query string decoded into `T`; a bad value is a 422 JSON error naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let q = parts.uri.query().unwrap_or("");
        decode_pairs(q.as_bytes(), "query").map(ApiQuery)
    }
}

/// A query string decoded into `T`; a bad value is a 422 page naming the parameter.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        let ApiQuery(v) = ApiQuery::from_request_parts(parts, state).await?;
        Ok(PageQuery(v))
    }
}

/// The one path parameter of a record route (`/…/{id}`): an integer ≥ 1, else 422 naming it.
pub struct ApiId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for ApiId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::invalid("id", "编号应为正整数"))?;
        let (name, value) = params
            .iter()
            .next()
            .ok_or_else(|| AppError::Internal("route without a path parameter".into()))?;
        Ok(ApiId(number::parse_id(name, "编号", value)?))
    }
}

/// [`ApiId`] on a page route: a bad id is the error page.
pub struct PageId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PageId {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        let ApiId(id) = ApiId::from_request_parts(parts, state).await?;
        Ok(PageId(id))
    }
}

/// A page size from the query: 1..=1000, `default` when absent.
pub fn limit(value: Option<i64>, default: i64) -> Result<i64, AppError> {
    Ok(number::in_range(
        "limit",
        "每页条数",
        value.unwrap_or(default),
        number::LIMIT,
    )?)
}

/// An optional record id from the query (a filter or a keyset position): ≥ 1.
pub fn opt_id(field: &str, value: Option<i64>) -> Result<Option<i64>, AppError> {
    Ok(value.map(|v| number::id(field, "编号", v)).transpose()?)
}

/// A keyset position that starts at 0 (`after=0` is the first page).
pub fn after(field: &str, value: i64) -> Result<i64, AppError> {
    Ok(number::in_range(field, "翻页位置", value, 0..=i64::MAX)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Q {
        #[serde(default)]
        before: Option<i64>,
        #[serde(default)]
        user: String,
    }

    #[test]
    fn decodes_and_names_the_bad_field() {
        let q: Q = decode_pairs(b"before=5&user=%E7%8E%8B", "query").unwrap();
        assert_eq!((q.before, q.user.as_str()), (Some(5), "王"));
        let e = decode_pairs::<Q>(b"before=abc", "query").unwrap_err();
        assert!(
            matches!(&e, AppError::Invalid { field, .. } if field == "before"),
            "{e:?}"
        );
        let e = decode_pairs::<Q>(b"user=a%00b", "query").unwrap_err();
        assert!(
            matches!(&e, AppError::Invalid { field, .. } if field == "user"),
            "{e:?}"
        );
        assert!(e.message().contains("NUL"));
    }

    #[test]
    fn limits_and_ids() {
        assert_eq!(limit(None, 100).unwrap(), 100);
        assert!(
            matches!(limit(Some(0), 100), Err(AppError::Invalid { field, .. }) if field == "limit")
        );
        assert!(limit(Some(1001), 100).is_err());
        assert!(
            matches!(opt_id("before", Some(0)), Err(AppError::Invalid { field, .. }) if field == "before")
        );
        assert_eq!(opt_id("before", None).unwrap(), None);
        assert!(after("after", -1).is_err());
    }
}
