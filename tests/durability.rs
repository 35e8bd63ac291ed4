//! Nothing acknowledged is lost: the real `wangge` binary is killed with SIGKILL at random
//! moments while clients register residents, report arrivals and post checkpoint scans (the
//! group-commit path), restarted, and every write it acknowledged must be in the database
//! exactly once. On SQLite and on PostgreSQL.
//!
//! Each start of the server listens on a port the system picks (`--bind 127.0.0.1:0`) and the
//! test reads the address from the line `demo` prints, so no port is ever chosen by the test
//! and given up before the server takes it.

mod common;

use std::collections::HashSet;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{wait_until, within};

use wangge_domain::validate::make_valid;
use wangge_store::testing::{Kind, TestDb};
use wangge_store::{both_backends, Actor};

const KILLS: usize = 20;
/// Writers take turns at the three kinds of write: resident, arrival report, checkpoint scan.
const WRITERS: usize = 6;

enum Write {
    Resident(String),
    Arrival(String),
    Scan(String),
}

impl Write {
    fn request(&self, checkpoint: i64) -> (String, serde_json::Value) {
        match self {
            Write::Resident(id) => (
                "/api/v1/residents".into(),
                serde_json::json!({"id_number": id, "name": "耐久测试", "node_code": "410105001001001", "address": "测试路1号"}),
            ),
            Write::Arrival(id) => (
                "/api/v1/arrivals".into(),
                serde_json::json!({"id_number": id, "name": "耐久测试", "phone": "13800138000",
                    "origin": "110105 三里屯街道", "arrival_date": wangge_server::today().to_string(),
                    "destination": "纬五路社区1号楼", "node_code": "410105001001001"}),
            ),
            Write::Scan(plate) => (
                format!("/api/v1/checkpoints/{checkpoint}/scans"),
                serde_json::json!({"plate": plate, "temperature": 36.6, "direction": "in", "code_colour": "green"}),
            ),
        }
    }
}

fn wangge(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wangge"));
    c.args(args).env("WANGGE_LOG", "warn");
    c
}

/// A running `wangge demo`, killed when dropped (also when the test fails half-way).
struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`
    base: String,
}

impl Server {
    /// Starts the server on a port of the system's choosing and waits until it answers.
    async fn start(url: &str, http: &reqwest::Client) -> Server {
        let mut child = wangge(&["demo", "--database", url, "--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        // reads up to the line with the address, then keeps draining until the process ends
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split_once("http://").map(|(_, r)| r) {
                    let addr = rest.split('/').next().unwrap_or_default().to_string();
                    let _ = tx.send(addr);
                }
            }
        });
        let mut server = Server {
            child,
            base: String::new(),
        };
        // the first start builds the demo district first
        let addr = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(120)))
            .await
            .expect("reader")
            .expect("the server printed the address it listens on");
        server.base = format!("http://{addr}");
        let health = format!("{}/healthz", server.base);
        let health = health.as_str();
        wait_until(within(Duration::from_secs(60)), || async move {
            let r = http.get(health).send().await.ok()?;
            r.status().is_success().then_some(())
        })
        .await
        .expect("server did not come up");
        server
    }

    /// SIGKILL, and reaped.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A distinct valid ID number for each sequence number: one birth date per thousand.
fn unique_id_number(seq: u64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).expect("date");
    let birth = base + chrono::Duration::days((seq / 1000) as i64);
    make_valid(&format!(
        "410105{}{:03}",
        birth.format("%Y%m%d"),
        seq % 1000
    ))
}

/// A small deterministic generator for kill moments and ID numbers.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

async fn acknowledged_writes_survive_sigkill(kind: Kind) {
    let db = TestDb::new(kind).await.expect("database");
    let url = db.url.clone();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");

    // first start builds the demo district; then a machine token for the scans (tokens are
    // for machine accounts) and a district admin's session for residents and arrivals
    let mut server = Server::start(&url, &http).await;
    let out = wangge(&[
        "user",
        "token",
        "--database",
        &url,
        "--username",
        "kakou",
        "--name",
        "durability",
    ])
    .output()
    .expect("token command");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let admin = db
        .store
        .list_users(&wangge_store::Actor::system("test"))
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.username == "admin")
        .expect("admin");
    let session = db
        .store
        .create_session(admin.id, chrono::Duration::hours(8))
        .await
        .expect("session");
    let cookie = format!("{}={}", wangge_server::SESSION_COOKIE, session.token);
    let csrf = session.csrf_token.clone();

    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let acked_arrivals: Arc<Mutex<Vec<i64>>> = Arc::default();
    let acked_scans: Arc<Mutex<Vec<i64>>> = Arc::default();
    let checkpoint = db
        .store
        .create_checkpoint(
            &wangge_store::Actor::system("test"),
            &wangge_store::checkpoints::NewCheckpoint {
                node_code: "410105005".into(),
                name: "耐久测试卡口".into(),
                kind: wangge_domain::checkpoint::CheckpointKind::Highway,
                location: "G4".into(),
            },
        )
        .await
        .expect("checkpoint")
        .id;
    let attempted: Arc<Mutex<HashSet<String>>> = Arc::default();
    // kill moments differ from run to run, as the first port does
    let first_port: u64 = server
        .base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let mut rng = Lcg(0x5eed ^ first_port);
    let counter: Arc<std::sync::atomic::AtomicU64> = Arc::default();
    for round in 0..KILLS {
        // writers run until the server dies under them
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let (http, base, token) = (http.clone(), server.base.clone(), token.clone());
            let (cookie, csrf) = (cookie.clone(), csrf.clone());
            let (acked, attempted) = (acked.clone(), attempted.clone());
            let (acked_arrivals, acked_scans) = (acked_arrivals.clone(), acked_scans.clone());
            let counter = counter.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    let seq = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let write = match w % 3 {
                        0 => Write::Resident(unique_id_number(seq)),
                        1 => Write::Arrival(unique_id_number(seq)),
                        _ => Write::Scan(format!("豫A{seq:05}")),
                    };
                    let (path, body) = write.request(checkpoint);
                    if let Write::Resident(id) = &write {
                        attempted.lock().expect("lock").insert(id.clone());
                    }
                    let req = http.post(format!("{base}{path}")).json(&body);
                    let req = match write {
                        Write::Scan(_) => req.bearer_auth(&token),
                        _ => req.header("cookie", &cookie).header("x-csrf-token", &csrf),
                    };
                    let r = req.send().await;
                    let r = match r {
                        Ok(r) => r,
                        Err(_) => break, // the server is gone
                    };
                    let status = r.status();
                    if status.is_server_error() {
                        break;
                    }
                    let Ok(reply) = r.json::<serde_json::Value>().await else {
                        break;
                    };
                    match (status, &write) {
                        (reqwest::StatusCode::CREATED, Write::Resident(id)) => {
                            acked.lock().expect("lock").push(id.clone())
                        }
                        (reqwest::StatusCode::CREATED, Write::Arrival(_)) => acked_arrivals
                            .lock()
                            .expect("lock")
                            .push(reply["id"].as_i64().expect("arrival id")),
                        (reqwest::StatusCode::CREATED, Write::Scan(_)) => acked_scans
                            .lock()
                            .expect("lock")
                            .push(reply["scans"][0]["id"].as_i64().expect("scan id")),
                        (reqwest::StatusCode::CONFLICT, _) => {}
                        (other, _) => panic!("unexpected {other}: {reply}"),
                    }
                }
            }));
        }
        // a few acknowledged residents first (on a loaded machine the random delay alone
        // can pass before any write lands); after 20 s the round goes on regardless, and the
        // final count says whether enough was written
        let wanted = acked.lock().expect("lock").len() + 6;
        let acked_now = &acked;
        let _ = wait_until(within(Duration::from_secs(20)), || async move {
            (acked_now.lock().expect("lock").len() >= wanted).then_some(())
        })
        .await;
        // the point of the test: a random moment to kill at, not a wait for anything
        tokio::time::sleep(Duration::from_millis(rng.next() % 260)).await;
        server.kill();
        for t in tasks {
            t.await.expect("writer");
        }
        server = Server::start(&url, &http).await;
        eprintln!(
            "round {round}: {} acknowledged so far",
            acked.lock().expect("lock").len()
        );
    }
    server.kill();

    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() > KILLS * 5,
        "too few writes to prove anything: {}",
        acked.len()
    );
    let stored: Vec<String> = {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let page = db
                .store
                .list_residents(&Actor::system("test"), after, 1000)
                .await
                .expect("list");
            let Some(last) = page.last() else { break };
            after = last.id;
            all.extend(
                page.into_iter()
                    .map(|r| r.id_number.full_for_tests().to_string()),
            );
        }
        all
    };
    let stored_set: HashSet<&String> = stored.iter().collect();
    assert_eq!(stored_set.len(), stored.len(), "a resident is stored twice");
    let missing: Vec<&String> = acked.iter().filter(|id| !stored_set.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged writes lost, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    let written_by_test = {
        let attempted = attempted.lock().expect("lock");
        stored.iter().filter(|id| attempted.contains(*id)).count()
    };
    assert!(written_by_test >= acked.len());
    let arrivals = acked_arrivals.lock().expect("lock").clone();
    for id in &arrivals {
        if let Err(e) = db.store.arrival_by_id(&Actor::system("test"), *id).await {
            panic!("acknowledged arrival {id} lost: {e}");
        }
    }
    let scans = acked_scans.lock().expect("lock").clone();
    let stored_scans: HashSet<i64> = db
        .store
        .scan_ids(&wangge_store::Actor::system("test"), checkpoint)
        .await
        .expect("scans")
        .into_iter()
        .collect();
    let lost: Vec<&i64> = scans
        .iter()
        .filter(|id| !stored_scans.contains(id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged scans lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
    let twice = "SELECT plate, COUNT(*) FROM checkpoint_scans WHERE checkpoint_id = $1 \
                 GROUP BY plate HAVING COUNT(*) > 1";
    let plates: Vec<(String, i64)> = match db.store.backend() {
        wangge_store::Backend::Sqlite(p) => {
            sqlx::query_as(twice).bind(checkpoint).fetch_all(p).await
        }
        wangge_store::Backend::Postgres(p) => {
            sqlx::query_as(twice).bind(checkpoint).fetch_all(p).await
        }
    }
    .expect("duplicate check");
    assert!(plates.is_empty(), "scans stored twice: {plates:?}");
    assert!(
        !arrivals.is_empty() && !scans.is_empty(),
        "every kind of write was acknowledged"
    );
    eprintln!(
        "{kind:?}: {KILLS} kills survived; all acknowledged writes present once: \
         {} residents, {} arrival reports, {} checkpoint scans",
        acked.len(),
        arrivals.len(),
        scans.len()
    );
    db.cleanup().await.expect("cleanup");
}
both_backends!(sigkill_durability, acknowledged_writes_survive_sigkill);
