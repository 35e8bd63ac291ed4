//! Changing an arrival's status along the allowed steps, and recording daily health check-ins.

use crate::Scope;
use chrono::NaiveDate;
use serde::Serialize;
use wangge_domain::arrival::{check_transition, ArrivalStatus};
use wangge_domain::permission::ArrivalHandler;
use wangge_domain::validate::{date, text};

use crate::{Actor, AuditEntry, Result, Store, StoreError};

/// 体温超过此值（含）为发热。
pub const FEVER_CELSIUS: f64 = 37.3;

/// A check-in as typed.
#[derive(Debug, Clone, Default)]
pub struct NewCheckIn {
    /// YYYY-MM-DD; empty means today
    pub date: String,
    pub temperature: Option<f64>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CheckIn {
    pub id: i64,
    pub arrival_id: i64,
    pub day: NaiveDate,
    pub temperature: Option<f64>,
    pub note: String,
    pub recorded_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl CheckIn {
    pub fn fever(&self) -> bool {
        self.temperature.is_some_and(|t| t >= FEVER_CELSIUS)
    }
}

impl Store {
    /// Moves an arrival of the actor's scope to `to`, if the step is allowed on `today` (the
    /// district's local date). A concurrent change by someone else is a conflict, not a lost
    /// update.
    pub async fn set_arrival_status(
        &self,
        actor: &Actor,
        id: i64,
        to: ArrivalStatus,
        note: &str,
        today: NaiveDate,
    ) -> Result<crate::Arrival> {
        actor.require::<ArrivalHandler>()?;
        let a = self.arrival_by_id_in(&actor.scope, id).await?;
        check_transition(a.status, to, a.arrival_date, &a.plan, today)
            .map_err(|e| StoreError::invalid("status", e.to_string()))?;
        let note = &text::multiline("note", "备注", note, text::NOTE_MAX)?;
        let entry = AuditEntry::new("status", "arrival", id)
            .at_node(&a.node_path)
            .before(serde_json::json!({ "status": a.status }))
            .after(serde_json::json!({ "status": to, "note": note }));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE arrivals SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
            )
            .bind(to.as_str())
            .bind(crate::now())
            .bind(id)
            .bind(a.status.as_str())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict {
                    field: "status".into(),
                    message: "状态已被他人修改，请刷新后重试".into(),
                });
            }
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
        });
        self.arrival_by_id_in(&actor.scope, id).await
    }

    /// Places an arrival of the actor's scope in another community or grid of that scope — a
    /// public report often names only the community, and the community assigns the grid.
    pub async fn reassign_arrival(
        &self,
        actor: &Actor,
        id: i64,
        node_code: &str,
    ) -> Result<crate::Arrival> {
        actor.require::<ArrivalHandler>()?;
        let a = self.arrival_by_id_in(&actor.scope, id).await?;
        let code = node_code.trim();
        let node = self
            .grid_node_by_code_in(&actor.scope, code)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    StoreError::invalid("node_code", format!("网格“{code}”不存在或不在辖区内"))
                }
                other => other,
            })?;
        if !matches!(
            node.level,
            wangge_domain::grid::Level::Grid | wangge_domain::grid::Level::Community
        ) {
            return Err(StoreError::invalid("node_code", "请选择社区或网格"));
        }
        if node.code == a.node_code {
            return Ok(a);
        }
        // the district's province is the same everywhere in the tree, so the plan stands
        let entry = AuditEntry::new("reassign", "arrival", id)
            .at_node(&node.path)
            .before(serde_json::json!({ "node": a.node_code }))
            .after(serde_json::json!({ "node": node.code }));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE arrivals SET node_id = $1, updated_at = $2 WHERE id = $3")
                .bind(node.id)
                .bind(crate::now())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
        });
        self.arrival_by_id_in(&actor.scope, id).await
    }

    /// Records a day's health check-in of a person who has arrived and is under measures.
    pub async fn add_check_in(
        &self,
        actor: &Actor,
        id: i64,
        new: &NewCheckIn,
        today: NaiveDate,
    ) -> Result<CheckIn> {
        actor.require::<ArrivalHandler>()?;
        let a = self.arrival_by_id_in(&actor.scope, id).await?;
        let day = date::parse_optional("date", &new.date)?.unwrap_or(today);
        if !matches!(
            a.status,
            ArrivalStatus::Arrived | ArrivalStatus::UnderMeasures
        ) {
            return Err(StoreError::invalid(
                "status",
                format!("状态为“{}”，不需要健康打卡", a.status.label_zh()),
            ));
        }
        let Some(end) = a.plan.end() else {
            return Err(StoreError::invalid(
                "date",
                "该人员无管控措施，不需要健康打卡",
            ));
        };
        if day > today {
            return Err(StoreError::invalid(
                "date",
                format!("打卡日期 {day} 晚于今天"),
            ));
        }
        if day < a.arrival_date || day > end {
            return Err(StoreError::invalid(
                "date",
                format!("打卡日期 {day} 不在管控期内（{} 至 {end}）", a.arrival_date),
            ));
        }
        if let Some(t) = new.temperature {
            if !(34.0..=43.0).contains(&t) {
                return Err(StoreError::invalid(
                    "temperature",
                    format!("体温 {t} ℃ 不在 34–43 ℃ 之间，请核对"),
                ));
            }
        }
        let note = &text::multiline("note", "备注", &new.note, text::NOTE_MAX)?;
        let now = crate::now();
        let check_in = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: CheckIn = sqlx::query_as(
                "INSERT INTO arrival_check_ins (arrival_id, day, temperature, note, recorded_by, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 RETURNING id, arrival_id, day, temperature, note, recorded_by, created_at",
            )
            .bind(id)
            .bind(day)
            .bind(new.temperature)
            .bind(note)
            .bind(&actor.username)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict { .. } => StoreError::Conflict {
                    field: "date".into(),
                    message: format!("{day} 已打卡"),
                },
                other => other,
            })?;
            let entry = AuditEntry::new("check_in", "arrival", id)
                .at_node(&a.node_path)
                .after(&row);
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
            row
        });
        Ok(check_in)
    }

    /// Check-ins of an arrival of `scope`, by day.
    pub async fn list_check_ins(&self, actor: &Actor, id: i64) -> Result<Vec<CheckIn>> {
        let scope = actor.require::<ArrivalHandler>()?;
        self.list_check_ins_in(scope, id).await
    }

    /// [`Store::list_check_ins`] within a scope the caller has already checked.
    pub(crate) async fn list_check_ins_in(&self, scope: &Scope, id: i64) -> Result<Vec<CheckIn>> {
        self.arrival_by_id_in(scope, id).await?;
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, CheckIn>(
                "SELECT id, arrival_id, day, temperature, note, recorded_by, created_at \
                 FROM arrival_check_ins WHERE arrival_id = $1 ORDER BY day",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }
}
