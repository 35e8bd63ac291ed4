//! The grid nodes the push-list pages offer: where a pushed person can be placed, and what an
//! address rule can point to. The database picks them within the caller's scope, rather than a
//! handler filtering the whole tree.

use wangge_domain::grid;
use wangge_domain::permission::{PushImporter, PushViewer};

use super::PushItem;
use crate::{Actor, GridNode, Result, Store};

const NODE_SELECT: &str =
    "SELECT id, code, name, level, parent_id, path, created_at FROM grid_nodes";

impl Store {
    /// The grids `item` can be placed in, in tree order: those below its node, or anywhere in
    /// the caller's scope when it has none; none when it is in a grid already.
    pub async fn push_item_places(&self, actor: &Actor, item: &PushItem) -> Result<Vec<GridNode>> {
        let scope = actor.require::<PushViewer>()?;
        let (mut lo, mut hi) = scope.bounds();
        if let Some(path) = &item.node_path {
            // a grid's path has four segments: district/township/community/grid/
            if path.matches('/').count() >= 4 {
                return Ok(Vec::new());
            }
            lo = lo.max(path.clone());
            hi = hi.min(grid::subtree_end(path));
        }
        let sql = format!(
            "{NODE_SELECT} WHERE level = 'grid' AND path >= $1 AND path < $2 ORDER BY path"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, GridNode>(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?
        }))
    }

    /// The nodes of the caller's scope an address rule may point to (any but the district),
    /// in tree order.
    pub async fn address_rule_nodes(&self, actor: &Actor) -> Result<Vec<GridNode>> {
        let scope = actor.require::<PushImporter>()?;
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "{NODE_SELECT} WHERE level <> 'district' AND path >= $1 AND path < $2 ORDER BY path"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, GridNode>(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?
        }))
    }
}
