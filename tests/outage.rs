//! PostgreSQL goes away mid-run: requests fail fast with 503 and a clear message, and the
//! server recovers on its own when the database is back. The test runs its own throw-away
//! PostgreSQL cluster (initdb; it binds its own port, and another is tried if that one is taken)
//! so stopping it disturbs no other test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{wait_until, within};
use reqwest::StatusCode;
use wangge_domain::role::Role;
use wangge_server::AppConfig;
use wangge_store::{Actor, Store};

/// Ports tried for the private cluster before giving up.
const START_ATTEMPTS: u32 = 20;

enum Start {
    PortTaken,
    Failed(String),
}

/// A port for the private cluster: random, and below Linux's default ephemeral range (32768 and
/// up), where the ports other tests get by binding port 0 come from, so they do not land on it
/// (neither at the start nor while the cluster is stopped mid-test).
fn candidate_port(attempt: u32) -> u16 {
    use std::hash::BuildHasher;
    let random = std::collections::hash_map::RandomState::new().hash_one((
        std::process::id(),
        attempt,
        Instant::now(),
    ));
    20_000 + (random % 12_000) as u16
}

struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    fn pg_bin() -> Option<PathBuf> {
        let root = Path::new("/usr/lib/postgresql");
        let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .collect();
        versions.sort();
        versions
            .pop()
            .map(|v| v.join("bin"))
            .filter(|b| b.join("initdb").exists())
    }

    fn as_postgres(&self, tool: &str, args: &[&str]) -> std::process::Output {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(tool))
            .args(args)
            .output()
            .expect("run PostgreSQL tool")
    }

    fn create() -> Option<Cluster> {
        let bin = Self::pg_bin()?;
        let dir = std::env::temp_dir().join(format!("wangge-pg-outage-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).ok()?;
        let ok = Command::new("chown")
            .args(["postgres:postgres", &dir.display().to_string()])
            .status()
            .ok()?;
        assert!(ok.success(), "chown");
        let mut c = Cluster { bin, dir, port: 0 };
        let data = c.dir.join("data").display().to_string();
        let out = c.as_postgres(
            "initdb",
            &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"],
        );
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // PostgreSQL binds its port itself, so it cannot be handed one already bound: it is
        // given a candidate, and if something else holds that port it is given another.
        for attempt in 0..START_ATTEMPTS {
            c.port = candidate_port(attempt);
            match c.try_start() {
                Ok(()) => return Some(c),
                Err(Start::PortTaken) => continue,
                Err(Start::Failed(why)) => panic!("pg_ctl start: {why}"),
            }
        }
        panic!("no free port for PostgreSQL in {START_ATTEMPTS} tries");
    }

    /// Starts the server on `self.port` and waits until it accepts connections.
    fn try_start(&self) -> Result<(), Start> {
        let data = self.dir.join("data").display().to_string();
        // messages in English whatever the machine's locale: the log is read for the cause
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c lc_messages=C",
            self.port,
            self.dir.display()
        );
        let log_path = self.dir.join("log");
        let logged_before = std::fs::metadata(&log_path).map_or(0, |m| m.len() as usize);
        let log = log_path.display().to_string();
        let out = self.as_postgres(
            "pg_ctl",
            &["-D", &data, "-o", &opts, "-l", &log, "-w", "start"],
        );
        if out.status.success() {
            return Ok(());
        }
        let logged = std::fs::read(&log_path).unwrap_or_default();
        let this_start = String::from_utf8_lossy(logged.get(logged_before..).unwrap_or_default());
        if this_start.contains("Address already in use") {
            Err(Start::PortTaken)
        } else {
            Err(Start::Failed(format!(
                "{}{this_start}",
                String::from_utf8_lossy(&out.stderr)
            )))
        }
    }

    /// Starts the server again after [`Cluster::stop`], on the same port (the store's URL names
    /// it). Should something have taken the port meanwhile, waits for it to be free again.
    async fn restart(&self) {
        let started = wait_until(within(Duration::from_secs(30)), || async {
            match self.try_start() {
                Ok(()) => Some(()),
                Err(Start::PortTaken) => None,
                Err(Start::Failed(why)) => panic!("pg_ctl start: {why}"),
            }
        })
        .await;
        assert!(
            started.is_some(),
            "port {} stayed taken after the stop",
            self.port
        );
    }

    fn stop(&self) {
        let data = self.dir.join("data").display().to_string();
        let out = self.as_postgres("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let _ = self.as_postgres("pg_ctl", &["-D", &data, "-m", "immediate", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_gives_fast_503_and_recovers() {
    let Some(cluster) = Cluster::create() else {
        assert!(
            std::env::var("CI").is_err(),
            "PostgreSQL server binaries are needed in CI"
        );
        eprintln!("no PostgreSQL server binaries: outage test skipped");
        return;
    };
    let store = Store::open(&cluster.url())
        .await
        .expect("store on the private cluster");
    wangge::demo::ensure(&store).await.expect("demo");
    // API tokens are for machine accounts: the checkpoint operator's
    let machine = store
        .list_users(&wangge_store::Actor::system("test"))
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.role == Role::CheckpointOperator)
        .expect("checkpoint operator");
    let token = store
        .create_api_token(&Actor::system("test"), machine.id, "outage", 1)
        .await
        .expect("token")
        .token;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(wangge_server::launch(
        listener,
        store.clone(),
        AppConfig::default(),
        async {
            let _ = rx.await;
        },
    ));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let get = |path: &str| http.get(format!("{base}{path}")).bearer_auth(&token).send();

    assert_eq!(
        get("/api/v1/grid").await.expect("up").status(),
        StatusCode::OK
    );

    cluster.stop();
    for path in ["/api/v1/grid", "/api/v1/checkpoints", "/healthz"] {
        let started = Instant::now();
        let r = get(path).await.expect("an answer, not a hang");
        let took = started.elapsed();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(
            took < Duration::from_secs(5),
            "{path} took {took:?}: must fail fast"
        );
        if path.starts_with("/api") {
            let body: serde_json::Value = r.json().await.expect("JSON error");
            assert!(
                body["error"]
                    .as_str()
                    .unwrap_or("")
                    .contains("数据库暂时不可用"),
                "{body}"
            );
        }
    }
    let page = http
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page");
    assert!(
        page.status().is_success(),
        "the login page itself needs no database"
    );

    cluster.restart().await;
    let get = &get;
    let recovered = wait_until(within(Duration::from_secs(30)), || async move {
        let r = get("/api/v1/grid").await.expect("answer");
        (r.status() == StatusCode::OK).then_some(())
    })
    .await;
    assert!(
        recovered.is_some(),
        "no recovery after the database came back: {}",
        get("/api/v1/grid").await.expect("answer").status()
    );
    let _ = tx.send(());
    let _ = server.await;
    store.close().await;
}
