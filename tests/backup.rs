//! Backups that restore: `wangge backup FILE` runs against the database of a live server while
//! clients keep registering residents; the copy is restored into a fresh database (SQLite: the
//! file itself; PostgreSQL: `pg_restore` into an empty database), the server is started on it,
//! and every write acknowledged before the backup began is there, exactly once. On SQLite and
//! on PostgreSQL.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{wait_until, within, TestServer};
use reqwest::StatusCode;
use serde_json::json;
use wangge_server::AppConfig;
use wangge_store::testing::{Kind, TestDb};
use wangge_store::{both_backends, Backend, StoreError};

const WRITERS: usize = 3;

/// ID numbers no demo record uses (births from 1970 on, as the benches number them).
fn id_number(seq: u64) -> String {
    wangge::bench::nth_id_number(500_000 + seq)
}

/// The ID numbers of every resident record, with how many records each has.
async fn residents(store: &wangge_store::Store) -> HashMap<String, i64> {
    let sql = "SELECT p.id_number, COUNT(*) FROM residents r JOIN persons p ON p.id = r.person_id \
               GROUP BY p.id_number";
    let rows: Vec<(String, i64)> = match store.backend() {
        Backend::Sqlite(pool) => sqlx::query_as(sql).fetch_all(pool).await,
        Backend::Postgres(pool) => sqlx::query_as(sql).fetch_all(pool).await,
    }
    .expect("residents");
    rows.into_iter().collect()
}

async fn a_backup_under_load_restores_every_acknowledged_write(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = Arc::new(srv.login("admin").await);
    let csrf = admin.csrf().await;
    let scratch = std::env::temp_dir().join(format!(
        "wangge-backup-{}-{}",
        std::process::id(),
        srv.base.rsplit(':').next().unwrap_or("0")
    ));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch");
    let file = scratch.join("backup.copy");

    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let seq = Arc::new(AtomicU64::new(0));
    let mut writers = Vec::new();
    for _ in 0..WRITERS {
        let (admin, csrf) = (admin.clone(), csrf.clone());
        let (acked, stop, seq) = (acked.clone(), stop.clone(), seq.clone());
        writers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let id = id_number(seq.fetch_add(1, Ordering::Relaxed));
                let r = admin
                    .post_json(
                        "/api/v1/residents",
                        &json!({"id_number": id, "name": "备份测试", "node_code": "410105001001001",
                                "address": "测试路1号"}),
                        &[("x-csrf-token", &csrf)],
                    )
                    .await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                acked.lock().expect("lock").push(id);
            }
        }));
    }
    let count = |acked: &Arc<Mutex<Vec<String>>>| acked.lock().expect("lock").len();
    let a = &acked;
    wait_until(within(Duration::from_secs(60)), || async move {
        (count(a) >= 30).then_some(())
    })
    .await
    .expect("writes before the backup");

    // everything acknowledged up to here was committed before the backup begins
    let before: Vec<String> = acked.lock().expect("lock").clone();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args(["backup", file.to_str().expect("utf-8 path"), "--database"])
        .arg(srv.db_url())
        .env("WANGGE_LOG", "warn")
        .output()
        .await
        .expect("wangge backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("备份完成"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // the server went on taking writes during and after the backup
    let after_backup = count(&acked);
    wait_until(within(Duration::from_secs(60)), || async move {
        (count(a) >= after_backup + 10).then_some(())
    })
    .await
    .expect("writes after the backup");
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.expect("writer");
    }
    let all_acked = acked.lock().expect("lock").clone();

    // a second backup to the same name is refused, and the first copy is left as it was
    let size = std::fs::metadata(&file).expect("backup file").len();
    let again = tokio::process::Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args(["backup", file.to_str().expect("utf-8 path"), "--database"])
        .arg(srv.db_url())
        .output()
        .await
        .expect("second backup");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("已存在"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(std::fs::metadata(&file).expect("file").len(), size);
    srv.stop().await;

    let copy = file.clone();
    let restored = TestDb::made_by(kind, move |url| {
        match kind {
            Kind::Sqlite => {
                std::fs::copy(&copy, url.trim_start_matches("sqlite://"))
                    .map_err(|e| StoreError::Internal(format!("copy: {e}")))?;
            }
            Kind::Postgres => {
                let out = std::process::Command::new("pg_restore")
                    .args(["--no-owner", "--exit-on-error", "--dbname", url])
                    .arg(&copy)
                    .output()
                    .map_err(|e| StoreError::Internal(format!("pg_restore: {e}")))?;
                if !out.status.success() {
                    return Err(StoreError::Internal(
                        String::from_utf8_lossy(&out.stderr).to_string(),
                    ));
                }
            }
        }
        Ok(())
    })
    .await
    .expect("restored database");
    let on_copy = residents(&restored.store).await;
    let srv = TestServer::start_on(restored, AppConfig::default()).await;
    for id in &before {
        assert_eq!(
            on_copy.get(id),
            Some(&1),
            "{id}, acknowledged before the backup"
        );
    }
    // nothing appears in the copy that was never acknowledged (a write in flight when the
    // writers stopped was not acknowledged, and may or may not be there)
    let attempted: HashSet<String> = (0..seq.load(Ordering::Relaxed)).map(id_number).collect();
    let ours = on_copy.keys().filter(|k| attempted.contains(*k)).count();
    assert!(ours >= before.len());
    assert!(ours <= all_acked.len() + WRITERS);

    // the server on the copy serves it: the demo accounts log in, a backed-up resident opens
    let admin = srv.login("admin").await;
    let r = admin
        .get(&format!("/api/v1/residents?q={}", before[0]))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("备份测试"), "{}", r.body);
    srv.stop().await;
    let _ = std::fs::remove_dir_all(&scratch);
}

both_backends!(
    backup_restore,
    a_backup_under_load_restores_every_acknowledged_write
);
