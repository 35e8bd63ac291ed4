//! Persons (one per ID number, shared by every module) and the resident register (常住人口).
//!
//! A person record is identity only: the ID number and what it encodes. The name, phone and
//! address a module shows are those of its own record, typed by someone in scope. A person is a
//! resident of one grid; registering them in another is a move (迁入申请) that the current grid
//! or a common superior confirms, and until then the requesting grid sees only what it typed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use wangge_domain::permission::ResidentHandler;
use wangge_domain::search::PersonSearch;
use wangge_domain::validate::{text, IdNumber, Mobile, Sex};

use crate::db::{on_conn, Conn};
use crate::search;
use crate::{Actor, AuditEntry, GridNode, Result, Scope, Store, StoreError, StoredIdNumber};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub id_number: StoredIdNumber,
    pub birth_date: NaiveDate,
    pub sex: String,
}

/// 常住人员: a resident as pages and the API show them (the ID number masked unless revealed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Resident {
    pub id: i64,
    pub person_id: i64,
    pub id_number: StoredIdNumber,
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

pub(crate) use crate::id_number::mask;

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

/// The `id_number` field as typed: bounded, then a valid 身份证号 on `today`.
pub(crate) fn check_id_number(typed: &str, today: NaiveDate) -> Result<IdNumber> {
    let v = text::required("id_number", "身份证号", typed, text::CODE_MAX)?;
    IdNumber::parse(&v, today).map_err(|e| StoreError::invalid("id_number", e.to_string()))
}

/// The optional `phone` field as typed: bounded first (trimmed, empty is `None`), then parsed.
pub(crate) fn check_phone(typed: Option<&str>) -> Result<Option<String>> {
    text::optional("phone", "手机号", typed, text::CODE_MAX)?
        .map(|p| {
            Mobile::parse(&p)
                .map(|m| m.to_string())
                .map_err(|e| StoreError::invalid("phone", e.to_string()))
        })
        .transpose()
}

/// The identity fields of a person as typed, checked: every bad one is named at once
/// ([`StoreError::Fields`] when there are several).
pub(crate) fn check_person(
    id_number: &str,
    name: &str,
    phone: Option<&str>,
    today: NaiveDate,
) -> Result<CheckedPerson> {
    // every bad field at once, in the order of the form
    let mut problems = crate::error::Problems::default();
    let id_number = problems.keep(check_id_number(id_number, today))?;
    let name = problems
        .keep(text::required("name", "姓名", name, text::NAME_MAX).map_err(StoreError::from))?;
    let phone = problems.keep(check_phone(phone))?;
    match (id_number, name, phone) {
        (Some(id_number), Some(name), Some(phone)) => Ok(CheckedPerson {
            id_number,
            name,
            phone,
        }),
        _ => Err(problems.into_error()),
    }
}

const RESIDENT_SELECT: &str =
    "SELECT r.id, r.person_id, p.id_number, r.name, r.phone, p.birth_date, \
    p.sex, r.node_id, g.code AS node_code, g.name AS node_name, g.path AS node_path, r.address, \
    r.created_at FROM residents r JOIN persons p ON p.id = r.person_id \
    JOIN grid_nodes g ON g.id = r.node_id";

/// Links to the one person record for this ID number, creating it on first sight. The record
/// holds only what the ID number says; a sighting changes nothing in it.
pub(crate) const UPSERT_PERSON: &str =
    "INSERT INTO persons (id_number, birth_date, sex, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $4) \
    ON CONFLICT (id_number) DO UPDATE SET updated_at = persons.updated_at \
    RETURNING id";

/// [`UPSERT_PERSON`] on the open transaction `conn`: the person's id.
pub(crate) async fn upsert_person(
    conn: impl Into<Conn<'_>>,
    id_number: &IdNumber,
    now: DateTime<Utc>,
) -> Result<i64> {
    let mut conn = conn.into();
    let (person_id,): (i64,) = on_conn!(conn, c => {
        sqlx::query_as(UPSERT_PERSON)
            .bind(id_number.as_str())
            .bind(id_number.birth_date())
            .bind(sex_of(id_number))
            .bind(now)
            .fetch_one(c)
            .await?
    });
    Ok(person_id)
}

/// The `sex` column of an ID number (the one mapping the push-list import uses too).
pub(crate) fn sex_of(id_number: &IdNumber) -> &'static str {
    sex_str(id_number.sex())
}

/// The `sex` column's value.
pub(crate) fn sex_str(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
    }
}

/// What registering a resident came to.
#[derive(Debug, Clone)]
pub enum ResidentRegistration {
    /// 已登记: the person is now a resident of the grid.
    Registered(Resident),
    /// 迁入申请: the person is a resident of a grid outside the caller's scope; the request
    /// waits for that grid or a common superior to confirm. It carries only what was typed.
    MoveRequested(ResidentMove),
}

/// 迁入申请: a request to register a resident of one grid in another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResidentMove {
    pub id: i64,
    pub resident_id: i64,
    pub to_node_code: String,
    pub to_node_name: String,
    pub to_node_path: String,
    /// Name, phone and address as the requesting grid typed them.
    pub name: String,
    pub phone: Option<String>,
    pub address: String,
    /// pending, confirmed or rejected
    pub state: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The grid the person lives in now: shown only to those who see it (and may decide).
    pub from_node_name: Option<String>,
}

impl ResidentMove {
    pub fn state_label_zh(&self) -> &'static str {
        match self.state.as_str() {
            "pending" => "待确认",
            "confirmed" => "已迁入",
            _ => "未同意",
        }
    }

    /// Whether the caller may confirm or refuse it: it is pending and they see the grid the
    /// person lives in now (that grid, or a common superior).
    pub fn decidable(&self) -> bool {
        self.state == "pending" && self.from_node_name.is_some()
    }
}

#[derive(sqlx::FromRow)]
struct MoveRow {
    id: i64,
    resident_id: i64,
    to_node_code: String,
    to_node_name: String,
    to_node_path: String,
    name: String,
    phone: Option<String>,
    address: String,
    state: String,
    requested_by: String,
    requested_at: DateTime<Utc>,
    decided_by: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    from_node_name: String,
    from_node_path: String,
}

impl MoveRow {
    fn seen_by(self, scope: &Scope) -> ResidentMove {
        let from_seen = scope.contains(&self.from_node_path);
        ResidentMove {
            id: self.id,
            resident_id: self.resident_id,
            to_node_code: self.to_node_code,
            to_node_name: self.to_node_name,
            to_node_path: self.to_node_path,
            name: self.name,
            phone: self.phone,
            address: self.address,
            state: self.state,
            requested_by: self.requested_by,
            requested_at: self.requested_at,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
            from_node_name: from_seen.then_some(self.from_node_name),
        }
    }
}

const MOVE_SELECT: &str = "SELECT m.id, m.resident_id, t.code AS to_node_code, \
    t.name AS to_node_name, t.path AS to_node_path, m.name, m.phone, m.address, m.state, \
    m.requested_by, m.requested_at, m.decided_by, m.decided_at, f.name AS from_node_name, \
    f.path AS from_node_path FROM resident_moves m JOIN grid_nodes t ON t.id = m.to_node_id \
    JOIN residents r ON r.id = m.resident_id JOIN grid_nodes f ON f.id = r.node_id";

/// A move is seen from the grid that asked and from the grid the person lives in.
const MOVE_IN_SCOPE: &str = "((t.path >= $1 AND t.path < $2) OR (f.path >= $1 AND f.path < $2))";

/// A resident registration, checked, for its transaction.
struct Registration<'a> {
    actor: &'a Actor,
    person: &'a CheckedPerson,
    node: &'a GridNode,
    address: &'a str,
    now: DateTime<Utc>,
}

impl Registration<'_> {
    /// Registers the person in the node, or — when they are a resident outside the actor's
    /// scope — requests their move: (registered, id of the resident or of the move request).
    async fn store(&self, conn: impl Into<Conn<'_>>) -> Result<(bool, i64)> {
        let mut conn = conn.into();
        let person_id = upsert_person(&mut conn, &self.person.id_number, self.now).await?;
        let existing: Option<(i64, String)> = on_conn!(conn, c => {
            sqlx::query_as(
                "SELECT r.id, g.path FROM residents r JOIN grid_nodes g ON g.id = r.node_id \
                 WHERE r.person_id = $1",
            )
            .bind(person_id)
            .fetch_optional(c)
            .await?
        });
        let (lo, hi) = self.actor.scope.bounds();
        match existing {
            Some((_, path)) if path >= lo && path < hi => Err(StoreError::Conflict {
                field: "id_number".into(),
                message: "此身份证号已在辖区内登记为常住人口".into(),
            }),
            Some((resident_id, _)) => Ok((false, self.request_move(&mut conn, resident_id).await?)),
            None => Ok((true, self.register(&mut conn, person_id).await?)),
        }
    }

    async fn request_move(&self, conn: &mut Conn<'_>, resident_id: i64) -> Result<i64> {
        let (person, node) = (self.person, self.node);
        let inserted: std::result::Result<(i64,), sqlx::Error> = on_conn!(conn, c => {
            sqlx::query_as(
                "INSERT INTO resident_moves (resident_id, to_node_id, name, phone, \
                 address, state, requested_by, requested_at) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) RETURNING id",
            )
            .bind(resident_id)
            .bind(node.id)
            .bind(&person.name)
            .bind(&person.phone)
            .bind(self.address)
            .bind(&self.actor.username)
            .bind(self.now)
            .fetch_one(c)
            .await
        });
        let (id,) = inserted.map_err(|e| match StoreError::from(e) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                field: "id_number".into(),
                message: "已为此身份证号提交迁入申请，待现居网格确认".into(),
            },
            other => other,
        })?;
        let entry = AuditEntry::new("request_move", "resident_move", id)
            .at_node(&node.path)
            .after(serde_json::json!({
                "resident_id": resident_id, "id_number": mask(person.id_number.as_str()),
                "to": node.code, "address": self.address,
            }));
        crate::audit::record(conn, self.actor, &entry).await?;
        Ok(id)
    }

    async fn register(&self, conn: &mut Conn<'_>, person_id: i64) -> Result<i64> {
        let (person, node) = (self.person, self.node);
        let (id,): (i64,) = on_conn!(conn, c => {
            sqlx::query_as(
                "INSERT INTO residents (person_id, node_id, address, created_at, name, \
                 phone) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(person_id)
            .bind(node.id)
            .bind(self.address)
            .bind(self.now)
            .bind(&person.name)
            .bind(&person.phone)
            .fetch_one(c)
            .await?
        });
        let entry = AuditEntry::new("create", "resident", id)
            .at_node(&node.path)
            .after(serde_json::json!({
                "person_id": person_id, "id_number": mask(person.id_number.as_str()),
                "node": node.code, "address": self.address,
            }));
        crate::audit::record(conn, self.actor, &entry).await?;
        Ok(id)
    }
}

impl Store {
    /// Registers a resident in a grid of the actor's scope, with the name, phone and address
    /// typed here. A person is a resident of one grid: one registered in the caller's scope is
    /// a conflict naming the field; one registered outside it becomes a move request that shows
    /// the caller nothing of the other grid's record.
    pub async fn create_resident(
        &self,
        actor: &Actor,
        new: &NewResident,
    ) -> Result<ResidentRegistration> {
        actor.require::<ResidentHandler>()?;
        let today = crate::now().date_naive();
        let person = check_person(&new.id_number, &new.name, new.phone.as_deref(), today)?;
        let address = text::required("address", "住址", &new.address, text::ADDRESS_MAX)?;
        let address = address.as_str();
        let node = self
            .grid_node_by_code_in(&actor.scope, &new.node_code)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => StoreError::invalid(
                    "node_code",
                    format!("网格“{}”不存在或不在辖区内", new.node_code),
                ),
                other => other,
            })?;
        let reg = Registration {
            actor,
            person: &person,
            node: &node,
            address,
            now: crate::now(),
        };
        let outcome: (bool, i64) = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let outcome = reg.store(&mut *tx).await?;
            tx.commit().await?;
            outcome
        });
        match outcome {
            (true, id) => Ok(ResidentRegistration::Registered(
                self.resident_by_id_in(&actor.scope, id).await?,
            )),
            (false, id) => Ok(ResidentRegistration::MoveRequested(
                self.resident_move_by_id(actor, id).await?,
            )),
        }
    }

    /// Moves into or out of the actor's scope, newest first.
    pub async fn list_resident_moves(
        &self,
        actor: &Actor,
        pending_only: bool,
    ) -> Result<Vec<ResidentMove>> {
        actor.require::<ResidentHandler>()?;
        let (lo, hi) = actor.scope.bounds();
        let sql = format!(
            "{MOVE_SELECT} WHERE {MOVE_IN_SCOPE} AND ($3 = FALSE OR m.state = 'pending') \
             ORDER BY m.id DESC LIMIT 500"
        );
        let rows: Vec<MoveRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(pending_only).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|r| r.seen_by(&actor.scope)).collect())
    }

    /// A move seen from the actor's scope, or [`StoreError::NotFound`].
    pub async fn resident_move_by_id(&self, actor: &Actor, id: i64) -> Result<ResidentMove> {
        actor.require::<ResidentHandler>()?;
        let (lo, hi) = actor.scope.bounds();
        let sql = format!("{MOVE_SELECT} WHERE m.id = $3 AND {MOVE_IN_SCOPE}");
        let row: Option<MoveRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(&lo).bind(&hi).bind(id).fetch_optional(pool).await?
        });
        Ok(row.ok_or(StoreError::NotFound)?.seen_by(&actor.scope))
    }

    /// 确认迁入 or refuse: only the grid the person lives in now, or a superior of it, decides.
    /// Confirming moves the resident record to the requesting grid with what it typed; the old
    /// and new values go to the audit log.
    pub async fn decide_resident_move(
        &self,
        actor: &Actor,
        id: i64,
        confirm: bool,
    ) -> Result<ResidentMove> {
        let m = self.resident_move_by_id(actor, id).await?;
        if m.from_node_name.is_none() {
            return Err(StoreError::Forbidden(
                "迁入申请由此人现居网格或其上级确认".into(),
            ));
        }
        if m.state != "pending" {
            return Err(StoreError::Conflict {
                field: "state".into(),
                message: format!("此申请已{}", m.state_label_zh()),
            });
        }
        let before = self.resident_by_id_in(&actor.scope, m.resident_id).await?;
        let now = crate::now();
        let state = if confirm { "confirmed" } else { "rejected" };
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            store_move_decision(&mut *tx, actor, &m, &before, confirm, now).await?;
            tx.commit().await?;
        });
        // read back from here, a confirmed move may have left the decider's scope
        Ok(ResidentMove {
            state: state.to_string(),
            decided_by: Some(actor.username.clone()),
            decided_at: Some(now),
            ..m
        })
    }

    /// Residents of the scope, oldest first, `limit` at a time after `after_id` (keyset paging).
    pub async fn list_residents(
        &self,
        actor: &Actor,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Resident>> {
        self.list_residents_matching(actor, None, after_id, limit)
            .await
    }

    /// [`Store::list_residents`] of those the search finds (查找: name or ID number).
    pub async fn list_residents_matching(
        &self,
        actor: &Actor,
        search: Option<&PersonSearch>,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Resident>> {
        let (lo, hi) = actor.require::<ResidentHandler>()?.bounds();
        let condition = match search {
            Some(s) => format!("AND {}", search::condition(s, "r.name", "p.id_number", 5)),
            None => String::new(),
        };
        let sql = format!(
            "{RESIDENT_SELECT} WHERE g.path >= $1 AND g.path < $2 AND r.id > $3 {condition} \
             ORDER BY r.id LIMIT $4"
        );
        Ok(on_pool!(self, pool => {
            let q = sqlx::query_as::<_, Resident>(&sql)
                .bind(&lo).bind(&hi).bind(after_id).bind(limit.clamp(1, 1000));
            let q = match search {
                Some(s) => q.bind(search::value(s)),
                None => q,
            };
            q.fetch_all(pool).await?
        }))
    }

    pub async fn resident_by_id(&self, actor: &Actor, id: i64) -> Result<Resident> {
        let scope = actor.require::<ResidentHandler>()?;
        self.resident_by_id_in(scope, id).await
    }

    /// [`Store::resident_by_id`] within a scope the caller has already checked.
    pub(crate) async fn resident_by_id_in(&self, scope: &Scope, id: i64) -> Result<Resident> {
        let (lo, hi) = scope.bounds();
        let sql = format!("{RESIDENT_SELECT} WHERE r.id = $1 AND g.path >= $2 AND g.path < $3");
        on_pool!(self, pool => {
            sqlx::query_as::<_, Resident>(&sql).bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)
    }

    pub async fn count_residents(&self, actor: &Actor) -> Result<i64> {
        let scope = actor.require::<ResidentHandler>()?;
        self.count_residents_in(scope).await
    }

    /// [`Store::count_residents`] within a scope the caller has already checked.
    pub(crate) async fn count_residents_in(&self, scope: &Scope) -> Result<i64> {
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

/// The decision on move request `m` (of resident `before`) on the open transaction `conn`:
/// the request, if still pending; on confirmation the move itself; the audit entry.
async fn store_move_decision(
    conn: impl Into<Conn<'_>>,
    actor: &Actor,
    m: &ResidentMove,
    before: &Resident,
    confirm: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut conn = conn.into();
    let state = if confirm { "confirmed" } else { "rejected" };
    let done = on_conn!(conn, c => {
        sqlx::query(
            "UPDATE resident_moves SET state = $1, decided_by = $2, decided_at = $3 \
             WHERE id = $4 AND state = 'pending'",
        )
        .bind(state)
        .bind(&actor.username)
        .bind(now)
        .bind(m.id)
        .execute(c)
        .await?
        .rows_affected()
    });
    if done != 1 {
        return Err(StoreError::Conflict {
            field: "state".into(),
            message: "此申请已被处理".into(),
        });
    }
    let action = if confirm {
        "confirm_move"
    } else {
        "reject_move"
    };
    let mut entry = AuditEntry::new(action, "resident_move", m.id).at_node(&before.node_path);
    if confirm {
        move_resident(&mut conn, actor, m, now).await?;
        entry = entry
            .before(serde_json::json!({
                "resident_id": before.id, "node": before.node_code,
                "name": before.name, "address": before.address,
            }))
            .after(serde_json::json!({
                "resident_id": before.id, "node": m.to_node_code,
                "name": m.name, "address": m.address,
            }));
    }
    crate::audit::record(&mut conn, actor, &entry).await
}

/// A confirmed move: the resident record takes the request's grid and details, and the
/// person's other pending requests are refused (moot once they have moved).
async fn move_resident(
    conn: &mut Conn<'_>,
    actor: &Actor,
    m: &ResidentMove,
    now: DateTime<Utc>,
) -> Result<()> {
    on_conn!(conn, c => {
        sqlx::query(
            "UPDATE residents SET node_id = (SELECT id FROM grid_nodes WHERE code = $1), \
             name = $2, phone = $3, address = $4 WHERE id = $5",
        )
        .bind(&m.to_node_code)
        .bind(&m.name)
        .bind(&m.phone)
        .bind(&m.address)
        .bind(m.resident_id)
        .execute(&mut *c)
        .await?;
        sqlx::query(
            "UPDATE resident_moves SET state = 'rejected', decided_by = $1, \
             decided_at = $2 WHERE resident_id = $3 AND state = 'pending'",
        )
        .bind(&actor.username)
        .bind(now)
        .bind(m.resident_id)
        .execute(c)
        .await?;
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn mask_keeps_last_four() {
        assert_eq!(super::mask("11010519491231002X"), "**************002X");
        assert_eq!(super::mask("123"), "123");
    }
}
