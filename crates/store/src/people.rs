//! Persons (one per ID number, shared by every module) and the resident register (常住人口).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use wangge_domain::validate::{IdNumber, Mobile, Sex};

use crate::{Actor, AuditEntry, Result, Scope, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub id_number: String,
    pub name: String,
    pub phone: Option<String>,
    pub birth_date: NaiveDate,
    pub sex: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Resident {
    pub id: i64,
    pub person_id: i64,
    pub id_number: String,
    pub name: String,
    pub phone: Option<String>,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub node_id: i64,
    pub node_code: String,
    pub node_name: String,
    pub node_path: String,
    pub address: String,
    pub created_at: DateTime<Utc>,
}

impl Resident {
    /// 脱敏: lists show only the last 4 characters of an ID number.
    pub fn masked_id_number(&self) -> String {
        mask(&self.id_number)
    }
}

pub fn mask(id_number: &str) -> String {
    let n = id_number.chars().count();
    id_number
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

#[derive(Debug, Clone)]
pub struct NewResident {
    pub id_number: String,
    pub name: String,
    pub phone: Option<String>,
    pub node_code: String,
    pub address: String,
}

/// A person's fields after validation, ready to link.
pub(crate) struct CheckedPerson {
    pub(crate) id_number: IdNumber,
    pub(crate) name: String,
    pub(crate) phone: Option<String>,
}

pub(crate) fn check_person(
    id_number: &str,
    name: &str,
    phone: Option<&str>,
    today: NaiveDate,
) -> Result<CheckedPerson> {
    let id_number = IdNumber::parse(id_number, today)
        .map_err(|e| StoreError::invalid("id_number", e.to_string()))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(StoreError::invalid("name", "姓名不能为空且不超过50字"));
    }
    let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(
            Mobile::parse(p)
                .map_err(|e| StoreError::invalid("phone", e.to_string()))?
                .to_string(),
        ),
        None => None,
    };
    Ok(CheckedPerson {
        id_number,
        name: name.to_string(),
        phone,
    })
}

const RESIDENT_SELECT: &str =
    "SELECT r.id, r.person_id, p.id_number, p.name, p.phone, p.birth_date, \
    p.sex, r.node_id, g.code AS node_code, g.name AS node_name, g.path AS node_path, r.address, \
    r.created_at FROM residents r JOIN persons p ON p.id = r.person_id \
    JOIN grid_nodes g ON g.id = r.node_id";

/// Links to the one person record for this ID number, creating it on first sight. A later
/// sighting fills in a phone the record lacked but never overwrites what is there.
pub(crate) const UPSERT_PERSON: &str =
    "INSERT INTO persons (id_number, name, phone, birth_date, sex, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $6) \
    ON CONFLICT (id_number) DO UPDATE SET phone = COALESCE(persons.phone, excluded.phone) \
    RETURNING id";

impl Store {
    /// Registers a resident in a grid of the actor's scope. The same ID number can be a resident
    /// of one place only: a second registration is a conflict naming the field.
    pub async fn create_resident(&self, actor: &Actor, new: &NewResident) -> Result<Resident> {
        let today = crate::now().date_naive();
        let person = check_person(&new.id_number, &new.name, new.phone.as_deref(), today)?;
        let address = new.address.trim();
        if address.is_empty() {
            return Err(StoreError::invalid("address", "住址不能为空"));
        }
        let node = self
            .grid_node_by_code(&actor.scope, &new.node_code)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => StoreError::invalid(
                    "node_code",
                    format!("网格“{}”不存在或不在辖区内", new.node_code),
                ),
                other => other,
            })?;
        let sex = match person.id_number.sex() {
            Sex::Male => "male",
            Sex::Female => "female",
        };
        let now = crate::now();
        let id: i64 = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (person_id,): (i64,) = sqlx::query_as(UPSERT_PERSON)
                .bind(person.id_number.as_str())
                .bind(&person.name)
                .bind(&person.phone)
                .bind(person.id_number.birth_date())
                .bind(sex)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO residents (person_id, node_id, address, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(person_id)
            .bind(node.id)
            .bind(address)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict { .. } => StoreError::Conflict {
                    field: "id_number".into(),
                    message: "此身份证号已登记为常住人口".into(),
                },
                other => other,
            })?;
            let entry = AuditEntry::new("create", "resident", id).at_node(&node.path).after(
                serde_json::json!({
                    "person_id": person_id, "id_number": mask(person.id_number.as_str()),
                    "node": node.code, "address": address,
                }),
            );
            record_audit!(&mut *tx, actor, &entry)?;
            tx.commit().await?;
            id
        });
        self.resident_by_id(&actor.scope, id).await
    }

    /// Residents of the scope, oldest first, `limit` at a time after `after_id` (keyset paging).
    pub async fn list_residents(
        &self,
        scope: &Scope,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Resident>> {
        let (lo, hi) = scope.bounds();
        let sql = format!(
            "{RESIDENT_SELECT} WHERE g.path >= $1 AND g.path < $2 AND r.id > $3 ORDER BY r.id LIMIT $4"
        );
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, Resident>(&sql)
                .bind(&lo).bind(&hi).bind(after_id).bind(limit.clamp(1, 1000))
                .fetch_all(pool).await?
        }))
    }

    pub async fn resident_by_id(&self, scope: &Scope, id: i64) -> Result<Resident> {
        let (lo, hi) = scope.bounds();
        let sql = format!("{RESIDENT_SELECT} WHERE r.id = $1 AND g.path >= $2 AND g.path < $3");
        on_pool!(self, pool => {
            sqlx::query_as::<_, Resident>(&sql).bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    pub async fn count_residents(&self, scope: &Scope) -> Result<i64> {
        let (lo, hi) = scope.bounds();
        let (n,): (i64,) = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT COUNT(*) FROM residents r JOIN grid_nodes g ON g.id = r.node_id \
                 WHERE g.path >= $1 AND g.path < $2",
            )
            .bind(&lo).bind(&hi).fetch_one(pool).await?
        });
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn mask_keeps_last_four() {
        assert_eq!(super::mask("11010519491231002X"), "**************002X");
        assert_eq!(super::mask("123"), "123");
    }
}
