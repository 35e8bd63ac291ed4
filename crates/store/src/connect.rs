use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::{Result, StoreError};

/// The open database. Cloning is cheap: both pools are reference counted.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    url: String,
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

impl Store {
    /// Opens the database named by `url` (`sqlite://PATH` or `postgres://…`). An unknown scheme
    /// is an error: a typo must never silently create a fresh, empty database.
    pub async fn connect(url: &str) -> Result<Store> {
        let backend = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(format!("{}: {e}", redact_url(url))))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit the server acknowledged survives a power cut too
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(opts)
                .await?;
            Backend::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::BadUrl(format!("{}: {e}", redact_url(url))))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(opts)
                .await?;
            Backend::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(format!(
                "“{}”：只支持 sqlite:// 或 postgres:// (only sqlite:// and postgres:// are supported)",
                redact_url(url)
            )));
        };
        Ok(Store {
            backend,
            url: url.to_string(),
        })
    }

    /// Opens the database and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Store::connect(url).await?;
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

    pub async fn close(&self) {
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

    #[tokio::test]
    async fn unknown_scheme_is_refused() {
        let err = Store::connect("sqlit://typo.db").await.unwrap_err();
        assert!(matches!(err, StoreError::BadUrl(_)));
        assert!(!std::path::Path::new("typo.db").exists());
    }
}
