//! Hostile input over HTTP, on SQLite and PostgreSQL: extreme dates and numbers, megabytes of
//! text, NUL in forms, made-up and out-of-scope references, and what may be cached. Every
//! refusal is a 422 naming the parameter or field; nothing reaches a panic or the database.

mod common;

use common::{Client, Reply, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use wangge_store::both_backends;
use wangge_store::testing::Kind;

// a code of the test tree, which is a part of the demo district these tests serve
use wangge_store::testing::code::GRID_A;

async fn csrf_header(c: &Client) -> String {
    c.csrf().await
}

/// A 422 JSON answer naming `field`, with a Chinese message.
fn assert_json_422(r: &Reply, field: &str, what: &str) {
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{what}: {}",
        &r.body[..r.body.len().min(300)]
    );
    let body = r.json();
    assert_eq!(body["field"], field, "{what}: {body}");
    let message = body["error"].as_str().unwrap_or("");
    assert!(
        message
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{what}: message in Chinese: {message}"
    );
}

/// A 422 page naming `field`: beside the field on a form that shows its errors in place
/// (`id="{field}-error"`), or on the error page (`data-field`); never the key as text.
fn assert_page_422(r: &Reply, field: &str, what: &str) {
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{what}: {}",
        &r.body[..r.body.len().min(300)]
    );
    assert!(
        r.body.contains(&format!("data-field=\"{field}\""))
            || r.body.contains(&format!("id=\"{field}-error\"")),
        "{what}: the page names {field}: {}",
        &r.body[..r.body.len().min(2000)]
    );
    assert!(
        !r.body.contains(&format!("{field}: ")),
        "{what}: no English key in the text"
    );
}

async fn extreme_dates_and_numbers_answer_422(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let worker = srv.login("wangge1").await;
    let admin = srv.login("admin").await;
    for date in [
        "-262143-01-01",
        "%2B262142-12-31",
        "262142-12-31",
        "1899-12-31",
        "2101-01-01",
    ] {
        let r = worker.get(&format!("/api/v1/daily?date={date}")).await;
        assert_json_422(&r, "date", &format!("daily {date}"));
        let r = worker.get(&format!("/daily?date={date}")).await;
        assert_page_422(&r, "date", &format!("daily page {date}"));
        let r = worker.get(&format!("/daily.xlsx?date={date}")).await;
        assert_page_422(&r, "date", &format!("daily.xlsx {date}"));
    }
    // the bounds themselves are days like any other
    for date in ["1900-01-01", "2100-12-31"] {
        let r = worker.get(&format!("/api/v1/daily?date={date}")).await;
        assert_eq!(r.status, StatusCode::OK, "daily {date}: {}", r.body);
        let r = admin
            .get(&format!("/api/v1/audit?from={date}&until={date}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "audit {date}: {}", r.body);
    }
    for (query, field) in [
        ("until=%2B262142-12-31", "until"),
        ("until=262142-12-31", "until"),
        ("from=-262143-01-01", "from"),
        ("from=1899-12-31", "from"),
        ("until=2101-01-01", "until"),
        ("before=0", "before"),
        ("before=abc", "before"),
        ("user=a%00b", "user"),
    ] {
        let r = admin.get(&format!("/api/v1/audit?{query}")).await;
        assert_json_422(&r, field, &format!("audit {query}"));
        let r = admin.get(&format!("/audit?{query}")).await;
        assert_page_422(&r, field, &format!("audit page {query}"));
    }
    let long_entity = format!("/api/v1/audit?entity={}", "x".repeat(101));
    assert_json_422(&admin.get(&long_entity).await, "entity", "audit entity");
    // numbers: limits, keyset positions, ids in the path
    for (path, field) in [
        ("/api/v1/arrivals?limit=0", "limit"),
        ("/api/v1/arrivals?limit=1001", "limit"),
        ("/api/v1/arrivals?limit=99999999999999999999", "limit"),
        ("/api/v1/arrivals?before=-1", "before"),
        ("/api/v1/arrivals?date=-262143-01-01", "date"),
        ("/api/v1/pushlists/items?limit=0", "limit"),
        ("/api/v1/pushlists/items?after=-5", "after"),
        ("/api/v1/pushlists/items?batch=0", "batch"),
        ("/api/v1/alerts?limit=100000", "limit"),
        ("/api/v1/checkpoints/1/hours?hours=100000", "hours"),
        ("/api/v1/arrivals/0", "id"),
        ("/api/v1/arrivals/-3", "id"),
        ("/api/v1/arrivals/abc", "id"),
        ("/api/v1/arrivals/99999999999999999999", "id"),
        ("/api/v1/users/0", "id"),
        // the public region lookup: its term and its count
        ("/api/v1/regions", "q"),
        ("/api/v1/regions?q=%20%20", "q"),
        ("/api/v1/regions?q=%E8%A5%BF%00", "q"),
        ("/api/v1/regions?q=%E8%A5%BF%07%E5%AE%89", "q"),
        ("/api/v1/regions?q=%E8%A5%BF&limit=0", "limit"),
        ("/api/v1/regions?q=%E8%A5%BF&limit=51", "limit"),
        ("/api/v1/regions?q=%E8%A5%BF&limit=x", "limit"),
    ] {
        assert_json_422(&admin.get(path).await, field, path);
    }
    let long_q = format!("/api/v1/regions?q={}", "x".repeat(65));
    assert_json_422(&admin.get(&long_q).await, "q", "regions q");
    assert_page_422(&admin.get("/arrivals/0").await, "id", "arrival page 0");
    assert_page_422(
        &admin.get("/arrivals?before=0").await,
        "before",
        "arrivals before",
    );
    // the server is still there
    assert_eq!(worker.get("/api/v1/daily").await.status, StatusCode::OK);
    srv.stop().await;
}
both_backends!(extreme_dates, extreme_dates_and_numbers_answer_422);

async fn megabytes_of_text_answer_422_naming_the_field(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let csrf = csrf_header(&admin).await;
    let h = [("x-csrf-token", csrf.as_str())];
    // a 6 MB address on the resident form (ASCII: percent-encoded Chinese would be 18 MB,
    // over the body limit)
    let address = "a".repeat(6 * 1024 * 1024);
    let id_number = wangge_domain::validate::make_valid("41010519910101555");
    let r = admin
        .post_form(
            "/residents",
            &[
                ("csrf", &csrf),
                ("id_number", &id_number),
                ("name", "钱七"),
                ("node_code", GRID_A),
                ("address", &address),
            ],
        )
        .await;
    assert_page_422(&r, "address", "6 MB address");
    // the same over the API, refused by the store itself
    let r = admin
        .post_json(
            "/api/v1/residents",
            &json!({"id_number": id_number, "name": "钱七", "node_code": GRID_A,
                    "address": address}),
            &h,
        )
        .await;
    assert_json_422(&r, "address", "6 MB address over the API");
    // a 6 MB checkpoint location over the API
    let r = admin
        .post_json(
            "/api/v1/checkpoints",
            &json!({"node_code": "410105001001", "name": "长地址卡口", "kind": "estate",
                    "location": "a".repeat(6 * 1024 * 1024)}),
            &h,
        )
        .await;
    assert_json_422(&r, "location", "6 MB location");
    // a 3 MB display name
    let r = admin
        .post_json(
            "/api/v1/users",
            &json!({"username": "changming", "display_name": "名".repeat(1024 * 1024),
                    "role": "grid_worker", "node_code": GRID_A, "password": "a-long-password"}),
            &h,
        )
        .await;
    assert_json_422(&r, "display_name", "3 MB display name");
    let r = admin
        .post_json(
            "/api/v1/users",
            &json!({"username": "changming", "display_name": "名".repeat(51),
                    "role": "grid_worker", "node_code": GRID_A, "password": "a-long-password"}),
            &h,
        )
        .await;
    assert_json_422(&r, "display_name", "51-character display name");
    let users = admin.get("/api/v1/users").await.json();
    assert!(
        !users
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "changming"),
        "nothing stored"
    );
    // a 7 MB token name
    let kakou = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "kakou")
        .unwrap()["id"]
        .clone();
    let r = admin
        .post_json(
            &format!("/api/v1/users/{kakou}/tokens"),
            &json!({"name": "a".repeat(7 * 1024 * 1024)}),
            &h,
        )
        .await;
    assert_json_422(&r, "name", "7 MB token name");
    srv.stop().await;
}
both_backends!(
    megabytes_of_text,
    megabytes_of_text_answer_422_naming_the_field
);

async fn nul_in_a_form_field_is_refused_and_nothing_stored(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let csrf = csrf_header(&admin).await;
    let r = admin
        .post_form(
            "/checkpoints",
            &[
                ("csrf", &csrf),
                ("node_code", "410105001001"),
                ("name", "纬五路\0西门"),
                ("kind", "estate"),
                ("location", "西门"),
            ],
        )
        .await;
    assert_page_422(&r, "name", "NUL in a checkpoint name");
    let r = admin
        .post_form(
            "/checkpoints",
            &[
                ("csrf", &csrf),
                ("node_code", "410105001001"),
                ("name", "纬五路西门"),
                ("kind", "estate"),
                ("location", "西\u{1}门"),
            ],
        )
        .await;
    assert_page_422(&r, "location", "a control character in a location");
    let list = admin.get("/api/v1/checkpoints").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        !list.body.contains("西门") && !list.body.contains("\\u0000"),
        "nothing stored: {}",
        list.body
    );
    // NUL in a field the form does not even have is refused too, naming it
    let r = admin
        .post_form(
            "/residents",
            &[("csrf", &csrf), ("name", "王五"), ("extra", "a\0b")],
        )
        .await;
    assert_page_422(&r, "extra", "NUL in an unknown field");
    // the same through JSON, on the store's own check (the JSON path refused NUL before)
    let csrf2 = csrf_header(&admin).await;
    let r = admin
        .post_json(
            "/api/v1/checkpoints",
            &json!({"node_code": "410105001001", "name": "纬五路\u{7}北门", "kind": "estate"}),
            &[("x-csrf-token", &csrf2)],
        )
        .await;
    assert_json_422(&r, "name", "BEL in a JSON checkpoint name");
    srv.stop().await;
}
both_backends!(
    nul_in_forms,
    nul_in_a_form_field_is_refused_and_nothing_stored
);

/// An open push item of wangge1's grid, moved to "reached", with its person's full ID number.
async fn reached_item(worker: &Client, h: &[(&str, &str)]) -> (i64, String, String) {
    let items = worker.get("/api/v1/pushlists/items?view=open").await.json();
    let item = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["state"] == "pending")
        .expect("a pending push item in wangge1's grid")
        .clone();
    let id = item["id"].as_i64().unwrap();
    let r = worker
        .post_json(
            &format!("/api/v1/pushlists/items/{id}/verify"),
            &json!({"state": "reached"}),
            h,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let full = worker
        .get(&format!("/api/v1/pushlists/items/{id}?reveal=1"))
        .await
        .json();
    (
        id,
        full["id_number"].as_str().unwrap().to_string(),
        full["name"].as_str().unwrap().to_string(),
    )
}

async fn references_must_exist_in_the_callers_scope(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let worker = srv.login("wangge1").await;
    let csrf = worker.csrf().await;
    let h = [("x-csrf-token", csrf.as_str())];
    let (item, id_number, name) = reached_item(&worker, &h).await;
    let measures = |arrival: Value| json!({"state": "measures_in_place", "measures": "居家健康监测14天", "arrival_id": arrival});
    let verify = format!("/api/v1/pushlists/items/{item}/verify");
    // an arrival number that does not exist
    let r = worker.post_json(&verify, &measures(json!(9999)), &h).await;
    assert_json_422(&r, "arrival_id", "arrival 9999");
    let missing = r.json()["error"].as_str().unwrap().replace("9999", "N");
    for bad in [json!(0), json!(-1)] {
        let r = worker.post_json(&verify, &measures(bad.clone()), &h).await;
        assert_json_422(&r, "arrival_id", &format!("arrival {bad}"));
    }
    // an arrival that exists, outside wangge1's grid: the same answer
    let all = admin.get("/api/v1/arrivals?limit=1000").await.json();
    let outside = all
        .as_array()
        .unwrap()
        .iter()
        .find(|a| !a["node_code"].as_str().unwrap_or("").starts_with(GRID_A))
        .expect("a demo arrival outside wangge1's grid")["id"]
        .as_i64()
        .unwrap();
    let r = worker
        .post_json(&verify, &measures(json!(outside)), &h)
        .await;
    assert_json_422(&r, "arrival_id", "arrival outside the scope");
    assert_eq!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .replace(&outside.to_string(), "N"),
        missing,
        "an out-of-scope arrival answers like a missing one"
    );
    // the page form: a non-number and a made-up number, then a real arrival of this person
    let form = format!("/pushlists/items/{item}/verify");
    for bad in ["abc", "9999"] {
        let r = worker
            .post_form(
                &form,
                &[
                    ("csrf", &csrf),
                    ("state", "measures_in_place"),
                    ("measures", "居家健康监测14天"),
                    ("arrival_id", bad),
                ],
            )
            .await;
        assert_page_422(&r, "arrival_id", &format!("form arrival {bad}"));
    }
    let item_json = worker
        .get(&format!("/api/v1/pushlists/items/{item}"))
        .await
        .json();
    assert_eq!(item_json["state"], "reached", "nothing changed");
    let admin_csrf = admin.csrf().await;
    let arrival_date = (wangge_server::today() + chrono::Days::new(3)).to_string();
    let r = admin
        .post_json(
            "/api/v1/arrivals",
            &json!({"id_number": id_number, "name": name, "phone": "13800138000",
                    "origin": "110105", "arrival_date": arrival_date,
                    "destination": "纬五路社区1号楼", "node_code": GRID_A}),
            &[("x-csrf-token", &admin_csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let arrival = r.json()["id"].as_i64().unwrap();
    let r = worker
        .post_form(
            &form,
            &[
                ("csrf", &csrf),
                ("state", "measures_in_place"),
                ("measures", "居家健康监测14天"),
                ("arrival_id", &arrival.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = worker.get(&format!("/pushlists/items/{item}")).await;
    assert!(
        page.body
            .contains(&format!("居家健康监测14天（来返报备编号 {arrival}）")),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("（来返报备编号（可选）"),
        "the form's label is not part of the text"
    );
    srv.stop().await;
}
both_backends!(references, references_must_exist_in_the_callers_scope);

async fn personal_data_is_never_cached(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let worker = srv.login("wangge1").await;
    let cache = |r: &Reply| {
        r.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    for path in [
        "/residents",
        "/arrivals",
        "/api/v1/arrivals",
        "/api/v1/me",
        "/audit",
    ] {
        let r = admin.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(cache(&r), "no-store", "{path}");
    }
    for path in ["/daily", "/api/v1/daily", "/api/v1/pushlists/items"] {
        let r = worker.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(cache(&r), "no-store", "{path}");
    }
    let (status, headers, _) = worker.get_bytes("/daily.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    // error answers and redirects too: they may carry what was typed
    let anon = srv.client();
    assert_eq!(cache(&anon.get("/api/v1/arrivals").await), "no-store");
    assert_eq!(cache(&anon.get("/residents").await), "no-store");
    // static assets keep their own caching
    for path in [
        "/static/app.css",
        "/static/alerts.js",
        "/static/pushlists.js",
    ] {
        let r = anon.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let c = cache(&r);
        assert!(
            c.contains("max-age") && !c.contains("no-store"),
            "{path}: {c}"
        );
    }
    srv.stop().await;
}
both_backends!(no_store, personal_data_is_never_cached);
