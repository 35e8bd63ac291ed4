//! The authorization matrix: every route × every method × every demo role (and no login) ×
//! a record inside and outside the caller's scope, each with its expected status. A route the
//! matrix has no entry for fails the test, so a new route cannot ship unchecked.

mod common;

use std::collections::BTreeSet;

use common::{hidden_csrf, Client, TestServer};
use reqwest::Method;
use wangge_domain::role::Role;
use wangge_store::testing::Kind;
use wangge_store::{both_backends, Actor, ArrivalFilter, Scope, Store};

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
    // an alert is seen at every node it reaches: the checkpoint's and the person's grids
    (
        "/alerts/",
        "SELECT n.alert_id, string_agg(g.path, '|') FROM checkpoint_alert_nodes n \
        JOIN grid_nodes g ON g.id = n.node_id GROUP BY n.alert_id",
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
    let all = Actor::system("test");
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
        .list_risk_areas(&Actor::system("test"))
        .await
        .expect("risk areas")
        .iter()
        .map(|r| r.id)
        .max();
    let policy_in = store
        .list_policies(&Actor::system("test"))
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
        .replace("{barcode}", "NO-SUCH-TUBE")
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
    // an XLSX export longer than a page becomes a job: the answer sends to its progress page
    let export = path.ends_with("/export") && s == 200;
    Some(match () {
        _ if repeatable => vec![s, 409, 422],
        _ if export => vec![200, 303],
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
        // 迁入申请 and 数据质量: lists of the caller's scope; a decision without one is refused
        // before the request is looked up, so it tells nothing either way
        (true, "/api/v1/residents/moves")
        | (true, "/data-quality")
        | (true, "/api/v1/data-quality") => gate(role.handles_residents(), 200),
        (false, "/residents/moves/{id}/decision")
        | (false, "/api/v1/residents/moves/{id}/decision") => gate(role.handles_residents(), 422),
        (true, "/audit") | (true, "/audit/export") | (true, "/api/v1/audit") => {
            gate(role.reads_audit(), 200)
        }
        (true, "/residents/export") => gate(role.handles_residents(), 200),
        // importers' CSV templates: for those who may import
        (true, "/grid/template.csv") | (true, "/risk-areas/template.csv") => {
            gate(role.edits_grid(), 200)
        }
        (true, "/pushlists/template.csv") => gate(role.imports_push_lists(), 200),
        // an export job is seen by the one who started it; none is running here
        (true, "/exports/jobs/{id}")
        | (true, "/exports/jobs/{id}/progress")
        | (true, "/exports/jobs/{id}/download") => 404,
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
        // 代为登记: the staff form; an empty one comes back with its errors
        (false, "/arrivals/new") => gate(role.handles_residents(), 422),
        (true, "/arrivals")
        | (true, "/arrivals/new")
        | (true, "/arrivals/export")
        | (true, "/daily")
        | (true, "/daily/export")
        | (true, "/daily.xlsx") => gate(role.handles_residents(), 200),
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
        (false, "/risk-areas/{id}") => gate(role.edits_grid(), scoped(422)), // the empty form again, for an area that exists
        (false, "/risk-areas/{id}/delete") => gate(role.edits_grid(), scoped(303)),
        (true, "/api/v1/risk-areas") | (true, "/api/v1/policies") => 200,
        (true, "/api/v1/risk-areas/{id}") | (true, "/api/v1/policies/{id}") => scoped(200),
        (false, "/api/v1/risk-areas") | (false, "/api/v1/risk-areas/import") => {
            gate(role.edits_grid(), 422)
        }
        (false, "/api/v1/policies") => gate(role.edits_grid(), 422),
        (false, "/api/v1/policies/check") => 200, // the report says what is wrong
        // push lists (推送核查): traced by the grid staff, imported by the district
        (true, "/pushlists")
        | (true, "/pushlists/export")
        | (true, "/pushlists/items")
        | (true, "/pushlists/items/export") => gate(role.handles_push_lists(), 200),
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
        // 批量分配 with nobody ticked is refused before any record is looked up
        // (the page is the placer's queue; the API also serves a community's own placements)
        (false, "/pushlists/place") => gate(role.places_push_items(), 422),
        (false, "/api/v1/pushlists/place") => gate(role.handles_push_lists(), 422),
        // checkpoints (卡口)
        (true, "/checkpoints")
        | (true, "/checkpoints/alerts")
        | (true, "/checkpoints/alerts/export") => gate(role.sees_checkpoints(), 200),
        (true, "/checkpoints/{id}/scans/export") => gate(role.sees_checkpoints(), scoped(200)),
        (true, "/api/v1/checkpoints")
        | (true, "/api/v1/alerts")
        | (true, "/api/v1/alerts/stream") => gate(role.sees_checkpoints(), 200),
        (true, "/checkpoints/{id}")
        | (true, "/api/v1/checkpoints/{id}")
        | (true, "/api/v1/checkpoints/{id}/hours")
        | (true, "/checkpoints/alerts/{id}")
        | (true, "/api/v1/alerts/{id}") => gate(role.sees_checkpoints(), scoped(200)),
        (false, "/checkpoints") | (false, "/api/v1/checkpoints") => {
            gate(role.manages_checkpoints(), 422)
        }
        // an empty edit changes nothing and succeeds
        (false, "/checkpoints/{id}") => gate(role.manages_checkpoints(), scoped(303)),
        (false, "/api/v1/checkpoints/{id}/scans") => gate(role.posts_scans(), scoped(422)),
        // 处置 without an outcome is refused before the alert is looked up: no data either way
        // (the page's form comes back on the alert's page, which exists only in scope)
        (false, "/checkpoints/alerts/{id}/handle") => gate(role.sees_checkpoints(), scoped(422)),
        (false, "/api/v1/alerts/{id}/handle") => gate(role.sees_checkpoints(), 422),
        (true, "/static/pushlists.js")
        | (true, "/static/alerts.js")
        | (true, "/static/jobs.js")
        | (true, "/static/regions.js") => 200,
        // 全员核酸: the demo has no campaign and no tube, so each lookup past the role is 404
        // and each empty body 422 (tests/mass_testing.rs walks a campaign through)
        (true, "/api/v1/testing/campaigns") => 200,
        (false, "/api/v1/testing/campaigns") => gate(role.manages_testing(), 422),
        (true, "/api/v1/testing/campaigns/{id}")
        | (true, "/api/v1/testing/campaigns/{id}/points") => 404,
        (false, "/api/v1/testing/campaigns/{id}/points") => gate(role.manages_testing(), 422),
        // a tube the collector cannot use is a bad barcode (422), whether it exists or not
        (false, "/api/v1/testing/points/{id}/tubes")
        | (false, "/api/v1/testing/tubes/{barcode}/samples")
        | (false, "/api/v1/testing/tubes/{barcode}/seal") => gate(role.collects_samples(), 422),
        (true, "/api/v1/testing/tubes/{barcode}") => gate(role.collects_samples(), 404),
        (false, "/api/v1/testing/results") => gate(role.records_results(), 422),
        (true, "/api/v1/testing/tubes/{barcode}/recall") => gate(role.handles_residents(), 404),
        // the region lookup is public; without `q` it is refused naming it (tests/regions.rs)
        (true, "/api/v1/regions") => 422,
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
        "/static/jobs.js",
        "/static/regions.js",
        "/healthz",
        "/api/openapi.json",
    ];
    match () {
        _ if method == Method::GET && public.contains(&path) => 200,
        _ if method == Method::POST && (path == "/login" || path == "/report") => 403,
        _ if method == Method::POST && path == "/api/v1/arrivals" => 422, // the public may report
        _ if method == Method::GET && path == "/api/v1/regions" => 422,   // public, needs `q`
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
    let users = store
        .list_users(&Actor::system("test"))
        .await
        .expect("users");
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

// ---------------------------------------------------------------------------------------------
// CSRF: every state-changing route of the table above, called by a caller the matrix allows,
// with no CSRF token and with a foreign one (a valid token of another session), is refused and
// changes nothing. API tokens are not ambient credentials and need none.
// ---------------------------------------------------------------------------------------------

/// How a forged request carries its CSRF token.
#[derive(Clone, Copy, Debug)]
enum Forged {
    /// No token at all: no form field, no `X-CSRF-Token` header.
    Missing,
    /// A valid token, of another logged-in session (or another browser's login/report cookie).
    Foreign,
}

/// What every CSRF refusal says: the JSON error and the error page name CSRF, the login and
/// report forms come back with their "page expired" message.
const CSRF_REFUSALS: [&str; 3] = ["CSRF", "登录页面已过期", "页面已过期或来源不明"];

fn refused_for_csrf(r: &common::Reply) -> bool {
    r.status.as_u16() == 403 && CSRF_REFUSALS.iter().any(|m| r.body.contains(m))
}

/// The number of rows of every table: any insert or delete shows, and every change of a record
/// writes an `audit_log` row, so an accepted write of any kind changes these counts.
async fn row_counts(store: &Store) -> Vec<(String, i64)> {
    let tables: Vec<(String,)> = match store.backend() {
        wangge_store::Backend::Sqlite(p) => {
            sqlx::query_as(
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .fetch_all(p)
            .await
        }
        wangge_store::Backend::Postgres(p) => {
            sqlx::query_as(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
            )
            .fetch_all(p)
            .await
        }
    }
    .expect("tables");
    assert!(
        tables.iter().any(|(t,)| t == "audit_log"),
        "the audit log is among the tables counted"
    );
    let sql = tables
        .iter()
        .map(|(t,)| format!("SELECT '{t}', COUNT(*) FROM {t}"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    match store.backend() {
        wangge_store::Backend::Sqlite(p) => sqlx::query_as(&sql).fetch_all(p).await,
        wangge_store::Backend::Postgres(p) => sqlx::query_as(&sql).fetch_all(p).await,
    }
    .expect("row counts")
}

/// The tables whose row count differs, for the failure message.
fn changed(before: &[(String, i64)], after: &[(String, i64)]) -> Vec<String> {
    before
        .iter()
        .zip(after)
        .filter(|(b, a)| b != a)
        .map(|((t, b), (_, a))| format!("{t} {b} → {a}"))
        .collect()
}

/// The matrix's request for `method path` (the same body), with the CSRF token given or none.
async fn send_token(
    c: &Client,
    method: &Method,
    path: &str,
    url: &str,
    token: Option<&str>,
) -> common::Reply {
    let header: Vec<(&str, &str)> = token.map(|t| ("x-csrf-token", t)).into_iter().collect();
    let field: Vec<(&str, &str)> = token.map(|t| ("csrf", t)).into_iter().collect();
    if *method == Method::PUT || *method == Method::DELETE || *method == Method::PATCH {
        return c
            .send_json(method.clone(), url, &serde_json::json!({}), &header)
            .await;
    }
    assert_eq!(
        *method,
        Method::POST,
        "{method} {path}: a new state-changing method"
    );
    if path.starts_with("/api/") {
        if path.ends_with("/import") {
            return c.post_body(url, "", &header).await;
        }
        let body = if path.ends_with("/tokens") {
            serde_json::json!({"name": "matrix"})
        } else {
            serde_json::json!({})
        };
        return c.post_json(url, &body, &header).await;
    }
    if path.ends_with("/import") {
        let parts: Vec<(&str, Option<&str>, &[u8])> = token
            .map(|t| ("csrf", None, t.as_bytes()))
            .into_iter()
            .collect();
        return c.post_multipart(url, &parts).await;
    }
    c.post_form(url, &field).await
}

/// A logged-in demo account and the CSRF token of its session.
struct Session {
    name: &'static str,
    client: Client,
    csrf: String,
}

/// The session of `name`, logged in on first use.
async fn session<'a>(
    srv: &TestServer,
    all: &'a mut Vec<Session>,
    name: &'static str,
) -> &'a Session {
    if !all.iter().any(|s| s.name == name) {
        let client = srv.login(name).await;
        let csrf = client.csrf().await;
        all.push(Session { name, client, csrf });
    }
    all.iter().find(|s| s.name == name).expect("session")
}

/// The public forms: no login, a double-submit cookie set by the form's page. Each gets a body
/// that is accepted with the right token, so a refusal is the token's doing.
fn public_form(path: &str, grid: &str, id_number: &str) -> Option<Vec<(&'static str, String)>> {
    let arrival = (wangge_server::today() + chrono::Days::new(3)).to_string();
    match path {
        "/login" => Some(vec![
            ("username", "admin".into()),
            ("password", common::DEMO_PASSWORD.into()),
        ]),
        "/report" => Some(vec![
            ("name", "矩阵测试".into()),
            ("id_number", id_number.into()),
            ("phone", "13900139000".into()),
            ("origin", "110105 三里屯街道".into()),
            ("arrival_date", arrival),
            ("node_code", grid.into()),
            ("destination", "矩阵测试1号楼".into()),
        ]),
        _ => None,
    }
}

async fn every_state_changing_route_refuses_a_missing_or_foreign_csrf_token(kind: Kind) {
    let config = wangge_server::AppConfig {
        report_limit: wangge_server::ratelimit::RateLimit {
            burst: 10_000,
            refill: std::time::Duration::from_millis(1),
        },
        ..Default::default()
    };
    let srv = TestServer::start_with(kind, config).await;
    let store = srv.store();
    let users = store
        .list_users(&Actor::system("test"))
        .await
        .expect("users");
    let account = |name: &str| {
        users
            .iter()
            .find(|u| u.username == name)
            .expect("demo account")
            .clone()
    };
    let grid = store
        .list_grid(&Actor::system("test"))
        .await
        .expect("grid")
        .into_iter()
        .find(|n| n.level == wangge_domain::grid::Level::Grid)
        .expect("a grid")
        .code;
    let id_number = wangge_domain::validate::make_valid("41010519900307123");
    let admin = account("admin");
    // the demo has no address rules: one to delete, so its route is called on a real record
    store
        .create_address_rule(&admin.actor(), "矩阵测试路", &grid)
        .await
        .expect("address rule");
    // nor API tokens: one to revoke (the Bearer check below gets one of its own)
    store
        .create_api_token(
            &admin.actor(),
            account("kakou").id,
            "csrf-matrix-target",
            30,
        )
        .await
        .expect("api token");

    // the state-changing routes: every path of the route table × every method it answers
    // but GET/HEAD/OPTIONS; logging out ends the session, so it goes last
    let mut paths = wangge_server::route_paths();
    paths.sort_by_key(|p| p == "/logout");
    let probe = srv.client();
    let admin_caller = Caller {
        username: Some("admin"),
        role: Some(admin.role),
        user_id: admin.id,
        node_path: admin.node_path.clone(),
        node_code: admin.node_code.clone(),
    };
    let t = targets(store, &admin_caller, Variant::InScope).await;
    let mut writes = Vec::new();
    for path in &paths {
        for method in methods_of(&probe, &fill(path, &t)).await {
            if !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
                writes.push((method, path.clone()));
            }
        }
    }
    assert!(writes.len() > 30, "{} state-changing routes", writes.len());

    let mut sessions: Vec<Session> = Vec::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut genuine = Vec::new();
    'routes: for (method, path) in &writes {
        let route = format!("{method} {path}");
        if let Some(body) = public_form(path, &grid, &id_number) {
            // the form's page gives this browser its cookie; another browser's pair is foreign
            let browser = srv.client();
            browser.get(path).await;
            let other = srv.client();
            let foreign = hidden_csrf(&other.get(path).await.body).expect("form token");
            let before = row_counts(store).await;
            for (forged, token) in [(Forged::Missing, None), (Forged::Foreign, Some(&foreign))] {
                let mut form: Vec<(&str, &str)> =
                    body.iter().map(|(k, v)| (*k, v.as_str())).collect();
                form.extend(token.map(|t| ("csrf", t.as_str())));
                let r = browser.post_form(path, &form).await;
                checked += 1;
                if !refused_for_csrf(&r) {
                    failures.push(format!(
                        "{route} anonymous, {forged:?} token: got {}, not the CSRF refusal",
                        r.status
                    ));
                }
            }
            let after = row_counts(store).await;
            let diff = changed(&before, &after);
            if !diff.is_empty() {
                failures.push(format!(
                    "{route}: refused calls changed {}",
                    diff.join(", ")
                ));
            }
            // the same body with a browser's own pair is accepted: the refusal was the token's
            let fresh = srv.client();
            let own = hidden_csrf(&fresh.get(path).await.body).expect("form token");
            let mut form: Vec<(&str, &str)> = body.iter().map(|(k, v)| (*k, v.as_str())).collect();
            form.push(("csrf", &own));
            let r = fresh.post_form(path, &form).await;
            let accepted = if path == "/login" { 303 } else { 200 };
            if r.status.as_u16() != accepted || changed(&after, &row_counts(store).await).is_empty()
            {
                failures.push(format!(
                    "{route} with its own token: expected {accepted} and a change, got {}",
                    r.status
                ));
            }
            continue;
        }
        // the first demo account the matrix lets through, on a record in its scope
        let mut chosen = None;
        for name in ACCOUNTS {
            let u = account(name);
            let caller = Caller {
                username: Some(name),
                role: Some(u.role),
                user_id: u.id,
                node_path: u.node_path.clone(),
                node_code: u.node_code.clone(),
            };
            let Some(want) = expected(method, path, &caller, Variant::InScope) else {
                failures.push(format!("{route}: no entry in the authorization matrix"));
                continue 'routes;
            };
            if want.iter().any(|s| matches!(s, 401 | 403 | 404)) {
                continue;
            }
            if path.contains("/risk-areas/{id}") {
                add_spare_risk_area(store).await; // the accepted call below may delete one
            }
            let url = fill(path, &targets(store, &caller, Variant::InScope).await);
            if url.contains("/-1") {
                continue; // no such record in this caller's scope
            }
            chosen = Some((name, want, url));
            break;
        }
        let Some((name, want, url)) = chosen else {
            failures.push(format!(
                "{route}: no demo account may call it, and it is not a public form: \
                 its CSRF check cannot be tested"
            ));
            continue;
        };
        // a valid token of another user's session
        let other = if name == "admin" { "jingbalu" } else { "admin" };
        let foreign = session(&srv, &mut sessions, other).await.csrf.clone();
        let me = session(&srv, &mut sessions, name).await;
        assert_ne!(me.csrf, foreign);
        let before = row_counts(store).await;
        for (forged, token) in [(Forged::Missing, None), (Forged::Foreign, Some(&foreign))] {
            let r = send_token(&me.client, method, path, &url, token.map(String::as_str)).await;
            checked += 1;
            if !refused_for_csrf(&r) {
                failures.push(format!(
                    "{method} {url} as {name}, {forged:?} token: got {}, not the CSRF refusal",
                    r.status
                ));
            }
        }
        let diff = changed(&before, &row_counts(store).await);
        if !diff.is_empty() {
            failures.push(format!(
                "{method} {url} as {name}: refused calls changed {}",
                diff.join(", ")
            ));
        }
        genuine.push((method, path, url, name, want));
    }
    // the same requests with the session's own token get what the matrix expects, so the
    // refusals above were the token's doing; sent after all of them, so that no refused call
    // found its record already changed by an accepted one (logging out still goes last)
    for (method, path, url, name, want) in genuine {
        let me = session(&srv, &mut sessions, name).await;
        let got = send_token(&me.client, method, path, &url, Some(&me.csrf))
            .await
            .status
            .as_u16();
        if !want.contains(&got) {
            failures.push(format!(
                "{method} {url} as {name} with its own token: expected {want:?}, got {got}"
            ));
        }
    }

    // a machine's API token is no ambient credential: a write with it needs no CSRF token
    // (tokens are for machine accounts: the checkpoint operator posts a scan)
    let kakou = account("kakou");
    let token = store
        .create_api_token(&admin.actor(), kakou.id, "csrf-matrix", 30)
        .await
        .expect("api token")
        .token;
    let path = "/api/v1/checkpoints/{id}/scans";
    assert!(
        writes.iter().any(|(m, p)| *m == Method::POST && p == path),
        "{path} is a state-changing route"
    );
    let (checkpoint, _) = placed_ids(
        store,
        "SELECT c.id, g.path FROM checkpoints c JOIN grid_nodes g ON g.id = c.node_id",
    )
    .await
    .into_iter()
    .find(|(_, p)| p.starts_with(&kakou.node_path))
    .expect("a checkpoint of the checkpoint operator");
    // the matrix's own PATCH may have closed it: open it again
    common::execute_sql(
        store,
        "UPDATE checkpoints SET active = TRUE WHERE id = $1",
        checkpoint,
    )
    .await;
    let before = row_counts(store).await;
    let r = srv
        .client()
        .post_json(
            &path.replace("{id}", &checkpoint.to_string()),
            &serde_json::json!({"id_number": id_number, "temperature": 36.5}),
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert!(
        r.status.is_success(),
        "a Bearer write needs no CSRF token: {} {}",
        r.status,
        r.body
    );
    assert!(
        !changed(&before, &row_counts(store).await).is_empty(),
        "the Bearer write was recorded"
    );

    assert!(
        failures.is_empty(),
        "{} failures over {checked} calls with a forged token:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "CSRF: {} state-changing routes, {checked} calls with a missing or foreign token refused",
        writes.len()
    );
    srv.stop().await;
}
both_backends!(
    csrf_matrix,
    every_state_changing_route_refuses_a_missing_or_foreign_csrf_token
);

// ---------------------------------------------------------------------------------------------
// Issue 12: one probe per finding of the December 2026 review, as the caller who found it, on
// the real server. The detailed tests are named in SECURITY.md; these keep the findings beside
// the matrix so a regression of any of them fails the authorization test too.

async fn findings_of_the_review_stay_fixed(kind: Kind) {
    use reqwest::StatusCode;
    use serde_json::json;
    let srv = TestServer::start(kind).await;
    let store = srv.store();
    let all = Actor::system("test");
    let residents = store
        .list_residents(&all, 0, 1000)
        .await
        .expect("residents");
    let worker = srv.login("wangge1").await;
    let wcsrf = worker.csrf().await;
    let wh = [("x-csrf-token", wcsrf.as_str())];
    let me = worker.get("/api/v1/me").await.json();
    let mine = Scope::new(me["node_path"].as_str().expect("node_path").to_string());
    let elsewhere = residents
        .iter()
        .find(|r| !mine.contains(&r.node_path))
        .expect("a resident outside wangge1's grid");
    let grid = me["node_code"].as_str().expect("node_code").to_string();
    let arrival = (wangge_server::today() + chrono::Days::new(5)).to_string();

    // 1. the public report: the same answer for a known person, and for a repeat
    let report = json!({
        "id_number": elsewhere.id_number.full_for_tests(), "name": "探测者", "phone": "13900139000",
        "origin": "110105", "arrival_date": arrival, "destination": "某地1号", "node_code": grid,
    });
    let anon = srv.client();
    for _ in 0..2 {
        let r = anon.post_json("/api/v1/arrivals", &report, &[]).await;
        assert_eq!(r.status, StatusCode::CREATED, "finding 1: {}", r.body);
        assert!(!r.body.contains(&elsewhere.name) || elsewhere.name == "探测者");
    }
    // 2. a worker typing another grid's resident: a move request with only what was typed
    let r = worker
        .post_json(
            "/api/v1/residents",
            &json!({"id_number": elsewhere.id_number.full_for_tests(), "name": "探测者", "node_code": grid,
                    "address": "某地1号"}),
            &wh,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "finding 2: {}", r.body);
    assert_eq!(r.json()["from_node_name"], serde_json::Value::Null);
    // 3. the 1.7 KB workbook with a cell at column FXSHRXW
    let admin = srv.login("admin").await;
    let acsrf = admin.csrf().await;
    let r = admin
        .post_bytes(
            "/api/v1/pushlists/import?name=wide",
            include_bytes!("../fuzz/corpus/pushlist_xlsx/hostile-wide-column.xlsx").to_vec(),
            &[("x-csrf-token", &acsrf)],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "finding 3: {}",
        r.body
    );
    // 4. a township officer minting a token for a grid worker's account
    let officer = srv.login("jingbalu").await;
    let ocsrf = officer.csrf().await;
    let r = officer
        .post_json(
            &format!("/api/v1/users/{}/tokens", me["id"]),
            &json!({"name": "冒充"}),
            &[("x-csrf-token", &ocsrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "finding 4: {}", r.body);
    // 5. extreme dates
    let r = worker.get("/api/v1/daily?date=-262143-01-01").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "finding 5: {}",
        r.body
    );
    let r = admin.get("/api/v1/audit?until=%2B262142-12-31").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "finding 5: {}",
        r.body
    );
    // 6. megabytes of text, and NUL through a form
    let r = worker
        .post_json(
            "/api/v1/residents",
            &json!({"id_number": wangge_domain::validate::make_valid("41010519910101556"),
                    "name": "长地址", "node_code": grid, "address": "a".repeat(6 << 20)}),
            &wh,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "finding 6");
    let valid = wangge_domain::validate::make_valid("41010519910101557");
    let r = worker
        .post_form(
            "/residents",
            &[
                ("csrf", &wcsrf),
                ("name", "空\0字符"),
                ("id_number", &valid),
                ("node_code", &grid),
                ("address", "某地"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "finding 6: NUL");
    assert!(
        r.body.contains("name"),
        "the refusal names the field: {}",
        r.body
    );
    // 7. an unknown account answers as a wrong password
    let (a, b) = (srv.client(), srv.client());
    assert_eq!(
        a.login("no-such-account", "wrong-password").await,
        b.login("weiwulu", "wrong-password").await,
        "finding 7"
    );
    // 8. a made-up arrival number on "measures in place"
    let items = worker.get("/api/v1/pushlists/items?view=open").await.json();
    let item = items
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["state"] == "pending")
        .expect("a pending item of wangge1's grid")["id"]
        .clone();
    let verify = format!("/api/v1/pushlists/items/{item}/verify");
    let r = worker
        .post_json(&verify, &json!({"state": "reached"}), &wh)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = worker
        .post_json(
            &verify,
            &json!({"state": "measures_in_place", "measures": "居家健康监测", "arrival_id": 9999}),
            &wh,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "finding 8: {}",
        r.body
    );
    assert_eq!(r.json()["field"], "arrival_id");
    // 9. personal data is never cached
    let r = worker
        .raw_get("/api/v1/residents")
        .send()
        .await
        .expect("residents");
    assert_eq!(
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "finding 9"
    );
    srv.stop().await;
}
both_backends!(findings, findings_of_the_review_stay_fixed);
