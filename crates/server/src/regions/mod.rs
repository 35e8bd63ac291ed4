//! 行政区划查找: `GET /api/v1/regions?q=西安` finds divisions by name or part of one (the
//! domain's `region::search`), for the pickers of the public report form and the risk-area
//! forms (`static/regions.js`). Public — the report form is — and rate limited per client
//! (`AppConfig::regions_limit`). Without the script every picker is a plain text field, and a
//! county typed by name is still understood (`Place::parse`, `RiskArea::with_code_resolved`).

mod api;

use axum::routing::get;
use utoipa_axum::routes;

use crate::feature::Feature;

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::search))
        .page("/static/regions.js", get(script))
}

/// The pickers' script (served from this origin only, never inline).
async fn script() -> axum::response::Response {
    crate::pages::script(include_str!("../../static/regions.js"))
}
