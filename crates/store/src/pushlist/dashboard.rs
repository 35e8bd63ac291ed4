//! 见底清零: open, overdue and verified counts per batch and per node of the grid tree, read
//! from the counters (overdue: the open ones of batches past their deadline) — never a scan of
//! items.

use std::collections::HashMap;
use wangge_domain::permission::{PushImporter, PushPlacer, PushViewer};

use chrono::{DateTime, Utc};
use serde::Serialize;
use wangge_domain::pushlist::PushState;

use super::counts::parse_state;
use super::{PushBatch, BATCH_COLUMNS};
use crate::{Actor, GridNode, Result, Scope, Store};

/// The overdue part of a group of counter rows `c` joined with their batch `b`, with the
/// clock bound as `$1`: open counts of batches past their deadline.
const OVERDUE_SUM: &str = "CAST(SUM(CASE WHEN c.state IN ('pending', 'reached') \
    AND b.due_at < $1 THEN c.n ELSE 0 END) AS BIGINT)";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NodeTotals {
    /// 待核查
    pub pending: i64,
    /// 已联系, not yet closed
    pub reached: i64,
    /// open past the deadline (a part of pending + reached)
    pub overdue: i64,
    /// 已核查: measures in place, left the district, or not found
    pub verified: i64,
}

impl NodeTotals {
    pub fn open(&self) -> i64 {
        self.pending + self.reached
    }

    pub fn total(&self) -> i64 {
        self.open() + self.verified
    }

    /// Adds a counter row: `n` items in `state`, `overdue` of them past their deadline.
    fn add_counted(&mut self, state: &str, n: i64, overdue: i64) {
        let Some(state) = parse_state(state) else {
            return;
        };
        match state {
            PushState::Pending => self.pending += n,
            PushState::Reached => self.reached += n,
            _ => self.verified += n,
        }
        self.overdue += overdue;
    }

    fn add(&mut self, other: &NodeTotals) {
        self.pending += other.pending;
        self.reached += other.reached;
        self.overdue += other.overdue;
        self.verified += other.verified;
    }
}

/// Where a dashboard row's people are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RowPlace {
    /// A child node and its whole subtree.
    Child { node: GridNode },
    /// Placed on the node itself, not yet in one of its grids.
    Here,
    /// The unassigned queue (待分配), shown to those who place people.
    Unassigned,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DashboardRow {
    pub place: RowPlace,
    pub totals: NodeTotals,
}

impl DashboardRow {
    pub fn cleared(&self) -> bool {
        self.totals.open() == 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub node: GridNode,
    pub batch_id: Option<i64>,
    pub totals: NodeTotals,
    pub rows: Vec<DashboardRow>,
    /// 见底清零: nobody open anywhere in the node's subtree (and the unassigned queue, when shown).
    pub cleared: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BatchTotals {
    pub batch: PushBatch,
    pub totals: NodeTotals,
    /// People of this batch who merged into an earlier, still open item.
    pub merged_open: i64,
}

impl BatchTotals {
    /// A batch is cleared only when every person it pushed is verified, in every grid.
    pub fn cleared(&self) -> bool {
        self.totals.open() == 0 && self.merged_open == 0
    }
}

impl Store {
    /// The counts below `node` (a node in the actor's scope), for one batch or all of them.
    pub async fn push_dashboard(
        &self,
        actor: &Actor,
        node: &GridNode,
        batch_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Dashboard> {
        actor.require::<PushViewer>()?;
        // the node must be in scope; callers pass one looked up with the actor's scope
        let node = self.grid_node_by_id_in(&actor.scope, node.id).await?;
        let scope = Scope::new(node.path.clone());
        let (lo, hi) = scope.bounds();
        let counted: Vec<(String, String, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(&format!(
                "SELECT g.path, c.state, CAST(SUM(c.n) AS BIGINT), {OVERDUE_SUM} \
                 FROM push_counts c JOIN grid_nodes g ON g.id = c.node_key \
                 JOIN push_batches b ON b.id = c.batch_id \
                 WHERE g.path >= $2 AND g.path < $3 AND ($4 IS NULL OR c.batch_id = $4) \
                 GROUP BY g.path, c.state",
            ))
            .bind(now).bind(&lo).bind(&hi).bind(batch_id)
            .fetch_all(pool).await?
        });
        let children: Vec<GridNode> = self
            .list_grid_in(&scope)
            .await?
            .into_iter()
            .filter(|n| n.parent_id == Some(node.id))
            .collect();
        // which row a stored path belongs to: None = the node itself
        let row_of = |path: &str| -> Option<usize> {
            children
                .iter()
                .position(|c| path.starts_with(c.path.as_str()))
        };
        let mut here = NodeTotals::default();
        let mut per_child = vec![NodeTotals::default(); children.len()];
        for (path, state, n, overdue) in &counted {
            match row_of(path) {
                Some(i) => per_child[i].add_counted(state, *n, *overdue),
                None if path == &node.path => here.add_counted(state, *n, *overdue),
                None => {}
            }
        }
        let mut rows: Vec<DashboardRow> = children
            .into_iter()
            .zip(per_child)
            .map(|(node, totals)| DashboardRow {
                place: RowPlace::Child { node },
                totals,
            })
            .collect();
        if here.total() > 0 {
            rows.push(DashboardRow {
                place: RowPlace::Here,
                totals: here,
            });
        }
        // the unassigned queue belongs to the whole district: shown at its root to placers
        if node.parent_id.is_none() && actor.may::<PushPlacer>() {
            let totals = self.unassigned_totals(batch_id, now).await?;
            if totals.total() > 0 {
                rows.push(DashboardRow {
                    place: RowPlace::Unassigned,
                    totals,
                });
            }
        }
        let mut totals = NodeTotals::default();
        for r in &rows {
            totals.add(&r.totals);
        }
        Ok(Dashboard {
            cleared: totals.open() == 0,
            node,
            batch_id,
            totals,
            rows,
        })
    }

    async fn unassigned_totals(
        &self,
        batch_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<NodeTotals> {
        let counted: Vec<(String, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(&format!(
                "SELECT c.state, CAST(SUM(c.n) AS BIGINT), {OVERDUE_SUM} FROM push_counts c \
                 JOIN push_batches b ON b.id = c.batch_id \
                 WHERE c.node_key = 0 AND ($2 IS NULL OR c.batch_id = $2) GROUP BY c.state",
            ))
            .bind(now).bind(batch_id).fetch_all(pool).await?
        });
        let mut t = NodeTotals::default();
        for (state, n, overdue) in counted {
            t.add_counted(&state, n, overdue);
        }
        Ok(t)
    }

    /// Batches, newest first, with the counts inside the actor's scope.
    pub async fn list_push_batches(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Vec<BatchTotals>> {
        actor.require::<PushViewer>()?;
        let (lo, hi) = actor.scope.bounds();
        let unassigned = actor.may::<PushPlacer>();
        let batches: Vec<PushBatch> = on_pool!(self, pool => {
            sqlx::query_as(&format!(
                "SELECT {BATCH_COLUMNS} FROM push_batches ORDER BY id DESC LIMIT 200"
            ))
            .fetch_all(pool).await?
        });
        let counted: Vec<(i64, String, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(&format!(
                "SELECT c.batch_id, c.state, CAST(SUM(c.n) AS BIGINT), {OVERDUE_SUM} \
                 FROM push_counts c JOIN push_batches b ON b.id = c.batch_id \
                 LEFT JOIN grid_nodes g ON g.id = c.node_key \
                 WHERE (g.path >= $2 AND g.path < $3) OR (c.node_key = 0 AND $4) \
                 GROUP BY c.batch_id, c.state",
            ))
            .bind(now).bind(&lo).bind(&hi).bind(unassigned)
            .fetch_all(pool).await?
        });
        let merged_open: Vec<(i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT m.batch_id, COUNT(DISTINCT i.id) FROM push_merges m \
                 JOIN push_items i ON i.id = m.item_id LEFT JOIN grid_nodes g ON g.id = i.node_id \
                 WHERE i.batch_id <> m.batch_id AND i.state IN ('pending', 'reached') \
                 AND ((g.path >= $1 AND g.path < $2) OR (i.node_id IS NULL AND $3)) \
                 GROUP BY m.batch_id",
            )
            .bind(&lo).bind(&hi).bind(unassigned)
            .fetch_all(pool).await?
        });
        let mut totals: HashMap<i64, NodeTotals> = HashMap::new();
        for (batch, state, n, overdue) in counted {
            totals
                .entry(batch)
                .or_default()
                .add_counted(&state, n, overdue);
        }
        let merged: HashMap<i64, i64> = merged_open.into_iter().collect();
        Ok(batches
            .into_iter()
            .map(|b| BatchTotals {
                totals: totals.get(&b.id).copied().unwrap_or_default(),
                merged_open: merged.get(&b.id).copied().unwrap_or(0),
                batch: b,
            })
            .collect())
    }

    pub async fn push_batch(&self, actor: &Actor, id: i64) -> Result<PushBatch> {
        actor.require::<PushViewer>()?;
        on_pool!(self, pool => {
            sqlx::query_as::<_, PushBatch>(&format!(
                "SELECT {BATCH_COLUMNS} FROM push_batches WHERE id = $1"
            ))
            .bind(id).fetch_optional(pool).await?
        })
        .ok_or(crate::StoreError::NotFound)
    }

    /// The error report of a batch, in row order: (row, field, reason). For those who import.
    pub async fn push_batch_errors(&self, actor: &Actor, id: i64) -> Result<Vec<crate::RowError>> {
        actor.require::<PushImporter>()?;
        let batch = self.push_batch(actor, id).await?;
        let rows: Vec<(i64, String, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT row_no, field, message FROM push_row_errors WHERE batch_id = $1 \
                 ORDER BY row_no, id",
            )
            .bind(batch.id).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(row, field, message)| crate::RowError {
                row: row as u64,
                field,
                message,
            })
            .collect())
    }
}
