//! The OpenAPI document describes the whole JSON API: every route under `/api/v1` and every
//! method the router accepts on it. The router's methods are learned from the server itself:
//! a TRACE (used by no route) answers 405 with an `Allow` header naming them.

mod common;

use std::collections::BTreeSet;

use common::TestServer;
use reqwest::Method;
use wangge_store::testing::Kind;

/// The methods the document gives for a path.
fn documented(item: &utoipa::openapi::PathItem) -> BTreeSet<String> {
    let ops = [
        ("GET", item.get.is_some()),
        ("POST", item.post.is_some()),
        ("PUT", item.put.is_some()),
        ("PATCH", item.patch.is_some()),
        ("DELETE", item.delete.is_some()),
        ("OPTIONS", item.options.is_some()),
        ("HEAD", item.head.is_some()),
        ("TRACE", item.trace.is_some()),
    ];
    ops.iter()
        .filter(|(_, present)| *present)
        .map(|(m, _)| m.to_string())
        .collect()
}

/// A concrete URL for a route: every `{placeholder}` segment becomes `1`.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                "1"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_api_route_and_method_is_documented() {
    let doc = wangge_server::openapi();
    let paths: Vec<String> = wangge_server::route_paths()
        .into_iter()
        .filter(|p| p.starts_with("/api/v1/"))
        .collect();
    assert!(paths.len() > 30, "route_paths lists the API: {paths:?}");

    let srv = TestServer::start(Kind::Sqlite).await;
    let client = srv.client();
    let mut problems = Vec::new();
    for path in &paths {
        let Some(item) = doc.paths.paths.get(path) else {
            problems.push(format!("{path}: not in the OpenAPI document"));
            continue;
        };
        let reply = client.send_method(Method::TRACE, &concrete(path)).await;
        assert_eq!(
            reply.status.as_u16(),
            405,
            "{path}: TRACE is used by no route"
        );
        let allow = reply
            .headers
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let routed: BTreeSet<String> = allow
            .split(',')
            .map(|m| m.trim().to_string())
            // axum answers HEAD wherever GET is routed; it needs no entry of its own
            .filter(|m| !m.is_empty() && m != "HEAD")
            .collect();
        assert!(!routed.is_empty(), "{path}: no Allow header");
        let have = documented(item);
        for m in routed.difference(&have) {
            problems.push(format!("{m} {path}: routed but not documented"));
        }
        for m in have.difference(&routed) {
            problems.push(format!("{m} {path}: documented but not routed"));
        }
    }
    // and nothing documented that the server does not route
    for documented_path in doc.paths.paths.keys() {
        if !paths.contains(documented_path) {
            problems.push(format!("{documented_path}: documented but not routed"));
        }
    }
    // the server serves that same document
    let served = client.get("/api/openapi.json").await;
    assert_eq!(served.status.as_u16(), 200);
    let expected = serde_json::to_value(&doc).expect("document as JSON");
    if served.json() != expected {
        problems.push("/api/openapi.json differs from wangge_server::openapi()".into());
    }
    srv.stop().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The error responses every route shares are in every operation, described once
/// (`api::openapi::CommonErrors`) with the error body: a handler lists only its own.
#[test]
fn every_operation_has_the_common_errors() {
    let doc = serde_json::to_value(wangge_server::openapi()).expect("document as JSON");
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(responses) = op.get("responses").and_then(|r| r.as_object()) else {
                continue;
            };
            let mut statuses = vec!["400", "401", "403", "422"];
            if path.contains('{') {
                statuses.push("404");
            }
            if op.get("requestBody").is_some() {
                statuses.push("413");
            }
            for status in statuses {
                let schema = &responses
                    .get(status)
                    .map(|r| &r["content"]["application/json"]["schema"]["$ref"]);
                if schema.and_then(|s| s.as_str()) != Some("#/components/schemas/ErrorBody") {
                    problems.push(format!("{method} {path}: no {status} with ErrorBody"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every parameter `in: path` is a placeholder of its path (query parameters are not), and
/// every operation has its own operationId.
#[test]
fn parameters_are_in_the_right_place_and_operations_are_unique() {
    let doc = serde_json::to_value(wangge_server::openapi()).expect("document as JSON");
    let mut problems = Vec::new();
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(op) = op.as_object() else { continue };
            match op.get("operationId").and_then(|v| v.as_str()) {
                Some(id) if ids.insert(id.to_string()) => {}
                other => problems.push(format!("{method} {path}: operationId {other:?}")),
            }
            for p in op
                .get("parameters")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
            {
                let name = p["name"].as_str().unwrap_or_default();
                let in_path = path.contains(&format!("{{{name}}}"));
                if (p["in"] == "path") != in_path {
                    problems.push(format!("{method} {path}: parameter {name} in {}", p["in"]));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
