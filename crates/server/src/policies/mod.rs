//! 政策: the policy versions the plans are computed with (防疫政策版本, TOML files). Every
//! logged-in user may read them and check a file without storing it; district admins publish a
//! new version, which recomputes the open plans. API only: no pages, no navigation entry.

mod api;

use utoipa_axum::routes;

use crate::feature::Feature;

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::list, api::publish))
        .api(routes!(api::check_only))
        .api(routes!(api::show))
}
