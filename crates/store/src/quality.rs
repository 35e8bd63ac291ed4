//! 数据质量: records of one ID number that disagree. Each module keeps its own name for a person,
//! typed by whoever recorded it; when two records of one person disagree (another name), or
//! one person is reported twice for the same arrival date (a possible duplicate, e.g. a repeat
//! of the public form), the pair is listed here — for staff who can see both records, which
//! includes the lowest common superior of their grids. Nothing is overwritten: the staff
//! resolve it in the modules (e.g. a duplicate report is marked 未到).

use chrono::NaiveDate;
use serde::Serialize;
use wangge_domain::permission::ResidentHandler;

use crate::bulk::Placeholders;
use crate::StoredIdNumber;
use crate::{Actor, Result, Store};

/// At most this many people are listed at once, oldest person record first.
pub const QUALITY_LIMIT: usize = 200;

/// What is wrong with the records of one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityKind {
    /// 姓名不一致
    NameMismatch,
    /// 疑似重复报备: two open reports of one person for the same arrival date
    DuplicateArrival,
}

impl QualityKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            QualityKind::NameMismatch => "同一身份证号姓名不一致",
            QualityKind::DuplicateArrival => "疑似重复报备",
        }
    }
}

/// One module's record of a person, as its own module shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRecord {
    /// resident, arrival or push_item
    pub module: String,
    pub id: i64,
    pub name: String,
    /// the arrival date of a report
    pub arrival_date: Option<NaiveDate>,
    pub node_code: String,
    pub node_name: String,
}

impl PersonRecord {
    pub fn module_label_zh(&self) -> &'static str {
        match self.module.as_str() {
            "resident" => "常住人口",
            "arrival" => "来返报备",
            _ => "推送核查",
        }
    }

    /// The page of the record.
    pub fn href(&self) -> String {
        match self.module.as_str() {
            "resident" => format!("/residents/{}", self.id),
            "arrival" => format!("/arrivals/{}", self.id),
            _ => format!("/pushlists/items/{}", self.id),
        }
    }
}

/// The records of one person that disagree, all in the caller's scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualityIssue {
    pub person_id: i64,
    /// shown masked
    pub id_number: StoredIdNumber,
    pub kinds: Vec<QualityKind>,
    pub records: Vec<PersonRecord>,
}

/// Every module's records of people in scope (`$1`/`$2`), each table filtered further by
/// `person` (a condition on `person_id`, or TRUE); unassigned push items belong to no grid and
/// are left out. Reports marked 未到 are closed and no longer count.
fn records(person: &str) -> String {
    format!(
        "SELECT 'resident' AS module, r.id, r.person_id, r.name, \
         CAST(NULL AS TEXT) AS arrival_date, g.code AS node_code, g.name AS node_name \
         FROM residents r JOIN grid_nodes g ON g.id = r.node_id \
         WHERE g.path >= $1 AND g.path < $2 AND r.{person} \
         UNION ALL SELECT 'arrival', a.id, a.person_id, a.name, CAST(a.arrival_date AS TEXT), \
         g.code, g.name FROM arrivals a JOIN grid_nodes g ON g.id = a.node_id \
         WHERE g.path >= $1 AND g.path < $2 AND a.status <> 'no_show' AND a.{person} \
         UNION ALL SELECT 'push_item', i.id, i.person_id, i.name, CAST(NULL AS TEXT), g.code, \
         g.name FROM push_items i JOIN grid_nodes g ON g.id = i.node_id \
         WHERE g.path >= $1 AND g.path < $2 AND i.{person}"
    )
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    module: String,
    id: i64,
    person_id: i64,
    name: String,
    arrival_date: Option<String>,
    node_code: String,
    node_name: String,
    id_number: String,
}

impl Store {
    /// People whose records in the actor's scope disagree, by person.
    pub async fn quality_issues(&self, actor: &Actor) -> Result<Vec<QualityIssue>> {
        actor.require::<ResidentHandler>()?;
        let (lo, hi) = actor.scope.bounds();
        // another name, or more reports than report dates (arrival_date is NULL elsewhere)
        let candidates = format!(
            "SELECT person_id FROM ({}) recs GROUP BY person_id \
             HAVING COUNT(DISTINCT name) > 1 \
             OR COUNT(arrival_date) > COUNT(DISTINCT arrival_date) \
             ORDER BY person_id LIMIT {QUALITY_LIMIT}",
            records("person_id IS NOT NULL")
        );
        let people: Vec<(i64,)> = on_pool!(self, pool => {
            sqlx::query_as(&candidates).bind(&lo).bind(&hi).fetch_all(pool).await?
        });
        if people.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT recs.module, recs.id, recs.person_id, recs.name, recs.arrival_date, \
             recs.node_code, recs.node_name, p.id_number FROM ({}) recs \
             JOIN persons p ON p.id = recs.person_id \
             ORDER BY recs.person_id, recs.module, recs.id",
            // numbered: the list appears in each branch and binds once (at most 200 of them)
            records(&format!(
                "person_id IN ({})",
                Placeholders::Numbered.list(people.len(), 3)
            ))
        );
        let rows: Vec<RecordRow> = on_pool!(self, pool => {
            let mut q = sqlx::query_as(&sql).bind(&lo).bind(&hi);
            for (p,) in &people {
                q = q.bind(*p);
            }
            q.fetch_all(pool).await?
        });
        let mut out: Vec<QualityIssue> = Vec::new();
        for r in rows {
            let record = PersonRecord {
                module: r.module,
                id: r.id,
                name: r.name,
                arrival_date: r
                    .arrival_date
                    .as_deref()
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
                node_code: r.node_code,
                node_name: r.node_name,
            };
            match out.last_mut() {
                Some(issue) if issue.person_id == r.person_id => issue.records.push(record),
                _ => out.push(QualityIssue {
                    person_id: r.person_id,
                    id_number: StoredIdNumber::new(r.id_number),
                    kinds: Vec::new(),
                    records: vec![record],
                }),
            }
        }
        for issue in &mut out {
            issue.kinds = kinds_of(&issue.records);
        }
        out.retain(|i| !i.kinds.is_empty());
        Ok(out)
    }
}

/// What the records of one person disagree on.
fn kinds_of(records: &[PersonRecord]) -> Vec<QualityKind> {
    let mut kinds = Vec::new();
    if records.iter().any(|r| r.name != records[0].name) {
        kinds.push(QualityKind::NameMismatch);
    }
    let mut dates: Vec<NaiveDate> = records
        .iter()
        .filter(|r| r.module == "arrival")
        .filter_map(|r| r.arrival_date)
        .collect();
    dates.sort();
    if dates.windows(2).any(|w| w[0] == w[1]) {
        kinds.push(QualityKind::DuplicateArrival);
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(module: &str, name: &str, date: Option<&str>) -> PersonRecord {
        PersonRecord {
            module: module.into(),
            id: 1,
            name: name.into(),
            arrival_date: date.map(|d| d.parse().unwrap()),
            node_code: String::new(),
            node_name: String::new(),
        }
    }

    #[test]
    fn kinds_name_what_disagrees() {
        assert!(kinds_of(&[
            rec("resident", "张三", None),
            rec("push_item", "张三", None)
        ])
        .is_empty());
        assert_eq!(
            kinds_of(&[
                rec("resident", "张三", None),
                rec("push_item", "张叁", None)
            ]),
            vec![QualityKind::NameMismatch]
        );
        assert_eq!(
            kinds_of(&[
                rec("arrival", "张三", Some("2026-12-01")),
                rec("arrival", "张三", Some("2026-12-01"))
            ]),
            vec![QualityKind::DuplicateArrival]
        );
        assert!(kinds_of(&[
            rec("arrival", "张三", Some("2026-12-01")),
            rec("arrival", "张三", Some("2026-12-02"))
        ])
        .is_empty());
    }
}
