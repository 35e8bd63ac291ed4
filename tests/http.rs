//! The server over HTTP, on SQLite and PostgreSQL: login, the grid tree, scope isolation,
//! bad input, CSRF and API tokens.

mod common;

use std::time::{Duration, Instant};

use common::{hidden_csrf, wait_until, within, TestServer};
use reqwest::StatusCode;
use serde_json::json;
use wangge_store::both_backends;
use wangge_store::testing::Kind;

// codes of the test tree, which is a part of the demo district these tests serve
use wangge_store::testing::code::{GRID_A, GRID_B};

async fn unauthenticated_requests_get_401_and_no_data(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let c = srv.client();
    for path in [
        "/api/v1/me",
        "/api/v1/grid",
        "/api/v1/grid/410105",
        "/api/v1/users",
        "/api/v1/users/1",
        "/api/v1/residents",
        "/api/v1/residents/1",
        "/api/v1/audit",
        "/api/v1/nonexistent",
    ] {
        let r = c.get(path).await;
        let expected = if path.ends_with("nonexistent") {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(r.status, expected, "{path}");
        assert!(r.json()["error"].is_string(), "{path}: {}", r.body);
        assert!(!r.body.contains("金水区"), "{path} leaked data");
    }
    let r = c
        .get_with("/api/v1/grid", &[("authorization", "Bearer not-a-token")])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = c.post_json("/api/v1/residents", &json!({}), &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    for path in [
        "/",
        "/grid",
        "/residents",
        "/users",
        "/audit",
        "/grid/410105",
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.location(), Some("/login"), "{path}");
    }
    srv.stop().await;
}
both_backends!(
    unauthenticated_gets_401,
    unauthenticated_requests_get_401_and_no_data
);

async fn admin_logs_in_and_sees_the_tree(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let c = srv.client();
    // wrong password: a clear message, no session
    assert_eq!(
        c.login("admin", "wrong-password").await,
        StatusCode::UNAUTHORIZED
    );
    assert!(!c.has_cookie("wangge_session"));
    let page = c.get("/login").await;
    let csrf = hidden_csrf(&page.body).unwrap();
    let r = c
        .post_form(
            "/login",
            &[("username", "admin"), ("password", "nope"), ("csrf", &csrf)],
        )
        .await;
    assert!(r.body.contains("用户名或密码错误"), "{}", r.body);
    // a login form without its token is refused
    let r = c
        .post_form(
            "/login",
            &[("username", "admin"), ("password", common::DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // the login page sets its form token cookie with every protective attribute
    let page = c.get("/login").await;
    let set_cookie = page
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(set_cookie.contains(attr), "{set_cookie} lacks {attr}");
    }
    let csp = page
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(page.headers.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(
        page.headers.get("x-content-type-options").unwrap(),
        "nosniff"
    );
    assert!(
        !page.body.contains("<script>") && !page.body.contains("style="),
        "no inline script or style"
    );

    assert_eq!(
        c.login("admin", common::DEMO_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    assert!(c.has_cookie("wangge_session"));
    let tree = c.get("/grid").await;
    assert_eq!(tree.status, StatusCode::OK);
    for name in [
        "金水区",
        "经八路街道",
        "纬五路社区",
        "纬五路社区第一网格",
        "祭城路街道",
    ] {
        assert!(tree.body.contains(name), "tree lacks {name}");
    }
    let api = c.get("/api/v1/grid").await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.json().as_array().unwrap().len(), 1 + 5 + 40 + 200);
    let me = c.get("/api/v1/me").await.json();
    assert_eq!(me["role"], "district_admin");
    for page in ["/", "/users", "/residents", "/audit", "/grid/410105001"] {
        assert_eq!(c.get(page).await.status, StatusCode::OK, "{page}");
    }
    // session rotation: logging in again issues a new session id and ends the old one
    let old = c.cookie("wangge_session").unwrap();
    // (a logged-in browser is sent past /login, so take a login form from a fresh one)
    let fresh = srv.client();
    let csrf = hidden_csrf(&fresh.get("/login").await.body).unwrap();
    c.set_cookie(
        "wangge_login_csrf",
        &fresh.cookie("wangge_login_csrf").unwrap(),
    );
    let r = c
        .post_form(
            "/login",
            &[
                ("username", "admin"),
                ("password", common::DEMO_PASSWORD),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let new = c.cookie("wangge_session").unwrap();
    assert_ne!(old, new);
    let stale = srv.client();
    stale.set_cookie("wangge_session", &old);
    assert_eq!(
        stale.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    // logout ends the session
    let csrf = c.csrf().await;
    let r = c.post_form("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.location(), Some("/login"));
    let gone = srv.client();
    gone.set_cookie("wangge_session", &new);
    assert_eq!(
        gone.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    srv.stop().await;
}
both_backends!(admin_login_and_tree, admin_logs_in_and_sees_the_tree);

async fn worker_of_grid_a_never_sees_grid_b(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let residents: Vec<serde_json::Value> = admin
        .get("/api/v1/residents?limit=1000")
        .await
        .json()
        .as_array()
        .unwrap()
        .clone();
    let in_b: Vec<&serde_json::Value> = residents
        .iter()
        .filter(|r| r["node_code"] == GRID_B)
        .collect();
    assert!(!in_b.is_empty(), "demo has residents in grid B");
    let users: Vec<serde_json::Value> = admin
        .get("/api/v1/users")
        .await
        .json()
        .as_array()
        .unwrap()
        .clone();
    let worker_b = users.iter().find(|u| u["username"] == "wangge2").unwrap()["id"]
        .as_i64()
        .unwrap();
    let full_b = admin
        .get(&format!("/api/v1/residents/{}?reveal=1", in_b[0]["id"]))
        .await
        .json();
    let secret_id = full_b["id_number"].as_str().unwrap().to_string();
    assert!(
        secret_id.len() == 18 && !secret_id.contains('*'),
        "reveal=1 shows the full number: {secret_id}"
    );
    let page = format!("/residents/{}", in_b[0]["id"]);
    assert!(!admin.get(&page).await.body.contains(&secret_id));
    let revealed = admin.get(&format!("{page}?reveal=1")).await.body;
    assert!(revealed.contains(&secret_id), "the page shows it revealed");
    let secret_name = full_b["name"].as_str().unwrap().to_string();

    let w = srv.login("wangge1").await;
    let mut checked = 0;
    for r in &in_b {
        let id = r["id"].as_i64().unwrap();
        for path in [
            format!("/residents/{id}"),
            format!("/residents/{id}?reveal=1"),
        ] {
            let resp = w.get(&path).await;
            assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
            assert!(!resp.body.contains(&secret_id));
            checked += 1;
        }
        for path in [
            format!("/api/v1/residents/{id}"),
            format!("/api/v1/residents/{id}?reveal=1"),
        ] {
            let resp = w.get(&path).await;
            assert_eq!(resp.status, StatusCode::NOT_FOUND, "{path}");
            assert!(resp.json()["error"].is_string());
            checked += 1;
        }
    }
    for (path, status) in [
        (format!("/grid/{GRID_B}"), StatusCode::NOT_FOUND),
        (format!("/api/v1/grid/{GRID_B}"), StatusCode::NOT_FOUND),
        ("/grid/410105".to_string(), StatusCode::NOT_FOUND),
        (format!("/users/{worker_b}"), StatusCode::FORBIDDEN),
        (format!("/api/v1/users/{worker_b}"), StatusCode::FORBIDDEN),
        ("/users".to_string(), StatusCode::FORBIDDEN),
        ("/api/v1/users".to_string(), StatusCode::FORBIDDEN),
        ("/audit".to_string(), StatusCode::FORBIDDEN),
        ("/api/v1/audit".to_string(), StatusCode::FORBIDDEN),
    ] {
        let resp = w.get(&path).await;
        assert_eq!(resp.status, status, "{path}");
        assert!(
            !resp.body.contains(&secret_name) || resp.body.contains("网格员"),
            "{path}"
        );
        checked += 1;
    }
    // lists hold only grid A
    let grid = w.get("/api/v1/grid").await.json();
    assert_eq!(grid.as_array().unwrap().len(), 1);
    assert_eq!(grid[0]["code"], GRID_A);
    let mine = w.get("/api/v1/residents").await.json();
    assert!(!mine.as_array().unwrap().is_empty());
    assert!(mine
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["node_code"] == GRID_A));
    let page = w.get("/residents").await;
    assert!(!page.body.contains(&secret_id[14..]) || mine.to_string().contains(&secret_id[14..]));
    let tree = w.get("/grid").await.body;
    assert!(!tree.contains(GRID_B) && tree.contains(GRID_A));

    // nor can it write into grid B
    let csrf = w.csrf().await;
    let before = srv
        .store()
        .count_residents(&wangge_store::Actor::system("test"))
        .await
        .unwrap();
    let r = w
        .post_json(
            "/api/v1/residents",
            &json!({"id_number": wangge_domain::validate::make_valid("41010519800101555"), "name": "李四",
                    "node_code": GRID_B, "address": "某处"}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "node_code");
    assert_eq!(
        srv.store()
            .count_residents(&wangge_store::Actor::system("test"))
            .await
            .unwrap(),
        before
    );
    assert!(checked >= 13);
    srv.stop().await;
}
both_backends!(scope_isolation, worker_of_grid_a_never_sees_grid_b);

async fn bad_input_is_refused_clearly_and_changes_nothing(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let csrf = admin.csrf().await;
    let h = [("x-csrf-token", csrf.as_str())];
    let audit_before = admin
        .get("/api/v1/audit")
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    let nodes_before = admin
        .get("/api/v1/grid")
        .await
        .json()
        .as_array()
        .unwrap()
        .len();

    // malformed CSV row and unknown parent: each named by row and field, nothing imported
    let csv = "code,name,level,parent_code\n410105006,新街道,township,410105\n4101050060x1,坏社区,community,410105006\n410105006002,孤儿社区,community,410105099\n";
    let r = admin.post_body("/api/v1/grid/import", csv, &h).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let rows = r.json()["rows"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[0]["row"].as_u64(), rows[0]["field"].as_str()),
        (Some(3), Some("code"))
    );
    assert_eq!(
        (rows[1]["row"].as_u64(), rows[1]["field"].as_str()),
        (Some(4), Some("parent_code"))
    );
    assert!(rows[1]["message"].as_str().unwrap().contains("410105099"));
    assert_eq!(
        admin
            .get("/api/v1/grid")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        nodes_before
    );
    let r = admin
        .post_body("/api/v1/grid/import", "nothing,useful\n1,2\n", &h)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("code"), "{}", r.body);
    // the page's upload without a file: the tree again (422), the error beside the file field
    let r = admin
        .post_multipart(
            "/grid/import",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("file", Some("empty.csv"), b""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("id=\"grid-tree\"")
            && r.body.contains(
                "<span class=\"field-error\" id=\"file-error\">请选择要上传的CSV文件</span>"
            )
            && r.body.contains("aria-describedby=\"file-error\""),
        "{}",
        r.body
    );

    // invalid ID number: 422 naming the field, on the API and the form
    let r = admin
        .post_json(
            "/api/v1/residents",
            &json!({"id_number": "110105194912310021", "name": "王五", "node_code": GRID_A, "address": "x"}),
            &h,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["field"], "id_number");
    assert!(
        r.json()["error"].as_str().unwrap().contains("校验位"),
        "{}",
        r.body
    );
    let r = admin
        .post_form(
            "/residents",
            &[
                ("csrf", &csrf),
                ("id_number", "11010519491331002X"),
                ("name", "王五"),
                ("node_code", GRID_A),
                ("address", "x"),
            ],
        )
        .await;
    // the form comes back (422) with the error beside the ID number and what was typed kept
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("<span class=\"field-error\" id=\"id_number-error\">")
            && r.body.contains("出生日期")
            && r.body.contains("value=\"11010519491331002X\"")
            && r.body.contains("id=\"id_number\" aria-invalid=\"true\"")
            && r.body.contains("value=\"王五\"")
            && r.body.contains(&format!("value=\"{GRID_A}\" selected")),
        "{}",
        r.body
    );
    let r = admin
        .post_json("/api/v1/residents", &json!({"name": 5}), &h)
        .await;
    assert!(r.status.is_client_error() && r.json()["error"].is_string());
    let r = admin
        .post_body(
            "/api/v1/residents",
            "{not json",
            &[
                ("x-csrf-token", &csrf),
                ("content-type", "application/json"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // a user with a short password or a taken name
    let r = admin
        .post_json(
            "/api/v1/users",
            &json!({"username": "wangge1", "display_name": "重名", "role": "grid_worker", "node_code": GRID_A, "password": "long-enough-pw"}),
            &h,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["field"], "username");
    // the page form: the list again (422), the error beside the username, what was typed kept
    // but the password
    let r = admin
        .post_form(
            "/users",
            &[
                ("csrf", &csrf),
                ("username", "wangge1"),
                ("display_name", "重名"),
                ("role", "grid_worker"),
                ("node_code", GRID_A),
                ("password", "long-enough-pw"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("<span class=\"field-error\" id=\"username-error\">用户名已存在</span>")
            && r.body.contains("value=\"wangge1\"")
            && r.body.contains("id=\"username\" aria-invalid=\"true\"")
            && r.body.contains("value=\"重名\"")
            && r.body.contains(&format!("value=\"{GRID_A}\" selected"))
            && !r.body.contains("long-enough-pw"),
        "{}",
        r.body
    );

    // several bad fields: every one beside its input at once
    let r = admin
        .post_form(
            "/users",
            &[
                ("csrf", &csrf),
                ("username", "坏 名"),
                ("display_name", ""),
                ("role", "grid_worker"),
                ("node_code", "999999999"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    for field in ["username", "display_name", "password", "node_code"] {
        assert!(
            r.body.contains(&format!("id=\"{field}-error\"")),
            "{field} beside its input: {}",
            r.body
        );
    }

    // two bad dates in the audit filter: both beside their inputs
    let r = admin.get("/audit?from=2021-13-01&until=abc").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(r#"id="from-error""#) && r.body.contains(r#"id="until-error""#),
        "{}",
        r.body
    );

    // a bad audit filter: the log page again (422), the error beside the date, the rest kept
    let r = admin.get("/audit?user=wangge1&from=2021-13-01").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body
            .contains("<span class=\"field-error\" id=\"from-error\">")
            && r.body.contains("value=\"2021-13-01\"")
            && r.body.contains("id=\"from\" aria-invalid=\"true\"")
            && r.body.contains("name=\"user\" value=\"wangge1\""),
        "{}",
        r.body
    );

    let audit_after = admin
        .get("/api/v1/audit")
        .await
        .json()
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        audit_before, audit_after,
        "refused input leaves no trace of a change"
    );
    srv.stop().await;
}
both_backends!(bad_input, bad_input_is_refused_clearly_and_changes_nothing);

async fn csrf_and_api_tokens(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let body = json!({"id_number": wangge_domain::validate::make_valid("41010519910101777"), "name": "赵六",
                      "node_code": GRID_A, "address": "纬五路3号"});
    let r = admin.post_json("/api/v1/residents", &body, &[]).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "cookie without CSRF header"
    );
    let r = admin.post_form("/residents", &[("name", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "form without CSRF field");
    let csrf = admin.csrf().await;
    let r = admin
        .post_json("/api/v1/residents", &body, &[("x-csrf-token", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.json()["id_number"]
        .as_str()
        .unwrap()
        .starts_with("**************"));

    // a machine token for the checkpoint operator
    let users = admin.get("/api/v1/users").await.json();
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
            &json!({"name": "G4高速卡口"}),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let machine = srv.client();
    let me = machine
        .get_with(
            "/api/v1/me",
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["username"], "kakou");
    let r = machine
        .get_with(
            "/api/v1/residents",
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a checkpoint operator reads no register"
    );

    // the audit log shows who did what, filterable
    let log = admin
        .get("/api/v1/audit?user=admin&entity=api_token")
        .await
        .json();
    assert_eq!(log.as_array().unwrap().len(), 1);
    let page = admin.get("/audit?entity=resident").await;
    assert!(page.body.contains("admin"));
    // in Chinese: action, object and each field by its label, no raw JSON
    for words in [
        "新增",
        "常住人员",
        "身份证号",
        "<option value=\"resident\" selected>常住人员",
    ] {
        assert!(page.body.contains(words), "{words}");
    }
    assert!(
        !page.body.contains("{&quot;") && !page.body.contains("{\""),
        "no raw JSON"
    );
    srv.stop().await;
}
both_backends!(csrf_and_tokens, csrf_and_api_tokens);

async fn sessions_expire(kind: Kind) {
    let config = wangge_server::AppConfig {
        session_ttl: chrono::Duration::seconds(1),
        ..Default::default()
    };
    let srv = TestServer::start_with(kind, config).await;
    let before_login = Instant::now();
    let c = srv.login("admin").await;
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::OK);
    // asking does not prolong a session: ask until the server stops taking it
    let c = &c;
    let expired = wait_until(within(Duration::from_secs(20)), || async move {
        (c.get("/api/v1/me").await.status == StatusCode::UNAUTHORIZED).then_some(())
    })
    .await;
    assert!(expired.is_some(), "a session of one second still works");
    assert!(
        before_login.elapsed() >= Duration::from_millis(900),
        "the session ended before its second: {:?}",
        before_login.elapsed()
    );
    assert_eq!(c.get("/grid").await.location(), Some("/login"));
    srv.stop().await;
}
both_backends!(session_expiry, sessions_expire);

async fn oversized_bodies_get_413_naming_the_limit(kind: Kind) {
    let config = wangge_server::AppConfig {
        body_limit: 4096,
        ..Default::default()
    };
    let srv = TestServer::start_with(kind, config).await;
    let admin = srv.login("admin").await;
    let csrf = admin.csrf().await;
    let big = format!(
        "code,name,level,parent_code\n{}",
        "410105009,街道,township,410105\n".repeat(200)
    );
    let r = admin
        .post_body("/api/v1/grid/import", &big, &[("x-csrf-token", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        r.json()["error"].as_str().unwrap().contains("4 KB"),
        "{}",
        r.body
    );
    let body =
        json!({"id_number": "x".repeat(5000), "name": "n", "node_code": GRID_A, "address": "a"});
    let r = admin
        .post_json("/api/v1/residents", &body, &[("x-csrf-token", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        srv.store()
            .list_grid(&wangge_store::Actor::system("test"))
            .await
            .unwrap()
            .len(),
        246
    );
    srv.stop().await;
}
both_backends!(body_limits, oversized_bodies_get_413_naming_the_limit);

async fn login_attempts_are_limited_per_client(kind: Kind) {
    let config = wangge_server::AppConfig {
        login_limit: wangge_server::ratelimit::RateLimit {
            burst: 3,
            refill: std::time::Duration::from_secs(60),
        },
        ..Default::default()
    };
    let srv = TestServer::start_with(kind, config).await;
    let c = srv.client();
    for _ in 0..3 {
        assert_eq!(c.login("admin", "wrong").await, StatusCode::UNAUTHORIZED);
    }
    // the fourth attempt from the same address is refused before the password is even checked
    assert_eq!(
        c.login("gongxinju", common::DEMO_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let page = c.get("/login").await;
    let csrf = hidden_csrf(&page.body).unwrap();
    let r = c
        .post_form(
            "/login",
            &[("username", "jiance"), ("password", "x"), ("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.get("retry-after").is_some());
    assert!(r.body.contains("请求过于频繁"), "{}", r.body);
    srv.stop().await;
}
both_backends!(login_rate_limit, login_attempts_are_limited_per_client);
