//! Test support, behind the `testing` feature (the crates whose tests use it enable it from
//! their dev-dependencies; the release binary does not have it):
//!
//! - [`TestDb`]: a fresh, migrated database — a temporary SQLite file, or a uniquely named
//!   PostgreSQL database on the server at `WANGGE_TEST_PG_URL` (default
//!   `postgres://postgres@127.0.0.1:5432/test`) — removed when the `TestDb` is dropped, also
//!   when the test panics; [`TestDb::cleanup`] does the same, after closing the pool.
//! - [`TREE`] and [`seeded`]: the one grid tree of the storage tests, with one account per role
//!   on it; tests that need more data add it themselves.
//! - [`both_backends!`](crate::both_backends): one test body run on SQLite and on PostgreSQL.
//! - [`hostile`]: hostile XLSX files for the import-limit tests and the fuzz corpus.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::Connection;
use wangge_domain::role::Role;

use crate::{Actor, GridNode, NewUser, Result, Store, StoreError, User};

/// The test grid tree: a part of the demo district (`wangge demo`, which the HTTP tests serve)
/// with the same codes and names, so a node means the same in every test. Node by node:
///
/// | code | name | constant | accounts ([`USERS`]) | what tests use it for |
/// |---|---|---|---|---|
/// | 410105 | 金水区 | [`code::DISTRICT`] | admin, gongxinju, jiance | the root: district-wide roles |
/// | 410105001 | 经八路街道 | [`code::JINGBALU`] | jingbalu | a street with the community of two grids |
/// | 410105001001 | 纬五路社区 | [`code::WEIWULU`] | weiwulu | a community with two grids: its subtree is 3 nodes; addresses naming only the community place there |
/// | 410105001001001 | 纬五路社区第一网格 | [`code::GRID_A`] | wangge1 | the usual grid of a record |
/// | 410105001001002 | 纬五路社区第二网格 | [`code::GRID_B`] | wangge2 | the sibling grid: out of grid A's scope, in the same community |
/// | 410105002 | 花园路街道 | [`code::HUAYUANLU`] | kakou | the other street: out of 经八路街道's scope |
/// | 410105002001 | 农科路社区 | [`code::NONGKELU`] | qiye | the other street's community |
/// | 410105002001001 | 农科路社区第一网格 | [`code::GRID_C`] | — | a grid in the other street (e.g. the node tracing a push-list person) |
///
/// The grid names contain their community's name, as in the demo, so an address such as
/// `纬五路社区第一网格3号楼` is placed in grid A by the address matcher and by the arrivals'
/// destination matching. A test can import the tree again (or a changed copy) to check imports.
pub const TREE: &str = "code,name,level,parent_code
410105,金水区,district,
410105001,经八路街道,township,410105
410105001001,纬五路社区,community,410105001
410105001001001,纬五路社区第一网格,grid,410105001001
410105001001002,纬五路社区第二网格,grid,410105001001
410105002,花园路街道,township,410105
410105002001,农科路社区,community,410105002
410105002001001,农科路社区第一网格,grid,410105002001
";

/// The codes of [`TREE`]'s nodes.
pub mod code {
    /// 金水区
    pub const DISTRICT: &str = "410105";
    /// 经八路街道
    pub const JINGBALU: &str = "410105001";
    /// 纬五路社区 (under 经八路街道)
    pub const WEIWULU: &str = "410105001001";
    /// 纬五路社区第一网格
    pub const GRID_A: &str = "410105001001001";
    /// 纬五路社区第二网格
    pub const GRID_B: &str = "410105001001002";
    /// 花园路街道
    pub const HUAYUANLU: &str = "410105002";
    /// 农科路社区 (under 花园路街道)
    pub const NONGKELU: &str = "410105002001";
    /// 农科路社区第一网格
    pub const GRID_C: &str = "410105002001001";
}

/// The password of every account in [`USERS`].
pub const PASSWORD: &str = "wangge-test-2026";

/// The accounts [`seeded`] creates: one per role, plus the community worker and a worker for
/// each grid of 纬五路社区 — (username, display name, role, node code). The usernames and roles
/// are the demo district's; 企业联系人 and 卡口操作员 sit on nodes of this smaller tree.
pub const USERS: [(&str, &str, Role, &str); 9] = [
    (
        "admin",
        "区指挥部管理员",
        Role::DistrictAdmin,
        code::DISTRICT,
    ),
    (
        "jingbalu",
        "经八路街道干部",
        Role::TownshipOfficer,
        code::JINGBALU,
    ),
    (
        "weiwulu",
        "纬五路社区网格员",
        Role::GridWorker,
        code::WEIWULU,
    ),
    (
        "wangge1",
        "纬五路第一网格员",
        Role::GridWorker,
        code::GRID_A,
    ),
    (
        "wangge2",
        "纬五路第二网格员",
        Role::GridWorker,
        code::GRID_B,
    ),
    (
        "gongxinju",
        "区工信局经办人",
        Role::DepartmentHandler,
        code::DISTRICT,
    ),
    (
        "qiye",
        "企业联系人",
        Role::EnterpriseContact,
        code::NONGKELU,
    ),
    (
        "kakou",
        "卡口操作员",
        Role::CheckpointOperator,
        code::HUAYUANLU,
    ),
    (
        "jiance",
        "检测机构操作员",
        Role::LabOperator,
        code::DISTRICT,
    ),
];

/// [`TREE`]'s nodes as stored (ids and paths), by place.
#[derive(Debug, Clone)]
pub struct Nodes {
    pub district: GridNode,
    pub jingbalu: GridNode,
    pub weiwulu: GridNode,
    pub grid_a: GridNode,
    pub grid_b: GridNode,
    pub huayuanlu: GridNode,
    pub nongkelu: GridNode,
    pub grid_c: GridNode,
}

/// The accounts of [`USERS`] as stored; `user.actor()` acts as one of them.
#[derive(Debug, Clone)]
pub struct Users {
    pub admin: User,
    pub jingbalu: User,
    pub weiwulu: User,
    pub wangge1: User,
    pub wangge2: User,
    pub gongxinju: User,
    pub qiye: User,
    pub kakou: User,
    pub jiance: User,
}

impl Users {
    /// Every account, in the order of [`USERS`].
    pub fn all(&self) -> [&User; 9] {
        [
            &self.admin,
            &self.jingbalu,
            &self.weiwulu,
            &self.wangge1,
            &self.wangge2,
            &self.gongxinju,
            &self.qiye,
            &self.kakou,
            &self.jiance,
        ]
    }
}

/// A fresh database holding [`TREE`] and the accounts of [`USERS`], with handles on both. It
/// derefs to its [`TestDb`] (`db.store`, …), and is removed on drop like one.
pub struct Seeded {
    pub db: TestDb,
    pub nodes: Nodes,
    pub users: Users,
}

impl std::ops::Deref for Seeded {
    type Target = TestDb;
    fn deref(&self) -> &TestDb {
        &self.db
    }
}

impl Seeded {
    /// [`TestDb::cleanup`].
    pub async fn cleanup(self) -> Result<()> {
        self.db.cleanup().await
    }
}

/// A fresh database of `kind` seeded with [`TREE`] and [`USERS`] (see [`TestDb::seed`]).
/// Panics when that fails: it is test set-up.
pub async fn seeded(kind: Kind) -> Seeded {
    let db = TestDb::new(kind).await.expect("test database");
    let (nodes, users) = db.seed().await.expect("test tree and accounts");
    Seeded { db, nodes, users }
}

/// The argon2 hash of [`PASSWORD`], made once per process: hashing it for every account of
/// every test would cost a third of a second of CPU per test.
fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| crate::secret::hash_password(PASSWORD).expect("argon2"))
        .clone()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A fresh, migrated database, removed when dropped (see the module documentation).
pub struct TestDb {
    pub store: Store,
    pub url: String,
    kind: Kind,
    removal: Removal,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub fn pg_admin_url() -> String {
    std::env::var("WANGGE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// `wangge_test_<unix seconds>_<process id>_<counter>`: unique on this machine, and old
/// leftovers can be recognised by name (see [`sweep_stale_pg`]).
fn unique_name() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!(
        "wangge_test_{secs}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A PostgreSQL test database is presumed abandoned once it is this old (by its name).
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// Drops PostgreSQL test databases that earlier runs left behind — a test process that was
/// killed (SIGKILL, Ctrl-C) never runs its `Drop`. Runs once per test process, before its first
/// PostgreSQL database. A database is dropped only when all of these hold, so a run in progress
/// (this machine's, or another user's of the same server) is never touched:
///
/// - its name has this module's form, `wangge_test_<secs>_<pid>_<n>`, with a time more than
///   [`STALE_AFTER`] (an hour) ago — names of other forms (older versions of this module, other
///   branches) are left alone;
/// - the process `<pid>` is not running on this machine (when `/proc` tells);
/// - nobody is connected to it: the `DROP DATABASE` is without `FORCE`, so the server refuses
///   it while any session is open, and that refusal is ignored.
async fn sweep_stale_pg(admin: &str) -> Result<()> {
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'wangge\\_test\\_%'",
    )
    .fetch_all(&mut conn)
    .await?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for name in names {
        if is_stale(&name, now) {
            // refused while anyone is connected: then it is not stale
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut conn)
                .await;
        }
    }
    conn.close().await?;
    Ok(())
}

/// Whether `name` is a test database of this module's form, made more than [`STALE_AFTER`]
/// before `now` (unix seconds) by a process that is no longer running here.
fn is_stale(name: &str, now: u64) -> bool {
    let Some(rest) = name.strip_prefix("wangge_test_") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('_').collect();
    let [secs, pid, n] = parts[..] else {
        return false;
    };
    let (Ok(secs), Ok(pid), Ok(_)) = (secs.parse::<u64>(), pid.parse::<u32>(), n.parse::<u32>())
    else {
        return false;
    };
    // a date since 2020: process ids and nanosecond counts of older names are far smaller
    let plausible = secs >= 1_577_836_800;
    let old = now.saturating_sub(secs) > STALE_AFTER.as_secs();
    // without /proc (not Linux) only the age and the open sessions decide
    let running = std::path::Path::new("/proc/self").exists()
        && std::path::Path::new(&format!("/proc/{pid}")).exists();
    plausible && old && !running
}

/// Runs `fut` to completion on a runtime of its own in a thread of its own, so that it can be
/// waited for from synchronous code — `Drop`, a `Once` — whether or not a runtime is running on
/// the calling thread (blocking on the caller's runtime would deadlock or panic).
fn block_on_aside<F>(fut: F) -> Result<()>
where
    F: Future<Output = Result<()>> + Send,
{
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| StoreError::Internal(format!("runtime: {e}")))?
                .block_on(fut)
        })
        .join()
        .unwrap_or_else(|_| Err(StoreError::Internal("removal thread panicked".into())))
    })
}

/// What removes a test database: dropping it removes it unless [`Removal::remove`] already did.
struct Removal {
    kind: Kind,
    /// the PostgreSQL database, or the SQLite file
    name: String,
    done: bool,
}

impl Removal {
    async fn remove(&mut self) -> Result<()> {
        self.done = true;
        match self.kind {
            Kind::Sqlite => {
                remove_sqlite_files(&self.name);
                Ok(())
            }
            Kind::Postgres => drop_pg(&pg_admin_url(), &self.name).await,
        }
    }
}

impl Drop for Removal {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let result = match self.kind {
            Kind::Sqlite => {
                remove_sqlite_files(&self.name);
                Ok(())
            }
            Kind::Postgres => {
                let admin = pg_admin_url();
                block_on_aside(drop_pg(&admin, &self.name))
            }
        };
        // never panic here: this runs while a failed test unwinds
        if let Err(e) = result {
            eprintln!("test database {} not removed: {e}", self.name);
        }
    }
}

fn remove_sqlite_files(path: &str) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
}

/// Drops the database even while the test's pool (or a server it started) is still connected.
async fn drop_pg(admin: &str, name: &str) -> Result<()> {
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

impl TestDb {
    /// A new, migrated, empty database of the given kind.
    pub async fn new(kind: Kind) -> Result<TestDb> {
        Self::made_by(kind, |_| Ok(())).await
    }

    /// A new database whose content `fill` puts in place before it is opened: `fill` gets the
    /// URL of an empty PostgreSQL database, or of a SQLite file that does not exist yet (a
    /// restore test copies a backup there or runs pg_restore). It is then migrated and opened.
    pub async fn made_by(kind: Kind, fill: impl FnOnce(&str) -> Result<()>) -> Result<TestDb> {
        let name = unique_name();
        let (url, removal) = match kind {
            Kind::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                let path = path.display().to_string();
                let removal = Removal {
                    kind,
                    name: path.clone(),
                    done: false,
                };
                (format!("sqlite://{path}"), removal)
            }
            Kind::Postgres => {
                let admin = pg_admin_url();
                static SWEPT: std::sync::Once = std::sync::Once::new();
                SWEPT.call_once(|| {
                    if let Err(e) = block_on_aside(sweep_stale_pg(&admin)) {
                        eprintln!("stale test databases not swept: {e}");
                    }
                });
                let mut conn = sqlx::PgConnection::connect(&admin).await?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                let removal = Removal {
                    kind,
                    name: name.clone(),
                    done: false,
                };
                (format!("{base}/{name}"), removal)
            }
        };
        // from here on a failure removes what was created (the removal is dropped)
        fill(&url)?;
        let store = Store::open(&url).await?;
        Ok(TestDb {
            store,
            url,
            kind,
            removal,
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

    /// Imports [`TREE`] and creates the accounts of [`USERS`] (password [`PASSWORD`]) through
    /// the store's own import and account creation, audited as by `test`.
    pub async fn seed(&self) -> Result<(Nodes, Users)> {
        let system = Actor::system("test");
        self.store.import_grid_csv(&system, TREE.as_bytes()).await?;
        let stored = self.store.list_grid(&system).await?;
        let node = |code: &str| {
            stored
                .iter()
                .find(|n| n.code == code)
                .cloned()
                .ok_or_else(|| StoreError::Internal(format!("test tree lacks {code}")))
        };
        let nodes = Nodes {
            district: node(code::DISTRICT)?,
            jingbalu: node(code::JINGBALU)?,
            weiwulu: node(code::WEIWULU)?,
            grid_a: node(code::GRID_A)?,
            grid_b: node(code::GRID_B)?,
            huayuanlu: node(code::HUAYUANLU)?,
            nongkelu: node(code::NONGKELU)?,
            grid_c: node(code::GRID_C)?,
        };
        let hash = password_hash();
        let mut created = Vec::with_capacity(USERS.len());
        for (username, display_name, role, node_code) in USERS {
            let new = NewUser {
                username: username.into(),
                display_name: display_name.into(),
                role,
                node_code: node_code.into(),
                password: PASSWORD.into(),
            };
            created.push(
                self.store
                    .create_user_hashed(&system, &new, Some(hash.clone()))
                    .await?,
            );
        }
        let [admin, jingbalu, weiwulu, wangge1, wangge2, gongxinju, qiye, kakou, jiance]: [User;
            9] = created
            .try_into()
            .map_err(|_| StoreError::Internal("account count".into()))?;
        let users = Users {
            admin,
            jingbalu,
            weiwulu,
            wangge1,
            wangge2,
            gongxinju,
            qiye,
            kakou,
            jiance,
        };
        Ok((nodes, users))
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

    /// Closes the pool, then removes the database now, reporting a failure (dropping the
    /// `TestDb` removes it too, and only prints one).
    pub async fn cleanup(self) -> Result<()> {
        let TestDb {
            store, mut removal, ..
        } = self;
        store.close().await;
        removal.remove().await
    }
}

/// A test that panics leaves no database behind: the `TestDb` is dropped while the panic
/// unwinds, on a runtime's worker thread, as in a failing `#[tokio::test]`.
#[cfg(test)]
mod removal {
    use super::*;

    async fn gone(kind: Kind, url: &str) -> bool {
        match kind {
            Kind::Sqlite => {
                let path = url.trim_start_matches("sqlite://");
                ["", "-wal", "-shm"]
                    .iter()
                    .all(|s| !std::path::Path::new(&format!("{path}{s}")).exists())
            }
            Kind::Postgres => {
                let name = url.rsplit('/').next().unwrap_or_default();
                let mut conn = sqlx::PgConnection::connect(&pg_admin_url()).await.unwrap();
                let n: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
                        .bind(name)
                        .fetch_one(&mut conn)
                        .await
                        .unwrap();
                n == 0
            }
        }
    }

    async fn a_panicking_test_leaves_no_database(kind: Kind) {
        let (tx, rx) = std::sync::mpsc::channel();
        let failing = tokio::spawn(async move {
            let db = seeded(kind).await;
            tx.send(db.url.clone()).unwrap();
            panic!("deliberately, with its database open");
        });
        assert!(failing.await.unwrap_err().is_panic());
        let url = rx.recv().unwrap();
        assert!(gone(kind, &url).await, "{url} left behind");

        // explicit clean-up still works, and the drop after it does nothing more
        let db = TestDb::new(kind).await.unwrap();
        let url = db.url.clone();
        db.cleanup().await.unwrap();
        assert!(gone(kind, &url).await, "{url} left behind");
    }
    crate::both_backends!(panicking_test, a_panicking_test_leaves_no_database);
}

#[cfg(test)]
mod names {
    use super::*;

    #[test]
    fn only_old_names_of_finished_processes_are_stale() {
        let now = 1_800_000_000;
        let dead_pid = u32::MAX; // above any pid_max
        let old = now - 2 * 3600;
        assert!(is_stale(&format!("wangge_test_{old}_{dead_pid}_3"), now));
        // too recent
        assert!(!is_stale(
            &format!("wangge_test_{}_{dead_pid}_3", now - 60),
            now
        ));
        // the process is still running here
        let me = std::process::id();
        if std::path::Path::new("/proc/self").exists() {
            assert!(!is_stale(&format!("wangge_test_{old}_{me}_0"), now));
        }
        // names of another form: the previous one (pid, counter, nanoseconds), or anything else
        assert!(!is_stale("wangge_test_4242_0_123456789", now));
        assert!(!is_stale(&format!("wangge_test_{old}_{dead_pid}"), now));
        assert!(!is_stale(&format!("wangge_test_{old}_{dead_pid}_3_x"), now));
        assert!(!is_stale("wangge_production", now));
        // a name made now is of the form, and not stale
        let name = unique_name();
        let real_now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(!is_stale(&name, real_now));
        assert!(is_stale(
            &name.replace(&format!("_{me}_"), &format!("_{dead_pid}_")),
            real_now + 7200
        ));
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

/// Hostile XLSX files for the import-limit tests and the fuzz corpus (issue 12): each is a
/// small archive that once made the importer allocate gigabytes. Written by hand with `zip`
/// so the XML is exactly what a hostile writer would put there.
pub mod hostile {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
    const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
    const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:G2"/><sheetData>"#;
    const SHEET_TAIL: &str = "</sheetData></worksheet>";

    /// The push-list header row as inline strings.
    fn header_row() -> String {
        let mut row = String::from(r#"<row r="1">"#);
        for (col, name) in [
            "姓名",
            "身份证号",
            "手机号",
            "来源地",
            "抵达时间",
            "现住址",
            "备注",
        ]
        .iter()
        .enumerate()
        {
            let letter = char::from(b'A' + col as u8);
            row.push_str(&format!(
                r#"<c r="{letter}1" t="inlineStr"><is><t>{name}</t></is></c>"#
            ));
        }
        row.push_str("</row>");
        row
    }

    /// A part's content: literal text, or a byte repeated (written in chunks, never held whole).
    enum Piece<'a> {
        Text(&'a str),
        Repeat(u8, u64),
    }

    fn workbook(sheet: &[Piece<'_>], shared: &[Piece<'_>]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            let fast = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .compression_level(Some(9));
            let mut part = |name: &str, pieces: &[Piece<'_>]| {
                zip.start_file(name, fast).expect("zip entry");
                let chunk = vec![0u8; 1 << 20];
                for piece in pieces {
                    match piece {
                        Piece::Text(t) => zip.write_all(t.as_bytes()).expect("zip write"),
                        Piece::Repeat(b, n) => {
                            let chunk: Vec<u8> = chunk.iter().map(|_| *b).collect();
                            let mut left = *n;
                            while left > 0 {
                                let k = left.min(chunk.len() as u64) as usize;
                                zip.write_all(&chunk[..k]).expect("zip write");
                                left -= k as u64;
                            }
                        }
                    }
                }
            };
            part("[Content_Types].xml", &[Piece::Text(CONTENT_TYPES)]);
            part("_rels/.rels", &[Piece::Text(RELS)]);
            part("xl/workbook.xml", &[Piece::Text(WORKBOOK)]);
            part("xl/_rels/workbook.xml.rels", &[Piece::Text(WORKBOOK_RELS)]);
            part("xl/sharedStrings.xml", shared);
            part("xl/worksheets/sheet1.xml", sheet);
            zip.finish().expect("zip finish");
        }
        out.into_inner()
    }

    const EMPTY_SST: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>"#;

    /// A well-formed push list of one person (for checking the builders themselves).
    pub fn ordinary(id_number: &str) -> Vec<u8> {
        let row = format!(
            r#"<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c><c r="B2" t="inlineStr"><is><t>{id_number}</t></is></c><c r="D2" t="inlineStr"><is><t>上海市</t></is></c><c r="E2" t="inlineStr"><is><t>2021-12-20</t></is></c><c r="F2" t="inlineStr"><is><t>纬五路社区第一网格3号楼</t></is></c></row>"#
        );
        let header = header_row();
        workbook(
            &[
                Piece::Text(SHEET_HEAD),
                Piece::Text(&header),
                Piece::Text(&row),
                Piece::Text(SHEET_TAIL),
            ],
            &[Piece::Text(EMPTY_SST)],
        )
    }

    /// One cell at column FXSHRXW (1.8 billion columns to the right): ~1.7 KB that once made
    /// the importer size a row of 51 GB.
    pub fn wide_column() -> Vec<u8> {
        let header = header_row();
        workbook(
            &[
                Piece::Text(SHEET_HEAD),
                Piece::Text(&header),
                Piece::Text(
                    r#"<row r="2"><c r="FXSHRXW2" t="inlineStr"><is><t>x</t></is></c></row>"#,
                ),
                Piece::Text(SHEET_TAIL),
            ],
            &[Piece::Text(EMPTY_SST)],
        )
    }

    /// The declared sheet dimension reaches column FXSHRXW.
    pub fn wide_dimension() -> Vec<u8> {
        let header = header_row();
        let head = SHEET_HEAD.replace("A1:G2", "A1:FXSHRXW2");
        workbook(
            &[
                Piece::Text(&head),
                Piece::Text(&header),
                Piece::Text(SHEET_TAIL),
            ],
            &[Piece::Text(EMPTY_SST)],
        )
    }

    /// One shared string of `len` bytes ('A'), referenced from the second row: with 1 GiB it
    /// is a ~1 MB file that once took 3.1 GB of memory and was accepted.
    pub fn huge_shared_string(len: u64) -> Vec<u8> {
        let header = header_row();
        workbook(
            &[
                Piece::Text(SHEET_HEAD),
                Piece::Text(&header),
                Piece::Text(r#"<row r="2"><c r="A2" t="s"><v>0</v></c></row>"#),
                Piece::Text(SHEET_TAIL),
            ],
            &[
                Piece::Text(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#,
                ),
                Piece::Repeat(b'A', len),
                Piece::Text("</t></si></sst>"),
            ],
        )
    }

    /// A zip bomb: a sheet whose one cell holds `len` zeros (hundreds of MB compress to a few
    /// hundred KB).
    pub fn zip_bomb(len: u64) -> Vec<u8> {
        let header = header_row();
        workbook(
            &[
                Piece::Text(SHEET_HEAD),
                Piece::Text(&header),
                Piece::Text(r#"<row r="2"><c r="A2"><v>"#),
                Piece::Repeat(b'0', len),
                Piece::Text("</v></c></row>"),
                Piece::Text(SHEET_TAIL),
            ],
            &[Piece::Text(EMPTY_SST)],
        )
    }

    /// [`zip_bomb`] whose sheet declares `declared` bytes instead of its true size (in both
    /// the local and the central header).
    pub fn zip_bomb_declaring(len: u64, declared: u32) -> Vec<u8> {
        let mut bytes = zip_bomb(len);
        let name = b"xl/worksheets/sheet1.xml";
        let mut i = 0;
        while i + 46 + name.len() <= bytes.len() {
            if bytes[i..].starts_with(b"PK\x03\x04") && bytes[i + 30..].starts_with(name) {
                bytes[i + 22..i + 26].copy_from_slice(&declared.to_le_bytes());
            }
            if bytes[i..].starts_with(b"PK\x01\x02") && bytes[i + 46..].starts_with(name) {
                bytes[i + 24..i + 28].copy_from_slice(&declared.to_le_bytes());
            }
            i += 1;
        }
        bytes
    }
}

/// Writes the hostile files into the fuzz corpus (`fuzz/corpus/…`):
/// `cargo test -p wangge-store --lib write_hostile_corpus -- --ignored`.
#[cfg(test)]
mod corpus {
    use super::hostile;

    #[test]
    #[ignore = "writes files into fuzz/corpus"]
    fn write_hostile_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
        let header = "姓名,身份证号,手机号,来源地,抵达时间,现住址,备注\n";
        let risk = "code,street,name,level,valid_from,valid_until\n";
        let files: Vec<(&str, &str, Vec<u8>)> = vec![
            (
                "pushlist_xlsx",
                "hostile-wide-column.xlsx",
                hostile::wide_column(),
            ),
            (
                "pushlist_xlsx",
                "hostile-wide-dimension.xlsx",
                hostile::wide_dimension(),
            ),
            (
                "pushlist_xlsx",
                "hostile-shared-string-1gib.xlsx",
                hostile::huge_shared_string(1 << 30),
            ),
            (
                "pushlist_xlsx",
                "hostile-zip-bomb-300mib.xlsx",
                hostile::zip_bomb(300 << 20),
            ),
            (
                "pushlist_xlsx",
                "hostile-zip-bomb-lying-size.xlsx",
                hostile::zip_bomb_declaring(1 << 20, 10_000),
            ),
            (
                "pushlist_csv",
                "hostile-long-cell.csv",
                format!("{header}张三,{}\n", "x".repeat(5000)).into_bytes(),
            ),
            (
                "pushlist_csv",
                "hostile-65-columns.csv",
                format!("{header}{}\n", vec!["1"; 65].join(",")).into_bytes(),
            ),
            (
                "pushlist_csv",
                "hostile-open-quote.csv",
                format!("{header}\"{}", "x".repeat(70_000)).into_bytes(),
            ),
            (
                "risk_areas_csv",
                "hostile-65-columns.csv",
                format!("{risk}{}\n", vec!["1"; 65].join(",")).into_bytes(),
            ),
            (
                "risk_areas_json",
                "hostile-long-value.json",
                format!(r#"[{{"code":"320105","name":"{}"}}]"#, "x".repeat(5000)).into_bytes(),
            ),
            (
                "risk_areas_json",
                "hostile-nested.json",
                format!(r#"[{{"code":{}1{}}}]"#, "[".repeat(100), "]".repeat(100)).into_bytes(),
            ),
            (
                "grid_csv",
                "hostile-long-cell.csv",
                format!(
                    "code,name,level,parent_code\n410105,{},district,\n",
                    "x".repeat(5000)
                )
                .into_bytes(),
            ),
        ];
        for (target, name, bytes) in files {
            let dir = root.join(target);
            std::fs::create_dir_all(&dir).expect("corpus dir");
            std::fs::write(dir.join(name), bytes).expect("corpus file");
        }
    }
}
