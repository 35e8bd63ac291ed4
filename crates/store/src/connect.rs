use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::{Result, StoreError};

/// The open database. Cloning is cheap: both pools are reference counted.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    url: String,
    /// SQLite's background checkpoints, shared by the clones; `None` on PostgreSQL.
    _checkpointer: Option<Arc<crate::wal::Checkpointer>>,
    /// The watcher of a multi-host PostgreSQL URL, shared by the clones.
    _failover: Option<Arc<crate::failover::Watcher>>,
}

#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// How long a request waits for a connection before the server answers 503: a dead database
/// must fail requests fast rather than pile them up.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Whether opening a database may create it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// a missing SQLite file is created (`serve`, `demo`, `migrate`, the tests)
    IfMissing,
    /// a missing SQLite file is an error naming the path (every other command: a typo or a
    /// forgotten `--database` must not answer from a fresh, empty database)
    Never,
}

impl Store {
    /// Opens the database named by `url` (`sqlite://PATH` or `postgres://…`), creating a missing
    /// SQLite file. An unknown scheme is an error: a typo must never silently create a fresh,
    /// empty database.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, Create::IfMissing).await
    }

    /// [`Store::connect`], saying whether a missing SQLite file may be created.
    pub async fn connect_with(url: &str, create: Create) -> Result<Store> {
        let mut failover = None;
        let backend = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(format!("{}: {e}", redact_url(url))))?;
            let file = opts.get_filename();
            let in_memory = file.as_os_str().is_empty() || file.to_str() == Some(":memory:");
            if create == Create::Never && !in_memory && !file.exists() {
                return Err(StoreError::NoDatabase(file.display().to_string()));
            }
            let opts = opts
                .create_if_missing(create == Create::IfMissing)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit the server acknowledged survives a power cut too
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                // statement journals (the undo of a multi-row statement that may fail half way)
                // and temporary tables in memory: on disk they were a third of a bulk import
                .pragma("temp_store", "memory")
                // checkpoints run on a task of their own (wal.rs), not in whoever commits
                .pragma("wal_autocheckpoint", "0")
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(opts)
                .await?;
            Backend::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let targets = crate::failover::PgTargets::parse(url)?;
            let read_write = targets.read_write;
            let first = if targets.needs_watch() {
                targets.find().await.ok_or_else(|| {
                    StoreError::Unavailable(sqlx::Error::Protocol(format!(
                        "{} 中没有{}的数据库主机",
                        redact_url(url),
                        if read_write { "可写" } else { "可连接" }
                    )))
                })?
            } else {
                0
            };
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                // a host that became a standby never gets a connection meant for writes
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        if crate::failover::fits(conn, read_write).await? {
                            Ok(())
                        } else {
                            Err(sqlx::Error::Protocol(
                                "该数据库主机是备库，不接受写入".into(),
                            ))
                        }
                    })
                })
                .connect_with(targets.hosts[first].clone())
                .await?;
            if targets.needs_watch() {
                failover = Some(Arc::new(crate::failover::Watcher::spawn(
                    pool.clone(),
                    targets,
                    first,
                )));
            }
            Backend::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(format!(
                "“{}”：只支持 sqlite:// 或 postgres:// (only sqlite:// and postgres:// are supported)",
                redact_url(url)
            )));
        };
        let checkpointer = match &backend {
            Backend::Sqlite(pool) => Some(Arc::new(crate::wal::Checkpointer::spawn(pool.clone()))),
            Backend::Postgres(_) => None,
        };
        Ok(Store {
            backend,
            url: url.to_string(),
            _checkpointer: checkpointer,
            _failover: failover,
        })
    }

    /// Opens the database and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        Store::open_with(url, Create::IfMissing).await
    }

    /// [`Store::open`], saying whether a missing SQLite file may be created.
    pub async fn open_with(url: &str, create: Create) -> Result<Store> {
        let store = Store::connect_with(url, create).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Backend::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The URL with any password replaced, for logs and banners.
    pub fn display_url(&self) -> String {
        redact_url(&self.url)
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Closes every connection. On SQLite the log is first copied into the database file and
    /// emptied, so the file is complete on its own: SQLite's last connection would do that
    /// itself, but skips it when two connections close at the same moment.
    pub async fn close(&self) {
        if let Backend::Sqlite(pool) = &self.backend {
            if !pool.is_closed() {
                let done = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(pool)
                    .await;
                if let Err(e) = done {
                    tracing::warn!(error = %e, "final WAL checkpoint failed");
                }
            }
        }
        on_pool!(self, pool => pool.close().await)
    }

    /// Versions of the embedded migrations of each backend, for the test that keeps them in step.
    pub fn migration_versions() -> (MigrationList, MigrationList) {
        let list = |m: &sqlx::migrate::Migrator| {
            m.iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect()
        };
        (list(&SQLITE_MIGRATIONS), list(&POSTGRES_MIGRATIONS))
    }
}

/// (version, description) of each embedded migration.
pub type MigrationList = Vec<(i64, String)>;

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact_url("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://wangge.db"), "sqlite://wangge.db");
    }

    #[test]
    fn migrations_in_step() {
        let (sqlite, postgres) = Store::migration_versions();
        assert!(!sqlite.is_empty());
        assert_eq!(
            sqlite, postgres,
            "every migration must exist for both backends"
        );
    }

    /// A fresh SQLite file under `name` in the temp directory, migrated up to `version`; the
    /// test fills it as an older release would have, then runs the rest.
    async fn sqlite_at_version(name: &str, version: i64) -> (Store, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("wangge-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.db"));
        let _ = std::fs::remove_file(&path);
        let store = Store::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let Backend::Sqlite(pool) = store.backend() else {
            unreachable!()
        };
        let older = sqlx::migrate::Migrator {
            migrations: SQLITE_MIGRATIONS
                .iter()
                .filter(|m| m.version <= version)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        older.run(pool).await.unwrap();
        (store, dir)
    }

    /// Migrations 4 and 5 rebuild SQLite tables: rows and the references between them survive,
    /// foreign keys still hold (push_items' at commit), the rewritten CHECKs refuse what the old
    /// ones refused, and the items' deadline moves to their batch. Migration 6 gives every
    /// existing item its pair in the grid lists' index.
    #[tokio::test]
    async fn rebuilding_migration_keeps_rows_and_references() {
        let (store, dir) = sqlite_at_version("m4", 3).await;
        let Backend::Sqlite(pool) = store.backend() else {
            unreachable!()
        };
        execute_all(pool, BEFORE_M4).await;

        store.migrate().await.unwrap();

        rebuilt_tables_keep_rows_and_references(pool).await;
        deadlines_are_the_batches(pool).await;
        item_references_are_checked_at_commit(pool).await;
        items_have_grid_pairs_and_checks_hold(pool).await;
        alerts_reach_their_nodes(pool).await;
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Migration 9: an alert of before reaches the nodes it reached then (the checkpoint's and
    /// the tracing node, here the same one: listed once) and is not handled.
    async fn alerts_reach_their_nodes(pool: &sqlx::SqlitePool) {
        let rows: Vec<(i64, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT n.node_id, a.person_id, a.outcome FROM checkpoint_alerts a \
             JOIN checkpoint_alert_nodes n ON n.alert_id = a.id WHERE a.scan_id = 21",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        assert_eq!(rows, [(1, None, None)]);
    }

    /// Runs each statement on `pool`, `{t}` standing for one fixed time stamp.
    async fn execute_all(pool: &sqlx::SqlitePool, statements: &[&str]) {
        for sql in statements {
            sqlx::query(&sql.replace("{t}", "2021-12-28T00:00:00Z"))
                .execute(pool)
                .await
                .unwrap();
        }
    }

    /// A database of version 3 with a row in every table migrations 4 to 6 rebuild or index.
    const BEFORE_M4: &[&str] = &[
        "INSERT INTO grid_nodes (id, code, name, level, parent_id, path, created_at) \
         VALUES (1, '410105', '金水区', 'district', NULL, '/1/', '{t}')",
        "INSERT INTO persons (id, id_number, name, birth_date, sex, created_at, updated_at) \
         VALUES (7, '11010519491231002X', '张三', '1949-12-31', 'female', '{t}', '{t}')",
        "INSERT INTO push_batches (id, name, due_hours, created_by, created_at) \
         VALUES (3, 'b', 24, 'admin', '{t}')",
        "INSERT INTO push_batches (id, name, due_hours, created_by, created_at) \
         VALUES (4, 'empty', 48, 'admin', '{t}')",
        "INSERT INTO push_items (id, batch_id, person_id, node_id, row_no, origin, address, \
         note, state, due_at, updated_at) \
         VALUES (11, 3, 7, 1, 2, '上海', '金水区', '', 'reached', '2021-12-29T01:02:03Z', '{t}')",
        "INSERT INTO persons (id, id_number, name, birth_date, sex, created_at, updated_at) \
         VALUES (8, '110105194912310029', '李四', '1949-12-31', 'female', '{t}', '{t}')",
        "INSERT INTO push_items (id, batch_id, person_id, node_id, row_no, origin, address, \
         note, state, due_at, updated_at) \
         VALUES (12, 3, 8, NULL, 3, '上海', '某地', '', 'not_found', '2021-12-29T01:02:03Z', '{t}')",
        "INSERT INTO push_merges (batch_id, item_id, row_no) VALUES (3, 11, 9)",
        "INSERT INTO checkpoints (id, node_id, name, kind, location, created_at) \
         VALUES (5, 1, '卡口', 'highway', '路口', '{t}')",
        "INSERT INTO checkpoint_scans (id, checkpoint_id, id_number, direction, code_colour, \
         scanned_at, received_at) VALUES (21, 5, '11010519491231002X', 'in', 'red', '{t}', '{t}')",
        "INSERT INTO checkpoint_alerts (checkpoint_id, scan_id, node_id, push_item_id, \
         item_node_id, reasons, created_at) VALUES (5, 21, 1, 11, 1, 'red_code', '{t}')",
    ];

    async fn rebuilt_tables_keep_rows_and_references(pool: &sqlx::SqlitePool) {
        let counts: (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM push_items WHERE id = 11 AND state = 'reached'), \
             (SELECT COUNT(*) FROM push_merges WHERE item_id = 11), \
             (SELECT COUNT(*) FROM checkpoint_scans WHERE id = 21 AND code_colour = 'red'), \
             (SELECT COUNT(*) FROM checkpoint_alerts WHERE scan_id = 21 AND push_item_id = 11)",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(counts, (1, 1, 1, 1));
        let broken: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(pool)
                .await
                .unwrap();
        assert!(broken.is_empty(), "{broken:?}");
        let schema: Vec<(String,)> =
            sqlx::query_as("SELECT sql FROM sqlite_schema WHERE sql LIKE '%\\_new%' ESCAPE '\\'")
                .fetch_all(pool)
                .await
                .unwrap();
        assert!(
            schema.is_empty(),
            "a reference still names a _new table: {schema:?}"
        );
        // references point at the rebuilt tables: a merge into a missing item is refused
        assert!(sqlx::query(
            "INSERT INTO push_merges (batch_id, item_id, row_no) VALUES (3, 999, 1)"
        )
        .execute(pool)
        .await
        .is_err());
    }

    async fn deadlines_are_the_batches(pool: &sqlx::SqlitePool) {
        // the deadline is the batch's: the items' own, or import time + hours without items
        let due: Vec<(i64, chrono::DateTime<chrono::Utc>)> =
            sqlx::query_as("SELECT id, due_at FROM push_batches ORDER BY id")
                .fetch_all(pool)
                .await
                .unwrap();
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        assert_eq!(
            due,
            vec![
                (3, at("2021-12-29T01:02:03Z")),
                (4, at("2021-12-30T00:00:00Z"))
            ]
        );
        assert!(sqlx::query("SELECT due_at FROM push_items")
            .execute(pool)
            .await
            .is_err());
    }

    async fn item_references_are_checked_at_commit(pool: &sqlx::SqlitePool) {
        // push_items' references are checked at commit: the statement passes, the commit fails
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(
            "INSERT INTO push_items (batch_id, person_id, node_id, row_no, origin, address, \
             note, state, updated_at) VALUES (999, 7, 1, 3, '上海', '金水区', '', 'not_found', '2021-12-28T00:00:00Z')",
        )
        .execute(&mut *tx)
        .await
        .unwrap();
        assert!(tx.commit().await.is_err());
        let (items,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM push_items")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(items, 2);
    }

    async fn items_have_grid_pairs_and_checks_hold(pool: &sqlx::SqlitePool) {
        // migration 6: every item has its pair in the grid lists' index (0 = unassigned), and
        // push_items no longer carries the grid index
        let pairs: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT batch_id, node_key, item_id FROM push_item_grid ORDER BY item_id",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        assert_eq!(pairs, vec![(3, 1, 11), (3, 0, 12)]);
        let (node_index,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'push_items_node'")
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!(node_index, 0);
        for bad in [
            "UPDATE push_items SET state = 'done' WHERE id = 11",
            "UPDATE checkpoint_scans SET code_colour = 'blue' WHERE id = 21",
        ] {
            assert!(sqlx::query(bad).execute(pool).await.is_err(), "{bad}");
        }
        sqlx::query("UPDATE checkpoint_scans SET code_colour = NULL WHERE id = 21")
            .execute(pool)
            .await
            .unwrap();
    }

    /// Migration 7 on tokens issued before it: those of persons' accounts end, machines' get 90
    /// days from the upgrade (and still work, read back through the store).
    #[tokio::test]
    async fn token_migration_ends_persons_tokens_and_dates_machines() {
        let (store, dir) = sqlite_at_version("m7", 6).await;
        let Backend::Sqlite(pool) = store.backend() else {
            unreachable!()
        };
        let t = "2021-12-28T00:00:00Z";
        let machine_token = "machine-token-from-before";
        let person_token = "person-token-from-before";
        for sql in [
            "INSERT INTO grid_nodes (id, code, name, level, parent_id, path, created_at) \
             VALUES (1, '410105', '金水区', 'district', NULL, '/1/', '{t}')",
            "INSERT INTO users (id, username, display_name, role, node_id, password_hash, created_at) \
             VALUES (1, 'kakou', '卡口', 'checkpoint_operator', 1, 'x', '{t}')",
            "INSERT INTO users (id, username, display_name, role, node_id, password_hash, created_at) \
             VALUES (2, 'wangge1', '网格员', 'grid_worker', 1, 'x', '{t}')",
            "INSERT INTO audit_log (at, user_id, username, action, entity, entity_id) \
             VALUES ('{t}', 1, 'kakou', 'create', 'user', '1')",
        ] {
            sqlx::query(&sql.replace("{t}", t)).execute(pool).await.unwrap();
        }
        for (user, token) in [(1, machine_token), (2, person_token)] {
            sqlx::query(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at) \
                 VALUES ($1, 'old', $2, $3)",
            )
            .bind(user)
            .bind(crate::secret::token_hash(token))
            .bind(t)
            .execute(pool)
            .await
            .unwrap();
        }

        store.migrate().await.unwrap();

        let (user, _) = store
            .api_token_user(machine_token)
            .await
            .unwrap()
            .expect("a machine's old token still works");
        assert_eq!(user.username, "kakou");
        assert!(store.api_token_user(person_token).await.unwrap().is_none());
        let tokens = store
            .list_api_tokens(&crate::Actor::system("test"))
            .await
            .unwrap();
        let of = |name: &str| tokens.iter().find(|t| t.username == name).unwrap();
        assert_eq!(of("wangge1").status, "revoked");
        assert_eq!(of("kakou").status, "active");
        let days = (of("kakou").expires_at.unwrap() - crate::now()).num_hours();
        assert!((89 * 24..=90 * 24).contains(&days), "{days} hours left");
        let (token_id,): (Option<i64>,) = sqlx::query_as("SELECT token_id FROM audit_log")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(token_id, None, "old entries were made without a token");
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn unknown_scheme_is_refused() {
        let err = Store::connect("sqlit://typo.db").await.unwrap_err();
        assert!(matches!(err, StoreError::BadUrl(_)));
        assert!(!std::path::Path::new("typo.db").exists());
    }

    /// Migration 8 on an older database: names and phones move from persons to the modules'
    /// records, arrivals are rebuilt without UNIQUE (person_id, arrival_date) and keep their
    /// events and check-ins, and every reference still holds.
    #[tokio::test]
    async fn person_migration_moves_names_and_keeps_arrivals() {
        let (store, dir) = sqlite_at_version("m8", 7).await;
        let Backend::Sqlite(pool) = store.backend() else {
            unreachable!()
        };
        execute_all(pool, BEFORE_M8).await;

        store.migrate().await.unwrap();

        names_moved_and_children_kept(pool).await;
        rebuilt_arrivals_take_repeats_and_keep_references(pool).await;
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A database of version 7: a person with name and phone, their residence and an arrival
    /// with an event and a check-in.
    const BEFORE_M8: &[&str] = &[
        "INSERT INTO grid_nodes (id, code, name, level, parent_id, path, created_at) \
         VALUES (1, '410105', '金水区', 'district', NULL, '/1/', '{t}')",
        "INSERT INTO persons (id, id_number, name, phone, birth_date, sex, created_at, \
         updated_at) VALUES (7, '11010519491231002X', '张三', '13800138000', '1949-12-31', \
         'female', '{t}', '{t}')",
        "INSERT INTO residents (id, person_id, node_id, address, created_at) \
         VALUES (3, 7, 1, '纬五路1号', '{t}')",
        "INSERT INTO policies (id, name, effective_from, source, loaded_at) \
         VALUES ('p', 'p', '2021-12-01', '', '{t}')",
        "INSERT INTO arrivals (id, person_id, node_id, destination, origin_json, travel_json, \
         occupation, key_industry, arrival_date, employer, phone, late, channel, status, \
         origin_risk, risk_city_stay, other_province, policy_id, rule_id, category, \
         plan_json, plan_end, created_at, updated_at) VALUES (5, 7, 1, '某地', '{}', '[]', \
         '', FALSE, '2021-12-28', '', '13900139000', FALSE, 'public', 'reported', 'none', \
         FALSE, TRUE, 'p', 'r', 'c', '{}', NULL, '{t}', '{t}')",
        "INSERT INTO arrival_events (arrival_id, day, kind, measure) \
         VALUES (5, '2021-12-28', 'test', NULL)",
        "INSERT INTO arrival_check_ins (arrival_id, day, temperature, note, recorded_by, \
         created_at) VALUES (5, '2021-12-28', 36.5, '', 'w', '{t}')",
    ];

    async fn names_moved_and_children_kept(pool: &sqlx::SqlitePool) {
        let (name, phone): (String, Option<String>) =
            sqlx::query_as("SELECT name, phone FROM residents WHERE id = 3")
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!(
            (name.as_str(), phone.as_deref()),
            ("张三", Some("13800138000"))
        );
        let (name, phone): (String, String) =
            sqlx::query_as("SELECT name, phone FROM arrivals WHERE id = 5")
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!((name.as_str(), phone.as_str()), ("张三", "13900139000"));
        let (events, check_ins): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM arrival_events WHERE arrival_id = 5), \
             (SELECT COUNT(*) FROM arrival_check_ins WHERE arrival_id = 5)",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(
            (events, check_ins),
            (1, 1),
            "the children survive the rebuild"
        );
        assert!(
            sqlx::query("SELECT name FROM persons")
                .fetch_all(pool)
                .await
                .is_err(),
            "persons holds identity only"
        );
    }

    async fn rebuilt_arrivals_take_repeats_and_keep_references(pool: &sqlx::SqlitePool) {
        // a second report of the same person and date is now stored (a possible duplicate)
        sqlx::query(
            "INSERT INTO arrivals (person_id, node_id, destination, origin_json, travel_json, \
             occupation, key_industry, arrival_date, employer, phone, late, channel, status, \
             origin_risk, risk_city_stay, other_province, policy_id, rule_id, category, \
             plan_json, created_at, updated_at, name) SELECT person_id, node_id, destination, \
             origin_json, travel_json, occupation, key_industry, arrival_date, employer, phone, \
             late, channel, status, origin_risk, risk_city_stay, other_province, policy_id, \
             rule_id, category, plan_json, created_at, updated_at, '张叁' FROM arrivals WHERE id = 5",
        )
        .execute(pool)
        .await
        .unwrap();
        let broken: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(pool)
            .await
            .unwrap();
        assert!(broken.is_empty(), "{broken:?}");
        // children still reference the rebuilt table: deleting the arrival cascades
        sqlx::query("DELETE FROM arrivals WHERE id = 5")
            .execute(pool)
            .await
            .unwrap();
        let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM arrival_check_ins")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
}
