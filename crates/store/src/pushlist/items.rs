//! The people to trace: lists for the worker, one person's record, and the verification and
//! placement that change them. Every change updates the counters and the audit log in the
//! same transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use wangge_domain::pushlist::state::apply;
use wangge_domain::pushlist::{PushState, Verification};

use super::counts::move_count;
use crate::people::mask;
use crate::{Actor, AuditEntry, GridNode, Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PushItem {
    pub id: i64,
    pub batch_id: i64,
    pub batch_name: String,
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub node_id: Option<i64>,
    pub node_code: Option<String>,
    pub node_name: Option<String>,
    pub node_path: Option<String>,
    pub row_no: i64,
    pub origin: String,
    pub arrived_at: Option<NaiveDateTime>,
    pub address: String,
    pub note: String,
    #[sqlx(try_from = "String")]
    pub state: PushState,
    pub measures: Option<String>,
    pub arrival_id: Option<i64>,
    pub destination: Option<String>,
    pub reason: Option<String>,
    pub due_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl PushItem {
    /// 超时: still open after its deadline.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.state.is_open() && self.due_at < now
    }

    pub fn masked_id_number(&self) -> String {
        mask(&self.id_number)
    }

    fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "state": self.state, "node": self.node_code, "measures": self.measures,
            "arrival_id": self.arrival_id, "destination": self.destination, "reason": self.reason,
        })
    }
}

/// Which items a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemView {
    /// 未核查: pending or reached.
    #[default]
    Open,
    /// 超时: open past the deadline.
    Overdue,
    /// 已核查: a final result is recorded.
    Verified,
    All,
    /// 待分配: no grid found; for those who place people.
    Unassigned,
}

#[derive(Debug, Clone, Default)]
pub struct PushItemFilter {
    pub batch_id: Option<i64>,
    pub view: ItemView,
    /// Only this node's subtree (a leader drilling down); must lie in the actor's scope.
    pub node_path: Option<String>,
    /// Keyset paging: items with a larger id than this.
    pub after_id: i64,
    pub limit: i64,
}

const ITEM_SELECT: &str = "SELECT i.id, i.batch_id, b.name AS batch_name, i.person_id, p.name, \
    p.id_number, p.phone, i.node_id, g.code AS node_code, g.name AS node_name, \
    g.path AS node_path, i.row_no, i.origin, i.arrived_at, i.address, i.note, i.state, \
    i.measures, i.arrival_id, i.destination, i.reason, b.due_at, i.verified_at, i.updated_at \
    FROM push_items i JOIN persons p ON p.id = i.person_id \
    JOIN push_batches b ON b.id = i.batch_id LEFT JOIN grid_nodes g ON g.id = i.node_id";

/// The scope condition with `$1`/`$2` as the path range and `$3` whether the caller may see
/// the unassigned queue.
const IN_SCOPE: &str = "((g.path >= $1 AND g.path < $2) OR (i.node_id IS NULL AND $3))";

impl Store {
    /// Items the actor may see, oldest first, `limit` at a time after `after_id`.
    pub async fn list_push_items(
        &self,
        actor: &Actor,
        filter: &PushItemFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<PushItem>> {
        require_push_role(actor)?;
        let (lo, hi, unassigned) = match &filter.node_path {
            Some(p) if actor.scope.contains(p) => {
                let (lo, hi) = crate::Scope::new(p.clone()).bounds();
                (lo, hi, false)
            }
            Some(_) => return Err(StoreError::NotFound),
            None => {
                let (lo, hi) = actor.scope.bounds();
                (lo, hi, actor.role.places_push_items())
            }
        };
        let view = match filter.view {
            ItemView::Open => "i.state IN ('pending', 'reached')",
            ItemView::Overdue => "i.state IN ('pending', 'reached') AND b.due_at < $7",
            ItemView::Verified => "i.state NOT IN ('pending', 'reached')",
            ItemView::All => "1 = 1",
            ItemView::Unassigned => "i.node_id IS NULL",
        };
        if filter.view == ItemView::Unassigned && !actor.role.places_push_items() {
            return Err(StoreError::Forbidden("此角色不能查看待分配名单".into()));
        }
        let sql = format!(
            "{ITEM_SELECT} WHERE {IN_SCOPE} AND ($4 IS NULL OR i.batch_id = $4) AND {view} \
             AND i.id > $5 ORDER BY i.id LIMIT $6"
        );
        Ok(on_pool!(self, pool => {
            let q = sqlx::query_as::<_, PushItem>(&sql)
                .bind(&lo)
                .bind(&hi)
                .bind(unassigned)
                .bind(filter.batch_id)
                .bind(filter.after_id)
                .bind(filter.limit.clamp(1, 1000));
            // only the overdue view compares with the clock
            let q = if filter.view == ItemView::Overdue { q.bind(now) } else { q };
            q.fetch_all(pool).await?
        }))
    }

    /// One item, or [`StoreError::NotFound`] when it does not exist or is outside the scope.
    pub async fn push_item(&self, actor: &Actor, id: i64) -> Result<PushItem> {
        require_push_role(actor)?;
        let (lo, hi) = actor.scope.bounds();
        let sql = format!("{ITEM_SELECT} WHERE {IN_SCOPE} AND i.id = $4");
        on_pool!(self, pool => {
            sqlx::query_as::<_, PushItem>(&sql)
                .bind(&lo)
                .bind(&hi)
                .bind(actor.role.places_push_items())
                .bind(id)
                .fetch_optional(pool)
                .await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// The other pushes that merged into this item: (batch name, row in that file).
    pub async fn push_item_merges(&self, actor: &Actor, id: i64) -> Result<Vec<(String, i64)>> {
        let item = self.push_item(actor, id).await?;
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT b.name, m.row_no FROM push_merges m JOIN push_batches b ON b.id = m.batch_id \
                 WHERE m.item_id = $1 ORDER BY m.id",
            )
            .bind(item.id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Records a verification result. The item must be in the actor's scope and the change
    /// allowed from its current state; a concurrent change is a conflict, not lost.
    pub async fn verify_push_item(
        &self,
        actor: &Actor,
        id: i64,
        verification: Verification,
    ) -> Result<PushItem> {
        let before = self.push_item(actor, id).await?;
        let (to, v) = apply(before.state, verification)
            .map_err(|e| StoreError::invalid("state", e.to_string()))?;
        let (measures, arrival_id, destination, reason) = match &v {
            Verification::Reached => (None, None, None, None),
            Verification::MeasuresInPlace {
                measures,
                arrival_id,
            } => (Some(measures.clone()), *arrival_id, None, None),
            Verification::LeftDistrict { destination } => {
                (None, None, Some(destination.clone()), None)
            }
            Verification::NotFound { reason } => (None, None, None, Some(reason.clone())),
        };
        let now = crate::now();
        let verified_at = (!to.is_open()).then_some(now);
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE push_items SET state = $1, measures = COALESCE($2, measures), \
                 arrival_id = COALESCE($3, arrival_id), destination = $4, reason = $5, \
                 verified_at = $6, updated_at = $7 WHERE id = $8 AND state = $9",
            )
            .bind(to.as_str())
            .bind(&measures)
            .bind(arrival_id)
            .bind(&destination)
            .bind(&reason)
            .bind(verified_at)
            .bind(now)
            .bind(id)
            .bind(before.state.as_str())
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict { .. } => StoreError::Conflict {
                    field: "state".into(),
                    message: "此人已在另一批次中待核查，请在那一条上登记".into(),
                },
                other => other,
            })?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict {
                    field: "state".into(),
                    message: "该记录刚被他人修改，请刷新后重试".into(),
                });
            }
            move_count!(tx, before.batch_id, (before.node_id, before.state) => (before.node_id, to));
            let mut after = before.clone();
            after.state = to;
            after.measures = measures.clone().or(before.measures.clone());
            after.arrival_id = arrival_id.or(before.arrival_id);
            after.destination = destination.clone();
            after.reason = reason.clone();
            let entry = AuditEntry::new("verify", "push_item", id)
                .before(before.audit_view())
                .after(after.audit_view());
            let entry = match &before.node_path {
                Some(p) => entry.at_node(p),
                None => entry,
            };
            record_audit!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
        });
        self.push_item(actor, id).await
    }

    /// Places an item (unassigned, or assigned only to a community or township) in a node of
    /// the actor's scope.
    pub async fn place_push_item(
        &self,
        actor: &Actor,
        id: i64,
        node_code: &str,
    ) -> Result<PushItem> {
        let before = self.push_item(actor, id).await?;
        let node: GridNode = self
            .grid_node_by_code(&actor.scope, node_code.trim())
            .await
            .map_err(|e| match e {
                StoreError::NotFound => StoreError::invalid(
                    "node_code",
                    format!("网格“{}”不存在或不在辖区内", node_code.trim()),
                ),
                other => other,
            })?;
        if before.node_id == Some(node.id) {
            return Ok(before);
        }
        if let Some(current) = &before.node_path {
            if !wangge_domain::grid::in_subtree(current, &node.path) {
                return Err(StoreError::invalid(
                    "node_code",
                    "只能分配到当前所属节点的下级网格",
                ));
            }
        }
        let now = crate::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE push_items SET node_id = $1, updated_at = $2 WHERE id = $3 AND state = $4 \
                 AND (node_id = $5 OR (node_id IS NULL AND $5 IS NULL))",
            )
            .bind(node.id)
            .bind(now)
            .bind(id)
            .bind(before.state.as_str())
            .bind(before.node_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict {
                    field: "node_code".into(),
                    message: "该记录刚被他人修改，请刷新后重试".into(),
                });
            }
            move_count!(tx, before.batch_id, (before.node_id, before.state) => (Some(node.id), before.state));
            let entry = AuditEntry::new("place", "push_item", id)
                .at_node(&node.path)
                .before(serde_json::json!({ "node": before.node_code }))
                .after(serde_json::json!({ "node": node.code }));
            record_audit!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
        });
        self.push_item(actor, id).await
    }
}

pub(crate) fn require_push_role(actor: &Actor) -> Result<()> {
    if actor.role.handles_push_lists() {
        Ok(())
    } else {
        Err(StoreError::Forbidden("此角色不能查看推送核查名单".into()))
    }
}

impl Store {
    /// Moves a batch back in time by `hours` (its import time and every deadline), so a demo
    /// district shows what overdue work looks like. Not for real data: it changes history.
    pub async fn backdate_push_batch(&self, batch_id: i64, hours: i64) -> Result<()> {
        let shift = chrono::Duration::hours(hours);
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (created, due): (DateTime<Utc>, DateTime<Utc>) =
                sqlx::query_as("SELECT created_at, due_at FROM push_batches WHERE id = $1")
                    .bind(batch_id).fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE push_batches SET created_at = $1, due_at = $2 WHERE id = $3")
                .bind(created - shift).bind(due - shift).bind(batch_id).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
