//! 全员核酸 (mass testing) over the JSON API: campaigns and their sampling points (district and
//! township staff), tubes opened, filled and sealed at a point (collectors, on phones or
//! scanners, one request a scan), results from a lab (a lab token), and the recall list of a
//! positive or inconclusive tube. The rules and the scope are the store's
//! (`wangge_store::mass_testing`); pages come with the collector's page of issue 15.
//!
//! `api.rs` holds the JSON handlers with their OpenAPI descriptions.

mod api;

use utoipa_axum::routes;

use crate::feature::Feature;

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::list_campaigns, api::create_campaign))
        .api(routes!(api::show_campaign))
        .api(routes!(api::list_points, api::add_point))
        .api(routes!(api::open_tube))
        .api(routes!(api::show_tube))
        .api(routes!(api::add_sample))
        .api(routes!(api::seal_tube))
        .api(routes!(api::record_results))
        .api(routes!(api::recall))
}
