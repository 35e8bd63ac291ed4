//! Issue 12, findings 1 and 2: the person record is identity only. The public report answers
//! the same whether or not an ID number is known or reported before and changes nothing stored
//! elsewhere; a grid worker who types the ID number of someone recorded in another grid learns
//! nothing of that record. Each test runs on SQLite and PostgreSQL against the real server.

mod common;

use chrono::Days;
use common::{hidden_csrf, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use wangge_domain::validate::make_valid;
use wangge_store::testing::Kind;
use wangge_store::{both_backends, Actor, Backend, Store};

// codes of the test tree, which is a part of the demo district these tests serve: the demo
// worker of grid A (`wangge1`) sees that grid only; OTHER_GRID (农科路社区第一网格) lies elsewhere
use wangge_store::testing::code::{GRID_A, GRID_C as OTHER_GRID};

fn in_days(n: u64) -> String {
    (wangge_server::today() + Days::new(n)).to_string()
}

async fn sql_row(store: &Store, sql: &str) -> (String, i64) {
    match store.backend() {
        Backend::Sqlite(p) => sqlx::query_as(sql).fetch_one(p).await.unwrap(),
        Backend::Postgres(p) => sqlx::query_as(sql).fetch_one(p).await.unwrap(),
    }
}

/// A push-list person of the demo and their item, whose phone is cleared so a leak would show.
async fn pushed_person(store: &Store) -> (String, i64) {
    let (id_number, item) = sql_row(
        store,
        "SELECT p.id_number, i.id FROM push_items i JOIN persons p ON p.id = i.person_id \
         WHERE i.node_id IS NOT NULL ORDER BY i.id LIMIT 1",
    )
    .await;
    common::execute_sql(
        store,
        "UPDATE push_items SET phone = NULL WHERE id = $1",
        item,
    )
    .await;
    (id_number, item)
}

/// The receipt page without its one per-report value, the report number.
fn without_number(html: &str) -> String {
    let start = "<dd class=\"mono\">";
    match html.find(start) {
        Some(i) => {
            let rest = &html[i + start.len()..];
            let end = rest.find("</dd>").unwrap_or(0);
            format!("{}{}", &html[..i], &rest[end..])
        }
        None => html.to_string(),
    }
}

fn form<'a>(csrf: &'a str, id: &'a str, arrival: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", "王小明"),
        ("id_number", id),
        ("phone", "13900139000"),
        ("origin", "110105"),
        ("travel", ""),
        ("occupation", ""),
        ("arrival_date", arrival),
        ("node_code", GRID_A),
        ("destination", "纬五路社区2号楼"),
        ("employer", ""),
    ]
}

async fn public_report_reveals_nothing(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let store = srv.store();
    let resident = store
        .list_residents(&Actor::system("test"), 0, 1)
        .await
        .unwrap()
        .remove(0);
    let (pushed, item) = pushed_person(store).await;
    let unknown = make_valid("11010519900307555");
    let arrival = in_days(5);

    let c = srv.client();
    let page = c.get("/report").await;
    let csrf = hidden_csrf(&page.body).unwrap();
    let mut answers = Vec::new();
    // unknown, a resident, a pushed person, and the pushed person again (a repeat)
    let resident_id = resident.id_number.full_for_tests().to_string();
    for id in [&unknown, &resident_id, &pushed, &pushed] {
        let r = c.post_form("/report", &form(&csrf, id, &arrival)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("王小明"),
            "the receipt shows what was typed"
        );
        answers.push(without_number(&r.body));
    }
    for a in &answers[1..] {
        assert_eq!(a, &answers[0], "the answer is the same for every ID number");
    }
    assert!(!answers[0].contains(&resident.name) || resident.name == "王小明");

    // the JSON path too: a receipt of the same shape and values, and never a 409
    let api = |id: &str| {
        json!({
            "id_number": id, "name": "王小明", "phone": "13900139000", "origin": "110105",
            "arrival_date": arrival, "destination": "纬五路社区1号楼", "node_code": GRID_A,
        })
    };
    let mut receipts = Vec::new();
    for id in [&unknown, &pushed, &pushed] {
        let r = c.post_json("/api/v1/arrivals", &api(id), &[]).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let mut v: Value = r.json();
        v.as_object_mut().unwrap().remove("id");
        receipts.push(v);
    }
    assert_eq!(receipts[0], receipts[1]);
    assert_eq!(receipts[1], receipts[2]);

    // nothing stored elsewhere changed: the push item has no phone, the resident their name
    let admin = srv.login("admin").await;
    let r = admin.get(&format!("/api/v1/pushlists/items/{item}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["phone"], Value::Null, "{}", r.body);
    let r = admin
        .get(&format!("/api/v1/residents/{}", resident.id))
        .await;
    assert_eq!(r.json()["name"], resident.name.as_str());
    assert_eq!(
        r.json()["phone"].as_str(),
        resident.phone.as_deref(),
        "{}",
        r.body
    );
    // the repeats reach the destination's staff as possible duplicates
    let worker = srv.login("wangge1").await;
    let r = worker.get("/api/v1/data-quality").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let issues = r.json();
    let dup = issues
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id_number"].as_str().unwrap().ends_with(&pushed[14..]))
        .expect("the pushed person's repeated report is listed");
    assert!(dup["kinds"]
        .as_array()
        .unwrap()
        .contains(&json!("duplicate_arrival")));
    let page = worker.get("/data-quality").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("疑似重复报备"), "{}", page.body);
    srv.stop().await;
}
both_backends!(public_report, public_report_reveals_nothing);

async fn a_worker_learns_nothing_of_other_grids(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let store = srv.store();
    let (pushed, _) = pushed_person(store).await;
    let other = store
        .list_residents(&Actor::system("test"), 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.node_code == OTHER_GRID)
        .expect("a demo resident of another grid");
    let worker = srv.login("wangge1").await;
    let csrf = worker.csrf().await;
    let h = [("x-csrf-token", csrf.as_str())];

    // someone on a push list elsewhere: registered here with what was typed, nothing else
    let body = json!({
        "id_number": pushed, "name": "赵六", "phone": "13600136000",
        "node_code": GRID_A, "address": "纬五路3号",
    });
    let r = worker.post_json("/api/v1/residents", &body, &h).await;
    // a pushed person may also be a demo resident somewhere: either way only typed data shows
    assert!(
        r.status == StatusCode::CREATED || r.status == StatusCode::ACCEPTED,
        "{}",
        r.body
    );
    assert_eq!(r.json()["name"], "赵六");
    assert_eq!(r.json()["phone"], "13600136000");

    // a resident of another grid: a move request, showing only what was typed
    let body = json!({
        "id_number": other.id_number.full_for_tests(), "name": "钱七", "phone": "13500135000",
        "node_code": GRID_A, "address": "纬五路4号",
    });
    let r = worker.post_json("/api/v1/residents", &body, &h).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let m = r.json();
    assert_eq!(
        (m["name"].as_str(), m["address"].as_str()),
        (Some("钱七"), Some("纬五路4号"))
    );
    assert_eq!(m["from_node_name"], Value::Null);
    assert_eq!(m["decidable"], false);
    assert!(!r.body.contains(&other.name) || other.name == "钱七");
    if let Some(phone) = &other.phone {
        assert!(!r.body.contains(phone.as_str()));
    }
    // the other grid's resident is still theirs, unchanged
    let admin = srv.login("admin").await;
    let r = admin.get(&format!("/api/v1/residents/{}", other.id)).await;
    assert_eq!(r.json()["node_code"], OTHER_GRID);
    assert_eq!(r.json()["name"], other.name.as_str());
    // the requester cannot decide; the district (a common superior) can, on the page
    let move_id = m["move_id"].as_i64().unwrap();
    let r = worker
        .post_json(
            &format!("/api/v1/residents/moves/{move_id}/decision"),
            &json!({"confirm": true}),
            &h,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let page = admin.get("/residents").await;
    assert!(page.body.contains("确认迁入"), "{}", page.body);
    let csrf = hidden_csrf(&page.body).unwrap();
    let r = admin
        .post_form(
            &format!("/residents/moves/{move_id}/decision"),
            &[("csrf", &csrf), ("decision", "confirm")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = worker.get(&format!("/api/v1/residents/{}", other.id)).await;
    assert_eq!(r.status, StatusCode::OK, "moved into the worker's grid");
    assert_eq!(r.json()["name"], "钱七");

    // a staff report of someone reported elsewhere for the same day: typed data, no 409
    let date = in_days(6);
    let report = |name: &str, node: &str| {
        json!({
            "id_number": pushed, "name": name, "phone": "13800138000", "origin": "110105",
            "arrival_date": date, "destination": "某地1号", "node_code": node,
        })
    };
    let a = admin
        .post_json(
            "/api/v1/arrivals",
            &report("孙八", OTHER_GRID),
            &[("x-csrf-token", &admin.csrf().await)],
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let r = worker
        .post_json("/api/v1/arrivals", &report("周九", GRID_A), &h)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["name"], "周九");
    assert!(!r.body.contains("孙八"));
    // in the worker's own scope a second report of that day is a conflict
    let r = worker
        .post_json("/api/v1/arrivals", &report("周九", GRID_A), &h)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    srv.stop().await;
}
both_backends!(
    worker_learns_nothing,
    a_worker_learns_nothing_of_other_grids
);
