//! wangge HTTP server: server-rendered Chinese pages and the JSON API under `/api/v1`.
//!
//! [`launch`] is what `main` and the integration tests both call: give it a bound listener, an
//! open store and a shutdown signal.

mod api;
mod auth;
pub mod error;
pub mod i18n;
mod pages;
mod permission;
mod routes;
mod security;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use wangge_store::Store;

#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Mark cookies `Secure`. Browsers accept Secure cookies from http://localhost and
    /// 127.0.0.1, so this stays on unless a test client cannot handle it.
    pub secure_cookies: bool,
    pub session_ttl: chrono::Duration,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            secure_cookies: true,
            session_ttl: chrono::Duration::hours(8),
            body_limit: 8 * 1024 * 1024,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<AppConfig>,
}

/// Every route of the server; [`route_paths`] lists their paths.
fn routes() -> routes::Routes<AppState> {
    pages::routes().nest("/api/v1", api::routes()).route(
        "/api/openapi.json",
        axum::routing::get(api::openapi::document),
    )
}

/// The path of every route, for tests that must cover them all.
pub fn route_paths() -> Vec<String> {
    routes().paths().to_vec()
}

pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let app = routes()
        .into_router()
        // unknown API paths answer JSON, unknown pages the error page
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { error::AppError::NotFound }),
        )
        .fallback(pages::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(body_limit));
    security::with_headers(app)
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` completes, then finishes in-flight requests and returns.
pub async fn launch(
    listener: TcpListener,
    store: Store,
    config: AppConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let state = AppState {
        store,
        config: Arc::new(config),
    };
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
