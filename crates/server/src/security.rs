//! Response headers every answer carries: a strict CSP (no inline script or style anywhere, so
//! an injected tag cannot run), no framing, no MIME sniffing, no referrer leaking record ids,
//! and `Cache-Control: no-store` on everything but the static assets, so no page or API answer
//! (lists of people, ID numbers, audit records) is kept by a browser, a shared computer's disk
//! cache or a proxy.

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// Paths under this prefix are the static assets, which keep their own caching.
pub const STATIC_PREFIX: &str = "/static/";

pub fn with_headers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    router
        .layer(set(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "no-referrer"))
        .layer(axum::middleware::from_fn(no_store))
}

/// Every answer outside [`STATIC_PREFIX`] is `no-store`, whatever its handler set: personal
/// data must not be cached, and a handler cannot forget it.
async fn no_store(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with(STATIC_PREFIX);
    let mut resp = next.run(req).await;
    if !is_static {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
