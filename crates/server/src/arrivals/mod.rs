//! 来返报备: arrival reports. The public reports through its own form (`/report`, no login, a
//! double-submit CSRF cookie and a per-client rate limit) or the anonymous API; staff with a
//! handler role list the reports of their subtree, follow each one's plan, change its status,
//! assign it to a grid and record health check-ins.
//!
//! `api.rs` holds the JSON handlers, `pages.rs` the staff pages, `report.rs` the public form;
//! the templates are in `templates/arrivals/` (`plan.html` is shared by the staff page and the
//! public receipt).

mod api;
mod pages;
mod report;

use axum::routing::{get, post};
use utoipa_axum::routes;

use crate::feature::{Feature, NavEntry};
use crate::i18n::ZH;
use crate::permission::ArrivalHandler;

pub fn feature() -> Feature {
    Feature::new()
        .api(routes!(api::list, api::create))
        .api(routes!(api::show))
        .api(routes!(api::set_status))
        .api(routes!(api::check_ins, api::add_check_in))
        .page("/report", get(report::form).post(report::submit))
        .page("/arrivals", get(pages::list))
        .page("/arrivals/{id}", get(pages::show))
        .page("/arrivals/{id}/status", post(pages::set_status))
        .page("/arrivals/{id}/check-ins", post(pages::check_in))
        .nav(NavEntry::to::<ArrivalHandler>(
            "arrivals",
            "/arrivals",
            ZH.nav_arrivals,
        ))
}
