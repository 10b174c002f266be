//! The OpenAPI document and the API reference: the document against its
//! committed snapshot, the document against the route table, and both
//! served through real HTTP.
//!
//! When the API changes on purpose, accept the new document with
//! `UPDATE_SNAPSHOTS=1 cargo test -p amiable-server --test openapi` and
//! review the diff of `tests/snapshots/openapi.json`.

use amiable_server::api::{ACTIONS, route_table};
use amiable_server::openapi::{API_PREFIX, document_json};
use amiable_server::problem::Problem;
use amiable_server::{AppState, ServerConfig, serve};
use amiable_store::Store;
use amiable_store::testing::sqlite_config;
use serde_json::Value;
use std::collections::BTreeSet;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

fn document() -> Value {
    serde_json::from_str(document_json()).expect("the document is JSON")
}

#[test]
fn the_document_matches_its_snapshot() {
    let actual = document_json();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::create_dir_all(std::path::Path::new(SNAPSHOT).parent().unwrap()).unwrap();
        std::fs::write(SNAPSHOT, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    if actual != expected {
        let first_difference = actual
            .lines()
            .zip(expected.lines())
            .enumerate()
            .find(|(_, (a, e))| a != e)
            .map(|(i, (a, e))| {
                format!(
                    "first difference at line {}:\n  snapshot: {e}\n  now:      {a}",
                    i + 1
                )
            })
            .unwrap_or_else(|| {
                format!(
                    "the snapshot has {} lines, the document {}",
                    expected.lines().count(),
                    actual.lines().count()
                )
            });
        panic!(
            "the OpenAPI document differs from tests/snapshots/openapi.json ({first_difference}).\n\
             If the change is intended, run `UPDATE_SNAPSHOTS=1 cargo test -p amiable-server \
             --test openapi` to accept it, and review the snapshot's diff."
        );
    }
}

#[test]
fn the_document_is_openapi_3_1_and_describes_every_route_and_no_other() {
    let document = document();
    let version = document["openapi"].as_str().unwrap_or("");
    assert!(version.starts_with("3.1."), "openapi is {version:?}");

    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .into_iter()
            .filter(|method| item.get(*method).is_some())
            .map(|method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    // Every operation names its action (or none, for the public ones), and every
    // entry of the table names an operation.
    let table = route_table();
    let unknown: Vec<_> = table
        .iter()
        .filter(|r| r.operation_id.starts_with('?'))
        .map(|r| format!("{} {} ({})", r.method, r.path, &r.operation_id[1..]))
        .collect();
    assert!(
        unknown.is_empty(),
        "operations without an entry in api::ACTIONS: {unknown:?}"
    );
    let stale: Vec<_> = ACTIONS
        .iter()
        .filter(|(id, _)| !table.iter().any(|r| r.operation_id == *id))
        .collect();
    assert!(
        stale.is_empty(),
        "ACTIONS names no such operation: {stale:?}"
    );
    let routed: BTreeSet<(String, String)> = table
        .iter()
        .map(|r| (r.method.to_owned(), format!("{API_PREFIX}{}", r.path)))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes without an operation in the OpenAPI document (add #[utoipa::path] \
         and list the handler in openapi::ApiDoc): {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "operations without a route: {unrouted:?}"
    );
}

#[test]
fn every_operation_is_complete_and_every_reference_resolves() {
    let document = document();
    let mut operation_ids = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or("");
            assert!(
                operation_ids.insert(id.to_owned()),
                "operationId {id} is used twice"
            );
            assert!(
                operation["summary"].is_string(),
                "{method} {path} has no summary"
            );
            assert!(
                operation["tags"][0].is_string(),
                "{method} {path} has no tag"
            );
            assert!(
                operation["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty())
            );
            let table = route_table();
            let route = table.iter().find(|r| {
                format!("{API_PREFIX}{}", r.path) == *path && r.method.eq_ignore_ascii_case(method)
            });
            if route.is_some_and(|r| r.action.is_some()) {
                assert!(
                    operation["security"]
                        .as_array()
                        .is_some_and(|s| !s.is_empty()),
                    "{method} {path} needs authentication but declares no security"
                );
                assert!(
                    operation["responses"]["401"].is_object(),
                    "{method} {path} lacks its 401"
                );
            }
            for (placeholder, _) in path.match_indices('{') {
                let name =
                    &path[placeholder + 1..path[placeholder..].find('}').unwrap() + placeholder];
                let declared = operation["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"));
                assert!(
                    declared,
                    "{method} {path} does not declare its path parameter {name}"
                );
            }
        }
    }

    fn references<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    found.push(target);
                }
                map.values().for_each(|v| references(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| references(v, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let pointer = target.strip_prefix('#').unwrap_or(target);
        assert!(
            document.pointer(pointer).is_some(),
            "dangling reference {target}"
        );
    }
}

/// The `Problem` schema is written by hand: every member a real problem
/// document carries must be in it.
#[test]
fn the_problem_schema_names_every_member_of_real_problems() {
    use amiable_domain::validation::{FieldError, ValidationErrors};
    let document = document();
    let properties = document["components"]["schemas"]["Problem"]["properties"]
        .as_object()
        .expect("Problem schema");
    let field_properties = document["components"]["schemas"]["ProblemField"]["properties"]
        .as_object()
        .expect("ProblemField schema");
    let problems = [
        Problem::validation(ValidationErrors(vec![FieldError::new(
            "email",
            "email.invalid",
            "bad",
        )])),
        Problem::rate_limited(std::time::Duration::from_secs(3)),
        Problem::from(amiable_store::CommandError::Conflict { current_version: 4 }),
        Problem::not_found("case").with_extra("max_bytes", 10.into()),
    ];
    for problem in problems {
        let value = problem.document(amiable_server::i18n::Lang::Fr);
        for key in value.as_object().unwrap().keys() {
            assert!(
                properties.contains_key(key),
                "Problem member {key} is not in the schema"
            );
        }
        for error in value["errors"].as_array().into_iter().flatten() {
            for key in error.as_object().unwrap().keys() {
                assert!(
                    field_properties.contains_key(key),
                    "ProblemField member {key} is not in the schema"
                );
            }
        }
    }
}

async fn spawn_app() -> (String, tempfile::TempDir) {
    let (config, dir) = sqlite_config();
    let store = Store::connect(&config)
        .await
        .expect("open SQLite test store");
    let state = AppState::new(store, ServerConfig::new(dir.path()))
        .await
        .expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(listener, state, std::future::pending()));
    (base, dir)
}

#[tokio::test]
async fn the_document_and_the_reference_page_are_served() {
    let (base, _dir) = spawn_app().await;
    let client = {
        amiable_connectors::install_crypto_provider();
        reqwest::Client::new()
    };

    let response = client
        .get(format!("{base}/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(response.text().await.unwrap(), document_json());

    let response = client.get(format!("{base}/api/docs")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = response.text().await.unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("<html lang=\"en\">"));
    for route in route_table() {
        let path = format!("{API_PREFIX}{}", route.path);
        assert!(
            page.contains(&format!("<code>{path}</code>")),
            "the page lacks {} {path}",
            route.method
        );
    }
    // Served entirely from the binary: nothing is loaded from elsewhere.
    let lower = page.to_lowercase();
    for external in [
        "<script",
        "src=\"http",
        "src=\"//",
        "href=\"http",
        "href=\"//",
        "@import",
        "url(",
    ] {
        assert!(
            !lower.contains(external),
            "the page refers to an external resource: {external}"
        );
    }
    // Styled by a stylesheet from this server, the only thing the policy lets in.
    assert!(!lower.contains("<style") && !lower.contains(" style="));
    assert!(csp.contains("default-src 'none'") && csp.contains("style-src 'self'"));
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let href = page
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a stylesheet link");
    assert!(href.starts_with("/assets/api-docs.css?v="), "{href}");
    let response = client.get(format!("{base}{href}")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    assert!(response.text().await.unwrap().contains(".method.get"));
}
