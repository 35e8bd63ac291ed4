//! Policy versions in storage (防疫政策版本). A version, once stored, never changes: a new rule
//! set is a new id with its own effective date. Registering one recomputes every open plan.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use wangge_domain::permission::{PolicyAdmin, Staff};
use wangge_domain::policy::{Policy, DEFAULT_POLICY_TOML};

use crate::plans::{parse_policies, RecomputeSummary, SELECT_POLICY_SOURCES};
use crate::{Actor, AuditEntry, Result, Store, StoreError};

/// A stored policy version, without its source text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PolicyInfo {
    pub id: String,
    pub name: String,
    pub effective_from: NaiveDate,
    pub effective_until: Option<NaiveDate>,
    pub loaded_at: DateTime<Utc>,
}

/// The outcome of [`Store::register_policy`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PolicyRegistration {
    pub id: String,
    /// `false` when exactly this file was already stored
    pub created: bool,
    pub recompute: RecomputeSummary,
}

/// Policies shipped in the binary, registered on first start.
const BUILTIN: [&str; 1] = [DEFAULT_POLICY_TOML];

const INSERT_POLICY: &str = "INSERT INTO policies \
    (id, name, effective_from, effective_until, source, loaded_at) VALUES ($1, $2, $3, $4, $5, $6) \
    ON CONFLICT (id) DO NOTHING";

fn summary_of(p: &Policy) -> serde_json::Value {
    serde_json::json!({
        "id": p.id(), "name": p.name(), "effective_from": p.effective_from(),
        "effective_until": p.effective_until(), "rules": p.rules().len(),
    })
}

impl Store {
    /// Stores the policies shipped in the binary that the database lacks. Run at start-up; safe
    /// to run concurrently (an insert that loses the race changes and audits nothing).
    pub async fn ensure_builtin_policies(&self) -> Result<()> {
        let system = Actor::system("system");
        for src in BUILTIN {
            let policy = Policy::from_toml(src)
                .map_err(|r| StoreError::Internal(format!("内置政策无效：{r}")))?;
            let entry =
                AuditEntry::new("register", "policy", policy.id()).after(summary_of(&policy));
            on_pool!(self, pool => {
                let mut tx = pool.begin().await?;
                let done = sqlx::query(INSERT_POLICY)
                    .bind(policy.id())
                    .bind(policy.name())
                    .bind(policy.effective_from())
                    .bind(policy.effective_until())
                    .bind(src)
                    .bind(crate::now())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 1 {
                    crate::audit::record(&mut *tx, &system, &entry).await?;
                }
                tx.commit().await?;
            });
        }
        Ok(())
    }

    /// Every stored policy, loaded and checked, oldest loaded first.
    pub async fn load_policies(&self) -> Result<Vec<Policy>> {
        let fetch = || async {
            let rows: Vec<(String,)> = on_pool!(self, pool => {
                sqlx::query_as(SELECT_POLICY_SOURCES).fetch_all(pool).await?
            });
            Ok::<_, StoreError>(rows)
        };
        let mut rows = fetch().await?;
        if rows.is_empty() {
            self.ensure_builtin_policies().await?;
            rows = fetch().await?;
        }
        parse_policies(rows)
    }

    /// The stored versions, for any staff member.
    pub async fn list_policies(&self, actor: &Actor) -> Result<Vec<PolicyInfo>> {
        actor.require::<Staff>()?;
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, PolicyInfo>(
                "SELECT id, name, effective_from, effective_until, loaded_at FROM policies \
                 ORDER BY effective_from DESC, loaded_at DESC",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// The source text of a stored version.
    pub async fn policy_source(&self, actor: &Actor, id: &str) -> Result<String> {
        actor.require::<Staff>()?;
        let row: Option<(String,)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT source FROM policies WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|(s,)| s).ok_or(StoreError::NotFound)
    }

    /// A stored version and its source text, or [`StoreError::NotFound`].
    pub async fn policy_by_id(&self, actor: &Actor, id: &str) -> Result<(PolicyInfo, String)> {
        actor.require::<Staff>()?;
        type Row = (
            String,
            String,
            NaiveDate,
            Option<NaiveDate>,
            DateTime<Utc>,
            String,
        );
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, name, effective_from, effective_until, loaded_at, source \
                 FROM policies WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
        });
        let (id, name, effective_from, effective_until, loaded_at, source) =
            row.ok_or(StoreError::NotFound)?;
        let info = PolicyInfo {
            id,
            name,
            effective_from,
            effective_until,
            loaded_at,
        };
        Ok((info, source))
    }

    /// Checks and stores a new policy version, then recomputes every open plan in the same
    /// transaction. A file that fails `check` is refused with the whole report; an id already
    /// stored with other content is a conflict (a version never changes once plans cite it).
    pub async fn register_policy(&self, actor: &Actor, src: &str) -> Result<PolicyRegistration> {
        actor.require::<PolicyAdmin>()?;
        let policy = Policy::from_toml(src)
            .map_err(|report| StoreError::invalid("policy", report.to_string().trim_end()))?;
        let id = policy.id().to_string();
        let entry = AuditEntry::new("register", "policy", &id).after(summary_of(&policy));
        let cause = format!("政策 {id} 发布");
        let outcome = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let stored: Option<(String,)> = sqlx::query_as("SELECT source FROM policies WHERE id = $1")
                .bind(&id)
                .fetch_optional(&mut *tx)
                .await?;
            match stored {
                Some((s,)) if s == src => None,
                Some(_) => {
                    return Err(StoreError::Conflict {
                        field: "id".into(),
                        message: format!(
                            "政策版本“{id}”已存在且内容不同；修改政策请使用新的 id 和生效日期"
                        ),
                    })
                }
                None => {
                    sqlx::query(INSERT_POLICY)
                        .bind(&id)
                        .bind(policy.name())
                        .bind(policy.effective_from())
                        .bind(policy.effective_until())
                        .bind(src)
                        .bind(crate::now())
                        .execute(&mut *tx)
                        .await?;
                    crate::audit::record(&mut *tx, actor, &entry).await?;
                    let summary = crate::plans::recompute_open_plans(&mut *tx, actor, &cause).await?;
                    tx.commit().await?;
                    Some(summary)
                }
            }
        });
        Ok(PolicyRegistration {
            id,
            created: outcome.is_some(),
            recompute: outcome.unwrap_or_default(),
        })
    }
}
