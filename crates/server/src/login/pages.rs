//! 登录 / 退出. A login always starts a new session (the old one is dropped), so a session id
//! planted before login is worthless after it.

use askama::Template;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wangge_store::{random_token, LoginOutcome};

use super::{LoginTexts, TEXTS};
use crate::auth::{cookie, same_secret, set_cookie, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::error::{AppError, PageResult};
use crate::form::{CsrfForm, NoFields};
use crate::i18n::{Texts, ZH};
use crate::pages::{render, PageForm};
use crate::ratelimit::ClientIp;
use crate::AppState;

#[derive(Template)]
#[template(path = "login/form.html")]
struct LoginPage {
    t: &'static Texts,
    lt: &'static LoginTexts,
    csrf: String,
    error: Option<String>,
    username: String,
}

/// The login form, with a fresh token in both a cookie and the form (double submit): a
/// foreign site can post the form but cannot read or set our cookie.
fn login_page(
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
    username: String,
) -> PageResult<Response> {
    let csrf = random_token();
    let page = LoginPage {
        t: &ZH,
        lt: &TEXTS,
        csrf: csrf.clone(),
        error,
        username,
    };
    let cookie = set_cookie(state, LOGIN_CSRF_COOKIE, &csrf, 3600);
    Ok((status, [(SET_COOKIE, cookie)], render(&page)?).into_response())
}

pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> PageResult<Response> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if state.store.session_user(token).await?.is_some() {
            return Ok(Redirect::to("/").into_response());
        }
    }
    login_page(&state, StatusCode::OK, None, String::new())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> PageResult<Response> {
    if let Err(wait) = state.login_limiter.check(ip) {
        return Ok(crate::error::too_many(wait));
    }
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !same_secret(expected, &form.csrf) {
        let msg = TEXTS.expired.to_string();
        return login_page(&state, StatusCode::FORBIDDEN, Some(msg), form.username);
    }
    let username = form.username.trim().to_string();
    match state.store.login(&username, &form.password).await? {
        LoginOutcome::Success(user) => {
            if let Some(old) = cookie(&headers, SESSION_COOKIE) {
                state.store.delete_session(old).await?;
            }
            let session = state
                .store
                .create_session(user.id, state.config.session_ttl)
                .await?;
            let max_age = state.config.session_ttl.num_seconds();
            let mut response = Redirect::to("/").into_response();
            let headers = response.headers_mut();
            for value in [
                set_cookie(&state, SESSION_COOKIE, &session.token, max_age),
                set_cookie(&state, LOGIN_CSRF_COOKIE, "", 0),
            ] {
                headers.append(
                    SET_COOKIE,
                    value
                        .parse()
                        .map_err(|_| AppError::Internal("cookie".into()))?,
                );
            }
            Ok(response)
        }
        // an unknown account, a wrong password and a locked account answer alike (status,
        // page, and time: the store checks a hash in every case), so the lockout tells
        // nobody which accounts exist; a locked account refuses the right password too
        LoginOutcome::BadCredentials | LoginOutcome::Locked { .. } => login_page(
            &state,
            StatusCode::UNAUTHORIZED,
            Some(TEXTS.bad_credentials.into()),
            username,
        ),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    _: CsrfForm<NoFields>,
) -> PageResult<Response> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        state.store.delete_session(token).await?;
    }
    let clear = set_cookie(&state, SESSION_COOKIE, "", 0);
    Ok(([(SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}
