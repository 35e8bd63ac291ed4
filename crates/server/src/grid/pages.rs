//! 网格架构: the user's subtree, one node's detail, and the CSV import for district admins. An
//! upload without a file comes back as the same page (422) with the error beside the file field.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use wangge_store::{GridImportSummary, GridNode};

use super::{GridTexts, TEXTS};
use crate::auth::PageUser;
use crate::error::PageResult;
use crate::form::{invalid, CsrfMultipart, FieldErrors};
use crate::pages::{render, Layout};
use crate::permission::{GridEditor, PageAllowed};
use crate::AppState;

#[derive(Template)]
#[template(path = "grid/tree.html")]
struct TreePage {
    l: Layout,
    gt: &'static GridTexts,
    nodes: Vec<GridNode>,
    can_import: bool,
    imported: Option<GridImportSummary>,
    /// Errors of the import form (its file field).
    import_errors: FieldErrors,
}

impl TreePage {
    async fn new(state: &AppState, user: PageUser) -> PageResult<Self> {
        let nodes = state.store.list_grid(&user.user.actor()).await?;
        let can_import = user.user.role.edits_grid();
        Ok(TreePage {
            l: Layout::new(user, "grid"),
            gt: &TEXTS,
            nodes,
            can_import,
            imported: None,
            import_errors: FieldErrors::new(),
        })
    }
}

pub async fn tree(State(state): State<AppState>, user: PageUser) -> PageResult<Html<String>> {
    render(&TreePage::new(&state, user).await?)
}

#[derive(Template)]
#[template(path = "grid/node.html")]
struct NodePage {
    l: Layout,
    gt: &'static GridTexts,
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
        gt: &TEXTS,
        node,
        ancestors,
        children,
    })
}

/// 下载模板: a CSV with the importer's columns (`GRID_CSV_COLUMNS`, in their Chinese names)
/// and one example row: a node below the caller's own.
pub async fn template(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<GridEditor>,
) -> PageResult<Response> {
    let node = state
        .store
        .grid_node_by_code(&user.user.actor(), &user.user.node_code)
        .await?;
    let headers = wangge_store::GRID_CSV_COLUMNS.map(|names| names[1]);
    let example = match node.level.child() {
        Some(level) => {
            let code = format!(
                "{}{}",
                node.code,
                "9".repeat(level.code_len().saturating_sub(node.code.len()))
            );
            let name = format!("示例{}", level.label_zh());
            [code, name, level.label_zh().to_string(), node.code]
        }
        None => [
            node.code.clone(),
            node.name.clone(),
            node.level.label_zh().to_string(),
            String::new(),
        ],
    };
    crate::export::template("网格导入模板", "grid-template", &headers, &example)
}

/// Multipart upload: `csrf` first (a forged request's file is never read), then `file`.
pub async fn import(
    State(state): State<AppState>,
    PageAllowed(user, _): PageAllowed<GridEditor>,
    upload: CsrfMultipart,
) -> PageResult<Response> {
    let mut import_errors = FieldErrors::new();
    let file = upload.small().await?.file(TEXTS.import_missing);
    let Some(file) = import_errors.check(file)? else {
        let mut page = TreePage::new(&state, user).await?;
        page.import_errors = import_errors;
        return invalid(&page);
    };
    let summary = state
        .store
        .import_grid_csv(&user.user.actor(), file.bytes.as_slice())
        .await?;
    let mut page = TreePage::new(&state, user).await?;
    if summary.created + summary.renamed == 0 && page.nodes.is_empty() {
        return Ok(Redirect::to("/grid").into_response());
    }
    page.imported = Some(summary);
    Ok(render(&page)?.into_response())
}
