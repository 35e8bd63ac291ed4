//! 预警: scans that need someone at once, tied to the scanned person.
//!
//! An alert reaches the nodes listed for it in `checkpoint_alert_nodes`: the checkpoint's node
//! and, from the moment it is raised, the grid of each current record of the person (an
//! arrival under way, a push item not closed). Everyone whose scope holds one of those nodes
//! sees it, on the lists and on the live feed.
//!
//! What a viewer learns about the person — the name, the links to their records — comes from
//! the person's records that the viewer could open themselves (in their scope, and their role
//! reads that kind of record), decided here for every answer by [`visible_links`]. A viewer who
//! sees the alert only through the checkpoint's node gets no name, no link and no count of
//! what lies outside their scope. The records are read the same way whoever asks (one query
//! for every person of a page, filtered afterwards), so the answer takes no longer for a
//! viewer who sees more.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use wangge_domain::checkpoint::{AlertOutcome, AlertReason, Handling};
use wangge_domain::permission::{ArrivalHandler, CheckpointViewer, PushViewer};

use crate::bulk::Placeholders;
use crate::db::{on_conn, Conn};
use crate::error::Problems;
use crate::StoredIdNumber;
use crate::{Actor, AuditEntry, Result, Store, StoreError};

/// The kinds of record an alert links its person to.
///
/// 集中隔离 (quarantine) joins here when that module exists: one more kind, with its own
/// permission in [`visible_links`] and its rows in [`person_records`]; it then reaches the
/// site's node and links like the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// 来返报备
    Arrival,
    /// 推送核查
    PushItem,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Arrival => "arrival",
            RecordKind::PushItem => "push_item",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RecordKind::Arrival => "来返报备",
            RecordKind::PushItem => "推送核查",
        }
    }

    fn parse(s: &str) -> Option<RecordKind> {
        match s {
            "arrival" => Some(RecordKind::Arrival),
            "push_item" => Some(RecordKind::PushItem),
            _ => None,
        }
    }
}

/// A record of the alert's person that the viewer may open: what it is, its number, the name
/// it holds and its grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PersonLink {
    pub kind: RecordKind,
    pub id: i64,
    /// The name as that record holds it.
    pub name: String,
    pub node_name: String,
}

/// One record of a person, as read for every viewer alike; [`visible_links`] decides who
/// learns of it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PersonRecord {
    pub(crate) link: PersonLink,
    pub(crate) node_id: i64,
    pub(crate) node_path: String,
    /// An arrival under way or a push item not closed: the alert reaches its grid.
    pub(crate) current: bool,
}

/// Most links an alert shows (a person has a handful of records; this bounds a bad case).
const MAX_LINKS: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Alert {
    pub id: i64,
    pub checkpoint_id: i64,
    pub checkpoint_name: String,
    pub scan_id: i64,
    /// The checkpoint's node.
    pub node_path: String,
    /// The person record of the scanned ID number (internal: never shown).
    #[serde(skip)]
    pub(crate) person_id: Option<i64>,
    /// Comma-separated [`AlertReason`] names.
    pub reasons: String,
    pub id_number: Option<StoredIdNumber>,
    pub plate: Option<String>,
    pub temperature: Option<f64>,
    pub code_colour: Option<String>,
    pub created_at: DateTime<Utc>,
    pub handled_at: Option<DateTime<Utc>>,
    pub handled_by: Option<String>,
    /// An [`AlertOutcome`] key, once handled.
    pub outcome: Option<String>,
    pub note: Option<String>,
    /// The person's records this viewer may open (empty for anyone else).
    #[sqlx(skip)]
    pub people: Vec<PersonLink>,
}

impl Alert {
    pub fn reason_list(&self) -> Vec<AlertReason> {
        self.reasons
            .split(',')
            .filter_map(AlertReason::parse)
            .collect()
    }

    /// 体温异常、红码 … for the page and the live feed.
    pub fn reason_labels(&self) -> String {
        self.reason_list()
            .iter()
            .map(|r| r.label_zh())
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn masked_id_number(&self) -> Option<String> {
        self.id_number.as_ref().map(StoredIdNumber::masked)
    }

    pub fn outcome(&self) -> Option<AlertOutcome> {
        self.outcome.as_deref().and_then(AlertOutcome::parse)
    }

    /// 已联系 …, or empty while not handled.
    pub fn outcome_label(&self) -> &'static str {
        self.outcome().map_or("", AlertOutcome::label_zh)
    }

    /// The person's name as the viewer's own records hold it (several when they disagree),
    /// or `None` when the viewer may open none of them.
    pub fn person_name(&self) -> Option<String> {
        let mut names: Vec<&str> = Vec::new();
        for p in &self.people {
            if !p.name.is_empty() && !names.contains(&p.name.as_str()) {
                names.push(&p.name);
            }
        }
        (!names.is_empty()).then(|| names.join("、"))
    }
}

/// The records of `records` that `actor` may open: in their scope, of a kind their role reads.
fn visible_links(actor: &Actor, records: &[PersonRecord]) -> Vec<PersonLink> {
    let reads = |kind: RecordKind| match kind {
        RecordKind::Arrival => actor.may::<ArrivalHandler>(),
        RecordKind::PushItem => actor.may::<PushViewer>(),
    };
    records
        .iter()
        .filter(|r| reads(r.link.kind) && actor.scope.contains(&r.node_path))
        .take(MAX_LINKS)
        .map(|r| r.link.clone())
        .collect()
}

/// An alert as the scan writer raised it, for the live feed: it carries the nodes it reaches
/// and every record of the person, and hands each subscriber only what they may see
/// ([`RaisedAlert::seen_by`]).
#[derive(Debug, Clone)]
pub struct RaisedAlert {
    pub(crate) alert: Alert,
    pub(crate) reach: Vec<String>,
    pub(crate) records: Vec<PersonRecord>,
}

impl RaisedAlert {
    /// The alert as `actor` sees it on their list, or `None` when it does not reach them.
    pub fn seen_by(&self, actor: &Actor) -> Option<Alert> {
        let scope = actor.require::<CheckpointViewer>().ok()?;
        if !self.reach.iter().any(|p| scope.contains(p)) {
            return None;
        }
        Some(Alert {
            people: visible_links(actor, &self.records),
            ..self.alert.clone()
        })
    }
}

/// The records of these persons that tie an alert to a grid — their arrivals and their push
/// items placed on a grid — newest first within each kind, by person. Read for every viewer
/// alike; see [`visible_links`].
pub(crate) async fn person_records(
    conn: impl Into<Conn<'_>>,
    person_ids: &[i64],
) -> Result<HashMap<i64, Vec<PersonRecord>>> {
    let mut conn = conn.into();
    let ph = Placeholders::of_conn(&conn);
    let mut out: HashMap<i64, Vec<PersonRecord>> = HashMap::new();
    for chunk in person_ids.chunks(256) {
        // each half of the UNION has its own list: bound twice
        let (first, second) = (
            ph.list(chunk.len(), 1),
            ph.list(chunk.len(), chunk.len() + 1),
        );
        // (the quarantine module's records join this UNION, see RecordKind)
        let sql = format!(
            "SELECT a.person_id, 'arrival' AS kind, a.id, a.name, g.id AS node_id, \
             g.name AS node_name, g.path, \
             a.status IN ('reported', 'arrived', 'under_measures') AS current \
             FROM arrivals a JOIN grid_nodes g ON g.id = a.node_id WHERE a.person_id IN ({first}) \
             UNION ALL \
             SELECT i.person_id, 'push_item' AS kind, i.id, i.name, g.id AS node_id, \
             g.name AS node_name, g.path, \
             i.state IN ('pending', 'reached', 'measures_in_place') AS current \
             FROM push_items i JOIN grid_nodes g ON g.id = i.node_id WHERE i.person_id IN ({second}) \
             ORDER BY 1, 2, 3 DESC"
        );
        type Row = (i64, String, i64, String, i64, String, String, bool);
        let rows: Vec<Row> = on_conn!(conn, c => {
            let mut q = sqlx::query_as(&sql);
            for id in chunk.iter().chain(chunk) {
                q = q.bind(*id);
            }
            q.fetch_all(c).await?
        });
        for (person, kind, id, name, node_id, node_name, path, current) in rows {
            let Some(kind) = RecordKind::parse(&kind) else {
                continue;
            };
            out.entry(person).or_default().push(PersonRecord {
                link: PersonLink {
                    kind,
                    id,
                    name,
                    node_name,
                },
                node_id,
                node_path: path,
                current,
            });
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub checkpoint_id: Option<i64>,
    pub open_only: bool,
    /// Keyset paging backwards: alerts older (smaller id) than this.
    pub before_id: Option<i64>,
    pub limit: i64,
}

const ALERT_SELECT: &str = "SELECT a.id, a.checkpoint_id, c.name AS checkpoint_name, \
    a.scan_id, g.path AS node_path, a.person_id, a.reasons, a.id_number, a.plate, \
    a.temperature, a.code_colour, a.created_at, a.handled_at, a.handled_by, a.outcome, a.note \
    FROM checkpoint_alerts a JOIN checkpoints c ON c.id = a.checkpoint_id \
    JOIN grid_nodes g ON g.id = a.node_id";

/// The alert reaches a node of the path range `$1`/`$2`.
const REACHES: &str = "a.id IN (SELECT n.alert_id FROM checkpoint_alert_nodes n \
    JOIN grid_nodes r ON r.id = n.node_id WHERE r.path >= $1 AND r.path < $2)";

impl Store {
    /// Alerts the actor may see, newest first, each with what the actor may know of its person.
    pub async fn list_alerts(&self, actor: &Actor, filter: &AlertFilter) -> Result<Vec<Alert>> {
        let (lo, hi) = actor.require::<CheckpointViewer>()?.bounds();
        let sql = format!(
            "{ALERT_SELECT} WHERE {REACHES} \
             AND ($3 IS NULL OR a.checkpoint_id = $3) AND ($4 = FALSE OR a.handled_at IS NULL) \
             AND ($5 IS NULL OR a.id < $5) ORDER BY a.id DESC LIMIT $6"
        );
        let mut alerts = on_pool!(self, pool => {
            sqlx::query_as::<_, Alert>(&sql)
                .bind(&lo)
                .bind(&hi)
                .bind(filter.checkpoint_id)
                .bind(filter.open_only)
                .bind(filter.before_id)
                .bind(filter.limit.clamp(1, 500))
                .fetch_all(pool)
                .await?
        });
        self.attach_people(actor, &mut alerts).await?;
        Ok(alerts)
    }

    /// How many alerts the actor may see are not yet handled (未处置).
    pub async fn count_open_alerts(&self, actor: &Actor) -> Result<i64> {
        let (lo, hi) = actor.require::<CheckpointViewer>()?.bounds();
        let sql = format!(
            "SELECT COUNT(*) FROM checkpoint_alerts a WHERE {REACHES} AND a.handled_at IS NULL"
        );
        let (n,): (i64,) = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_one(pool).await?
        });
        Ok(n)
    }

    /// One alert the actor may see, or [`StoreError::NotFound`].
    pub async fn alert(&self, actor: &Actor, id: i64) -> Result<Alert> {
        let (lo, hi) = actor.require::<CheckpointViewer>()?.bounds();
        let sql = format!("{ALERT_SELECT} WHERE {REACHES} AND a.id = $3");
        let alert = on_pool!(self, pool => {
            sqlx::query_as::<_, Alert>(&sql).bind(&lo).bind(&hi).bind(id).fetch_optional(pool).await?
        })
        .ok_or(StoreError::NotFound)?;
        let mut alerts = [alert];
        self.attach_people(actor, &mut alerts).await?;
        let [alert] = alerts;
        Ok(alert)
    }

    /// Fills in what `actor` may know of each alert's person.
    async fn attach_people(&self, actor: &Actor, alerts: &mut [Alert]) -> Result<()> {
        let mut ids: Vec<i64> = alerts.iter().filter_map(|a| a.person_id).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(());
        }
        let records = on_pool!(self, pool => {
            let mut c = pool.acquire().await?;
            person_records(&mut *c, &ids).await?
        });
        for a in alerts.iter_mut() {
            if let Some(records) = a.person_id.and_then(|p| records.get(&p)) {
                a.people = visible_links(actor, records);
            }
        }
        Ok(())
    }

    /// 处置: records what was done about an alert — an outcome from the fixed list and an
    /// optional note (required for 其他) — once; audited. The form is checked before the
    /// alert is looked up (422 either way); a second handling is a conflict (409).
    pub async fn handle_alert(
        &self,
        actor: &Actor,
        id: i64,
        outcome: &str,
        note: &str,
    ) -> Result<Alert> {
        actor.require::<CheckpointViewer>()?;
        let handling = Handling::check(outcome, note).map_err(|errors| {
            let mut problems = Problems::default();
            for (field, message) in errors {
                problems.add(field, message);
            }
            problems.into_error()
        })?;
        let before = self.alert(actor, id).await?;
        if before.handled_at.is_some() {
            return Err(already_handled(&before));
        }
        let now = crate::now();
        let entry = AuditEntry::new("handle", "checkpoint_alert", id)
            .at_node(&before.node_path)
            .before(serde_json::json!({ "handled_at": null, "outcome": null, "note": null }))
            .after(serde_json::json!({
                "handled_at": now, "outcome": handling.outcome.as_str(), "note": handling.note,
            }));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query(
                "UPDATE checkpoint_alerts SET handled_at = $1, handled_by = $2, outcome = $3, \
                 note = $4 WHERE id = $5 AND handled_at IS NULL",
            )
            .bind(now)
            .bind(&actor.username)
            .bind(handling.outcome.as_str())
            .bind(&handling.note)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done != 1 {
                // handled meanwhile by someone else: nothing of this one is kept
                tx.rollback().await?;
                let now_handled = self.alert(actor, id).await?;
                return Err(already_handled(&now_handled));
            }
            crate::audit::record(&mut *tx, actor, &entry).await?;
            tx.commit().await?;
        });
        self.alert(actor, id).await
    }
}

/// The conflict of handling an alert that is handled already.
fn already_handled(a: &Alert) -> StoreError {
    let by = a
        .handled_by
        .as_deref()
        .map(|u| format!("，处置人 {u}"))
        .unwrap_or_default();
    StoreError::Conflict {
        field: "outcome".into(),
        message: format!(
            "此预警已处置（{}{by}），不能重复处置",
            match a.outcome_label() {
                "" => "已处置",
                label => label,
            }
        ),
    }
}
