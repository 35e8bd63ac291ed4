//! Command-line interface: subcommands, their flags, and what each runs.

use std::io::BufRead;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use wangge_domain::role::Role;
use wangge_server::AppConfig;
use wangge_store::{Actor, Create, NewUser, RiskFormat, Store, StoreError};

#[derive(Parser)]
#[command(
    name = "wangge",
    version,
    about = "网格：区级基层治理平台 (district grassroots governance platform)"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
pub struct DbArgs {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB
    #[arg(long, env = "WANGGE_DATABASE_URL", global = true)]
    database: Option<String>,
}

impl DbArgs {
    fn url(&self, default: &str) -> String {
        self.database.clone().unwrap_or_else(|| default.to_string())
    }
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: a free port, chosen by the system; `demo` prints the
    /// address it listens on)
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Send cookies without the Secure flag (only for plain-http access from another host
    /// behind a trusted network; browsers accept Secure cookies on localhost)
    #[arg(long)]
    insecure_cookies: bool,
    /// Behind a reverse proxy: take the client address (for the public report's rate limit)
    /// from the last X-Forwarded-For entry the proxy appends
    #[arg(long)]
    trust_forwarded_for: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and JSON API (default database: sqlite://wangge.db)
    Serve {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Create a demo district (if the database is empty), print its logins and serve it
    /// (default database: sqlite://wangge-demo.db)
    Demo {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Bring the database schema up to date and exit (creates a missing SQLite database; every
    /// command but serve, demo and migrate refuses one)
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Bulk imports
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// User accounts
    User {
        #[command(subcommand)]
        what: UserCommand,
    },
    /// Policy files: check, explain a plan, register a version in the database
    Policy {
        #[command(subcommand)]
        what: PolicyCommand,
    },
    /// The working-day calendar (statutory holidays and make-up workdays, 调休); needs no
    /// database
    Calendar {
        #[command(subcommand)]
        what: CalendarCommand,
    },
    /// Nucleic-acid testing (全员核酸): pool-size advice; needs no database
    Testing {
        #[command(subcommand)]
        what: TestingCommand,
    },
    /// A consistent copy of the database while the server runs: SQLite to a database file
    /// that `serve` opens as it is; PostgreSQL through pg_dump (restore with pg_restore)
    Backup {
        /// The copy to write; an existing file is never overwritten
        file: std::path::PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Benchmarks
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Check a policy file (unknown fields, gaps, overlapping or unreachable rules, bad
    /// durations); prints the report and exits non-zero when the file is invalid
    Check { file: std::path::PathBuf },
    /// Print the plan the policy gives an arrival
    Explain(crate::cli_policy::ExplainArgs),
    /// Store a policy version in the database and recompute the open arrival plans
    Load {
        file: std::path::PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the policy versions stored in the database
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Print the date N working days after DATE (DATE itself does not count: the deadline of
    /// N working days for something received on DATE)
    AddWorkdays {
        /// YYYY-MM-DD
        date: String,
        /// 0 to 3650
        #[arg(allow_hyphen_values = true)]
        n: String,
    },
    /// Say whether DATE is a working day, and which holiday or make-up workday it is
    IsWorkday {
        /// YYYY-MM-DD
        date: String,
    },
    /// Print the working days from the day after FROM through TO (negative when TO is earlier)
    Between {
        /// YYYY-MM-DD
        from: String,
        /// YYYY-MM-DD
        to: String,
    },
    /// Print every day of a month: workday, weekend, holiday or make-up workday
    Show {
        /// YYYY-MM
        month: String,
    },
}

#[derive(Subcommand)]
enum TestingCommand {
    /// Expected tests per person for each pool size (Dorfman 1943) at an expected prevalence,
    /// and the size that needs the fewest
    PoolSize {
        /// Expected prevalence: 0 to 1 (0.01) or a percentage (1%)
        #[arg(long, allow_hyphen_values = true)]
        prevalence: String,
        /// Pool sizes to compare, 1 to 200, comma-separated
        #[arg(long, default_value = "1,5,10,20", allow_hyphen_values = true)]
        sizes: String,
        /// Print JSON: {"prevalence", "sizes": [{"size", "tests_per_person"}], "best",
        /// "unconstrained_best"}
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Plans per second of the policy engine on one thread, next to a hand-coded baseline
    Policy {
        /// Number of distinct arrival facts cycled through
        #[arg(long, default_value_t = 10_000)]
        facts: usize,
        /// Seconds of measurement in total
        #[arg(long, default_value_t = 6.0)]
        seconds: f64,
    },
    /// Push-list import: generate a CSV, import it (validation, dedupe, grid assignment), and
    /// compare with the raw path on the same database (SQLite: a batched insert of the rows;
    /// PostgreSQL: COPY into staging, then set-based inserts); then time the first list pages
    Pushlist {
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// postgres://…/DB: run on that server, in fresh databases made beside DB and dropped
        /// afterwards (default: SQLite files in a temporary directory)
        #[arg(long)]
        database: Option<String>,
        /// keep the databases afterwards (to look at their plans)
        #[arg(long)]
        keep: bool,
    },
    /// Checkpoint ingest over HTTP: the real server on 127.0.0.1 and keep-alive clients
    Checkpoint {
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Scans per request (1 = one request per scan)
        #[arg(long, default_value_t = 1)]
        batch: usize,
        /// postgres://…/DB: run on that server, in a fresh database made beside DB and dropped
        /// afterwards (default: SQLite in a temporary directory)
        #[arg(long)]
        database: Option<String>,
        /// keep the database afterwards
        #[arg(long)]
        keep: bool,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import the grid tree from CSV (code,name,level,parent_code); all rows or none
    Grid {
        file: std::path::PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Import the risk-area register from CSV (code,street,name,level,valid_from,valid_until)
    /// or JSON (an array of those objects); all rows or none, open plans recomputed
    RiskAreas {
        file: std::path::PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Import a push list (CSV in UTF-8 or GBK, or XLSX); refused rows go to FILE.errors.csv
    /// and make the exit code non-zero
    Pushlist {
        file: std::path::PathBuf,
        /// Batch name (default: the file name)
        #[arg(long)]
        name: Option<String>,
        /// Hours by which each person must be verified
        #[arg(long, default_value_t = wangge_store::pushlist::DEFAULT_DUE_HOURS)]
        due_hours: i64,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from the first line of standard input
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// district_admin, township_officer, grid_worker, department_handler,
        /// enterprise_contact, checkpoint_operator or lab_operator
        #[arg(long)]
        role: Role,
        /// Code of the grid node the account is bound to
        #[arg(long)]
        node: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Issue an API token for a machine account (checkpoint_operator, lab_operator; never a
    /// person's account); the token is printed once on standard output, its id on standard error
    Token {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// Days the token lives (1 to 365)
        #[arg(long, default_value_t = wangge_store::DEFAULT_TOKEN_DAYS)]
        expires_days: i64,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke an API token by its id (listed at /tokens and GET /api/v1/tokens)
    RevokeToken {
        #[arg(long)]
        id: i64,
        #[command(flatten)]
        db: DbArgs,
    },
}

const DEFAULT_DB: &str = "sqlite://wangge.db";
const DEMO_DB: &str = "sqlite://wangge-demo.db";

pub async fn run(cli: Cli) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match cli.command {
        Command::Serve { db, serve } => {
            let store = open_or_create(&db.url(DEFAULT_DB)).await?;
            let listener = tokio::net::TcpListener::bind(serve.bind).await?;
            serve_until_ctrl_c(listener, store, serve).await?;
        }
        Command::Demo { db, serve } => {
            let store = open_or_create(&db.url(DEMO_DB)).await?;
            let logins = crate::demo::ensure(&store).await?;
            // bound before the address is printed, which is the one bound: with port 0 the
            // system picks a free port, and whoever reads this line gets it
            let listener = tokio::net::TcpListener::bind(serve.bind).await?;
            println!("演示区已就绪：{}", store.display_url());
            println!("演示账号（密码均为 {}）：", crate::demo::PASSWORD);
            for (username, label) in logins {
                println!("  {username:<18} {label}");
            }
            println!("浏览器打开 http://{}/ 登录", listener.local_addr()?);
            serve_until_ctrl_c(listener, store, serve).await?;
        }
        Command::Backup { file, db } => {
            let w = crate::backup::run(&db.url(DEFAULT_DB), &file).await?;
            println!(
                "备份完成：{}（{:.1} MB）",
                w.path.display(),
                w.bytes as f64 / 1e6
            );
        }
        Command::Migrate { db } => {
            let store = open_or_create(&db.url(DEFAULT_DB)).await?;
            println!("数据库已是最新：{}", store.display_url());
        }
        Command::Import {
            what: ImportCommand::Grid { file, db },
        } => {
            let store = open(&db.url(DEFAULT_DB)).await?;
            let input = std::fs::File::open(&file)
                .map_err(|e| format!("无法打开 {}：{e}", file.display()))?;
            match store
                .import_grid_csv(&Actor::system("cli"), std::io::BufReader::new(input))
                .await
            {
                Ok(s) => println!(
                    "导入完成：新增 {}，更名 {}，未变 {}",
                    s.created, s.renamed, s.unchanged
                ),
                Err(StoreError::RowsRejected(rows)) => return Ok(rows_rejected(&rows)),
                Err(e) => return Err(e.into()),
            }
        }
        Command::Import {
            what: ImportCommand::RiskAreas { file, db },
        } => {
            let store = open(&db.url(DEFAULT_DB)).await?;
            let input = std::fs::File::open(&file)
                .map_err(|e| format!("无法打开 {}：{e}", file.display()))?;
            // at most the size limit is read: a larger file is refused, not loaded
            let bytes = match wangge_store::limits::read_table_file(input) {
                Ok(bytes) => bytes,
                Err(wangge_store::limits::ReadError::Limit(e)) => {
                    return Ok(rows_rejected(&[wangge_store::RowError {
                        row: 0,
                        field: "file".into(),
                        message: format!("文件无法导入：{e}"),
                    }]))
                }
                Err(e) => return Err(format!("无法读取 {}：{e}", file.display()).into()),
            };
            let name = file.file_name().and_then(|n| n.to_str());
            let format = RiskFormat::detect(name, &bytes);
            match store
                .import_risk_areas(&Actor::system("cli"), format, &bytes)
                .await
            {
                Ok(s) => println!(
                    "导入完成：新增 {}，更新 {}，未变 {}；重算管控计划 {} 份（措施有变 {} 份）",
                    s.created,
                    s.updated,
                    s.unchanged,
                    s.recompute.recomputed,
                    s.recompute.measures_changed
                ),
                Err(StoreError::RowsRejected(rows)) => return Ok(rows_rejected(&rows)),
                Err(e) => return Err(e.into()),
            }
        }
        Command::Policy { what } => return policy(what).await,
        Command::Calendar { what } => calendar(what)?,
        Command::Testing { what } => testing(what)?,
        Command::Bench {
            what: BenchCommand::Policy { facts, seconds },
        } => {
            let result = crate::bench::policy::policy(facts, seconds)?;
            print!("{result}");
        }
        Command::Import {
            what:
                ImportCommand::Pushlist {
                    file,
                    name,
                    due_hours,
                    db,
                },
        } => {
            let store = open(&db.url(DEFAULT_DB)).await?;
            return crate::import_push::run(&store, &file, name, due_hours).await;
        }
        Command::Bench {
            what:
                BenchCommand::Pushlist {
                    rows,
                    database,
                    keep,
                },
        } => crate::bench::pushlist::run(rows, database.as_deref(), keep).await?,
        Command::Bench {
            what:
                BenchCommand::Checkpoint {
                    seconds,
                    clients,
                    batch,
                    database,
                    keep,
                },
        } => {
            crate::bench::checkpoint::run(seconds, clients, batch, database.as_deref(), keep)
                .await?
        }
        Command::User {
            what:
                UserCommand::Add {
                    username,
                    display_name,
                    role,
                    node,
                    db,
                },
        } => {
            let store = open(&db.url(DEFAULT_DB)).await?;
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let new = NewUser {
                username,
                display_name,
                role,
                node_code: node,
                password: password.trim_end_matches(['\r', '\n']).to_string(),
            };
            let user = store.create_user(&Actor::system("cli"), &new).await?;
            println!(
                "已创建用户 {}（{}，{}）",
                user.username,
                user.role.label_zh(),
                user.node_name
            );
        }
        Command::User {
            what:
                UserCommand::Token {
                    username,
                    name,
                    expires_days,
                    db,
                },
        } => {
            let store = open(&db.url(DEFAULT_DB)).await?;
            let user = store
                .list_users(&Actor::system("test"))
                .await?
                .into_iter()
                .find(|u| u.username == username)
                .ok_or_else(|| format!("用户“{username}”不存在"))?;
            let token = store
                .create_api_token(&Actor::system("cli"), user.id, &name, expires_days)
                .await?;
            println!("{}", token.token);
            eprintln!(
                "令牌 {}（{}）已签发给 {}，有效至 {}",
                token.id,
                token.name,
                user.username,
                token.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
        }
        Command::User {
            what: UserCommand::RevokeToken { id, db },
        } => {
            let store = open(&db.url(DEFAULT_DB)).await?;
            let token = store
                .revoke_api_token(&Actor::system("cli"), id)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => format!("令牌 {id} 不存在").into(),
                    other => Box::<dyn std::error::Error>::from(other),
                })?;
            println!(
                "已吊销令牌 {}（{}，账号 {}）；运行中的服务最迟10秒内拒绝它",
                token.id, token.name, token.username
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `wangge calendar …`: the domain's working-day calendar, no database.
fn calendar(what: CalendarCommand) -> Result<(), String> {
    use chrono::Datelike;
    use wangge_domain::calendar as cal;
    let date = |arg: &str, text: &str| {
        wangge_domain::validate::date::parse(arg, text).map_err(|e| format!("参数 {arg}：{e}"))
    };
    let err = |e: cal::CalendarError| e.to_string();
    match what {
        CalendarCommand::AddWorkdays { date: d, n } => {
            let d = date("DATE", &d)?;
            let max = i64::from(cal::DAYS_MAX);
            let n = wangge_domain::validate::number::parse_int("N", "工作日数", &n, 0..=max)
                .ok()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    let shown: String = n.chars().take(40).collect();
                    format!("参数 N：“{shown}”应为 0 至 {max} 的整数（工作日数）")
                })?;
            println!("{}", cal::add_workdays(d, n).map_err(err)?);
        }
        CalendarCommand::IsWorkday { date: d } => {
            let day = cal::day(date("DATE", &d)?).map_err(err)?;
            let work = if day.kind.is_workday() {
                "上班"
            } else {
                "不上班"
            };
            println!(
                "{} {}：{work}（{}）",
                day.date,
                cal::weekday_zh(day.date),
                day.describe_zh()
            );
        }
        CalendarCommand::Between { from, to } => {
            let (a, b) = (date("FROM", &from)?, date("TO", &to)?);
            println!("{}", cal::workdays_between(a, b).map_err(err)?);
        }
        CalendarCommand::Show { month } => {
            let bad = || {
                let shown: String = month.chars().take(40).collect();
                format!("参数 MONTH：“{shown}”应为 YYYY-MM")
            };
            let first = date("MONTH", &format!("{}-01", month.trim())).map_err(|_| bad())?;
            let days = cal::month(first.year(), first.month()).map_err(err)?;
            let mut worked = 0;
            for day in &days {
                worked += u32::from(day.kind.is_workday());
                println!(
                    "{} {} {}",
                    day.date,
                    cal::weekday_zh(day.date),
                    day.describe_zh()
                );
            }
            println!(
                "{}年{}月：工作日 {worked} 天，共 {} 天",
                first.year(),
                first.month(),
                days.len()
            );
        }
    }
    Ok(())
}

/// `wangge testing …`: the domain's testing rules, no database.
fn testing(what: TestingCommand) -> Result<(), String> {
    use wangge_domain::testing::pool;
    match what {
        TestingCommand::PoolSize {
            prevalence,
            sizes,
            json,
        } => {
            let p = pool::Prevalence::parse(&prevalence)
                .map_err(|e| format!("参数 --prevalence：{e}"))?;
            let sizes = pool::parse_sizes(&sizes).map_err(|e| format!("参数 --sizes：{e}"))?;
            let advice = pool::advise_checked(p, &sizes);
            if json {
                let text = serde_json::to_string(&advice).map_err(|e| e.to_string())?;
                println!("{text}");
                return Ok(());
            }
            println!("预期阳性率 {}", advice.prevalence);
            println!("混样人数  每人检测次数");
            for s in &advice.sizes {
                let mark = if s.size == advice.best {
                    "  ← 最省"
                } else {
                    ""
                };
                println!("{:>8}  {:.4}{mark}", s.size, s.tests_per_person);
            }
            let best = advice.best_tests_per_person();
            if advice.best == 1 {
                println!("建议：单采单检（所列混样人数都不比单检省）");
            } else {
                println!(
                    "建议：{} 人一管（每人 {best:.4} 次，比单检省 {:.1}%）",
                    advice.best,
                    (1.0 - best) * 100.0
                );
            }
            let free = pool::tests_per_person(p, advice.unconstrained_best);
            println!(
                "不限人数（1 至 {}）时最省：{} 人一管（每人 {free:.4} 次）",
                pool::MAX_SIZE,
                advice.unconstrained_best
            );
        }
    }
    Ok(())
}

fn rows_rejected(rows: &[wangge_store::RowError]) -> ExitCode {
    eprintln!("{} 行有错误，未导入任何数据：", rows.len());
    for r in rows {
        eprintln!("  第{}行 {}: {}", r.row, r.field, r.message);
    }
    ExitCode::FAILURE
}

async fn policy(what: PolicyCommand) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match what {
        PolicyCommand::Check { file } => Ok(crate::cli_policy::check_file(&file)?),
        PolicyCommand::Explain(args) => Ok(crate::cli_policy::explain(&args)?),
        PolicyCommand::Load { file, db } => {
            let src = match crate::cli_policy::read_valid(&file)? {
                Ok(src) => src,
                Err(code) => return Ok(code),
            };
            let store = open(&db.url(DEFAULT_DB)).await?;
            store.ensure_builtin_policies().await?;
            let r = store.register_policy(&Actor::system("cli"), &src).await?;
            if r.created {
                println!(
                    "已发布政策 {}；重算管控计划 {} 份（措施有变 {} 份）",
                    r.id, r.recompute.recomputed, r.recompute.measures_changed
                );
            } else {
                println!("政策 {} 已存在且内容相同，未作改动", r.id);
            }
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::List { db } => {
            let store = open(&db.url(DEFAULT_DB)).await?;
            store.ensure_builtin_policies().await?;
            for p in store.list_policies(&Actor::system("cli")).await? {
                let until = p.effective_until.map(|d| d.to_string()).unwrap_or_default();
                println!(
                    "{}\t{}\t{} 至 {until}\t{}",
                    p.id, p.name, p.effective_from, p.loaded_at
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Opens and migrates the database of a command that works on existing data: a missing SQLite
/// file is refused, naming the path, rather than created empty.
async fn open(url: &str) -> Result<Store, StoreError> {
    open_with(url, Create::Never).await
}

/// Opens and migrates the database, creating a missing SQLite file: `serve`, `demo` and
/// `migrate` only.
async fn open_or_create(url: &str) -> Result<Store, StoreError> {
    open_with(url, Create::IfMissing).await
}

async fn open_with(url: &str, create: Create) -> Result<Store, StoreError> {
    let store = Store::open_with(url, create).await?;
    tracing::info!(database = %store.display_url(), "database ready");
    Ok(store)
}

async fn serve_until_ctrl_c(
    listener: tokio::net::TcpListener,
    store: Store,
    args: ServeArgs,
) -> std::io::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "serving");
    let config = AppConfig {
        secure_cookies: !args.insecure_cookies,
        trust_forwarded_for: args.trust_forwarded_for,
        ..AppConfig::default()
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    wangge_server::launch(listener, store, config, shutdown).await
}
