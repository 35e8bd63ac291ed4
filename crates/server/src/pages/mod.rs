//! Server-rendered pages. A handler extracts, calls the store, renders a typed template.

mod checkpoints;
mod pushlists;

use askama::Template;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use wangge_store::{RowError, User};

use crate::auth::PageUser;
use crate::error::{AppError, PageError, PageResult};
use crate::feature::{Feature, NavEntry};
use crate::i18n::{Texts, ZH};
use crate::routes::Routes;
use crate::AppState;
use wangge_domain::role::Role;

pub fn routes(upload_limit: usize) -> Routes<AppState> {
    Routes::new()
        .route("/pushlists", get(pushlists::dashboard))
        .route(
            "/pushlists/import",
            post(pushlists::upload)
                .layer::<_, std::convert::Infallible>(axum::extract::DefaultBodyLimit::max(
                    upload_limit,
                ))
                .layer(axum::Extension(crate::form::UploadLimit(upload_limit))),
        )
        .route("/pushlists/jobs/{id}", get(pushlists::job))
        .route(
            "/pushlists/jobs/{id}/progress",
            get(pushlists::job_progress),
        )
        .route(
            "/pushlists/batches/{id}/errors.csv",
            get(pushlists::errors_csv),
        )
        .route("/pushlists/items", get(pushlists::items))
        .route("/pushlists/items/{id}", get(pushlists::item))
        .route("/pushlists/items/{id}/verify", post(pushlists::verify))
        .route("/pushlists/items/{id}/place", post(pushlists::place))
        .route(
            "/pushlists/rules",
            get(pushlists::rules).post(pushlists::create_rule),
        )
        .route("/pushlists/rules/{id}/delete", post(pushlists::delete_rule))
        .route(
            "/checkpoints",
            get(checkpoints::list).post(checkpoints::create),
        )
        .route("/checkpoints/alerts", get(checkpoints::alerts))
        .route("/checkpoints/alerts/{id}/handle", post(checkpoints::handle))
        .route(
            "/checkpoints/{id}",
            get(checkpoints::show).post(checkpoints::update),
        )
        .route("/static/pushlists.js", get(pushlists_js))
        .route("/static/alerts.js", get(alerts_js))
}

/// What every page's frame needs: texts, the user, the CSRF token for its forms, which
/// navigation entry is current, and the navigation of the mounted features.
pub struct Layout {
    pub t: &'static Texts,
    pub user: User,
    pub csrf: String,
    pub active: &'static str,
    nav: std::sync::Arc<[NavEntry]>,
}

impl Layout {
    pub fn new(page_user: PageUser, active: &'static str) -> Self {
        Layout {
            t: &ZH,
            user: page_user.user,
            csrf: page_user.csrf,
            active,
            nav: page_user.nav,
        }
    }

    /// The entries this user's role may see, in the order their features are mounted.
    pub fn nav(&self) -> Vec<NavEntry> {
        let role = self.user.role;
        self.nav
            .iter()
            .filter(|e| (e.shown)(role))
            .copied()
            .collect()
    }
}

/// The navigation of the features not yet in their own folders, in the order the menu shows
/// them.
pub fn legacy_nav_tail() -> Feature {
    let t = &ZH;
    Feature::new()
        .nav(NavEntry::when(
            "pushlists",
            "/pushlists",
            t.nav_pushlists,
            Role::handles_push_lists,
        ))
        .nav(NavEntry::when(
            "checkpoints",
            "/checkpoints",
            t.nav_checkpoints,
            Role::sees_checkpoints,
        ))
}

pub fn render(page: &impl Template) -> PageResult<Html<String>> {
    Ok(Html(page.render().map_err(AppError::from)?))
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub t: &'static Texts,
    pub status: u16,
    pub message: String,
    /// The field at fault, named in the markup (`data-field`) for scripts and tests; the
    /// message names it in words.
    pub field: Option<String>,
    pub rows: Vec<RowError>,
}

pub async fn not_found() -> PageError {
    PageError(AppError::NotFound)
}

/// Static scripts: the CSP allows scripts from this origin only, never inline.
fn script(body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        body,
    )
        .into_response()
}

async fn pushlists_js() -> Response {
    script(include_str!("../../static/pushlists.js"))
}

async fn alerts_js() -> Response {
    script(include_str!("../../static/alerts.js"))
}

/// A form body (`application/x-www-form-urlencoded`). NUL in any field, or a value of the wrong
/// shape, is a 422 page naming the field, as on the JSON API; nothing with NUL reaches the
/// store from a form. Another content type or an unreadable body is a 400 page.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(PageError(AppError::BadRequest(
                "表单内容无效：应为 application/x-www-form-urlencoded".into(),
            )));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| crate::error::body_error(e, state.config.body_limit))?;
        Ok(PageForm(crate::params::decode_pairs(&bytes, "form")?))
    }
}
