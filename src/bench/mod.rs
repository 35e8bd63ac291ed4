//! `wangge bench …`: the performance targets, measured side by side with a baseline in the same
//! run. Storage benches use fresh databases: SQLite files in a temporary directory, or, with
//! `--database postgres://…/DB`, new databases on that server (dropped afterwards); load goes
//! to 127.0.0.1 only.

pub mod checkpoint;
pub mod policy;
pub mod pushlist;

use std::path::PathBuf;

/// A scratch directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(what: &str) -> std::io::Result<Scratch> {
        let dir = std::env::temp_dir().join(format!("wangge-bench-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }

    pub fn sqlite_url(&self, name: &str) -> String {
        format!("sqlite://{}", self.0.join(name).display())
    }
}

/// Where a storage bench makes its fresh databases.
pub enum BenchDb {
    Sqlite(Scratch),
    /// a server reached through this URL; each database is made beside the one it names
    Postgres {
        admin: String,
        made: std::sync::Mutex<Vec<String>>,
    },
}

impl BenchDb {
    /// `None`: SQLite in a scratch directory; `postgres://…`: that server.
    pub fn new(what: &str, database: Option<&str>) -> Result<BenchDb, Box<dyn std::error::Error>> {
        match database {
            None => Ok(BenchDb::Sqlite(Scratch::new(what)?)),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(BenchDb::Postgres {
                    admin: url.to_string(),
                    made: Default::default(),
                })
            }
            Some(url) if url.starts_with("sqlite:") => Err(
                "SQLite 基准测试使用临时目录中的新数据库，不需要 --database（--database 只用于 postgres://）".into(),
            ),
            Some(url) => Err(format!("不支持的数据库 URL：{}", wangge_store::redact_url(url)).into()),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            BenchDb::Sqlite(_) => "SQLite",
            BenchDb::Postgres { .. } => "PostgreSQL",
        }
    }

    /// A scratch directory for the bench's files (the generated CSV).
    pub fn files(&self) -> std::io::Result<PathBuf> {
        match self {
            BenchDb::Sqlite(s) => Ok(s.0.clone()),
            BenchDb::Postgres { .. } => {
                let dir =
                    std::env::temp_dir().join(format!("wangge-bench-files-{}", std::process::id()));
                std::fs::create_dir_all(&dir)?;
                Ok(dir)
            }
        }
    }

    /// A fresh, migrated database called `name`.
    pub async fn fresh(
        &self,
        name: &str,
    ) -> Result<wangge_store::Store, Box<dyn std::error::Error>> {
        let url = match self {
            BenchDb::Sqlite(s) => s.sqlite_url(&format!("{name}.db")),
            BenchDb::Postgres { admin, made } => {
                use sqlx::Connection;
                let db = format!("wangge_bench_{}_{name}", std::process::id());
                let mut conn = sqlx::PgConnection::connect(admin).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await?;
                sqlx::query(&format!("CREATE DATABASE {db}"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
                made.lock().map_err(|_| "lock")?.push(db.clone());
                let base = admin.split('?').next().unwrap_or(admin);
                let base = base.rsplit_once('/').map(|(b, _)| b).unwrap_or(base);
                format!("{base}/{db}")
            }
        };
        Ok(wangge_store::Store::open(&url).await?)
    }

    /// Names the databases made, which stay (PostgreSQL databases, or the SQLite directory).
    pub fn keep(self) {
        match self {
            BenchDb::Postgres { made, .. } => {
                for db in made.lock().map(|m| m.clone()).unwrap_or_default() {
                    println!("保留数据库：{db}");
                }
            }
            BenchDb::Sqlite(scratch) => {
                println!("保留数据库目录：{}", scratch.0.display());
                std::mem::forget(scratch);
            }
        }
    }

    /// Drops the PostgreSQL databases made (SQLite's go with the scratch directory).
    pub async fn cleanup(&self) {
        if let BenchDb::Postgres { admin, made } = self {
            use sqlx::Connection;
            let names = made.lock().map(|m| m.clone()).unwrap_or_default();
            if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
                for db in names {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            }
            let _ = std::fs::remove_dir_all(
                std::env::temp_dir().join(format!("wangge-bench-files-{}", std::process::id())),
            );
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Peak resident memory of this process since the last [`reset_peak_rss`], in MiB (VmHWM).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Starts a new peak-memory window (Linux: writing 5 to clear_refs resets VmHWM).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A small deterministic generator: the same run generates the same data.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn step(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.step() % n.max(1)
    }
}

/// The `i`-th of many distinct valid ID numbers (births from 1970 on, 1000 per day).
pub fn nth_id_number(i: u64) -> String {
    let base = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let date = base + chrono::Duration::days((i / 1000) as i64);
    let prefix = format!("410105{}{:03}", date.format("%Y%m%d"), i % 1000);
    wangge_domain::validate::make_valid(&prefix)
}
