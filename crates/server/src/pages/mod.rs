//! What every feature's pages share (their handlers are in the features' `pages.rs`): the frame
//! (`Layout` and the navigation of the mounted features), rendering, the error page and the
//! form extractor for pages without a session (login). A handler extracts, calls the store,
//! renders a typed template.

use askama::Template;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::de::DeserializeOwned;
use wangge_store::{RowError, User};

use crate::auth::PageUser;
use crate::error::{AppError, PageError, PageResult};
use crate::feature::NavEntry;
use crate::i18n::{Texts, ZH};
use crate::AppState;

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

    /// Whether the node at `path` is in this user's subtree (a link to its page would open).
    pub fn in_scope(&self, path: &str) -> bool {
        wangge_domain::grid::in_subtree(&self.user.node_path, path)
    }

    /// Whether the export links offer full ID numbers (导出完整身份证号, audited).
    pub fn may_export_ids(&self) -> bool {
        self.user.role.exports_id_numbers()
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
pub(crate) fn script(body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        body,
    )
        .into_response()
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
