//! Alerts tied to people over HTTP, on SQLite and PostgreSQL. A fever scan at a checkpoint of
//! 花园路街道 of a person whose arrival is on wangge1's grid (经八路街道) reaches wangge1's
//! alert list, page and live feed with the name and a link to the arrival; a viewer of the
//! checkpoint's node only sees the alert but neither the name nor the link. A pushed person
//! reaches the grid tracing them the same way. 处置 takes an outcome from the list (the page
//! and the API refuse a bad one naming the field), once (409 after), and is audited.

mod common;

use std::time::Duration;

use common::{Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use wangge_domain::validate::make_valid;
use wangge_store::both_backends;
use wangge_store::testing::code::GRID_A;
use wangge_store::testing::Kind;

/// 农科路社区 (花园路街道): the checkpoint's node, in the other street.
const NONGKELU: &str = "410105002001";
const PASSWORD: &str = "a-long-password";

fn id(n: u32) -> String {
    make_valid(&format!("13010219880202{n:03}"))
}

async fn post(c: &Client, path: &str, body: &Value) -> common::Reply {
    let csrf = c.csrf().await;
    c.post_json(path, body, &[("x-csrf-token", &csrf)]).await
}

/// An account made by the district admin, logged in.
async fn account(srv: &TestServer, admin: &Client, username: &str, role: &str) -> Client {
    let r = post(
        admin,
        "/api/v1/users",
        &json!({"username": username, "display_name": username, "role": role,
                "node_code": NONGKELU, "password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let c = srv.client();
    assert_eq!(c.login(username, PASSWORD).await, StatusCode::SEE_OTHER);
    c
}

/// A checkpoint at 农科路社区 and an API token for its gate.
async fn checkpoint(admin: &Client) -> (i64, String) {
    let r = post(
        admin,
        "/api/v1/checkpoints",
        &json!({"node_code": NONGKELU, "name": "农科路社区北门", "kind": "estate"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cp = r.json()["id"].as_i64().unwrap();
    let r = post(
        admin,
        "/api/v1/users",
        &json!({"username": "beimen", "display_name": "北门闸机", "role": "checkpoint_operator",
                "node_code": NONGKELU, "password": PASSWORD}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let user = r.json()["id"].clone();
    let r = post(
        admin,
        &format!("/api/v1/users/{user}/tokens"),
        &json!({"name": "北门闸机"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (cp, r.json()["token"].as_str().unwrap().to_string())
}

/// The next `alert` event of a live feed, as JSON.
async fn next_alert(stream: &mut reqwest::Response, seen: &mut String) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(at) = seen.find("event: alert\n") {
            if let Some(end) = seen[at..].find("\n\n") {
                let event = seen[at..at + end].to_string();
                seen.replace_range(..at + end + 2, "");
                let data = event
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .expect("data line");
                return serde_json::from_str(data).expect("alert JSON");
            }
        }
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("alert pushed within 10 s")
            .expect("stream chunk")
            .expect("stream open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn feed(c: &Client) -> reqwest::Response {
    let s = c
        .raw_get("/api/v1/alerts/stream")
        .send()
        .await
        .expect("stream");
    assert_eq!(s.status(), StatusCode::OK);
    s
}

/// The alerts export as CSV text.
async fn export_csv(c: &Client) -> String {
    let r = c.get("/checkpoints/alerts/export?format=csv").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

fn alerts_of(c: &Value) -> Vec<Value> {
    c.as_array().cloned().unwrap_or_default()
}

fn find(list: &[Value], alert: i64) -> Option<&Value> {
    list.iter().find(|a| a["id"] == alert)
}

async fn alerts_reach_the_persons_grid_with_the_name_only_there(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let wangge1 = srv.login("wangge1").await;
    let wangge2 = srv.login("wangge2").await;
    // 王测试 reported arriving today on wangge1's grid, in 经八路街道
    let r = post(
        &wangge1,
        "/api/v1/arrivals",
        &json!({"id_number": id(1), "name": "王测试", "phone": "13800138000",
                "origin": "110105", "arrival_date": wangge_server::today().to_string(),
                "destination": "纬五路社区第一网格3号楼", "node_code": GRID_A}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let arrival = r.json()["id"].as_i64().unwrap();
    // 李测试 is on a push list, traced by wangge2's grid
    let csv = format!(
        "姓名,身份证号,来源地,抵达时间,现住址\n李测试,{},上海市,2021-12-20,纬五路社区第二网格2号楼\n",
        id(2)
    );
    let csrf = admin.csrf().await;
    let r = admin
        .post_bytes(
            "/api/v1/pushlists/import?name=alerts&due_hours=24",
            csv.into_bytes(),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let items = wangge2
        .get("/api/v1/pushlists/items?limit=1000")
        .await
        .json();
    let item = alerts_of(&items)
        .into_iter()
        .find(|i| i["name"] == "李测试")
        .expect("李测试 placed on grid B")["id"]
        .as_i64()
        .unwrap();

    // the demo's own: a fever at the highway checkpoint of 祭城路街道 of a person arriving on
    // wangge1's grid reached wangge1 with the name
    let demo = alerts_of(&wangge1.get("/api/v1/alerts").await.json());
    assert!(
        demo.iter().any(|a| a["checkpoint_name"]
            .as_str()
            .is_some_and(|n| n.starts_with("G4"))
            && a["reasons"] == json!(["fever"])
            && a["person_name"].is_string()
            && a["links"][0]["kind"] == "arrival"),
        "{demo:?}"
    );

    // the checkpoint is in 花园路街道; its community's worker watches it
    let (cp, token) = checkpoint(&admin).await;
    let nongke = account(&srv, &admin, "nongke", "grid_worker").await;
    let mut feed1 = feed(&wangge1).await;
    let mut feed_b = feed(&nongke).await;
    let (mut seen1, mut seen_b) = (String::new(), String::new());
    let gate = srv.client();
    let bearer = format!("Bearer {token}");
    let r = gate
        .post_json(
            &format!("/api/v1/checkpoints/{cp}/scans"),
            &json!({"id_number": id(1), "temperature": 37.8, "code_colour": "green"}),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let alert = r.json()["scans"][0]["alert_id"].as_i64().unwrap();

    // the person's grid has it at once, with the name and the link
    let live = next_alert(&mut feed1, &mut seen1).await;
    assert_eq!(live["id"], alert);
    assert_eq!(live["person_name"], "王测试");
    assert_eq!(live["links"][0]["href"], format!("/arrivals/{arrival}"));
    assert_eq!(live["links"][0]["kind"], "arrival");
    // the checkpoint's node has it too, and learns nothing of the arrival
    let live_b = next_alert(&mut feed_b, &mut seen_b).await;
    assert_eq!(live_b["id"], alert);
    assert!(live_b["person_name"].is_null(), "{live_b}");
    assert_eq!(live_b["links"], json!([]));
    assert!(!live_b.to_string().contains("王测试"));

    // wangge1's list, page and the alert's page
    let list = alerts_of(&wangge1.get("/api/v1/alerts").await.json());
    let mine = find(&list, alert).expect("the person's grid sees the alert");
    assert_eq!(mine["person_name"], "王测试");
    assert_eq!(mine["links"].as_array().unwrap().len(), 1);
    assert_eq!(mine["id_number"], format!("**************{}", &id(1)[14..]));
    let link = format!(r#"href="/arrivals/{arrival}""#);
    let page = wangge1.get("/checkpoints/alerts").await;
    assert!(
        page.body.contains("王测试") && page.body.contains(&link),
        "{}",
        page.body
    );
    let one = wangge1.get(&format!("/checkpoints/alerts/{alert}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.body.contains("王测试") && one.body.contains(&link));
    assert!(one.body.contains("农科路社区北门") && one.body.contains("37.8℃"));
    let api_one = wangge1.get(&format!("/api/v1/alerts/{alert}")).await.json();
    assert_eq!(api_one["person_name"], "王测试");
    // the link opens the arrival for wangge1
    let r = wangge1.get(&format!("/arrivals/{arrival}")).await;
    assert_eq!(r.status, StatusCode::OK);

    // the viewer of the checkpoint's node: the alert, not the name, not the link
    let list_b = nongke.get("/api/v1/alerts").await;
    let theirs = alerts_of(&list_b.json());
    let at_gate = find(&theirs, alert).expect("the checkpoint's node sees the alert");
    assert!(at_gate["person_name"].is_null() && at_gate["links"] == json!([]));
    for body in [
        list_b.body,
        nongke.get("/checkpoints/alerts").await.body,
        nongke
            .get(&format!("/checkpoints/alerts/{alert}"))
            .await
            .body,
        nongke.get(&format!("/api/v1/alerts/{alert}")).await.body,
        nongke.get(&format!("/checkpoints/{cp}")).await.body,
    ] {
        assert!(!body.contains("王测试"), "{body}");
        assert!(!body.contains(&format!("/arrivals/{arrival}")), "{body}");
    }
    // another grid of 经八路街道 does not see it at all
    assert!(find(
        &alerts_of(&wangge2.get("/api/v1/alerts").await.json()),
        alert
    )
    .is_none());
    assert_eq!(
        wangge2.get(&format!("/api/v1/alerts/{alert}")).await.status,
        StatusCode::NOT_FOUND
    );

    // a pushed person reaches the tracing grid, with a link to the push item
    let r = gate
        .post_json(
            &format!("/api/v1/checkpoints/{cp}/scans"),
            &json!({"id_number": id(2), "temperature": 36.5, "code_colour": "red"}),
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        r.json()["scans"][0]["reasons"],
        json!(["red_code", "push_list"])
    );
    let pushed = r.json()["scans"][0]["alert_id"].as_i64().unwrap();
    let traced = alerts_of(&wangge2.get("/api/v1/alerts").await.json());
    let traced = find(&traced, pushed).expect("the tracing grid sees it");
    assert_eq!(traced["person_name"], "李测试");
    assert_eq!(
        traced["links"][0]["href"],
        format!("/pushlists/items/{item}")
    );
    assert!(find(
        &alerts_of(&wangge1.get("/api/v1/alerts").await.json()),
        pushed
    )
    .is_none());
    let at_gate = nongke.get(&format!("/api/v1/alerts/{pushed}")).await;
    assert!(!at_gate.body.contains("李测试") && !at_gate.body.contains("/pushlists/items/"));

    // the export: the name only where the exporter may open the record
    let exported = export_csv(&wangge1).await;
    assert!(
        exported.contains("姓名") && exported.contains("处置结果") && exported.contains("处置说明")
    );
    assert!(exported.contains("王测试"), "{exported}");
    let exported_b = export_csv(&nongke).await;
    assert!(exported_b.contains("农科路社区北门") && !exported_b.contains("王测试"));
    assert!(!exported_b.contains("李测试"));
    drop((feed1, feed_b));
    srv.stop().await;
}
both_backends!(
    reach_and_privacy,
    alerts_reach_the_persons_grid_with_the_name_only_there
);

/// A fever scan at a new checkpoint of 花园路街道 of a person nobody recorded: (server, admin,
/// alert id).
async fn one_alert(kind: Kind) -> (TestServer, Client, i64) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let (cp, token) = checkpoint(&admin).await;
    let r = srv
        .client()
        .post_json(
            &format!("/api/v1/checkpoints/{cp}/scans"),
            &json!({"id_number": id(9), "temperature": 38.1}),
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let alert = r.json()["scans"][0]["alert_id"].as_i64().unwrap();
    (srv, admin, alert)
}

async fn handling_takes_an_outcome_once_and_is_audited(kind: Kind) {
    let (srv, admin, alert) = one_alert(kind).await;
    let nongke = account(&srv, &admin, "nongke", "grid_worker").await;
    let api = format!("/api/v1/alerts/{alert}/handle");
    // the API: an outcome from the list, a note for 其他, a bounded note; each names its field
    for (body, field, words) in [
        (json!({"outcome": "done"}), "outcome", "处置结果“done”无效"),
        (json!({}), "outcome", "请选择处置结果"),
        (json!({"outcome": "other"}), "note", "须填写处置说明"),
        (
            json!({"outcome": "其他", "note": "  "}),
            "note",
            "须填写处置说明",
        ),
        (
            json!({"outcome": "contacted", "note": "长".repeat(2001)}),
            "note",
            "处置说明过长",
        ),
    ] {
        let r = post(&nongke, &api, &body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.body
        );
        assert_eq!(r.json()["field"], field, "{body}: {}", r.body);
        assert!(
            r.json()["error"].as_str().unwrap().contains(words),
            "{}",
            r.body
        );
    }
    // the page: the form again, the error beside its field, what was typed kept
    let form = format!("/checkpoints/alerts/{alert}/handle");
    let csrf = nongke.csrf().await;
    let r = nongke
        .post_form(
            &form,
            &[("csrf", &csrf), ("outcome", "other"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="note-error""#), "{}", r.body);
    assert!(r.body.contains("须填写处置说明"));
    assert!(
        r.body.contains(r#"value="other" selected"#),
        "chosen outcome kept"
    );
    let r = nongke
        .post_form(
            &form,
            &[("csrf", &csrf), ("outcome", "?"), ("note", "已电话<联系>")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="outcome-error""#), "{}", r.body);
    assert!(
        r.body.contains("已电话&lt;联系&gt;") || r.body.contains("已电话&#60;联系&#62;"),
        "typed note kept, escaped: {}",
        r.body
    );
    let open = nongke.get("/api/v1/alerts?open=1").await.json();
    assert!(
        find(&alerts_of(&open), alert).is_some(),
        "nothing handled yet"
    );

    // handled once, on the page
    let r = nongke
        .post_form(
            &form,
            &[
                ("csrf", &csrf),
                ("outcome", "isolated"),
                ("note", "已送集中隔离点"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = nongke.get(&format!("/api/v1/alerts/{alert}")).await.json();
    assert_eq!(
        (
            a["handled"].clone(),
            a["outcome"].clone(),
            a["outcome_label"].clone()
        ),
        (json!(true), json!("isolated"), json!("已隔离"))
    );
    assert_eq!(
        (a["note"].clone(), a["handled_by"].clone()),
        (json!("已送集中隔离点"), json!("nongke"))
    );
    let page = nongke.get(&format!("/checkpoints/alerts/{alert}")).await;
    assert!(page.body.contains("已隔离") && page.body.contains("已送集中隔离点"));
    assert!(!page.body.contains(&form), "no form once handled");
    // a second handling: 409 with a Chinese message, on the API and the page
    let r = post(&admin, &api, &json!({"outcome": "false_alarm"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let message = r.json()["error"].as_str().unwrap().to_string();
    assert!(
        message.contains("已处置") && message.contains("不能重复处置"),
        "{message}"
    );
    let csrf = admin.csrf().await;
    let r = admin
        .post_form(&form, &[("csrf", &csrf), ("outcome", "contacted")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("不能重复处置"), "{}", r.body);
    let a = admin.get(&format!("/api/v1/alerts/{alert}")).await.json();
    assert_eq!(a["outcome"], "isolated", "the first handling stands");

    // audited once, with the fields named in Chinese
    let log = admin
        .get("/api/v1/audit?entity=checkpoint_alert")
        .await
        .json();
    let log = alerts_of(&log);
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["action"], "handle");
    assert_eq!(log[0]["username"], "nongke");
    assert!(log[0]["after_json"].as_str().unwrap().contains("isolated"));
    let page = admin.get("/audit?entity=checkpoint_alert").await;
    assert!(
        page.body.contains("卡口预警")
            && page.body.contains("处置结果")
            && page.body.contains("已隔离"),
        "{}",
        page.body
    );
    srv.stop().await;
}
both_backends!(handling, handling_takes_an_outcome_once_and_is_audited);

/// A checkpoint's page lists its scans newest first by scan time, in Chinese words.
async fn scans_list_newest_first_in_chinese(kind: Kind) {
    let (srv, admin, _) = one_alert(kind).await;
    let cp = admin.get("/api/v1/checkpoints").await.json();
    let cp = alerts_of(&cp)
        .into_iter()
        .find(|c| c["name"] == "农科路社区北门")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let csrf = admin.csrf().await;
    let now = chrono::Utc::now();
    let at = |m: i64| (now - chrono::Duration::minutes(m)).to_rfc3339();
    // uploaded late: the older scan comes second
    let r = admin
        .post_json(
            &format!("/api/v1/checkpoints/{cp}/scans"),
            &json!([
                {"plate": "豫A11111", "direction": "out", "scanned_at": at(1), "code_colour": "yellow"},
                {"plate": "豫A22222", "direction": "in", "scanned_at": at(90), "code_colour": "green"}
            ]),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let page = admin.get(&format!("/checkpoints/{cp}")).await;
    let scans = &page.body[page.body.find(r#"id="recent-scans""#).expect("scans table")..];
    let scans = &scans[..scans.find("</table>").unwrap()];
    // the fever scan was taken first but is the newest; the one of 90 minutes ago came last
    let (fever, minute, late) = (
        scans
            .find(&format!("**************{}", &id(9)[14..]))
            .unwrap(),
        scans.find("豫A11111").unwrap(),
        scans.find("豫A22222").unwrap(),
    );
    assert!(
        fever < minute && minute < late,
        "newest first by scan time: {scans}"
    );
    for word in ["扫码时间", "进", "出", "绿码", "黄码", "38.1℃"] {
        assert!(scans.contains(word), "{word}: {scans}");
    }
    for raw in [">in<", ">out<", ">green<", ">yellow<"] {
        assert!(!scans.contains(raw), "{raw} untranslated");
    }
    srv.stop().await;
}
both_backends!(scans_newest_first, scans_list_newest_first_in_chinese);
