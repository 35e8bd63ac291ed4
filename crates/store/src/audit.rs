//! 审计日志: an append-only record of every change — who, when, what, before and after.
//! Entries are written in the same transaction as the change they describe, so a change
//! without its entry (or the reverse) cannot be committed.

use crate::Actor;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use wangge_domain::permission::Auditor;

use crate::db::{on_conn, Conn};
use crate::{Result, Scope, Store};

/// One change to record. `node_path` places it in the grid tree, so the log can be scoped.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub node_path: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl AuditEntry {
    pub fn new(action: &'static str, entity: &'static str, entity_id: impl ToString) -> Self {
        AuditEntry {
            action,
            entity,
            entity_id: entity_id.to_string(),
            node_path: None,
            before: None,
            after: None,
        }
    }

    pub fn at_node(mut self, path: &str) -> Self {
        self.node_path = Some(path.to_string());
        self
    }

    pub fn before(mut self, v: impl Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }

    pub fn after(mut self, v: impl Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }

    pub(crate) fn before_json(&self) -> Option<String> {
        self.before.as_ref().map(Value::to_string)
    }

    pub(crate) fn after_json(&self) -> Option<String> {
        self.after.as_ref().map(Value::to_string)
    }
}

pub(crate) const INSERT_AUDIT: &str = "INSERT INTO audit_log \
    (at, user_id, username, action, entity, entity_id, node_path, before_json, after_json, \
    token_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Appends `entry` for `actor` on a connection or open transaction (`&mut *tx`), so the entry
/// commits or rolls back with the change it describes.
pub(crate) async fn record(
    conn: impl Into<Conn<'_>>,
    actor: &Actor,
    entry: &AuditEntry,
) -> Result<()> {
    let mut conn = conn.into();
    on_conn!(conn, c => {
        sqlx::query(INSERT_AUDIT)
            .bind(crate::now())
            .bind(actor.user_id)
            .bind(&actor.username)
            .bind(entry.action)
            .bind(entry.entity)
            .bind(&entry.entity_id)
            .bind(&entry.node_path)
            .bind(entry.before_json())
            .bind(entry.after_json())
            .bind(actor.token_id)
            .execute(c)
            .await?;
    });
    Ok(())
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub node_path: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    /// The API token the change was made with; `None` for a browser session or the CLI.
    pub token_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub username: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Keyset pagination: only entries with a smaller id (older) than this.
    pub before_id: Option<i64>,
    pub limit: i64,
}

impl Store {
    /// Newest first, within `scope` (entries without a place belong to the whole district and
    /// are shown only to callers whose scope is the whole tree or a district root).
    pub async fn list_audit(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRecord>> {
        let scope = actor.require::<Auditor>()?;
        self.list_audit_in(scope, filter).await
    }

    /// [`Store::list_audit`] within a scope the caller has already checked.
    pub(crate) async fn list_audit_in(
        &self,
        scope: &Scope,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRecord>> {
        let (lo, hi) = scope.bounds();
        let limit = filter.limit.clamp(1, 500);
        let sql = "SELECT id, at, user_id, username, action, entity, entity_id, node_path, \
                   before_json, after_json, token_id FROM audit_log \
                   WHERE ((node_path >= $1 AND node_path < $2) OR (node_path IS NULL AND $3)) \
                   AND ($4 IS NULL OR username = $4) \
                   AND ($5 IS NULL OR entity = $5) \
                   AND ($6 IS NULL OR entity_id = $6) \
                   AND ($7 IS NULL OR at >= $7) \
                   AND ($8 IS NULL OR at < $8) \
                   AND ($9 IS NULL OR id < $9) \
                   ORDER BY id DESC LIMIT $10";
        // a district root sees district-wide entries too; nobody else does
        let sees_unplaced = scope.root_path().matches('/').count() <= 1;
        let rows = on_pool!(self, pool => {
            sqlx::query_as::<_, AuditRecord>(sql)
                .bind(&lo)
                .bind(&hi)
                .bind(sees_unplaced)
                .bind(&filter.username)
                .bind(&filter.entity)
                .bind(&filter.entity_id)
                .bind(filter.from)
                .bind(filter.until)
                .bind(filter.before_id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows)
    }

    /// Records an event that changes nothing else, e.g. viewing a full ID number.
    pub async fn record_event(&self, actor: &crate::Actor, entry: &AuditEntry) -> Result<()> {
        on_pool!(self, pool => {
            // a single statement: it commits on its own
            record(&mut *pool.acquire().await?, actor, entry).await?;
        });
        Ok(())
    }
}
