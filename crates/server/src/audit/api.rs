//! `/api/v1/audit`: the log for district admins. The error responses every route shares are
//! added to the document by `api::openapi`.

use crate::params::ApiQuery;
use axum::extract::State;
use axum::Json;
use wangge_store::AuditRecord;

use super::AuditQuery;
use crate::error::ApiResult;
use crate::permission::{Allowed, Auditor};
use crate::AppState;

/// The log, newest first, 200 at a time (`before` pages on).
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = Vec<AuditRecord>)))]
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
