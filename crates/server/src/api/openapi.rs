//! The OpenAPI document of the JSON API, generated from the handlers' annotations and served at
//! `/api/openapi.json`: the features' routes (each declared once, with its description, in its
//! folder; see `crate::feature`), merged into [`ApiDoc`] (title, the error body), the security
//! schemes, and the error responses every route shares ([`CommonErrors`]), added once here.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(title = "wangge 网格 API", description = "区级基层治理平台 JSON API。机器调用用 `Authorization: Bearer <令牌>`；浏览器会话调用写操作须带 `X-CSRF-Token`。"),
    components(schemas(ErrorBody)),
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
        // handlers in different modules share names (`list`, `create`): derive a unique
        // operationId from the method and the path instead, e.g. `post_arrivals_id_status`
        for (path, item) in doc.paths.paths.iter_mut() {
            let ops = [
                ("get", item.get.as_mut()),
                ("post", item.post.as_mut()),
                ("put", item.put.as_mut()),
                ("patch", item.patch.as_mut()),
                ("delete", item.delete.as_mut()),
            ];
            for (method, op) in ops {
                if let Some(op) = op {
                    op.operation_id = Some(operation_id(method, path));
                }
            }
        }
    }
}

fn operation_id(method: &str, path: &str) -> String {
    let rest = path.trim_start_matches("/api/v1/");
    let words: String = rest
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let words: Vec<&str> = words.split('_').filter(|w| !w.is_empty()).collect();
    format!("{method}_{}", words.join("_"))
}

/// The whole document: the features' paths merged into [`ApiDoc`], then the modifiers.
pub fn document(features: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(features);
    Security.modify(&mut doc);
    CommonErrors.modify(&mut doc);
    doc
}

/// The error responses every route may give, added to each operation that does not describe
/// them itself: a handler's annotation lists its success and any error particular to it (409
/// for a duplicate, 429 for the public report). All carry [`ErrorBody`].
pub struct CommonErrors;

impl CommonErrors {
    fn response(description: &str) -> RefOr<Response> {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build(),
        )
    }
}

impl Modify for CommonErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for (path, item) in doc.paths.paths.iter_mut() {
            let ops = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ];
            for op in ops.into_iter().flatten() {
                let mut common = vec![
                    ("400", "请求无效（参数或 JSON 格式错误）"),
                    ("401", "未登录，或令牌无效、过期、已吊销"),
                    ("403", "无权访问（角色、辖区或 CSRF 令牌）"),
                    ("422", "输入无效：error 说明原因，field 指明字段"),
                    ("503", "数据库暂时不可用，请稍后重试"),
                ];
                if path.contains('{') {
                    common.push(("404", "不存在或不在辖区内"));
                }
                if op.request_body.is_some() {
                    common.push(("413", "请求体过大"));
                }
                for (status, description) in common {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| Self::response(description));
                }
            }
        }
    }
}
