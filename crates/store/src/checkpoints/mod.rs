//! 卡口: checkpoints placed on grid nodes, the scans they post (through [`ScanWriter`]), their
//! per-hour counts and the alerts raised, which reach the checkpoint's node and the grids of
//! the scanned person (see `alerts.rs`).

mod alerts;
mod writer;

pub use alerts::{Alert, AlertFilter, PersonLink, RaisedAlert, RecordKind};
pub use writer::{ScanAck, ScanTarget, ScanWriter};

use chrono::{DateTime, Utc};
use serde::Serialize;
use wangge_domain::checkpoint::CheckpointKind;
use wangge_domain::permission::{CheckpointManager, CheckpointViewer, ScanPoster};
use wangge_domain::validate::text;

use crate::error::Problems;
use crate::{Actor, AuditEntry, Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Checkpoint {
    pub id: i64,
    pub node_id: i64,
    pub node_code: String,
    pub node_name: String,
    pub node_path: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    #[schema(value_type = String, example = "highway")]
    pub kind: CheckpointKind,
    pub location: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewCheckpoint {
    pub node_code: String,
    pub name: String,
    pub kind: CheckpointKind,
    pub location: String,
}

/// Fields to change; `None` keeps the current value. Closing a checkpoint is `active: false`:
/// its scans and alerts stay, so a checkpoint is never deleted.
#[derive(Debug, Clone, Default)]
pub struct CheckpointChange {
    pub name: Option<String>,
    pub kind: Option<CheckpointKind>,
    pub location: Option<String>,
    pub active: Option<bool>,
}

/// Scans and alerts of one checkpoint in one hour (UTC hour start).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HourCount {
    pub hour: DateTime<Utc>,
    pub scans: i64,
    pub alerts: i64,
}

/// One stored scan, for the checkpoint's recent list.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ScanRecord {
    pub id: i64,
    pub id_number: Option<crate::StoredIdNumber>,
    pub plate: Option<String>,
    pub temperature: Option<f64>,
    pub direction: String,
    pub code_colour: Option<String>,
    pub scanned_at: DateTime<Utc>,
}

const CHECKPOINT_SELECT: &str = "SELECT c.id, c.node_id, g.code AS node_code, \
    g.name AS node_name, g.path AS node_path, c.name, c.kind, c.location, c.active, c.created_at \
    FROM checkpoints c JOIN grid_nodes g ON g.id = c.node_id";

fn clean_name(name: &str) -> Result<String> {
    Ok(text::required("name", "卡口名称", name, text::NAME_MAX)?)
}

fn clean_location(location: &str) -> Result<String> {
    Ok(text::bounded(
        "location",
        "位置说明",
        location,
        text::ADDRESS_MAX,
    )?)
}

fn name_conflict(e: sqlx::Error) -> StoreError {
    match StoreError::from(e) {
        StoreError::Conflict { .. } => StoreError::Conflict {
            field: "name".into(),
            message: "同一网格节点下已有同名卡口".into(),
        },
        other => other,
    }
}

impl Store {
    pub async fn create_checkpoint(
        &self,
        actor: &Actor,
        new: &NewCheckpoint,
    ) -> Result<Checkpoint> {
        actor.require::<CheckpointManager>()?;
        // every bad field at once, so the form can show each beside its input
        let mut problems = Problems::default();
        let name = problems.keep(clean_name(&new.name))?;
        let location = problems.keep(clean_location(&new.location))?;
        let node = match self
            .grid_node_by_code_in(&actor.scope, new.node_code.trim())
            .await
        {
            Ok(node) => Some(node),
            Err(StoreError::NotFound) => {
                problems.add(
                    "node_code",
                    format!("网格节点“{}”不存在或不在辖区内", new.node_code.trim()),
                );
                None
            }
            Err(other) => return Err(other),
        };
        let (Some(name), Some(location), Some(node)) = (name, location, node) else {
            return Err(problems.into_error());
        };
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO checkpoints (node_id, name, kind, location, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(node.id)
            .bind(&name)
            .bind(new.kind.as_str())
            .bind(&location)
            .bind(crate::now())
            .fetch_one(&mut *tx)
            .await
            .map_err(name_conflict)?;
            let entry = AuditEntry::new("create", "checkpoint", id).at_node(&node.path).after(
                serde_json::json!({ "name": name, "kind": new.kind, "node": node.code, "location": location }),
            );
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
            id
        });
        self.checkpoint(actor, id).await
    }

    /// Checkpoints in the actor's subtree, by node and name.
    pub async fn list_checkpoints(&self, actor: &Actor) -> Result<Vec<Checkpoint>> {
        actor.require::<CheckpointViewer>()?;
        let (lo, hi) = actor.scope.bounds();
        let sql = format!(
            "{CHECKPOINT_SELECT} WHERE g.path >= $1 AND g.path < $2 ORDER BY g.path, c.name"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Checkpoint>(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?
        }))
    }

    /// One checkpoint, or [`StoreError::NotFound`] when absent or outside the actor's scope.
    pub async fn checkpoint(&self, actor: &Actor, id: i64) -> Result<Checkpoint> {
        // scan posters are viewers too (ScanPoster implies CheckpointViewer)
        actor.require::<CheckpointViewer>()?;
        let (lo, hi) = actor.scope.bounds();
        let sql = format!("{CHECKPOINT_SELECT} WHERE c.id = $1 AND g.path >= $2 AND g.path < $3");
        on_pool!(self, pool => {
            sqlx::query_as::<_, Checkpoint>(&sql).bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    pub async fn update_checkpoint(
        &self,
        actor: &Actor,
        id: i64,
        change: &CheckpointChange,
    ) -> Result<Checkpoint> {
        actor.require::<CheckpointManager>()?;
        let before = self.checkpoint(actor, id).await?;
        let mut problems = Problems::default();
        let name = match &change.name {
            Some(n) => problems.keep(clean_name(n))?,
            None => Some(before.name.clone()),
        };
        let location = match &change.location {
            Some(l) => problems.keep(clean_location(l))?,
            None => Some(before.location.clone()),
        };
        let (Some(name), Some(location)) = (name, location) else {
            return Err(problems.into_error());
        };
        let kind = change.kind.unwrap_or(before.kind);
        let active = change.active.unwrap_or(before.active);
        let view = |name: &str, kind: CheckpointKind, location: &str, active: bool| serde_json::json!({ "name": name, "kind": kind, "location": location, "active": active });
        let entry = AuditEntry::new(
            if before.active && !active {
                "close"
            } else {
                "update"
            },
            "checkpoint",
            id,
        )
        .at_node(&before.node_path)
        .before(view(
            &before.name,
            before.kind,
            &before.location,
            before.active,
        ))
        .after(view(&name, kind, &location, active));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE checkpoints SET name = $1, kind = $2, location = $3, active = $4 WHERE id = $5",
            )
            .bind(&name)
            .bind(kind.as_str())
            .bind(&location)
            .bind(active)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(name_conflict)?;
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
        });
        self.checkpoint(actor, id).await
    }

    /// Where scans for checkpoint `id` go, if the actor may post them there.
    pub async fn scan_target(&self, actor: &Actor, id: i64) -> Result<ScanTarget> {
        actor.require::<ScanPoster>()?;
        let cp = self.checkpoint(actor, id).await?;
        if !cp.active {
            return Err(StoreError::Conflict {
                field: "checkpoint".into(),
                message: format!("卡口“{}”已关闭", cp.name),
            });
        }
        Ok(ScanTarget {
            checkpoint_id: cp.id,
            checkpoint_name: cp.name,
            node_id: cp.node_id,
            node_path: cp.node_path,
        })
    }

    /// Per-hour counts of a checkpoint in `[from, until)`, oldest first.
    pub async fn checkpoint_hours(
        &self,
        actor: &Actor,
        id: i64,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<HourCount>> {
        let cp = self.checkpoint(actor, id).await?;
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, HourCount>(
                "SELECT hour, scans, alerts FROM checkpoint_hourly \
                 WHERE checkpoint_id = $1 AND hour >= $2 AND hour < $3 ORDER BY hour",
            )
            .bind(cp.id).bind(from).bind(until)
            .fetch_all(pool).await?
        }))
    }

    /// The newest scans of a checkpoint.
    pub async fn recent_scans(
        &self,
        actor: &Actor,
        id: i64,
        limit: i64,
    ) -> Result<Vec<ScanRecord>> {
        self.scans_before(actor, id, None, limit).await
    }

    /// Scans of a checkpoint, newest first by the time they were taken (a gate that uploads
    /// late still lands in its place), `limit` at a time after scan `before_id` in that order
    /// (keyset paging; `None` for the newest).
    pub async fn scans_before(
        &self,
        actor: &Actor,
        id: i64,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<ScanRecord>> {
        let cp = self.checkpoint(actor, id).await?;
        const COLUMNS: &str = "SELECT id, id_number, plate, temperature, direction, \
            code_colour, scanned_at FROM checkpoint_scans WHERE checkpoint_id = $1";
        const ORDER: &str = "ORDER BY scanned_at DESC, id DESC";
        let limit = limit.clamp(1, 500);
        Ok(match before_id {
            None => {
                let sql = format!("{COLUMNS} {ORDER} LIMIT $2");
                on_pool!(self, pool => {
                    sqlx::query_as::<_, ScanRecord>(&sql)
                        .bind(cp.id).bind(limit)
                        .fetch_all(pool).await?
                })
            }
            Some(before) => {
                // the position is the scan's (time, id), read in the same statement
                let sql = format!(
                    "{COLUMNS} AND (scanned_at, id) < (SELECT scanned_at, id FROM \
                     checkpoint_scans WHERE id = $2 AND checkpoint_id = $1) {ORDER} LIMIT $3"
                );
                on_pool!(self, pool => {
                    sqlx::query_as::<_, ScanRecord>(&sql)
                        .bind(cp.id).bind(before).bind(limit)
                        .fetch_all(pool).await?
                })
            }
        })
    }

    /// Ids of the stored scans of a checkpoint the actor sees, ascending: to check
    /// acknowledged scans are there (benchmarks, durability tests).
    pub async fn scan_ids(&self, actor: &Actor, checkpoint_id: i64) -> Result<Vec<i64>> {
        let checkpoint_id = self.checkpoint(actor, checkpoint_id).await?.id;
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, (i64,)>(
                "SELECT id FROM checkpoint_scans WHERE checkpoint_id = $1 ORDER BY id",
            )
            .bind(checkpoint_id).fetch_all(pool).await?
        })
        .into_iter()
        .map(|(id,)| id)
        .collect())
    }
}
