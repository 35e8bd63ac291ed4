//! Who is calling: a browser session (cookie) or a machine (API token), and the CSRF check
//! that guards every state-changing request made with a cookie.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use wangge_store::User;

use crate::error::{AppError, PageError};
use crate::AppState;

pub const SESSION_COOKIE: &str = "wangge_session";
pub const LOGIN_CSRF_COOKIE: &str = "wangge_login_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of cookie `name` in the request, if any.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the attributes every cookie of ours carries.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}")
}

/// Constant-time comparison, so a CSRF token cannot be guessed byte by byte from timing.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A logged-in caller of a JSON route: `Authorization: Bearer TOKEN` or a session cookie.
/// Anything else is 401 with a JSON error, and so is an expired or revoked token (exactly as an
/// unknown one). A token caller's `User::token_id` names the token, for the audit log. Cookie
/// callers must send `X-CSRF-Token` on requests that change state.
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(value) = parts.headers.get(AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or(AppError::Unauthorized)?;
            let token = token.trim();
            // machines post scans many times a second: the token's user is cached briefly
            if let Some((user, expires_at)) = state.caches.tokens.get(&token.to_string()) {
                return if expires_at > chrono::Utc::now() {
                    Ok(ApiUser(user))
                } else {
                    Err(AppError::Unauthorized)
                };
            }
            return match state.store.api_token_user(token).await? {
                Some((user, expires_at)) => {
                    state
                        .caches
                        .tokens
                        .put(token.to_string(), (user.clone(), expires_at));
                    Ok(ApiUser(user))
                }
                None => Err(AppError::Unauthorized),
            };
        }
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthorized)?;
        let (user, csrf) = state
            .store
            .session_user(token)
            .await?
            .ok_or(AppError::Unauthorized)?;
        if !is_safe(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !same_secret(sent, &csrf) {
                return Err(AppError::Forbidden("缺少或错误的 CSRF 令牌".into()));
            }
        }
        Ok(ApiUser(user))
    }
}

/// A logged-in caller of an HTML page, with the CSRF token its forms must carry and the
/// navigation of the mounted features. Without a live session the browser is sent to the login
/// page. The session is looked up once a request: later extractors (the CSRF form extractors
/// of `form.rs`) reuse it.
#[derive(Clone)]
pub struct PageUser {
    pub user: User,
    pub csrf: String,
    pub nav: std::sync::Arc<[crate::feature::NavEntry]>,
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        if let Some(user) = parts.extensions.get::<PageUser>() {
            return Ok(user.clone());
        }
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or(AppError::Unauthorized)?;
        let (user, csrf) = state
            .store
            .session_user(token)
            .await?
            .ok_or(AppError::Unauthorized)?;
        let user = PageUser {
            user,
            csrf,
            nav: state.nav.clone(),
        };
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

impl PageUser {
    /// Every form posts its `csrf` field; it must match the session's token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), AppError> {
        if same_secret(sent, &self.csrf) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试".into(),
            ))
        }
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookie() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, "a=1; wangge_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn compares_secrets() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }
}
