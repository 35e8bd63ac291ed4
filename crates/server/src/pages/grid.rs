//! 网格架构: the user's subtree, one node's detail, and the CSV import for district admins.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use wangge_store::{GridImportSummary, GridNode};

use super::{render, Layout};
use crate::auth::PageUser;
use crate::error::{AppError, PageResult};
use crate::permission::{GridEditor, PageAllowed};
use crate::AppState;

#[derive(Template)]
#[template(path = "grid.html")]
struct GridPage {
    l: Layout,
    nodes: Vec<GridNode>,
    can_import: bool,
    imported: Option<GridImportSummary>,
}

pub async fn tree(State(state): State<AppState>, user: PageUser) -> PageResult<Html<String>> {
    let nodes = state.store.list_grid(&user.user.actor()).await?;
    let can_import = user.user.role.edits_grid();
    render(&GridPage {
        l: Layout::new(user, "grid"),
        nodes,
        can_import,
        imported: None,
    })
}

#[derive(Template)]
#[template(path = "grid_node.html")]
struct NodePage {
    l: Layout,
    node: GridNode,
    ancestors: Vec<GridNode>,
    children: Vec<GridNode>,
}

pub async fn node(
    State(state): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    let actor = user.user.actor();
    let node = state.store.grid_node_by_code(&actor, &code).await?;
    let children = state.store.grid_children(&actor, node.id).await?;
    // only the part of the path the user may see
    let ancestors = state.store.grid_ancestors(&actor, &node).await?;
    render(&NodePage {
        l: Layout::new(user, "grid"),
        node,
        ancestors,
        children,
    })
}

/// Multipart upload with fields `csrf` and `file`. The CSRF field must come first so the file
/// is not read for a forged request.
pub async fn import(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<GridEditor>,
    mut multipart: Multipart,
) -> PageResult<Response> {
    let mut csrf_ok = false;
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("上传内容无效：{e}")))?
    {
        match field.name() {
            Some("csrf") => {
                let value = field
                    .text()
                    .await
                    .map_err(|e| AppError::BadRequest(e.to_string()))?;
                user.check_csrf(&value)?;
                csrf_ok = true;
            }
            Some("file") if csrf_ok => {
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        let limit = crate::error::size_label(state.config.body_limit);
                        AppError::TooLarge(format!("文件超过上限 {limit}"))
                    } else {
                        AppError::BadRequest(format!("文件读取失败：{e}"))
                    }
                })?;
                file = Some(bytes.to_vec());
            }
            _ => {}
        }
    }
    if !csrf_ok {
        user.check_csrf("")?;
    }
    let bytes = file
        .filter(|b| !b.is_empty())
        .ok_or_else(|| AppError::invalid("file", "请选择要上传的CSV文件"))?;
    let actor = user.user.actor();
    let summary = state
        .store
        .import_grid_csv(&actor, bytes.as_slice())
        .await?;
    let nodes = state.store.list_grid(&user.user.actor()).await?;
    if summary.created + summary.renamed == 0 && nodes.is_empty() {
        return Ok(Redirect::to("/grid").into_response());
    }
    let page = GridPage {
        l: Layout::new(user, "grid"),
        nodes,
        can_import: true,
        imported: Some(summary),
    };
    Ok(render(&page)?.into_response())
}
