//! Scans at gate speed with every acknowledgement durable: one writer task takes whatever scans
//! are waiting, stores them in one transaction (scans, alerts, hourly counters), commits, and only
//! then answers each request. While it commits, the next group queues up, so the cost of a
//! commit (an fsync on SQLite) is shared by every request in the group.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc, oneshot};
use wangge_domain::checkpoint::{alert_reasons, AlertReason, Scan};

use super::alerts::{person_records, PersonRecord, RaisedAlert};
use super::Alert;
use crate::bulk::Placeholders;
use crate::db::{on_conn, Conn};
use crate::{Result, Store, StoreError};

/// A checkpoint the caller may post to, as looked up (and cached) before queueing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanTarget {
    pub checkpoint_id: i64,
    pub checkpoint_name: String,
    pub node_id: i64,
    pub node_path: String,
}

/// What the caller learns about one stored scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScanAck {
    pub id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_id: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub reasons: Vec<AlertReason>,
}

type Reply = std::result::Result<Vec<ScanAck>, (bool, String)>;

struct Job {
    target: Arc<ScanTarget>,
    scans: Vec<Scan>,
    reply: oneshot::Sender<Reply>,
}

/// Most scans one transaction takes: keeps a commit short enough for the p99 target.
const MAX_GROUP: usize = 4096;
/// Requests waiting for the writer; senders wait beyond that (back-pressure).
const QUEUE: usize = 8192;
/// Statement sizes: a group is cut into these so only a handful of statements is ever prepared.
const SIZES: [usize; 5] = [256, 64, 16, 4, 1];

#[derive(Clone)]
pub struct ScanWriter {
    tx: mpsc::Sender<Job>,
    alerts: broadcast::Sender<RaisedAlert>,
}

impl ScanWriter {
    /// Starts the writer task on the current Tokio runtime. It ends when every handle is dropped.
    pub fn start(store: Store) -> ScanWriter {
        let (tx, rx) = mpsc::channel(QUEUE);
        let (alerts, _) = broadcast::channel(1024);
        tokio::spawn(run(store, rx, alerts.clone()));
        ScanWriter { tx, alerts }
    }

    /// Stores `scans` for `target`; returns once they are committed.
    pub async fn submit(&self, target: Arc<ScanTarget>, scans: Vec<Scan>) -> Result<Vec<ScanAck>> {
        if scans.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job {
                target,
                scans,
                reply,
            })
            .await
            .map_err(|_| StoreError::Internal("scan writer stopped".into()))?;
        match answer.await {
            Ok(Ok(acks)) => Ok(acks),
            Ok(Err((true, msg))) => Err(StoreError::Unavailable(sqlx::Error::Protocol(msg))),
            Ok(Err((false, msg))) => Err(StoreError::Internal(msg)),
            Err(_) => Err(StoreError::Internal("scan writer stopped".into())),
        }
    }

    /// New alerts as they are committed, for live pages: each subscriber shows only what
    /// [`RaisedAlert::seen_by`] gives it.
    pub fn subscribe(&self) -> broadcast::Receiver<RaisedAlert> {
        self.alerts.subscribe()
    }
}

async fn run(store: Store, mut rx: mpsc::Receiver<Job>, alerts: broadcast::Sender<RaisedAlert>) {
    while let Some(first) = rx.recv().await {
        let mut n = first.scans.len();
        let mut jobs = vec![first];
        while n < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => {
                    n += job.scans.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        match store.commit_scan_group(&jobs).await {
            Ok((acks, raised)) => {
                // alerts go out before the acknowledgements: once a gate has its answer, the
                // live pages of every node the alert reaches already have it
                for a in raised {
                    // nobody listening is fine: the alert is stored
                    let _ = alerts.send(a);
                }
                for (job, ack) in jobs.into_iter().zip(acks) {
                    let _ = job.reply.send(Ok(ack));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, scans = n, "scan group failed");
                let unavailable = matches!(e, StoreError::Unavailable(_));
                let msg = e.to_string();
                for job in jobs {
                    let _ = job.reply.send(Err((unavailable, msg.clone())));
                }
            }
        }
    }
}

/// Splits `n` rows into statement sizes from [`SIZES`].
fn pieces(mut n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    for size in SIZES {
        while n >= size {
            out.push(size);
            n -= size;
        }
    }
    out
}

/// An open push item of a scanned person: (item id, its node id).
type OpenItem = (i64, Option<i64>);

/// One scan of a group, with the checkpoint it was posted to.
type Row<'a> = (&'a ScanTarget, &'a Scan);

/// An alert to store.
struct NewAlert {
    /// The index of its scan in the group.
    scan: usize,
    alert: Alert,
    /// The open push item that raised it, and its node, if any.
    push_item: Option<i64>,
    item_node: Option<i64>,
    /// The checkpoint's node.
    node: i64,
    /// Every record of the scanned person (see [`person_records`]).
    records: Vec<PersonRecord>,
}

impl NewAlert {
    /// The nodes the alert reaches, each once: the checkpoint's, then those of the person's
    /// current records.
    fn reach(&self) -> Vec<(i64, &str)> {
        let mut reach = vec![(self.node, self.alert.node_path.as_str())];
        for r in self.records.iter().filter(|r| r.current) {
            if !reach.iter().any(|(n, _)| *n == r.node_id) {
                reach.push((r.node_id, r.node_path.as_str()));
            }
        }
        reach
    }
}

/// What one group's transaction stored: the scan ids (in group order), the alerts and their
/// ids (in the same order).
struct Stored {
    scan_ids: Vec<i64>,
    alerts: Vec<NewAlert>,
    alert_ids: Vec<i64>,
}

impl Store {
    /// Stores a group of jobs in one transaction; answers per job, and the alerts raised.
    async fn commit_scan_group(
        &self,
        jobs: &[Job],
    ) -> Result<(Vec<Vec<ScanAck>>, Vec<RaisedAlert>)> {
        let received_at = crate::now();
        let rows: Vec<Row<'_>> = jobs
            .iter()
            .flat_map(|j| j.scans.iter().map(move |s| (j.target.as_ref(), s)))
            .collect();
        let stored = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let stored = store_scans(&mut *tx, &rows, received_at).await?;
            tx.commit().await?;
            stored
        });
        Ok(answers(jobs, stored))
    }
}

/// The steps of a group's transaction, on `conn`: the scans, who of them is on an open push
/// list, the alerts with their persons and the nodes they reach, the hourly counters.
async fn store_scans(
    conn: impl Into<Conn<'_>>,
    rows: &[Row<'_>],
    received_at: DateTime<Utc>,
) -> Result<Stored> {
    let mut conn = conn.into();
    let scan_ids = insert_scans(&mut conn, rows, received_at).await?;
    let open = open_items(&mut conn, &wanted_id_numbers(rows)).await?;
    let mut alerts = alerts_of(rows, &scan_ids, &open, received_at);
    tie_to_people(&mut conn, &mut alerts).await?;
    let alert_ids = insert_alerts(&mut conn, &alerts, received_at).await?;
    insert_alert_nodes(&mut conn, &alerts, &alert_ids).await?;
    bump_hourly(&mut conn, &hourly_counts(rows, &alerts)).await?;
    Ok(Stored {
        scan_ids,
        alerts,
        alert_ids,
    })
}

/// Inserts the scans; their ids come back ascending in VALUES order (one writer, one
/// statement), so they are in the order of `rows`.
async fn insert_scans(
    conn: &mut Conn<'_>,
    rows: &[Row<'_>],
    received_at: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let ph = Placeholders::of_conn(conn);
    let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
    let mut at = 0;
    for size in pieces(rows.len()) {
        let sql = format!(
            "INSERT INTO checkpoint_scans (checkpoint_id, id_number, plate, temperature, \
             direction, code_colour, scanned_at, received_at) VALUES {} RETURNING id",
            ph.groups(size, 8, 1, "")
        );
        let mut got: Vec<i64> = on_conn!(conn, c => {
            let mut q = sqlx::query_as::<_, (i64,)>(&sql);
            for (t, s) in &rows[at..at + size] {
                q = q
                    .bind(t.checkpoint_id)
                    .bind(s.id_number.as_ref().map(|i| i.as_str()))
                    .bind(s.plate.as_deref())
                    .bind(s.temperature)
                    .bind(s.direction.as_str())
                    .bind(s.code_colour.map(|c| c.as_str()))
                    .bind(s.scanned_at)
                    .bind(received_at);
            }
            q.fetch_all(c).await?.into_iter().map(|(id,)| id).collect()
        });
        got.sort_unstable();
        ids.extend(got);
        at += size;
    }
    if ids.len() != rows.len() {
        return Err(StoreError::Internal("scan ids missing after insert".into()));
    }
    Ok(ids)
}

/// The distinct ID numbers of a group's scans, sorted.
fn wanted_id_numbers<'a>(rows: &[Row<'a>]) -> Vec<&'a str> {
    let mut wanted: Vec<&str> = rows
        .iter()
        .filter_map(|(_, s)| s.id_number.as_ref().map(|i| i.as_str()))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

/// The open push items of the persons with these ID numbers, by ID number.
async fn open_items(conn: &mut Conn<'_>, wanted: &[&str]) -> Result<HashMap<String, OpenItem>> {
    let ph = Placeholders::of_conn(conn);
    let mut open: HashMap<String, OpenItem> = HashMap::new();
    let mut at = 0;
    for size in pieces(wanted.len()) {
        let list = ph.list(size, 1);
        let sql = format!(
            "SELECT p.id_number, i.id, i.node_id FROM persons p \
             JOIN push_items i ON i.person_id = p.id AND i.state IN ('pending', 'reached') \
             WHERE p.id_number IN ({list})"
        );
        let found: Vec<(String, i64, Option<i64>)> = on_conn!(conn, c => {
            let mut q = sqlx::query_as(&sql);
            for w in &wanted[at..at + size] {
                q = q.bind(*w);
            }
            q.fetch_all(c).await?
        });
        for (id_number, item, node) in found {
            open.insert(id_number, (item, node));
        }
        at += size;
    }
    Ok(open)
}

/// The alerts a group's scans raise (their ids still 0).
fn alerts_of(
    rows: &[Row<'_>],
    scan_ids: &[i64],
    open: &HashMap<String, OpenItem>,
    received_at: DateTime<Utc>,
) -> Vec<NewAlert> {
    let mut alerts = Vec::new();
    for (i, (t, s)) in rows.iter().enumerate() {
        let item = s.id_number.as_ref().and_then(|n| open.get(n.as_str()));
        let reasons = alert_reasons(s.temperature, s.code_colour, item.is_some());
        if reasons.is_empty() {
            continue;
        }
        let alert = Alert {
            id: 0,
            checkpoint_id: t.checkpoint_id,
            checkpoint_name: t.checkpoint_name.clone(),
            scan_id: scan_ids[i],
            node_path: t.node_path.clone(),
            person_id: None,
            reasons: reasons
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(","),
            id_number: s
                .id_number
                .as_ref()
                .map(|n| crate::StoredIdNumber::new(n.as_str())),
            plate: s.plate.clone(),
            temperature: s.temperature,
            code_colour: s.code_colour.map(|c| c.as_str().to_string()),
            created_at: received_at,
            handled_at: None,
            handled_by: None,
            outcome: None,
            note: None,
            people: Vec::new(),
        };
        alerts.push(NewAlert {
            scan: i,
            alert,
            item_node: item.and_then(|it| it.1),
            push_item: item.map(|it| it.0),
            node: t.node_id,
            records: Vec::new(),
        });
    }
    alerts
}

/// Inserts the alerts; their ids, in the order of `alerts` (as for the scans).
async fn insert_alerts(
    conn: &mut Conn<'_>,
    alerts: &[NewAlert],
    received_at: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let ph = Placeholders::of_conn(conn);
    let mut alert_ids: Vec<i64> = Vec::with_capacity(alerts.len());
    let mut at = 0;
    for size in pieces(alerts.len()) {
        let sql = format!(
            "INSERT INTO checkpoint_alerts (checkpoint_id, scan_id, node_id, push_item_id, \
             item_node_id, person_id, reasons, id_number, plate, temperature, code_colour, \
             created_at) VALUES {} RETURNING id",
            ph.groups(size, 12, 1, "")
        );
        let mut got: Vec<i64> = on_conn!(conn, c => {
            let mut q = sqlx::query_as::<_, (i64,)>(&sql);
            for n in &alerts[at..at + size] {
                let a = &n.alert;
                q = q
                    .bind(a.checkpoint_id)
                    .bind(a.scan_id)
                    .bind(n.node)
                    .bind(n.push_item)
                    .bind(n.item_node)
                    .bind(a.person_id)
                    .bind(&a.reasons)
                    .bind(a.id_number.as_ref().map(|n| n.full()))
                    .bind(&a.plate)
                    .bind(a.temperature)
                    .bind(&a.code_colour)
                    .bind(received_at);
            }
            q.fetch_all(c).await?.into_iter().map(|(id,)| id).collect()
        });
        got.sort_unstable();
        alert_ids.extend(got);
        at += size;
    }
    Ok(alert_ids)
}

/// Ties each alert to the scanned person: their person record (when the ID number has one)
/// and every record of theirs, whose current ones the alert reaches. Only the few scans that
/// raise an alert are looked up.
async fn tie_to_people(conn: &mut Conn<'_>, alerts: &mut [NewAlert]) -> Result<()> {
    let mut wanted: Vec<String> = alerts
        .iter()
        .filter_map(|a| a.alert.id_number.as_ref().map(|n| n.full().to_string()))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(());
    }
    let ph = Placeholders::of_conn(conn);
    let mut person_of: HashMap<String, i64> = HashMap::new();
    for chunk in wanted.chunks(256) {
        let sql = format!(
            "SELECT id_number, id FROM persons WHERE id_number IN ({})",
            ph.list(chunk.len(), 1)
        );
        let found: Vec<(String, i64)> = on_conn!(conn, c => {
            let mut q = sqlx::query_as(&sql);
            for n in chunk {
                q = q.bind(n.as_str());
            }
            q.fetch_all(c).await?
        });
        person_of.extend(found);
    }
    let mut ids: Vec<i64> = person_of.values().copied().collect();
    ids.sort_unstable();
    let records = person_records(&mut *conn, &ids).await?;
    for a in alerts.iter_mut() {
        let person = a
            .alert
            .id_number
            .as_ref()
            .and_then(|n| person_of.get(n.full()))
            .copied();
        a.alert.person_id = person;
        if let Some(p) = person {
            a.records = records.get(&p).cloned().unwrap_or_default();
        }
    }
    Ok(())
}

/// Records the nodes each alert reaches (`checkpoint_alert_nodes`).
async fn insert_alert_nodes(
    conn: &mut Conn<'_>,
    alerts: &[NewAlert],
    alert_ids: &[i64],
) -> Result<()> {
    let pairs: Vec<(i64, i64)> = alerts
        .iter()
        .zip(alert_ids)
        .flat_map(|(a, id)| a.reach().into_iter().map(move |(node, _)| (*id, node)))
        .collect();
    let ph = Placeholders::of_conn(conn);
    for chunk in pairs.chunks(256) {
        let sql = format!(
            "INSERT INTO checkpoint_alert_nodes (alert_id, node_id) VALUES {}",
            ph.groups(chunk.len(), 2, 1, "")
        );
        on_conn!(conn, c => {
            let mut q = sqlx::query(&sql);
            for (alert, node) in chunk {
                q = q.bind(*alert).bind(*node);
            }
            q.execute(c).await?;
        });
    }
    Ok(())
}

/// Scans and alerts per checkpoint and hour: ((checkpoint, hour), (scans, alerts)).
type Hourly = ((i64, DateTime<Utc>), (i64, i64));

fn hourly_counts(rows: &[Row<'_>], alerts: &[NewAlert]) -> Vec<Hourly> {
    let hour_of = |s: &Scan| {
        s.scanned_at
            .duration_trunc(TimeDelta::hours(1))
            .unwrap_or(s.scanned_at)
    };
    let mut hours: HashMap<(i64, DateTime<Utc>), (i64, i64)> = HashMap::new();
    for (t, s) in rows {
        hours.entry((t.checkpoint_id, hour_of(s))).or_default().0 += 1;
    }
    for a in alerts {
        let (t, s) = rows[a.scan];
        hours.entry((t.checkpoint_id, hour_of(s))).or_default().1 += 1;
    }
    hours.into_iter().collect()
}

/// Adds the hourly counts to the per-checkpoint, per-hour counters.
async fn bump_hourly(conn: &mut Conn<'_>, hours: &[Hourly]) -> Result<()> {
    let ph = Placeholders::of_conn(conn);
    for chunk in hours.chunks(256) {
        let sql = format!(
            "INSERT INTO checkpoint_hourly (checkpoint_id, hour, scans, alerts) VALUES {} \
             ON CONFLICT (checkpoint_id, hour) DO UPDATE SET \
             scans = checkpoint_hourly.scans + excluded.scans, \
             alerts = checkpoint_hourly.alerts + excluded.alerts",
            ph.groups(chunk.len(), 4, 1, "")
        );
        on_conn!(conn, c => {
            let mut q = sqlx::query(&sql);
            for ((cp, hour), (scans, alerts)) in chunk {
                q = q.bind(*cp).bind(*hour).bind(*scans).bind(*alerts);
            }
            q.execute(c).await?;
        });
    }
    Ok(())
}

/// The answer to each job, in order, and the alerts raised (with their ids).
fn answers(jobs: &[Job], stored: Stored) -> (Vec<Vec<ScanAck>>, Vec<RaisedAlert>) {
    let mut alert_of: HashMap<usize, (i64, Vec<AlertReason>)> = HashMap::new();
    let mut raised = Vec::with_capacity(stored.alerts.len());
    for (mut n, id) in stored.alerts.into_iter().zip(stored.alert_ids) {
        n.alert.id = id;
        alert_of.insert(n.scan, (id, n.alert.reason_list()));
        let reach = n.reach().into_iter().map(|(_, p)| p.to_string()).collect();
        raised.push(RaisedAlert {
            alert: n.alert,
            reach,
            records: n.records,
        });
    }
    let mut acks = Vec::with_capacity(jobs.len());
    let mut i = 0;
    for job in jobs {
        let mut mine = Vec::with_capacity(job.scans.len());
        for _ in &job.scans {
            let (alert_id, reasons) = match alert_of.remove(&i) {
                Some((id, r)) => (Some(id), r),
                None => (None, Vec::new()),
            };
            mine.push(ScanAck {
                id: stored.scan_ids[i],
                alert_id,
                reasons,
            });
            i += 1;
        }
        acks.push(mine);
    }
    (acks, raised)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pieces_cover_every_row_with_few_sizes() {
        for n in 0..1000 {
            let p = super::pieces(n);
            assert_eq!(p.iter().sum::<usize>(), n);
            assert!(p.iter().all(|s| super::SIZES.contains(s)));
        }
    }
}
