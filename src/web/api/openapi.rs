//! The OpenAPI 3.1 document of the API: each route's part comes from its handler's
//! `#[utoipa::path]`; this module puts them together, adds the answers the layers around the
//! handlers give, and fills in what this server was started with (the largest n it takes).

use std::collections::HashSet;

use axum::{Json, extract::State};
use serde_json::{Value, json};
use utoipa::OpenApi;

use super::{Routes, answers_in_json, routes};
use crate::web::AppState;

/// Every refusal of the JSON API: a sentence saying what was wrong, and, where it helps, what
/// to send instead.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({ "error": "There is no task \"12345\"." }))]
pub struct ErrorJson {
    pub error: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pilane",
        description = "Pi to n decimals, computed on demand and verified, and the digits \
            searched. Every answer is JSON except `digits.txt`; every refusal is \
            `{\"error\": \"...\"}` with a sentence. The reference page is at `/api`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    tags(
        (name = "tasks", description = "Tasks: pi to n decimals, each computed once."),
        (name = "digits", description = "Decimals of pi from the verified store."),
        (name = "search", description = "Where a string of digits occurs in pi."),
        (name = "pi.delivery", description = "pi.delivery's API, in its shape."),
        (name = "contract", description = "This document."),
    ),
    components(schemas(ErrorJson))
)]
struct Contract;

/// The document as this server serves it: `max_digits` is the largest n it takes.
pub fn document(max_digits: u64) -> Value {
    let Routes {
        open,
        searching,
        submitting,
        cross_origin,
    } = routes();
    let mut gated = searching.into_document();
    gated.merge(submitting.into_document());
    let gated_operations = operations(&to_json(gated.clone()));
    let mut whole = Contract::openapi();
    for part in [open.into_document(), cross_origin.into_document(), gated] {
        whole.merge(part);
    }
    let mut whole = to_json(whole);
    add_to_every_operation(&mut whole, "429", |path, method| {
        gated_operations
            .contains(&(path.to_owned(), method.to_owned()))
            .then(|| too_many_requests(path))
    });
    add_to_every_operation(&mut whole, "503", |path, _| Some(unavailable(path)));
    add_to_every_operation(&mut whole, "403", |path, method| {
        (method != "get").then(|| refusal(path, "The request came from a page of another site."))
    });
    add_to_every_operation(&mut whole, "413", |path, method| {
        (method != "get").then(|| refusal(path, "The body is larger than this server accepts."))
    });
    allow_empty_optional_queries(&mut whole);
    whole["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));
    whole["components"]["schemas"]["NewTaskBody"]["properties"]["n"]["maximum"] = json!(max_digits);
    whole
}

/// `GET /api/openapi.json`.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "contract",
    summary = "This document",
    description = "The OpenAPI 3.1 document of this server's API, generated from its code.",
    responses((status = 200, description = "The document.", body = Value,
        example = json!({ "openapi": "3.1.0", "info": {}, "tags": [], "paths": {}, "components": {} })))
)]
pub(super) async fn openapi_json(State(state): State<AppState>) -> Json<Value> {
    Json(document(state.tasks.max_digits()))
}

fn to_json(document: utoipa::openapi::OpenApi) -> Value {
    // A document of plain data always serialises; an empty one would fail the contract's tests.
    serde_json::to_value(document).unwrap_or_default()
}

/// The `(path, method)` of every operation in a document.
fn operations(document: &Value) -> HashSet<(String, String)> {
    let paths = document["paths"].as_object().into_iter().flatten();
    paths
        .flat_map(|(path, operations)| {
            let methods = operations.as_object().into_iter().flatten();
            methods.map(move |(method, _)| (path.clone(), method.clone()))
        })
        .collect()
}

/// Adds `answer(path, method)` as the `status` answer of every operation that lacks one.
fn add_to_every_operation(
    document: &mut Value,
    status: &str,
    answer: impl Fn(&str, &str) -> Option<Value>,
) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, operations) in paths {
        let Some(operations) = operations.as_object_mut() else {
            continue;
        };
        for (method, operation) in operations {
            let Some(response) = answer(path, method) else {
                continue;
            };
            let responses = &mut operation["responses"];
            if responses.get(status).is_none() {
                responses[status] = response;
            }
        }
    }
}

/// Every handler reads an empty optional query parameter (`?task=`, as a form sends an empty
/// field) as one left out; the document says so.
fn allow_empty_optional_queries(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let parameters = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|operations| operations.values_mut())
        .filter_map(|operation| operation.get_mut("parameters")?.as_array_mut())
        .flatten();
    for parameter in parameters {
        let optional = parameter["required"].as_bool() != Some(true);
        if optional && parameter["in"] == "query" {
            parameter["allowEmptyValue"] = json!(true);
        }
    }
}

/// A refusal's answer: `{"error": ...}` under `/api/` and `/v1/`, the error page elsewhere.
fn refusal(path: &str, description: &str) -> Value {
    let content = if answers_in_json(path) {
        json!({ "application/json": { "schema": { "$ref": "#/components/schemas/ErrorJson" } } })
    } else {
        json!({ "text/html; charset=utf-8": { "schema": { "type": "string" } } })
    };
    json!({ "description": description, "content": content })
}

/// A refusal that passes, with `Retry-After`.
fn passing_refusal(path: &str, description: &str) -> Value {
    let mut answer = refusal(path, description);
    answer["headers"] = json!({
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "required": true,
            "schema": { "type": "integer", "minimum": 1 }
        }
    });
    answer
}

fn too_many_requests(path: &str) -> Value {
    passing_refusal(
        path,
        "This client sent more of these requests than the server accepts; `Retry-After` says \
         when to try again.",
    )
}

fn unavailable(path: &str) -> Value {
    passing_refusal(
        path,
        "The server is shutting down, its database is busy or full, its queue is full, the \
         search index is being built, or the answer took too long; nothing was lost, and \
         `Retry-After` says when to try again.",
    )
}
