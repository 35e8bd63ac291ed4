//! The OpenAPI document of the JSON API, generated from the handlers' annotations and served at
//! `/api/openapi.json`.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{audit, grid, residents, users, ErrorBody};

#[derive(OpenApi)]
#[openapi(
    info(title = "wangge 网格 API", description = "区级基层治理平台 JSON API。机器调用用 `Authorization: Bearer <令牌>`；浏览器会话调用写操作须带 `X-CSRF-Token`。"),
    paths(
        super::me,
        grid::list, grid::show, grid::create, grid::import,
        users::list, users::show, users::create, users::create_token,
        residents::list, residents::show, residents::create,
        audit::list,
    ),
    components(schemas(ErrorBody)),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("wangge_session"))),
        );
    }
}

pub async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
