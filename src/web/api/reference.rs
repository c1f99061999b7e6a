//! `GET /api`: the API's reference page, read from the same document `/api/openapi.json`
//! serves, so the page and the contract cannot disagree. Each operation's example request is
//! made from the document's examples of its parameters and body, and its example answer is its
//! first success's example (or its schema's): `tests/integration/api_contract.rs` sends every
//! one and compares the answer's shape with it.

use axum::{Router, extract::State, routing::get};
use maud::Markup;
use serde_json::Value;

use super::document;
use crate::web::{
    AppState,
    views::api_reference::{self, Answer, Example, Operation, Parameter},
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api", get(reference))
}

async fn reference(State(state): State<AppState>) -> Markup {
    let document = document(state.tasks.max_digits());
    api_reference::page(&operations(&document))
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The document's operations, in the order of its tags, then of their paths.
fn operations(document: &Value) -> Vec<Operation> {
    let tags: Vec<&str> = document["tags"]
        .as_array()
        .map(|tags| tags.iter().filter_map(|tag| tag["name"].as_str()).collect())
        .unwrap_or_default();
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            operations.push(self::operation(document, path, method, operation));
        }
    }
    let rank = |operation: &Operation| {
        tags.iter()
            .position(|tag| *tag == operation.tag)
            .unwrap_or(tags.len())
    };
    operations.sort_by_key(|operation| (rank(operation), operation.path.clone()));
    operations
}

fn operation(document: &Value, path: &str, method: &str, operation: &Value) -> Operation {
    let parameters: Vec<Parameter> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|parameter| Parameter {
            name: text(&parameter["name"]),
            place: text(&parameter["in"]),
            kind: kind(document, &parameter["schema"]),
            required: parameter["required"].as_bool().unwrap_or(false),
            description: text(&parameter["description"]),
            example: parameter.get("example").cloned(),
        })
        .collect();
    let body = operation
        .pointer("/requestBody/content/application~1json")
        .map(|content| example_of(document, content));
    let answers = operation["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, answer)| Answer {
            status: status.clone(),
            description: text(&answer["description"]),
        })
        .collect::<Vec<_>>();
    let mut answers = answers;
    answers.sort_by(|a, b| a.status.cmp(&b.status));
    Operation {
        method: method.to_uppercase(),
        path: path.to_owned(),
        tag: operation["tags"][0].as_str().unwrap_or_default().to_owned(),
        summary: text(&operation["summary"]),
        description: text(&operation["description"]),
        example: example(document, path, operation, &parameters, body),
        parameters,
        answers,
    }
}

/// The example request: the path with its parameters' examples, the query parameters that
/// have one, the headers that have one, and the body's example; and the answer to expect.
fn example(
    document: &Value,
    path: &str,
    operation: &Value,
    parameters: &[Parameter],
    body: Option<Value>,
) -> Example {
    let mut url = path.to_owned();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for parameter in parameters {
        let Some(example) = &parameter.example else {
            continue;
        };
        let value = match example {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        match parameter.place.as_str() {
            "path" => url = url.replace(&format!("{{{}}}", parameter.name), &value),
            "query" => query.push(format!("{}={value}", parameter.name)),
            "header" => headers.push((parameter.name.clone(), value)),
            _ => {}
        }
    }
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    let responses = operation["responses"].as_object();
    let success = responses
        .into_iter()
        .flatten()
        .filter(|(status, _)| status.starts_with('2'))
        // The answer that has an example of its own, else the first success.
        .max_by_key(|(status, answer)| {
            let content = answer["content"]
                .as_object()
                .and_then(|c| c.values().next());
            (
                content.is_some_and(|content| content.get("example").is_some()),
                std::cmp::Reverse((*status).clone()),
            )
        });
    let (status, answer) = match success {
        Some((status, answer)) => {
            let content = answer["content"].as_object().and_then(|c| c.iter().next());
            let media = content.map(|(media, _)| media.clone()).unwrap_or_default();
            let example = content.map(|(_, content)| example_of(document, content));
            (status.clone(), (media, example))
        }
        None => (String::new(), (String::new(), None)),
    };
    Example {
        url,
        headers,
        body,
        status,
        media_type: answer.0,
        answer: answer.1.unwrap_or(Value::Null),
    }
}

/// A media type's example, or its schema's, through references and into arrays.
fn example_of(document: &Value, content: &Value) -> Value {
    content
        .get("example")
        .cloned()
        .unwrap_or_else(|| schema_example(document, &content["schema"]))
}

fn schema_example(document: &Value, schema: &Value) -> Value {
    let schema = resolved(document, schema);
    if let Some(example) = schema.get("example").or_else(|| schema["examples"].get(0)) {
        return example.clone();
    }
    match schema["type"].as_str() {
        Some("array") => Value::Array(vec![schema_example(document, &schema["items"])]),
        _ => Value::Null,
    }
}

fn resolved<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => document
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or(schema),
        None => schema,
    }
}

/// A parameter's type as a person reads it: `integer, 1 to 200`, `task status`.
fn kind(document: &Value, schema: &Value) -> String {
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
        let values = resolved(document, schema)["enum"]
            .as_array()
            .map(|values| values.iter().filter_map(Value::as_str).collect::<Vec<_>>());
        return match values {
            Some(values) => format!("one of {}", values.join(", ")),
            None => name.to_owned(),
        };
    }
    let base = match &schema["type"] {
        Value::String(kind) => kind.clone(),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|kind| *kind != "null")
            .unwrap_or("any")
            .to_owned(),
        _ => "any".to_owned(),
    };
    match (schema.get("minimum"), schema.get("maximum")) {
        (Some(low), Some(high)) if low == high => format!("{base}, {low}"),
        (Some(low), Some(high)) => format!("{base}, {low} to {high}"),
        (Some(low), None) => format!("{base}, from {low}"),
        (None, Some(high)) => format!("{base}, up to {high}"),
        (None, None) => base,
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}
