//! The people to trace: lists for the worker, one person's record, and the verification and
//! placement that change them. Every change updates the counters and the audit log in the
//! same transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use sqlx::query::QueryAs;
use wangge_domain::permission::{PushHandler, PushPlacer, PushViewer};
use wangge_domain::pushlist::state::apply;
use wangge_domain::pushlist::{PushState, Verification};
use wangge_domain::search::PersonSearch;

use super::counts::{move_count, node_key};
use crate::db::{on_conn, Conn};
use crate::search;
use crate::StoredIdNumber;
use crate::{Actor, AuditEntry, GridNode, Result, Store, StoreError};

/// 推送核查对象: one pushed person to trace (the ID number masked unless revealed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct PushItem {
    pub id: i64,
    pub batch_id: i64,
    pub batch_name: String,
    pub person_id: i64,
    pub name: String,
    pub id_number: StoredIdNumber,
    pub phone: Option<String>,
    pub node_id: Option<i64>,
    pub node_code: Option<String>,
    pub node_name: Option<String>,
    pub node_path: Option<String>,
    pub row_no: i64,
    pub origin: String,
    pub arrived_at: Option<NaiveDateTime>,
    pub address: String,
    pub note: String,
    #[sqlx(try_from = "String")]
    #[schema(value_type = String, example = "pending")]
    pub state: PushState,
    pub measures: Option<String>,
    pub arrival_id: Option<i64>,
    pub destination: Option<String>,
    pub reason: Option<String>,
    pub due_at: DateTime<Utc>,
    pub verified_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl PushItem {
    /// 超时: still open after its deadline.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.state.is_open() && self.due_at < now
    }

    fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "state": self.state, "node": self.node_code, "measures": self.measures,
            "arrival_id": self.arrival_id, "destination": self.destination, "reason": self.reason,
        })
    }
}

/// Which items a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemView {
    /// 未核查: pending or reached.
    #[default]
    Open,
    /// 超时: open past the deadline.
    Overdue,
    /// 已核查: a final result is recorded.
    Verified,
    All,
    /// 待分配: no grid found; for those who place people.
    Unassigned,
}

#[derive(Debug, Clone, Default)]
pub struct PushItemFilter {
    pub batch_id: Option<i64>,
    pub view: ItemView,
    /// Only this node's subtree (a leader drilling down); must lie in the actor's scope.
    pub node_path: Option<String>,
    /// 查找: by name or ID number (read item by item, as a search finds few)
    pub search: Option<PersonSearch>,
    /// Keyset paging: items with a larger id than this.
    pub after_id: i64,
    pub limit: i64,
}

const ITEM_COLUMNS: &str = "SELECT i.id, i.batch_id, b.name AS batch_name, i.person_id, \
    i.name, p.id_number, i.phone, i.node_id, g.code AS node_code, g.name AS node_name, \
    g.path AS node_path, i.row_no, i.origin, i.arrived_at, i.address, i.note, i.state, \
    i.measures, i.arrival_id, i.destination, i.reason, b.due_at, i.verified_at, i.updated_at";

/// What an item is shown with, joined to `push_items i`.
const ITEM_JOINS: &str = "JOIN persons p ON p.id = i.person_id \
    JOIN push_batches b ON b.id = i.batch_id LEFT JOIN grid_nodes g ON g.id = i.node_id";

/// The scope condition with `$1`/`$2` as the path range and `$3` whether the caller may see
/// the unassigned queue.
const IN_SCOPE: &str = "((g.path >= $1 AND g.path < $2) OR (i.node_id IS NULL AND $3))";

/// How a list reads its items. SQLite plans without statistics, so the store chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListPath {
    /// Walk all items in id order and keep those in scope: for a scope holding much of the
    /// district, where the first page is found after a few rows.
    ByItem,
    /// Read the scope's grids from the grid lists' index (`push_item_grid`), a window of item
    /// ids at a time: for a grid, a community or the unassigned queue, a small part of the
    /// whole.
    ByGrid,
    /// Read the scope's verified items from their partial index (`push_items_verified`, by
    /// node): for the 已核查 list early on, when they are a small part of the scope's items.
    Verified,
}

/// What the 见底清零 counters say of a list's scope, for choosing how to read it.
struct ScopeCounts {
    /// items in the scope in the view's states (for the overdue view: open)
    in_view: i64,
    /// items in the scope
    in_scope: i64,
    /// items in the district
    all: i64,
}

impl ListPath {
    /// Verified items by their own index when they are few among the scope's (a page of them
    /// would be found only after reading many open ones); otherwise by grid unless the scope
    /// holds more than a quarter of the items.
    fn for_counts(view: ItemView, c: &ScopeCounts) -> ListPath {
        if view == ItemView::Verified && c.in_view < c.in_scope / 4 {
            ListPath::Verified
        } else if c.in_scope > c.all / 4 {
            ListPath::ByItem
        } else {
            ListPath::ByGrid
        }
    }
}

/// The path range a list reads (the filter's node, or the actor's scope) and whether it
/// includes the unassigned queue (only for a whole scope, and only for a placer).
fn list_bounds(actor: &Actor, filter: &PushItemFilter) -> Result<(String, String, bool)> {
    match &filter.node_path {
        Some(p) if actor.scope.contains(p) => {
            let (lo, hi) = crate::Scope::new(p.clone()).bounds();
            Ok((lo, hi, false))
        }
        Some(_) => Err(StoreError::NotFound),
        None => {
            let (lo, hi) = actor.scope.bounds();
            Ok((lo, hi, actor.may::<PushPlacer>()))
        }
    }
}

/// The items a view shows, as a condition on `i` (and `b`, the batch; `$7` is now).
fn view_condition(view: ItemView) -> &'static str {
    match view {
        ItemView::Open => "i.state IN ('pending', 'reached')",
        ItemView::Overdue => "i.state IN ('pending', 'reached') AND b.due_at < $7",
        ItemView::Verified => "i.state NOT IN ('pending', 'reached')",
        ItemView::All => "1 = 1",
        ItemView::Unassigned => "i.node_id IS NULL",
    }
}

/// The statement of the list by item, for a view and an optional search.
fn by_item_sql(view: ItemView, search: Option<&PersonSearch>) -> String {
    // the overdue view binds the clock as $7; a search comes after it
    let n = if view == ItemView::Overdue { 8 } else { 7 };
    let search_condition = match search {
        Some(s) => format!("AND {}", search::condition(s, "i.name", "p.id_number", n)),
        None => String::new(),
    };
    format!(
        "{ITEM_COLUMNS} FROM push_items i {ITEM_JOINS} WHERE {IN_SCOPE} \
         AND ($4 IS NULL OR i.batch_id = $4) AND {} \
         AND i.id > $5 {search_condition} ORDER BY i.id LIMIT $6",
        view_condition(view)
    )
}

/// Binds the parameters of [`by_item_sql`]: `$1` to `$6`, the clock for the overdue view,
/// then the search.
fn bind_by_item<'q, DB, O>(
    q: QueryAs<'q, DB, O, DB::Arguments<'q>>,
    view: ItemView,
    args: &'q ListArgs,
    search: Option<&'q PersonSearch>,
) -> QueryAs<'q, DB, O, DB::Arguments<'q>>
where
    DB: sqlx::Database,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let q = q
        .bind(args.lo.as_str())
        .bind(args.hi.as_str())
        .bind(args.unassigned)
        .bind(args.batch_id)
        .bind(args.after)
        .bind(args.limit);
    // only the overdue view compares with the clock
    let q = if view == ItemView::Overdue {
        q.bind(args.now)
    } else {
        q
    };
    match search {
        Some(s) => q.bind(search::value(s)),
        None => q,
    }
}

/// The parameters of a list query, `$1` to `$8` in order.
struct ListArgs {
    lo: String,
    hi: String,
    unassigned: bool,
    batch_id: Option<i64>,
    /// items after this id
    after: i64,
    /// items wanted
    limit: i64,
    now: DateTime<Utc>,
    /// item ids per window of the list by grid
    window: i64,
}

impl ListArgs {
    /// Binds all eight to a query of either backend.
    fn bind<'q, DB, O>(
        &'q self,
        q: QueryAs<'q, DB, O, DB::Arguments<'q>>,
    ) -> QueryAs<'q, DB, O, DB::Arguments<'q>>
    where
        DB: sqlx::Database,
        &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        q.bind(self.lo.as_str())
            .bind(self.hi.as_str())
            .bind(self.unassigned)
            .bind(self.batch_id)
            .bind(self.after)
            .bind(self.limit)
            .bind(self.now)
            .bind(self.window)
    }
}

impl Store {
    /// Items the actor may see, oldest first, `limit` at a time after `after_id`.
    pub async fn list_push_items(
        &self,
        actor: &Actor,
        filter: &PushItemFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<PushItem>> {
        self.list_push_items_via(actor, filter, now, None).await
    }

    /// As [`Store::list_push_items`], reading by `path` when given (tests compare the two).
    async fn list_push_items_via(
        &self,
        actor: &Actor,
        filter: &PushItemFilter,
        now: DateTime<Utc>,
        path: Option<ListPath>,
    ) -> Result<Vec<PushItem>> {
        let Some((path, args)) = self.list_plan(actor, filter, now, path).await? else {
            return Ok(Vec::new());
        };
        match (path, &filter.search) {
            (ListPath::ByGrid, None) => self.list_by_grid(filter.view, args).await,
            (ListPath::Verified, None) => self.list_verified(&args).await,
            // the grid index knows no names: a search reads item by item
            (_, search) => self.list_by_item(filter.view, &args, search.as_ref()).await,
        }
    }

    /// PostgreSQL's plans of the statements [`Store::list_push_items`] would run for this
    /// list (none when the counters answer it, or on SQLite), for the bench that checks them:
    /// a list that reads a whole table shows as a `Seq Scan` here.
    pub async fn explain_push_list(
        &self,
        actor: &Actor,
        filter: &PushItemFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let crate::Backend::Postgres(pool) = self.backend() else {
            return Ok(Vec::new());
        };
        let Some((path, args)) = self.list_plan(actor, filter, now, None).await? else {
            return Ok(Vec::new());
        };
        let explain = |sql: &str| format!("EXPLAIN {sql}");
        let lines: Vec<(String,)> = match (path, &filter.search) {
            (ListPath::ByGrid, None) => {
                let (window_sql, items_sql) = self.by_grid_sql(filter.view);
                let mut args = args;
                args.window = (args.limit * 2).max(64);
                let mut lines: Vec<(String,)> = args
                    .bind(sqlx::query_as(&explain(&window_sql)))
                    .fetch_all(pool)
                    .await?;
                lines.extend(
                    args.bind(sqlx::query_as(&explain(&items_sql)))
                        .fetch_all(pool)
                        .await?,
                );
                lines
            }
            (ListPath::Verified, None) => {
                args.bind(sqlx::query_as(&explain(&self.verified_sql())))
                    .fetch_all(pool)
                    .await?
            }
            (_, search) => {
                let sql = explain(&by_item_sql(filter.view, search.as_ref()));
                bind_by_item(sqlx::query_as(&sql), filter.view, &args, search.as_ref())
                    .fetch_all(pool)
                    .await?
            }
        };
        Ok(lines.into_iter().map(|(l,)| l).collect())
    }

    /// How a list is read and with what, after the checks of role and scope; `None` when the
    /// answer is empty without reading items.
    async fn list_plan(
        &self,
        actor: &Actor,
        filter: &PushItemFilter,
        now: DateTime<Utc>,
        path: Option<ListPath>,
    ) -> Result<Option<(ListPath, ListArgs)>> {
        actor.require::<PushViewer>()?;
        let (lo, hi, unassigned) = list_bounds(actor, filter)?;
        if filter.view == ItemView::Unassigned {
            actor.require::<PushPlacer>()?;
        }
        // nothing is overdue before some batch's deadline: the counters know without reading
        // the scope's items (the district's empty overdue list read all of them)
        if filter.view == ItemView::Overdue
            && !self.any_batch_past_due(filter.batch_id, now).await?
        {
            return Ok(None);
        }
        let path = match path {
            Some(path) => path,
            // the unassigned queue is one grid key
            None if filter.search.is_some() => ListPath::ByItem,
            None if filter.view == ItemView::Unassigned => ListPath::ByGrid,
            None => {
                let counts = self
                    .scope_item_counts(filter.view, &lo, &hi, unassigned, filter.batch_id)
                    .await?;
                // an empty view (nothing verified yet, or 见底清零) is known from the counters:
                // looking for its first page read every item of the scope
                if counts.in_view == 0 {
                    return Ok(None);
                }
                ListPath::for_counts(filter.view, &counts)
            }
        };
        let args = ListArgs {
            lo,
            hi,
            unassigned,
            batch_id: filter.batch_id,
            after: filter.after_id,
            limit: filter.limit.clamp(1, 1000),
            now,
            window: 0,
        };
        Ok(Some((path, args)))
    }

    /// The list by item: every item in id order, those in scope and in view.
    async fn list_by_item(
        &self,
        view: ItemView,
        args: &ListArgs,
        search: Option<&PersonSearch>,
    ) -> Result<Vec<PushItem>> {
        let sql = by_item_sql(view, search);
        Ok(on_pool!(self, pool => {
            bind_by_item(sqlx::query_as::<_, PushItem>(&sql), view, args, search)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The list by grid: the next `$8` item ids of the scope's grids, in order (a sort of
    /// integers that keeps only the first few), then those of them the view shows, joined to
    /// what they are shown with. Joining every item of the scope before sorting took most of a
    /// second for a queue of 100,000; a window that comes up short is followed by a larger
    /// one. The scope is checked on the item itself as well: what a worker sees never rests
    /// on the index alone.
    async fn list_by_grid(&self, view: ItemView, mut args: ListArgs) -> Result<Vec<PushItem>> {
        let (window_sql, items_sql) = self.by_grid_sql(view);
        let limit = args.limit;
        let mut out: Vec<PushItem> = Vec::new();
        args.window = (limit * 2).max(64);
        loop {
            args.limit = limit - out.len() as i64;
            let ((seen, last), page) = on_pool!(self, pool => {
                let w: (i64, Option<i64>) = args
                    .bind(sqlx::query_as(&window_sql))
                    .fetch_one(pool)
                    .await?;
                let page: Vec<PushItem> =
                    args.bind(sqlx::query_as(&items_sql)).fetch_all(pool).await?;
                (w, page)
            });
            out.extend(page);
            match last {
                Some(last) if seen == args.window && (out.len() as i64) < limit => {
                    args.after = last;
                    args.window = args.window.saturating_mul(4);
                }
                _ => return Ok(out),
            }
        }
    }

    /// The statements of the list by grid: the window's (count, last id), and its items.
    fn by_grid_sql(&self, view: ItemView) -> (String, String) {
        let grids = if view == ItemView::Unassigned {
            "SELECT 0 WHERE $3"
        } else {
            "SELECT id FROM grid_nodes WHERE path >= $1 AND path < $2 UNION ALL SELECT 0 WHERE $3"
        };
        // an overdue list looks only at the batches past their deadline
        let batches = if view == ItemView::Overdue {
            "SELECT id FROM push_batches WHERE ($4 IS NULL OR id = $4) AND due_at < $7"
        } else {
            "SELECT id FROM push_batches WHERE $4 IS NULL OR id = $4"
        };
        let window_ids = match self.backend() {
            // SQLite walks the batch-first key in item order for all the keys at once
            crate::Backend::Sqlite(_) => format!(
                "SELECT x.item_id FROM push_item_grid x WHERE x.batch_id IN ({batches}) \
                 AND x.node_key IN ({grids}) AND x.item_id > $5 ORDER BY x.item_id LIMIT $8"
            ),
            // PostgreSQL cannot merge ordered ranges: the first ids of each grid from the
            // grid-first index (migration 0010), then the first of them all
            crate::Backend::Postgres(_) => format!(
                "SELECT y.item_id FROM ({grids}) AS keys (k) CROSS JOIN LATERAL \
                 (SELECT x.item_id FROM push_item_grid x WHERE x.node_key = keys.k \
                  AND x.item_id > $5 AND x.batch_id IN ({batches}) \
                  ORDER BY x.item_id LIMIT $8) y ORDER BY y.item_id LIMIT $8"
            ),
        };
        let window_sql = format!("SELECT COUNT(*), MAX(w.item_id) FROM ({window_ids}) w");
        let items_sql = format!(
            "{ITEM_COLUMNS} FROM push_items i {ITEM_JOINS} WHERE i.id IN ({window_ids}) \
             AND {IN_SCOPE} AND {} ORDER BY i.id LIMIT $6",
            view_condition(view)
        );
        (window_sql, items_sql)
    }

    /// The 已核查 list from the verified items' index by node: on PostgreSQL the first of
    /// each node's, then the first of them all; SQLite merges the nodes' ranges itself.
    async fn list_verified(&self, args: &ListArgs) -> Result<Vec<PushItem>> {
        let sql = self.verified_sql();
        Ok(on_pool!(self, pool => args.bind(sqlx::query_as(&sql)).fetch_all(pool).await?))
    }

    /// The statement of the 已核查 list by the verified items' index.
    fn verified_sql(&self) -> String {
        const VERIFIED: &str = "v.state NOT IN ('pending', 'reached')";
        let ids = match self.backend() {
            // SQLite has no LATERAL; a correlated IN list per node, each bounded by the page,
            // reads the same first ids of every node from the partial index
            crate::Backend::Sqlite(_) => format!(
                "SELECT y.id FROM grid_nodes g JOIN push_items y ON y.id IN \
                  (SELECT v.id FROM push_items v WHERE v.node_id = g.id AND {VERIFIED} \
                   AND v.id > $5 AND ($4 IS NULL OR v.batch_id = $4) ORDER BY v.id LIMIT $6) \
                 WHERE g.path >= $1 AND g.path < $2 \
                 UNION ALL SELECT id FROM (SELECT v.id FROM push_items v \
                  WHERE v.node_id IS NULL AND $3 AND {VERIFIED} AND v.id > $5 \
                  AND ($4 IS NULL OR v.batch_id = $4) ORDER BY v.id LIMIT $6) \
                 ORDER BY 1 LIMIT $6"
            ),
            crate::Backend::Postgres(_) => format!(
                "SELECT y.id FROM (SELECT id FROM grid_nodes WHERE path >= $1 AND path < $2) \
                 AS keys (k) CROSS JOIN LATERAL (SELECT v.id FROM push_items v \
                  WHERE v.node_id = keys.k AND {VERIFIED} AND v.id > $5 \
                  AND ($4 IS NULL OR v.batch_id = $4) ORDER BY v.id LIMIT $6) y \
                 UNION ALL (SELECT v.id FROM push_items v WHERE v.node_id IS NULL AND $3 \
                  AND {VERIFIED} AND v.id > $5 AND ($4 IS NULL OR v.batch_id = $4) \
                  ORDER BY v.id LIMIT $6) \
                 ORDER BY 1 LIMIT $6"
            ),
        };
        format!(
            "{ITEM_COLUMNS} FROM push_items i {ITEM_JOINS} WHERE i.id IN ({ids}) \
             AND {IN_SCOPE} AND {} ORDER BY i.id LIMIT $6",
            view_condition(ItemView::Verified)
        )
    }

    /// Whether `batch` (or any batch) is past its deadline at `now`.
    async fn any_batch_past_due(&self, batch: Option<i64>, now: DateTime<Utc>) -> Result<bool> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM push_batches \
                 WHERE ($1 IS NULL OR id = $1) AND due_at < $2)",
            )
            .bind(batch)
            .bind(now)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Items of the scope `lo`..`hi` (with the unassigned queue when `unassigned`), of one
    /// batch or every batch, from the 见底清零 counters: (those in the view's states, all in
    /// the scope, all in the district).
    async fn scope_item_counts(
        &self,
        view: ItemView,
        lo: &str,
        hi: &str,
        unassigned: bool,
        batch: Option<i64>,
    ) -> Result<ScopeCounts> {
        let in_view = match view {
            ItemView::Open | ItemView::Overdue => "c.state IN ('pending', 'reached')",
            ItemView::Verified => "c.state NOT IN ('pending', 'reached')",
            ItemView::All | ItemView::Unassigned => "1 = 1",
        };
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(CASE WHEN ((g.path >= $1 AND g.path < $2) \
             OR (c.node_key = 0 AND $3)) AND {in_view} THEN c.n ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN (g.path >= $1 AND g.path < $2) \
             OR (c.node_key = 0 AND $3) THEN c.n ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(c.n), 0) AS BIGINT) \
             FROM push_counts c LEFT JOIN grid_nodes g ON g.id = c.node_key \
             WHERE $4 IS NULL OR c.batch_id = $4"
        );
        let (in_view, in_scope, all) = on_pool!(self, pool => {
            sqlx::query_as::<_, (i64, i64, i64)>(&sql)
                .bind(lo)
                .bind(hi)
                .bind(unassigned)
                .bind(batch)
                .fetch_one(pool)
                .await?
        });
        Ok(ScopeCounts {
            in_view,
            in_scope,
            all,
        })
    }

    /// One item, or [`StoreError::NotFound`] when it does not exist or is outside the scope.
    pub async fn push_item(&self, actor: &Actor, id: i64) -> Result<PushItem> {
        actor.require::<PushViewer>()?;
        let (lo, hi) = actor.scope.bounds();
        let sql =
            format!("{ITEM_COLUMNS} FROM push_items i {ITEM_JOINS} WHERE {IN_SCOPE} AND i.id = $4");
        on_pool!(self, pool => {
            sqlx::query_as::<_, PushItem>(&sql)
                .bind(&lo)
                .bind(&hi)
                .bind(actor.may::<PushPlacer>())
                .bind(id)
                .fetch_optional(pool)
                .await?
        })
        .ok_or(StoreError::NotFound)
    }

    /// The other pushes that merged into this item: (batch name, row in that file).
    pub async fn push_item_merges(&self, actor: &Actor, id: i64) -> Result<Vec<(String, i64)>> {
        let item = self.push_item(actor, id).await?;
        Ok(on_pool!(self, pool => {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT b.name, m.row_no FROM push_merges m JOIN push_batches b ON b.id = m.batch_id \
                 WHERE m.item_id = $1 ORDER BY m.id",
            )
            .bind(item.id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Records a verification result. The item must be in the actor's scope and the change
    /// allowed from its current state; a concurrent change is a conflict, not lost.
    pub async fn verify_push_item(
        &self,
        actor: &Actor,
        id: i64,
        verification: Verification,
    ) -> Result<PushItem> {
        actor.require::<PushHandler>()?;
        let before = self.push_item(actor, id).await?;
        // a step that is not allowed is refused as such first, whatever its details
        let to = verification.target();
        if !wangge_domain::pushlist::state::allowed(before.state, to) {
            let e = wangge_domain::pushlist::TransitionError::NotAllowed {
                from: before.state,
                to,
            };
            return Err(StoreError::invalid("state", e.to_string()));
        }
        let verification = self
            .checked_verification(actor, &before, verification)
            .await?;
        let (to, v) = apply(before.state, verification)
            .map_err(|e| StoreError::invalid("state", e.to_string()))?;
        let fields = Recorded::of(&v);
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            store_verification(&mut *tx, actor, &before, to, &fields).await?;
            tx.commit().await?;
        });
        self.push_item(actor, id).await
    }

    /// The typed parts of a verification, each checked under its own field name: the texts by
    /// the domain's text rules, the arrival number as a reference that must name an arrival of
    /// this person in the actor's scope. A number that does not exist and one outside the
    /// scope get the same answer, so the answer reveals nothing beyond the scope.
    async fn checked_verification(
        &self,
        actor: &Actor,
        item: &PushItem,
        v: Verification,
    ) -> Result<Verification> {
        use wangge_domain::validate::{number, text};
        let detail = |field: &str, label: &str, value: &str| {
            text::required(field, label, value, text::REASON_MAX)
        };
        Ok(match v {
            Verification::MeasuresInPlace {
                measures,
                arrival_id,
            } => {
                let measures = detail("measures", "管控措施", &measures)?;
                let arrival_id = match arrival_id {
                    None => None,
                    Some(a) => {
                        let a = number::id("arrival_id", "来返报备编号", a)?;
                        let not_found = || {
                            StoreError::invalid(
                                "arrival_id",
                                format!("来返报备编号 {a} 不存在或不在辖区内"),
                            )
                        };
                        let arrival =
                            self.arrival_by_id_in(&actor.scope, a)
                                .await
                                .map_err(|e| match e {
                                    StoreError::NotFound => not_found(),
                                    other => other,
                                })?;
                        if arrival.person_id != item.person_id {
                            return Err(StoreError::invalid(
                                "arrival_id",
                                format!("来返报备编号 {a} 不是此人的报备"),
                            ));
                        }
                        Some(a)
                    }
                };
                Verification::MeasuresInPlace {
                    measures,
                    arrival_id,
                }
            }
            Verification::LeftDistrict { destination } => Verification::LeftDistrict {
                destination: detail("destination", "去向", &destination)?,
            },
            Verification::NotFound { reason } => Verification::NotFound {
                reason: detail("reason", "原因", &reason)?,
            },
            Verification::Reached => Verification::Reached,
        })
    }

    /// Places an item (unassigned, or assigned only to a community or township) in a node of
    /// the actor's scope.
    pub async fn place_push_item(
        &self,
        actor: &Actor,
        id: i64,
        node_code: &str,
    ) -> Result<PushItem> {
        actor.require::<PushHandler>()?;
        let before = self.push_item(actor, id).await?;
        let node = self.placement_node(actor, node_code).await?;
        if before.node_id == Some(node.id) {
            return Ok(before);
        }
        check_placeable(&before, &node).map_err(|m| StoreError::invalid("node_code", m))?;
        let now = crate::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            place_in(&mut *tx, actor, &before, &node, now).await?;
            tx.commit().await?;
        });
        self.push_item(actor, id).await
    }

    /// 批量分配: places the items `ids` (at most [`PLACE_MANY_MAX`]) in one node of the actor's
    /// scope, all or none: an item that is not in reach, or already at a node the target is not
    /// under, refuses the whole request naming it (by its place in the selection and, when the
    /// caller may see it, its name). Items already at the node are left as they are. One
    /// transaction; each placement is audited as a single one is.
    pub async fn place_push_items(
        &self,
        actor: &Actor,
        ids: &[i64],
        node_code: &str,
    ) -> Result<Placement> {
        actor.require::<PushHandler>()?;
        let mut wanted: Vec<i64> = Vec::with_capacity(ids.len());
        for id in ids {
            if !wanted.contains(id) {
                wanted.push(*id);
            }
        }
        if wanted.is_empty() {
            return Err(StoreError::invalid("items", "请至少勾选一人"));
        }
        if wanted.len() > PLACE_MANY_MAX {
            return Err(StoreError::invalid(
                "items",
                format!("一次最多分配 {PLACE_MANY_MAX} 人，所选 {} 人", wanted.len()),
            ));
        }
        let node = self.placement_node(actor, node_code).await?;
        let mut items = Vec::with_capacity(wanted.len());
        let mut problems = Vec::new();
        for (n, id) in wanted.iter().enumerate() {
            match self.push_item(actor, *id).await {
                Ok(item) => {
                    if item.node_id != Some(node.id) {
                        if let Err(m) = check_placeable(&item, &node) {
                            problems.push(format!("{}（第 {} 个）：{m}", item.name, n + 1));
                        }
                    }
                    items.push(item);
                }
                Err(StoreError::NotFound) => {
                    problems.push(format!("第 {} 个所选记录不存在或不在辖区内", n + 1))
                }
                Err(e) => return Err(e),
            }
        }
        if !problems.is_empty() {
            let more = problems.len().saturating_sub(5);
            let mut message = format!(
                "未分配任何人：{}",
                problems[..problems.len().min(5)].join("；")
            );
            if more > 0 {
                message.push_str(&format!("；另有 {more} 人"));
            }
            return Err(StoreError::invalid("items", message));
        }
        let now = crate::now();
        let (moving, unchanged): (Vec<PushItem>, Vec<PushItem>) =
            items.into_iter().partition(|i| i.node_id != Some(node.id));
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for before in &moving {
                place_in(&mut *tx, actor, before, &node, now).await?;
            }
            tx.commit().await?;
        });
        Ok(Placement {
            placed: moving.iter().map(|i| i.id).collect(),
            unchanged: unchanged.iter().map(|i| i.id).collect(),
            node_code: node.code,
            node_name: node.name,
        })
    }

    /// The node a placement names, in the actor's scope, else an error on `node_code`.
    async fn placement_node(&self, actor: &Actor, node_code: &str) -> Result<GridNode> {
        self.grid_node_by_code_in(&actor.scope, node_code.trim())
            .await
            .map_err(|e| match e {
                StoreError::NotFound if node_code.trim().is_empty() => {
                    StoreError::invalid("node_code", "请选择要分配到的网格")
                }
                StoreError::NotFound => StoreError::invalid(
                    "node_code",
                    format!("网格“{}”不存在或不在辖区内", node_code.trim()),
                ),
                other => other,
            })
    }
}

/// At most this many items in one [`Store::place_push_items`].
pub const PLACE_MANY_MAX: usize = 500;

/// What a bulk placement did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Placement {
    /// the items placed now
    pub placed: Vec<i64>,
    /// the items that were already at the node
    pub unchanged: Vec<i64>,
    pub node_code: String,
    pub node_name: String,
}

/// Whether `item` may be placed at `node`: an item already at a node only moves down from it.
fn check_placeable(item: &PushItem, node: &GridNode) -> std::result::Result<(), &'static str> {
    match &item.node_path {
        Some(current) if !wangge_domain::grid::in_subtree(current, &node.path) => {
            Err("只能分配到当前所属节点的下级网格")
        }
        _ => Ok(()),
    }
}

/// One placement inside the caller's transaction: the item (if unchanged since `before` was
/// read, else a conflict), its counters, its entry in the grid lists' index and the audit log.
async fn place_in(
    conn: impl Into<Conn<'_>>,
    actor: &Actor,
    before: &PushItem,
    node: &GridNode,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut conn = conn.into();
    let id = before.id;
    on_conn!(conn, c => {
        let done = sqlx::query(
            "UPDATE push_items SET node_id = $1, updated_at = $2 WHERE id = $3 AND state = $4 \
             AND (node_id = $5 OR (node_id IS NULL AND $5 IS NULL))",
        )
        .bind(node.id)
        .bind(now)
        .bind(id)
        .bind(before.state.as_str())
        .bind(before.node_id)
        .execute(c)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict {
                field: "node_code".into(),
                message: format!("{} 的记录刚被他人修改，请刷新后重试", before.name),
            });
        }
    });
    let (from, to) = (
        (before.node_id, before.state),
        (Some(node.id), before.state),
    );
    move_count(&mut conn, before.batch_id, from, to).await?;
    on_conn!(conn, c => {
        let moved = sqlx::query(
            "UPDATE push_item_grid SET node_key = $1 \
             WHERE batch_id = $2 AND node_key = $3 AND item_id = $4",
        )
        .bind(node.id)
        .bind(before.batch_id)
        .bind(node_key(before.node_id))
        .bind(id)
        .execute(c)
        .await?;
        if moved.rows_affected() != 1 {
            // the lists' index is written with every item; a missing pair is a defect, and the
            // placement is not half done
            return Err(StoreError::Internal(format!("push item {id} has no grid pair")));
        }
    });
    let entry = AuditEntry::new("place", "push_item", id)
        .at_node(&node.path)
        .before(serde_json::json!({ "node": before.node_code }))
        .after(serde_json::json!({ "node": node.code }));
    crate::audit::record(&mut conn, actor, &entry).await
}

impl Store {
    /// Moves a batch back in time by `hours` (its import time and every deadline), so a demo
    /// district shows what overdue work looks like. Not for real data: it changes history.
    pub async fn backdate_push_batch(&self, batch_id: i64, hours: i64) -> Result<()> {
        let shift = chrono::Duration::hours(hours);
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (created, due): (DateTime<Utc>, DateTime<Utc>) =
                sqlx::query_as("SELECT created_at, due_at FROM push_batches WHERE id = $1")
                    .bind(batch_id).fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE push_batches SET created_at = $1, due_at = $2 WHERE id = $3")
                .bind(created - shift).bind(due - shift).bind(batch_id).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

/// What a verification writes into its item, beside the state.
struct Recorded {
    measures: Option<String>,
    arrival_id: Option<i64>,
    destination: Option<String>,
    reason: Option<String>,
}

impl Recorded {
    fn of(v: &Verification) -> Recorded {
        let (measures, arrival_id, destination, reason) = match v {
            Verification::Reached => (None, None, None, None),
            Verification::MeasuresInPlace {
                measures,
                arrival_id,
            } => (Some(measures.clone()), *arrival_id, None, None),
            Verification::LeftDistrict { destination } => {
                (None, None, Some(destination.clone()), None)
            }
            Verification::NotFound { reason } => (None, None, None, Some(reason.clone())),
        };
        Recorded {
            measures,
            arrival_id,
            destination,
            reason,
        }
    }
}

/// A verification of `before` (moving it to state `to`) on the open transaction `conn`: the
/// item, if nobody changed it since it was read, its counters and the audit entry.
async fn store_verification(
    conn: impl Into<Conn<'_>>,
    actor: &Actor,
    before: &PushItem,
    to: PushState,
    r: &Recorded,
) -> Result<()> {
    let mut conn = conn.into();
    let now = crate::now();
    let verified_at = (!to.is_open()).then_some(now);
    let done = on_conn!(conn, c => {
        sqlx::query(
            "UPDATE push_items SET state = $1, measures = COALESCE($2, measures), \
             arrival_id = COALESCE($3, arrival_id), destination = $4, reason = $5, \
             verified_at = $6, updated_at = $7 WHERE id = $8 AND state = $9",
        )
        .bind(to.as_str())
        .bind(&r.measures)
        .bind(r.arrival_id)
        .bind(&r.destination)
        .bind(&r.reason)
        .bind(verified_at)
        .bind(now)
        .bind(before.id)
        .bind(before.state.as_str())
        .execute(c)
        .await
        .map(|done| done.rows_affected())
    })
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict { .. } => StoreError::Conflict {
            field: "state".into(),
            message: "此人已在另一批次中待核查，请在那一条上登记".into(),
        },
        other => other,
    })?;
    if done != 1 {
        return Err(StoreError::Conflict {
            field: "state".into(),
            message: "该记录刚被他人修改，请刷新后重试".into(),
        });
    }
    let (from, to_key) = ((before.node_id, before.state), (before.node_id, to));
    move_count(&mut conn, before.batch_id, from, to_key).await?;
    let mut after = before.clone();
    after.state = to;
    after.measures = r.measures.clone().or(before.measures.clone());
    after.arrival_id = r.arrival_id.or(before.arrival_id);
    after.destination = r.destination.clone();
    after.reason = r.reason.clone();
    let entry = AuditEntry::new("verify", "push_item", before.id)
        .before(before.audit_view())
        .after(after.audit_view());
    let entry = match &before.node_path {
        Some(p) => entry.at_node(p),
        None => entry,
    };
    crate::audit::record(&mut conn, actor, &entry).await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use wangge_domain::role::Role;
    use wangge_domain::validate::make_valid;

    use super::*;
    use crate::pushlist::{PushImport, ReadProgress};
    use crate::testing::{seeded, Kind};
    use crate::Scope;

    #[test]
    fn small_scopes_read_by_grid() {
        let path = |view, in_view, in_scope, all| {
            ListPath::for_counts(
                view,
                &ScopeCounts {
                    in_view,
                    in_scope,
                    all,
                },
            )
        };
        assert_eq!(path(ItemView::Open, 0, 0, 0), ListPath::ByGrid);
        assert_eq!(path(ItemView::Open, 25, 25, 100), ListPath::ByGrid);
        assert_eq!(path(ItemView::Open, 26, 26, 100), ListPath::ByItem);
        assert_eq!(path(ItemView::Open, 1, 100, 100), ListPath::ByItem);
        assert_eq!(path(ItemView::All, 100, 100, 100), ListPath::ByItem);
        let max = i64::MAX;
        assert_eq!(path(ItemView::Open, max, max, max), ListPath::ByItem);
        // few verified among the scope's items: by their own index, however large the scope
        assert_eq!(path(ItemView::Verified, 1, 100, 100), ListPath::Verified);
        assert_eq!(path(ItemView::Verified, 24, 100, 400), ListPath::Verified);
        assert_eq!(path(ItemView::Verified, 25, 100, 100), ListPath::ByItem);
        assert_eq!(path(ItemView::Verified, 25, 100, 1000), ListPath::ByGrid);
    }

    const PLACES: [&str; 4] = [
        "纬五路社区第一网格",
        "纬五路社区第二网格",
        "农科路社区第一网格",
        "无名小区",
    ];

    async fn import(store: &Store, name: &str, people: impl Iterator<Item = u32>) -> i64 {
        let mut csv = String::from("姓名,身份证号,手机号,来源地,抵达时间,现住址,备注\n");
        for n in people {
            let id = make_valid(&format!("41010519900101{n:03}"));
            let place = PLACES[n as usize % PLACES.len()];
            csv.push_str(&format!("人{n},{id},,上海,2021-12-01,{place},\n"));
        }
        let path = std::env::temp_dir().join(format!(
            "wangge-list-paths-{}-{name}-{:?}.csv",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::write(&path, csv).unwrap();
        let summary = store
            .import_push_list(
                &Actor::system("test"),
                &path,
                &PushImport {
                    name: name.into(),
                    due_hours: 24,
                },
                Arc::new(ReadProgress::default()),
                None,
            )
            .await
            .unwrap();
        let _ = std::fs::remove_file(&path);
        summary.batch_id
    }

    /// Every page of a list, `limit` at a time.
    async fn pages(
        store: &Store,
        actor: &Actor,
        mut filter: PushItemFilter,
        path: Option<ListPath>,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let mut ids = Vec::new();
        loop {
            let page = store.list_push_items_via(actor, &filter, now, path).await?;
            let Some(last) = page.last() else {
                return Ok(ids);
            };
            filter.after_id = last.id;
            ids.extend(page.iter().map(|i| i.id));
        }
    }

    /// Both ways of reading a list give the same items in the same order, page by page, for
    /// every view, scope, batch and drill-down.
    async fn both_list_paths_agree(kind: Kind) {
        let db = seeded(kind).await;
        let s = &db.store;
        let admin = Actor::system("test");
        let (first, second) = two_batches_in_every_state(s, &admin).await;
        let times = [crate::now(), crate::now() + chrono::Duration::hours(48)];
        let (actors, community) = list_readers(s, &admin).await;
        let views = [
            ItemView::Open,
            ItemView::Overdue,
            ItemView::Verified,
            ItemView::All,
            ItemView::Unassigned,
        ];
        let mut compared = 0;
        let mut overdue = 0;
        for a in &actors {
            for view in views {
                for batch_id in [None, Some(first), Some(second)] {
                    for (node_path, now) in [None, Some(community.clone())]
                        .into_iter()
                        .flat_map(|p| times.map(|t| (p.clone(), t)))
                    {
                        let filter = PushItemFilter {
                            batch_id,
                            view,
                            node_path,
                            search: None,
                            after_id: 0,
                            limit: 7,
                        };
                        let by_item =
                            pages(s, a, filter.clone(), Some(ListPath::ByItem), now).await;
                        let by_grid =
                            pages(s, a, filter.clone(), Some(ListPath::ByGrid), now).await;
                        let chosen = pages(s, a, filter.clone(), None, now).await;
                        // the verified items' own index serves the 已核查 list only
                        let by_verified = if view == ItemView::Verified {
                            pages(s, a, filter.clone(), Some(ListPath::Verified), now).await
                        } else {
                            pages(s, a, filter.clone(), None, now).await
                        };
                        match (&by_item, &by_grid, &chosen) {
                            (Ok(x), Ok(y), Ok(z)) => {
                                assert_eq!(x, y, "{:?} {filter:?} {now}", a.scope);
                                assert_eq!(x, z, "{:?} {filter:?} {now}", a.scope);
                                assert_eq!(
                                    Some(x),
                                    by_verified.as_ref().ok(),
                                    "by the verified index: {:?} {filter:?}",
                                    a.scope
                                );
                                compared += x.len();
                                if view == ItemView::Overdue {
                                    overdue += x.len();
                                }
                            }
                            (Err(_), Err(_), Err(_)) => {}
                            other => panic!("paths disagree on {filter:?}: {other:?}"),
                        }
                    }
                }
            }
        }
        assert!(compared > 500, "the lists compared held items ({compared})");
        assert!(overdue > 50, "the overdue lists held items ({overdue})");
        db.cleanup().await.unwrap();
    }

    /// Two imports (the second repeats part of the first), one item reached, one not found,
    /// one placed, and the first batch past its deadline: (first, second).
    async fn two_batches_in_every_state(s: &Store, admin: &Actor) -> (i64, i64) {
        let first = import(s, "first", 0..60).await;
        // people 40..60 again (merged), 60..90 new
        let second = import(s, "second", 40..90).await;
        let everything_in = |view| {
            let filter = PushItemFilter {
                view,
                limit: 1000,
                ..Default::default()
            };
            pages(s, admin, filter, None, crate::now())
        };
        let all = everything_in(ItemView::All).await.unwrap();
        assert_eq!(all.len(), 90);
        s.verify_push_item(admin, all[0], Verification::Reached)
            .await
            .unwrap();
        s.verify_push_item(
            admin,
            all[1],
            Verification::NotFound {
                reason: "查无此人".into(),
            },
        )
        .await
        .unwrap();
        let unassigned = everything_in(ItemView::Unassigned).await.unwrap();
        assert_eq!(
            unassigned.len(),
            (0..90).filter(|n| n % PLACES.len() == 3).count()
        );
        s.place_push_item(admin, unassigned[0], "410105001001002")
            .await
            .unwrap();
        // the first batch is past its deadline now, the second in two days
        s.backdate_push_batch(first, 30).await.unwrap();
        (first, second)
    }

    /// The district, a township officer and a grid worker, and the community path lists
    /// drill down to.
    async fn list_readers(s: &Store, admin: &Actor) -> ([Actor; 3], String) {
        let actor = |path: &str, role: Role| Actor {
            scope: Scope::new(path),
            role,
            ..Actor::system("someone")
        };
        let township = s
            .grid_node_by_code_in(&Scope::everything(), "410105001")
            .await
            .unwrap()
            .path;
        let community = s
            .grid_node_by_code_in(&Scope::everything(), "410105001001")
            .await
            .unwrap()
            .path;
        let grid = s
            .grid_node_by_code_in(&Scope::everything(), "410105001001001")
            .await
            .unwrap()
            .path;
        let actors = [
            admin.clone(),
            actor(&township, Role::TownshipOfficer),
            actor(&grid, Role::GridWorker),
        ];
        (actors, community)
    }

    crate::both_backends!(list_paths, both_list_paths_agree);
}
