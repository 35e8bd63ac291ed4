//! wangge HTTP server: server-rendered Chinese pages and the JSON API under `/api/v1`.
//!
//! [`launch`] is what `main` and the integration tests both call: give it a bound listener, an
//! open store and a shutdown signal.

mod api;
mod auth;
mod cache;
pub mod error;
pub mod i18n;
mod jobs;
mod pages;
mod security;
mod timefmt;
mod upload;

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
    /// Largest push-list upload accepted, in bytes (files of a million rows are ~100 MB).
    pub upload_limit: usize,
    /// Hours after import by which pushed persons must be verified, offered as the default.
    pub push_due_hours: i64,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            secure_cookies: true,
            session_ttl: chrono::Duration::hours(8),
            body_limit: 8 * 1024 * 1024,
            upload_limit: 1024 * 1024 * 1024,
            push_due_hours: wangge_store::pushlist::DEFAULT_DUE_HOURS,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<AppConfig>,
    /// The one writer of checkpoint scans (group commit).
    pub scans: wangge_store::checkpoints::ScanWriter,
    pub caches: Arc<cache::Caches>,
    pub jobs: Arc<jobs::Jobs>,
    /// Turns true when the server shuts down, so endless streams (alerts) end.
    pub closing: tokio::sync::watch::Receiver<bool>,
}

impl AppState {
    /// Must be called inside a Tokio runtime: it starts the scan writer.
    pub fn new(
        store: Store,
        config: AppConfig,
        closing: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        AppState {
            closing,
            scans: wangge_store::checkpoints::ScanWriter::start(store.clone()),
            store,
            config: Arc::new(config),
            caches: Arc::default(),
            jobs: Arc::default(),
        }
    }
}

pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let app = Router::new()
        .merge(pages::routes(state.config.upload_limit))
        .nest("/api/v1", api::routes(state.config.upload_limit))
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
    let (closing_tx, closing) = tokio::sync::watch::channel(false);
    let state = AppState::new(store, config, closing);
    let shutdown = async move {
        shutdown.await;
        let _ = closing_tx.send(true);
    };
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
