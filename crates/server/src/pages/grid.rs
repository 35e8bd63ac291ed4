//! 网格架构: the user's subtree, one node's detail, and the CSV import for district admins.

use crate::form::CsrfMultipart;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use wangge_store::{GridImportSummary, GridNode};

use super::{render, Layout};
use crate::auth::PageUser;
use crate::error::PageResult;
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

/// Multipart upload: `csrf` first (a forged request's file is never read), then `file`.
pub async fn import(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<GridEditor>,
    upload: CsrfMultipart,
) -> PageResult<Response> {
    let bytes = upload.small().await?.file("请选择要上传的CSV文件")?.bytes;
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
