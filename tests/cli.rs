//! The `wangge` binary as a user runs it: policy check, policy explain, risk-area import, the
//! calendar and pool-size advice.

use std::process::{Command, Output};

fn wangge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args(args)
        .env("WANGGE_LOG", "error")
        .output()
        .expect("run wangge")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const DEFAULT_POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/policies/default-2021-12.toml");

fn temp_file(name: &str, content: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("wangge-cli-{}-{name}", std::process::id()));
    std::fs::write(&path, content).expect("write temp file");
    path
}

#[test]
fn policy_check_accepts_the_default_file() {
    let o = wangge(&["policy", "check", DEFAULT_POLICY]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("default-2021-12：有效，0 个错误"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn policy_check_names_the_broken_rule_and_fails() {
    let src = std::fs::read_to_string(DEFAULT_POLICY).unwrap();
    let at = src.find("id = \"risk-city-stay\"").unwrap();
    let broken = format!(
        "{}{}",
        &src[..at],
        src[at..].replacen("days = 7 }", "days = -7 }", 1)
    )
    .replace(
        "risk_city_stay_days = 14",
        "risk_city_stay_days = 14\nfavourite_colour = \"red\"",
    );
    let path = temp_file("broken.toml", &broken);
    let o = wangge(&["policy", "check", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert!(!o.status.success());
    let out = stdout(&o);
    assert!(out.contains("无效"), "{out}");
    assert!(
        out.contains("favourite_colour"),
        "unknown field named: {out}"
    );
    let o2 = wangge(&["policy", "check", "/nonexistent/policy.toml"]);
    assert!(!o2.status.success());
    assert!(stderr(&o2).contains("无法读取"), "{}", stderr(&o2));
    // a rule with a negative duration is named once the unknown field is gone
    let path = temp_file(
        "negative.toml",
        &broken.replace("favourite_colour = \"red\"", ""),
    );
    let o = wangge(&["policy", "check", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert!(!o.status.success());
    assert!(stdout(&o).contains("risk-city-stay"), "{}", stdout(&o));
}

#[test]
fn policy_explain_json_gives_the_source_example() {
    let o = wangge(&[
        "policy",
        "explain",
        "--arrival",
        "2021-12-28",
        "--origin-risk",
        "medium",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    for key in ["category", "rule", "reason", "phases", "tests", "documents"] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["rule"], "medium-high-risk-area");
    assert_eq!(
        v["phases"],
        serde_json::json!([
            {"measure": "centralized_quarantine", "start": "2021-12-28", "end": "2022-01-10"},
            {"measure": "home_health_monitoring", "start": "2022-01-11", "end": "2022-01-17"},
        ])
    );
    assert_eq!(v["tests"], serde_json::json!([]));
    // the keys come in the documented order
    let text = stdout(&o);
    let pos = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
    assert!(pos("rule") < pos("category") && pos("category") < pos("reason"));
    assert!(pos("reason") < pos("phases") && pos("phases") < pos("tests"));
    assert!(pos("tests") < pos("documents"));
}

#[test]
fn policy_explain_text_and_flags() {
    let o = wangge(&[
        "policy",
        "explain",
        "--policy",
        DEFAULT_POLICY,
        "--arrival",
        "2021-12-28",
        "--overseas-quarantined-days",
        "14",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("集中隔离 2021-12-28 至 2022-01-03（7天）"),
        "{out}"
    );
    assert!(
        out.contains("个人健康监测 2022-01-11 至 2022-02-28（49天）"),
        "{out}"
    );
    let o = wangge(&[
        "policy",
        "explain",
        "--arrival",
        "2021-12-28",
        "--other-province",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["tests"], serde_json::json!(["2021-12-28"]));
    assert_eq!(
        v["documents"][1],
        serde_json::json!({"kind": "negative_test", "within_hours": 48})
    );
    // bad input: a clear error, non-zero exit
    let o = wangge(&["policy", "explain", "--arrival", "2021-13-01"]);
    assert!(!o.status.success());
    let o = wangge(&[
        "policy",
        "explain",
        "--arrival",
        "2021-12-28",
        "--origin-risk",
        "severe",
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("风险等级"), "{}", stderr(&o));
    let o = wangge(&["policy", "explain", "--arrival", "2020-01-01"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("没有在 2020-01-01 生效"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn import_risk_areas_is_all_or_nothing() {
    let db = std::env::temp_dir().join(format!("wangge-cli-{}.db", std::process::id()));
    let url = format!("sqlite://{}", db.display());
    // only serve, demo and migrate create a database: an import into a missing one is refused,
    // naming the path, and leaves no file behind
    let o = wangge(&["import", "risk-areas", "x.csv", "--database", &url]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("数据库不存在") && stderr(&o).contains(&db.display().to_string()),
        "{}",
        stderr(&o)
    );
    assert!(!db.exists(), "no database created");
    let o = wangge(&["migrate", "--database", &url]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bad = temp_file(
        "bad.csv",
        "code,street,name,level,valid_from,valid_until\n610113,电子城街道,雁塔区电子城街道,high,2021-12-20,\n61011,,坏代码,high,2021-12-20,\n",
    );
    let o = wangge(&[
        "import",
        "risk-areas",
        bad.to_str().unwrap(),
        "--database",
        &url,
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("第3行 code"), "{}", stderr(&o));
    let good = temp_file(
        "good.json",
        r#"[{"code":"610113","street":"电子城街道","name":"雁塔区电子城街道","level":"high","valid_from":"2021-12-20"}]"#,
    );
    let o = wangge(&[
        "import",
        "risk-areas",
        good.to_str().unwrap(),
        "--database",
        &url,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("新增 1"), "{}", stdout(&o));
    let o = wangge(&["policy", "list", "--database", &url]);
    assert!(stdout(&o).contains("default-2021-12"), "{}", stdout(&o));
    for p in [bad, good] {
        let _ = std::fs::remove_file(p);
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[test]
fn commands_on_existing_data_never_create_a_database() {
    let dir = std::env::temp_dir().join(format!("wangge-cli-nodb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args(["user", "token", "--username", "kakou", "--name", "卡口"])
        .current_dir(&dir)
        .env("WANGGE_LOG", "error")
        .env_remove("WANGGE_DATABASE_URL")
        .output()
        .expect("run wangge");
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("数据库不存在：wangge.db") && !err.contains("用户不存在"),
        "{err}"
    );
    assert!(!dir.join("wangge.db").exists(), "no empty wangge.db left");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `wangge <command> …` in an empty directory, with a database URL in the environment that
/// names a file there: the command needs no database and must leave none behind.
fn without_database(command: &str, args: &[&str]) -> Output {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("wangge-cli-{command}-{}-{run}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_wangge"))
        .arg(command)
        .args(args)
        .current_dir(&dir)
        .env("WANGGE_LOG", "error")
        .env(
            "WANGGE_DATABASE_URL",
            format!("sqlite://{}", dir.join("wangge.db").display()),
        )
        .output()
        .expect("run wangge");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "{command} {args:?} left files: {left:?}");
    let _ = std::fs::remove_dir(&dir);
    o
}

/// `wangge calendar …`: the working-day calendar needs no database.
fn calendar(args: &[&str]) -> Output {
    without_database("calendar", args)
}

#[test]
fn calendar_add_workdays_counts_from_the_day_after() {
    for (date, n, due) in [
        // the day of receipt does not count; 2026-01-04 (a Sunday) is a make-up workday
        ("2025-12-31", "1", "2026-01-04"),
        ("2025-12-31", "2", "2026-01-05"),
        // Spring Festival 2026: 2-14 (Saturday) works, 2-15..23 off
        ("2026-02-13", "2", "2026-02-24"),
        // National Day 2025: 10-01..08 off, 10-11 (Saturday) works
        ("2025-09-30", "3", "2025-10-11"),
        ("2026-03-09", "0", "2026-03-09"),
        // full-width digits, as typed with a Chinese input method
        ("２０２６-０３-０６", "３", "2026-03-11"),
    ] {
        let o = calendar(&["add-workdays", date, n]);
        assert!(o.status.success(), "{date} {n}: {}", stderr(&o));
        assert_eq!(stdout(&o), format!("{due}\n"), "{date} {n}");
    }
    let o = calendar(&["is-workday", "2026-01-04"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "2026-01-04 周日：上班（元旦 调休上班）\n");
    let o = calendar(&["is-workday", "2024-02-18"]);
    assert!(
        stdout(&o).contains("周日：上班（春节 调休上班）"),
        "{}",
        stdout(&o)
    );
    let o = calendar(&["is-workday", "2025-10-06"]);
    assert!(
        stdout(&o).contains("不上班（中秋节 放假）"),
        "{}",
        stdout(&o)
    );
    let o = calendar(&["between", "2026-02-13", "2026-02-24"]);
    assert_eq!(stdout(&o), "2\n");
    let o = calendar(&["show", "2026-02"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 29, "{out}");
    assert!(out.contains("2026-02-14 周六 春节 调休上班\n"), "{out}");
    assert!(out.contains("2026-02-16 周一 春节 放假\n"), "{out}");
    assert!(
        out.ends_with("2026年2月：工作日 16 天，共 28 天\n"),
        "{out}"
    );
}

#[test]
fn calendar_bad_input_names_the_argument() {
    for (args, says) in [
        (&["add-workdays", "2026-13-01", "1"][..], "参数 DATE"),
        (&["add-workdays", "明天", "1"], "参数 DATE"),
        (&["add-workdays", "2026-01-01", "-3"], "参数 N"),
        (&["add-workdays", "2026-01-01", "abc"], "参数 N"),
        (&["add-workdays", "2026-01-01", "3651"], "0 至 3650"),
        (
            &["add-workdays", "2026-01-01", "99999999999999999999"],
            "参数 N",
        ),
        (&["add-workdays", "+262142-12-31", "1"], "参数 DATE"),
        (&["add-workdays", "2100-12-31", "1"], "2020—"),
        (&["add-workdays", "2019-12-31", "1"], "2020—"),
        (
            &["add-workdays", "2026-12-30", "10"],
            "超出了工作日历覆盖的年份",
        ),
        (&["is-workday", "2026-02-30"], "参数 DATE"),
        (&["is-workday", "1999-01-01"], "2020—"),
        (&["between", "2026-01-01", "x"], "参数 TO"),
        (&["show", "2026-13"], "参数 MONTH"),
        (&["show", "2026"], "参数 MONTH"),
        (&["show", "1999-01"], "2020—"),
    ] {
        let o = calendar(args);
        assert!(!o.status.success(), "{args:?}: {}", stdout(&o));
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.starts_with("错误：") && err.contains(says),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(stdout(&o).is_empty(), "{args:?}");
    }
}

/// `wangge testing …`: the pool-size advice needs no database.
fn testing(args: &[&str]) -> Output {
    without_database("testing", args)
}

#[test]
fn testing_pool_size_json_and_table() {
    let o = testing(&["pool-size", "--prevalence", "0.01", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["prevalence"], 0.01);
    assert_eq!(v["best"], 10);
    assert_eq!(v["unconstrained_best"], 11);
    let sizes = v["sizes"].as_array().unwrap();
    assert_eq!(
        sizes.iter().map(|s| s["size"].clone()).collect::<Vec<_>>(),
        [1, 5, 10, 20]
    );
    assert_eq!(sizes[0]["tests_per_person"], 1.0);
    let t10 = sizes[2]["tests_per_person"].as_f64().unwrap();
    assert!((t10 - 0.195_618).abs() < 1e-6, "{t10}");
    // exactly these keys, in this order
    assert_eq!(v.as_object().unwrap().len(), 4, "{text}");
    assert!(sizes.iter().all(|s| s.as_object().unwrap().len() == 2));
    let pos = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
    assert!(pos("prevalence") < pos("sizes") && pos("sizes") < pos("best"));
    assert!(pos("best") < pos("unconstrained_best"));
    assert!(pos("size") < pos("tests_per_person"));

    // custom sizes: deduplicated and sorted; a percentage with full-width digits
    let o = testing(&[
        "pool-size",
        "--prevalence",
        "３０%",
        "--sizes",
        "20,3,3,1",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["prevalence"], 0.3);
    assert_eq!(
        v["sizes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["size"].clone())
            .collect::<Vec<_>>(),
        [1, 3, 20]
    );
    assert_eq!(
        (v["best"].clone(), v["unconstrained_best"].clone()),
        (3.into(), 3.into())
    );

    // the table
    let o = testing(&["pool-size", "--prevalence", "0.3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("       1  1.0000  ← 最省\n"), "{out}");
    assert!(out.contains("建议：单采单检"), "{out}");
    assert!(out.contains("3 人一管（每人 0.9903 次）"), "{out}");
    let o = testing(&["pool-size", "--prevalence", "0.01"]);
    let out = stdout(&o);
    assert!(out.contains("      10  0.1956  ← 最省\n"), "{out}");
    assert!(out.contains("建议：10 人一管"), "{out}");
}

#[test]
fn testing_pool_size_bad_input_names_the_argument() {
    for (args, says) in [
        (&["--prevalence", "x"][..], "参数 --prevalence"),
        (&["--prevalence", "NaN"], "参数 --prevalence"),
        (&["--prevalence", "inf"], "参数 --prevalence"),
        (&["--prevalence", "-0.1"], "参数 --prevalence"),
        (&["--prevalence", "1.5"], "0 至 1"),
        (&["--prevalence", "101%"], "参数 --prevalence"),
        (&["--prevalence", "1e999"], "参数 --prevalence"),
        (&["--prevalence", ""], "参数 --prevalence"),
        (&["--prevalence", "0.01", "--sizes", "0"], "参数 --sizes"),
        (&["--prevalence", "0.01", "--sizes", "201"], "1 至 200"),
        (&["--prevalence", "0.01", "--sizes", "-5"], "参数 --sizes"),
        (&["--prevalence", "0.01", "--sizes", ""], "参数 --sizes"),
        (&["--prevalence", "0.01", "--sizes", "5,x"], "参数 --sizes"),
        (
            &["--prevalence", "0.01", "--sizes", "99999999999999999999"],
            "参数 --sizes",
        ),
    ] {
        let args: Vec<&str> = ["pool-size"].iter().chain(args).copied().collect();
        let o = testing(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with("错误：") && err.contains(says),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(stdout(&o).is_empty(), "{args:?}");
    }
    let long = "1,".repeat(5000);
    let o = testing(&["pool-size", "--prevalence", "0.01", "--sizes", &long]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("参数 --sizes"), "{}", stderr(&o));
}
