//! `/api/v1/grid`: the caller's subtree for every logged-in user; adding nodes and importing
//! the tree for district admins. The error responses every route shares are added to the
//! document by `api::openapi`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use wangge_domain::grid::Level;
use wangge_store::{GridImportSummary, GridNode, NewGridNode};

use crate::api::ErrorBody;
use crate::api::{ApiBytes, ApiJson};
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::permission::{Allowed, GridEditor};
use crate::AppState;

/// The caller's subtree, parents before children.
#[utoipa::path(get, path = "/grid", tag = "grid", responses((status = 200, body = Vec<GridNode>)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<GridNode>>> {
    Ok(Json(state.store.list_grid(&user.actor()).await?))
}

/// One node of the caller's subtree.
#[utoipa::path(get, path = "/grid/{code}", tag = "grid", params(("code" = String, Path, description = "节点编码")), responses((status = 200, body = GridNode)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<GridNode>> {
    Ok(Json(
        state.store.grid_node_by_code(&user.actor(), &code).await?,
    ))
}

/// 新网格节点。
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNodeBody {
    code: String,
    name: String,
    #[schema(value_type = String, example = "grid")]
    level: Level,
    parent_code: Option<String>,
}

/// Adds a node (district admins; 409 when the code exists).
#[utoipa::path(post, path = "/grid", tag = "grid", request_body = NewNodeBody, responses((status = 201, body = GridNode), (status = 409, description = "编码已存在", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<GridEditor>,
    ApiJson(body): ApiJson<NewNodeBody>,
) -> ApiResult<(StatusCode, Json<GridNode>)> {
    let node = NewGridNode {
        code: body.code.trim().to_string(),
        name: body.name,
        level: body.level,
        parent_code: body.parent_code.map(|c| c.trim().to_string()),
    };
    let created = state.store.create_grid_node(&user.actor(), &node).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Imports the tree from a CSV body (district admins): all rows or none, with a per-row report.
#[utoipa::path(post, path = "/grid/import", tag = "grid", request_body(content = String, content_type = "text/csv", description = "code,name,level,parent_code"), responses((status = 200, body = GridImportSummary)))]
pub async fn import(
    State(state): State<AppState>,
    Allowed(user, _): Allowed<GridEditor>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Json<GridImportSummary>> {
    Ok(Json(
        state
            .store
            .import_grid_csv(&user.actor(), body.as_ref())
            .await?,
    ))
}
