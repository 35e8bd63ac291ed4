//! Write-ahead-log checkpoints on SQLite run on a task of their own, not in the connection that
//! happens to commit.
//!
//! SQLite's default checkpoints inside the commit that takes the log past 1000 pages: whichever
//! request commits then waits while the log is copied into the database file — after a
//! million-row push-list import, ~400 MB, a second or more. Pool connections are opened with
//! automatic checkpoints off (`wal_autocheckpoint = 0`) and this task checkpoints every
//! [`INTERVAL`] instead, PASSIVE: it never waits for or blocks readers and writers. A commit is
//! durable once it is in the log (`synchronous = FULL`); the checkpoint only moves it into the
//! database file, and recovery after a crash replays the log either way. `Store::close` copies
//! what is left and empties the log (SQLite's own checkpoint at the last close is skipped when
//! two connections close at once).

use std::time::Duration;

use sqlx::SqlitePool;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// How often the log is copied into the database file. At the checkpoint benchmark's 20,000
/// scans a second the log grows by about 1000 pages a second, SQLite's own default threshold.
pub(crate) const INTERVAL: Duration = Duration::from_secs(1);

/// The checkpoint task of one store; dropping the last clone of the store ends it.
#[derive(Debug)]
pub(crate) struct Checkpointer(JoinHandle<()>);

impl Checkpointer {
    pub(crate) fn spawn(pool: SqlitePool) -> Checkpointer {
        Checkpointer(tokio::spawn(async move {
            let mut tick = tokio::time::interval(INTERVAL);
            tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                // (busy, frames in the log, frames copied); only failures are of interest
                let done = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
                    .fetch_one(&pool)
                    .await;
                match done {
                    Ok(_) => {}
                    Err(sqlx::Error::PoolClosed) => break,
                    Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed; retrying"),
                }
            }
        }))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::testing::{Kind, TestDb};
    use crate::Backend;

    /// The database file and its log.
    fn files(db: &TestDb) -> (PathBuf, PathBuf) {
        let path = db.sqlite_path().expect("a SQLite database");
        (PathBuf::from(path), PathBuf::from(format!("{path}-wal")))
    }

    fn size(path: &std::path::Path) -> u64 {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }

    /// A commit leaves its pages in the log (no connection checkpoints), and the task copies
    /// them into the database file within a few intervals, without another write.
    #[tokio::test]
    async fn commits_reach_the_database_file_in_the_background() {
        let db = TestDb::new(Kind::Sqlite).await.unwrap();
        let Backend::Sqlite(pool) = db.store.backend() else {
            unreachable!()
        };
        let (auto,): (i64,) = sqlx::query_as("PRAGMA wal_autocheckpoint")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(auto, 0, "commits must not checkpoint");

        let (path, wal) = files(&db);
        let before = size(&path);
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("CREATE TABLE filler (b BLOB NOT NULL)")
            .execute(&mut *tx)
            .await
            .unwrap();
        // 4 MB: 1000 pages, well past anything the schema's pages could account for
        for _ in 0..1000 {
            sqlx::query("INSERT INTO filler VALUES (zeroblob(4000))")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        assert!(size(&wal) >= 4_000_000, "the commit is in the log");

        let deadline = std::time::Instant::now() + super::INTERVAL * 20;
        while size(&path) < before + 4_000_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "database file still {} bytes",
                size(&path)
            );
            tokio::time::sleep(super::INTERVAL / 4).await;
        }
        db.cleanup().await.unwrap();
    }

    /// Closing the store leaves an empty log (or none), with nothing lost.
    #[tokio::test]
    async fn close_leaves_an_empty_log() {
        let db = TestDb::new(Kind::Sqlite).await.unwrap();
        let Backend::Sqlite(pool) = db.store.backend() else {
            unreachable!()
        };
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(pool)
            .await
            .unwrap();
        let (_, wal) = files(&db);
        assert!(size(&wal) > 0);
        db.store.close().await;
        assert_eq!(size(&wal), 0, "log left behind");
        let reopened = crate::Store::open(&db.url).await.unwrap();
        let Backend::Sqlite(pool) = reopened.backend() else {
            unreachable!()
        };
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(n, 1);
        reopened.close().await;
        db.cleanup().await.unwrap();
    }
}
