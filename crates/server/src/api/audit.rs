use crate::params::ApiQuery;
use axum::extract::State;
use axum::Json;
use wangge_store::AuditRecord;

use super::ErrorBody;
use crate::error::ApiResult;
use crate::pages::audit::AuditQuery;
use crate::permission::{Allowed, Auditor};
use crate::AppState;

/// `GET /api/v1/audit?user=&entity=&entity_id=&from=&until=&before=`: newest first, 200 at a time.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = Vec<AuditRecord>), (status = 401, description = "未登录", body = ErrorBody), (status = 403, description = "无权访问", body = ErrorBody), (status = 422, description = "输入无效，field 指明字段", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<Auditor>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<AuditRecord>>> {
    Ok(Json(
        state
            .store
            .list_audit(&user.actor(), &q.filter(200)?)
            .await?,
    ))
}
