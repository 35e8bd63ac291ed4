//! Writing a chunk of valid push-list rows on SQLite, straight on the connection's SQLite
//! handle (borrowed from sqlx for the chunk, inside the import's transaction) with prepared
//! multi-row statements. Through sqlx every bound value is an allocation and a hand-off to the
//! driver's worker thread, which made the import several times slower than the table writes;
//! single-row statements pay SQLite's per-statement set-up (cursors on five B-trees) per row.
//!
//! No statement journal: SQLite copies every page a multi-row statement touches so the
//! statement alone can be undone when a constraint aborts it half way. `OR FAIL` stops at the
//! failing row instead (the import's transaction is rolled back on any error anyway), and the
//! references of push_items are checked at commit (migration 5), so nothing aborts half way.
//! Values shared by every row of the file (batch, time stamp) are written into the statement
//! rather than bound: SQLite copies each bound text into memory of its own.
//!
//! No RETURNING: SQLite builds a temporary table for it per statement. Which rows an
//! `ON CONFLICT DO NOTHING` insert took is known from the change count (all of them, the usual
//! case) and otherwise asked. The outcome is the same as the batched path's (`rows_batched`);
//! the storage tests run both.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Timelike, Utc};
use rusqlite::types::ToSql;
use rusqlite::{params, Connection, OptionalExtension};
use sqlx::SqliteConnection;

use super::import::{RowCtx, Tally, ValidRow, WriteRows};
use crate::bulk::Placeholders;
use crate::people::sex_str;
use crate::Result;

/// Rows per statement: past a few dozen the gain flattens and statements get long to prepare.
const ROWS_PER_STATEMENT: usize = 50;

impl WriteRows for SqliteConnection {
    async fn write_rows(
        &mut self,
        ctx: &RowCtx,
        rows: &[ValidRow],
        tally: &mut Tally,
    ) -> Result<()> {
        let mut handle = self.lock_handle().await?;
        let raw = handle.as_raw_handle();
        // SAFETY: the handle stays locked away from sqlx's worker for as long as `conn`
        // lives (both end with this function), and `from_handle` never closes it.
        let conn = unsafe { Connection::from_handle(raw.as_ptr()) }?;
        blocking(|| Writer::new(&conn, ctx).write(rows, tally))
    }

    async fn write_grid(&mut self, batch_id: i64, pairs: &[(i64, Vec<i64>)]) -> Result<()> {
        let mut handle = self.lock_handle().await?;
        let raw = handle.as_raw_handle();
        // SAFETY: as in write_rows
        let conn = unsafe { Connection::from_handle(raw.as_ptr()) }?;
        blocking(|| write_grid(&conn, batch_id, pairs))
    }
}

/// Pairs per statement of the grid write: three integers a pair, bound without copies.
const PAIRS_PER_STATEMENT: usize = 200;

/// Appends `batch`'s pairs, grid by grid in the order given (see `grid.rs`).
fn write_grid(conn: &Connection, batch: i64, pairs: &[(i64, Vec<i64>)]) -> Result<()> {
    let statement = |n: usize| {
        conn.prepare_cached(&format!(
            "INSERT INTO push_item_grid (batch_id, node_key, item_id) VALUES {}",
            Placeholders::Anonymous.groups(n, 3, 1, "")
        ))
    };
    let mut args: Vec<i64> = Vec::with_capacity(PAIRS_PER_STATEMENT * 3);
    for (node, items) in pairs {
        for part in items.chunks(PAIRS_PER_STATEMENT) {
            args.clear();
            for item in part {
                args.extend([batch, *node, *item]);
            }
            statement(part.len())?.execute(rusqlite::params_from_iter(&args))?;
        }
    }
    Ok(())
}

/// Runs `f` where blocking is allowed: the server's multi-threaded runtime hands this worker's
/// other tasks to another thread meanwhile; a single-threaded runtime (tests) just runs it.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

struct Writer<'c> {
    conn: &'c Connection,
    ctx: &'c RowCtx,
    /// `ctx.now` as sqlx writes it, as an SQL literal.
    now: String,
}

/// The columns a new person gets (identity only), formatted as sqlx writes them.
struct PersonValues<'r> {
    id_number: &'r str,
    birth_date: String,
    sex: &'static str,
}

impl<'c> Writer<'c> {
    fn new(conn: &'c Connection, ctx: &'c RowCtx) -> Self {
        Writer {
            conn,
            ctx,
            now: text_literal(&timestamp(ctx.now)),
        }
    }

    fn write(&self, rows: &[ValidRow], tally: &mut Tally) -> Result<()> {
        for part in rows.chunks(ROWS_PER_STATEMENT) {
            let persons = self.persons(part)?;
            self.items(part, &persons, tally)?;
        }
        Ok(())
    }

    /// Inserts the people not yet known and returns the person id of every row, in order.
    /// A person already on record keeps their record, which holds only the ID number's facts.
    fn persons(&self, rows: &[ValidRow]) -> Result<Vec<i64>> {
        let values: Vec<PersonValues> = rows
            .iter()
            .map(|r| PersonValues {
                id_number: r.row.id_number.as_str(),
                birth_date: local_date(r.row.id_number.birth_date()),
                sex: sex_str(r.row.id_number.sex()),
            })
            .collect();
        let mut args: Vec<&dyn ToSql> = Vec::with_capacity(rows.len() * 3);
        for v in &values {
            args.extend([&v.id_number as &dyn ToSql, &v.birth_date, &v.sex]);
        }
        let added = self
            .multi_row(
                "INSERT OR FAIL INTO persons (id_number, birth_date, sex, created_at, \
                 updated_at) VALUES ",
                3,
                &format!(", {0}, {0}", self.now),
                " ON CONFLICT (id_number) DO NOTHING",
                rows.len(),
            )?
            .execute(args.as_slice())?;
        if added == rows.len() {
            // every row was new, and SQLite gives new rows the ids after the largest one, in
            // order; the first and last rows confirm it rather than trusting it
            let last = self.conn.last_insert_rowid();
            let first = last - rows.len() as i64 + 1;
            if self.id_number_of(first)?.as_deref() == Some(values[0].id_number)
                && self.id_number_of(last)?.as_deref() == Some(values[rows.len() - 1].id_number)
            {
                return Ok((first..=last).collect());
            }
        }
        // someone was known already, or repeated in this very statement: the rows this
        // statement added are read back by rowid range, the rest looked up one by one
        let mut ids: HashMap<String, i64> = HashMap::with_capacity(rows.len());
        if added > 0 {
            let last = self.conn.last_insert_rowid();
            let mut range = self
                .conn
                .prepare_cached("SELECT id_number, id FROM persons WHERE id BETWEEN ? AND ?")?;
            ids.extend(
                range
                    .query_map([last - added as i64 + 1, last], |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            );
        }
        let mut lookup = self
            .conn
            .prepare_cached("SELECT id FROM persons WHERE id_number = ?")?;
        let mut out = Vec::with_capacity(rows.len());
        for v in &values {
            let id = match ids.get(v.id_number) {
                Some(&id) => id,
                None => {
                    let found: i64 = lookup.query_row([v.id_number], |row| row.get(0))?;
                    ids.insert(v.id_number.to_string(), found);
                    found
                }
            };
            out.push(id);
        }
        Ok(out)
    }

    fn id_number_of(&self, person: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id_number FROM persons WHERE id = ?")?
            .query_row([person], |row| row.get(0))
            .optional()?)
    }

    /// Opens an item for each row whose person has none open; merges the others into the
    /// open item (an earlier batch's, or an earlier row's of this file).
    fn items(&self, rows: &[ValidRow], persons: &[i64], tally: &mut Tally) -> Result<()> {
        let lines: Vec<i64> = rows.iter().map(|r| r.line as i64).collect();
        let phones: Vec<Option<&str>> = rows
            .iter()
            .map(|r| r.row.phone.as_ref().map(|m| m.as_str()))
            .collect();
        let added = self.insert_items(rows, persons, &lines, &phones)?;
        if added == rows.len() && self.took_ids_in_order(&lines)? {
            let last = self.conn.last_insert_rowid();
            let first = last - rows.len() as i64 + 1;
            for (item, r) in (first..=last).zip(rows) {
                tally.created(r.node, item);
            }
            return Ok(());
        }
        let opened = self.opened_items(added)?;
        self.merge_items(rows, persons, (&lines, &phones), &opened, tally)
    }

    /// Opens an item for each row whose person has none open: how many it opened.
    fn insert_items(
        &self,
        rows: &[ValidRow],
        persons: &[i64],
        lines: &[i64],
        phones: &[Option<&str>],
    ) -> Result<usize> {
        let arrived: Vec<Option<String>> = rows
            .iter()
            .map(|r| r.row.arrived_at.map(local_time))
            .collect();
        let mut args: Vec<&dyn ToSql> = Vec::with_capacity(rows.len() * 9);
        for (i, r) in rows.iter().enumerate() {
            args.extend([
                &persons[i] as &dyn ToSql,
                &r.node,
                &lines[i],
                &r.row.origin,
                &arrived[i],
                &r.row.address,
                &r.row.note,
                &r.row.name,
                &phones[i],
            ]);
        }
        Ok(self
            .multi_row(
                "INSERT OR FAIL INTO push_items (person_id, node_id, row_no, origin, \
                 arrived_at, address, note, name, phone, batch_id, updated_at, state) VALUES ",
                9,
                &format!(", {}, {}, 'pending'", self.ctx.batch_id, self.now),
                " ON CONFLICT (person_id) WHERE state IN ('pending', 'reached') DO NOTHING",
                rows.len(),
            )?
            .execute(args.as_slice())?)
    }

    /// Whether the items just opened for every row (of file rows `lines`) got the ids after
    /// the largest one, in order: the first and last rows confirm it, as for persons.
    fn took_ids_in_order(&self, lines: &[i64]) -> Result<bool> {
        let batch = self.ctx.batch_id;
        let last = self.conn.last_insert_rowid();
        let first = last - lines.len() as i64 + 1;
        Ok(self.row_of_item(first)? == Some((batch, lines[0]))
            && self.row_of_item(last)? == Some((batch, lines[lines.len() - 1])))
    }

    /// The `added` items the last statement opened, read back by rowid range: (item, file row)
    /// by person.
    fn opened_items(&self, added: usize) -> Result<HashMap<i64, (i64, i64)>> {
        let mut opened: HashMap<i64, (i64, i64)> = HashMap::with_capacity(added);
        if added > 0 {
            let last = self.conn.last_insert_rowid();
            let mut range = self.conn.prepare_cached(
                "SELECT person_id, id, row_no FROM push_items \
                 WHERE id BETWEEN ? AND ? AND batch_id = ?",
            )?;
            opened.extend(
                range
                    .query_map([last - added as i64 + 1, last, self.ctx.batch_id], |row| {
                        Ok((row.get(0)?, (row.get(1)?, row.get(2)?)))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?,
            );
        }
        Ok(opened)
    }

    /// Tallies the rows that opened an item (`opened`, or found open for this very row), and
    /// merges every other row into its person's open item, opened by an earlier row or batch.
    fn merge_items(
        &self,
        rows: &[ValidRow],
        persons: &[i64],
        (lines, phones): (&[i64], &[Option<&str>]),
        opened: &HashMap<i64, (i64, i64)>,
        tally: &mut Tally,
    ) -> Result<()> {
        let batch = self.ctx.batch_id;
        let mut open_item = self.conn.prepare_cached(
            "SELECT id, batch_id = ? AND row_no = ? FROM push_items \
             WHERE person_id = ? AND state IN ('pending', 'reached')",
        )?;
        let mut merge = self.conn.prepare_cached(
            "INSERT INTO push_merges (batch_id, item_id, row_no) VALUES (?, ?, ?)",
        )?;
        // a merged row may carry the phone the item lacked: merged, not lost
        let mut fill_phone = self
            .conn
            .prepare_cached("UPDATE push_items SET phone = ? WHERE id = ? AND phone IS NULL")?;
        for (i, r) in rows.iter().enumerate() {
            let item = match opened.get(&persons[i]) {
                Some(&(item, row_no)) if row_no == lines[i] => {
                    tally.created(r.node, item);
                    continue;
                }
                Some(&(item, _)) => item,
                None => {
                    let (item, is_this_row): (i64, bool) = open_item
                        .query_row([batch, lines[i], persons[i]], |row| {
                            Ok((row.get(0)?, row.get(1)?))
                        })?;
                    if is_this_row {
                        tally.created(r.node, item);
                        continue;
                    }
                    item
                }
            };
            merge.execute(params![batch, item, lines[i]])?;
            if let Some(phone) = phones[i] {
                fill_phone.execute(params![phone, item])?;
            }
            tally.merged();
        }
        Ok(())
    }

    /// The (batch, file row) item `id` was opened for.
    fn row_of_item(&self, id: i64) -> Result<Option<(i64, i64)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT batch_id, row_no FROM push_items WHERE id = ?")?
            .query_row([id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?)
    }

    /// `head` + `rows` groups of `per_row` placeholders (each ending with `literal`) + `tail`,
    /// prepared once per connection and size.
    fn multi_row(
        &self,
        head: &str,
        per_row: usize,
        literal: &str,
        tail: &str,
        rows: usize,
    ) -> Result<rusqlite::CachedStatement<'c>> {
        let groups = Placeholders::Anonymous.groups(rows, per_row, 1, literal);
        Ok(self.conn.prepare_cached(&format!("{head}{groups}{tail}"))?)
    }
}

/// `s` as an SQL string literal.
fn text_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A UTC instant as sqlx writes `DateTime<Utc>` to SQLite, so both read back alike.
fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// A date as sqlx writes `NaiveDate` to SQLite (`%F`). Written by hand: chrono's formatter
/// parses its pattern for every call, which was a tenth of the import's writer thread.
fn local_date(d: NaiveDate) -> String {
    if !(0..=9999).contains(&d.year()) {
        return d.format("%F").to_string();
    }
    let mut s = String::with_capacity(10);
    push_date(&mut s, d);
    s
}

/// A local date-time as sqlx writes `NaiveDateTime` to SQLite (`%F %T%.f`: the fraction only
/// when there is one, in as many digits of 3, 6 or 9 as it needs).
fn local_time(t: NaiveDateTime) -> String {
    let nanos = t.nanosecond();
    if !(0..=9999).contains(&t.year()) || nanos >= 1_000_000_000 {
        return t.format("%F %T%.f").to_string();
    }
    let mut s = String::with_capacity(29);
    push_date(&mut s, t.date());
    s.push(' ');
    push_digits(&mut s, t.hour(), 2);
    s.push(':');
    push_digits(&mut s, t.minute(), 2);
    s.push(':');
    push_digits(&mut s, t.second(), 2);
    if nanos != 0 {
        s.push('.');
        if nanos.is_multiple_of(1_000_000) {
            push_digits(&mut s, nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1_000) {
            push_digits(&mut s, nanos / 1_000, 6);
        } else {
            push_digits(&mut s, nanos, 9);
        }
    }
    s
}

fn push_date(s: &mut String, d: NaiveDate) {
    push_digits(s, d.year() as u32, 4);
    s.push('-');
    push_digits(s, d.month(), 2);
    s.push('-');
    push_digits(s, d.day(), 2);
}

/// `value` in exactly `width` decimal digits (zero-padded; `value` < 10^width).
fn push_digits(s: &mut String, value: u32, width: u32) {
    for i in (0..width).rev() {
        let digit = (value / 10u32.pow(i)) % 10;
        s.push(char::from(b'0' + digit as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use sqlx::Sqlite;

    proptest! {
        /// The hand-written formats are chrono's, for every date and time of any precision.
        #[test]
        fn hand_formats_are_chronos(days in -800_000i64..4_000_000, secs in 0u32..86_400,
                                    nanos in prop_oneof![Just(0u32), (0u32..1000).prop_map(|m| m * 1_000_000),
                                                         (0u32..1_000_000).prop_map(|u| u * 1000),
                                                         0u32..1_000_000_000]) {
            let day = NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Duration::days(days);
            let t = day.and_hms_nano_opt(secs / 3600, secs / 60 % 60, secs % 60, nanos).unwrap();
            prop_assert_eq!(local_date(day), day.format("%F").to_string());
            prop_assert_eq!(local_time(t), t.format("%F %T%.f").to_string());
        }
    }

    fn row(line: u64, n: u32, node: Option<i64>) -> ValidRow {
        let id = wangge_domain::validate::make_valid(&format!("11010519800101{n:03}"));
        ValidRow {
            line,
            row: wangge_domain::pushlist::PushRow {
                name: "张三".into(),
                id_number: wangge_domain::validate::IdNumber::parse_stored(&id).unwrap(),
                phone: None,
                origin: "上海市".into(),
                arrived_at: None,
                address: "金水区".into(),
                note: String::new(),
            },
            node,
        }
    }

    /// The writer's statements stop at nothing (OR FAIL, deferred references), so a reference
    /// that does not exist surfaces at COMMIT: the transaction fails as a whole, nothing of it
    /// is kept, and the pooled connection is fine for the next import.
    #[tokio::test]
    async fn broken_reference_fails_the_commit_and_keeps_nothing() {
        let db = crate::testing::TestDb::new(crate::testing::Kind::Sqlite)
            .await
            .unwrap();
        let crate::Backend::Sqlite(pool) = db.store.backend() else {
            unreachable!()
        };
        let now = Utc.with_ymd_and_hms(2021, 12, 28, 9, 0, 0).unwrap();
        let batch = |pool: &sqlx::SqlitePool| {
            let pool = pool.clone();
            async move {
                let mut tx = pool.begin().await.unwrap();
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO push_batches (name, due_hours, created_by, created_at, due_at) \
                     VALUES ('b', 24, 't', ?, ?) RETURNING id",
                )
                .bind(now)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
                (tx, id)
            }
        };
        let (mut tx, batch_id) = batch(pool).await;
        let ctx = RowCtx {
            batch_id,
            now,
            due_at: now,
        };
        let mut tally = Tally::default();
        // grid node 999 does not exist
        tx.write_rows(&ctx, &[row(2, 1, None), row(3, 2, Some(999))], &mut tally)
            .await
            .unwrap();
        assert!(tx.commit().await.is_err());
        let counts: (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM push_batches), (SELECT COUNT(*) FROM persons), \
             (SELECT COUNT(*) FROM push_items)",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(counts, (0, 0, 0));
        let (mut tx, batch_id) = batch(pool).await;
        let ctx = RowCtx { batch_id, ..ctx };
        tx.write_rows(&ctx, &[row(2, 1, None), row(3, 2, None)], &mut tally)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let (items,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM push_items")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(items, 2);
        db.cleanup().await.unwrap();
    }

    async fn sqlx_text<T>(pool: &sqlx::SqlitePool, value: T) -> String
    where
        T: for<'q> sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite> + Send,
    {
        sqlx::query_scalar("SELECT ?")
            .bind(value)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    /// The text this module writes is the text sqlx writes for the same value.
    #[tokio::test]
    async fn formats_match_sqlx() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let whole = Utc.with_ymd_and_hms(2021, 12, 28, 9, 30, 5).unwrap();
        for t in [whole, whole + chrono::Duration::microseconds(120)] {
            assert_eq!(timestamp(t), sqlx_text(&pool, t).await);
        }
        let day = NaiveDate::from_ymd_opt(2021, 12, 28).unwrap();
        let local = day.and_hms_opt(18, 5, 0).unwrap();
        assert_eq!(local_time(local), sqlx_text(&pool, local).await);
        assert_eq!(day.format("%F").to_string(), sqlx_text(&pool, day).await);
    }
}
