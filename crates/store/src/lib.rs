//! wangge storage: one schema on SQLite (the embedded default) and PostgreSQL, through sqlx.
//!
//! The backend is chosen from the URL at start-up. Queries are written once with `$N`
//! placeholders (both drivers accept them) and run on whichever pool is open through
//! `on_pool!`, so the two backends cannot drift apart in behaviour.
//!
//! `on_pool!` stays a macro: it is only the two-arm `match` on [`Backend`], with the body
//! written once and compiled once per backend, so every query is type-checked for SQLite and
//! PostgreSQL. A function cannot do that without repeating sqlx's per-database bounds on
//! every query (see `db`). It holds no logic of its own: transactions and multi-step writes
//! are ordinary functions over `db::Conn` (the open transaction of either backend) —
//! `audit::record`, the plan writers in `plans`, the steps of each import — which the
//! `on_pool!` arms call with `&mut *tx`. The one backend-specific path, SQLite's bulk insert of
//! push-list rows, stays in `pushlist::rows_sqlite` (and `bulk`).
//!
//! Scope is enforced here: every query that reads or changes a record in the grid tree takes a
//! [`Scope`] and filters by the caller's subtree, so a handler cannot forget it.

/// Runs the same body against whichever pool is open. The body is compiled once per backend,
/// so every query is type-checked for both SQLite and PostgreSQL.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store.backend() {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}

mod db;
mod plans;

mod arrival_status;
mod arrivals;
mod audit;
mod backup;
mod bulk;
pub mod checkpoints;
mod connect;
mod daily;
mod error;
mod failover;
mod grid;
mod id_number;
pub mod limits;
pub mod mass_testing;
mod people;
mod policies;
pub mod pushlist;
mod quality;
mod risk;
mod risk_import;
mod scope;
mod search;
mod secret;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod users;
mod wal;

pub use arrival_status::{CheckIn, NewCheckIn, FEVER_CELSIUS};
pub use arrivals::{
    Arrival, ArrivalFilter, Channel, NewArrival, NewStay, MAX_DAYS_AHEAD, MAX_DAYS_LATE,
};
pub use audit::{AuditEntry, AuditFilter, AuditRecord};
pub use backup::BackupSummary;
pub use connect::{redact_url, Backend, Create, Store};
pub use daily::DailyEntry;
pub use error::{FieldError, StoreError};
pub use grid::{
    validate_grid_csv, GridImportSummary, GridNode, NewGridNode, RowError, GRID_CSV_COLUMNS,
};
pub use id_number::{ExportIdNumbers, IdNumberOf, StoredIdNumber};
pub use people::{NewResident, Person, Resident, ResidentMove, ResidentRegistration};
pub use plans::RecomputeSummary;
pub use policies::{PolicyInfo, PolicyRegistration};
pub use quality::{PersonRecord, QualityIssue, QualityKind, QUALITY_LIMIT};
pub use risk::{normalize_risk_area, StoredRiskArea};
pub use risk_import::{validate_risk_areas, RiskFormat, RiskImportSummary, RISK_CSV_COLUMNS};
pub use scope::{Actor, Scope};
pub use secret::random_token;
pub use users::{
    ApiToken, LoginOutcome, NewUser, SessionInfo, TokenInfo, User, UserChange, DEFAULT_TOKEN_DAYS,
    LOCKOUT_THRESHOLD, MAX_TOKEN_DAYS,
};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The current time, truncated to microseconds: PostgreSQL keeps no more, and a value must
/// read back exactly as written on both backends.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
