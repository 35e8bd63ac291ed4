//! 大数据推送核查 in storage: importing batches, tracing each person in their grid, the
//! 见底清零 counts, and the address → grid table.

mod counts;
pub mod dashboard;
mod grid;
mod import;
mod items;
mod places;
mod read;
mod report;
mod rows_batched;
mod rows_sqlite;
mod rules;

pub use dashboard::{BatchTotals, Dashboard, DashboardRow, NodeTotals};
pub use import::{check_push_file, PushImport, PushImportSummary};
pub use items::{ItemView, Placement, PushItem, PushItemFilter, PLACE_MANY_MAX};
pub use read::{FileError, FileKind, ReadProgress};
pub use report::{defuse, error_report_csv, ErrorReport};
pub use rules::AddressRule;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// 推送批次: one uploaded file and what became of its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PushBatch {
    pub id: i64,
    pub name: String,
    pub due_hours: i64,
    pub rows_total: i64,
    pub rows_rejected: i64,
    pub items_created: i64,
    pub rows_merged: i64,
    pub unassigned: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// 核查时限: every item of the batch is overdue while still open after this.
    pub due_at: DateTime<Utc>,
}

/// Hours after import by which a pushed person must be verified, unless the batch says otherwise.
pub const DEFAULT_DUE_HOURS: i64 = 24;

/// The calendar day in China (UTC+8, no daylight saving): arrival dates and birth dates are
/// checked against it, not against the server's zone.
pub fn today_in_china() -> chrono::NaiveDate {
    (Utc::now() + chrono::Duration::hours(8)).date_naive()
}

pub(crate) const BATCH_COLUMNS: &str = "id, name, due_hours, rows_total, rows_rejected, \
    items_created, rows_merged, unassigned, created_by, created_at, due_at";
