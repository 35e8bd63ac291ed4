//! API tokens over HTTP and the CLI, on SQLite and PostgreSQL: who may issue them (district
//! admins, for machine accounts only), expiry, listing, revocation (API, page, CLI, and by
//! disabling or moving the account), the token named in the audit log; and login answers that
//! do not tell which accounts exist.

mod common;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{hidden_csrf, Client, Reply, TestServer, DEMO_PASSWORD};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use wangge_store::testing::Kind;
use wangge_store::{both_backends, Actor, Store};

fn wangge(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args(args)
        .env("WANGGE_LOG", "error")
        .output()
        .expect("run wangge")
}

async fn user_id(store: &Store, username: &str) -> i64 {
    store
        .list_users(&Actor::system("test"))
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.username == username)
        .unwrap_or_else(|| panic!("demo account {username}"))
        .id
}

/// `POST /api/v1/users/{id}/tokens` as a logged-in browser.
async fn issue(c: &Client, user: i64, body: Value) -> Reply {
    let csrf = c.csrf().await;
    c.post_json(
        &format!("/api/v1/users/{user}/tokens"),
        &body,
        &[("x-csrf-token", &csrf)],
    )
    .await
}

/// A token for `user` issued by the district admin: (id, secret).
async fn issue_ok(admin: &Client, user: i64, name: &str) -> (i64, String) {
    let r = issue(admin, user, json!({ "name": name })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    (
        j["id"].as_i64().expect("id"),
        j["token"].as_str().expect("token").to_string(),
    )
}

async fn bearer(srv: &TestServer, token: &str, path: &str) -> Reply {
    srv.client()
        .get_with(path, &[("authorization", &format!("Bearer {token}"))])
        .await
}

async fn tokens_of(c: &Client) -> Vec<Value> {
    let r = c.get("/api/v1/tokens").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json().as_array().expect("array").clone()
}

fn find(list: &[Value], id: i64) -> Option<&Value> {
    list.iter().find(|t| t["id"] == id)
}

fn time(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .unwrap_or_else(|| panic!("a time: {v}"))
        .with_timezone(&chrono::Utc)
}

// ---------------------------------------------------------------------------------------------

async fn expiry_defaults_to_90_days_and_is_at_most_365(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let kakou = user_id(srv.store(), "kakou").await;
    let before = chrono::Utc::now();

    let r = issue(&admin, kakou, json!({ "name": "G4卡口" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let days = (time(&r.json()["expires_at"]) - before).num_hours() as f64 / 24.0;
    assert!((89.9..=90.1).contains(&days), "default 90 days, got {days}");

    let r = issue(
        &admin,
        kakou,
        json!({ "name": "一年", "expires_days": 365 }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let days = (time(&r.json()["expires_at"]) - before).num_hours() as f64 / 24.0;
    assert!((364.9..=365.1).contains(&days), "365 days, got {days}");

    for days in [366, 0, -1] {
        let r = issue(
            &admin,
            kakou,
            json!({ "name": "太长", "expires_days": days }),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{days}: {}",
            r.body
        );
        assert_eq!(r.json()["field"], "expires_days", "{}", r.body);
        assert!(r.body.contains("365"), "{}", r.body);
    }
    // nothing was issued by the refused requests
    assert_eq!(tokens_of(&admin).await.len(), 2);
    srv.stop().await;
}
both_backends!(
    expiry_default_and_max,
    expiry_defaults_to_90_days_and_is_at_most_365
);

async fn an_expired_token_answers_like_an_unknown_one(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let kakou = user_id(srv.store(), "kakou").await;
    let (live_id, live) = issue_ok(&admin, kakou, "在用").await;
    let (old_id, old) = issue_ok(&admin, kakou, "过期").await;
    // a token whose day has passed (set in the database before it is first used)
    common::execute_sql(
        srv.store(),
        "UPDATE api_tokens SET expires_at = created_at WHERE id = $1",
        old_id,
    )
    .await;

    let unknown = bearer(&srv, "0000-not-a-token", "/api/v1/me").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let expired = bearer(&srv, &old, "/api/v1/me").await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED, "{}", expired.body);
    assert_eq!(expired.body, unknown.body, "expired answers as unknown");
    let ok = bearer(&srv, &live, "/api/v1/me").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["username"], "kakou");

    let list = tokens_of(&admin).await;
    assert_eq!(find(&list, old_id).expect("listed")["status"], "expired");
    assert_eq!(find(&list, live_id).expect("listed")["status"], "active");
    srv.stop().await;
}
both_backends!(
    expired_token_refused,
    an_expired_token_answers_like_an_unknown_one
);

async fn tokens_are_listed_to_their_owner_and_the_district_admin(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let store = srv.store();
    let kakou = user_id(store, "kakou").await;
    let jiance = user_id(store, "jiance").await;
    let (k_id, k_secret) = issue_ok(&admin, kakou, "G4高速卡口").await;
    let (j_id, _) = issue_ok(&admin, jiance, "检测系统").await;
    // a use is noted
    assert_eq!(
        bearer(&srv, &k_secret, "/api/v1/me").await.status,
        StatusCode::OK
    );

    let r = admin.get("/api/v1/tokens").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains(&k_secret), "never the secret");
    assert!(!r.body.contains("token_hash") && !r.body.contains("\"token\""));
    let list = r.json();
    let list = list.as_array().expect("array");
    let k = find(list, k_id).expect("the admin sees the checkpoint's token");
    assert_eq!(k["name"], "G4高速卡口");
    assert_eq!(k["username"], "kakou");
    assert_eq!(k["user_id"], kakou);
    assert!(k["created_at"].is_string() && k["expires_at"].is_string());
    assert!(k["last_used_at"].is_string(), "last use noted: {k}");
    assert!(k["revoked_at"].is_null());
    assert!(find(list, j_id).is_some(), "and the lab's");

    // the checkpoint operator sees its own token only; the lab its own
    let kc = srv.login("kakou").await;
    let own = tokens_of(&kc).await;
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0]["id"], k_id);
    let by_token = bearer(&srv, &k_secret, "/api/v1/tokens").await;
    assert_eq!(by_token.status, StatusCode::OK);
    assert_eq!(by_token.json().as_array().map(Vec::len), Some(1));
    let jc = srv.login("jiance").await;
    let own = tokens_of(&jc).await;
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["id"], j_id);
    // a township officer and a grid worker hold none and see none
    for who in ["jingbalu", "wangge1"] {
        let c = srv.login(who).await;
        assert!(tokens_of(&c).await.is_empty(), "{who}");
    }

    // the page lists the same, with a revoke form carrying the session's CSRF token
    let page = admin.get("/tokens").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("G4高速卡口") && page.body.contains("检测系统"));
    assert!(!page.body.contains(&k_secret));
    assert!(page
        .body
        .contains(&format!("action=\"/tokens/{k_id}/revoke\"")));
    assert_eq!(hidden_csrf(&page.body), Some(admin.csrf().await));
    srv.stop().await;
}
both_backends!(
    list,
    tokens_are_listed_to_their_owner_and_the_district_admin
);

async fn tokens_are_revoked_by_api_page_and_cli(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let kakou = user_id(srv.store(), "kakou").await;
    let jiance = user_id(srv.store(), "jiance").await;
    let (api_id, api_secret) = issue_ok(&admin, kakou, "API 吊销").await;
    let (page_id, page_secret) = issue_ok(&admin, kakou, "页面吊销").await;
    let (cli_id, cli_secret) = issue_ok(&admin, kakou, "命令行吊销").await;
    let (lab_id, _) = issue_ok(&admin, jiance, "检测系统").await;
    for t in [&api_secret, &page_secret, &cli_secret] {
        assert_eq!(bearer(&srv, t, "/api/v1/me").await.status, StatusCode::OK);
    }

    // API: a cookie caller needs its CSRF header; then the token stops at once
    let url = format!("/api/v1/tokens/{api_id}");
    let r = admin.send_json(Method::DELETE, &url, &json!({}), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF header");
    let csrf = admin.csrf().await;
    let r = admin
        .send_json(Method::DELETE, &url, &json!({}), &[("x-csrf-token", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "revoked");
    assert!(r.json()["revoked_at"].is_string());
    let refused = bearer(&srv, &api_secret, "/api/v1/me").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.body,
        bearer(&srv, "0000-not-a-token", "/api/v1/me").await.body
    );

    // the checkpoint may not revoke the lab's token: it does not see it
    let kc = srv.login("kakou").await;
    let kcsrf = kc.csrf().await;
    let r = kc
        .send_json(
            Method::DELETE,
            &format!("/api/v1/tokens/{lab_id}"),
            &json!({}),
            &[("x-csrf-token", &kcsrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // page: the revoke button's form, refused without the right CSRF token
    let action = format!("/tokens/{page_id}/revoke");
    let r = admin.post_form(&action, &[("csrf", "wrong")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        bearer(&srv, &page_secret, "/api/v1/me").await.status,
        StatusCode::OK
    );
    let r = admin.post_form(&action, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some("/tokens"));
    assert_eq!(
        bearer(&srv, &page_secret, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    let page = admin.get("/tokens").await;
    assert!(page.body.contains("已吊销"), "the page shows it revoked");
    assert!(
        !page.body.contains(&format!("action=\"{action}\"")),
        "no button left"
    );

    // CLI: the operator of the machine revokes by id
    let id = cli_id.to_string();
    let o = wangge(&[
        "user",
        "revoke-token",
        "--id",
        &id,
        "--database",
        srv.db_url(),
    ]);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("已吊销"));
    // another process: the server's ~10 s cache is not told, the store refuses at once
    assert!(srv
        .store()
        .api_token_user(&cli_secret)
        .await
        .unwrap()
        .is_none());
    let list = tokens_of(&admin).await;
    assert_eq!(find(&list, cli_id).expect("listed")["status"], "revoked");
    let o = wangge(&[
        "user",
        "revoke-token",
        "--id",
        "999999",
        "--database",
        srv.db_url(),
    ]);
    assert!(!o.status.success(), "an unknown id is an error");
    srv.stop().await;
}
both_backends!(revoke, tokens_are_revoked_by_api_page_and_cli);

async fn only_district_admins_issue_tokens_and_only_for_machines(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let store = srv.store();
    let worker = user_id(store, "wangge1").await;
    let kakou = user_id(store, "kakou").await;
    let jiance = user_id(store, "jiance").await;

    // a township officer cannot issue one for a grid worker of their street…
    let officer = srv.login("jingbalu").await;
    let r = issue(&officer, worker, json!({ "name": "冒充" })).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("区级管理员"), "{}", r.body);
    // …nor a grid worker for itself, nor a checkpoint account for itself
    let w = srv.login("wangge1").await;
    let r = issue(&w, worker, json!({ "name": "自用" })).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let kc = srv.login("kakou").await;
    let r = issue(&kc, kakou, json!({ "name": "自签" })).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // the district admin gets none for a person's account, its own included
    let admin = srv.login("admin").await;
    let admin_id = user_id(store, "admin").await;
    for person in [worker, admin_id] {
        let r = issue(&admin, person, json!({ "name": "个人" })).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("机器账号"), "a clear reason: {}", r.body);
    }
    assert!(tokens_of(&admin).await.is_empty(), "nothing issued so far");
    // …and does for the checkpoint and the lab
    let (_, k) = issue_ok(&admin, kakou, "G4卡口").await;
    issue_ok(&admin, jiance, "检测系统").await;
    let me = bearer(&srv, &k, "/api/v1/me").await;
    assert_eq!(me.json()["username"], "kakou");

    // the CLI issues for machine accounts only
    let url = srv.db_url();
    let o = wangge(&[
        "user",
        "token",
        "--username",
        "wangge1",
        "--name",
        "x",
        "--database",
        url,
    ]);
    assert!(!o.status.success(), "no token for a person's account");
    assert!(String::from_utf8_lossy(&o.stderr).contains("机器账号"));
    let o = wangge(&[
        "user",
        "token",
        "--username",
        "kakou",
        "--name",
        "太长",
        "--expires-days",
        "400",
        "--database",
        url,
    ]);
    assert!(!o.status.success(), "at most 365 days");
    assert!(String::from_utf8_lossy(&o.stderr).contains("365"));
    let o = wangge(&[
        "user",
        "token",
        "--username",
        "kakou",
        "--name",
        "命令行",
        "--expires-days",
        "30",
        "--database",
        url,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let secret = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let me = bearer(&srv, &secret, "/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    let list = tokens_of(&admin).await;
    let cli = list.iter().find(|t| t["name"] == "命令行").expect("listed");
    let days = (time(&cli["expires_at"]) - time(&cli["created_at"])).num_days();
    assert_eq!(days, 30);
    srv.stop().await;
}
both_backends!(
    issuing,
    only_district_admins_issue_tokens_and_only_for_machines
);

async fn disabling_or_moving_an_account_revokes_its_tokens(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let store = srv.store();
    let admin = srv.login("admin").await;
    let csrf = admin.csrf().await;
    let kakou = user_id(store, "kakou").await;
    let kakou_node = store
        .user_by_id(&Actor::system("test"), kakou)
        .await
        .unwrap()
        .node_code;
    let other_township = store
        .list_grid(&Actor::system("test"))
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.code.len() == 9 && n.code != kakou_node)
        .expect("another township")
        .code;
    let patch = |body: Value| {
        let admin = &admin;
        let csrf = csrf.clone();
        async move {
            admin
                .send_json(
                    Method::PATCH,
                    &format!("/api/v1/users/{kakou}"),
                    &body,
                    &[("x-csrf-token", &csrf)],
                )
                .await
        }
    };
    let works = |t: String| {
        let srv = &srv;
        async move { bearer(srv, &t, "/api/v1/me").await.status == StatusCode::OK }
    };

    // a new display name revokes nothing
    let (_, t0) = issue_ok(&admin, kakou, "改名").await;
    assert!(works(t0.clone()).await);
    let r = patch(json!({ "display_name": "G4高速卡口操作员" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(works(t0.clone()).await, "a rename keeps the token");

    // disabling does, and enabling again brings nothing back
    let (t1_id, t1) = issue_ok(&admin, kakou, "停用").await;
    assert!(works(t1.clone()).await);
    let r = patch(json!({ "active": false })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["active"], false);
    assert!(!works(t1.clone()).await, "disabled: refused at once");
    assert!(!works(t0.clone()).await);
    let r = patch(json!({ "active": true })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!works(t1).await, "still revoked");
    let list = tokens_of(&admin).await;
    assert_eq!(find(&list, t1_id).expect("listed")["status"], "revoked");

    // a new role does
    let (_, t2) = issue_ok(&admin, kakou, "改角色").await;
    assert!(works(t2.clone()).await);
    let r = patch(json!({ "role": "lab_operator" })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!works(t2).await, "role changed: refused");

    // a new node does
    let (_, t3) = issue_ok(&admin, kakou, "改网格").await;
    assert!(works(t3.clone()).await);
    let r = patch(json!({ "node_code": other_township })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["node_code"], other_township);
    assert!(!works(t3).await, "node changed: refused");

    // the audit entry says how many were revoked
    let log = admin
        .get(&format!("/api/v1/audit?entity=user&entity_id={kakou}"))
        .await
        .json();
    let updates: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "update")
        .collect();
    assert_eq!(updates.len(), 5, "{log}");
    assert!(updates.iter().any(|e| e["after_json"]
        .as_str()
        .unwrap_or("")
        .contains("\"tokens_revoked\":2")));

    // nobody disables themselves; a township officer makes nobody a district admin
    let admin_id = user_id(store, "admin").await;
    let r = admin
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{admin_id}"),
            &json!({ "active": false }),
            &[("x-csrf-token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let officer = srv.login("jingbalu").await;
    let ocsrf = officer.csrf().await;
    let worker = user_id(store, "wangge1").await;
    let r = officer
        .send_json(
            Method::PATCH,
            &format!("/api/v1/users/{worker}"),
            &json!({ "role": "district_admin" }),
            &[("x-csrf-token", &ocsrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    srv.stop().await;
}
both_backends!(
    account_changes_revoke,
    disabling_or_moving_an_account_revokes_its_tokens
);

async fn the_audit_log_names_the_token_that_acted(kind: Kind) {
    let srv = TestServer::start(kind).await;
    let admin = srv.login("admin").await;
    let kakou = user_id(srv.store(), "kakou").await;
    let (id, secret) = issue_ok(&admin, kakou, "G4卡口").await;
    // the machine revokes its own token with it: a change made with a token
    let r = srv
        .client()
        .send_json(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &json!({}),
            &[("authorization", &format!("Bearer {secret}"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let log = admin
        .get(&format!("/api/v1/audit?entity=api_token&entity_id={id}"))
        .await
        .json();
    let log = log.as_array().expect("array");
    let revoke = log
        .iter()
        .find(|e| e["action"] == "revoke")
        .expect("revoke");
    assert_eq!(revoke["username"], "kakou");
    assert_eq!(revoke["token_id"], id, "{revoke}");
    let create = log
        .iter()
        .find(|e| e["action"] == "create")
        .expect("create");
    assert!(create["token_id"].is_null(), "issued in a browser session");
    let page = admin
        .get(&format!("/audit?entity=api_token&entity_id={id}"))
        .await;
    assert!(
        page.body.contains(&format!("class=\"token-id\">#{id}<")),
        "the page shows it"
    );
    srv.stop().await;
}
both_backends!(audit_token_id, the_audit_log_names_the_token_that_acted);

// ---------------------------------------------------------------------------------------------
// Login: unknown account, wrong password and locked account answer alike.

/// One login attempt from a fresh browser: (status, page with its per-form token and the
/// echoed username replaced, time taken by the POST alone).
async fn attempt(
    srv: &TestServer,
    username: &str,
    password: &str,
) -> (StatusCode, String, Duration) {
    let c = srv.client();
    let csrf = hidden_csrf(&c.get("/login").await.body).expect("csrf");
    let started = Instant::now();
    let r = c
        .post_form(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
            ],
        )
        .await;
    let took = started.elapsed();
    let fresh = hidden_csrf(&r.body).unwrap_or_default();
    let body = r
        .body
        .replace(&fresh, "CSRF")
        .replace(&format!("value=\"{username}\""), "value=\"USER\"");
    (r.status, body, took)
}

fn generous_limits() -> wangge_server::AppConfig {
    wangge_server::AppConfig {
        login_limit: wangge_server::ratelimit::RateLimit {
            burst: 10_000,
            refill: Duration::from_millis(1),
        },
        ..Default::default()
    }
}

async fn lock(srv: &TestServer, username: &str) {
    for _ in 0..wangge_store::LOCKOUT_THRESHOLD {
        attempt(srv, username, "wrong-password").await;
    }
}

async fn login_answers_do_not_tell_accounts_apart(kind: Kind) {
    let srv = TestServer::start_with(kind, generous_limits()).await;
    lock(&srv, "jingbalu").await;
    let unknown = attempt(&srv, "no-such-account", "wrong-password").await;
    let wrong = attempt(&srv, "weiwulu", "wrong-password").await;
    let locked = attempt(&srv, "jingbalu", "wrong-password").await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert!(wrong.1.contains("用户名或密码错误"), "{}", wrong.1);
    for (what, (status, body, _)) in [("unknown", &unknown), ("locked", &locked)] {
        assert_eq!(*status, wrong.0, "{what}: same status as a wrong password");
        assert_eq!(*body, wrong.1, "{what}: same page as a wrong password");
    }
    // the lock still holds against the right password, answered the same way
    let right = attempt(&srv, "jingbalu", DEMO_PASSWORD).await;
    assert_eq!(right.0, StatusCode::UNAUTHORIZED, "locked: refused");
    assert_eq!(right.1, wrong.1);
    let c = srv.client();
    assert_eq!(
        c.login("jingbalu", DEMO_PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "no session while locked"
    );
    // an account that is not locked logs in
    assert_eq!(
        srv.client().login("weiwulu", DEMO_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    srv.stop().await;
}
both_backends!(login_answers, login_answers_do_not_tell_accounts_apart);

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn login_time_does_not_tell_accounts_apart(kind: Kind) {
    let srv = TestServer::start_with(kind, generous_limits()).await;
    lock(&srv, "jingbalu").await;
    let (mut unknown, mut wrong, mut locked) = (Vec::new(), Vec::new(), Vec::new());
    // interleaved, so a busy machine slows all three alike
    for _ in 0..5 {
        unknown.push(attempt(&srv, "no-such-account", "wrong-password").await.2);
        wrong.push(attempt(&srv, "weiwulu", "wrong-password").await.2);
        locked.push(attempt(&srv, "jingbalu", "wrong-password").await.2);
        // keep weiwulu below the lockout
        assert_eq!(
            srv.client().login("weiwulu", DEMO_PASSWORD).await,
            StatusCode::SEE_OTHER
        );
    }
    let (u, w, l) = (median(unknown), median(wrong), median(locked));
    eprintln!("login medians: unknown {u:?}, wrong password {w:?}, locked {l:?}");
    // each costs one argon2 check; before, a locked account answered ~20 times faster
    for (what, t) in [("unknown", u), ("locked", l)] {
        assert!(
            t * 4 > w && w * 4 > t,
            "{what} account answers in {t:?}, a wrong password in {w:?}"
        );
    }
    srv.stop().await;
}
both_backends!(login_timing, login_time_does_not_tell_accounts_apart);
