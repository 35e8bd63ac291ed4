//! 功能模块: the shape every feature of the server has. A feature is one folder,
//! `src/<feature>/`, with `api.rs` (JSON handlers, each carrying its `#[utoipa::path]`),
//! `pages.rs` (page handlers) and its templates in `templates/<feature>/`; its `mod.rs` has one
//! function, `feature()`, that says what it serves:
//!
//! ```ignore
//! Feature::new()
//!     .api(routes!(api::list, api::create))      // path and OpenAPI description, declared once
//!     .page("/risk-areas", get(pages::list))      // server-rendered pages
//!     .nav(NavEntry::to::<RiskAdmin>("risk", "/risk-areas", "风险地区"))
//! ```
//!
//! and `lib.rs` mounts it with one line. API paths in `#[utoipa::path]` are relative to
//! `/api/v1` and list only the success responses: the error responses every route shares are
//! added to the document once (`api::openapi::CommonErrors`). Every route a feature serves is
//! recorded, so the authorization matrix (`tests/authz.rs`) fails on one it has no entry for;
//! API routes can only be added with their description ([`Feature::api`] takes what
//! `utoipa_axum::routes!` builds), so an undocumented one cannot exist.

use std::sync::Arc;

use axum::routing::MethodRouter;
use axum::Router;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use wangge_domain::permission::Permission;
use wangge_domain::role::Role;

use crate::routes::Routes;
use crate::AppState;

/// Where the JSON API is mounted.
pub const API_PREFIX: &str = "/api/v1";

pub struct Feature {
    api: OpenApiRouter<AppState>,
    pages: Routes<AppState>,
    nav: Vec<NavEntry>,
}

impl Default for Feature {
    fn default() -> Self {
        Self::new()
    }
}

impl Feature {
    pub fn new() -> Self {
        Feature {
            api: OpenApiRouter::default(),
            pages: Routes::new(),
            nav: Vec::new(),
        }
    }

    /// JSON routes under [`API_PREFIX`], with their OpenAPI description: pass
    /// `utoipa_axum::routes!(handler, …)` (handlers of one path).
    pub fn api(mut self, routes: UtoipaMethodRouter<AppState>) -> Self {
        self.api = self.api.routes(routes);
        self
    }

    /// A page route (HTML, forms, downloads).
    pub fn page(mut self, path: &str, methods: MethodRouter<AppState>) -> Self {
        self.pages = self.pages.route(path, methods);
        self
    }

    /// An entry of the navigation; entries show in the order features are mounted.
    pub fn nav(mut self, entry: NavEntry) -> Self {
        self.nav.push(entry);
        self
    }
}

/// 导航: one entry of the menu, shown to the roles `shown` allows.
#[derive(Clone, Copy)]
pub struct NavEntry {
    pub key: &'static str,
    pub href: &'static str,
    pub label: &'static str,
    pub shown: fn(Role) -> bool,
    /// Modules not built yet are listed, greyed out, so the shape of the system shows.
    pub ready: bool,
}

impl NavEntry {
    /// An entry for the roles with permission `P`: the same check that guards the page.
    pub fn to<P: Permission>(key: &'static str, href: &'static str, label: &'static str) -> Self {
        NavEntry {
            key,
            href,
            label,
            shown: P::allows,
            ready: true,
        }
    }

    /// An entry for the roles `shown` allows (when no single permission says it).
    pub fn when(
        key: &'static str,
        href: &'static str,
        label: &'static str,
        shown: fn(Role) -> bool,
    ) -> Self {
        NavEntry {
            key,
            href,
            label,
            shown,
            ready: true,
        }
    }

    /// A module still to come, shown greyed out to every staff member at `/soon/<key>`.
    pub fn soon(key: &'static str, href: &'static str, label: &'static str) -> Self {
        NavEntry {
            key,
            href,
            label,
            shown: |r| !r.is_public(),
            ready: false,
        }
    }
}

/// The mounted features: one router, the OpenAPI document of their API, every path served and
/// the navigation.
pub struct Mounted {
    pub router: Router<AppState>,
    pub openapi: utoipa::openapi::OpenApi,
    pub paths: Vec<String>,
    pub nav: Arc<[NavEntry]>,
}

pub fn mount(features: Vec<Feature>) -> Mounted {
    let mut api = OpenApiRouter::default();
    let mut pages = Routes::new();
    let mut nav = Vec::new();
    for f in features {
        api = api.merge(f.api);
        pages = pages.merge(f.pages);
        nav.extend(f.nav);
    }
    let (api_router, openapi) = OpenApiRouter::default()
        .nest(API_PREFIX, api)
        .split_for_parts();
    let mut paths = pages.paths().to_vec();
    paths.extend(openapi.paths.paths.keys().cloned());
    Mounted {
        router: pages.into_router().merge(api_router),
        openapi,
        paths,
        nav: nav.into(),
    }
}
