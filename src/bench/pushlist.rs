//! `wangge bench pushlist`: a generated push list of N rows (valid ID numbers, 1 % repeated,
//! 90 % with an address naming a demo grid), imported with validation, dedupe and grid
//! assignment; next to it, a raw batched insert of the same rows with the same driver.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use wangge_domain::role::Role;
use wangge_store::pushlist::{ItemView, PushImport, PushItemFilter, ReadProgress};
use wangge_store::{Actor, Scope, Store};

use super::{nth_id_number, peak_rss_mib, reset_peak_rss, BenchDb, Lcg};

type BoxError = Box<dyn std::error::Error>;

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"];
const ORIGINS: &[&str] = &[
    "上海市浦东新区",
    "北京市朝阳区",
    "广州市天河区",
    "西安市雁塔区",
];

fn generate(path: &Path, rows: u64, grids: &[String]) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    writeln!(out, "姓名,身份证号,手机号,来源地,抵达时间,现住址,备注")?;
    let mut rng = Lcg(20211228);
    let mut fresh = 0u64;
    for _ in 0..rows {
        // 1 % repeat someone already in the file: dedupe has work to do
        let n = if fresh > 100 && rng.below(100) == 0 {
            rng.below(fresh)
        } else {
            fresh += 1;
            fresh - 1
        };
        let name = format!(
            "{}{}{}",
            SURNAMES[rng.below(10) as usize],
            GIVEN[rng.below(10) as usize],
            GIVEN[rng.below(10) as usize]
        );
        let address = if rng.below(10) == 0 {
            format!("郑州市某某路{}号", rng.below(500))
        } else {
            let g = &grids[rng.below(grids.len() as u64) as usize];
            format!("金水区{g}{}号楼{}单元", 1 + rng.below(30), 1 + rng.below(6))
        };
        writeln!(
            out,
            "{name},{},1{}{:09},{},2021-12-{:02} {:02}:{:02},{address},",
            nth_id_number(n),
            3 + rng.below(7),
            rng.below(1_000_000_000),
            ORIGINS[rng.below(ORIGINS.len() as u64) as usize],
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
        )?;
    }
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// The baseline: the same file read with the same CSV reader and inserted as plain text rows,
/// 1000 rows per statement, in one transaction — no validation, no persons, no indexes.
async fn raw_insert(store: &Store, path: &Path) -> Result<u64, BoxError> {
    let pool = match store.backend() {
        wangge_store::Backend::Sqlite(pool) => pool,
        wangge_store::Backend::Postgres(pool) => return raw_copy(pool, path).await,
    };
    sqlx::query(
        "CREATE TABLE raw_rows (name TEXT, id_number TEXT, phone TEXT, origin TEXT, \
         arrived_at TEXT, address TEXT, note TEXT)",
    )
    .execute(pool)
    .await?;
    const CHUNK: usize = 1000;
    // plain `?`: SQLite binds numbered parameters in quadratic time (see the store's bulk.rs)
    let values = |n: usize| vec!["(?, ?, ?, ?, ?, ?, ?)"; n].join(", ");
    let full = format!("INSERT INTO raw_rows VALUES {}", values(CHUNK));
    let mut reader = csv::Reader::from_path(path)?;
    let mut tx = pool.begin().await?;
    let mut batch: Vec<csv::StringRecord> = Vec::with_capacity(CHUNK);
    let mut total = 0u64;
    let mut records = reader.records();
    loop {
        let next = records.next().transpose()?;
        let done = next.is_none();
        if let Some(r) = next {
            batch.push(r);
        }
        if batch.len() == CHUNK || (done && !batch.is_empty()) {
            let partial;
            let text = if batch.len() == CHUNK {
                full.as_str()
            } else {
                partial = format!("INSERT INTO raw_rows VALUES {}", values(batch.len()));
                partial.as_str()
            };
            let mut q = sqlx::query(text);
            for r in &batch {
                for i in 0..7 {
                    q = q.bind(r.get(i).unwrap_or("").to_string());
                }
            }
            q.execute(&mut *tx).await?;
            total += batch.len() as u64;
            batch.clear();
        }
        if done {
            break;
        }
    }
    tx.commit().await?;
    Ok(total)
}

/// The baseline on PostgreSQL: the file streamed with COPY into a staging table, then
/// set-based inserts into persons and push_items, with their unique indexes and foreign keys,
/// in one transaction — no validation, no grid assignment, no merges recorded.
async fn raw_copy(pool: &sqlx::PgPool, path: &Path) -> Result<u64, BoxError> {
    use tokio::io::AsyncReadExt;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "CREATE TEMP TABLE raw_rows (name TEXT, id_number TEXT, phone TEXT, origin TEXT, \
         arrived_at TEXT, address TEXT, note TEXT) ON COMMIT DROP",
    )
    .execute(&mut *tx)
    .await?;
    let mut copy = tx
        .copy_in_raw("COPY raw_rows FROM STDIN (FORMAT csv, HEADER true)")
        .await?;
    let mut file = tokio::fs::File::open(path).await?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        copy.send(&buf[..n]).await?;
    }
    let total = copy.finish().await?;
    let batch: i64 = sqlx::query_scalar(
        "INSERT INTO push_batches (name, due_hours, created_by, created_at, due_at) \
         VALUES ('raw', 24, 'bench', now(), now() + interval '24 hours') RETURNING id",
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO persons (id_number, birth_date, sex, created_at, updated_at) \
         SELECT DISTINCT id_number, to_date(substr(id_number, 7, 8), 'YYYYMMDD'), \
             CASE WHEN substr(id_number, 17, 1)::INT % 2 = 1 THEN 'male' ELSE 'female' END, \
             now(), now() \
         FROM raw_rows ON CONFLICT (id_number) DO NOTHING",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO push_items (batch_id, person_id, node_id, row_no, origin, arrived_at, \
             address, note, name, phone, state, updated_at) \
         SELECT $1, p.id, NULL, 0, r.origin, r.arrived_at::TIMESTAMP, r.address, \
             COALESCE(r.note, ''), r.name, r.phone, 'pending', now() \
         FROM raw_rows r JOIN persons p ON p.id_number = r.id_number \
         ON CONFLICT (person_id) WHERE state IN ('pending', 'reached') DO NOTHING",
    )
    .bind(batch)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(total)
}

/// `keep`: leave the PostgreSQL databases in place afterwards (to read their plans).
pub async fn run(rows: u64, database: Option<&str>, keep: bool) -> Result<(), BoxError> {
    let dbs = BenchDb::new("pushlist", database)?;
    let outcome = run_on(&dbs, rows).await;
    if keep {
        dbs.keep();
    } else {
        dbs.cleanup().await;
    }
    outcome
}

async fn run_on(dbs: &BenchDb, rows: u64) -> Result<(), BoxError> {
    let csv_path = dbs.files()?.join("push.csv");
    let tree = crate::demo::grid_csv();
    let grids: Vec<String> = tree
        .lines()
        .filter(|l| l.contains(",grid,"))
        .filter_map(|l| l.split(',').nth(1).map(str::to_string))
        .collect();
    println!("生成 {rows} 行推送名单……");
    let started = Instant::now();
    let size = generate(&csv_path, rows, &grids)?;
    println!(
        "  {:.1} MB，用时 {:.1} s",
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    let raw_store = dbs.fresh("raw").await?;
    // the raw path on PostgreSQL writes items with their foreign keys, as the import does
    raw_store
        .import_grid_csv(&Actor::system("bench"), tree.as_bytes())
        .await?;
    reset_peak_rss();
    let started = Instant::now();
    let raw_rows = raw_insert(&raw_store, &csv_path).await?;
    let raw_secs = started.elapsed().as_secs_f64();
    let raw_rss = peak_rss_mib();
    raw_store.close().await;

    let store = dbs.fresh("import").await?;
    let admin = Actor::system("bench");
    store.import_grid_csv(&admin, tree.as_bytes()).await?;
    reset_peak_rss();
    let started = Instant::now();
    let summary = store
        .import_push_list(
            &admin,
            &csv_path,
            &PushImport {
                name: "bench".into(),
                due_hours: 24,
            },
            Arc::new(ReadProgress::default()),
            None,
        )
        .await?;
    let secs = started.elapsed().as_secs_f64();
    let rss = peak_rss_mib();
    let (lists, plans) = list_timings(&store, &tree).await?;
    // the import is durable at its commit; copying the log into the database file follows
    // (the store's background checkpoints, and the one `close` waits for)
    let started = Instant::now();
    store.close().await;
    let checkpoint_secs = started.elapsed().as_secs_f64();

    let rate = summary.rows as f64 / secs;
    let raw_rate = raw_rows as f64 / raw_secs;
    println!(
        "推送名单导入（{}，校验 + 去重 + 分配网格，一个事务）：",
        dbs.name()
    );
    println!(
        "  行数 {}，新增 {}，合并 {}，待分配 {}，被拒 {}",
        summary.rows, summary.created, summary.merged, summary.unassigned, summary.rejected
    );
    println!("  用时 {secs:.2} s，{rate:.0} 行/s，峰值内存 {}", mib(rss));
    println!("  提交后日志写回数据库文件（后台检查点，不计入导入用时）：{checkpoint_secs:.2} s");
    println!(
        "原始路径（{}，一个事务，无校验）：{raw_secs:.2} s，{raw_rate:.0} 行/s，峰值内存 {}",
        match dbs {
            BenchDb::Sqlite(_) => "同一驱动批量插入无索引表，1000 行/语句",
            BenchDb::Postgres { .. } =>
                "COPY 入暂存表，再集合插入 persons 与 push_items，同样的唯一索引与外键",
        },
        mib(raw_rss)
    );
    println!("比值（导入 ÷ 原始）：{:.2}", rate / raw_rate);
    println!("导入后名单首页（每页 50 条）与看板：");
    for (what, n, ms) in lists {
        println!("  {what}：{n} 条，{ms:.1} ms");
    }
    plans.verdict()
}

/// What EXPLAIN says of every list query the bench times (PostgreSQL only): a sequential scan
/// of one of the big tables is a plan gone wrong, whatever the time of this run says.
#[derive(Default)]
struct PlanCheck {
    statements: usize,
    seq_scans: Vec<String>,
}

/// The tables that grow with the lists; a scan of the grid tree or a batch table is fine.
const BIG_TABLES: [&str; 3] = ["push_items", "push_item_grid", "persons"];

impl PlanCheck {
    async fn check(
        &mut self,
        store: &Store,
        what: &str,
        actor: &Actor,
        filter: &PushItemFilter,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), BoxError> {
        let lines = store.explain_push_list(actor, filter, at).await?;
        if lines.is_empty() {
            return Ok(());
        }
        self.statements += 1;
        for line in lines {
            let seq = BIG_TABLES
                .iter()
                .any(|t| line.contains(&format!("Seq Scan on {t} ")));
            if seq {
                self.seq_scans.push(format!("{what}：{}", line.trim()));
            }
        }
        Ok(())
    }

    fn verdict(self) -> Result<(), BoxError> {
        if self.statements == 0 {
            return Ok(());
        }
        if self.seq_scans.is_empty() {
            println!("计划检查：{} 条名单查询，无全表扫描", self.statements);
            return Ok(());
        }
        Err(format!(
            "计划退化（{} 条名单查询中有全表扫描）：\n  {}",
            self.statements,
            self.seq_scans.join("\n  ")
        )
        .into())
    }
}

/// The first page of every list view people open after an import, and their dashboards, from
/// a grid worker's to the district's, timed: (what, items on the page or rows of the
/// dashboard, milliseconds). Right after an import nothing is verified and the overdue lists
/// are empty (no batch is past its deadline yet); they are timed as well two days on.
async fn list_timings(
    store: &Store,
    tree: &str,
) -> Result<(Vec<(String, usize, f64)>, PlanCheck), BoxError> {
    // the first grid of the demo tree, and its community and township above it
    let parent: std::collections::HashMap<&str, &str> = tree
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f.len() == 4).then(|| (f[0], f[3]))
        })
        .collect();
    let grid = tree
        .lines()
        .find(|l| l.contains(",grid,"))
        .and_then(|l| l.split(',').next())
        .ok_or("the demo tree has no grid")?;
    let community = parent.get(grid).copied().ok_or("grid without parent")?;
    let township = parent
        .get(community)
        .copied()
        .ok_or("community without parent")?;
    let mut nodes = Vec::with_capacity(4);
    for code in [grid, community, township, "410105"] {
        nodes.push(
            store
                .grid_node_by_code(&Actor::system("test"), code)
                .await?,
        );
    }
    let actor = |path: &str, role: Role| Actor {
        scope: Scope::new(path),
        role,
        ..Actor::system("bench")
    };
    let who = [
        ("网格员", actor(&nodes[0].path, Role::GridWorker)),
        ("社区", actor(&nodes[1].path, Role::GridWorker)),
        ("街道", actor(&nodes[2].path, Role::TownshipOfficer)),
        ("区级", Actor::system("bench")),
    ];
    let now = wangge_store::now();
    // every batch is past its deadline two days on: the overdue lists are full
    let later = now + chrono::Duration::days(2);
    let views: [(&str, ItemView, _); 5] = [
        ("未核查", ItemView::Open, now),
        ("超时（空）", ItemView::Overdue, now),
        ("超时（两天后）", ItemView::Overdue, later),
        ("已核查（空）", ItemView::Verified, now),
        ("全部", ItemView::All, now),
    ];
    let mut out = Vec::new();
    let mut plans = PlanCheck::default();
    for (i, (role, actor)) in who.iter().enumerate() {
        let mut cases: Vec<(String, ItemView, chrono::DateTime<chrono::Utc>)> = views
            .iter()
            .map(|(view, v, at)| (format!("{role}·{view}"), *v, *at))
            .collect();
        if actor.may::<wangge_domain::permission::PushPlacer>() {
            cases.push((format!("{role}·待分配"), ItemView::Unassigned, now));
        }
        for (what, view, at) in cases {
            let filter = PushItemFilter {
                view,
                limit: 50,
                ..Default::default()
            };
            let started = Instant::now();
            let page = store.list_push_items(actor, &filter, at).await?;
            out.push((
                what.clone(),
                page.len(),
                started.elapsed().as_secs_f64() * 1e3,
            ));
            plans.check(store, &what, actor, &filter, at).await?;
        }
        let started = Instant::now();
        let board = store.push_dashboard(actor, &nodes[i], None, now).await?;
        out.push((
            format!("{role}·看板"),
            board.rows.len(),
            started.elapsed().as_secs_f64() * 1e3,
        ));
    }
    // a few verified here and there, as an hour into the work: the 已核查 lists are sparse
    let system = Actor::system("bench");
    let mut verified = 0;
    for k in 1..=200i64 {
        let done = store
            .verify_push_item(
                &system,
                k * 4_900,
                wangge_domain::pushlist::state::Verification::NotFound {
                    reason: "基准测试".into(),
                },
            )
            .await;
        verified += usize::from(done.is_ok());
    }
    for (role, actor) in &who {
        let filter = PushItemFilter {
            view: ItemView::Verified,
            limit: 50,
            ..Default::default()
        };
        let started = Instant::now();
        let page = store.list_push_items(actor, &filter, now).await?;
        let what = format!("{role}·已核查（全区 {verified} 条）");
        out.push((
            what.clone(),
            page.len(),
            started.elapsed().as_secs_f64() * 1e3,
        ));
        plans.check(store, &what, actor, &filter, now).await?;
    }
    Ok((out, plans))
}

fn mib(v: Option<f64>) -> String {
    v.map_or_else(|| "未知".into(), |m| format!("{m:.0} MiB"))
}
