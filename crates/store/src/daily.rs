//! 网格员每日清单: for a day and a scope, who arrives, starts or ends a measure, owes a test, or
//! missed the previous day's health check-in. Three index lookups (arrivals by date, plan events
//! by day, open plans by status and end date), merged per person.

use crate::Actor;
use std::collections::BTreeMap;
use wangge_domain::permission::ArrivalHandler;

use chrono::{Days, NaiveDate};
use serde::Serialize;
use wangge_domain::arrival::{ArrivalStatus, Duty};
use wangge_domain::policy::MeasureKind;
use wangge_domain::search::PersonSearch;

use crate::StoredIdNumber;
use crate::{Result, Scope, Store, StoreError};

/// One person on the list with everything due about them that day.
#[derive(Debug, Clone, Serialize)]
pub struct DailyEntry {
    pub arrival_id: i64,
    pub name: String,
    /// 身份证号（显示为脱敏）
    pub id_number: StoredIdNumber,
    pub phone: String,
    pub node_code: String,
    pub node_name: String,
    pub destination: String,
    pub arrival_date: NaiveDate,
    pub category: String,
    pub status: ArrivalStatus,
    pub duties: Vec<Duty>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    id_number: String,
    phone: String,
    node_code: String,
    node_name: String,
    destination: String,
    arrival_date: NaiveDate,
    category: String,
    status: String,
    kind: String,
    measure: Option<String>,
}

const COLUMNS: &str = "a.id, a.name, p.id_number, a.phone, g.code AS node_code, \
    g.name AS node_name, a.destination, a.arrival_date, a.category, a.status";
const FROM: &str = "FROM arrivals a JOIN persons p ON p.id = a.person_id \
    JOIN grid_nodes g ON g.id = a.node_id";

fn duty(kind: &str, measure: Option<&str>, yesterday: NaiveDate) -> Result<Duty> {
    let measure = || -> Result<MeasureKind> {
        measure
            .unwrap_or("")
            .parse()
            .map_err(|e: wangge_domain::policy::UnknownValue| StoreError::Internal(e.to_string()))
    };
    Ok(match kind {
        "arrives" => Duty::Arrives,
        "starts" => Duty::Starts {
            measure: measure()?,
        },
        "ends" => Duty::Ends {
            measure: measure()?,
        },
        "test" => Duty::Test,
        "missed_check_in" => Duty::MissedCheckIn { date: yesterday },
        other => return Err(StoreError::Internal(format!("unknown event {other}"))),
    })
}

impl Store {
    /// The list for `day` in `scope`, by grid and name. No-shows are left out; released persons
    /// appear only for the end of a measure. Missed check-ins are flagged only once the day
    /// before `day` is over, i.e. when `day` is not after `today`: a future day's list shows
    /// what is planned, not who "missed" a day that has not come.
    pub async fn daily_list(
        &self,
        actor: &Actor,
        day: NaiveDate,
        today: NaiveDate,
    ) -> Result<Vec<DailyEntry>> {
        self.daily_list_matching(actor, day, today, None).await
    }

    /// [`Store::daily_list`] of those the search finds (查找: name or ID number).
    pub async fn daily_list_matching(
        &self,
        actor: &Actor,
        day: NaiveDate,
        today: NaiveDate,
        search: Option<&PersonSearch>,
    ) -> Result<Vec<DailyEntry>> {
        let scope = actor.require::<ArrivalHandler>()?;
        let mut list = self.daily_list_in(scope, day, today).await?;
        if let Some(search) = search {
            // a day's list is read whole; the one matching rule decides who stays
            list.retain(|e| search.matches(&e.name, e.id_number.full()));
        }
        Ok(list)
    }

    /// [`Store::daily_list`] within a scope the caller has already checked.
    pub(crate) async fn daily_list_in(
        &self,
        scope: &Scope,
        day: NaiveDate,
        today: NaiveDate,
    ) -> Result<Vec<DailyEntry>> {
        let (lo, hi) = scope.bounds();
        // the one date rule: inside 1900..=2100 the day before always exists
        let day = wangge_domain::validate::date::in_range("date", day)?;
        let yesterday = day
            .checked_sub_days(Days::new(1))
            .ok_or_else(|| StoreError::invalid("date", "日期超出范围"))?;
        let arrives = format!(
            "SELECT {COLUMNS}, 'arrives' AS kind, NULL AS measure {FROM} \
             WHERE a.arrival_date = $1 AND a.status <> 'no_show' AND g.path >= $2 AND g.path < $3"
        );
        let events = format!(
            "SELECT {COLUMNS}, e.kind, e.measure FROM arrival_events e \
             JOIN arrivals a ON a.id = e.arrival_id JOIN persons p ON p.id = a.person_id \
             JOIN grid_nodes g ON g.id = a.node_id \
             WHERE e.day = $1 AND g.path >= $2 AND g.path < $3 \
             AND (a.status IN ('reported', 'arrived', 'under_measures') \
                  OR (a.status = 'released' AND e.kind = 'ends'))"
        );
        let missed = format!(
            "SELECT {COLUMNS}, 'missed_check_in' AS kind, NULL AS measure {FROM} \
             WHERE a.status = 'under_measures' AND a.plan_end >= $1 AND a.arrival_date <= $1 \
             AND g.path >= $2 AND g.path < $3 AND NOT EXISTS (SELECT 1 FROM arrival_check_ins c \
             WHERE c.arrival_id = a.id AND c.day = $1)"
        );
        let mut queries = vec![(&arrives, day), (&events, day)];
        if day <= today {
            queries.push((&missed, yesterday));
        }
        let mut rows: Vec<Row> = Vec::new();
        for (sql, on) in queries {
            let part: Vec<Row> = on_pool!(self, pool => {
                sqlx::query_as(sql).bind(on).bind(&lo).bind(&hi).fetch_all(pool).await?
            });
            rows.extend(part);
        }
        let mut by_id: BTreeMap<i64, DailyEntry> = BTreeMap::new();
        for r in rows {
            let d = duty(&r.kind, r.measure.as_deref(), yesterday)?;
            let status: ArrivalStatus =
                r.status
                    .parse()
                    .map_err(|e: wangge_domain::arrival::UnknownStatus| {
                        StoreError::Internal(e.to_string())
                    })?;
            by_id
                .entry(r.id)
                .or_insert_with(|| DailyEntry {
                    arrival_id: r.id,
                    name: r.name,
                    id_number: StoredIdNumber::new(r.id_number),
                    phone: r.phone,
                    node_code: r.node_code,
                    node_name: r.node_name,
                    destination: r.destination,
                    arrival_date: r.arrival_date,
                    category: r.category,
                    status,
                    duties: Vec::new(),
                })
                .duties
                .push(d);
        }
        let mut out: Vec<DailyEntry> = by_id.into_values().collect();
        for e in &mut out {
            e.duties.sort();
            e.duties.dedup();
        }
        out.sort_by(|a, b| {
            (&a.node_code, &a.name, a.arrival_id).cmp(&(&b.node_code, &b.name, b.arrival_id))
        });
        Ok(out)
    }
}
