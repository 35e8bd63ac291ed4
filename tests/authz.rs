//! The authorization matrix: every route × every method × every demo role (and no login) ×
//! a record inside and outside the caller's scope, each with its expected status. A route the
//! matrix has no entry for fails the test, so a new route cannot ship unchecked.

mod common;

use std::collections::BTreeSet;

use common::{hidden_csrf, Client, TestServer};
use reqwest::Method;
use wangge_domain::role::Role;
use wangge_store::testing::Kind;
use wangge_store::{both_backends, ArrivalFilter, Scope, Store};

/// Who calls: a demo account, or nobody.
#[derive(Clone)]
struct Caller {
    username: Option<&'static str>,
    role: Option<Role>,
    user_id: i64,
    node_path: String,
    node_code: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Variant {
    /// The path names a record in the caller's scope (or has no record at all).
    InScope,
    /// The path names a record outside the caller's scope.
    OutOfScope,
}

/// Concrete values for a route's placeholders.
struct Targets {
    code: String,
    user_id: i64,
    resident_id: i64,
    arrival_id: i64,
    risk_area_id: i64,
    policy_id: String,
    module: &'static str,
    /// A machine account (checkpoint or lab operator), for issuing tokens.
    machine_id: i64,
    /// An API token the caller sees (their own, or as district admin one in their subtree).
    token_id: i64,
    /// Ids of grid-placed records of the later modules, by path family.
    placed: Vec<(&'static str, i64)>,
}

/// Records of the later modules that hang off a grid node: (path family, SQL giving id, path).
/// The first family a path contains wins, so `/checkpoints/alerts/…` must find `/alerts/` first.
const PLACED: [(&str, &str); 5] = [
    (
        "/pushlists/items/",
        "SELECT i.id, g.path FROM push_items i JOIN grid_nodes g ON g.id = i.node_id",
    ),
    // an alert is seen at the checkpoint's node and at the node tracing the pushed person
    (
        "/alerts/",
        "SELECT a.id, g.path || '|' || COALESCE(t.path, '') FROM checkpoint_alerts a \
        JOIN grid_nodes g ON g.id = a.node_id LEFT JOIN grid_nodes t ON t.id = a.item_node_id",
    ),
    (
        "/checkpoints/",
        "SELECT c.id, g.path FROM checkpoints c JOIN grid_nodes g ON g.id = c.node_id",
    ),
    (
        "/rules/",
        "SELECT r.id, g.path FROM address_rules r JOIN grid_nodes g ON g.id = r.node_id",
    ),
    ("/pushlists/batches/", "SELECT b.id, '' FROM push_batches b"),
];

/// A record placed at one or more nodes (`path|path`) is seen from any of them.
fn seen(scope: &Scope, paths: &str) -> bool {
    paths.split('|').any(|p| !p.is_empty() && scope.contains(p))
}

async fn placed_ids(store: &Store, sql: &str) -> Vec<(i64, String)> {
    let sql = format!("{sql} ORDER BY 1");
    match store.backend() {
        wangge_store::Backend::Sqlite(p) => sqlx::query_as(&sql).fetch_all(p).await,
        wangge_store::Backend::Postgres(p) => sqlx::query_as(&sql).fetch_all(p).await,
    }
    .expect("ids")
}

const ACCOUNTS: [&str; 8] = [
    "admin",
    "jingbalu",
    "weiwulu",
    "wangge1",
    "gongxinju",
    "qiye",
    "kakou",
    "jiance",
];

/// (token id, owner id, owner's node path) of every API token.
async fn token_rows(store: &Store) -> Vec<(i64, i64, String)> {
    let sql = "SELECT t.id, t.user_id, g.path FROM api_tokens t JOIN users u ON u.id = t.user_id \
               JOIN grid_nodes g ON g.id = u.node_id ORDER BY t.id";
    match store.backend() {
        wangge_store::Backend::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await,
        wangge_store::Backend::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await,
    }
    .expect("tokens")
}

async fn targets(store: &Store, caller: &Caller, variant: Variant) -> Targets {
    let all = Scope::everything();
    let mine = Scope::new(caller.node_path.clone());
    // a token is seen by its owner, and by a district admin over the owner's node
    let sees_token = |owner: i64, path: &str| {
        owner == caller.user_id
            || (caller.role.is_some_and(|r| r.manages_tokens()) && mine.contains(path))
    };
    let tokens = token_rows(store).await;
    let token_in = tokens
        .iter()
        .find(|(_, owner, path)| sees_token(*owner, path))
        .map(|(id, _, _)| *id);
    let token_out = tokens
        .iter()
        .find(|(_, owner, path)| !sees_token(*owner, path))
        .map(|(id, _, _)| *id);
    let nodes = store.list_grid(&all).await.expect("grid");
    let residents = store
        .list_residents(&all, 0, 1000)
        .await
        .expect("residents");
    let users = store.list_users(&all).await.expect("users");
    let machine_in = users
        .iter()
        .find(|u| u.role.is_machine() && mine.contains(&u.node_path))
        .map(|u| u.id);
    let machine_out = users
        .iter()
        .find(|u| u.role.is_machine() && !mine.contains(&u.node_path))
        .map(|u| u.id);
    let arrivals = store
        .list_arrivals(
            &all,
            &ArrivalFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .expect("arrivals");
    let arrival_in = arrivals
        .iter()
        .find(|a| mine.contains(&a.node_path))
        .map(|a| a.id);
    let arrival_out = arrivals
        .iter()
        .find(|a| !mine.contains(&a.node_path))
        .map(|a| a.id);
    // risk areas and policies are district-wide: "out of scope" is an id that does not exist
    let risk_in = store
        .list_risk_areas()
        .await
        .expect("risk areas")
        .iter()
        .map(|r| r.id)
        .max();
    let policy_in = store
        .list_policies()
        .await
        .expect("policies")
        .first()
        .map(|p| p.id.clone());
    let mut placed = Vec::new();
    for (family, sql) in PLACED {
        let rows = placed_ids(store, sql).await;
        // batches are district-wide: every batch is "in scope", a missing id is "out"
        let pick = match variant {
            Variant::InScope => rows.iter().find(|(_, p)| p.is_empty() || seen(&mine, p)),
            Variant::OutOfScope => rows.iter().find(|(_, p)| !p.is_empty() && !seen(&mine, p)),
        };
        // no such record in the caller's scope: nothing to check in scope (-1 skips the URL)
        let none = if variant == Variant::InScope {
            -1
        } else {
            999_999
        };
        placed.push((family, pick.map(|(id, _)| *id).unwrap_or(none)));
    }
    match variant {
        Variant::InScope => Targets {
            code: caller.node_code.clone(),
            user_id: caller.user_id,
            resident_id: residents
                .iter()
                .find(|r| mine.contains(&r.node_path))
                .map(|r| r.id)
                .unwrap_or(999_999),
            arrival_id: arrival_in.unwrap_or(999_999),
            risk_area_id: risk_in.unwrap_or(999_999),
            policy_id: policy_in.unwrap_or_default(),
            module: "briefing",
            machine_id: machine_in.unwrap_or(-1),
            token_id: token_in.unwrap_or(-1),
            placed: placed.clone(),
        },
        Variant::OutOfScope => Targets {
            code: nodes
                .iter()
                .find(|n| !mine.contains(&n.path))
                .map(|n| n.code.clone())
                .unwrap_or_else(|| "999999".into()),
            user_id: users
                .iter()
                .find(|u| !mine.contains(&u.node_path))
                .map(|u| u.id)
                .unwrap_or(999_999),
            resident_id: residents
                .iter()
                .find(|r| !mine.contains(&r.node_path))
                .map(|r| r.id)
                .unwrap_or(999_999),
            arrival_id: arrival_out.unwrap_or(999_999),
            risk_area_id: 999_999,
            policy_id: "no-such-policy".into(),
            module: "no-such-module",
            machine_id: machine_out.unwrap_or(999_999),
            token_id: token_out.unwrap_or(999_999),
            placed,
        },
    }
}

fn fill(path: &str, t: &Targets) -> String {
    let id = if path.ends_with("/users/{id}/tokens") {
        t.machine_id.to_string()
    } else if path.contains("/tokens/") {
        t.token_id.to_string()
    } else if path.contains("/users/") {
        t.user_id.to_string()
    } else if path.contains("/arrivals/") {
        t.arrival_id.to_string()
    } else if path.contains("/risk-areas/") {
        t.risk_area_id.to_string()
    } else if path.contains("/policies/") {
        t.policy_id.clone()
    } else if let Some((_, id)) = t.placed.iter().find(|(family, _)| path.contains(family)) {
        id.to_string()
    } else if path.contains("/jobs/") {
        "999999".into() // import jobs live in memory; none is running here
    } else {
        t.resident_id.to_string()
    };
    path.replace("{code}", &t.code)
        .replace("{id}", &id)
        .replace("{module}", t.module)
        .replace("{*rest}", "anything")
}

/// The matrix. `None` means the route has no entry, which fails the test.
fn expected(method: &Method, path: &str, caller: &Caller, variant: Variant) -> Option<Vec<u16>> {
    let s = expected_status(method, path, caller, variant)?;
    // a check-in is recorded once a day: a later caller finds it there (409)
    // …or refuses it while the arrival is not under measures (422): both pass the scope check
    let repeatable =
        path.ends_with("/check-ins") && *method == Method::POST && (s == 201 || s == 303);
    // scans to a closed checkpoint are refused as a conflict, after the scope check
    let scans = path.ends_with("/scans") && s == 422;
    Some(match () {
        _ if repeatable => vec![s, 409, 422],
        _ if scans => vec![422, 409],
        _ => vec![s],
    })
}

fn expected_status(method: &Method, path: &str, caller: &Caller, variant: Variant) -> Option<u16> {
    let Some(role) = caller.role else {
        return Some(anonymous(method, path));
    };
    let scoped = |ok: u16| if variant == Variant::InScope { ok } else { 404 };
    let gate = |allowed: bool, then: u16| if allowed { then } else { 403 };
    let get = method == Method::GET;
    let s = match (get, path) {
        _ if *method == Method::PATCH => match path {
            "/api/v1/checkpoints/{id}" => gate(role.manages_checkpoints(), scoped(200)),
            // an empty change changes nothing (the caller's own account in scope)
            "/api/v1/users/{id}" => gate(role.manages_users(), scoped(200)),
            _ => return None,
        },
        _ if *method == Method::PUT || *method == Method::DELETE => match path {
            "/api/v1/risk-areas/{id}" if *method == Method::PUT => gate(role.edits_grid(), 422),
            "/api/v1/risk-areas/{id}" => gate(role.edits_grid(), scoped(200)),
            // a token the caller sees (revoking twice changes nothing), else 404
            "/api/v1/tokens/{id}" => scoped(200),
            _ => return None,
        },
        (true, "/") | (true, "/grid") | (true, "/static/app.css") | (true, "/healthz") => 200,
        (true, "/api/openapi.json") | (true, "/api/v1/me") | (true, "/api/v1/grid") => 200,
        (true, "/login") => 303,
        (true, "/grid/{code}") | (true, "/api/v1/grid/{code}") | (true, "/soon/{module}") => {
            scoped(200)
        }
        (true, "/users") | (true, "/api/v1/users") => gate(role.manages_users(), 200),
        (true, "/users/{id}") | (true, "/api/v1/users/{id}") => {
            gate(role.manages_users(), scoped(200))
        }
        (true, "/residents") | (true, "/api/v1/residents") => gate(role.handles_residents(), 200),
        (true, "/residents/{id}") | (true, "/api/v1/residents/{id}") => {
            gate(role.handles_residents(), scoped(200))
        }
        (true, "/audit") | (true, "/api/v1/audit") => gate(role.reads_audit(), 200),
        (false, "/login") => 403, // no login-form token
        (false, "/logout") => 303,
        (false, "/grid/import") | (false, "/api/v1/grid") | (false, "/api/v1/grid/import") => {
            gate(role.edits_grid(), 422)
        }
        (false, "/users") | (false, "/api/v1/users") => gate(role.manages_users(), 422),
        (false, "/residents") | (false, "/api/v1/residents") => gate(role.handles_residents(), 422),
        // tokens for machine accounts, issued by district admins only
        (false, "/api/v1/users/{id}/tokens") => gate(role.manages_tokens(), scoped(201)),
        // everyone lists the tokens they see (their own; an admin's subtree) and revokes them
        (true, "/tokens") | (true, "/api/v1/tokens") => 200,
        (false, "/tokens/{id}/revoke") => scoped(303),
        // arrivals (来返报备): the public form and report API, then staff views
        (true, "/report") => 200,
        (false, "/report") => 403, // no report-form token
        (false, "/api/v1/arrivals") => gate(role.handles_residents(), 422),
        (true, "/arrivals") | (true, "/daily") | (true, "/daily.xlsx") => {
            gate(role.handles_residents(), 200)
        }
        (true, "/api/v1/arrivals") | (true, "/api/v1/daily") => gate(role.handles_residents(), 200),
        (true, "/arrivals/{id}")
        | (true, "/api/v1/arrivals/{id}")
        | (true, "/api/v1/arrivals/{id}/check-ins") => gate(role.handles_residents(), scoped(200)),
        // an empty status form is refused before the record is looked up: no data either way
        (false, "/arrivals/{id}/status") | (false, "/api/v1/arrivals/{id}/status") => {
            gate(role.handles_residents(), 422)
        }
        // an empty check-in is a valid "checked in today, no temperature"
        (false, "/arrivals/{id}/check-ins") => gate(role.handles_residents(), scoped(303)),
        (false, "/api/v1/arrivals/{id}/check-ins") => gate(role.handles_residents(), scoped(201)),
        // risk areas: everyone reads the list through the API, district admins change it
        (true, "/risk-areas") => gate(role.edits_grid(), 200),
        (true, "/risk-areas/{id}") => gate(role.edits_grid(), scoped(200)),
        (false, "/risk-areas") => gate(role.edits_grid(), 422),
        (false, "/risk-areas/import") => gate(role.edits_grid(), 422), // no file in the upload
        (false, "/risk-areas/{id}") => gate(role.edits_grid(), 422),   // empty form, refused first
        (false, "/risk-areas/{id}/delete") => gate(role.edits_grid(), scoped(303)),
        (true, "/api/v1/risk-areas") | (true, "/api/v1/policies") => 200,
        (true, "/api/v1/risk-areas/{id}") | (true, "/api/v1/policies/{id}") => scoped(200),
        (false, "/api/v1/risk-areas") | (false, "/api/v1/risk-areas/import") => {
            gate(role.edits_grid(), 422)
        }
        (false, "/api/v1/policies") => gate(role.edits_grid(), 422),
        (false, "/api/v1/policies/check") => 200, // the report says what is wrong
        // push lists (推送核查): traced by the grid staff, imported by the district
        (true, "/pushlists") | (true, "/pushlists/items") => gate(role.handles_push_lists(), 200),
        (true, "/api/v1/pushlists/items")
        | (true, "/api/v1/pushlists/dashboard")
        | (true, "/api/v1/pushlists/batches") => gate(role.handles_push_lists(), 200),
        (true, "/pushlists/items/{id}") | (true, "/api/v1/pushlists/items/{id}") => {
            gate(role.handles_push_lists(), scoped(200))
        }
        // error reports of a batch name people of every grid: the importing district only
        (true, "/pushlists/batches/{id}/errors.csv")
        | (true, "/api/v1/pushlists/batches/{id}/errors.csv") => {
            gate(role.imports_push_lists(), scoped(200))
        }
        // an import job is seen by the one who started it; none is running here
        (true, "/pushlists/jobs/{id}") | (true, "/pushlists/jobs/{id}/progress") => 404,
        (true, "/pushlists/rules") | (true, "/api/v1/pushlists/address-rules") => {
            gate(role.handles_push_lists(), 200)
        }
        (false, "/pushlists/import") | (false, "/api/v1/pushlists/import") => {
            gate(role.imports_push_lists(), 422)
        }
        (false, "/pushlists/rules") | (false, "/api/v1/pushlists/address-rules") => {
            gate(role.imports_push_lists(), 422)
        }
        (false, "/pushlists/rules/{id}/delete") => gate(role.imports_push_lists(), scoped(303)),
        // an empty verification or placement is refused before the record is looked up
        (false, "/pushlists/items/{id}/verify")
        | (false, "/api/v1/pushlists/items/{id}/verify") => gate(role.handles_push_lists(), 422),
        (false, "/pushlists/items/{id}/place") => gate(role.handles_push_lists(), scoped(422)),
        (false, "/api/v1/pushlists/items/{id}/place") => gate(role.handles_push_lists(), 422),
        // checkpoints (卡口)
        (true, "/checkpoints") | (true, "/checkpoints/alerts") => {
            gate(role.sees_checkpoints(), 200)
        }
        (true, "/api/v1/checkpoints")
        | (true, "/api/v1/alerts")
        | (true, "/api/v1/alerts/stream") => gate(role.sees_checkpoints(), 200),
        (true, "/checkpoints/{id}")
        | (true, "/api/v1/checkpoints/{id}")
        | (true, "/api/v1/checkpoints/{id}/hours") => gate(role.sees_checkpoints(), scoped(200)),
        (false, "/checkpoints") | (false, "/api/v1/checkpoints") => {
            gate(role.manages_checkpoints(), 422)
        }
        // an empty edit changes nothing and succeeds
        (false, "/checkpoints/{id}") => gate(role.manages_checkpoints(), scoped(303)),
        (false, "/api/v1/checkpoints/{id}/scans") => gate(role.posts_scans(), scoped(422)),
        (false, "/checkpoints/alerts/{id}/handle") => gate(role.sees_checkpoints(), scoped(303)),
        (false, "/api/v1/alerts/{id}/handle") => gate(role.sees_checkpoints(), scoped(200)),
        (true, "/static/pushlists.js") | (true, "/static/alerts.js") => 200,
        _ => return None,
    };
    Some(s)
}

fn anonymous(method: &Method, path: &str) -> u16 {
    let public = [
        "/login",
        "/report",
        "/static/app.css",
        "/static/pushlists.js",
        "/static/alerts.js",
        "/healthz",
        "/api/openapi.json",
    ];
    match () {
        _ if method == Method::GET && public.contains(&path) => 200,
        _ if method == Method::POST && (path == "/login" || path == "/report") => 403,
        _ if method == Method::POST && path == "/api/v1/arrivals" => 422, // the public may report
        _ if path.starts_with("/api/v1/") => 401,
        _ => 303, // pages send the browser to the login page
    }
}

/// Deleting routes consume risk areas; each check gets a spare one so the demo's stay.
async fn add_spare_risk_area(store: &Store) {
    let today = wangge_server::today();
    let area = wangge_domain::policy::RiskArea {
        code: "110105".into(),
        street: Some("矩阵测试街道".into()),
        name: "矩阵测试".into(),
        level: wangge_domain::policy::RiskLevel::Low,
        valid_from: today,
        valid_until: Some(today),
    };
    store
        .create_risk_area(&wangge_store::Actor::system("matrix"), &area)
        .await
        .expect("spare risk area");
}

async fn send(c: &Client, method: &Method, path: &str, url: &str, csrf: &str) -> u16 {
    if *method == Method::GET && !path.ends_with("/stream") {
        return c.get(url).await.status.as_u16();
    }
    if path.ends_with("/stream") {
        // an event stream never ends: the status line is the answer
        return c.status_only(url).await;
    }
    if *method == Method::PUT || *method == Method::DELETE || *method == Method::PATCH {
        return c
            .send_json(
                method.clone(),
                url,
                &serde_json::json!({}),
                &[("x-csrf-token", csrf)],
            )
            .await
            .status
            .as_u16();
    }
    let h = [("x-csrf-token", csrf)];
    let r = if !path.starts_with("/api/") && path.ends_with("/import") {
        let boundary = "matrixboundary";
        let body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{boundary}--\r\n");
        let ct = format!("multipart/form-data; boundary={boundary}");
        c.post_body(url, &body, &[("content-type", &ct)]).await
    } else if path.starts_with("/api/") {
        let body = if path.ends_with("/tokens") {
            serde_json::json!({"name": "matrix"})
        } else {
            serde_json::json!({})
        };
        if path.ends_with("/import") {
            c.post_body(url, "", &h).await
        } else {
            c.post_json(url, &body, &h).await
        }
    } else {
        c.post_form(url, &[("csrf", csrf)]).await
    };
    r.status.as_u16()
}

/// Methods a path answers, from the `Allow` header of a 405 to TRACE, which no route uses.
async fn methods_of(c: &Client, url: &str) -> Vec<Method> {
    let r = c.send_method(Method::TRACE, url).await;
    assert_eq!(r.status.as_u16(), 405, "{url}: TRACE is used by no route");
    let allow = r
        .headers
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let set: BTreeSet<String> = allow
        .split(',')
        .map(|m| m.trim().to_string())
        .filter(|m| m != "HEAD")
        .collect();
    set.into_iter()
        .map(|m| m.parse().expect("method"))
        .collect()
}

async fn every_route_role_and_scope_has_the_expected_status(kind: Kind) {
    // every caller here comes from 127.0.0.1: lift the public report limit for the walk
    let config = wangge_server::AppConfig {
        report_limit: wangge_server::ratelimit::RateLimit {
            burst: 10_000,
            refill: std::time::Duration::from_millis(1),
        },
        ..Default::default()
    };
    let srv = TestServer::start_with(kind, config).await;
    let store = srv.store();
    let mut paths = wangge_server::route_paths();
    // logging out ends the session, so it goes last
    paths.sort_by_key(|p| p == "/logout");
    let users = store.list_users(&Scope::everything()).await.expect("users");
    let admin = users.iter().find(|u| u.username == "admin").expect("admin");
    // one API token per machine account, so the token routes have records to name
    for machine in users.iter().filter(|u| u.role.is_machine()) {
        store
            .create_api_token(
                &wangge_store::Actor::system("matrix"),
                machine.id,
                "matrix",
                1,
            )
            .await
            .expect("machine token");
    }
    // nobody logged in: asks for the same records as the district admin would
    let mut callers = vec![Caller {
        username: None,
        role: None,
        user_id: admin.id,
        node_path: admin.node_path.clone(),
        node_code: admin.node_code.clone(),
    }];
    for name in ACCOUNTS {
        let u = users
            .iter()
            .find(|u| u.username == name)
            .expect("demo account");
        callers.push(Caller {
            username: Some(name),
            role: Some(u.role),
            user_id: u.id,
            node_path: u.node_path.clone(),
            node_code: u.node_code.clone(),
        });
    }
    let mut roles_seen = BTreeSet::new();
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut missing = BTreeSet::new();
    for caller in &callers {
        let client = match caller.username {
            Some(name) => srv.login(name).await,
            None => srv.client(),
        };
        let csrf = match caller.username {
            Some(_) => client.csrf().await,
            None => hidden_csrf(&client.get("/login").await.body).unwrap_or_default(),
        };
        if let Some(r) = caller.role {
            roles_seen.insert(r.as_str());
        }
        for path in &paths {
            let has_record = path.contains('{');
            let variants: &[Variant] = if has_record {
                &[Variant::InScope, Variant::OutOfScope]
            } else {
                &[Variant::InScope]
            };
            for &variant in variants {
                let t = targets(store, caller, variant).await;
                let url = fill(path, &t);
                if url.contains("/-1") {
                    continue;
                }
                for method in methods_of(&client, &url).await {
                    // a DELETE before a GET must not take the GET's record away
                    let url = if path.contains("/risk-areas/{id}") {
                        add_spare_risk_area(store).await;
                        fill(path, &targets(store, caller, variant).await)
                    } else {
                        url.clone()
                    };
                    let Some(want) = expected(&method, path, caller, variant) else {
                        missing.insert(format!("{method} {path}"));
                        continue;
                    };
                    let got = send(&client, &method, path, &url, &csrf).await;
                    checked += 1;
                    if !want.contains(&got) {
                        failures.push(format!(
                            "{method} {url} as {:?} ({variant:?}): expected {want:?}, got {got}",
                            caller.username.unwrap_or("anonymous")
                        ));
                    }
                }
            }
        }
    }
    let missing: Vec<String> = missing.into_iter().collect();
    assert!(
        missing.is_empty(),
        "routes without an entry in the authorization matrix:\n{}",
        missing.join("\n")
    );
    assert_eq!(
        roles_seen.len(),
        Role::ALL.len(),
        "every role is in the matrix"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("authorization matrix: {checked} route × method × role × scope checks passed");
    srv.stop().await;
}
both_backends!(
    authorization_matrix,
    every_route_role_and_scope_has_the_expected_status
);
