//! Arrival plans in storage: computing one from a report, writing it with the dated events the
//! daily list reads, and recomputing every open plan when a policy version or the risk-area
//! register changes — inside the transaction that made the change, each changed plan audited.
//!
//! The writers are functions over a [`Conn`](crate::db::Conn), the open transaction of either
//! backend, which the caller begins and commits.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use wangge_domain::arrival::{facts_for, FactsInput, Origin, Stay};
use wangge_domain::policy::{
    in_force, ArrivalFacts, PlanRecord, Policy, RiskArea, RiskLevel, RiskRegister,
};

use crate::db::{on_conn, Conn};
use crate::{Actor, AuditEntry, Result, StoreError};

/// A plan as computed for one report.
pub(crate) struct Computed {
    pub facts: ArrivalFacts,
    pub record: PlanRecord,
    pub report_days_ahead: u16,
}

/// 按抵达日有效的政策和风险地区名单计算管控计划。
pub(crate) fn compute(
    input: &FactsInput<'_>,
    policies: &[Policy],
    register: &RiskRegister,
) -> Result<Computed> {
    let policy = in_force(policies, input.arrival).ok_or_else(|| {
        StoreError::invalid(
            "arrival_date",
            format!("抵达日期 {} 没有生效的防疫政策", input.arrival),
        )
    })?;
    let facts = facts_for(input, policy, register);
    let plan = policy
        .plan(&facts)
        .map_err(|e| StoreError::invalid("arrival_date", e.to_string()))?;
    Ok(Computed {
        facts,
        record: plan.to_record(),
        report_days_ahead: policy.report_days_ahead(),
    })
}

/// Stored policy sources, oldest loaded first (so that `in_force` lets a later load win a tie).
pub(crate) const SELECT_POLICY_SOURCES: &str = "SELECT source FROM policies ORDER BY loaded_at, id";

pub(crate) const SELECT_RISK_AREAS_FOR_REGISTER: &str =
    "SELECT code, street, name, level, valid_from, valid_until FROM risk_areas";

/// Every stored source passed `check` when it was registered; one that no longer loads (a
/// newer build with stricter checks) is an operator problem worth stopping for.
pub(crate) fn parse_policies(rows: Vec<(String,)>) -> Result<Vec<Policy>> {
    rows.into_iter()
        .map(|(src,)| {
            Policy::from_toml(&src)
                .map_err(|report| StoreError::Internal(format!("已存储的政策无法加载：{report}")))
        })
        .collect()
}

#[derive(sqlx::FromRow)]
pub(crate) struct RegisterRow {
    code: String,
    street: Option<String>,
    name: String,
    level: String,
    valid_from: NaiveDate,
    valid_until: Option<NaiveDate>,
}

pub(crate) fn register_of(rows: Vec<RegisterRow>) -> Result<RiskRegister> {
    let areas = rows
        .into_iter()
        .map(|r| {
            Ok(RiskArea {
                level: r
                    .level
                    .parse::<RiskLevel>()
                    .map_err(|e| StoreError::Internal(e.to_string()))?,
                code: r.code,
                street: r.street,
                name: r.name,
                valid_from: r.valid_from,
                valid_until: r.valid_until,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RiskRegister::new(areas))
}

/// Loads the policies and the risk register on a connection or open transaction.
pub(crate) async fn load_rules(conn: impl Into<Conn<'_>>) -> Result<(Vec<Policy>, RiskRegister)> {
    let mut conn = conn.into();
    let (sources, areas): (Vec<(String,)>, Vec<RegisterRow>) = on_conn!(conn, c => {
        let sources = sqlx::query_as(SELECT_POLICY_SOURCES).fetch_all(&mut *c).await?;
        let areas = sqlx::query_as(SELECT_RISK_AREAS_FOR_REGISTER).fetch_all(c).await?;
        (sources, areas)
    });
    Ok((parse_policies(sources)?, register_of(areas)?))
}

/// Replaces the dated events of arrival `id` with those of `record`.
pub(crate) async fn write_events(
    conn: impl Into<Conn<'_>>,
    id: i64,
    record: &PlanRecord,
) -> Result<()> {
    let mut conn = conn.into();
    on_conn!(conn, c => {
        sqlx::query("DELETE FROM arrival_events WHERE arrival_id = $1")
            .bind(id)
            .execute(&mut *c)
            .await?;
        for (day, kind, measure) in events_of(record) {
            sqlx::query(
                "INSERT INTO arrival_events (arrival_id, day, kind, measure) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(day)
            .bind(kind)
            .bind(measure)
            .execute(&mut *c)
            .await?;
        }
    });
    Ok(())
}

/// (day, kind, measure) of every dated event of a plan.
pub(crate) fn events_of(
    record: &PlanRecord,
) -> Vec<(NaiveDate, &'static str, Option<&'static str>)> {
    let mut out = Vec::with_capacity(record.phases.len() * 2 + record.tests.len());
    for p in &record.phases {
        out.push((p.start, "starts", Some(p.measure.as_str())));
        out.push((p.end, "ends", Some(p.measure.as_str())));
    }
    for &t in &record.tests {
        out.push((t, "test", None));
    }
    out
}

/// How many open plans a change recomputed, and in how many the measures themselves changed
/// (not only the policy version or the reason).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RecomputeSummary {
    pub recomputed: usize,
    pub measures_changed: usize,
}

/// An open arrival as the recomputation needs it.
#[derive(sqlx::FromRow)]
pub(crate) struct OpenPlanRow {
    pub id: i64,
    pub node_path: String,
    pub node_code: String,
    pub arrival_date: NaiveDate,
    pub origin_json: String,
    pub travel_json: String,
    pub occupation: String,
    pub key_industry: bool,
    pub origin_risk: String,
    pub risk_city_stay: bool,
    pub other_province: bool,
    pub plan_json: String,
}

pub(crate) const SELECT_OPEN_PLANS: &str = "SELECT a.id, g.path AS node_path, \
    g.code AS node_code, a.arrival_date, a.origin_json, a.travel_json, a.occupation, \
    a.key_industry, a.origin_risk, a.risk_city_stay, a.other_province, a.plan_json \
    FROM arrivals a JOIN grid_nodes g ON g.id = a.node_id \
    WHERE a.status IN ('reported', 'arrived', 'under_measures') ORDER BY a.id";

pub(crate) const UPDATE_PLAN: &str = "UPDATE arrivals SET policy_id = $1, rule_id = $2, \
    category = $3, plan_json = $4, plan_end = $5, origin_risk = $6, risk_city_stay = $7, \
    other_province = $8, updated_at = $9 WHERE id = $10";

/// A recomputed plan that differs from the stored one.
pub(crate) struct Replan {
    pub id: i64,
    pub node_path: String,
    pub computed: Computed,
    pub plan_json: String,
    pub before: Value,
    pub after: Value,
    pub measures_changed: bool,
}

fn audit_view(record: &PlanRecord, origin_risk: &str, risk_city_stay: bool) -> Value {
    json!({
        "policy": record.policy, "rule": record.rule, "category": record.category,
        "origin_risk": origin_risk, "risk_city_stay": risk_city_stay,
        "phases": record.phases, "tests": record.tests, "documents": record.documents,
    })
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Internal(format!("{what}: {e}")))
}

/// The plan the current rules give an open arrival, if it differs from the stored one.
pub(crate) fn replan(
    row: &OpenPlanRow,
    policies: &[Policy],
    register: &RiskRegister,
    cause: &str,
) -> Result<Option<Replan>> {
    let origin: Origin = parse_json("origin_json", &row.origin_json)?;
    let travel: Vec<Stay> = parse_json("travel_json", &row.travel_json)?;
    let old: PlanRecord = parse_json("plan_json", &row.plan_json)?;
    let input = FactsInput {
        arrival: row.arrival_date,
        origin: &origin,
        travel: &travel,
        occupation: &row.occupation,
        key_industry_declared: row.key_industry,
        home_province: row.node_code.get(..2).unwrap_or(""),
    };
    let computed = match compute(&input, policies, register) {
        Ok(c) => c,
        // no policy in force on that day any more: the plan stays as it was computed
        Err(StoreError::Invalid { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let new = &computed.record;
    let origin_risk = computed.facts.origin_risk.as_str();
    let unchanged = *new == old
        && origin_risk == row.origin_risk
        && computed.facts.risk_city_stay == row.risk_city_stay
        && computed.facts.other_province == row.other_province;
    if unchanged {
        return Ok(None);
    }
    let measures_changed =
        new.phases != old.phases || new.tests != old.tests || new.documents != old.documents;
    let mut after = audit_view(new, origin_risk, computed.facts.risk_city_stay);
    after["cause"] = json!(cause);
    Ok(Some(Replan {
        id: row.id,
        node_path: row.node_path.clone(),
        plan_json: serde_json::to_string(new).map_err(|e| StoreError::Internal(e.to_string()))?,
        before: audit_view(&old, &row.origin_risk, row.risk_city_stay),
        after,
        measures_changed,
        computed,
    }))
}

/// Recomputes every open plan inside the open transaction `conn` after a change described by
/// `cause`, updating and auditing each plan that changed.
pub(crate) async fn recompute_open_plans(
    conn: impl Into<Conn<'_>>,
    actor: &Actor,
    cause: &str,
) -> Result<RecomputeSummary> {
    let mut conn = conn.into();
    let (policies, register) = load_rules(&mut conn).await?;
    let rows: Vec<OpenPlanRow> = on_conn!(conn, c => {
        sqlx::query_as(SELECT_OPEN_PLANS).fetch_all(c).await?
    });
    let now = crate::now();
    let mut summary = RecomputeSummary::default();
    for row in &rows {
        let Some(re) = replan(row, &policies, &register, cause)? else {
            continue;
        };
        store_replan(&mut conn, actor, &re, now).await?;
        summary.recomputed += 1;
        if re.measures_changed {
            summary.measures_changed += 1;
        }
    }
    Ok(summary)
}

/// Writes one recomputed plan — the arrival's plan columns, its dated events — and audits it.
async fn store_replan(
    conn: &mut Conn<'_>,
    actor: &Actor,
    re: &Replan,
    now: DateTime<Utc>,
) -> Result<()> {
    let record = &re.computed.record;
    let facts = &re.computed.facts;
    on_conn!(conn, c => {
        sqlx::query(UPDATE_PLAN)
            .bind(&record.policy)
            .bind(&record.rule)
            .bind(&record.category)
            .bind(&re.plan_json)
            .bind(record.end())
            .bind(facts.origin_risk.as_str())
            .bind(facts.risk_city_stay)
            .bind(facts.other_province)
            .bind(now)
            .bind(re.id)
            .execute(c)
            .await?;
    });
    write_events(&mut *conn, re.id, record).await?;
    let entry = AuditEntry::new("recompute", "arrival", re.id)
        .at_node(&re.node_path)
        .before(&re.before)
        .after(&re.after);
    crate::audit::record(conn, actor, &entry).await
}
