//! Places by name (issue 14): the public region lookup `GET /api/v1/regions` (what it finds, its
//! refusals, its rate limit), the pickers on the report and risk-area forms, places typed by
//! name and stored by code, and names instead of codes on the lists, pages and exports. The
//! lookup reads no database (it runs on SQLite only); everything that stores or lists runs on
//! SQLite and PostgreSQL.

mod common;

use common::{day, hidden_csrf, Client, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use wangge_domain::validate::make_valid;
use wangge_store::both_backends;
use wangge_store::testing::code::GRID_A;
use wangge_store::testing::Kind;

fn q(text: &str) -> String {
    url_encode(text)
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The entry of `code` among the regions found.
fn entry<'a>(found: &'a Value, code: &str) -> &'a Value {
    found
        .as_array()
        .expect("an array")
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("{code} not found in {found}"))
}

#[tokio::test]
async fn lookup_finds_divisions_by_name_without_login() {
    let srv = TestServer::start(Kind::Sqlite).await;
    let c = srv.client();
    let r = c.get(&format!("/api/v1/regions?q={}", q("西安"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    let found = r.json();
    let list = found.as_array().expect("an array");
    assert!(
        !list.is_empty() && list.len() <= 10,
        "default count: {found}"
    );
    // the city first, then its districts
    assert_eq!(list[0]["code"], "610100");
    assert_eq!(list[0]["full_name"], "陕西省西安市");
    assert_eq!(list[0]["level"], "city");
    assert_eq!(list[0]["level_label"], "地级");
    assert_eq!(list[0]["place"], "610100");
    let r = c
        .get(&format!("/api/v1/regions?q={}&limit=50", q("西安")))
        .await;
    let found = r.json();
    let yanta = entry(&found, "610113");
    assert_eq!(yanta["name"], "雁塔区");
    assert_eq!(yanta["full_name"], "陕西省西安市雁塔区");
    assert_eq!(yanta["level"], "county");
    assert_eq!(yanta["place"], "610113");
    // part of a name; several terms; a street, whose place is its county's code and its name
    let found = c
        .get(&format!("/api/v1/regions?q={}", q("雁塔")))
        .await
        .json();
    assert_eq!(entry(&found, "610113")["full_name"], "陕西省西安市雁塔区");
    let found = c
        .get(&format!("/api/v1/regions?q={}", q("西安 电子城")))
        .await
        .json();
    let street = found
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["level"] == "street")
        .unwrap_or_else(|| panic!("a street: {found}"));
    assert_eq!(street["place"], "610113 电子城街道");
    assert_eq!(street["full_name"], "陕西省西安市雁塔区 电子城街道");
    // a province cannot be a place
    let found = c
        .get(&format!("/api/v1/regions?q={}", q("陕西省")))
        .await
        .json();
    assert!(entry(&found, "610000")["place"].is_null());
    // nothing found is an empty list, not an error
    let r = c.get(&format!("/api/v1/regions?q={}", q("喵喵喵"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!([]));

    // a bad q: 422 naming `q`, in Chinese
    for (path, says) in [
        ("/api/v1/regions".to_string(), "不能为空"),
        ("/api/v1/regions?q=".to_string(), "不能为空"),
        ("/api/v1/regions?q=%20%E3%80%80".to_string(), "不能为空"),
        (format!("/api/v1/regions?q={}", "西".repeat(65)), "过长"),
        (
            "/api/v1/regions?q=%E8%A5%BF%0A%E5%AE%89".to_string(),
            "控制字符",
        ),
    ] {
        let r = c.get(&path).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.body
        );
        let body = r.json();
        assert_eq!(body["field"], "q", "{path}: {body}");
        let message = body["error"].as_str().unwrap_or_default();
        assert!(
            message.contains("地区名称") && message.contains('q') && message.contains(says),
            "{path}: {message}"
        );
    }
    let r = c
        .get(&format!("/api/v1/regions?q={}&limit=51", q("西安")))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "limit");
    // the script of the pickers
    let r = c.get("/static/regions.js").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(r.body.contains("/api/v1/regions"));
    srv.stop().await;
}

#[tokio::test]
async fn lookup_is_rate_limited_per_client() {
    let config = wangge_server::AppConfig {
        regions_limit: wangge_server::ratelimit::RateLimit {
            burst: 3,
            refill: std::time::Duration::from_secs(60),
        },
        ..Default::default()
    };
    let srv = TestServer::start_with(Kind::Sqlite, config).await;
    let c = srv.client();
    let path = format!("/api/v1/regions?q={}", q("雁塔"));
    for i in 0..2 {
        let r = c.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "request {i}: {}", r.body);
    }
    // a refused query counts too: the limit is taken before the query is read
    assert_eq!(
        c.get("/api/v1/regions").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = c.get(&path).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.json()["error"].as_str().unwrap().contains("请求过于频繁"));
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // a logged-in caller from the same address shares the limit (it is per client address)
    let admin = srv.login("admin").await;
    assert_eq!(admin.get(&path).await.status, StatusCode::TOO_MANY_REQUESTS);
    // the other public routes keep their own limits
    assert_eq!(srv.client().get("/report").await.status, StatusCode::OK);
    srv.stop().await;
}

fn report_form<'a>(
    csrf: &'a str,
    id: &'a str,
    origin: &'a str,
    travel: &'a str,
) -> Vec<(&'a str, String)> {
    vec![
        ("csrf", csrf.to_string()),
        ("name", "测试地名".to_string()),
        ("id_number", id.to_string()),
        ("phone", "13900139000".to_string()),
        ("origin", origin.to_string()),
        ("overseas_days", String::new()),
        ("travel", travel.to_string()),
        ("occupation", "教师".to_string()),
        ("arrival_date", day(3)),
        ("node_code", GRID_A.to_string()),
        ("destination", "纬五路社区2号楼".to_string()),
        ("employer", String::new()),
    ]
}

async fn submit(c: &Client, origin: &str, travel: &str, seq: u32) -> common::Reply {
    let page = c.get("/report").await;
    let csrf = hidden_csrf(&page.body).expect("csrf");
    let id = make_valid(&format!("61011319900101{seq:03}"));
    let fields = report_form(&csrf, &id, origin, travel);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form("/report", &pairs).await
}

/// The one arrival of the demo district whose ID number ends like `seq`'s, as staff see it.
async fn stored(admin: &Client, seq: u32) -> Value {
    let id = make_valid(&format!("61011319900101{seq:03}"));
    let last4 = &id[id.len() - 4..];
    let list = admin
        .get(&format!("/api/v1/arrivals?q={last4}&limit=1000"))
        .await
        .json();
    let found: Vec<&Value> = list
        .as_array()
        .expect("arrivals")
        .iter()
        .filter(|a| a["name"] == "测试地名")
        .collect();
    assert_eq!(found.len(), 1, "one report ending {last4}: {list}");
    found[0].clone()
}

async fn reports_by_name_or_picked_code_store_the_code(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let c = srv.client();
    // the form offers the picker and dates no example in the past years
    let page = c.get("/report").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"src="/static/regions.js""#));
    assert!(page.body.contains(r#"name="origin""#) && page.body.contains("data-region-picker"));
    assert!(page.body.contains("data-travel-add"));
    assert!(!page.body.contains("2021-"), "no 2021 example dates");
    assert!(
        page.body.contains(&format!("{} 西安市雁塔区", day(-2))),
        "the travel example is dated two days ago"
    );

    // typed by name (no script: the field is sent as typed)
    let travel = format!("{} 雁塔区\n{} 110105 三里屯街道", day(-2), day(-4));
    let r = submit(&c, "西安市雁塔区 电子城街道", &travel, 1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("报备成功"));
    // picked from the suggestions: the hidden field carries the place's code
    let r = submit(&c, "610113 电子城街道", "", 2).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // a name that is several counties, and one that is none: the field says so, nothing stored
    let r = submit(&c, "朝阳区", "", 3).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="origin-error""#), "{}", r.body);
    assert!(
        r.body.contains("对应多个区县") && r.body.contains("北京市朝阳区"),
        "{}",
        r.body
    );
    let r = submit(&c, "火星市", "", 4).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("无法对应到区县"), "{}", r.body);
    // the public API takes a name too
    let body = json!({
        "id_number": make_valid("61011319900101005"),
        "name": "测试地名",
        "phone": "13800138000",
        "origin": "雁塔区",
        "arrival_date": day(3),
        "destination": "纬五路社区1号楼",
        "node_code": GRID_A,
    });
    let r = c.post_json("/api/v1/arrivals", &body, &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let admin = srv.login("admin").await;
    for seq in [1, 2] {
        let a = stored(&admin, seq).await;
        assert_eq!(a["origin"]["place"]["code"], "610113", "{a}");
        assert_eq!(a["origin"]["place"]["street"], "电子城街道", "{a}");
    }
    let a = stored(&admin, 1).await;
    assert_eq!(a["travel"][0]["place"]["code"], "610113", "{a}");
    assert_eq!(a["travel"][1]["place"]["code"], "110105", "{a}");
    let a5 = stored(&admin, 5).await;
    assert_eq!(a5["origin"]["place"]["code"], "610113");
    for seq in [3, 4] {
        let id = make_valid(&format!("61011319900101{seq:03}"));
        let list = admin
            .get(&format!("/api/v1/arrivals?q={}", &id[id.len() - 4..]))
            .await
            .json();
        assert!(
            !list
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["name"] == "测试地名"),
            "refused reports are not stored: {list}"
        );
    }

    // the list, the record and the export show names, the export the code beside it
    let list = admin.get(&format!("/arrivals?q={}", q("测试地名"))).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("陕西省西安市雁塔区 电子城街道"),
        "{}",
        list.body
    );
    assert!(!list.body.contains("610113"), "no bare code in the list");
    let show = admin.get(&format!("/arrivals/{}", a["id"])).await;
    assert!(show.body.contains("陕西省西安市雁塔区 电子城街道"));
    assert!(show
        .body
        .contains(&format!("{} 陕西省西安市雁塔区<br>", day(-2))));
    assert!(show.body.contains("北京市朝阳区 三里屯街道"));
    assert!(!show.body.contains("610113"), "no bare code on the record");
    let (status, _, bytes) = admin
        .get_bytes(&format!("/arrivals/export?q={}&format=csv", q("测试地名")))
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8_lossy(&bytes).to_string();
    let mut lines = csv.lines().skip(1); // the title row
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let origin = header.iter().position(|h| *h == "来源地").expect("来源地");
    assert_eq!(header[origin + 1], "地区代码", "{header:?}");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 3, "{csv}");
    for row in rows {
        assert!(row[origin].starts_with("陕西省西安市雁塔区"), "{csv}");
        assert_eq!(row[origin + 1], "610113", "{csv}");
    }
    srv.stop().await;
}
both_backends!(
    reports_by_name,
    reports_by_name_or_picked_code_store_the_code
);

fn area_form<'a>(
    csrf: &'a str,
    code: &'a str,
    street: &'a str,
    name: &'a str,
) -> Vec<(&'a str, String)> {
    vec![
        ("csrf", csrf.to_string()),
        ("code", code.to_string()),
        ("street", street.to_string()),
        ("name", name.to_string()),
        ("level", "high".to_string()),
        ("valid_from", day(-30)),
        ("valid_until", String::new()),
    ]
}

async fn post_area(
    admin: &Client,
    path: &str,
    code: &str,
    street: &str,
    name: &str,
) -> common::Reply {
    let csrf = admin.csrf().await;
    let fields = area_form(&csrf, code, street, name);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    admin.post_form(path, &pairs).await
}

async fn risk_areas_are_entered_by_name(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let page = admin.get("/risk-areas").await;
    assert!(page.body.contains(r#"src="/static/regions.js""#));
    assert!(page.body.contains(r#"data-region-street="street""#));
    // a county and street by name, in the one field (the picker puts the street in its own)
    let r = post_area(
        &admin,
        "/risk-areas",
        "西安市雁塔区 电子城街道",
        "",
        "电子城街道",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = post_area(&admin, "/risk-areas", "鼓楼区", "", "鼓楼区").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(r#"id="code-error""#), "{}", r.body);
    assert!(r.body.contains("对应多个区县"), "{}", r.body);
    assert!(r.body.contains("鼓楼区"), "what was typed is kept");
    let r = post_area(&admin, "/risk-areas", "火星市", "", "火星").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("区划“火星市”无法对应到区县"), "{}", r.body);
    let r = post_area(
        &admin,
        "/risk-areas",
        "雁塔区 电子城街道",
        "小寨路街道",
        "两处",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("请只填写一处"), "{}", r.body);
    // the API and the importer take a name too
    let csrf = admin.csrf().await;
    let area = json!({"code": "西安市新城区", "name": "新城区", "level": "medium", "valid_from": day(-30)});
    let r = admin
        .post_json("/api/v1/risk-areas", &area, &[("x-csrf-token", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["area"]["code"], "610102");
    let bad =
        json!({"code": "朝阳区", "name": "朝阳区", "level": "medium", "valid_from": day(-30)});
    let r = admin
        .post_json("/api/v1/risk-areas", &bad, &[("x-csrf-token", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "code");
    let csv = format!(
        "code,street,name,level,valid_from,valid_until\n碑林区,,碑林区,low,{},\n",
        day(-30)
    );
    let r = admin
        .post_bytes(
            "/api/v1/risk-areas/import",
            csv.into_bytes(),
            &[("x-csrf-token", &csrf), ("content-type", "text/csv")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let areas = admin.get("/api/v1/risk-areas").await.json();
    let areas = areas.as_array().expect("areas");
    let find = |code: &str, street: Option<&str>| {
        areas
            .iter()
            .find(|a| a["code"] == code && a["street"].as_str() == street)
            .unwrap_or_else(|| panic!("{code} {street:?} in {areas:?}"))
            .clone()
    };
    let yanta = find("610113", Some("电子城街道"));
    find("610102", None);
    find("610103", None);
    assert!(!areas
        .iter()
        .any(|a| a["code"] == "火星市" || a["code"] == "朝阳区"));
    // the list shows the division's name (its code beside, small)
    let list = admin.get("/risk-areas").await;
    assert!(
        list.body.contains("陕西省西安市雁塔区 <small"),
        "{}",
        list.body
    );
    assert!(list.body.contains("陕西省西安市碑林区"));
    // editing by name keeps the code
    let path = format!("/risk-areas/{}", yanta["id"]);
    let r = post_area(&admin, &path, "雁塔区", "电子城街道", "电子城街道（改）").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = admin
        .get(&format!("/api/v1/risk-areas/{}", yanta["id"]))
        .await
        .json();
    assert_eq!(
        (a["code"].as_str(), a["name"].as_str()),
        (Some("610113"), Some("电子城街道(改)"))
    );

    // a report from that street, typed by name, meets the high-risk area
    let r = submit(&srv.client(), "雁塔区 电子城街道", "", 6).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = stored(&admin, 6).await;
    assert_eq!(a["origin_risk"], "high", "{a}");
    srv.stop().await;
}
both_backends!(risk_by_name, risk_areas_are_entered_by_name);

async fn push_items_show_the_place_name(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let csrf = admin.csrf().await;
    let csv = format!(
        "姓名,身份证号,手机号,来源地,抵达时间,现住址,备注\n\
         地名甲,{},13800138000,610113 电子城街道,{} 08:00,纬五路社区第一网格3号楼,\n\
         地名乙,{},,西安市碑林区,{} 09:00,纬五路社区第一网格4号楼,\n",
        make_valid("61011319900202001"),
        day(-1),
        make_valid("61011319900202002"),
        day(-1),
    );
    let r = admin
        .post_bytes(
            "/api/v1/pushlists/import?name=%E5%9C%B0%E5%90%8D",
            csv.into_bytes(),
            &[("x-csrf-token", &csrf), ("content-type", "text/csv")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let page = admin
        .get(&format!("/pushlists/items?view=all&q={}", q("地名甲")))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("陕西省西安市雁塔区 电子城街道"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("610113 电子城街道"), "no bare code");
    let (status, _, bytes) = admin
        .get_bytes(&format!(
            "/pushlists/items/export?view=all&q={}&format=csv",
            q("地名")
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8_lossy(&bytes).to_string();
    let mut lines = csv.lines().skip(1);
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let (name, origin) = (
        header.iter().position(|h| *h == "姓名").expect("姓名"),
        header.iter().position(|h| *h == "来源地").expect("来源地"),
    );
    assert_eq!(header[origin + 1], "地区代码");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let row = |who: &str| {
        rows.iter()
            .find(|r| r[name] == who)
            .unwrap_or_else(|| panic!("{who} in {csv}"))
            .clone()
    };
    let a = row("地名甲");
    assert_eq!(
        (a[origin], a[origin + 1]),
        ("陕西省西安市雁塔区 电子城街道", "610113")
    );
    // a place the list wrote by name stays as written, with no code
    let b = row("地名乙");
    assert_eq!((b[origin], b[origin + 1]), ("西安市碑林区", ""));
    srv.stop().await;
}
both_backends!(push_items, push_items_show_the_place_name);

/// 工作台 says where the caller's node lies, by name.
async fn home_names_the_callers_division(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let worker = srv.login("wangge1").await;
    let home = worker.get("/").await;
    assert!(
        home.body
            .contains("纬五路社区第一网格（河南省郑州市金水区 经八路街道）"),
        "{}",
        home.body
    );
    srv.stop().await;
}
both_backends!(home, home_names_the_callers_division);
