//! 预警: scans that need someone at once. An alert belongs to the checkpoint's node and, for a
//! person on an open push list, also to the node tracing that person; both see it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use wangge_domain::checkpoint::AlertReason;
use wangge_domain::permission::CheckpointViewer;

use crate::StoredIdNumber;
use crate::{Actor, AuditEntry, Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Alert {
    pub id: i64,
    pub checkpoint_id: i64,
    pub checkpoint_name: String,
    pub scan_id: i64,
    pub node_path: String,
    pub push_item_id: Option<i64>,
    pub item_node_path: Option<String>,
    /// Comma-separated [`AlertReason`] names.
    pub reasons: String,
    pub id_number: Option<StoredIdNumber>,
    pub plate: Option<String>,
    pub temperature: Option<f64>,
    pub code_colour: Option<String>,
    pub created_at: DateTime<Utc>,
    pub handled_at: Option<DateTime<Utc>>,
    pub handled_by: Option<String>,
}

impl Alert {
    pub fn reason_list(&self) -> Vec<AlertReason> {
        self.reasons
            .split(',')
            .filter_map(AlertReason::parse)
            .collect()
    }

    /// 体温异常、红码 … for the page and the live feed.
    pub fn reason_labels(&self) -> String {
        self.reason_list()
            .iter()
            .map(|r| r.label_zh())
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn masked_id_number(&self) -> Option<String> {
        self.id_number.as_ref().map(StoredIdNumber::masked)
    }

    /// Whether a caller with subtree `root` should see this alert.
    pub fn visible_in(&self, root: &str) -> bool {
        wangge_domain::grid::in_subtree(root, &self.node_path)
            || self
                .item_node_path
                .as_deref()
                .is_some_and(|p| wangge_domain::grid::in_subtree(root, p))
    }
}

#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub checkpoint_id: Option<i64>,
    pub open_only: bool,
    /// Keyset paging backwards: alerts older (smaller id) than this.
    pub before_id: Option<i64>,
    pub limit: i64,
}

pub(crate) const ALERT_SELECT: &str = "SELECT a.id, a.checkpoint_id, c.name AS checkpoint_name, \
    a.scan_id, g.path AS node_path, a.push_item_id, gi.path AS item_node_path, a.reasons, \
    a.id_number, a.plate, a.temperature, a.code_colour, a.created_at, a.handled_at, a.handled_by \
    FROM checkpoint_alerts a JOIN checkpoints c ON c.id = a.checkpoint_id \
    JOIN grid_nodes g ON g.id = a.node_id LEFT JOIN grid_nodes gi ON gi.id = a.item_node_id";

impl Store {
    /// Alerts the actor may see, newest first.
    pub async fn list_alerts(&self, actor: &Actor, filter: &AlertFilter) -> Result<Vec<Alert>> {
        actor.require::<CheckpointViewer>()?;
        let (lo, hi) = actor.scope.bounds();
        let sql = format!(
            "{ALERT_SELECT} WHERE ((g.path >= $1 AND g.path < $2) OR (gi.path >= $1 AND gi.path < $2)) \
             AND ($3 IS NULL OR a.checkpoint_id = $3) AND ($4 = FALSE OR a.handled_at IS NULL) \
             AND ($5 IS NULL OR a.id < $5) ORDER BY a.id DESC LIMIT $6"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Alert>(&sql)
                .bind(&lo)
                .bind(&hi)
                .bind(filter.checkpoint_id)
                .bind(filter.open_only)
                .bind(filter.before_id)
                .bind(filter.limit.clamp(1, 500))
                .fetch_all(pool)
                .await?
        }))
    }

    /// How many alerts the actor may see are not yet handled (未处置).
    pub async fn count_open_alerts(&self, actor: &Actor) -> Result<i64> {
        actor.require::<CheckpointViewer>()?;
        let (lo, hi) = actor.scope.bounds();
        let sql = "SELECT COUNT(*) FROM checkpoint_alerts a \
             JOIN grid_nodes g ON g.id = a.node_id LEFT JOIN grid_nodes gi ON gi.id = a.item_node_id \
             WHERE ((g.path >= $1 AND g.path < $2) OR (gi.path >= $1 AND gi.path < $2)) \
             AND a.handled_at IS NULL";
        let (n,): (i64,) = on_pool!(self, pool => {
            sqlx::query_as(sql).bind(&lo).bind(&hi).fetch_one(pool).await?
        });
        Ok(n)
    }

    pub async fn alert(&self, actor: &Actor, id: i64) -> Result<Alert> {
        actor.require::<CheckpointViewer>()?;
        let (lo, hi) = actor.scope.bounds();
        let sql = format!(
            "{ALERT_SELECT} WHERE a.id = $3 AND ((g.path >= $1 AND g.path < $2) OR (gi.path >= $1 AND gi.path < $2))"
        );
        on_pool!(self, pool => {
            sqlx::query_as::<_, Alert>(&sql).bind(&lo).bind(&hi).bind(id).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// Marks an alert as dealt with (已处置); audited.
    pub async fn handle_alert(&self, actor: &Actor, id: i64) -> Result<Alert> {
        let before = self.alert(actor, id).await?;
        if before.handled_at.is_some() {
            return Ok(before);
        }
        let now = crate::now();
        let entry = AuditEntry::new("handle", "checkpoint_alert", id)
            .at_node(&before.node_path)
            .after(serde_json::json!({ "handled_at": now }));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE checkpoint_alerts SET handled_at = $1, handled_by = $2 \
                 WHERE id = $3 AND handled_at IS NULL",
            )
            .bind(now).bind(&actor.username).bind(id)
            .execute(&mut *tx).await?;
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
        });
        self.alert(actor, id).await
    }
}
