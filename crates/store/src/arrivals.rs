//! 来返报备 in storage: creating a report (validated, placed in a grid, its plan computed with
//! the policy and risk areas in force on the arrival date), reading and listing them by scope.

use chrono::{DateTime, Days, NaiveDate, Utc};
use wangge_domain::arrival::{is_late, ArrivalStatus, FactsInput, Origin, Place, Stay};
use wangge_domain::grid::Level;
use wangge_domain::permission::ArrivalHandler;
use wangge_domain::policy::{PlanRecord, RiskLevel};
use wangge_domain::search::PersonSearch;

use crate::db::{on_conn, Conn};
use crate::error::Problems;
use crate::people::{check_person, mask, upsert_person, CheckedPerson};
use crate::plans::{compute, parse_json, Computed};
use crate::search;
use crate::{Actor, AuditEntry, GridNode, Result, Scope, Store, StoreError, StoredIdNumber};

/// A report may be made this many days after the arrival (补报), and this far ahead.
pub const MAX_DAYS_LATE: u64 = 14;
pub const MAX_DAYS_AHEAD: u64 = 90;
const MAX_TRAVEL_ENTRIES: usize = 30;

/// How a report reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// 公众自主报备（无需登录）
    Public,
    /// 工作人员代为登记
    Staff,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Public => "public",
            Channel::Staff => "staff",
        }
    }
}

/// One stay of the travel history as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStay {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub place: String,
}

/// A report as typed; every field is checked by [`Store::create_arrival`], which names the
/// field at fault.
#[derive(Debug, Clone, Default)]
pub struct NewArrival {
    pub id_number: String,
    pub name: String,
    pub phone: String,
    /// 境内来源地“区划代码 [街道]”，或境外入境时的国家/城市
    pub origin: String,
    /// 境外入境人员在口岸已集中隔离的天数；填写即为境外入境
    pub overseas_quarantined_days: Option<i64>,
    pub travel: Vec<NewStay>,
    pub occupation: String,
    pub key_industry: bool,
    /// YYYY-MM-DD
    pub arrival_date: String,
    /// 目的地详细地址
    pub destination: String,
    /// 目的地网格或社区编码；为空时按地址匹配社区/网格名称
    pub node_code: Option<String>,
    pub employer: String,
}

/// A stored report with its person, place and plan, as pages and the API show it (the ID
/// number masked unless revealed through the audited call).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Arrival {
    pub id: i64,
    pub person_id: i64,
    pub id_number: StoredIdNumber,
    pub name: String,
    pub phone: String,
    pub node_code: String,
    pub node_name: String,
    pub node_path: String,
    pub destination: String,
    /// `{"kind": "domestic", "place": …}` or `{"kind": "overseas", …}`
    #[schema(value_type = Object)]
    pub origin: Origin,
    #[schema(value_type = Vec<Object>)]
    pub travel: Vec<Stay>,
    pub occupation: String,
    pub key_industry: bool,
    pub arrival_date: NaiveDate,
    pub employer: String,
    pub late: bool,
    pub channel: String,
    #[schema(value_type = String, example = "reported")]
    pub status: ArrivalStatus,
    #[schema(value_type = String, example = "low")]
    pub origin_risk: RiskLevel,
    pub risk_city_stay: bool,
    pub other_province: bool,
    /// the measures of the policy engine, with the reason
    #[schema(value_type = Object)]
    pub plan: PlanRecord,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Arrival {
    pub fn channel_label_zh(&self) -> &'static str {
        if self.channel == Channel::Public.as_str() {
            "公众自主报备"
        } else {
            "工作人员登记"
        }
    }
}

#[derive(sqlx::FromRow)]
struct ArrivalRow {
    id: i64,
    person_id: i64,
    id_number: String,
    name: String,
    phone: String,
    node_code: String,
    node_name: String,
    node_path: String,
    destination: String,
    origin_json: String,
    travel_json: String,
    occupation: String,
    key_industry: bool,
    arrival_date: NaiveDate,
    employer: String,
    late: bool,
    channel: String,
    status: String,
    origin_risk: String,
    risk_city_stay: bool,
    other_province: bool,
    plan_json: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ArrivalRow> for Arrival {
    type Error = StoreError;
    fn try_from(r: ArrivalRow) -> Result<Self> {
        let internal = |e: &dyn std::fmt::Display| StoreError::Internal(e.to_string());
        Ok(Arrival {
            origin: parse_json("origin_json", &r.origin_json)?,
            travel: parse_json("travel_json", &r.travel_json)?,
            plan: parse_json("plan_json", &r.plan_json)?,
            status: r.status.parse().map_err(|e| internal(&e))?,
            origin_risk: r.origin_risk.parse().map_err(|e| internal(&e))?,
            id: r.id,
            person_id: r.person_id,
            id_number: StoredIdNumber::new(r.id_number),
            name: r.name,
            phone: r.phone,
            node_code: r.node_code,
            node_name: r.node_name,
            node_path: r.node_path,
            destination: r.destination,
            occupation: r.occupation,
            key_industry: r.key_industry,
            arrival_date: r.arrival_date,
            employer: r.employer,
            late: r.late,
            channel: r.channel,
            risk_city_stay: r.risk_city_stay,
            other_province: r.other_province,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(crate) const ARRIVAL_SELECT: &str = "SELECT a.id, a.person_id, p.id_number, a.name, \
    a.phone, g.code AS node_code, g.name AS node_name, g.path AS node_path, a.destination, \
    a.origin_json, a.travel_json, a.occupation, a.key_industry, a.arrival_date, a.employer, \
    a.late, a.channel, a.status, a.origin_risk, a.risk_city_stay, a.other_province, \
    a.plan_json, a.created_at, a.updated_at \
    FROM arrivals a JOIN persons p ON p.id = a.person_id JOIN grid_nodes g ON g.id = a.node_id";

const INSERT_ARRIVAL: &str = "INSERT INTO arrivals (person_id, node_id, destination, \
    origin_json, travel_json, occupation, key_industry, arrival_date, employer, phone, late, \
    channel, status, origin_risk, risk_city_stay, other_province, policy_id, rule_id, category, \
    plan_json, plan_end, created_at, updated_at, name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
    $9, $10, $11, $12, 'reported', $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, $22) \
    RETURNING id";

/// Filters of [`Store::list_arrivals`]; newest first, `limit` at a time before `before_id`.
#[derive(Debug, Clone, Default)]
pub struct ArrivalFilter {
    pub status: Option<ArrivalStatus>,
    pub arrival_date: Option<NaiveDate>,
    /// 查找: by name or ID number
    pub search: Option<PersonSearch>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> StoreError {
    StoreError::invalid(field, message)
}

/// A free-text field through the one text rule (length by character, no control characters).
fn text(field: &str, label: &str, value: &str, max: usize, required: bool) -> Result<String> {
    use wangge_domain::validate::text;
    Ok(if required {
        text::required(field, label, value, max)?
    } else {
        text::bounded(field, label, value, max)?
    })
}

fn date(field: &str, label: &str, value: &str) -> Result<NaiveDate> {
    let v = value.trim();
    if v.is_empty() {
        return Err(invalid(field, format!("{label}不能为空")));
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| invalid(field, format!("{label}“{v}”无效，应为 YYYY-MM-DD")))
}

/// The checked fields of a report, before the grid and the plan.
struct Checked {
    arrival: NaiveDate,
    origin: Origin,
    travel: Vec<Stay>,
    occupation: String,
    employer: String,
    destination: String,
}

/// Every field of a report checked, and every bad one named at once ([`StoreError::Fields`]
/// when there are several), in the order of the form.
fn check_report(new: &NewArrival, today: NaiveDate, window_days: u16) -> Result<Checked> {
    let mut problems = Problems::default();
    let arrival = problems.keep(
        date("arrival_date", "抵达日期", &new.arrival_date).and_then(|arrival| {
            let earliest = today - Days::new(MAX_DAYS_LATE);
            let latest = today + Days::new(MAX_DAYS_AHEAD);
            if arrival < earliest {
                Err(invalid(
                    "arrival_date",
                    format!(
                        "抵达日期 {arrival} 已超过 {MAX_DAYS_LATE} 天，不能再补报（今天是 {today}）"
                    ),
                ))
            } else if arrival > latest {
                Err(invalid(
                    "arrival_date",
                    format!("抵达日期 {arrival} 太远，最多可提前 {MAX_DAYS_AHEAD} 天报备"),
                ))
            } else {
                Ok(arrival)
            }
        }),
    )?;
    let origin = match new.overseas_quarantined_days {
        Some(days) => {
            let days = problems.keep(u16::try_from(days).ok().filter(|d| *d <= 60).ok_or_else(
                || {
                    invalid(
                        "overseas_quarantined_days",
                        "口岸已集中隔离天数应为 0 到 60",
                    )
                },
            ))?;
            let from = problems.keep(text("origin", "来源国家/地区", &new.origin, 64, true))?;
            days.zip(from).map(|(days, from)| Origin::Overseas {
                from,
                port_quarantined_days: days,
            })
        }
        None => problems
            .keep(
                text("origin", "来源地", &new.origin, 100, true).and_then(|place| {
                    Place::parse(&place).map_err(|e| invalid("origin", e.to_string()))
                }),
            )?
            .map(|place| Origin::Domestic { place }),
    };
    let mut travel = Vec::with_capacity(new.travel.len().min(MAX_TRAVEL_ENTRIES));
    if new.travel.len() > MAX_TRAVEL_ENTRIES {
        problems.add("travel", format!("旅居史最多 {MAX_TRAVEL_ENTRIES} 条"));
    } else {
        for (i, stay) in new.travel.iter().enumerate() {
            let n = i + 1;
            let field = |f: &str| format!("travel[{n}].{f}");
            let day = problems.keep(
                date(&field("date"), &format!("第{n}条旅居史的日期"), &stay.date).and_then(|day| {
                    // the window is known only when the arrival date is
                    let Some(arrival) = arrival else {
                        return Ok(day);
                    };
                    let since = arrival - Days::new(u64::from(window_days));
                    if day > arrival || day < since {
                        Err(invalid(
                            field("date"),
                            format!(
                                "第{n}条旅居史的日期 {day} 应在抵达前 {window_days} 天内（{since} 至 {arrival}）"
                            ),
                        ))
                    } else {
                        Ok(day)
                    }
                }),
            )?;
            let place = problems.keep(
                text(
                    &field("place"),
                    &format!("第{n}条旅居史的地点"),
                    &stay.place,
                    100,
                    true,
                )
                .and_then(|place| {
                    Place::parse(&place)
                        .map_err(|e| invalid(field("place"), format!("第{n}条旅居史：{e}")))
                }),
            )?;
            if let (Some(date), Some(place)) = (day, place) {
                travel.push(Stay { date, place });
            }
        }
    }
    let occupation = problems.keep(text("occupation", "职业", &new.occupation, 64, false))?;
    let employer = problems.keep(text("employer", "工作单位", &new.employer, 100, false))?;
    let destination = problems.keep(text(
        "destination",
        "目的地地址",
        &new.destination,
        200,
        true,
    ))?;
    match (arrival, origin, occupation, employer, destination) {
        (Some(arrival), Some(origin), Some(occupation), Some(employer), Some(destination))
            if problems.is_empty() =>
        {
            Ok(Checked {
                arrival,
                origin,
                travel,
                occupation,
                employer,
                destination,
            })
        }
        _ => Err(problems.into_error()),
    }
}

/// The community or grid whose name the address contains; the longest name wins, and two
/// different places with equally long names make the address ambiguous.
fn match_destination<'a>(nodes: &'a [GridNode], address: &str) -> Result<&'a GridNode> {
    let mut best: Vec<&GridNode> = Vec::new();
    for n in nodes
        .iter()
        .filter(|n| matches!(n.level, Level::Grid | Level::Community))
        .filter(|n| address.contains(n.name.as_str()))
    {
        match best.first() {
            Some(b) if b.name.chars().count() > n.name.chars().count() => {}
            Some(b) if b.name.chars().count() == n.name.chars().count() => best.push(n),
            _ => best = vec![n],
        }
    }
    match best.as_slice() {
        [one] => Ok(one),
        [] => Err(invalid(
            "destination",
            "无法根据地址确定所属社区或网格，请选择社区/网格",
        )),
        many => Err(invalid(
            "destination",
            format!(
                "地址同时匹配{}，请选择社区/网格",
                many.iter()
                    .map(|n| n.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        )),
    }
}

/// An arrival report, checked and placed, for its transaction.
struct Report<'a> {
    actor: &'a Actor,
    channel: Channel,
    person: &'a CheckedPerson,
    phone: &'a str,
    key_industry: bool,
    checked: &'a Checked,
    node: &'a GridNode,
    today: NaiveDate,
    now: DateTime<Utc>,
}

impl Report<'_> {
    /// Stores the report with its plan, computed with the rules as committed, and its dated
    /// events, audited: (arrival id, person id, the plan, whether the report is late).
    async fn store(&self, conn: impl Into<Conn<'_>>) -> Result<(i64, i64, Computed, bool)> {
        let mut conn = conn.into();
        // The plan must see every committed change of the rules, and a change of the rules
        // must see this report when it recomputes. PostgreSQL: a share lock on the rule
        // tables waits for a change in progress and holds the next one until we commit.
        // SQLite: the first statement below is a write, which takes the one write lock.
        if let Conn::Postgres(c) = &mut conn {
            sqlx::query("LOCK TABLE policies, risk_areas IN SHARE MODE")
                .execute(&mut **c)
                .await?;
        }
        let person_id = upsert_person(&mut conn, &self.person.id_number, self.now).await?;
        if self.channel == Channel::Staff {
            // the public reporter's scope is empty, so this finds nothing for it
            self.refuse_repeat_in_scope(&mut conn, person_id).await?;
        }
        let (policies, register) = crate::plans::load_rules(&mut conn).await?;
        let c = self.checked;
        let input = FactsInput {
            arrival: c.arrival,
            origin: &c.origin,
            travel: &c.travel,
            occupation: &c.occupation,
            key_industry_declared: self.key_industry,
            home_province: self.node.code.get(..2).unwrap_or(""),
        };
        let computed = compute(&input, &policies, &register)?;
        let late = is_late(c.arrival, self.today, computed.report_days_ahead);
        let id = self.insert(&mut conn, person_id, &computed, late).await?;
        let record = &computed.record;
        crate::plans::write_events(&mut conn, id, record).await?;
        let entry = AuditEntry::new("create", "arrival", id)
            .at_node(&self.node.path)
            .after(serde_json::json!({
                "person_id": person_id, "id_number": mask(self.person.id_number.as_str()),
                "channel": self.channel.as_str(), "node": self.node.code,
                "arrival_date": c.arrival, "late": late, "policy": record.policy,
                "rule": record.rule,
            }));
        crate::audit::record(&mut conn, self.actor, &entry).await?;
        Ok((id, person_id, computed, late))
    }

    /// A conflict if the actor's scope already has a report of this person and arrival date.
    async fn refuse_repeat_in_scope(&self, conn: &mut Conn<'_>, person_id: i64) -> Result<()> {
        let (lo, hi) = self.actor.scope.bounds();
        let arrival = self.checked.arrival;
        let seen: Option<(i64,)> = on_conn!(conn, c => {
            sqlx::query_as(
                "SELECT a.id FROM arrivals a JOIN grid_nodes g ON g.id = a.node_id \
                 WHERE a.person_id = $1 AND a.arrival_date = $2 \
                 AND g.path >= $3 AND g.path < $4 LIMIT 1",
            )
            .bind(person_id)
            .bind(arrival)
            .bind(&lo)
            .bind(&hi)
            .fetch_optional(c)
            .await?
        });
        match seen {
            Some((other,)) => Err(StoreError::Conflict {
                field: "arrival_date".into(),
                message: format!(
                    "辖区内已有此身份证号 {arrival} 抵达的报备（编号 {other}），不能重复登记"
                ),
            }),
            None => Ok(()),
        }
    }

    async fn insert(
        &self,
        conn: &mut Conn<'_>,
        person_id: i64,
        computed: &Computed,
        late: bool,
    ) -> Result<i64> {
        let (c, record, facts) = (self.checked, &computed.record, &computed.facts);
        let (origin_json, travel_json) = (to_json(&c.origin)?, to_json(&c.travel)?);
        let plan_json = to_json(record)?;
        let (id,): (i64,) = on_conn!(conn, db => {
            sqlx::query_as(INSERT_ARRIVAL)
                .bind(person_id)
                .bind(self.node.id)
                .bind(&c.destination)
                .bind(&origin_json)
                .bind(&travel_json)
                .bind(&c.occupation)
                .bind(self.key_industry)
                .bind(c.arrival)
                .bind(&c.employer)
                .bind(self.phone)
                .bind(late)
                .bind(self.channel.as_str())
                .bind(facts.origin_risk.as_str())
                .bind(facts.risk_city_stay)
                .bind(facts.other_province)
                .bind(&record.policy)
                .bind(&record.rule)
                .bind(&record.category)
                .bind(&plan_json)
                .bind(record.end())
                .bind(self.now)
                .bind(&self.person.name)
                .fetch_one(db)
                .await?
        });
        Ok(id)
    }
}

impl Store {
    async fn destination_node(
        &self,
        scope: &Scope,
        node_code: Option<&str>,
        address: &str,
    ) -> Result<GridNode> {
        match node_code.map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => {
                let node = self
                    .grid_node_by_code_in(scope, code)
                    .await
                    .map_err(|e| match e {
                        StoreError::NotFound => {
                            invalid("node_code", format!("网格“{code}”不存在或不在辖区内"))
                        }
                        other => other,
                    })?;
                if matches!(node.level, Level::Grid | Level::Community) {
                    Ok(node)
                } else {
                    Err(invalid(
                        "node_code",
                        format!(
                            "“{}”是{}，请选择社区或网格",
                            node.name,
                            node.level.label_zh()
                        ),
                    ))
                }
            }
            None => {
                let nodes = self.list_grid_in(scope).await?;
                match_destination(&nodes, address).cloned()
            }
        }
    }

    /// Registers an arrival report made on `today` (the district's local date), with the name
    /// and phone typed in it. The person is linked by ID number, and nothing stored elsewhere
    /// changes.
    ///
    /// The public reporter ([`Channel::Public`]) places the report in any community and gets
    /// back exactly what it typed and the plan: known person or not, reported before or not,
    /// the answer is the same. A repeat of the same person and arrival date is stored like any
    /// report and listed as a possible duplicate for staff who see both (data quality). Staff
    /// get a conflict only for a report of that person and date in their own scope.
    pub async fn create_arrival(
        &self,
        actor: &Actor,
        channel: Channel,
        new: &NewArrival,
        today: NaiveDate,
    ) -> Result<Arrival> {
        match channel {
            Channel::Public if !actor.role.is_public() => {
                return Err(StoreError::Forbidden("公众报备须经公众报备入口".into()))
            }
            Channel::Staff => {
                actor.require::<ArrivalHandler>()?;
            }
            Channel::Public => {}
        }
        // every bad field of the report at once: the person's, the report's, the destination's
        let mut problems = Problems::default();
        let person = problems.keep(check_person(
            &new.id_number,
            &new.name,
            Some(&new.phone),
            today,
        ))?;
        if new.phone.trim().is_empty() {
            problems.add("phone", "手机号不能为空");
        }
        let policies = self.load_policies().await?;
        let window = wangge_domain::policy::in_force(&policies, today)
            .map_or(14, |p| p.risk_city_stay_days());
        let checked = problems.keep(check_report(new, today, window))?;
        // the public form offers every community; grid nodes are not personal data
        let places = match channel {
            Channel::Public => Scope::everything(),
            Channel::Staff => actor.scope.clone(),
        };
        let (person, phone, c) = match (person, checked) {
            (Some(person), Some(c)) if problems.is_empty() => {
                let phone = person.phone.clone().unwrap_or_default();
                (person, phone, c)
            }
            _ => {
                // the place too, unless its own fields are what is wrong
                if !problems.has("destination") && !problems.has("node_code") {
                    let place = self
                        .destination_node(&places, new.node_code.as_deref(), new.destination.trim())
                        .await;
                    problems.keep(place)?;
                }
                return Err(problems.into_error());
            }
        };
        let node = self
            .destination_node(&places, new.node_code.as_deref(), &c.destination)
            .await?;
        let now = crate::now();
        let report = Report {
            actor,
            channel,
            person: &person,
            phone: &phone,
            key_industry: new.key_industry,
            checked: &c,
            node: &node,
            today,
            now,
        };
        let (id, person_id, computed, late) = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let stored = report.store(&mut *tx).await?;
            tx.commit().await?;
            stored
        });
        // what was written, not read back: the public reporter reads nothing
        Ok(Arrival {
            id,
            person_id,
            id_number: StoredIdNumber::new(person.id_number.as_str()),
            name: person.name,
            phone,
            node_code: node.code,
            node_name: node.name,
            node_path: node.path,
            destination: c.destination,
            origin: c.origin,
            travel: c.travel,
            occupation: c.occupation,
            key_industry: new.key_industry,
            arrival_date: c.arrival,
            employer: c.employer,
            late,
            channel: channel.as_str().to_string(),
            status: ArrivalStatus::Reported,
            origin_risk: computed.facts.origin_risk,
            risk_city_stay: computed.facts.risk_city_stay,
            other_province: computed.facts.other_province,
            plan: computed.record,
            created_at: now,
            updated_at: now,
        })
    }

    /// An arrival in `scope`, or [`StoreError::NotFound`] (absent and out of scope look alike).
    pub async fn arrival_by_id(&self, actor: &Actor, id: i64) -> Result<Arrival> {
        let scope = actor.require::<ArrivalHandler>()?;
        self.arrival_by_id_in(scope, id).await
    }

    /// [`Store::arrival_by_id`] within a scope the caller has already checked.
    pub(crate) async fn arrival_by_id_in(&self, scope: &Scope, id: i64) -> Result<Arrival> {
        let (lo, hi) = scope.bounds();
        let sql = format!("{ARRIVAL_SELECT} WHERE a.id = $1 AND g.path >= $2 AND g.path < $3");
        let row: Option<ArrivalRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// Arrivals in `scope`, newest report first.
    pub async fn list_arrivals(&self, actor: &Actor, f: &ArrivalFilter) -> Result<Vec<Arrival>> {
        let scope = actor.require::<ArrivalHandler>()?;
        self.list_arrivals_in(scope, f).await
    }

    /// [`Store::list_arrivals`] within a scope the caller has already checked.
    pub(crate) async fn list_arrivals_in(
        &self,
        scope: &Scope,
        f: &ArrivalFilter,
    ) -> Result<Vec<Arrival>> {
        let (lo, hi) = scope.bounds();
        let search = match &f.search {
            Some(s) => format!("AND {}", search::condition(s, "a.name", "p.id_number", 7)),
            None => String::new(),
        };
        let sql = format!(
            "{ARRIVAL_SELECT} WHERE g.path >= $1 AND g.path < $2 \
             AND ($3 IS NULL OR a.status = $3) AND ($4 IS NULL OR a.arrival_date = $4) \
             AND ($5 IS NULL OR a.id < $5) {search} ORDER BY a.id DESC LIMIT $6"
        );
        let rows: Vec<ArrivalRow> = on_pool!(self, pool => {
            let q = sqlx::query_as(&sql)
                .bind(&lo)
                .bind(&hi)
                .bind(f.status.map(|s| s.as_str()))
                .bind(f.arrival_date)
                .bind(f.before_id)
                .bind(f.limit.clamp(1, 500));
            let q = match &f.search {
                Some(s) => q.bind(search::value(s)),
                None => q,
            };
            q.fetch_all(pool).await?
        });
        rows.into_iter().map(Arrival::try_from).collect()
    }

    pub async fn count_arrivals(
        &self,
        actor: &Actor,
        status: Option<ArrivalStatus>,
    ) -> Result<i64> {
        let scope = actor.require::<ArrivalHandler>()?;
        self.count_arrivals_in(scope, status).await
    }

    /// [`Store::count_arrivals`] within a scope the caller has already checked.
    pub(crate) async fn count_arrivals_in(
        &self,
        scope: &Scope,
        status: Option<ArrivalStatus>,
    ) -> Result<i64> {
        let (lo, hi) = scope.bounds();
        let (n,): (i64,) = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT COUNT(*) FROM arrivals a JOIN grid_nodes g ON g.id = a.node_id \
                 WHERE g.path >= $1 AND g.path < $2 AND ($3 IS NULL OR a.status = $3)",
            )
            .bind(&lo).bind(&hi).bind(status.map(|s| s.as_str()))
            .fetch_one(pool).await?
        });
        Ok(n)
    }
}

/// Serialising our own values cannot fail in practice; if it does, it is an internal error.
fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(code: &str, name: &str, level: Level) -> GridNode {
        GridNode {
            id: 1,
            code: code.into(),
            name: name.into(),
            level,
            parent_id: None,
            path: format!("{code}/"),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn destination_matches_the_longest_name() {
        let nodes = [
            node("410105001001", "纬五路社区", Level::Community),
            node("410105001001001", "纬五路社区第一网格", Level::Grid),
            node("410105001002", "经五路社区", Level::Community),
            node("410105001", "经八路街道", Level::Township),
        ];
        let m = |a: &str| match_destination(&nodes, a).map(|n| n.code.clone());
        assert_eq!(m("纬五路社区3号楼").unwrap(), "410105001001");
        assert_eq!(m("纬五路社区第一网格2号楼").unwrap(), "410105001001001");
        assert!(
            m("经八路街道某处").is_err(),
            "a township is not a destination"
        );
        let e = m("纬五路社区经五路社区").unwrap_err();
        assert!(e.to_string().contains("同时匹配"), "{e}");
    }

    #[test]
    fn every_bad_field_of_a_report_is_named_at_once() {
        let today = NaiveDate::from_ymd_opt(2021, 12, 25).unwrap();
        let bad = NewArrival {
            origin: "北京".into(),
            arrival_date: "2021-12-32".into(),
            travel: vec![NewStay {
                date: "昨天".into(),
                place: String::new(),
            }],
            destination: " ".into(),
            ..Default::default()
        };
        let fields: Vec<String> = match check_report(&bad, today, 14) {
            Err(StoreError::Fields(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("{:?}", other.err()),
        };
        assert_eq!(
            fields,
            [
                "arrival_date",
                "origin",
                "travel[1].date",
                "travel[1].place",
                "destination"
            ]
        );
    }

    #[test]
    fn report_fields_are_named() {
        let today = NaiveDate::from_ymd_opt(2021, 12, 25).unwrap();
        let ok = NewArrival {
            origin: "110105".into(),
            arrival_date: "2021-12-28".into(),
            destination: "纬五路社区".into(),
            ..Default::default()
        };
        assert!(check_report(&ok, today, 14).is_ok());
        let field = |f: fn(&mut NewArrival)| {
            let mut n = ok.clone();
            f(&mut n);
            match check_report(&n, today, 14) {
                Err(StoreError::Invalid { field, .. }) => field,
                other => panic!("{:?}", other.err()),
            }
        };
        assert_eq!(
            field(|n| n.arrival_date = "2021-12-32".into()),
            "arrival_date"
        );
        assert_eq!(
            field(|n| n.arrival_date = "2021-11-01".into()),
            "arrival_date"
        );
        assert_eq!(
            field(|n| n.arrival_date = "2022-12-01".into()),
            "arrival_date"
        );
        assert_eq!(field(|n| n.origin = "北京".into()), "origin");
        assert_eq!(
            field(|n| n.overseas_quarantined_days = Some(-1)),
            "overseas_quarantined_days"
        );
        assert_eq!(field(|n| n.destination = " ".into()), "destination");
        assert_eq!(
            field(|n| n.travel = vec![NewStay {
                date: "2021-12-29".into(),
                place: "110105".into()
            }]),
            "travel[1].date"
        );
        assert_eq!(
            field(|n| n.travel = vec![NewStay {
                date: "2021-12-20".into(),
                place: "x".into()
            }]),
            "travel[1].place"
        );
    }
}
