//! The address → grid table (地址对照表): keywords such as an estate's name that place a
//! pushed person in a grid when the tree's own names do not appear in the address.

use chrono::{DateTime, Utc};
use serde::Serialize;
use wangge_domain::permission::{PushImporter, PushViewer};

use crate::{Actor, AuditEntry, Result, Scope, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AddressRule {
    pub id: i64,
    pub keyword: String,
    pub node_id: i64,
    pub node_code: String,
    pub node_name: String,
    pub node_path: String,
    pub created_at: DateTime<Utc>,
}

const RULE_SELECT: &str = "SELECT r.id, r.keyword, r.node_id, g.code AS node_code, \
    g.name AS node_name, g.path AS node_path, r.created_at \
    FROM address_rules r JOIN grid_nodes g ON g.id = r.node_id";

impl Store {
    /// Rules pointing into `scope`, by keyword.
    pub async fn list_address_rules(&self, actor: &Actor) -> Result<Vec<AddressRule>> {
        let scope = actor.require::<PushViewer>()?;
        self.list_address_rules_in(scope).await
    }

    /// [`Store::list_address_rules`] within a scope the caller has already checked.
    pub(crate) async fn list_address_rules_in(&self, scope: &Scope) -> Result<Vec<AddressRule>> {
        let (lo, hi) = scope.bounds();
        let sql = format!("{RULE_SELECT} WHERE g.path >= $1 AND g.path < $2 ORDER BY r.keyword");
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, AddressRule>(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?
        }))
    }

    pub async fn create_address_rule(
        &self,
        actor: &Actor,
        keyword: &str,
        node_code: &str,
    ) -> Result<AddressRule> {
        actor.require::<PushImporter>()?;
        let keyword = wangge_domain::validate::text::required(
            "keyword",
            "关键词",
            keyword,
            wangge_domain::validate::text::KEYWORD_MAX,
        )?;
        if keyword.chars().count() < 2 {
            return Err(StoreError::invalid("keyword", "关键词应为2到100字"));
        }
        let node = self
            .grid_node_by_code_in(&actor.scope, node_code.trim())
            .await
            .map_err(|e| match e {
                StoreError::NotFound => StoreError::invalid(
                    "node_code",
                    format!("网格“{}”不存在或不在辖区内", node_code.trim()),
                ),
                other => other,
            })?;
        let id = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO address_rules (keyword, node_id, created_at) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(&keyword).bind(node.id).bind(crate::now())
            .fetch_one(&mut *tx).await?;
            let entry = AuditEntry::new("create", "address_rule", id)
                .at_node(&node.path)
                .after(serde_json::json!({ "keyword": keyword, "node": node.code }));
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
            id
        });
        let sql = format!("{RULE_SELECT} WHERE r.id = $1");
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, AddressRule>(&sql).bind(id).fetch_one(pool).await?
        }))
    }

    pub async fn delete_address_rule(&self, actor: &Actor, id: i64) -> Result<()> {
        actor.require::<PushImporter>()?;
        let rule = self
            .list_address_rules_in(&actor.scope)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(StoreError::NotFound)?;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM address_rules WHERE id = $1").bind(id).execute(&mut *tx).await?;
            let entry = AuditEntry::new("delete", "address_rule", id)
                .at_node(&rule.node_path)
                .before(serde_json::json!({ "keyword": rule.keyword, "node": rule.node_code }));
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
