use axum::extract::{Query, State};
use axum::Json;
use wangge_store::AuditRecord;

use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::pages::audit::{require_auditor, AuditQuery};
use crate::AppState;

/// `GET /api/v1/audit?user=&entity=&entity_id=&from=&until=&before=`: newest first, 200 at a time.
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Vec<AuditRecord>>> {
    require_auditor(user.role)?;
    Ok(Json(
        state
            .store
            .list_audit(&user.scope(), &q.filter(200)?)
            .await?,
    ))
}
