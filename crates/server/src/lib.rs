//! wangge HTTP server: server-rendered Chinese pages and the JSON API under `/api/v1`.
//!
//! [`launch`] is what `main` and the integration tests both call: give it a bound listener, an
//! open store and a shutdown signal.

mod api;
mod arrivals;
mod audit;
mod auth;
mod cache;
mod checkpoints;
mod daily;
pub mod error;
mod export;
mod exports;
mod feature;
mod form;
mod grid;
mod home;
pub mod i18n;
mod jobs;
mod login;
mod mass_testing;
mod pages;
mod params;
mod permission;
mod places;
mod policies;
mod pushlists;
pub mod ratelimit;
mod regions;
mod residents;
mod reveal;
mod risk;
mod routes;
mod search;
mod security;
mod timefmt;
mod tokens;
mod upload;
mod users;

pub use auth::SESSION_COOKIE;

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
    /// Per-client limit on login attempts, on top of the per-account lockout: slows password
    /// spraying across many accounts from one address.
    pub login_limit: ratelimit::RateLimit,
    /// Per-client limit on the public arrival report (form and anonymous API).
    pub report_limit: ratelimit::RateLimit,
    /// Per-client limit on the public region lookup (`GET /api/v1/regions`, the pickers'
    /// suggestions as someone types).
    pub regions_limit: ratelimit::RateLimit,
    /// Take the client address from the last `X-Forwarded-For` entry: only behind a reverse
    /// proxy that sets it, or any client could pick its own address.
    pub trust_forwarded_for: bool,
    /// Largest push-list upload accepted, in bytes (files of a million rows are ~100 MB).
    pub upload_limit: usize,
    /// Hours after import by which pushed persons must be verified, offered as the default.
    pub push_due_hours: i64,
    /// Rows an export reads from the store at a time (1..=500; see `export`).
    pub export_page_rows: i64,
    /// Rows an export writes at most; a longer list exports its first rows and says so.
    pub export_max_rows: u64,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            secure_cookies: true,
            session_ttl: chrono::Duration::hours(8),
            body_limit: 8 * 1024 * 1024,
            login_limit: ratelimit::RateLimit {
                burst: 30,
                refill: std::time::Duration::from_secs(2),
            },
            report_limit: ratelimit::RateLimit {
                burst: 10,
                refill: std::time::Duration::from_secs(30),
            },
            regions_limit: ratelimit::RateLimit {
                burst: 60,
                refill: std::time::Duration::from_millis(500),
            },
            trust_forwarded_for: false,
            upload_limit: 1024 * 1024 * 1024,
            push_due_hours: wangge_store::pushlist::DEFAULT_DUE_HOURS,
            export_page_rows: 500,
            export_max_rows: 200_000,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<AppConfig>,
    pub report_limiter: Arc<ratelimit::RateLimiter>,
    pub login_limiter: Arc<ratelimit::RateLimiter>,
    pub regions_limiter: Arc<ratelimit::RateLimiter>,
    /// The one writer of checkpoint scans (group commit).
    pub scans: wangge_store::checkpoints::ScanWriter,
    pub caches: Arc<cache::Caches>,
    pub jobs: Arc<jobs::Jobs>,
    /// Turns true when the server shuts down, so endless streams (alerts) end.
    pub closing: tokio::sync::watch::Receiver<bool>,
    /// The navigation of the mounted features (set by [`router`]).
    pub nav: Arc<[feature::NavEntry]>,
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
            report_limiter: Arc::new(ratelimit::RateLimiter::new(config.report_limit)),
            login_limiter: Arc::new(ratelimit::RateLimiter::new(config.login_limit)),
            regions_limiter: Arc::new(ratelimit::RateLimiter::new(config.regions_limit)),
            store,
            config: Arc::new(config),
            caches: Arc::default(),
            jobs: Arc::default(),
            nav: Arc::new([]),
        }
    }
}

/// Today in the district (Asia/Shanghai): dates of arrivals, plans and lists are local dates.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

/// The features of the server, in the order the navigation lists them: adding a feature is
/// writing its folder and one line here.
fn features(upload_limit: usize) -> Vec<feature::Feature> {
    vec![
        home::feature(),
        grid::feature(),
        residents::feature(),
        arrivals::feature(),
        daily::feature(),
        risk::feature(),
        policies::feature(),
        pushlists::feature(upload_limit),
        checkpoints::feature(),
        mass_testing::feature(),
        exports::feature(),
        regions::feature(),
        home::coming(),
        users::feature(),
        tokens::feature(),
        audit::feature(),
        login::feature(),
    ]
}

fn mounted(upload_limit: usize) -> feature::Mounted {
    feature::mount(features(upload_limit))
}

/// The OpenAPI document of the JSON API, as served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::openapi::document(mounted(AppConfig::default().upload_limit).openapi)
}

/// The path of every route, for tests that must cover them all.
pub fn route_paths() -> Vec<String> {
    let mut paths = mounted(AppConfig::default().upload_limit).paths;
    paths.push(OPENAPI_PATH.to_string());
    paths
}

const OPENAPI_PATH: &str = "/api/openapi.json";

pub fn router(mut state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let mounted = mounted(state.config.upload_limit);
    state.nav = mounted.nav;
    let doc = api::openapi::document(mounted.openapi);
    let doc = Arc::new(serde_json::to_string(&doc).unwrap_or_else(|_| "{}".into()));
    let app = mounted
        .router
        .route(
            OPENAPI_PATH,
            axum::routing::get(move || {
                let doc = doc.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        doc.as_str().to_string(),
                    )
                }
            }),
        )
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
    // plans need a policy; a database that cannot take one now will fail requests visibly
    if let Err(e) = store.ensure_builtin_policies().await {
        tracing::warn!(error = %e, "could not register the built-in policies");
    }
    let (closing_tx, closing) = tokio::sync::watch::channel(false);
    let state = AppState::new(store, config, closing);
    let shutdown = async move {
        shutdown.await;
        let _ = closing_tx.send(true);
    };
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
