//! 全员核酸 over HTTP, on SQLite and PostgreSQL: the district opens a campaign, the township a
//! sampling point in grid A, grid A's worker opens a tube, scans people into it (the same person
//! twice is refused naming the tube) and seals it; a result upload with a bad row changes
//! nothing and names the row; after a positive result grid A's worker gets the recall list
//! (ID numbers masked) and grid B's worker, whose grid has nobody in the tube, gets 404.

mod common;

use common::{day, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use wangge_domain::validate::make_valid;
use wangge_store::both_backends;
use wangge_store::testing::code::GRID_A;
use wangge_store::testing::Kind;

fn id(n: u32) -> String {
    make_valid(&format!("41010519900303{n:03}"))
}

async fn post(c: &Client, path: &str, body: &Value) -> common::Reply {
    let csrf = c.csrf().await;
    c.post_json(path, body, &[("x-csrf-token", &csrf)]).await
}

async fn campaign_to_recall(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let r = post(
        &admin,
        "/api/v1/testing/campaigns",
        &json!({"node_code": "410105", "name": "第一轮", "starts_on": day(0),
                "ends_on": day(-1), "pool_size": 3}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("pool_size") && r.body.contains("ends_on"),
        "{}",
        r.body
    );
    let r = post(
        &admin,
        "/api/v1/testing/campaigns",
        &json!({"node_code": "410105", "name": "第一轮", "starts_on": day(0),
                "ends_on": day(1), "pool_size": 10}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let campaign = r.json()["id"].as_i64().expect("campaign id");

    let township = srv.login("jingbalu").await;
    let r = post(
        &township,
        &format!("/api/v1/testing/campaigns/{campaign}/points"),
        &json!({"node_code": GRID_A, "name": "纬五路社区广场", "hours": "07:00-12:00"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let point = r.json()["id"].as_i64().expect("point id");
    assert_eq!(r.json()["pool_size"], 10);

    let worker = srv.login("wangge1").await;
    let r = post(
        &worker,
        &format!("/api/v1/testing/points/{point}/tubes"),
        &json!({"barcode": "hs-0001"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["barcode"], "HS-0001");
    for (n, name) in [(1, "张三"), (2, "李四")] {
        let r = post(
            &worker,
            "/api/v1/testing/tubes/HS-0001/samples",
            &json!({"id_number": id(n), "name": name}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = post(
        &worker,
        "/api/v1/testing/tubes/HS-0001/samples",
        &json!({"id_number": id(1)}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("HS-0001"), "{}", r.body);
    let other = srv.login("wangge2").await;
    let r = post(
        &other,
        "/api/v1/testing/tubes/HS-0001/samples",
        &json!({"id_number": id(3)}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = post(&worker, "/api/v1/testing/tubes/HS-0001/seal", &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["state"], "sealed");
    assert_eq!(r.json()["members"], 2);

    let r = post(
        &admin,
        "/api/v1/testing/results",
        &json!([{"barcode": "HS-0001", "result": "positive"},
                {"barcode": "NO-SUCH-1", "result": "negative"}]),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("NO-SUCH-1"), "{}", r.body);
    let r = worker.get("/api/v1/testing/tubes/HS-0001").await;
    assert_eq!(
        r.json()["result"],
        Value::Null,
        "nothing applied: {}",
        r.body
    );
    let r = post(
        &admin,
        "/api/v1/testing/results",
        &json!([{"barcode": "HS-0001", "result": "阳性"}]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["recalls"], json!(["HS-0001"]));

    let r = worker.get("/api/v1/testing/tubes/HS-0001/recall").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let recall = r.json();
    let names: Vec<&str> = recall["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(names, ["张三", "李四"], "{}", r.body);
    assert!(
        !r.body.contains(&id(1)),
        "ID numbers are masked: {}",
        r.body
    );
    let r = other.get("/api/v1/testing/tubes/HS-0001/recall").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    let r = worker.get("/api/v1/testing/campaigns").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()[0]["id"], campaign);
    srv.stop().await;
}
both_backends!(campaign_to_recall, campaign_to_recall);
