//! Fresh databases for tests: a temporary SQLite file, or a uniquely named PostgreSQL database
//! created on the server at `WANGGE_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`)
//! and dropped by [`TestDb::cleanup`].

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;

use crate::{Result, Store, StoreError};

/// The grid tree the push-list tests place people in: two streets, two communities, three
/// grids (纬五路第一/第二网格 under one community, 农科路第一网格 under the other).
pub const PUSH_TREE: &str = "code,name,level,parent_code
410105,金水区,district,
410105001,经八路街道,township,410105
410105001001,纬五路社区,community,410105001
410105001001001,纬五路第一网格,grid,410105001001
410105001001002,纬五路第二网格,grid,410105001001
410105002,花园路街道,township,410105
410105002001,农科路社区,community,410105002
410105002001001,农科路第一网格,grid,410105002001
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub store: Store,
    pub url: String,
    kind: Kind,
    name: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn pg_admin_url() -> String {
    std::env::var("WANGGE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "wangge_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

impl TestDb {
    /// A new, migrated, empty database of the given kind.
    pub async fn new(kind: Kind) -> Result<TestDb> {
        let name = unique_name();
        let url = match kind {
            Kind::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                format!("sqlite://{}", path.display())
            }
            Kind::Postgres => {
                let admin = pg_admin_url();
                let mut conn = sqlx::PgConnection::connect(&admin).await?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                format!("{base}/{name}")
            }
        };
        let store = Store::open(&url).await?;
        Ok(TestDb {
            store,
            url,
            kind,
            name,
        })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The database file, for a SQLite database; its log and shared memory sit beside it with
    /// `-wal` and `-shm` appended.
    pub fn sqlite_path(&self) -> Option<&str> {
        (self.kind == Kind::Sqlite).then(|| self.url.trim_start_matches("sqlite://"))
    }

    /// Push items whose pair in the grid lists' index (`push_item_grid`) is missing or names
    /// another batch or grid, plus pairs without their item: 0 when the index is in step.
    pub async fn push_grid_faults(&self) -> Result<i64> {
        let store = &self.store;
        Ok(on_pool!(store, pool => {
            sqlx::query_scalar::<_, i64>(
                "SELECT (SELECT COUNT(*) FROM push_items i WHERE NOT EXISTS ( \
                    SELECT 1 FROM push_item_grid x WHERE x.batch_id = i.batch_id \
                    AND x.node_key = COALESCE(i.node_id, 0) AND x.item_id = i.id)) \
                 + (SELECT COUNT(*) FROM push_item_grid x WHERE NOT EXISTS ( \
                    SELECT 1 FROM push_items i WHERE i.id = x.item_id \
                    AND i.batch_id = x.batch_id AND COALESCE(i.node_id, 0) = x.node_key))",
            )
            .fetch_one(pool)
            .await?
        }))
    }

    /// Closes the pool and removes the database.
    pub async fn cleanup(self) -> Result<()> {
        self.store.close().await;
        match self.kind {
            Kind::Sqlite => {
                let path = self.sqlite_path().unwrap_or_default();
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            Kind::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&pg_admin_url()).await?;
                sqlx::query(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .execute(&mut conn)
                .await
                .map_err(StoreError::from)?;
            }
        }
        Ok(())
    }
}

/// Instantiates a test once per backend: `both_backends!(name, body)`, where `async fn body(kind:
/// Kind)` is in the same module, produces the tests `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body($crate::testing::Kind::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body($crate::testing::Kind::Postgres).await
            }
        }
    };
}
