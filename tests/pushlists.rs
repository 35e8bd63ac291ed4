//! Push lists and checkpoints over HTTP, on SQLite and PostgreSQL: import through the API, the
//! upload page and the CLI; bad files; every verification step; scope; the dashboard; scans
//! with alerts that reach the responsible community at once.

mod common;

use std::time::Duration;

use common::{wait_until, within, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use wangge_domain::validate::make_valid;
use wangge_store::both_backends;
use wangge_store::testing::Kind;

// codes of the test tree, which is a part of the demo district these tests serve
use wangge_store::testing::code::{GRID_A, GRID_B};
const HEADER: &str = "姓名,身份证号,手机号,来源地,抵达时间,现住址,备注";

fn id(n: u32) -> String {
    make_valid(&format!("11010119850101{n:03}"))
}

/// Two people in grid A, one in grid B, one unassigned, one bad ID, one bad date.
fn sample_csv() -> String {
    let bad = {
        let good = id(9);
        format!(
            "{}{}",
            &good[..17],
            if good.ends_with('0') { '1' } else { '0' }
        )
    };
    format!(
        "{HEADER}\n\
         甲一,{},13800138001,上海市,2021-12-20 08:00,纬五路社区第一网格3号楼,\n\
         甲二,{},,北京市,2021-12-20,纬五路社区第一网格5号楼,\n\
         乙一,{},,广州市,2021-12-21,纬五路社区第二网格2号楼,\n\
         丙一,{},,深圳市,2021-12-21,某某小区,\n\
         坏号,{bad},,深圳市,2021-12-21,纬五路社区第一网格,\n\
         坏日,{},,深圳市,2021-13-40,纬五路社区第一网格,\n",
        id(1),
        id(2),
        id(3),
        id(4),
        id(5)
    )
}

async fn csrf_headers(c: &Client) -> String {
    c.csrf().await
}

async fn import_sample(srv: &TestServer, admin: &Client) -> Value {
    let csrf = csrf_headers(admin).await;
    let gbk = encoding_rs::GB18030.encode(&sample_csv()).0.into_owned();
    let r = admin
        .post_bytes(
            "/api/v1/pushlists/import?name=%E6%B5%8B%E8%AF%95%E6%89%B9%E6%AC%A1&due_hours=24",
            gbk,
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let _ = srv;
    r.json()
}

async fn items_named(c: &Client, view: &str) -> Vec<Value> {
    let r = c
        .get(&format!("/api/v1/pushlists/items?view={view}&limit=1000"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json().as_array().cloned().unwrap_or_default()
}

fn find<'a>(items: &'a [Value], name: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("{name} not listed"))
}

async fn api_import_reports_rows_and_assigns_grids(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let answer = import_sample(&srv, &admin).await;
    let s = &answer["summary"];
    assert_eq!(
        (
            s["rows"].as_u64(),
            s["created"].as_u64(),
            s["rejected"].as_u64(),
            s["unassigned"].as_u64()
        ),
        (Some(6), Some(4), Some(2), Some(1)),
        "{answer}"
    );
    let errors = answer["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(
        (errors[0]["row"].as_u64(), errors[0]["field"].as_str()),
        (Some(6), Some("身份证号"))
    );
    assert_eq!(
        (errors[1]["row"].as_u64(), errors[1]["field"].as_str()),
        (Some(7), Some("抵达时间"))
    );
    // the downloadable report: same rows, CSV with a BOM and Chinese headers
    let report = admin.get(answer["errors_url"].as_str().unwrap()).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(
        report.body.starts_with("\u{feff}行号,字段,原因"),
        "{}",
        report.body
    );
    assert!(report.body.contains("6,身份证号,") && report.body.contains("7,抵达时间,"));
    let batch = s["batch_id"].as_i64().unwrap();
    let page_report = admin
        .get(&format!("/pushlists/batches/{batch}/errors.csv"))
        .await;
    assert_eq!(page_report.body, report.body);

    let all = items_named(&admin, "all").await;
    assert_eq!(find(&all, "甲一")["node_code"], GRID_A);
    assert_eq!(find(&all, "乙一")["node_code"], GRID_B);
    assert!(find(&all, "丙一")["node_code"].is_null());
    assert!(find(&all, "甲一")["id_number"]
        .as_str()
        .unwrap()
        .starts_with("**************"));

    // files refused as a whole: 422 naming the problem, no batch
    let csrf = admin.csrf().await;
    let before = admin
        .get("/api/v1/pushlists/batches")
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    for (body, expect) in [
        (Vec::new(), "请选择要上传的文件"),
        ("姓名,电话\n张三,1\n".as_bytes().to_vec(), "缺少列"),
        (format!("{HEADER}\n").into_bytes(), "没有数据行"),
        (vec![0xFF, 0xFE, 0x41, 0x00], "UTF-16"),
    ] {
        let r = admin
            .post_bytes("/api/v1/pushlists/import", body, &[("x-csrf-token", &csrf)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains(expect), "{expect}: {}", r.body);
    }
    assert_eq!(
        admin
            .get("/api/v1/pushlists/batches")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        before
    );
    // only the district command imports
    let w = srv.login("wangge1").await;
    let wcsrf = w.csrf().await;
    let r = w
        .post_bytes(
            "/api/v1/pushlists/import",
            sample_csv().into_bytes(),
            &[("x-csrf-token", &wcsrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    srv.stop().await;
}
both_backends!(api_import, api_import_reports_rows_and_assigns_grids);

/// The progress of an import job once it is no longer running.
async fn finished(c: &Client, job: &str) -> Value {
    let progress = format!("{job}/progress");
    let progress = progress.as_str();
    wait_until(within(Duration::from_secs(30)), || async move {
        let state = c.get(progress).await.json();
        (state["state"] != "running").then_some(state)
    })
    .await
    .unwrap_or_else(|| panic!("{job} still running after 30 s"))
}

async fn upload_page_shows_progress_then_the_result(kind: Kind) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let page = admin.get("/pushlists").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("/static/pushlists.js") && page.body.contains("push-upload"));
    let js = admin.get("/static/pushlists.js").await;
    assert!(js.headers["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    // an XLSX with a real date cell, uploaded through the form
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    sheet.write_string(1, 0, "表一").unwrap();
    sheet.write_string(1, 1, id(20)).unwrap();
    sheet.write_string(1, 3, "天津市").unwrap();
    let when = ExcelDateTime::from_ymd(2021, 12, 26)
        .unwrap()
        .and_hms(7, 45, 0)
        .unwrap();
    sheet
        .write_datetime_with_format(1, 4, &when, &Format::new().set_num_format("yyyy/m/d h:mm"))
        .unwrap();
    sheet.write_string(1, 5, "纬五路社区第一网格8号").unwrap();
    let xlsx = book.save_to_buffer().unwrap();
    let csrf = admin.csrf().await;
    let r = admin
        .post_multipart(
            "/pushlists/import",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("name", None, "表格批次".as_bytes()),
                ("due_hours", None, b"12"),
                ("file", Some("list.xlsx"), &xlsx),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let job = r.location().unwrap().to_string();
    assert!(job.starts_with("/pushlists/jobs/"));
    let state = finished(&admin, &job).await;
    assert_eq!(state["state"], "done", "{state}");
    assert_eq!(state["percent"], 100);
    assert_eq!(state["summary"]["created"], 1);
    let page = admin.get(&job).await;
    assert!(page.body.contains("导入完成"), "{}", page.body);
    let item = find(&items_named(&admin, "all").await, "表一").clone();
    assert_eq!(item["arrived_at"], "2021-12-26T07:45:00");
    // someone else's job is not theirs to see; a form without its token is refused
    let other = srv.login("jingbalu").await;
    assert_eq!(other.get(&job).await.status, StatusCode::NOT_FOUND);
    let r = admin
        .post_multipart("/pushlists/import", &[("file", Some("x.csv"), b"a,b\n")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // a file refused whole shows its reasons on the job page
    let csrf = admin.csrf().await;
    let r = admin
        .post_multipart(
            "/pushlists/import",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("file", Some("bad.csv"), "姓名\n张三\n".as_bytes()),
            ],
        )
        .await;
    let job = r.location().unwrap().to_string();
    finished(&admin, &job).await;
    let page = admin.get(&job).await;
    assert!(
        page.body.contains("导入失败") && page.body.contains("缺少列"),
        "{}",
        page.body
    );
    srv.stop().await;
}
both_backends!(upload_page, upload_page_shows_progress_then_the_result);

async fn every_verification_step_over_http(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    import_sample(&srv, &admin).await;
    let w = srv.login("wangge1").await;
    let csrf = w.csrf().await;
    let h = [("x-csrf-token", csrf.as_str())];
    let mine = items_named(&w, "open").await;
    let (a1, a2) = (
        find(&mine, "甲一")["id"].clone(),
        find(&mine, "甲二")["id"].clone(),
    );
    let verify = |item: &Value, body: Value| {
        let path = format!("/api/v1/pushlists/items/{item}/verify");
        let w = &w;
        async move { w.post_json(&path, &body, &h).await }
    };
    // skipping straight to measures is refused; missing details too
    let r = verify(
        &a1,
        json!({"state": "measures_in_place", "measures": "居家监测"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "state");
    assert!(r.json()["error"].as_str().unwrap().contains("不能从"));
    let r = verify(&a1, json!({"state": "not_found", "reason": ""})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = verify(&a1, json!({"state": "teleported"})).await;
    assert!(r.status.is_client_error());
    // pending → reached → measures in place (with the arrival it belongs to)
    let r = verify(&a1, json!({"state": "reached"})).await;
    assert_eq!(
        (r.status, r.json()["state"].as_str()),
        (StatusCode::OK, Some("reached"))
    );
    // (an arrival number must name a real arrival of this person: see tests/hostile_input.rs)
    let r = verify(
        &a1,
        json!({"state": "measures_in_place", "measures": "居家健康监测14天"}),
    )
    .await;
    assert_eq!(r.json()["state"], "measures_in_place");
    assert_eq!(r.json()["arrival_id"], Value::Null);
    // pending → not found → reached → left the district, through the page forms
    let r = w
        .post_form(
            &format!("/pushlists/items/{a2}/verify"),
            &[
                ("csrf", &csrf),
                ("state", "not_found"),
                ("reason", "电话空号"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = w.get(&format!("/pushlists/items/{a2}")).await;
    assert!(page.body.contains("查无此人") && page.body.contains("电话空号"));
    w.post_form(
        &format!("/pushlists/items/{a2}/verify"),
        &[("csrf", &csrf), ("state", "reached")],
    )
    .await;
    let r = w
        .post_form(
            &format!("/pushlists/items/{a2}/verify"),
            &[
                ("csrf", &csrf),
                ("state", "left_district"),
                ("destination", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("去向"));
    // the same page comes back: the error beside its field, what was typed kept
    assert!(r.body.contains(r#"id="destination-error""#), "{}", r.body);
    assert!(r.body.contains("表单有 1 处需要修改"), "{}", r.body);
    let r = w
        .post_form(
            &format!("/pushlists/items/{a2}/verify"),
            &[
                ("csrf", &csrf),
                ("state", "not_found"),
                ("reason", "　"),
                ("destination", "<未提交>"),
            ],
        )
        .await;
    // (from 已联系 查无此人 is allowed; a blank reason is not)
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="reason-error""#), "{}", r.body);
    assert!(
        r.body.contains("&lt;未提交&gt;") || r.body.contains("&#60;未提交&#62;"),
        "typed value kept, escaped: {}",
        r.body
    );
    w.post_form(
        &format!("/pushlists/items/{a2}/verify"),
        &[
            ("csrf", &csrf),
            ("state", "left_district"),
            ("destination", "郑州市中原区"),
        ],
    )
    .await;
    let done = items_named(&w, "verified").await;
    assert_eq!(find(&done, "甲二")["destination"], "郑州市中原区");
    // a form without its token changes nothing
    let r = w
        .post_form(
            &format!("/pushlists/items/{a1}/verify"),
            &[("state", "reached")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // every step is in the audit log
    let log = admin
        .get("/api/v1/audit?entity=push_item&user=wangge1")
        .await
        .json();
    let steps = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "verify")
        .count();
    assert_eq!(steps, 5);
    // the grid's dashboard row: verified 2, nothing open, cleared
    let batch = find(&done, "甲二")["batch_id"].clone();
    let dash = admin
        .get(&format!(
            "/api/v1/pushlists/dashboard?node=410105001001&batch={batch}"
        ))
        .await
        .json();
    let row_a = dash["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["place"]["node"]["code"] == GRID_A)
        .unwrap()
        .clone();
    assert_eq!(row_a["totals"]["verified"], 2);
    assert_eq!(row_a["totals"]["pending"], 0);
    srv.stop().await;
}
both_backends!(verification_steps, every_verification_step_over_http);

async fn worker_sees_only_their_grids_people(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    import_sample(&srv, &admin).await;
    let all = items_named(&admin, "all").await;
    let b_item = find(&all, "乙一")["id"].clone();
    let unassigned = find(&all, "丙一")["id"].clone();
    let w = srv.login("wangge1").await;
    let mine = items_named(&w, "all").await;
    assert!(mine.iter().all(|i| i["node_code"] == GRID_A), "{mine:?}");
    assert!(mine.iter().any(|i| i["name"] == "甲一"));
    for other in [&b_item, &unassigned] {
        for path in [
            format!("/api/v1/pushlists/items/{other}"),
            format!("/api/v1/pushlists/items/{other}?reveal=1"),
            format!("/pushlists/items/{other}"),
        ] {
            let r = w.get(&path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
            assert!(
                !r.body.contains("乙一") && !r.body.contains("丙一"),
                "{path}"
            );
        }
    }
    let csrf = w.csrf().await;
    let r = w
        .post_json(
            &format!("/api/v1/pushlists/items/{b_item}/verify"),
            &json!({"state": "reached"}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        w.get("/api/v1/pushlists/items?view=unassigned")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        w.get(&format!("/api/v1/pushlists/dashboard?node={GRID_B}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let page = w.get("/pushlists/items?view=all").await;
    assert!(page.body.contains("甲一") && !page.body.contains("乙一"));
    // the street officer places the unassigned person in one of their grids
    let officer = srv.login("jingbalu").await;
    let queue = officer
        .get("/api/v1/pushlists/items?view=unassigned")
        .await
        .json();
    assert!(queue
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["name"] == "丙一"));
    let ocsrf = officer.csrf().await;
    let r = officer
        .post_json(
            &format!("/api/v1/pushlists/items/{unassigned}/place"),
            &json!({"node_code": GRID_A}),
            &[("x-csrf-token", &ocsrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(find(&items_named(&w, "all").await, "丙一")["node_code"] == GRID_A);
    // a checkpoint operator reads no push list
    let kakou = srv.login("kakou").await;
    assert_eq!(
        kakou.get("/api/v1/pushlists/items").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(kakou.get("/pushlists").await.status, StatusCode::FORBIDDEN);
    srv.stop().await;
}
both_backends!(scope, worker_sees_only_their_grids_people);

async fn dashboard_and_pages_render(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let answer = import_sample(&srv, &admin).await;
    let batch = answer["summary"]["batch_id"].as_i64().unwrap();
    let page = admin.get(&format!("/pushlists?batch={batch}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in ["测试批次", "经八路街道", "未清零", "待分配"] {
        assert!(page.body.contains(text), "dashboard lacks {text}");
    }
    assert!(!page.body.contains("/soon/pushlists") && !page.body.contains("/soon/checkpoints"));
    let drill = admin
        .get(&format!("/pushlists?batch={batch}&node=410105001001"))
        .await;
    assert!(drill.body.contains("纬五路社区第一网格") && drill.body.contains("纬五路社区第二网格"));
    let list = admin
        .get(&format!(
            "/pushlists/items?batch={batch}&view=all&node={GRID_A}"
        ))
        .await;
    assert!(list.body.contains("甲一") && !list.body.contains("乙一"));
    let batches = admin.get("/api/v1/pushlists/batches").await.json();
    let ours = batches
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["batch"]["id"] == batch)
        .unwrap()
        .clone();
    assert_eq!(ours["cleared"], false);
    assert_eq!(ours["totals"]["pending"], 4);
    // address table: a rule places the next push of that estate
    let csrf = admin.csrf().await;
    let r = admin
        .post_form(
            "/pushlists/rules",
            &[
                ("csrf", &csrf),
                ("keyword", "某某小区"),
                ("node_code", GRID_B),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(admin
        .get("/pushlists/rules")
        .await
        .body
        .contains("某某小区"));
    // a bad rule comes back as the same form: the error beside its field, what was typed kept
    for (keyword, node, field) in [("某", GRID_B, "keyword"), ("某某小区", GRID_A, "keyword")]
    {
        let r = admin
            .post_form(
                "/pushlists/rules",
                &[("csrf", &csrf), ("keyword", keyword), ("node_code", node)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains(&format!(r#"id="{field}-error""#)),
            "{field} error beside its field: {}",
            r.body
        );
        assert!(
            r.body.contains(&format!(r#"value="{keyword}""#)),
            "typed kept"
        );
        assert!(
            r.body.contains(&format!(r#"value="{node}" selected"#)),
            "chosen node kept"
        );
    }
    // so does a bad upload: the time limit beside its field, the name kept, no file read
    let r = admin
        .post_multipart(
            "/pushlists/import",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("name", None, "坏时限批次".as_bytes()),
                ("due_hours", None, b"abc"),
                ("file", Some("x.csv"), HEADER.as_bytes()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="due_hours-error""#), "{}", r.body);
    assert!(r.body.contains("核查时限应为整数小时"), "{}", r.body);
    assert!(r.body.contains(r#"value="坏时限批次""#), "typed name kept");
    assert!(r.body.contains(r#"value="abc""#), "typed time limit kept");
    let csv = format!("{HEADER}\n丁一,{},,上海,2021-12-22,某某小区9号,\n", id(30));
    let r = admin
        .post_bytes(
            "/api/v1/pushlists/import",
            csv.into_bytes(),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        find(&items_named(&admin, "all").await, "丁一")["node_code"],
        GRID_B
    );
    srv.stop().await;
}
both_backends!(pages, dashboard_and_pages_render);

/// A checkpoint operator account with an API token for a new checkpoint in 纬五路社区.
async fn checkpoint_with_token(admin: &Client) -> (i64, String) {
    let csrf = admin.csrf().await;
    let h = [("x-csrf-token", csrf.as_str())];
    let r = admin
        .post_json(
            "/api/v1/checkpoints",
            &json!({"node_code": "410105001001", "name": "纬五路东门", "kind": "estate", "location": "东门"}),
            &h,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cp = r.json()["id"].as_i64().unwrap();
    let r = admin
        .post_json(
            "/api/v1/users",
            &json!({"username": "dongmen", "display_name": "东门卡口", "role": "checkpoint_operator",
                    "node_code": "410105001001", "password": "a-long-password"}),
            &h,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let user = r.json()["id"].clone();
    let r = admin
        .post_json(
            &format!("/api/v1/users/{user}/tokens"),
            &json!({"name": "东门闸机"}),
            &h,
        )
        .await;
    (cp, r.json()["token"].as_str().unwrap().to_string())
}

async fn scans_raise_alerts_seen_at_once_by_the_community(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    import_sample(&srv, &admin).await;
    let (cp, token) = checkpoint_with_token(&admin).await;
    let bearer = format!("Bearer {token}");
    let machine = srv.client();
    let auth = [("authorization", bearer.as_str())];
    let scans = format!("/api/v1/checkpoints/{cp}/scans");

    // the community's live feed, open before the scan arrives
    let community = srv.login("weiwulu").await;
    let mut stream = community
        .raw_get("/api/v1/alerts/stream")
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));

    // one scan: a fever
    let r = machine
        .post_json(
            &scans,
            &json!({"id_number": id(40), "temperature": 37.3, "code_colour": "green"}),
            &auth,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["scans"][0]["reasons"], json!(["fever"]));
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains("event: alert") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("alert pushed within 10 s")
            .expect("stream chunk")
            .expect("stream open");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        seen.contains("体温异常") && seen.contains("纬五路东门"),
        "{seen}"
    );
    assert!(!seen.contains(&id(40)), "ID numbers are masked in the feed");
    drop(stream);

    // a batch: normal, red code, a person on the open push list (甲一, traced in grid A), a car
    let body = json!({"scans": [
        {"id_number": id(41), "temperature": 36.5, "code_colour": "green", "direction": "in"},
        {"id_number": id(42), "temperature": 36.5, "code_colour": "red"},
        {"id_number": id(1).to_lowercase(), "temperature": 36.4, "code_colour": "green"},
        {"plate": "豫A·88888", "direction": "out"}
    ]});
    let r = machine.post_json(&scans, &body, &auth).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let acks = r.json()["scans"].as_array().unwrap().clone();
    assert_eq!(acks.len(), 4);
    assert!(acks[0].get("reasons").is_none());
    assert_eq!(acks[1]["reasons"], json!(["red_code"]));
    assert_eq!(acks[2]["reasons"], json!(["push_list"]));
    // a batch with one bad scan stores nothing and names it
    let bad = json!([{"id_number": id(43)}, {"id_number": "123"}, {"temperature": 36.5}]);
    let r = machine.post_json(&scans, &bad, &auth).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let rows = r.json()["rows"].as_array().unwrap().clone();
    assert_eq!(
        (rows[0]["row"].as_u64(), rows[0]["field"].as_str()),
        (Some(2), Some("id_number"))
    );
    assert_eq!(rows[1]["row"], 3);
    for (body, status) in [
        ("not json", StatusCode::BAD_REQUEST),
        ("{\"id_number\": 5}", StatusCode::UNPROCESSABLE_ENTITY),
        ("[]", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let r = machine.post_body(&scans, body, &auth).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
    }
    let hours = admin
        .get(&format!("/api/v1/checkpoints/{cp}/hours"))
        .await
        .json();
    let total: i64 = hours
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["scans"].as_i64().unwrap())
        .sum();
    let alerts: i64 = hours
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["alerts"].as_i64().unwrap())
        .sum();
    assert_eq!((total, alerts), (5, 3));

    // who sees which alert (of this checkpoint: the demo's own alerts reach grids here too)
    let of_cp = format!("/api/v1/alerts?checkpoint={cp}");
    let list = community.get(&of_cp).await.json();
    assert_eq!(list.as_array().unwrap().len(), 3);
    let grid_a = srv.login("wangge1").await;
    let theirs = grid_a.get(&of_cp).await.json();
    assert_eq!(
        theirs.as_array().unwrap().len(),
        1,
        "the tracing grid sees its person"
    );
    assert_eq!(theirs[0]["reasons"], json!(["push_list"]));
    // …by name, with a link to the item (it is theirs to open)
    assert_eq!(theirs[0]["person_name"], "甲一");
    assert!(theirs[0]["links"][0]["href"]
        .as_str()
        .unwrap()
        .starts_with("/pushlists/items/"));
    let street_b = srv.login("wangge2").await;
    assert!(street_b
        .get(&of_cp)
        .await
        .json()
        .as_array()
        .unwrap()
        .is_empty());
    // the pages
    let page = community.get("/checkpoints/alerts").await;
    assert!(page.body.contains("红码") && page.body.contains("/static/alerts.js"));
    let csrf = community.csrf().await;
    let first = list[0]["id"].as_i64().unwrap();
    let r = community
        .post_form(
            &format!("/checkpoints/alerts/{first}/handle"),
            &[("csrf", &csrf), ("outcome", "contacted")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        community
            .get(&format!("{of_cp}&open=1"))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let detail = admin.get(&format!("/checkpoints/{cp}")).await;
    assert!(detail.body.contains("纬五路东门") && detail.body.contains("豫A88888"));
    assert!(admin.get("/checkpoints").await.body.contains("纬五路东门"));
    srv.stop().await;
}
both_backends!(
    scans_and_alerts,
    scans_raise_alerts_seen_at_once_by_the_community
);

async fn checkpoints_refuse_what_is_not_theirs(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let (cp, token) = checkpoint_with_token(&admin).await;
    let scans = format!("/api/v1/checkpoints/{cp}/scans");
    let body = json!({"id_number": id(50), "temperature": 36.5});
    let c = srv.client();
    assert_eq!(
        c.post_json(&scans, &body, &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.post_json(&scans, &body, &[("authorization", "Bearer nope")])
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // the demo's highway operator belongs to another street: that checkpoint does not exist for it
    let kakou = srv.login("kakou").await;
    let kcsrf = kakou.csrf().await;
    let r = kakou
        .post_json(&scans, &body, &[("x-csrf-token", &kcsrf)])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // a grid worker may not add checkpoints
    let w = srv.login("wangge1").await;
    let wcsrf = w.csrf().await;
    let r = w
        .post_json(
            "/api/v1/checkpoints",
            &json!({"node_code": GRID_A, "name": "x", "kind": "estate"}),
            &[("x-csrf-token", &wcsrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // bad kind, duplicate name
    let csrf = admin.csrf().await;
    let h = [("x-csrf-token", csrf.as_str())];
    let r = admin
        .post_json(
            "/api/v1/checkpoints",
            &json!({"node_code": GRID_A, "name": "x", "kind": "castle"}),
            &h,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post_json(
            "/api/v1/checkpoints",
            &json!({"node_code": "410105001001", "name": "纬五路东门", "kind": "estate"}),
            &h,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["field"], "name");
    // the page forms come back as the same form: the error beside its field, what was typed kept
    let r = admin
        .post_form(
            "/checkpoints",
            &[
                ("csrf", &csrf),
                ("name", "纬五路东门"),
                ("kind", "factory"),
                ("node_code", "410105001001"),
                ("location", "东门<外>"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="name-error""#), "{}", r.body);
    assert!(r.body.contains("同一网格节点下已有同名卡口"), "{}", r.body);
    assert!(r.body.contains("表单有 1 处需要修改"), "{}", r.body);
    assert!(
        r.body.contains("东门&lt;外&gt;") || r.body.contains("东门&#60;外&#62;"),
        "typed location kept, escaped: {}",
        r.body
    );
    assert!(
        r.body.contains(r#"value="factory" selected"#),
        "chosen kind kept"
    );
    // several bad fields: every one beside its input at once
    let r = admin
        .post_form(
            "/checkpoints",
            &[
                ("csrf", &csrf),
                ("name", ""),
                ("kind", "factory"),
                ("node_code", "999999999999"),
                ("location", &"远".repeat(300)),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for field in ["name", "node_code", "location"] {
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{field} beside its input: {}",
            r.body
        );
    }
    let long = "长".repeat(60);
    let r = admin
        .post_form(
            &format!("/checkpoints/{cp}"),
            &[
                ("csrf", &csrf),
                ("name", &long),
                ("kind", "station"),
                ("location", "东门"),
                ("active", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="name-error""#), "{}", r.body);
    assert!(
        r.body.contains(&format!(r#"value="{long}""#)),
        "typed name kept"
    );
    assert!(
        r.body.contains(r#"value="station" selected"#),
        "chosen kind kept"
    );
    assert_eq!(
        admin.get(&format!("/api/v1/checkpoints/{cp}")).await.json()["kind"],
        "estate",
        "nothing changed"
    );
    // closing: scans are refused at once (the server forgets its cached target)
    let auth = format!("Bearer {token}");
    assert_eq!(
        c.post_json(&scans, &body, &[("authorization", &auth)])
            .await
            .status,
        StatusCode::CREATED
    );
    let r = admin
        .post_form(
            &format!("/checkpoints/{cp}"),
            &[
                ("csrf", &csrf),
                ("name", "纬五路东门"),
                ("kind", "estate"),
                ("location", "东门"),
                ("active", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = c
        .post_json(&scans, &body, &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("已关闭"));
    srv.stop().await;
}
both_backends!(checkpoint_refusals, checkpoints_refuse_what_is_not_theirs);

/// `wangge import pushlist FILE`: rows refused → exit code 1 and FILE.errors.csv; clean → 0.
#[test]
fn cli_import_writes_the_error_report_and_fails() {
    let dir = std::env::temp_dir().join(format!("wangge-cli-push-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("cli.db").display());
    let bin = env!("CARGO_BIN_EXE_wangge");
    let tree = dir.join("tree.csv");
    std::fs::write(&tree, wangge::demo::grid_csv()).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .args(["--database", &db])
            .output()
            .expect("run wangge")
    };
    assert!(run(&["migrate"]).status.success());
    assert!(run(&["import", "grid", tree.to_str().unwrap()])
        .status
        .success());
    let bad = dir.join("push.csv");
    std::fs::write(&bad, sample_csv()).unwrap();
    let out = run(&["import", "pushlist", bad.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("新增核查对象 4"), "{stdout}");
    let report =
        std::fs::read_to_string(dir.join("push.csv.errors.csv")).expect("report next to the file");
    assert!(report.starts_with("\u{feff}行号,字段,原因"));
    assert!(
        report.contains("6,身份证号,") && report.contains("7,抵达时间,"),
        "{report}"
    );
    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        format!(
            "{HEADER}\n戊一,{},,上海,2021-12-22,纬五路社区第一网格,\n",
            id(60)
        ),
    )
    .unwrap();
    let out = run(&[
        "import",
        "pushlist",
        good.to_str().unwrap(),
        "--due-hours",
        "48",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.join("good.csv.errors.csv").exists());
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let out = run(&["import", "pushlist", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("文件为空"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// 查找 in the push list, and 批量分配 of the unassigned queue on the page and the API.
async fn search_and_bulk_placement(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    import_sample(&srv, &admin).await;
    let names = |v: Value| -> Vec<String> {
        let mut n: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap_or("").to_string())
            .collect();
        n.sort();
        n
    };
    let got = admin
        .get("/api/v1/pushlists/items?view=all&q=%E7%94%B2") // 甲
        .await;
    assert_eq!(names(got.json()), ["甲一", "甲二"]);
    let got = admin
        .get(&format!(
            "/api/v1/pushlists/items?view=all&q={}",
            &id(3)[14..]
        ))
        .await;
    assert_eq!(names(got.json()), ["乙一"]);
    let bad = admin.get("/api/v1/pushlists/items?q=123").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["field"], "q");
    let page = admin.get("/pushlists/items?view=all&q=123").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("id=\"q-error\"") && page.body.contains("value=\"123\""));
    let csv = admin
        .get("/pushlists/items/export?view=all&q=%E7%94%B2&format=csv")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("甲一") && csv.body.contains("甲二") && !csv.body.contains("乙一"));
    let w = srv.login("wangge1").await;
    let got = w
        .get(&format!("/api/v1/pushlists/items?view=all&q={}", id(3)))
        .await;
    assert_eq!(names(got.json()), Vec::<String>::new(), "乙一 is grid B's");

    // the street officer's queue offers the bulk form; a bad one comes back with ticks kept
    let officer = srv.login("jingbalu").await;
    let queue = items_named(&officer, "unassigned").await;
    let bing = find(&queue, "丙一")["id"].as_i64().unwrap();
    let page = officer.get("/pushlists/items?view=unassigned").await;
    assert!(page.body.contains("id=\"place-many\""), "bulk form shown");
    assert!(page.body.contains(&format!("name=\"item_{bing}\"")));
    let worker_page = w.get("/pushlists/items?view=all").await;
    assert!(!worker_page.body.contains("id=\"place-many\""));
    let csrf = officer.csrf().await;
    let ticked = format!("item_{bing}");
    let r = officer
        .post_form(
            "/pushlists/place",
            &[("csrf", &csrf), ("node_code", ""), (&ticked, "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"node_code-error\""), "{}", r.body);
    assert!(r.body.contains(&format!(
        "name=\"item_{bing}\" value=\"1\" aria-label=\"选择 丙一\" checked"
    )));
    let r = officer
        .post_form(
            "/pushlists/place",
            &[("csrf", &csrf), ("node_code", GRID_A), (&ticked, "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let back = r.location().unwrap().to_string();
    let done = officer.get(&back).await;
    assert!(done.body.contains("id=\"placed\""), "{back}");
    assert!(find(&items_named(&w, "all").await, "丙一")["node_code"] == GRID_A);
    // the API: all or none — 甲一 sits in grid A, which grid B is not under
    let all = items_named(&admin, "all").await;
    let (jia, yi) = (
        find(&all, "甲一")["id"].as_i64().unwrap(),
        find(&all, "乙一")["id"].as_i64().unwrap(),
    );
    let r = officer
        .post_json(
            "/api/v1/pushlists/place",
            &json!({"item_ids": [yi, jia], "node_code": GRID_B}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "items");
    assert!(r.json()["error"].as_str().unwrap().contains("甲一"));
    let r = officer
        .post_json(
            "/api/v1/pushlists/place",
            &json!({"item_ids": [yi], "node_code": GRID_B}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["unchanged"], json!([yi]));
    srv.stop().await;
}
both_backends!(search_and_bulk, search_and_bulk_placement);
