//! `wangge bench checkpoint`: the real server on 127.0.0.1 (SQLite, synchronous=FULL, or a fresh
//! database on the PostgreSQL server given with `--database`) and N keep-alive HTTP clients
//! posting scans for a fixed time. Reports scans/s, p50/p99 latency, checks that every
//! acknowledged scan is in the database, and compares with a raw batched insert of scan rows
//! through the same driver into the same database.

use std::time::{Duration, Instant};

use serde::Deserialize;
use wangge_domain::checkpoint::CheckpointKind;
use wangge_domain::role::Role;
use wangge_server::AppConfig;
use wangge_store::checkpoints::NewCheckpoint;
use wangge_store::{Actor, NewUser, Store};

use super::{nth_id_number, BenchDb, Lcg};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Deserialize)]
struct Ack {
    id: i64,
}

#[derive(Deserialize)]
struct Answer {
    scans: Vec<Ack>,
}

struct ClientResult {
    latencies_us: Vec<u32>,
    acked: Vec<i64>,
    failures: u64,
}

/// People the clients scan: a pool of valid ID numbers.
const PEOPLE: u64 = 10_000;

fn body(rng: &mut Lcg, batch: usize, people: &[String]) -> String {
    let mut s = String::with_capacity(160 * batch + 2);
    if batch > 1 {
        s.push('[');
    }
    for i in 0..batch {
        if i > 0 {
            s.push(',');
        }
        let who = &people[rng.below(people.len() as u64) as usize];
        // about 1 % fever, 0.5 % red or yellow code
        let temp = if rng.below(100) == 0 {
            37.6
        } else {
            36.0 + rng.below(9) as f64 / 10.0
        };
        let code = match rng.below(200) {
            0 => "red",
            1 => "yellow",
            _ => "green",
        };
        let dir = if rng.below(2) == 0 { "in" } else { "out" };
        s.push_str(&format!(
            r#"{{"id_number":"{who}","temperature":{temp:.1},"code_colour":"{code}","direction":"{dir}"}}"#
        ));
    }
    if batch > 1 {
        s.push(']');
    }
    s
}

async fn client(
    url: String,
    token: String,
    batch: usize,
    until: Instant,
    seed: u64,
    people: std::sync::Arc<Vec<String>>,
) -> ClientResult {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap_or_default();
    let mut rng = Lcg(seed);
    let mut out = ClientResult {
        latencies_us: Vec::new(),
        acked: Vec::new(),
        failures: 0,
    };
    let auth = format!("Bearer {token}");
    while Instant::now() < until {
        let payload = body(&mut rng, batch, &people);
        let sent = Instant::now();
        let resp = http
            .post(&url)
            .header("authorization", &auth)
            .header("content-type", "application/json")
            .body(payload)
            .send()
            .await;
        let result = match resp {
            Ok(r) if r.status().as_u16() == 201 => r.bytes().await.ok(),
            Ok(r) => {
                let _ = r.bytes().await;
                None
            }
            Err(_) => None,
        };
        let elapsed = sent.elapsed().as_micros().min(u32::MAX as u128) as u32;
        match result.and_then(|b| serde_json::from_slice::<Answer>(&b).ok()) {
            Some(a) => {
                out.latencies_us.push(elapsed);
                out.acked.extend(a.scans.into_iter().map(|s| s.id));
            }
            None => out.failures += 1,
        }
    }
    out
}

/// Scan rows inserted straight through the driver: transactions of `group` rows, 256 rows per
/// statement — the ceiling the server's writer could reach without HTTP, JSON and checks.
async fn raw_insert(
    store: &Store,
    checkpoint: i64,
    rows: usize,
    group: usize,
) -> Result<f64, BoxError> {
    const PER: usize = 256;
    let placeholders = |n: usize| -> String {
        match store.backend() {
            // plain `?`, as the server's writer uses on SQLite
            wangge_store::Backend::Sqlite(_) => vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; n].join(", "),
            wangge_store::Backend::Postgres(_) => (0..n)
                .map(|r| {
                    let p: Vec<String> = (1..=8).map(|c| format!("${}", r * 8 + c)).collect();
                    format!("({})", p.join(", "))
                })
                .collect::<Vec<_>>()
                .join(", "),
        }
    };
    let sql = format!(
        "INSERT INTO checkpoint_scans (checkpoint_id, id_number, plate, temperature, direction, \
         code_colour, scanned_at, received_at) VALUES {}",
        placeholders(PER)
    );
    macro_rules! insert_all {
        ($pool:expr) => {{
            let now = wangge_store::now();
            let started = Instant::now();
            let mut done = 0;
            while done < rows {
                let mut tx = $pool.begin().await?;
                let mut in_tx = 0;
                while in_tx < group {
                    let mut q = sqlx::query(&sql);
                    for i in 0..PER {
                        q = q
                            .bind(checkpoint)
                            .bind(nth_id_number((done + in_tx + i) as u64 % PEOPLE))
                            .bind(None::<String>)
                            .bind(36.5_f64)
                            .bind("in")
                            .bind("green")
                            .bind(now)
                            .bind(now);
                    }
                    q.execute(&mut *tx).await?;
                    in_tx += PER;
                }
                tx.commit().await?;
                done += in_tx;
            }
            done as f64 / started.elapsed().as_secs_f64()
        }};
    }
    Ok(match store.backend() {
        wangge_store::Backend::Sqlite(pool) => insert_all!(pool),
        wangge_store::Backend::Postgres(pool) => insert_all!(pool),
    })
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i.min(sorted.len() - 1)]) / 1000.0
}

pub async fn run(
    seconds: u64,
    clients: usize,
    batch: usize,
    database: Option<&str>,
    keep: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let dbs = BenchDb::new("checkpoint", database)?;
    let outcome = run_inner(&dbs, seconds, clients.max(1), batch.clamp(1, 1000))
        .await
        .map_err(|e| -> Box<dyn std::error::Error> { e.to_string().into() });
    if keep {
        dbs.keep();
    } else {
        dbs.cleanup().await;
    }
    outcome
}

async fn run_inner(
    dbs: &BenchDb,
    seconds: u64,
    clients: usize,
    batch: usize,
) -> Result<(), BoxError> {
    let store = dbs.fresh("scans").await.map_err(|e| e.to_string())?;
    let admin = Actor::system("bench");
    store
        .import_grid_csv(&admin, crate::demo::grid_csv().as_bytes())
        .await?;
    let operator = store
        .create_user(
            &admin,
            &NewUser {
                username: "bench-kakou".into(),
                display_name: "压测卡口".into(),
                role: Role::CheckpointOperator,
                node_code: "410105005".into(),
                password: "bench-password-0".into(),
            },
        )
        .await?;
    let cp = store
        .create_checkpoint(
            &admin,
            &NewCheckpoint {
                node_code: "410105005001".into(),
                name: "压测卡口".into(),
                kind: CheckpointKind::Highway,
                location: "G4".into(),
            },
        )
        .await?;
    let token = store
        .create_api_token(&admin, operator.id, "bench", 1)
        .await?
        .token;
    let people: std::sync::Arc<Vec<String>> =
        std::sync::Arc::new((0..PEOPLE).map(nth_id_number).collect());

    // only loopback is ever a load target
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(wangge_server::launch(
        listener,
        store.clone(),
        AppConfig::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let url = format!("http://{addr}/api/v1/checkpoints/{}/scans", cp.id);
    println!(
        "卡口扫码压测：{clients} 个长连接客户端，每请求 {batch} 条，{seconds} s，http://{addr}（{}）",
        match dbs {
            BenchDb::Sqlite(_) => "SQLite，synchronous=FULL",
            BenchDb::Postgres { .. } => "PostgreSQL，synchronous_commit 按服务器设置",
        }
    );
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            tokio::spawn(client(
                url.clone(),
                token.clone(),
                batch,
                until,
                1000 + c as u64,
                people.clone(),
            ))
        })
        .collect();
    let mut latencies = Vec::new();
    let mut acked = Vec::new();
    let mut failures = 0;
    for t in tasks {
        let r = t.await?;
        latencies.extend(r.latencies_us);
        acked.extend(r.acked);
        failures += r.failures;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    let _ = server.await;

    latencies.sort_unstable();
    let rate = acked.len() as f64 / elapsed;
    let stored = store.scan_ids(&Actor::system("bench"), cp.id).await?;
    let missing = acked
        .iter()
        .filter(|id| stored.binary_search(id).is_err())
        .count();
    println!(
        "  确认 {} 条（{} 个请求，失败 {failures}），{rate:.0} 条/s，延迟 p50 {:.1} ms，p99 {:.1} ms，最大 {:.1} ms",
        acked.len(),
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
    );
    println!(
        "  持久性：库中 {} 条，已确认而缺失 {missing} 条",
        stored.len()
    );
    let raw_rows = (rate as usize * 5).clamp(50_000, 500_000);
    let raw = raw_insert(&store, cp.id, raw_rows, 1024).await?;
    println!("原始批量插入（同一驱动，256 行/语句，1024 行/事务）：{raw:.0} 条/s");
    println!("比值（HTTP ÷ 原始）：{:.2}", rate / raw);
    store.close().await;
    if missing > 0 {
        return Err(format!("{missing} acknowledged scans are missing").into());
    }
    Ok(())
}
