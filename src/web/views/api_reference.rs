//! The API's reference page: every operation with its parameters, an example request and its
//! answer, and every status it can answer. The example is also written into data attributes,
//! so a test can send exactly what the page shows.

use maud::{Markup, html};
use serde_json::Value;

use super::layout::{self, PageMeta};

/// One operation of the API, as the page shows it.
pub struct Operation {
    pub method: String,
    pub path: String,
    pub tag: String,
    pub summary: String,
    pub description: String,
    pub parameters: Vec<Parameter>,
    pub example: Example,
    pub answers: Vec<Answer>,
}

pub struct Parameter {
    pub name: String,
    /// `path`, `query` or `header`.
    pub place: String,
    pub kind: String,
    pub required: bool,
    pub description: String,
    pub example: Option<Value>,
}

/// A request to send and the answer to expect.
pub struct Example {
    /// Path and query.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    pub status: String,
    pub media_type: String,
    pub answer: Value,
}

pub struct Answer {
    pub status: String,
    pub description: String,
}

const TITLE: &str = "The API";

pub fn page(operations: &[Operation]) -> Markup {
    let meta = PageMeta {
        title: TITLE,
        live_url: None,
        alert: None,
    };
    let body = html! {
        nav.crumbs { a href="/" { "← All tasks" } }
        h1 { (TITLE) }
        p {
            "Everything the pages do, scripts can do as JSON. The contract is the OpenAPI 3.1 document at "
            a href="/api/openapi.json" { code { "/api/openapi.json" } }
            ", generated from the server's code; this page is read from it. Every refusal is "
            code { r#"{"error": "..."}"# } " with a sentence, and a "
            code { "Retry-After" } " header says when a 429 or a 503 may be tried again."
        }
        nav.toc aria-label="Operations" {
            ul {
                @for operation in operations {
                    li { a href={ "#" (anchor(operation)) } {
                        code { (operation.method) " " (operation.path) } " · " (operation.summary)
                    } }
                }
            }
        }
        @for operation in operations { (operation_section(operation)) }
    };
    layout::page(&meta, body)
}

fn anchor(operation: &Operation) -> String {
    let path: String = operation
        .path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{}{path}", operation.method.to_lowercase())
}

fn operation_section(operation: &Operation) -> Markup {
    let example = &operation.example;
    let headers = serde_json::to_string(&example.headers).unwrap_or_default();
    let body = example.body.as_ref().map(Value::to_string);
    html! {
        section.operation id=(anchor(operation)) {
            h2 { code { (operation.method) " " (operation.path) } }
            p.summary-line { (operation.summary) }
            @if !operation.description.is_empty() { p { (prose(&operation.description)) } }
            @if !operation.parameters.is_empty() {
                h3 { "Parameters" }
                dl.parameters {
                    @for parameter in &operation.parameters {
                        dt {
                            code { (parameter.name) }
                            span.where { " in the " (parameter.place) ", " (parameter.kind)
                                @if parameter.required { ", required" } }
                        }
                        dd { (prose(&parameter.description)) }
                    }
                }
            }
            h3 { "Example" }
            div.example
                data-method=(operation.method)
                data-url=(example.url)
                data-headers=(headers)
                data-body=[body.as_deref()]
                data-status=(example.status)
                data-media-type=(example.media_type)
                data-answer=(example.answer.to_string())
            {
                pre.request tabindex="0" {
                    code {
                        (operation.method) " " (example.url)
                        @for (name, value) in &example.headers { "\n" (name) ": " (value) }
                        @if let Some(body) = &example.body {
                            "\nContent-Type: application/json\n\n" (pretty(body))
                        }
                    }
                }
                p.answer-status { "answers " (example.status) ":" }
                pre.answer tabindex="0" { code { (pretty(&example.answer)) } }
            }
            h3 { "Answers" }
            ul.answers {
                @for answer in &operation.answers {
                    li { strong { (answer.status) } " " (prose(&answer.description)) }
                }
            }
        }
    }
}

/// Text from the document, with its `code` spans (the only markdown it uses) as code.
fn prose(text: &str) -> Markup {
    html! {
        @for (i, part) in text.split('`').enumerate() {
            @if i % 2 == 1 { code { (part) } } @else { (part) }
        }
    }
}

/// JSON indented for reading, with arrays of plain values on one line; a string (a text
/// answer) as itself.
fn pretty(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => {
            let mut out = String::new();
            write_pretty(other, 0, &mut out);
            out
        }
    }
}

fn write_pretty(value: &Value, depth: usize, out: &mut String) {
    let indent = |depth: usize| "  ".repeat(depth);
    match value {
        Value::Array(items)
            if items
                .iter()
                .all(|item| !item.is_object() && !item.is_array()) =>
        {
            let items: Vec<String> = items.iter().map(Value::to_string).collect();
            out.push_str(&format!("[{}]", items.join(", ")));
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&indent(depth + 1));
                write_pretty(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&indent(depth));
            out.push(']');
        }
        Value::Object(fields) if fields.is_empty() => out.push_str("{}"),
        Value::Object(fields) => {
            out.push_str("{\n");
            for (i, (name, field)) in fields.iter().enumerate() {
                out.push_str(&format!(
                    "{}{}: ",
                    indent(depth + 1),
                    Value::from(name.as_str())
                ));
                write_pretty(field, depth + 1, out);
                out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
            }
            out.push_str(&indent(depth));
            out.push('}');
        }
        plain => out.push_str(&plain.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_example_answer_is_indented_with_short_arrays_on_one_line() {
        let answer = json!({ "counts": [1, 2], "empty": {}, "stages": [{ "id": 1 }] });
        assert_eq!(
            pretty(&answer),
            "{\n  \"counts\": [1, 2],\n  \"empty\": {},\n  \"stages\": [\n    {\n      \"id\": 1\n    }\n  ]\n}"
        );
        assert_eq!(pretty(&json!("1415926535")), "1415926535");
    }

    #[test]
    fn code_spans_in_the_documents_text_are_code_and_the_rest_is_escaped() {
        let html = prose("`before` is <not> an id").into_string();
        assert_eq!(html, "<code>before</code> is &lt;not&gt; an id");
    }
}
