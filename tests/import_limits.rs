//! Hostile import files over HTTP (issue 12, finding 3), on SQLite and PostgreSQL: an XLSX
//! cell at column FXSHRXW, one huge shared string, a zip bomb, and CSV/JSON past the row and
//! column limits are each refused with 422 and a message naming the limit, and store nothing.

mod common;

use common::{Client, TestServer};
use reqwest::StatusCode;
use serde_json::Value;
use wangge_domain::validate::make_valid;
use wangge_store::both_backends;
use wangge_store::testing::{hostile, Kind};

async fn count(c: &Client, path: &str) -> usize {
    let r = c.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.json().as_array().map_or(0, Vec::len)
}

/// The first refusal's message of a 422 answer.
fn refusal(status: StatusCode, body: &str) -> String {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let v: Value = serde_json::from_str(body).expect("JSON error");
    v["rows"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no rows in {body}"))
        .to_string()
}

async fn hostile_imports_are_refused(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let csrf = admin.csrf().await;
    let batches = count(&admin, "/api/v1/pushlists/batches").await;
    let areas = count(&admin, "/api/v1/risk-areas").await;
    let nodes = count(&admin, "/api/v1/grid").await;

    // push lists: XLSX, then CSV
    let push = |body: Vec<u8>| {
        let admin = &admin;
        let csrf = csrf.clone();
        async move {
            let r = admin
                .post_bytes(
                    "/api/v1/pushlists/import?name=hostile",
                    body,
                    &[("x-csrf-token", &csrf)],
                )
                .await;
            (r.status, r.body)
        }
    };
    let header = "姓名,身份证号,手机号,来源地,抵达时间,现住址,备注\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("cell at FXSHRXW", hostile::wide_column(), "64 列"),
        ("dimension to FXSHRXW", hostile::wide_dimension(), "64 列"),
        // 256 MiB in one string (the 1 GiB file is the same, four times slower to build)
        (
            "huge shared string",
            hostile::huge_shared_string(256 << 20),
            "64 KB",
        ),
        ("zip bomb", hostile::zip_bomb(200 << 20), "64 KB"),
        (
            "lying part size",
            hostile::zip_bomb_declaring(1 << 20, 10_000),
            "大于其声明的大小",
        ),
        (
            "CSV cell",
            format!("{header}张三,{}\n", "x".repeat(5000)).into_bytes(),
            "4096 字节",
        ),
        (
            "CSV columns",
            format!("{header}{}\n", vec!["1"; 65].join(",")).into_bytes(),
            "64 列",
        ),
        (
            "CSV row",
            format!("{header}\"{}", "x".repeat(2 << 20)).into_bytes(),
            "64 KB",
        ),
    ];
    for (what, body, limit) in cases {
        let (status, body) = push(body).await;
        let message = refusal(status, &body);
        assert!(message.contains(limit), "{what}: {message}");
    }
    assert_eq!(count(&admin, "/api/v1/pushlists/batches").await, batches);

    // risk areas and the grid
    let h = |ct: &'static str| [("x-csrf-token", csrf.clone()), ("content-type", ct.into())];
    let post = |path: &'static str, body: String, ct: &'static str| {
        let admin = &admin;
        let headers = h(ct);
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = admin.post_body(path, &body, &headers).await;
            (r.status, r.body)
        }
    };
    let risk_header = "code,street,name,level,valid_from,valid_until\n";
    let risk_cases = [
        (
            format!(
                "{risk_header}320105,,{},high,2021-12-20,\n",
                "名".repeat(2000)
            ),
            "text/csv",
            "4096 字节",
        ),
        (
            format!("{risk_header}{}\n", vec!["1"; 65].join(",")),
            "text/csv",
            "64 列",
        ),
        (
            format!(
                r#"[{{"code":"320105","name":"{}","level":"high","valid_from":"2021-12-20"}}]"#,
                "x".repeat(5000)
            ),
            "application/json",
            "4096 字节",
        ),
    ];
    for (body, ct, limit) in risk_cases {
        let (status, body) = post("/api/v1/risk-areas/import", body, ct).await;
        let message = refusal(status, &body);
        assert!(message.contains(limit), "{message}");
    }
    assert_eq!(count(&admin, "/api/v1/risk-areas").await, areas);
    let grid = format!(
        "code,name,level,parent_code\n410105006,{},township,410105\n",
        "街".repeat(2000)
    );
    let (status, body) = post("/api/v1/grid/import", grid, "text/csv").await;
    assert!(refusal(status, &body).contains("4096 字节"));
    assert_eq!(count(&admin, "/api/v1/grid").await, nodes);

    // the same builder's ordinary file is imported: the refusals are the limits, not the files
    let (status, body) = push(hostile::ordinary(&make_valid("11010119850101001"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        count(&admin, "/api/v1/pushlists/batches").await,
        batches + 1
    );
    srv.stop().await;
}

both_backends!(hostile_imports, hostile_imports_are_refused);
