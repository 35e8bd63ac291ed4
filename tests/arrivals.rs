//! Arrivals over HTTP, on SQLite and PostgreSQL: the public form and API (CSRF, rate limit),
//! every status change, bad input, scope, recomputation on a risk-area change, the daily list
//! and its XLSX export, policy versions.

mod common;

use common::{day, hidden_csrf, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use wangge_domain::validate::make_valid;
use wangge_store::both_backends;
use wangge_store::testing::Kind;

// codes of the test tree, which is a part of the demo district these tests serve
use wangge_store::testing::code::{GRID_A, GRID_B};

/// A JSON report; `seq` makes the ID number unique within a test.
fn report(seq: u32, origin: &str, arrival: &str, node: &str) -> Value {
    json!({
        "id_number": make_valid(&format!("32010219900101{seq:03}")),
        "name": "测试人员",
        "phone": "13800138000",
        "origin": origin,
        "arrival_date": arrival,
        "destination": "纬五路社区1号楼",
        "node_code": node,
    })
}

async fn staff_post(c: &Client, path: &str, body: &Value) -> common::Reply {
    let csrf = c.csrf().await;
    c.post_json(path, body, &[("x-csrf-token", &csrf)]).await
}

fn form_fields<'a>(
    csrf: &'a str,
    id: &'a str,
    arrival: &'a str,
    node: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", "王小明"),
        ("id_number", id),
        ("phone", "13900139000"),
        ("origin", "110105 三里屯街道"),
        ("overseas_days", ""),
        ("travel", "2021-01-01 110105"),
        ("occupation", "教师"),
        ("arrival_date", arrival),
        ("node_code", node),
        ("destination", "纬五路社区2号楼"),
        ("employer", ""),
    ]
}

async fn public_form_reports_and_refuses_bad_input(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let c = srv.client();
    let page = c.get("/report").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(c.has_cookie("wangge_report_csrf"));
    let csrf = hidden_csrf(&page.body).unwrap();
    let id = make_valid("11010519900307123");
    let arrival = day(3);
    // travel history older than 14 days is refused, naming the entry
    let r = c
        .post_form("/report", &form_fields(&csrf, &id, &arrival, GRID_A))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("第1条旅居史的日期"),
        "named in words: {}",
        r.body
    );
    assert!(
        !r.body.contains("travel[1].date"),
        "no field keys in the text"
    );
    assert!(r.body.contains("王小明"), "the form keeps what was typed");
    let csrf = hidden_csrf(&r.body).unwrap();
    let travel = format!("{} 110105 三里屯街道", day(-2));
    let mut fields = form_fields(&csrf, &id, &arrival, GRID_A);
    fields[6] = ("travel", &travel);
    let r = c.post_form("/report", &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("报备成功"), "{}", r.body);
    assert!(r.body.contains("居家健康监测") && r.body.contains("other-province"));
    assert!(
        !r.body.contains(&id),
        "the receipt does not echo the ID number"
    );
    // the same person and date again: the same answer (the repeat goes to the staff as a
    // possible duplicate; tests/privacy.rs compares the answers)
    let again = c.post_form("/report", &fields).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert!(again.body.contains("报备成功"), "{}", again.body);
    let r = c.get("/report").await;
    let mut csrf = hidden_csrf(&r.body).unwrap();
    for (field, value, status, named) in [
        (
            "id_number",
            "110105199003071230",
            StatusCode::UNPROCESSABLE_ENTITY,
            "id_number",
        ),
        (
            "node_code",
            "410105009009009",
            StatusCode::UNPROCESSABLE_ENTITY,
            "node_code",
        ),
        (
            "arrival_date",
            "2021-02-30",
            StatusCode::UNPROCESSABLE_ENTITY,
            "arrival_date",
        ),
    ] {
        let mut f = form_fields(&csrf, &id, &arrival, GRID_A);
        f[6] = ("travel", "");
        if let Some(slot) = f.iter_mut().find(|(k, _)| *k == field) {
            slot.1 = value;
        }
        let r = c.post_form("/report", &f).await;
        assert_eq!(r.status, status, "{field}: {}", r.body);
        assert!(r.body.contains(named), "{field}: {}", r.body);
        // every rendering of the form issues a fresh token
        csrf = hidden_csrf(&r.body).unwrap();
    }
    // several bad fields: the same form (422), every error beside its field, all at once, and
    // what was typed kept
    let mut f = form_fields(&csrf, &id, &arrival, GRID_A);
    for (field, value) in [
        ("id_number", "110105199003071230"),
        ("phone", "12345"),
        ("overseas_days", "三天"),
        ("travel", "昨天 110105"),
        ("destination", ""),
    ] {
        if let Some(slot) = f.iter_mut().find(|(k, _)| *k == field) {
            slot.1 = value;
        }
    }
    let r = c.post_form("/report", &f).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for field in [
        "id_number",
        "phone",
        "overseas_days",
        "travel",
        "destination",
    ] {
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{field} beside its input: {}",
            r.body
        );
    }
    assert!(r.body.contains("“三天”不是整数天数"), "{}", r.body);
    assert!(r.body.contains("表单有 5 处需要修改"), "{}", r.body);
    assert!(
        r.body.contains("value=\"12345\"") && r.body.contains("王小明"),
        "the form keeps what was typed"
    );
    csrf = hidden_csrf(&r.body).unwrap();
    // without the cookie of the form (a forged post): refused
    let stranger = srv.client();
    let r = stranger
        .post_form("/report", &form_fields(&csrf, &id, &day(4), GRID_A))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = srv.login("admin").await;
    let mine = admin
        .get(&format!("/api/v1/arrivals?date={arrival}"))
        .await
        .json();
    let mine: Vec<&Value> = mine
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"] == "王小明")
        .collect();
    assert_eq!(mine.len(), 2, "the report and its repeat, nothing else");
    assert_eq!(mine[0]["channel"], "public");
    assert_eq!(mine[0]["travel"][0]["place"]["street"], "三里屯街道");
    srv.stop().await;
}
both_backends!(public_form, public_form_reports_and_refuses_bad_input);

async fn public_api_is_rate_limited_per_client(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let c = srv.client();
    let r = c
        .post_json(
            "/api/v1/arrivals",
            &report(1, "110105", &day(5), GRID_A),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let receipt = r.json();
    assert_eq!(receipt["plan"]["rule"], "other-province");
    assert!(receipt.get("id_number").is_none() && receipt.get("phone").is_none());
    let r = c
        .post_body(
            "/api/v1/arrivals",
            "{not json",
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c
        .post_json("/api/v1/arrivals", &json!({"name": "x"}), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "body");
    // the burst is 10: the rest of it goes, then 429 with Retry-After, on the form too
    let mut limited = None;
    for i in 0..12 {
        let r = c
            .post_json(
                "/api/v1/arrivals",
                &report(100 + i, "110105", &day(5), GRID_A),
                &[],
            )
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((i, r));
            break;
        }
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let (i, r) = limited.expect("rate limited");
    assert_eq!(
        i, 7,
        "3 requests before, 7 in the loop: the burst of 10 is used up"
    );
    assert!(r.json()["error"].as_str().unwrap().contains("请求过于频繁"));
    assert!(r.headers.get("retry-after").is_some());
    let page = srv.client().get("/report").await;
    let csrf = hidden_csrf(&page.body).unwrap();
    let r = c.post_form("/report", &[("csrf", csrf.as_str())]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("请求过于频繁"), "{}", r.body);
    // staff are not limited
    let admin = srv.login("admin").await;
    let r = staff_post(
        &admin,
        "/api/v1/arrivals",
        &report(200, "110105", &day(5), GRID_A),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["channel"], "staff");
    assert!(r.json()["id_number"]
        .as_str()
        .unwrap()
        .starts_with("**************"));
    // a bad credential is 401, not a public report
    let r = c
        .post_json(
            "/api/v1/arrivals",
            &report(201, "110105", &day(5), GRID_A),
            &[("authorization", "Bearer nope")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    srv.stop().await;
}
both_backends!(public_api_rate_limit, public_api_is_rate_limited_per_client);

async fn every_status_change_on_pages_and_api(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let w = srv.login("weiwulu").await;
    let csrf = w.csrf().await;
    let h = [("x-csrf-token", csrf.as_str())];
    let create = |body: Value| {
        let w = &w;
        async move {
            let r = w.post_json("/api/v1/arrivals", &body, &h).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            r.json()["id"].as_i64().unwrap()
        }
    };
    // courier from within the province, arrived 14 days ago: 14 days of home monitoring, over
    let mut b = report(1, "410102", &day(-14), GRID_A);
    b["occupation"] = json!("courier_delivery");
    let done = create(b).await;
    // in-province, no measures, arriving today
    let plain = create(report(2, "410103", &day(0), GRID_A)).await;
    // arriving in five days
    let later = create(report(3, "110105", &day(5), GRID_B)).await;
    let status = |id: i64| {
        let w = &w;
        async move { w.get(&format!("/api/v1/arrivals/{id}")).await.json()["status"].clone() }
    };
    let form = |id: i64, to: &'static str| {
        let w = &w;
        let csrf = csrf.clone();
        async move {
            w.post_form(
                &format!("/arrivals/{id}/status"),
                &[("csrf", csrf.as_str()), ("status", to), ("note", "")],
            )
            .await
        }
    };
    let api = |id: i64, to: &'static str| {
        let w = &w;
        async move {
            w.post_json(
                &format!("/api/v1/arrivals/{id}/status"),
                &json!({"status": to}),
                &h,
            )
            .await
        }
    };
    // reported → under_measures skips a step: refused on both
    let r = form(done, "under_measures").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("可改为"), "{}", r.body);
    let r = api(done, "under_measures").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "status");
    let r = api(done, "gone").await;
    assert_eq!(r.json()["field"], "status");
    // reported → arrived (form), arrived → under_measures (API), under_measures → released (form)
    assert_eq!(form(done, "arrived").await.status, StatusCode::SEE_OTHER);
    assert_eq!(status(done).await, "arrived");
    let r = api(done, "released").await;
    assert!(
        r.json()["error"].as_str().unwrap().contains("管控中"),
        "{}",
        r.body
    );
    assert_eq!(api(done, "under_measures").await.status, StatusCode::OK);
    // check-ins: form and API, once a day
    let r = w
        .post_form(
            &format!("/arrivals/{done}/check-ins"),
            &[("csrf", &csrf), ("date", &day(-2)), ("temperature", "36.5")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // a bad check-in: the same page (422), the error beside the field, what was typed kept
    let r = w
        .post_form(
            &format!("/arrivals/{done}/check-ins"),
            &[
                ("csrf", &csrf),
                ("date", &day(-1)),
                ("temperature", "三十七"),
                ("note", "傍晚复测"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("id=\"temperature-error\"") && r.body.contains("体温“三十七”不是数字"),
        "{}",
        r.body
    );
    assert!(r.body.contains("aria-invalid=\"true\""), "{}", r.body);
    assert!(
        r.body.contains("value=\"三十七\"") && r.body.contains("value=\"傍晚复测\""),
        "{}",
        r.body
    );
    let r = w
        .post_json(
            &format!("/api/v1/arrivals/{done}/check-ins"),
            &json!({"date": day(-3), "temperature": 37.6}),
            &h,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = w
        .post_json(
            &format!("/api/v1/arrivals/{done}/check-ins"),
            &json!({"date": day(-3)}),
            &h,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["field"], "date");
    let r = w
        .post_json(
            &format!("/api/v1/arrivals/{done}/check-ins"),
            &json!({"date": day(-2), "temperature": 48}),
            &h,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = w.get(&format!("/arrivals/{done}")).await;
    assert!(
        page.body.contains("37.6") && page.body.contains("发热"),
        "{}",
        page.body
    );
    assert_eq!(form(done, "released").await.status, StatusCode::SEE_OTHER);
    assert_eq!(status(done).await, "released");
    let r = form(done, "arrived").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("最终状态"));
    // no measures: arrived → released directly; under_measures refused
    assert_eq!(api(plain, "arrived").await.status, StatusCode::OK);
    let r = api(plain, "under_measures").await;
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("无须采取管控措施"),
        "{}",
        r.body
    );
    assert_eq!(api(plain, "released").await.status, StatusCode::OK);
    // not arrived before the date; reported → no_show; assigned to another grid
    let r = api(later, "arrived").await;
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("还不能登记为已抵达"),
        "{}",
        r.body
    );
    let r = w
        .post_json(
            &format!("/api/v1/arrivals/{later}/status"),
            &json!({"node_code": GRID_A}),
            &h,
        )
        .await;
    assert_eq!(r.json()["node_code"], GRID_A, "{}", r.body);
    assert_eq!(api(later, "no_show").await.status, StatusCode::OK);
    assert_eq!(status(later).await, "no_show");
    // a status form without its CSRF token changes nothing
    let r = w
        .post_form(
            &format!("/arrivals/{plain}/status"),
            &[("status", "arrived")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = srv.login("admin").await;
    let log = admin
        .get(&format!("/api/v1/audit?entity=arrival&entity_id={done}"))
        .await
        .json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "status").count(),
        3,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "check_in").count(),
        2,
        "{actions:?}"
    );
    srv.stop().await;
}
both_backends!(status_changes, every_status_change_on_pages_and_api);

async fn worker_sees_only_their_grid(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let r = staff_post(
        &admin,
        "/api/v1/arrivals",
        &report(1, "110105", &day(0), GRID_B),
    )
    .await;
    let in_b = r.json()["id"].as_i64().unwrap();
    let r = staff_post(
        &admin,
        "/api/v1/arrivals",
        &report(2, "110105", &day(0), GRID_A),
    )
    .await;
    let in_a = r.json()["id"].as_i64().unwrap();
    let w = srv.login("wangge1").await;
    for path in [
        format!("/arrivals/{in_b}"),
        format!("/arrivals/{in_b}?reveal=1"),
    ] {
        assert_eq!(w.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    for path in [
        format!("/api/v1/arrivals/{in_b}"),
        format!("/api/v1/arrivals/{in_b}/check-ins"),
    ] {
        let r = w.get(&path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.json()["error"].is_string());
    }
    let csrf = w.csrf().await;
    let r = w
        .post_json(
            &format!("/api/v1/arrivals/{in_b}/status"),
            &json!({"status": "arrived"}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = w
        .post_form(
            &format!("/arrivals/{in_b}/status"),
            &[("csrf", &csrf), ("status", "arrived")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        w.get(&format!("/arrivals/{in_a}")).await.status,
        StatusCode::OK
    );
    let list = w.get("/api/v1/arrivals?limit=500").await.json();
    let list = list.as_array().unwrap();
    assert!(list.iter().any(|a| a["id"] == in_a));
    assert!(list.iter().all(|a| a["node_code"] == GRID_A), "only grid A");
    let daily = w.get("/api/v1/daily").await.json();
    assert!(daily["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["node_code"] == GRID_A));
    let page = w.get("/arrivals").await.body;
    assert!(!page.contains("纬五路社区第二网格"), "grid B not listed");
    // roles without arrivals, and nobody at all
    let dept = srv.login("gongxinju").await;
    assert_eq!(dept.get("/arrivals").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        dept.get("/api/v1/arrivals").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(dept.get("/daily").await.status, StatusCode::FORBIDDEN);
    assert!(
        !dept.get("/").await.body.contains("href=\"/arrivals\""),
        "no nav entry"
    );
    assert_eq!(w.get("/risk-areas").await.status, StatusCode::FORBIDDEN);
    let anon = srv.client();
    assert_eq!(anon.get("/arrivals").await.location(), Some("/login"));
    assert_eq!(
        anon.get("/api/v1/arrivals").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        anon.get("/api/v1/daily").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        anon.get("/api/v1/risk-areas").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(anon.get("/daily.xlsx").await.location(), Some("/login"));
    srv.stop().await;
}
both_backends!(arrival_scope, worker_sees_only_their_grid);

async fn risk_area_changes_recompute_plans(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let csrf = admin.csrf().await;
    let h = [("x-csrf-token", csrf.as_str())];
    // 南京玄武: an ordinary other province until a 南京 district becomes medium-risk
    let r = admin
        .post_json(
            "/api/v1/arrivals",
            &report(1, "320102", &day(5), GRID_A),
            &h,
        )
        .await;
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["plan"]["rule"], "other-province");
    let area =
        json!({"code": "320104", "name": "南京市秦淮区", "level": "medium", "valid_from": day(-1)});
    let r = admin.post_json("/api/v1/risk-areas", &area, &h).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.json()["recompute"]["measures_changed"].as_u64().unwrap() >= 1);
    let area_id = r.json()["area"]["id"].as_i64().unwrap();
    let a = admin.get(&format!("/api/v1/arrivals/{id}")).await.json();
    assert_eq!(a["plan"]["rule"], "risk-city-stay");
    assert_eq!(a["plan"]["phases"][0]["measure"], "centralized_quarantine");
    let log = admin
        .get(&format!("/api/v1/audit?entity=arrival&entity_id={id}"))
        .await
        .json();
    let re = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "recompute")
        .expect("audited");
    assert!(re["before_json"]
        .as_str()
        .unwrap()
        .contains("other-province"));
    assert!(re["after_json"]
        .as_str()
        .unwrap()
        .contains("risk-city-stay"));
    // the page form: lowered to low, the plan goes back
    let r = admin
        .post_form(
            &format!("/risk-areas/{area_id}"),
            &[
                ("csrf", &csrf),
                ("code", "320104"),
                ("street", ""),
                ("name", "南京市秦淮区"),
                ("level", "low"),
                ("valid_from", &day(-1)),
                ("valid_until", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let shown = admin.get(r.location().unwrap()).await.body;
    assert!(shown.contains("已重算管控计划"), "{shown}");
    let a = admin.get(&format!("/api/v1/arrivals/{id}")).await.json();
    assert_eq!(a["plan"]["rule"], "other-province");
    // a bad row refuses the whole import, naming row and field
    let csv = "code,street,name,level,valid_from,valid_until\n320105,,南京市建邺区,high,2021-12-20,\n3201,,坏,high,2021-12-20,\n";
    let r = admin
        .post_body(
            "/api/v1/risk-areas/import",
            csv,
            &[("x-csrf-token", &csrf), ("content-type", "text/csv")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["rows"][0]["row"], 3);
    assert_eq!(r.json()["rows"][0]["field"], "code");
    let json_body = format!(
        r#"[{{"code":"320105","name":"南京市建邺区","level":"high","valid_from":"{}"}}]"#,
        day(-1)
    );
    let r = admin
        .post_body(
            "/api/v1/risk-areas/import",
            &json_body,
            &[
                ("x-csrf-token", &csrf),
                ("content-type", "application/json"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["created"], 1);
    let a = admin.get(&format!("/api/v1/arrivals/{id}")).await.json();
    assert_eq!(a["plan"]["rule"], "risk-city-stay");
    let r = admin
        .post_json(
            "/api/v1/risk-areas",
            &json!({"code": "99", "name": "x", "level": "high", "valid_from": day(0)}),
            &h,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "code");
    let page = admin.get("/risk-areas").await;
    assert!(page.body.contains("南京市建邺区"));
    // several bad fields: the JSON names the first and lists each; nothing is stored
    let r = admin
        .post_json(
            "/api/v1/risk-areas",
            &json!({"code": "99", "name": " ", "level": "high", "valid_from": day(0), "valid_until": day(-3)}),
            &h,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = r.json()["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(fields, ["code", "name", "valid_until"], "{}", r.body);
    assert_eq!(r.json()["field"], "code");
    // the page form comes back as the same form: every error beside its field, in Chinese,
    // and what was typed kept
    let before = admin.get("/api/v1/risk-areas").await.json();
    let r = admin
        .post_form(
            "/risk-areas",
            &[
                ("csrf", &csrf),
                ("code", "99"),
                ("street", ""),
                ("name", "坏<地区>"),
                ("level", "extreme"),
                ("valid_from", "2021-13-40"),
                ("valid_until", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for field in ["code", "level", "valid_from"] {
        assert!(
            r.body.contains(&format!(r#"id="{field}-error""#)),
            "{field} error beside its field: {}",
            r.body
        );
    }
    assert!(r.body.contains(r#"value="99""#), "typed code kept");
    assert!(
        r.body.contains("坏&lt;地区&gt;") || r.body.contains("坏&#60;地区&#62;"),
        "typed name kept, escaped"
    );
    assert!(r.body.contains("表单有 3 处需要修改"), "{}", r.body);
    assert!(
        !r.body.contains("level:") && !r.body.contains("valid_from:"),
        "no English keys in the text"
    );
    // the store's rules show in place too (code and name here)
    let r = admin
        .post_form(
            "/risk-areas",
            &[
                ("csrf", &csrf),
                ("code", "99"),
                ("street", ""),
                ("name", ""),
                ("level", "high"),
                ("valid_from", &day(0)),
                ("valid_until", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(r#"id="code-error""#) && r.body.contains(r#"id="name-error""#),
        "{}",
        r.body
    );
    assert!(r.body.contains("区划代码“99”应为 6 位数字"), "{}", r.body);
    // a form without its CSRF token is refused before anything is read
    let r = admin
        .post_form(
            "/risk-areas",
            &[
                ("code", "320106"),
                ("name", "鼓楼区"),
                ("level", "high"),
                ("valid_from", &day(0)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        admin.get("/api/v1/risk-areas").await.json(),
        before,
        "nothing stored"
    );
    // only district admins change the register
    let w = srv.login("weiwulu").await;
    let wc = w.csrf().await;
    let r = w
        .post_json("/api/v1/risk-areas", &area, &[("x-csrf-token", &wc)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(w.get("/api/v1/risk-areas").await.status, StatusCode::OK);
    srv.stop().await;
}
both_backends!(risk_recompute, risk_area_changes_recompute_plans);

/// 工作台 starts with the day's work: the worker's counts are those of their daily list, and
/// a township sees each child's push items, linking down.
async fn home_shows_the_days_work(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let r = staff_post(
        &admin,
        "/api/v1/arrivals",
        &report(7, "110105", &day(0), GRID_A),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let w = srv.login("wangge1").await;
    let daily = w
        .get(&format!("/api/v1/daily?date={}", day(0)))
        .await
        .json();
    let arriving = daily["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["duties"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["kind"] == "arrives")
        })
        .count();
    assert!(arriving >= 1);
    let home = w.get("/").await.body;
    assert!(home.contains("今日待办"), "{home}");
    assert!(
        home.contains(&format!(
            "href=\"/arrivals?date={}\"><b>{arriving}</b><span>今日抵达</span>",
            day(0)
        )),
        "{home}"
    );
    for words in [
        "推送待核查",
        "推送超时未核查",
        "/pushlists/items?view=overdue",
    ] {
        assert!(home.contains(words), "{words}");
    }
    // a township officer: its streets' communities, each linking to its push dashboard
    let t = srv.login("jingbalu").await.get("/").await.body;
    assert!(
        t.contains("下级推送核查进度") && t.contains("/pushlists?node=410105001"),
        "{t}"
    );
    srv.stop().await;
}
both_backends!(home_todo, home_shows_the_days_work);

async fn daily_list_page_api_and_xlsx(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let mut body = report(1, "110105", &day(0), GRID_A);
    body["name"] = json!("=1+1");
    let r = staff_post(&admin, "/api/v1/arrivals", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let daily = admin
        .get(&format!("/api/v1/daily?date={}", day(0)))
        .await
        .json();
    let entry = daily["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["arrival_id"] == id)
        .cloned()
        .expect("on today's list");
    let kinds: Vec<&str> = entry["duties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["arrives", "starts", "test"]);
    assert_eq!(entry["duties"][0]["label"], "今日抵达");
    assert!(entry["id_number"]
        .as_str()
        .unwrap()
        .starts_with("**************"));
    assert!(
        daily["count"].as_u64().unwrap() > 1,
        "the demo district has people today too"
    );
    let page = admin.get("/daily").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("=1+1") && page.body.contains("今日抵达"));
    assert!(page.body.contains("/daily/export?date="));
    let r = admin.get("/api/v1/daily?date=2021-13-01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "date");
    assert_eq!(
        admin.get("/daily?date=yesterday").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let (status, headers, bytes) = admin
        .get_bytes(&format!("/daily.xlsx?date={}", day(0)))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    assert!(bytes.starts_with(b"PK\x03\x04"), "an XLSX is a zip");
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("valid xlsx");
    let sheet = book.worksheet_range("每日清单").expect("sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert!(rows[0][0].contains(&day(0)));
    assert_eq!(rows[1][..3], ["所属网格", "姓名", "身份证号"]);
    assert_eq!(
        rows.len() - 2,
        daily["count"].as_u64().unwrap() as usize,
        "one row per person"
    );
    let mine = rows.iter().find(|r| r[1].contains("1+1")).expect("our row");
    assert_eq!(mine[1], "'=1+1", "formula injection neutralised");
    assert!(mine[2].starts_with("**************"));
    assert!(mine[7].contains("今日抵达"));
    // a grid worker's export holds only their grid
    let w = srv.login("wangge2").await;
    let (_, _, bytes) = w.get_bytes(&format!("/daily.xlsx?date={}", day(0))).await;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("每日清单").unwrap();
    assert!(sheet.rows().skip(2).all(|r| r[0] == "纬五路社区第二网格"));
    srv.stop().await;
}
both_backends!(daily_list, daily_list_page_api_and_xlsx);

async fn bad_reports_and_policies_are_refused_clearly(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let csrf = admin.csrf().await;
    let h = [("x-csrf-token", csrf.as_str())];
    let audit_before = admin
        .get("/api/v1/audit?limit=500")
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    let ok = report(1, "110105", &day(4), GRID_A);
    let bad = |f: &dyn Fn(&mut Value)| {
        let mut b = ok.clone();
        f(&mut b);
        b
    };
    for (body, status, field) in [
        (
            bad(&|b| b["id_number"] = json!("110105194912310021")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "id_number",
        ),
        (
            bad(&|b| b["phone"] = json!("1380013800")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "phone",
        ),
        (
            bad(&|b| b["node_code"] = json!("410105009009009")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "node_code",
        ),
        (
            bad(&|b| b["arrival_date"] = json!("28/12/2021")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "arrival_date",
        ),
        (
            bad(&|b| b["arrival_date"] = json!(day(-30))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "arrival_date",
        ),
        (
            bad(&|b| b["origin"] = json!("Beijing")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "origin",
        ),
        (
            bad(&|b| b["travel"] = json!([{"date": day(10), "place": "110105"}])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "travel[1].date",
        ),
        (
            bad(&|b| b["overseas_quarantined_days"] = json!(-3)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "overseas_quarantined_days",
        ),
        (
            bad(&|b| b["surprise"] = json!(1)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
        ),
        (
            bad(&|b| b["key_industry"] = json!("yes")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
        ),
    ] {
        let r = admin.post_json("/api/v1/arrivals", &body, &h).await;
        assert_eq!(r.status, status, "{field}: {}", r.body);
        assert_eq!(r.json()["field"], field, "{}", r.body);
        // the key is in `field`; the message says what is wrong in words
        let error = r.json()["error"].as_str().unwrap_or_default().to_string();
        assert!(
            !error.is_empty() && !error.starts_with(&format!("{field}:")),
            "{}",
            r.body
        );
    }
    let r = admin
        .post_body(
            "/api/v1/arrivals",
            "{\"name\": ",
            &[
                ("x-csrf-token", &csrf),
                ("content-type", "application/json"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = admin
        .post_json("/api/v1/arrivals/1/status", &json!({"status": 5}), &h)
        .await;
    assert!(r.status.is_client_error());
    let r = admin
        .post_body(
            "/api/v1/arrivals/1/status",
            "{",
            &[
                ("x-csrf-token", &csrf),
                ("content-type", "application/json"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // bad policy files: checked without storing, refused when published
    let broken = wangge_domain::policy::DEFAULT_POLICY_TOML
        .replace("id = \"default-2021-12\"", "id = \"broken-2022\"")
        .replacen(
            "{ kind = \"centralized_quarantine\", days = 14 }",
            "{ kind = \"centralized_quarantine\", days = 0 }",
            1,
        );
    let r = admin.post_body("/api/v1/policies/check", &broken, &h).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["valid"], false);
    assert!(r.body.contains("medium-high-risk-area"), "{}", r.body);
    let r = admin.post_body("/api/v1/policies", &broken, &h).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "policy");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("medium-high-risk-area"),
        "{}",
        r.body
    );
    let r = admin.post_body("/api/v1/policies", "id = ", &h).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post_body(
            "/api/v1/policies",
            wangge_domain::policy::DEFAULT_POLICY_TOML,
            &h,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the built-in version is already stored: {}",
        r.body
    );
    assert_eq!(r.json()["created"], false);
    let w = srv.login("weiwulu").await;
    let wc = w.csrf().await;
    let r = w
        .post_body(
            "/api/v1/policies",
            wangge_domain::policy::DEFAULT_POLICY_TOML,
            &[("x-csrf-token", &wc)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let list = admin.get("/api/v1/policies").await.json();
    assert_eq!(list[0]["id"], "default-2021-12");
    let one = admin.get("/api/v1/policies/default-2021-12").await.json();
    assert!(one["source"].as_str().unwrap().contains("[[rule]]"));
    assert_eq!(
        admin.get("/api/v1/policies/nope").await.status,
        StatusCode::NOT_FOUND
    );
    let audit_after = admin
        .get("/api/v1/audit?limit=500")
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        audit_before, audit_after,
        "refused input leaves no trace of a change"
    );
    // after all that, the good report still goes through exactly once
    let r = admin.post_json("/api/v1/arrivals", &ok, &h).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = admin.post_json("/api/v1/arrivals", &ok, &h).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["field"], "arrival_date");
    srv.stop().await;
}
both_backends!(bad_input, bad_reports_and_policies_are_refused_clearly);

/// 查找 in the lists of people over HTTP: the arrivals list, the day's list and the register,
/// on the API, the pages (a bad search comes back beside the box) and the exports, in scope.
async fn search_in_lists_of_people(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let mut zhang = report(11, "110105", &day(0), GRID_A);
    zhang["name"] = json!("张小三");
    let mut li = report(12, "110105", &day(0), GRID_B);
    li["name"] = json!("李小四");
    for body in [&zhang, &li] {
        let r = staff_post(&admin, "/api/v1/arrivals", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let li_id = li["id_number"].as_str().unwrap().to_string();
    let last4 = li_id[14..].to_string();
    let names = |v: Value, key: &str| -> Vec<String> {
        let list = if key.is_empty() { v } else { v[key].clone() };
        list.as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let got = admin.get("/api/v1/arrivals?q=%E5%BC%A0").await; // 张
    assert_eq!(names(got.json(), ""), ["张小三"]);
    let got = admin.get(&format!("/api/v1/arrivals?q={last4}")).await;
    assert_eq!(names(got.json(), ""), ["李小四"]);
    let got = admin.get(&format!("/api/v1/daily?q={li_id}")).await;
    assert_eq!(names(got.json(), "entries"), ["李小四"]);
    // a number of the wrong length is refused naming q, on the API and beside the box
    let bad = admin.get("/api/v1/arrivals?q=12345").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["field"], "q");
    for path in ["/arrivals?q=12345", "/daily?q=12345"] {
        let page = admin.get(path).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(page.body.contains("id=\"q-error\""), "{path}");
        assert!(page.body.contains("value=\"12345\""), "{path}: typed kept");
    }
    let page = admin.get(&format!("/arrivals?q={last4}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("李小四") && !page.body.contains("张小三"));
    assert!(
        page.body.contains(&format!("q={last4}")),
        "the export keeps the search"
    );
    let csv = admin
        .get(&format!("/arrivals/export?q={last4}&format=csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("李小四") && !csv.body.contains("张小三"));
    assert!(!csv.body.contains(&li_id), "numbers masked");
    let csv = admin.get("/daily/export?q=%E5%BC%A0&format=csv").await;
    assert!(csv.body.contains("张小三") && !csv.body.contains("李小四"));
    // grid A's worker finds nobody of grid B, by name, number or last four digits
    let w = srv.login("wangge1").await;
    for q in ["%E6%9D%8E", li_id.as_str(), last4.as_str()] {
        let got = w.get(&format!("/api/v1/arrivals?q={q}")).await;
        assert_eq!(names(got.json(), ""), Vec::<String>::new(), "{q}");
        let got = w.get(&format!("/api/v1/daily?q={q}")).await;
        assert_eq!(names(got.json(), "entries"), Vec::<String>::new(), "{q}");
    }
    // the register: the same search, the same scope
    for (name, id, grid) in [
        ("张小三", zhang["id_number"].clone(), GRID_A),
        ("李小四", json!(li_id), GRID_B),
    ] {
        let r = staff_post(
            &admin,
            "/api/v1/residents",
            &json!({"name": name, "id_number": id, "node_code": grid, "address": "纬五路1号"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let got = admin.get(&format!("/api/v1/residents?q={last4}")).await;
    assert_eq!(names(got.json(), ""), ["李小四"]);
    let page = admin.get("/residents?q=%E5%B0%8F%E4%B8%89").await; // 小三
    assert!(page.body.contains("张小三") && !page.body.contains("李小四"));
    let csv = admin
        .get(&format!("/residents/export?q={last4}&format=csv"))
        .await;
    assert!(csv.body.contains("李小四") && !csv.body.contains("张小三"));
    let got = w.get(&format!("/api/v1/residents?q={li_id}")).await;
    assert_eq!(names(got.json(), ""), Vec::<String>::new());
    srv.stop().await;
}
both_backends!(search, search_in_lists_of_people);

/// 代为登记: a grid worker registers an arrival on the staff form (a county by name, the
/// destinations of their own subtree only); it opens as a staff-channel report with its plan.
/// A bad form comes back with each error beside its field and what was typed kept; a grid
/// outside the worker's subtree is refused and nothing is stored.
async fn staff_register_an_arrival_on_a_form(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let worker = srv.login("wangge1").await;
    let page = worker.get("/arrivals/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-region-picker") && page.body.contains("/static/regions.js"));
    assert!(
        page.body.contains(&format!("value=\"{GRID_A}\""))
            && !page.body.contains(&format!("value=\"{GRID_B}\"")),
        "only the worker's own grid is offered"
    );
    let csrf = hidden_csrf(&page.body).unwrap();
    let id = make_valid("11010519900307456");
    let arrival = day(1);
    let mut fields = form_fields(&csrf, &id, &arrival, GRID_A);
    fields[1] = ("name", "代登甲");
    fields[4] = ("origin", "雁塔区");
    fields[6] = ("travel", "");
    // bad: an ID number with a wrong check digit and no destination
    let bad_id = format!("{}{}", &id[..17], if id.ends_with('0') { '1' } else { '0' });
    let mut bad = fields.clone();
    bad[2] = ("id_number", &bad_id);
    bad[10] = ("destination", "");
    let r = worker.post_form("/arrivals/new", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for words in ["代登甲", "雁塔区", "aria-invalid"] {
        assert!(r.body.contains(words), "{words}: {}", r.body);
    }
    for field in ["id_number", "destination"] {
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{field} beside its input: {}",
            r.body
        );
    }
    // a grid of another worker's: refused, nothing stored
    let mut other = fields.clone();
    other[9] = ("node_code", GRID_B);
    let r = worker.post_form("/arrivals/new", &other).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let admin = srv.login("admin").await;
    let q = format!("/api/v1/arrivals?q={}", &id[14..]);
    assert_eq!(admin.get(&q).await.json(), json!([]), "nothing stored yet");
    // good
    let r = worker.post_form("/arrivals/new", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.location().expect("to the report").to_string();
    assert!(to.starts_with("/arrivals/"), "{to}");
    let shown = worker.get(&to).await;
    assert!(shown.body.contains("代登甲") && shown.body.contains("陕西省西安市雁塔区"));
    let list = admin.get(&q).await.json();
    assert_eq!(list[0]["channel"], "staff", "{list}");
    assert_eq!(list[0]["origin"]["place"], json!({"code": "610113"}));
    srv.stop().await;
}
both_backends!(staff_form, staff_register_an_arrival_on_a_form);
