//! The risk-area register in storage (风险地区名单): district admins add, edit, remove and import
//! areas; every change recomputes the open arrival plans in the same transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use wangge_domain::permission::{RiskAdmin, Staff};
use wangge_domain::policy::{area_problems, RiskArea, RiskLevel};
use wangge_domain::validate::{date, text};

use crate::plans::RecomputeSummary;
use crate::{Actor, AuditEntry, FieldError, Result, Store, StoreError};

/// A stored risk area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredRiskArea {
    pub id: i64,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub area: RiskArea,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AreaRow {
    id: i64,
    code: String,
    street: Option<String>,
    name: String,
    level: String,
    valid_from: NaiveDate,
    valid_until: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<AreaRow> for StoredRiskArea {
    type Error = StoreError;
    fn try_from(r: AreaRow) -> Result<Self> {
        Ok(StoredRiskArea {
            id: r.id,
            area: RiskArea {
                level: r
                    .level
                    .parse::<RiskLevel>()
                    .map_err(|e| StoreError::Internal(e.to_string()))?,
                code: r.code,
                street: r.street,
                name: r.name,
                valid_from: r.valid_from,
                valid_until: r.valid_until,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const AREA_COLUMNS: &str =
    "id, code, street, name, level, valid_from, valid_until, created_at, updated_at";

pub(crate) const INSERT_AREA: &str = "INSERT INTO risk_areas \
    (code, street, name, level, valid_from, valid_until, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id";

pub(crate) const UPDATE_AREA: &str = "UPDATE risk_areas SET code = $1, street = $2, name = $3, \
    level = $4, valid_from = $5, valid_until = $6, updated_at = $7 WHERE id = $8";

/// Normalises what people type (lengths and control characters by the domain's text rules,
/// dates by its date range, a county written by name to its code: `RiskArea::with_code_resolved`)
/// and drops an empty street, then validates: every bad field is
/// named (`StoreError::Fields`), so a form can show each beside its input.
pub fn normalize_risk_area(area: &RiskArea) -> Result<RiskArea> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut keep = |field: &str, e: StoreError| match e {
        StoreError::Invalid { message, .. } => errors.push(FieldError {
            field: field.to_string(),
            message,
        }),
        other => errors.push(FieldError {
            field: field.to_string(),
            message: other.to_string(),
        }),
    };
    let mut a = area.clone();
    let code_read = match text::bounded("code", "区划代码", &a.code, text::CODE_MAX) {
        Ok(v) => {
            a.code = v;
            true
        }
        Err(e) => {
            keep("code", e.into());
            false
        }
    };
    match text::bounded("name", "地区名称", &a.name, text::PLACE_NAME_MAX) {
        Ok(v) => a.name = v,
        Err(e) => keep("name", e.into()),
    }
    match text::optional("street", "街道", a.street.as_deref(), text::PLACE_NAME_MAX) {
        Ok(v) => a.street = v,
        Err(e) => keep("street", e.into()),
    }
    // a county written by name (“雁塔区”, “西安市雁塔区 电子城街道”) is stored by its code
    if code_read {
        match a.with_code_resolved() {
            Ok(resolved) => a = resolved,
            Err(e) => keep(e.field(), StoreError::invalid(e.field(), e.to_string())),
        }
    }
    if let Err(e) = date::in_range("valid_from", a.valid_from) {
        keep("valid_from", e.into());
    }
    if let Some(until) = a.valid_until {
        if let Err(e) = date::in_range("valid_until", until) {
            keep("valid_until", e.into());
        }
    }
    for problem in area_problems(&a) {
        if !errors.iter().any(|e| e.field == problem.field()) {
            errors.push(FieldError {
                field: problem.field().to_string(),
                message: problem.to_string(),
            });
        }
    }
    if errors.is_empty() {
        Ok(a)
    } else {
        Err(StoreError::fields(errors))
    }
}

impl Store {
    /// The whole register, by code, street and start date.
    pub async fn list_risk_areas(&self, actor: &Actor) -> Result<Vec<StoredRiskArea>> {
        actor.require::<Staff>()?;
        let sql =
            format!("SELECT {AREA_COLUMNS} FROM risk_areas ORDER BY code, street, valid_from, id");
        let rows: Vec<AreaRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        rows.into_iter().map(StoredRiskArea::try_from).collect()
    }

    /// One area of the register, for any staff member.
    pub async fn risk_area_by_id(&self, actor: &Actor, id: i64) -> Result<StoredRiskArea> {
        actor.require::<Staff>()?;
        self.area_by_id(id).await
    }

    async fn area_by_id(&self, id: i64) -> Result<StoredRiskArea> {
        let sql = format!("SELECT {AREA_COLUMNS} FROM risk_areas WHERE id = $1");
        let row: Option<AreaRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    pub async fn create_risk_area(
        &self,
        actor: &Actor,
        area: &RiskArea,
    ) -> Result<(StoredRiskArea, RecomputeSummary)> {
        actor.require::<RiskAdmin>()?;
        let a = normalize_risk_area(area)?;
        let now = crate::now();
        let (id, summary) = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (id,): (i64,) = sqlx::query_as(INSERT_AREA)
                .bind(&a.code).bind(&a.street).bind(&a.name).bind(a.level.as_str())
                .bind(a.valid_from).bind(a.valid_until).bind(now)
                .fetch_one(&mut *tx).await?;
            let entry = AuditEntry::new("create", "risk_area", id).after(&a);
            crate::audit::record(&mut *tx, actor, &entry).await?;
            let summary = crate::plans::recompute_open_plans(&mut *tx, actor, &format!("风险地区 {id} 新增")).await?;
            tx.commit().await?;
            (id, summary)
        });
        Ok((self.area_by_id(id).await?, summary))
    }

    pub async fn update_risk_area(
        &self,
        actor: &Actor,
        id: i64,
        area: &RiskArea,
    ) -> Result<(StoredRiskArea, RecomputeSummary)> {
        actor.require::<RiskAdmin>()?;
        let a = normalize_risk_area(area)?;
        let before = self.area_by_id(id).await?;
        let now = crate::now();
        let summary = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(UPDATE_AREA)
                .bind(&a.code).bind(&a.street).bind(&a.name).bind(a.level.as_str())
                .bind(a.valid_from).bind(a.valid_until).bind(now).bind(id)
                .execute(&mut *tx).await?;
            let entry = AuditEntry::new("update", "risk_area", id).before(&before.area).after(&a);
            crate::audit::record(&mut *tx, actor, &entry).await?;
            let summary = crate::plans::recompute_open_plans(&mut *tx, actor, &format!("风险地区 {id} 修改")).await?;
            tx.commit().await?;
            summary
        });
        Ok((self.area_by_id(id).await?, summary))
    }

    pub async fn delete_risk_area(&self, actor: &Actor, id: i64) -> Result<RecomputeSummary> {
        actor.require::<RiskAdmin>()?;
        let before = self.area_by_id(id).await?;
        Ok(on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM risk_areas WHERE id = $1").bind(id).execute(&mut *tx).await?;
            let entry = AuditEntry::new("delete", "risk_area", id).before(&before.area);
            crate::audit::record(&mut *tx, actor, &entry).await?;
            let summary = crate::plans::recompute_open_plans(&mut *tx, actor, &format!("风险地区 {id} 删除")).await?;
            tx.commit().await?;
            summary
        }))
    }
}
