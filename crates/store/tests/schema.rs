//! The twin migrations (`migrations/sqlite`, `migrations/postgres`) make one schema.
//!
//! A fresh SQLite and a fresh PostgreSQL database are migrated and their catalogues read back
//! (SQLite's `pragma_table_info`, `pragma_index_list`/`pragma_index_info`,
//! `pragma_foreign_key_list` and `sqlite_schema`; PostgreSQL's `information_schema` and
//! `pg_catalog`), then compared table by table: the set of tables, each column's type under
//! [`TYPE_MAP`], nullability, default and generated id, the primary key, the indexes (by
//! columns, uniqueness and partial predicate, and the name of each index a migration created),
//! the foreign keys (columns → referenced table and columns, ON DELETE and ON UPDATE) and the
//! triggers (timing and event). sqlx's `_sqlx_migrations` is left out.
//!
//! Every difference fails the test, listed one per line (`table.column: aspect: sqlite says
//! X, postgres says Y`), unless [`EXCEPTIONS`] names exactly that difference with the reason it
//! is inherent to the backends or deliberate; an exception that no longer matches anything
//! fails the test too. Not compared: CHECK constraints, collations, whether a foreign key is
//! deferrable (SQLite's pragmas do not show them) and trigger bodies.
//!
//! Run: `cargo test -p wangge-store --test schema`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use wangge_store::testing::{Kind, TestDb};
use wangge_store::Backend;

/// The agreed column types: (SQLite declared type, PostgreSQL `information_schema` data type).
/// A column whose pair is not here is a difference. SQLite has one integer and one text storage
/// class, so the PostgreSQL type is the one that says what a TEXT column holds; a TEXT column
/// declared with the wrong PostgreSQL type shows in the storage tests, which run on both
/// backends and whose Rust types decode strictly on PostgreSQL. Add a pair when a migration
/// first uses a new type (e.g. BLOB ↔ bytea), not before.
///
/// | SQLite  | PostgreSQL                  | Rust (sqlx)     | on SQLite                     |
/// |---------|-----------------------------|-----------------|-------------------------------|
/// | INTEGER | bigint                      | i64             | integer                       |
/// | BOOLEAN | boolean                     | bool            | integer 0/1                   |
/// | REAL    | double precision            | f64             | real                          |
/// | TEXT    | text                        | String          | text                          |
/// | TEXT    | timestamp with time zone    | DateTime<Utc>   | RFC 3339 text in UTC          |
/// | TEXT    | timestamp without time zone | NaiveDateTime   | ISO 8601 text without a zone  |
/// | TEXT    | date                        | NaiveDate       | `YYYY-MM-DD` text             |
const TYPE_MAP: &[(&str, &str)] = &[
    ("INTEGER", "bigint"),
    ("BOOLEAN", "boolean"),
    ("REAL", "double precision"),
    ("TEXT", "text"),
    ("TEXT", "timestamp with time zone"),
    ("TEXT", "timestamp without time zone"),
    ("TEXT", "date"),
];

/// A difference the two schemas keep on purpose. It matches one difference exactly (place,
/// aspect and both values), so a further change to the same column is reported.
struct Exception {
    place: &'static str,
    aspect: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
    /// Why the backends differ here (also shown when the exception goes stale).
    why: &'static str,
}

const EXCEPTIONS: &[Exception] = &[
    Exception {
        place: "users.failed_logins",
        aspect: "type",
        sqlite: "INTEGER",
        postgres: "integer",
        why: "the store reads it as i32 (users.rs), which PostgreSQL decodes from integer only; \
              the count stops at the lockout threshold (5), and SQLite has one integer type",
    },
    Exception {
        place: "sessions.token_hash",
        aspect: "nullability",
        sqlite: "NULL",
        postgres: "NOT NULL",
        why: "SQLite lets a PRIMARY KEY column other than INTEGER PRIMARY KEY hold NULL in a \
              rowid table (a documented legacy quirk); the store always binds a hash, and \
              declaring NOT NULL would mean rebuilding the table",
    },
    Exception {
        place: "policies.id",
        aspect: "nullability",
        sqlite: "NULL",
        postgres: "NOT NULL",
        why: "as sessions.token_hash; the store always binds the policy's id, and a rebuild of \
              policies would take arrivals and its two children with it (see 0008)",
    },
    Exception {
        place: "push_batches.due_at",
        aspect: "default",
        sqlite: "''",
        postgres: "none",
        why: "SQLite's ADD COLUMN ... NOT NULL needs a default (0005); '' is no timestamp, so \
              PostgreSQL has none, and both inserts of a batch (pushlist/import.rs, \
              rows_sqlite.rs) set due_at",
    },
    Exception {
        place: "push_items (batch_id, id)",
        aspect: "index",
        sqlite: "none",
        postgres: "push_items_batch",
        why: "dropped on SQLite by 0004: no SQLite plan used it and every imported row paid for \
              it; PostgreSQL's plans use it for a batch's items",
    },
    Exception {
        place: "push_item_grid (node_key, item_id)",
        aspect: "index",
        sqlite: "none",
        postgres: "push_item_grid_node",
        why: "added on PostgreSQL only by 0010: its grid lists need each grid's items in id \
              order and cannot merge the batch-first key's ranges; SQLite's plans read that key \
              in order already, and an index more would slow its imports",
    },
];

// ---------------------------------------------------------------------------------------------
// The schema as both backends can describe it

#[derive(Debug, Default, Clone, PartialEq)]
struct Schema {
    tables: BTreeMap<String, Table>,
}

#[derive(Debug, Default, Clone, PartialEq)]
struct Table {
    columns: BTreeMap<String, Column>,
    primary_key: Vec<String>,
    indexes: Vec<Index>,
    foreign_keys: Vec<ForeignKey>,
    /// `BEFORE UPDATE FOR EACH ROW`: one entry per timing and event.
    triggers: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct Column {
    /// As declared: SQLite's type name, PostgreSQL's `data_type`.
    ty: String,
    not_null: bool,
    /// The default expression as the catalogue gives it.
    default: Option<String>,
    /// How the database numbers new rows: `rowid` (SQLite's INTEGER PRIMARY KEY),
    /// `identity by default` / `identity always` (PostgreSQL).
    generated: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct Index {
    /// The name of an index a migration created; `None` for one behind a PRIMARY KEY or
    /// UNIQUE constraint, whose name each backend makes up (`sqlite_autoindex_t_1`, `t_pkey`).
    name: Option<String>,
    columns: Vec<String>,
    unique: bool,
    /// The WHERE of a partial index, as the catalogue gives it (SQLite: the CREATE statement).
    predicate: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
struct ForeignKey {
    columns: Vec<String>,
    table: String,
    references: Vec<String>,
    /// `NO ACTION`, `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`.
    on_delete: String,
    on_update: String,
}

// ---------------------------------------------------------------------------------------------
// Differences

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Difference {
    /// `table`, `table.column` or `table (columns)`.
    place: String,
    aspect: &'static str,
    sqlite: String,
    postgres: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: sqlite says {}, postgres says {}",
            self.place, self.aspect, self.sqlite, self.postgres
        )
    }
}

fn diff(place: impl Into<String>, aspect: &'static str, s: String, p: String) -> Difference {
    Difference {
        place: place.into(),
        aspect,
        sqlite: s,
        postgres: p,
    }
}

/// Every difference between the two schemas, sorted by place.
fn compare(sqlite: &Schema, postgres: &Schema) -> Vec<Difference> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = sqlite.tables.keys().chain(postgres.tables.keys()).collect();
    for name in names {
        match (sqlite.tables.get(name), postgres.tables.get(name)) {
            (Some(s), Some(p)) => compare_table(name, s, p, &mut out),
            (s, p) => out.push(diff(
                name.as_str(),
                "table",
                presence(s.is_some()),
                presence(p.is_some()),
            )),
        }
    }
    out.sort();
    out
}

fn presence(there: bool) -> String {
    if there { "it exists" } else { "missing" }.to_string()
}

fn compare_table(name: &str, s: &Table, p: &Table, out: &mut Vec<Difference>) {
    let columns: BTreeSet<&String> = s.columns.keys().chain(p.columns.keys()).collect();
    for column in columns {
        let place = format!("{name}.{column}");
        let (sc, pc) = match (s.columns.get(column), p.columns.get(column)) {
            (Some(sc), Some(pc)) => (sc, pc),
            (sc, pc) => {
                out.push(diff(
                    place,
                    "column",
                    sc.map_or("missing".into(), describe_column),
                    pc.map_or("missing".into(), describe_column),
                ));
                continue;
            }
        };
        if !TYPE_MAP
            .iter()
            .any(|&(st, pt)| sc.ty.eq_ignore_ascii_case(st) && pc.ty == pt)
        {
            out.push(diff(place.clone(), "type", sc.ty.clone(), pc.ty.clone()));
        }
        if sc.not_null != pc.not_null {
            out.push(diff(
                place.clone(),
                "nullability",
                nullability(sc.not_null),
                nullability(pc.not_null),
            ));
        }
        let (sd, pd) = (sc.default.as_deref(), pc.default.as_deref());
        if sd.map(normalise_sql) != pd.map(normalise_sql) {
            out.push(diff(
                place.clone(),
                "default",
                sd.unwrap_or("none").to_string(),
                pd.unwrap_or("none").to_string(),
            ));
        }
        let generated = |g: &Option<String>| g.as_deref().unwrap_or("none").to_string();
        let same_numbering = match (sc.generated.as_deref(), pc.generated.as_deref()) {
            (None, None) => true,
            // SQLite takes a given id and numbers rows without one, as BY DEFAULT does
            (Some("rowid"), Some("identity by default")) => true,
            _ => false,
        };
        if !same_numbering {
            out.push(diff(
                place,
                "generated",
                generated(&sc.generated),
                generated(&pc.generated),
            ));
        }
    }

    if s.primary_key != p.primary_key {
        out.push(diff(
            name,
            "primary key",
            column_list(&s.primary_key),
            column_list(&p.primary_key),
        ));
    }

    // indexes by what they index; the names of those a migration created must agree too
    type IndexKey = (Vec<String>, bool, Option<String>);
    let by_key = |indexes: &[Index]| {
        let mut map: BTreeMap<IndexKey, Vec<String>> = BTreeMap::new();
        for i in indexes {
            let key = (
                i.columns.clone(),
                i.unique,
                i.predicate.as_deref().map(normalise_sql),
            );
            let name = i.name.clone().unwrap_or_else(|| "(constraint)".into());
            map.entry(key).or_default().push(name);
        }
        for names in map.values_mut() {
            names.sort();
        }
        map
    };
    let (si, pi) = (by_key(&s.indexes), by_key(&p.indexes));
    let keys: BTreeSet<&IndexKey> = si.keys().chain(pi.keys()).collect();
    for key in keys {
        let (sn, pn) = (si.get(key), pi.get(key));
        if sn != pn {
            let (columns, unique, predicate) = key;
            let mut place = format!("{name} {}", column_list(columns));
            if *unique {
                place.push_str(" unique");
            }
            if let Some(p) = predicate {
                place.push_str(&format!(" where {p}"));
            }
            let names = |n: Option<&Vec<String>>| n.map_or("none".into(), |n| n.join(", "));
            out.push(diff(place, "index", names(sn), names(pn)));
        }
    }

    // foreign keys by their columns
    let by_columns = |keys: &[ForeignKey]| {
        let mut map: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
        for k in keys {
            map.entry(k.columns.clone()).or_default().push(format!(
                "{}{} on delete {} on update {}",
                k.table,
                column_list(&k.references),
                k.on_delete,
                k.on_update
            ));
        }
        for refs in map.values_mut() {
            refs.sort();
        }
        map
    };
    let (sf, pf) = (by_columns(&s.foreign_keys), by_columns(&p.foreign_keys));
    let keys: BTreeSet<&Vec<String>> = sf.keys().chain(pf.keys()).collect();
    for columns in keys {
        let (sr, pr) = (sf.get(columns), pf.get(columns));
        if sr != pr {
            let place = match columns.as_slice() {
                [one] => format!("{name}.{one}"),
                more => format!("{name} {}", column_list(more)),
            };
            let refs = |r: Option<&Vec<String>>| r.map_or("none".into(), |r| r.join("; "));
            out.push(diff(place, "foreign key", refs(sr), refs(pr)));
        }
    }

    for trigger in s.triggers.symmetric_difference(&p.triggers) {
        let on = |t: &BTreeSet<String>| {
            if t.contains(trigger) {
                trigger.clone()
            } else {
                "none".into()
            }
        };
        out.push(diff(name, "trigger", on(&s.triggers), on(&p.triggers)));
    }
}

fn nullability(not_null: bool) -> String {
    if not_null { "NOT NULL" } else { "NULL" }.to_string()
}

fn column_list(columns: &[String]) -> String {
    format!("({})", columns.join(", "))
}

fn describe_column(c: &Column) -> String {
    let mut d = format!("{} {}", c.ty, nullability(c.not_null));
    if let Some(default) = &c.default {
        d.push_str(&format!(" DEFAULT {default}"));
    }
    d
}

/// Splits the differences into those [`EXCEPTIONS`] (or `exceptions`) explain and the rest;
/// also returns the exceptions that matched nothing.
fn unexplained(
    differences: Vec<Difference>,
    exceptions: &[Exception],
) -> (Vec<Difference>, Vec<&Exception>) {
    let matches = |e: &Exception, d: &Difference| {
        e.place == d.place
            && e.aspect == d.aspect
            && e.sqlite == d.sqlite
            && e.postgres == d.postgres
    };
    let stale = exceptions
        .iter()
        .filter(|e| !differences.iter().any(|d| matches(e, d)))
        .collect();
    let rest = differences
        .into_iter()
        .filter(|d| !exceptions.iter().any(|e| matches(e, d)))
        .collect();
    (rest, stale)
}

// ---------------------------------------------------------------------------------------------
// SQL text: defaults and index predicates in one spelling

/// SQL split into words, quoted strings and symbols: identifiers and keywords lower-cased and
/// unquoted, string literals as written.
fn tokens(sql: &str) -> Vec<String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let start = i;
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            out.push(chars[start..i].iter().collect());
        } else if c == '"' || c == '`' {
            let close = c;
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != close {
                i += 1;
            }
            out.push(chars[start..i].iter().collect::<String>().to_lowercase());
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push(chars[start..i].iter().collect::<String>().to_lowercase());
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if ["::", "<=", ">=", "<>", "!=", "||", "=="].contains(&two.as_str()) {
                out.push(if two == "==" { "=".into() } else { two });
                i += 2;
            } else {
                out.push(c.to_string());
                i += 1;
            }
        }
    }
    out
}

/// One spelling for what each backend writes differently: PostgreSQL's casts (`'x'::text`),
/// `col = ANY (ARRAY[a, b])` for `col IN (a, b)`, `now()` for `CURRENT_TIMESTAMP`, and
/// parentheses around the whole.
fn normalise_sql(sql: &str) -> String {
    let mut t = tokens(sql);
    // casts: `::` and a one-word type name, with `[]` for an array type
    let mut i = 0;
    while i < t.len() {
        if t[i] == "::" && i + 1 < t.len() {
            let mut end = i + 2;
            if t.get(end).map(String::as_str) == Some("[")
                && t.get(end + 1).map(String::as_str) == Some("]")
            {
                end += 2;
            }
            t.drain(i..end);
        } else {
            i += 1;
        }
    }
    // = ANY (ARRAY[ … ]) → IN ( … ), and <> ALL (ARRAY[ … ]) → NOT IN ( … )
    let mut i = 0;
    while i + 4 < t.len() {
        let negated = match (t[i].as_str(), t[i + 1].as_str()) {
            ("=", "any") => Some(false),
            ("<>" | "!=", "all") => Some(true),
            _ => None,
        };
        if let Some(negated) =
            negated.filter(|_| t[i + 2] == "(" && t[i + 3] == "array" && t[i + 4] == "[")
        {
            if let Some(close) = matching(&t, i + 4) {
                if t.get(close + 1).map(String::as_str) == Some(")") {
                    t[close] = ")".into();
                    t.remove(close + 1);
                    let head = if negated {
                        &["not", "in", "("][..]
                    } else {
                        &["in", "("][..]
                    };
                    t.splice(i..i + 5, head.iter().map(|s| s.to_string()));
                }
            }
        }
        i += 1;
    }
    // now() → current_timestamp
    let mut i = 0;
    while i + 2 < t.len() {
        if t[i] == "now" && t[i + 1] == "(" && t[i + 2] == ")" {
            t.splice(i..i + 3, ["current_timestamp".to_string()]);
        }
        i += 1;
    }
    while t.first().map(String::as_str) == Some("(") && matching(&t, 0) == Some(t.len() - 1) {
        t.pop();
        t.remove(0);
    }
    join_tokens(&t)
}

/// The index of the bracket closing the one at `open`.
fn matching(t: &[String], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, tok) in t.iter().enumerate().skip(open) {
        match tok.as_str() {
            "(" | "[" => depth += 1,
            ")" | "]" => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn join_tokens(t: &[String]) -> String {
    let mut out = String::new();
    for (i, tok) in t.iter().enumerate() {
        let glue = i == 0
            || matches!(tok.as_str(), ")" | "]" | ",")
            || matches!(t[i - 1].as_str(), "(" | "[");
        if !glue {
            out.push(' ');
        }
        out.push_str(tok);
    }
    out
}

/// The WHERE of a CREATE INDEX statement.
fn index_predicate(create: &str) -> Option<String> {
    let t = tokens(create);
    let mut depth = 0;
    for (i, tok) in t.iter().enumerate() {
        match tok.as_str() {
            "(" => depth += 1,
            ")" => depth -= 1,
            "where" if depth == 0 => return Some(join_tokens(&t[i + 1..])),
            _ => {}
        }
    }
    None
}

/// `BEFORE UPDATE FOR EACH ROW` from a SQLite CREATE TRIGGER statement (SQLite triggers are
/// always for each row; without a timing they run before).
fn sqlite_trigger(create: &str) -> Option<String> {
    let t = tokens(create);
    let on = t.iter().position(|w| w == "on")?;
    let head = &t[..on];
    let event_at = head
        .iter()
        .rposition(|w| matches!(w.as_str(), "insert" | "update" | "delete"))?;
    let timing = match head.get(event_at.wrapping_sub(1)).map(String::as_str) {
        Some("after") => "AFTER",
        Some("of") => "INSTEAD OF",
        _ => "BEFORE",
    };
    let mut event = head[event_at].to_uppercase();
    if event_at + 1 < head.len() {
        // UPDATE OF columns: PostgreSQL's information_schema shows no columns, so say so
        event.push(' ');
        event.push_str(&join_tokens(&head[event_at + 1..]));
    }
    Some(format!("{timing} {event} FOR EACH ROW"))
}

// ---------------------------------------------------------------------------------------------
// Reading the catalogues

/// pragma_foreign_key_list: id, seq, table, from, to, on_update, on_delete.
type SqliteKeyRow = (i64, i64, String, String, Option<String>, String, String);
/// table, column, data type, nullable, default, identity, identity generation.
type PgColumnRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);
/// table, index, unique, primary, behind a constraint, key columns, predicate.
type PgIndexRow = (
    String,
    String,
    bool,
    bool,
    bool,
    Vec<String>,
    Option<String>,
);
/// table, columns, referenced table, referenced columns, on delete, on update.
type PgKeyRow = (String, Vec<String>, String, Vec<String>, String, String);

async fn read_sqlite(pool: &sqlx::SqlitePool) -> Schema {
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_schema WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .expect("sqlite tables");
    let mut schema = Schema::default();
    for (name,) in tables {
        let mut table = Table::default();
        let columns: Vec<(String, String, i64, Option<String>, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .expect("sqlite columns");
        let indexes: Vec<(String, bool, String, bool)> = sqlx::query_as(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list($1) ORDER BY name",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .expect("sqlite indexes");

        let mut pk: Vec<(i64, String)> = columns
            .iter()
            .filter(|c| c.4 > 0)
            .map(|c| (c.4, c.0.clone()))
            .collect();
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        // INTEGER PRIMARY KEY names the rowid (no index of its own) unless the table is WITHOUT
        // ROWID or the key is not that one column; then SQLite lists a 'pk' index
        let rowid_alias = table.primary_key.len() == 1
            && !indexes.iter().any(|i| i.2 == "pk")
            && columns
                .iter()
                .any(|c| c.4 == 1 && c.1.eq_ignore_ascii_case("INTEGER"));
        if rowid_alias {
            table.indexes.push(Index {
                name: None,
                columns: table.primary_key.clone(),
                unique: true,
                predicate: None,
            });
        }
        for (column, ty, not_null, default, pk) in columns {
            let rowid = rowid_alias && pk == 1;
            table.columns.insert(
                column,
                Column {
                    ty,
                    // the rowid is never NULL
                    not_null: not_null != 0 || rowid,
                    default,
                    generated: rowid.then(|| "rowid".to_string()),
                },
            );
        }

        for (index, unique, origin, partial) in indexes {
            let columns: Vec<(Option<String>,)> =
                sqlx::query_as("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(pool)
                    .await
                    .expect("sqlite index columns");
            let predicate = if partial {
                let (sql,): (String,) = sqlx::query_as(
                    "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = $1",
                )
                .bind(&index)
                .fetch_one(pool)
                .await
                .expect("sqlite index statement");
                Some(index_predicate(&sql).unwrap_or_else(|| format!("unreadable: {sql}")))
            } else {
                None
            };
            table.indexes.push(Index {
                name: (origin == "c").then_some(index),
                columns: columns
                    .into_iter()
                    .map(|(c,)| c.unwrap_or_else(|| "<expression>".into()))
                    .collect(),
                unique,
                predicate,
            });
        }

        let keys: Vec<SqliteKeyRow> = sqlx::query_as(
            "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete \
             FROM pragma_foreign_key_list($1) ORDER BY id, seq",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .expect("sqlite foreign keys");
        let mut by_id: BTreeMap<i64, ForeignKey> = BTreeMap::new();
        for (id, _, target, from, to, on_update, on_delete) in keys {
            let key = by_id.entry(id).or_insert_with(|| ForeignKey {
                columns: Vec::new(),
                table: target.clone(),
                references: Vec::new(),
                on_delete,
                on_update,
            });
            key.columns.push(from);
            // REFERENCES t without columns means t's primary key
            key.references
                .push(to.unwrap_or_else(|| "<primary key>".into()));
        }
        table.foreign_keys = by_id.into_values().collect();
        schema.tables.insert(name, table);
    }
    // a REFERENCES t without columns: t's primary key, now that every table is read
    let pks: BTreeMap<String, Vec<String>> = schema
        .tables
        .iter()
        .map(|(n, t)| (n.clone(), t.primary_key.clone()))
        .collect();
    for table in schema.tables.values_mut() {
        for key in &mut table.foreign_keys {
            if key.references.iter().all(|r| r == "<primary key>") {
                if let Some(pk) = pks.get(&key.table) {
                    key.references = pk.clone();
                }
            }
        }
    }

    let triggers: Vec<(String, String)> =
        sqlx::query_as("SELECT tbl_name, sql FROM sqlite_schema WHERE type = 'trigger'")
            .fetch_all(pool)
            .await
            .expect("sqlite triggers");
    for (table, sql) in triggers {
        let what = sqlite_trigger(&sql).unwrap_or_else(|| format!("unreadable: {sql}"));
        schema
            .tables
            .entry(table)
            .or_default()
            .triggers
            .insert(what);
    }
    schema
}

async fn read_postgres(pool: &sqlx::PgPool) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
         AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("postgres tables");
    for (name,) in tables {
        schema.tables.insert(name, Table::default());
    }

    let columns: Vec<PgColumnRow> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, \
             column_default::text, is_identity::text, identity_generation::text \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await
    .expect("postgres columns");
    for (table, column, ty, nullable, default, identity, generation) in columns {
        let Some(t) = schema.tables.get_mut(&table) else {
            continue; // a view, or sqlx's table
        };
        t.columns.insert(
            column,
            Column {
                ty,
                not_null: nullable == "NO",
                default,
                generated: (identity == "YES")
                    .then(|| format!("identity {}", generation.unwrap_or_default().to_lowercase())),
            },
        );
    }

    // key columns of an index, in order; <expression> for an expression
    let indexes: Vec<PgIndexRow> = sqlx::query_as(
        "SELECT t.relname::text, ic.relname::text, i.indisunique, i.indisprimary, \
             EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid \
                 AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u')), \
             ARRAY(SELECT COALESCE(a.attname::text, '<expression>') \
                 FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
                 LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                 WHERE k.ord <= i.indnkeyatts ORDER BY k.ord), \
             pg_get_expr(i.indpred, i.indrelid) \
             FROM pg_index i \
             JOIN pg_class t ON t.oid = i.indrelid \
             JOIN pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_namespace n ON n.oid = t.relnamespace \
             WHERE n.nspname = current_schema()",
    )
    .fetch_all(pool)
    .await
    .expect("postgres indexes");
    for (table, index, unique, primary, constraint, columns, predicate) in indexes {
        let Some(t) = schema.tables.get_mut(&table) else {
            continue;
        };
        if primary {
            t.primary_key = columns.clone();
        }
        t.indexes.push(Index {
            name: (!constraint).then_some(index),
            columns,
            unique,
            predicate,
        });
    }

    let keys: Vec<PgKeyRow> = sqlx::query_as(
        "SELECT t.relname::text, \
         ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord), \
         r.relname::text, \
         ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord), \
         c.confdeltype::text, c.confupdtype::text \
         FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_class r ON r.oid = c.confrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE c.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(pool)
    .await
    .expect("postgres foreign keys");
    let action = |code: &str| {
        match code {
            "a" => "NO ACTION",
            "r" => "RESTRICT",
            "c" => "CASCADE",
            "n" => "SET NULL",
            "d" => "SET DEFAULT",
            other => other,
        }
        .to_string()
    };
    for (table, columns, target, references, on_delete, on_update) in keys {
        let Some(t) = schema.tables.get_mut(&table) else {
            continue;
        };
        t.foreign_keys.push(ForeignKey {
            columns,
            table: target,
            references,
            on_delete: action(&on_delete),
            on_update: action(&on_update),
        });
    }

    let triggers: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT event_object_table::text, action_timing::text, event_manipulation::text, \
         action_orientation::text FROM information_schema.triggers \
         WHERE trigger_schema = current_schema()",
    )
    .fetch_all(pool)
    .await
    .expect("postgres triggers");
    for (table, timing, event, orientation) in triggers {
        schema
            .tables
            .entry(table)
            .or_default()
            .triggers
            .insert(format!("{timing} {event} FOR EACH {orientation}"));
    }
    schema
}

async fn read(db: &TestDb) -> Schema {
    match db.store.backend() {
        Backend::Sqlite(pool) => read_sqlite(pool).await,
        Backend::Postgres(pool) => read_postgres(pool).await,
    }
}

// ---------------------------------------------------------------------------------------------
// The tests

/// The differences between freshly migrated databases, after running `drift` on each.
async fn migrated_differences(
    sqlite_drift: &[&str],
    postgres_drift: &[&str],
) -> (Vec<Difference>, Schema, Schema) {
    let sqlite = TestDb::new(Kind::Sqlite).await.expect("sqlite database");
    let postgres = TestDb::new(Kind::Postgres)
        .await
        .expect("postgres database");
    for (db, drift) in [(&sqlite, sqlite_drift), (&postgres, postgres_drift)] {
        for sql in drift {
            match db.store.backend() {
                Backend::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
                Backend::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            }
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
    let (s, p) = (read(&sqlite).await, read(&postgres).await);
    sqlite.cleanup().await.expect("cleanup");
    postgres.cleanup().await.expect("cleanup");
    (compare(&s, &p), s, p)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twin_migrations_make_one_schema() {
    let (differences, sqlite, postgres) = migrated_differences(&[], &[]).await;

    // the readers read something: every table of the first migration, with its parts
    for schema in [&sqlite, &postgres] {
        assert!(schema.tables.len() >= 20, "{:?}", schema.tables.keys());
        let audit = &schema.tables["audit_log"];
        assert_eq!(audit.triggers.len(), 2, "{audit:?}");
        assert!(audit.indexes.len() >= 4, "{audit:?}");
        assert!(!schema.tables["sessions"].foreign_keys.is_empty());
        assert!(schema.tables["users"].columns["active"].default.is_some());
    }

    let (rest, stale) = unexplained(differences, EXCEPTIONS);
    let mut report = String::new();
    for d in &rest {
        report.push_str(&format!("\n  {d}"));
    }
    for e in &stale {
        report.push_str(&format!(
            "\n  exception no longer needed: {}: {}: sqlite says {}, postgres says {} ({})",
            e.place, e.aspect, e.sqlite, e.postgres, e.why
        ));
    }
    assert!(
        report.is_empty(),
        "the SQLite and PostgreSQL migrations make different schemas \
         (add a pair of migrations, or an exception with its reason in tests/schema.rs):{report}"
    );
}

/// Drift made on a migrated database, on either side, is seen by the readers and reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_on_either_side_is_reported() {
    let (differences, _, _) = migrated_differences(
        &[
            "CREATE TABLE only_here (id INTEGER PRIMARY KEY, note TEXT)",
            "ALTER TABLE persons ADD COLUMN nickname TEXT",
            "CREATE INDEX persons_sex ON persons (sex)",
            "CREATE UNIQUE INDEX risk_areas_open ON risk_areas (code) WHERE valid_until IS NULL",
            "DROP TRIGGER audit_log_no_delete",
        ],
        &[
            "ALTER TABLE users ALTER COLUMN display_name DROP NOT NULL",
            "ALTER TABLE users ALTER COLUMN failed_logins SET DEFAULT 1",
            "ALTER TABLE risk_areas ALTER COLUMN street TYPE varchar(20)",
            "ALTER TABLE residents DROP CONSTRAINT residents_node_id_fkey",
            "ALTER TABLE residents ADD FOREIGN KEY (node_id) REFERENCES grid_nodes (id) \
             ON DELETE CASCADE",
            "CREATE UNIQUE INDEX risk_areas_open ON risk_areas (code) WHERE valid_until IS NOT NULL",
        ],
    )
    .await;
    let (rest, _) = unexplained(differences, EXCEPTIONS);
    let found: Vec<String> = rest.iter().map(ToString::to_string).collect();
    let expected = [
        "audit_log: trigger: sqlite says none, postgres says BEFORE DELETE FOR EACH ROW",
        "only_here: table: sqlite says it exists, postgres says missing",
        "persons (sex): index: sqlite says persons_sex, postgres says none",
        "persons.nickname: column: sqlite says TEXT NULL, postgres says missing",
        "residents.node_id: foreign key: sqlite says grid_nodes(id) on delete NO ACTION on \
         update NO ACTION, postgres says grid_nodes(id) on delete CASCADE on update NO ACTION",
        "risk_areas (code) unique where valid_until is not null: index: sqlite says none, \
         postgres says risk_areas_open",
        "risk_areas (code) unique where valid_until is null: index: sqlite says \
         risk_areas_open, postgres says none",
        "risk_areas.street: type: sqlite says TEXT, postgres says character varying",
        "users.display_name: nullability: sqlite says NOT NULL, postgres says NULL",
        "users.failed_logins: default: sqlite says 0, postgres says 1",
    ];
    assert_eq!(found, expected, "{found:#?}");
}

// hand-made schemas: the comparison itself

fn column(ty: &str, not_null: bool, default: Option<&str>) -> Column {
    Column {
        ty: ty.into(),
        not_null,
        default: default.map(Into::into),
        generated: None,
    }
}

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|s| s.to_string()).collect()
}

/// A small table as SQLite describes it and as PostgreSQL does: the same schema.
fn twins() -> (Schema, Schema) {
    let mut s = Table::default();
    let mut p = Table::default();
    s.columns.insert(
        "id".into(),
        Column {
            generated: Some("rowid".into()),
            ..column("INTEGER", true, None)
        },
    );
    p.columns.insert(
        "id".into(),
        Column {
            generated: Some("identity by default".into()),
            ..column("bigint", true, None)
        },
    );
    for (t, ty_text, ty_at, ty_bool, d_text, d_bool) in [
        (&mut s, "TEXT", "TEXT", "BOOLEAN", "''", "TRUE"),
        (
            &mut p,
            "text",
            "timestamp with time zone",
            "boolean",
            "''::text",
            "true",
        ),
    ] {
        t.columns
            .insert("name".into(), column(ty_text, true, Some(d_text)));
        t.columns.insert("at".into(), column(ty_at, false, None));
        t.columns
            .insert("active".into(), column(ty_bool, true, Some(d_bool)));
        t.columns
            .insert("parent_id".into(), column(ty_at, false, None));
        t.primary_key = strings(&["id"]);
        t.triggers.insert("BEFORE UPDATE FOR EACH ROW".into());
        t.foreign_keys.push(ForeignKey {
            columns: strings(&["parent_id"]),
            table: "nodes".into(),
            references: strings(&["id"]),
            on_delete: "CASCADE".into(),
            on_update: "NO ACTION".into(),
        });
        t.indexes.push(Index {
            name: None,
            columns: strings(&["id"]),
            unique: true,
            predicate: None,
        });
        t.indexes.push(Index {
            name: Some("nodes_name".into()),
            columns: strings(&["name", "at"]),
            unique: false,
            predicate: None,
        });
    }
    s.columns.get_mut("parent_id").unwrap().ty = "INTEGER".into();
    p.columns.get_mut("parent_id").unwrap().ty = "bigint".into();
    s.indexes.push(Index {
        name: Some("nodes_open".into()),
        columns: strings(&["name"]),
        unique: true,
        predicate: Some("active IN ('yes', 'maybe')".into()),
    });
    p.indexes.push(Index {
        name: Some("nodes_open".into()),
        columns: strings(&["name"]),
        unique: true,
        predicate: Some("(active = ANY (ARRAY['yes'::text, 'maybe'::text]))".into()),
    });
    let schema = |t: Table| Schema {
        tables: [("nodes".to_string(), t)].into_iter().collect(),
    };
    (schema(s), schema(p))
}

#[test]
fn twin_descriptions_compare_equal() {
    let (s, p) = twins();
    assert_eq!(compare(&s, &p), vec![]);
}

#[test]
fn every_kind_of_difference_is_reported() {
    let (mut s, mut p) = twins();
    let sn = s.tables.get_mut("nodes").unwrap();
    let pn = p.tables.get_mut("nodes").unwrap();
    pn.columns.get_mut("at").unwrap().ty = "text".into(); // allowed: TEXT ↔ text
    pn.columns.get_mut("active").unwrap().ty = "integer".into();
    sn.columns.get_mut("name").unwrap().not_null = false;
    pn.columns.get_mut("name").unwrap().default = Some("'x'::text".into());
    pn.columns.get_mut("id").unwrap().generated = Some("identity always".into());
    sn.columns
        .insert("extra".into(), column("TEXT", false, None));
    pn.primary_key = strings(&["id", "name"]);
    pn.indexes[1].columns = strings(&["at", "name"]);
    sn.indexes[2].predicate = Some("active IN ('yes')".into());
    pn.foreign_keys[0].on_delete = "NO ACTION".into();
    sn.triggers.insert("AFTER INSERT FOR EACH ROW".into());
    p.tables.insert("more".into(), Table::default());

    let found: Vec<String> = compare(&s, &p).iter().map(ToString::to_string).collect();
    assert_eq!(
        found,
        [
            "more: table: sqlite says missing, postgres says it exists",
            "nodes: primary key: sqlite says (id), postgres says (id, name)",
            "nodes: trigger: sqlite says AFTER INSERT FOR EACH ROW, postgres says none",
            "nodes (at, name): index: sqlite says none, postgres says nodes_name",
            "nodes (name) unique where active in ('yes'): index: sqlite says nodes_open, \
             postgres says none",
            "nodes (name) unique where active in ('yes', 'maybe'): index: sqlite says none, \
             postgres says nodes_open",
            "nodes (name, at): index: sqlite says nodes_name, postgres says none",
            "nodes.active: type: sqlite says BOOLEAN, postgres says integer",
            "nodes.extra: column: sqlite says TEXT NULL, postgres says missing",
            "nodes.id: generated: sqlite says rowid, postgres says identity always",
            "nodes.name: default: sqlite says '', postgres says 'x'::text",
            "nodes.name: nullability: sqlite says NULL, postgres says NOT NULL",
            "nodes.parent_id: foreign key: sqlite says nodes(id) on delete CASCADE on update \
             NO ACTION, postgres says nodes(id) on delete NO ACTION on update NO ACTION",
        ],
        "{found:#?}"
    );
}

#[test]
fn index_names_agree_for_created_indexes_only() {
    let (mut s, p) = twins();
    let sn = s.tables.get_mut("nodes").unwrap();
    // an index made by hand where the other side has a UNIQUE constraint's is a difference
    sn.indexes[0].name = Some("nodes_id".into());
    sn.indexes[1].name = Some("nodes_by_name".into());
    let found: Vec<String> = compare(&s, &p).iter().map(ToString::to_string).collect();
    assert_eq!(
        found,
        [
            "nodes (id) unique: index: sqlite says nodes_id, postgres says (constraint)",
            "nodes (name, at): index: sqlite says nodes_by_name, postgres says nodes_name",
        ]
    );
}

#[test]
fn exceptions_match_one_difference_exactly() {
    let found = vec![
        diff("t.c", "type", "INTEGER".into(), "integer".into()),
        diff("t.d", "type", "INTEGER".into(), "smallint".into()),
    ];
    let exceptions = [
        Exception {
            place: "t.c",
            aspect: "type",
            sqlite: "INTEGER",
            postgres: "integer",
            why: "",
        },
        Exception {
            place: "t.d",
            aspect: "type",
            sqlite: "INTEGER",
            postgres: "integer",
            why: "",
        },
    ];
    let (rest, stale) = unexplained(found, &exceptions);
    assert_eq!(
        rest,
        vec![diff("t.d", "type", "INTEGER".into(), "smallint".into())]
    );
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].place, "t.d");
}

#[test]
fn sql_text_has_one_spelling() {
    for (a, b) in [
        ("''::text", "''"),
        ("'it''s'::character", "'it''s'"),
        ("TRUE", "true"),
        ("(0)", "0"),
        ("now()", "CURRENT_TIMESTAMP"),
        (
            "(state = ANY (ARRAY['pending'::text, 'reached'::text]))",
            "state IN ('pending', 'reached')",
        ),
        (
            "(state <> ALL (ARRAY['pending'::text, 'reached'::text]))",
            "state NOT IN ('pending', 'reached')",
        ),
        ("((state = 'pending'::text))", "state = 'pending'"),
        ("\"Name\" = 'A'", "name = 'A'"),
    ] {
        assert_eq!(normalise_sql(a), normalise_sql(b), "{a} vs {b}");
    }
    for (a, b) in [
        ("'Pending'", "'pending'"),
        ("'a b'", "'a  b'"),
        ("0", "''"),
        ("state <> ALL (ARRAY['a'])", "state IN ('a')"),
    ] {
        assert_ne!(normalise_sql(a), normalise_sql(b), "{a} vs {b}");
    }
    // outer parentheses go only when they enclose the whole
    assert_eq!(normalise_sql("(a = 1) OR (b = 2)"), "(a = 1) or (b = 2)");
    assert_eq!(
        index_predicate(
            "CREATE UNIQUE INDEX x ON t (a, b)\n    WHERE state IN ('pending', 'reached')"
        )
        .as_deref(),
        Some("state in ('pending', 'reached')")
    );
    assert_eq!(index_predicate("CREATE INDEX x ON t (a)"), None);
    assert_eq!(
        sqlite_trigger("CREATE TRIGGER t_no_update BEFORE UPDATE ON t\nBEGIN SELECT 1; END")
            .as_deref(),
        Some("BEFORE UPDATE FOR EACH ROW")
    );
    assert_eq!(
        sqlite_trigger("CREATE TRIGGER t_log AFTER UPDATE OF a, b ON t BEGIN SELECT 1; END")
            .as_deref(),
        Some("AFTER UPDATE of a, b FOR EACH ROW")
    );
    assert_eq!(
        sqlite_trigger("CREATE TRIGGER t_del DELETE ON t BEGIN SELECT 1; END").as_deref(),
        Some("BEFORE DELETE FOR EACH ROW")
    );
}
