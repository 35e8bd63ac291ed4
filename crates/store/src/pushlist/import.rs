//! Importing a push batch: a reader thread parses and validates the file while this task writes
//! the valid rows, a chunk at a time, inside one transaction (how a chunk is written depends
//! on the backend: `rows_sqlite`, `rows_batched`). The channel between them holds a
//! few chunks, so memory stays flat however long the file is; duplicates are found by the
//! database (one open item per person), not by a set that grows with the file.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use wangge_domain::permission::PushImporter;

use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use serde::Serialize;
use tokio::sync::mpsc;
use wangge_domain::pushlist::row::is_blank_row;
use wangge_domain::pushlist::{validate_row, AddressMatcher, ColumnMap, MatchNode, PushRow};

use super::grid::{self, GridPairs};
use super::read::{read_file, FileError, ReadProgress, RowRead};
use super::{counts, PushBatch};
use crate::bulk::Placeholders;
use crate::db::{on_conn, Conn};
use crate::{Actor, AuditEntry, Result, RowError, Scope, Store, StoreError};

/// What the person importing chose for the batch.
#[derive(Debug, Clone)]
pub struct PushImport {
    /// 批次名称, e.g. the file name or the upstream notice number.
    pub name: String,
    /// Hours after import by which each person must be verified.
    pub due_hours: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PushImportSummary {
    pub batch_id: i64,
    /// Data rows read (blank rows are skipped).
    pub rows: u64,
    /// Rows refused, each with one or more lines in the error report.
    pub rejected: u64,
    /// New items to trace.
    pub created: u64,
    /// Rows that merged into an open item (repeated in this file or pushed before).
    pub merged: u64,
    /// New items no grid could be found for (待分配).
    pub unassigned: u64,
}

/// Rows per message from the reader. On PostgreSQL also the most rows one INSERT carries
/// (9 values a row, under its 65,535 parameters); on SQLite the writer splits a chunk into
/// short statements itself, and a bigger chunk spreads the cost of preparing them.
const CHUNK_POSTGRES: usize = 1000;
const CHUNK_SQLITE: usize = 5000;
/// Error-report lines per message (one multi-row INSERT of 4 values a line on either backend).
const ERRORS_PER_MESSAGE: usize = 1000;
/// Chunks in flight between the reader and the writer: bounds memory.
const IN_FLIGHT: usize = 4;

/// A row that passed validation, with the grid its address was matched to.
pub(super) struct ValidRow {
    pub line: u64,
    pub row: PushRow,
    pub node: Option<i64>,
}

/// What every row of one import shares.
pub(super) struct RowCtx {
    pub batch_id: i64,
    pub now: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

/// What the written rows became, summed over the import.
#[derive(Default)]
pub(super) struct Tally {
    pub created: u64,
    pub merged: u64,
    pub unassigned: u64,
    /// New pending items per counter key (node id, 0 = unassigned).
    pub pending_by_node: HashMap<i64, i64>,
    /// The new items' places in the grid lists, not yet written.
    pub grid: GridPairs,
}

impl Tally {
    /// `item` was opened for a row placed in `node`.
    pub fn created(&mut self, node: Option<i64>, item: i64) {
        self.grid.add(node, item);
        self.created += 1;
        if node.is_none() {
            self.unassigned += 1;
        }
        *self
            .pending_by_node
            .entry(counts::node_key(node))
            .or_default() += 1;
    }

    pub fn merged(&mut self) {
        self.merged += 1;
    }
}

/// Writes a chunk of valid rows inside the import's transaction: upserts each person, opens
/// an item for them or merges the row into their open item. One implementation per backend
/// (`rows_sqlite`, `rows_batched`), because what is fast differs.
pub(super) trait WriteRows {
    async fn write_rows(
        &mut self,
        ctx: &RowCtx,
        rows: &[ValidRow],
        tally: &mut Tally,
    ) -> Result<()>;

    /// Writes the grid-list pairs of `batch_id`'s new items (`grid.rs`), in the order given:
    /// grid keys ascending, each grid's items ascending.
    async fn write_grid(&mut self, batch_id: i64, pairs: &[(i64, Vec<i64>)]) -> Result<()>;
}

enum Msg {
    Chunk {
        rows: Vec<ValidRow>,
        errors: Vec<RowError>,
        rejected: u64,
    },
    Done {
        rows: u64,
    },
    Failed(FileError),
}

/// The writing side of one import: what the batch is.
struct ImportJob<'a> {
    actor: &'a Actor,
    name: &'a str,
    due_hours: i64,
    ctx: RowCtx,
}

/// What comes from the reader, and where refused rows are reported as they are found. Apart
/// from [`ImportJob`], which the steps borrow shared: the callback is `Send` but not `Sync`,
/// and the import's future must be `Send`.
struct Incoming<'e> {
    rx: mpsc::Receiver<Msg>,
    on_error: Option<&'e mut (dyn FnMut(&RowError) + Send)>,
}

/// How the import's transaction ends: committed with its summary, or rolled back because the
/// file could not be read to the end (or had no data rows).
enum Written {
    Complete(PushImportSummary),
    Refused(StoreError),
}

impl ImportJob<'_> {
    /// Writes the whole import on the open transaction `conn`: the batch, every chunk the
    /// reader sends, then the grid lists, counters, totals and the audit entry.
    async fn write(
        &mut self,
        conn: impl Into<Conn<'_>>,
        incoming: &mut Incoming<'_>,
    ) -> Result<Written> {
        let mut conn = conn.into();
        let batch_id = self.insert_batch(&mut conn).await?;
        self.ctx.batch_id = batch_id;
        let mut summary = PushImportSummary {
            batch_id,
            ..PushImportSummary::default()
        };
        let mut tally = Tally::default();
        let failed = self
            .receive(&mut conn, incoming, &mut summary, &mut tally)
            .await?;
        summary.created = tally.created;
        summary.merged = tally.merged;
        summary.unassigned = tally.unassigned;
        if let Some(e) = failed {
            return Ok(Written::Refused(StoreError::RowsRejected(vec![RowError {
                row: e.row,
                field: e.field.into(),
                message: e.message,
            }])));
        }
        if summary.rows == 0 {
            return Ok(Written::Refused(StoreError::RowsRejected(vec![RowError {
                row: 2,
                field: "文件".into(),
                message: "文件中没有数据行".into(),
            }])));
        }
        self.finish(&mut conn, &summary, &mut tally).await?;
        Ok(Written::Complete(summary))
    }

    async fn insert_batch(&self, conn: &mut Conn<'_>) -> Result<i64> {
        let (batch_id,): (i64,) = on_conn!(conn, c => {
            sqlx::query_as(
                "INSERT INTO push_batches (name, due_hours, created_by, created_at, due_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(self.name)
            .bind(self.due_hours)
            .bind(&self.actor.username)
            .bind(self.ctx.now)
            .bind(self.ctx.due_at)
            .fetch_one(c)
            .await?
        });
        Ok(batch_id)
    }

    /// Writes each chunk the reader sends until it is done (the rows read go into `summary`)
    /// or fails (the failure is returned).
    async fn receive(
        &self,
        conn: &mut Conn<'_>,
        incoming: &mut Incoming<'_>,
        summary: &mut PushImportSummary,
        tally: &mut Tally,
    ) -> Result<Option<FileError>> {
        while let Some(msg) = incoming.rx.recv().await {
            let (rows, errors, rejected) = match msg {
                Msg::Chunk {
                    rows,
                    errors,
                    rejected,
                } => (rows, errors, rejected),
                Msg::Done { rows } => {
                    summary.rows = rows;
                    return Ok(None);
                }
                Msg::Failed(e) => return Ok(Some(e)),
            };
            summary.rejected += rejected;
            if !errors.is_empty() {
                write_row_errors(conn, self.ctx.batch_id, &errors).await?;
                if let Some(f) = incoming.on_error.as_mut() {
                    for e in &errors {
                        f(e);
                    }
                }
            }
            if !rows.is_empty() {
                conn.write_rows(&self.ctx, &rows, tally).await?;
            }
            if tally.grid.len() >= grid::FLUSH_AT {
                conn.write_grid(self.ctx.batch_id, &tally.grid.take())
                    .await?;
            }
        }
        Ok(None)
    }

    /// After the last chunk: the rest of the grid lists, the 见底清零 counters, the batch's
    /// totals and the audit entry.
    async fn finish(
        &self,
        conn: &mut Conn<'_>,
        summary: &PushImportSummary,
        tally: &mut Tally,
    ) -> Result<()> {
        let batch_id = self.ctx.batch_id;
        conn.write_grid(batch_id, &tally.grid.take()).await?;
        on_conn!(conn, c => {
            for (node, n) in &tally.pending_by_node {
                sqlx::query(counts::BUMP)
                    .bind(batch_id)
                    .bind(*node)
                    .bind("pending")
                    .bind(*n)
                    .execute(&mut *c)
                    .await?;
            }
            sqlx::query_as::<_, PushBatch>(&format!(
                "UPDATE push_batches SET rows_total = $1, rows_rejected = $2, \
                 items_created = $3, rows_merged = $4, unassigned = $5 \
                 WHERE id = $6 RETURNING {}",
                super::BATCH_COLUMNS
            ))
            .bind(summary.rows as i64)
            .bind(summary.rejected as i64)
            .bind(summary.created as i64)
            .bind(summary.merged as i64)
            .bind(summary.unassigned as i64)
            .bind(batch_id)
            .fetch_one(c)
            .await?;
        });
        let entry = AuditEntry::new("import", "push_batch", batch_id).after(summary);
        crate::audit::record(conn, self.actor, &entry).await
    }
}

/// Writes refused rows into the batch's error report (one multi-row statement).
async fn write_row_errors(conn: &mut Conn<'_>, batch_id: i64, errors: &[RowError]) -> Result<()> {
    let sql = format!(
        "INSERT INTO push_row_errors (batch_id, row_no, field, message) VALUES {}",
        Placeholders::of_conn(conn).groups(errors.len(), 4, 1, "")
    );
    on_conn!(conn, c => {
        let mut q = sqlx::query(&sql);
        for e in errors {
            q = q.bind(batch_id).bind(e.row as i64).bind(&e.field).bind(&e.message);
        }
        q.execute(c).await?;
    });
    Ok(())
}

/// Either backend's writer, on whichever connection the import has.
impl WriteRows for Conn<'_> {
    async fn write_rows(
        &mut self,
        ctx: &RowCtx,
        rows: &[ValidRow],
        tally: &mut Tally,
    ) -> Result<()> {
        match self {
            Conn::Sqlite(c) => c.write_rows(ctx, rows, tally).await,
            Conn::Postgres(c) => c.write_rows(ctx, rows, tally).await,
        }
    }

    async fn write_grid(&mut self, batch_id: i64, pairs: &[(i64, Vec<i64>)]) -> Result<()> {
        match self {
            Conn::Sqlite(c) => c.write_grid(batch_id, pairs).await,
            Conn::Postgres(c) => c.write_grid(batch_id, pairs).await,
        }
    }
}

impl Store {
    /// Imports the push list at `path` (CSV in UTF-8 or GB18030, or XLSX). Valid rows commit
    /// together; refused rows go to the batch's error report (and to `on_error` as they are
    /// found). A file that cannot be read at all — no header, missing columns, an encoding
    /// that is not text, no data rows — imports nothing and creates no batch.
    pub async fn import_push_list(
        &self,
        actor: &Actor,
        path: &Path,
        opts: &PushImport,
        progress: Arc<ReadProgress>,
        on_error: Option<&mut (dyn FnMut(&RowError) + Send)>,
    ) -> Result<PushImportSummary> {
        actor.require::<PushImporter>()?;
        let name = wangge_domain::validate::normalize_typed(&opts.name);
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::invalid("name", "批次名称不能为空且不超过100字"));
        }
        if !(1..=720).contains(&opts.due_hours) {
            return Err(StoreError::invalid(
                "due_hours",
                "核查时限应在1到720小时之间",
            ));
        }
        let matcher = Arc::new(self.address_matcher(&actor.scope).await?);
        let today = super::today_in_china();
        let (tx, rx) = mpsc::channel::<Msg>(IN_FLIGHT);
        let path = path.to_path_buf();
        let chunk = match self.backend() {
            crate::Backend::Sqlite(_) => CHUNK_SQLITE,
            crate::Backend::Postgres(_) => CHUNK_POSTGRES,
        };
        let reader = tokio::task::spawn_blocking(move || {
            read_and_validate(&path, progress, &matcher, today, chunk, &tx)
        });

        // stamped to the second: the stamp is written into every person and item of the file
        let now = crate::now().trunc_subsecs(0);
        let mut job = ImportJob {
            actor,
            name: &name,
            due_hours: opts.due_hours,
            ctx: RowCtx {
                batch_id: 0,
                now,
                due_at: now + Duration::hours(opts.due_hours),
            },
        };
        let mut incoming = Incoming { rx, on_error };
        let outcome: Result<PushImportSummary> = on_pool!(self, pool => {
            let mut db = pool.begin().await?;
            match job.write(&mut *db, &mut incoming).await? {
                Written::Complete(summary) => {
                    db.commit().await?;
                    Ok(summary)
                }
                Written::Refused(e) => {
                    db.rollback().await?;
                    Err(e)
                }
            }
        });
        // the reader stops by itself once the channel is gone
        drop(incoming);
        reader
            .await
            .map_err(|e| StoreError::Internal(format!("reader thread: {e}")))?;
        if outcome.is_ok() {
            self.refresh_statistics(PUSH_TABLES).await?;
        }
        outcome
    }
}

/// What a push-list import writes to, for [`Store::refresh_statistics`].
const PUSH_TABLES: &[&str] = &[
    "persons",
    "push_items",
    "push_item_grid",
    "push_merges",
    "push_counts",
    "push_batches",
];

impl Store {
    /// The planner's statistics of `tables`, refreshed after a bulk write. PostgreSQL's
    /// autovacuum would get to it only after a while, and a list planned meanwhile on the
    /// statistics of an empty table took seconds instead of milliseconds; SQLite plans from
    /// the schema and needs nothing.
    pub(crate) async fn refresh_statistics(&self, tables: &[&str]) -> Result<()> {
        if let crate::Backend::Postgres(pool) = self.backend() {
            sqlx::query(&format!("ANALYZE {}", tables.join(", ")))
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// The matcher for addresses inside `scope`: the address table first, then tree names.
    pub(crate) async fn address_matcher(&self, scope: &Scope) -> Result<AddressMatcher> {
        let nodes = self.list_grid_in(scope).await?;
        let tree: Vec<MatchNode> = nodes
            .iter()
            .map(|n| MatchNode {
                id: n.id,
                parent: n.parent_id,
                depth: n.depth() as u8,
                name: n.name.clone(),
            })
            .collect();
        let rules: Vec<(String, i64)> = self
            .list_address_rules_in(scope)
            .await?
            .into_iter()
            .map(|r| (r.keyword, r.node_id))
            .collect();
        Ok(AddressMatcher::new(&rules, &tree))
    }
}

/// Reads and validates a push-list file (CSV in any accepted encoding, or XLSX) on its own,
/// without a database or grid assignment: the number of valid rows and the refused rows with
/// their reasons, or why the file as a whole is refused.
pub fn check_push_file(
    path: &Path,
    today: NaiveDate,
) -> std::result::Result<(u64, Vec<RowError>), FileError> {
    let map: std::cell::OnceCell<ColumnMap> = std::cell::OnceCell::new();
    let mut valid = 0u64;
    let mut errors = Vec::new();
    let mut on_header = |headers: &[String]| -> std::result::Result<(), FileError> {
        let columns =
            ColumnMap::from_headers(headers).map_err(|e| FileError::header(e.to_string()))?;
        let _ = map.set(columns);
        Ok(())
    };
    read_file(path, Arc::default(), &mut on_header, &mut |line, read| {
        let Some(columns) = map.get() else {
            return false;
        };
        match read {
            RowRead::BadEncoding { column } => errors.push(RowError {
                row: line,
                field: column_label(columns, column),
                message: "文字无法识别（编码错误）".into(),
            }),
            RowRead::Cells(cells) if is_blank_row(&cells) => {}
            RowRead::Cells(cells) => match validate_row(&cells, columns, today) {
                Ok(_) => valid += 1,
                Err(field_errors) => errors.extend(field_errors.into_iter().map(|e| RowError {
                    row: line,
                    field: e.column.label_zh().to_string(),
                    message: e.message,
                })),
            },
        }
        true
    })?;
    Ok((valid, errors))
}

/// Runs on a blocking thread: reads, validates and assigns, sending chunks to the writer.
fn read_and_validate(
    path: &Path,
    progress: Arc<ReadProgress>,
    matcher: &AddressMatcher,
    today: NaiveDate,
    chunk: usize,
    tx: &mpsc::Sender<Msg>,
) {
    let map: std::cell::OnceCell<ColumnMap> = std::cell::OnceCell::new();
    let mut unsent = Unsent::with_capacity(chunk);
    let mut total = 0u64;
    let mut closed = false;
    let mut on_header = |headers: &[String]| -> Result<(), FileError> {
        let columns =
            ColumnMap::from_headers(headers).map_err(|e| FileError::header(e.to_string()))?;
        let _ = map.set(columns);
        Ok(())
    };
    let result = read_file(path, progress, &mut on_header, &mut |line, read| {
        let Some(columns) = map.get() else {
            return false;
        };
        if unsent.add(line, read, columns, matcher, today) {
            total += 1;
        }
        let full = unsent.rows.len() >= chunk || unsent.errors.len() >= ERRORS_PER_MESSAGE;
        if full && tx.blocking_send(unsent.take(chunk)).is_err() {
            closed = true;
            return false;
        }
        true
    });
    if closed {
        return;
    }
    let _ = match result {
        Err(e) => tx.blocking_send(Msg::Failed(e)),
        Ok(()) => {
            if !unsent.rows.is_empty() || !unsent.errors.is_empty() {
                let _ = tx.blocking_send(unsent.take(0));
            }
            tx.blocking_send(Msg::Done { rows: total })
        }
    };
}

/// What the reader has validated since its last message to the writer.
struct Unsent {
    rows: Vec<ValidRow>,
    errors: Vec<RowError>,
    rejected: u64,
}

impl Unsent {
    fn with_capacity(chunk: usize) -> Unsent {
        Unsent {
            rows: Vec::with_capacity(chunk),
            errors: Vec::new(),
            rejected: 0,
        }
    }

    /// Validates one row read from the file and places it in its grid, or reports why it is
    /// refused: whether it is a data row (a blank row is skipped).
    fn add(
        &mut self,
        line: u64,
        read: RowRead,
        columns: &ColumnMap,
        matcher: &AddressMatcher,
        today: NaiveDate,
    ) -> bool {
        match read {
            RowRead::BadEncoding { column } => {
                self.rejected += 1;
                self.errors.push(RowError {
                    row: line,
                    field: column_label(columns, column),
                    message: "文字无法识别（编码错误），请检查该单元格或另存为 UTF-8/GBK 的 CSV"
                        .into(),
                });
            }
            RowRead::Cells(cells) => {
                if is_blank_row(&cells) {
                    return false;
                }
                match validate_row(&cells, columns, today) {
                    Ok(row) => {
                        let node = matcher.assign(&row.address);
                        self.rows.push(ValidRow { line, row, node });
                    }
                    Err(field_errors) => {
                        self.rejected += 1;
                        self.errors
                            .extend(field_errors.into_iter().map(|e| RowError {
                                row: line,
                                field: e.column.label_zh().to_string(),
                                message: e.message,
                            }));
                    }
                }
            }
        }
        true
    }

    /// The message carrying what is unsent, leaving room for `chunk` rows.
    fn take(&mut self, chunk: usize) -> Msg {
        Msg::Chunk {
            rows: std::mem::replace(&mut self.rows, Vec::with_capacity(chunk)),
            errors: std::mem::take(&mut self.errors),
            rejected: std::mem::take(&mut self.rejected),
        }
    }
}

fn column_label(map: &ColumnMap, index: usize) -> String {
    wangge_domain::pushlist::Column::ALL
        .into_iter()
        .find(|c| map.position(*c) == Some(index))
        .map_or_else(
            || format!("第{}列", index + 1),
            |c| c.label_zh().to_string(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server runs imports on spawned tasks: the import's future must be `Send`, which
    /// the store's own tests (awaiting it in place) would not notice.
    #[allow(dead_code)]
    fn import_is_send(store: &Store, actor: &Actor, path: &Path, opts: &PushImport) {
        fn send<T: Send>(_: T) {}
        let on_error: &mut (dyn FnMut(&RowError) + Send) = &mut |_| {};
        send(store.import_push_list(actor, path, opts, Default::default(), Some(on_error)));
    }
}
