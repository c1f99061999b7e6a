//! The API's contract: the OpenAPI document the server serves, read by an OpenAPI 3.1 parser,
//! and the reference page's examples, each sent as the page shows it.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use crate::helpers::TestApp;

/// Every operation of the API router, as `METHOD path`.
const ROUTES: [&str; 8] = [
    "GET /api/openapi.json",
    "GET /api/pi",
    "GET /api/search",
    "GET /api/tasks",
    "POST /api/tasks",
    "GET /api/tasks/{id}",
    "GET /tasks/{id}/digits.txt",
    "GET /v1/pi",
];

async fn document(app: &TestApp) -> String {
    let answer = app.get("/api/openapi.json").await;
    assert_eq!(answer.status(), 200);
    answer.text().await.unwrap_or_default()
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_every_route_of_the_api() {
    let app = TestApp::spawn().await;
    let text = document(&app).await;
    let spec = oas3::from_json(&text).unwrap_or_else(|err| panic!("not OpenAPI 3.1: {err}"));
    let version = spec.validate_version().expect("a version oas3 reads");
    assert_eq!((version.major, version.minor), (3, 1));
    let listed: BTreeSet<String> = spec
        .operations()
        .map(|(path, method, _)| format!("{method} {path}"))
        .collect();
    let expected: BTreeSet<String> = ROUTES.iter().map(|route| route.to_string()).collect();
    assert_eq!(listed, expected);
    for (path, method, operation) in spec.operations() {
        assert!(operation.summary.is_some(), "{method} {path} has a summary");
        for (status, answer) in operation.responses.iter().flatten() {
            let answer = answer
                .resolve(&spec)
                .unwrap_or_else(|err| panic!("{method} {path} {status}: {err}"));
            for (media, content) in &answer.content {
                if let Some(schema) = &content.schema {
                    schema
                        .resolve(&spec)
                        .unwrap_or_else(|err| panic!("{method} {path} {status} {media}: {err}"));
                }
            }
        }
    }
}

#[tokio::test]
async fn every_documented_route_is_served_and_the_document_says_what_the_layers_answer() {
    let app = TestApp::spawn().await;
    let document: Value = serde_json::from_str(&document(&app).await).unwrap_or_default();
    for route in ROUTES {
        let (method, path) = route.split_once(' ').unwrap_or_default();
        let path = path.replace("{id}", "1");
        let request = app
            .client
            .request(method.parse().unwrap_or_default(), app.url(&path))
            .header("content-type", "application/json")
            .body("{}");
        let answer = request.send().await.expect("the server answers");
        let status = answer.status().as_u16();
        let body = answer.text().await.unwrap_or_default();
        assert_ne!(status, 405, "{route} is served: {body}");
        assert!(
            !body.contains("There is no page at this address"),
            "{route} is served: {body}"
        );
    }
    let responses = |pointer: &str| document.pointer(pointer).cloned().unwrap_or_default();
    let submit = responses("/paths/~1api~1tasks/post/responses");
    for status in ["201", "200", "403", "413", "415", "422", "429", "503"] {
        assert!(
            submit.get(status).is_some(),
            "POST /api/tasks documents {status}"
        );
    }
    assert!(submit["429"]["headers"]["Retry-After"].is_object());
    assert!(submit["503"]["headers"]["Retry-After"].is_object());
    let search = responses("/paths/~1api~1search/get/responses");
    assert!(search.get("429").is_some(), "the search gate's 429");
    let list = responses("/paths/~1api~1tasks/get/responses");
    assert!(list.get("429").is_none(), "no gate in front of the list");
    assert!(list.get("503").is_some());
    let download = responses("/paths/~1tasks~1{id}~1digits.txt/get/responses");
    assert!(download.get("206").is_some() && download.get("416").is_some());
    assert_eq!(
        document.pointer("/components/schemas/NewTaskBody/properties/n/maximum"),
        Some(&Value::from(1_000_000u64)),
        "the largest n this server takes"
    );
}

/// One example of the reference page: what to send and what to expect.
#[derive(Debug)]
struct Example {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    status: u16,
    media_type: String,
    answer: Value,
}

#[tokio::test]
async fn every_example_on_the_reference_page_is_answered_as_it_shows() {
    let app = TestApp::spawn().await;
    let page = app.get("/api").await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap_or_default();
    let examples = examples_in(&page);
    assert_eq!(examples.len(), ROUTES.len(), "one example per operation");
    // The example task is the first one, so the example submission comes first and creates it.
    let (submissions, others): (Vec<_>, Vec<_>) =
        examples.into_iter().partition(|e| e.method == "POST");
    for example in submissions.iter().chain(&others) {
        if example.method != "POST" {
            app.wait_for(1, "done").await;
        }
        assert!(
            !example.media_type.is_empty() && !example.answer.is_null(),
            "the page shows what {} {} answers",
            example.method,
            example.url
        );
        let (status, media_type, answer) = send(&app, example).await;
        assert_eq!(status, example.status, "{example:?} answered {answer}");
        assert!(
            media_type.starts_with(example.media_type.split(';').next().unwrap_or_default()),
            "{} {}: {media_type}",
            example.method,
            example.url
        );
        if let Err(difference) = same_shape(&example.answer, &answer) {
            panic!(
                "{} {}: {difference}\nexample {}\nanswer  {answer}",
                example.method, example.url, example.answer
            );
        }
    }
}

/// Sends an example, waiting out a search index that is still being built.
async fn send(app: &TestApp, example: &Example) -> (u16, String, Value) {
    for _ in 0..100 {
        let mut request = app.client.request(
            example.method.parse().unwrap_or_default(),
            app.url(&example.url),
        );
        for (name, value) in &example.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &example.body {
            request = request.json(body);
        }
        let answer = request.send().await.expect("the server answers");
        let status = answer.status().as_u16();
        let media_type = answer
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = answer.text().await.unwrap_or_default();
        if status == 503 && example.url.starts_with("/api/search") {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let answer = if media_type.starts_with("application/json") {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        } else {
            Value::String(text)
        };
        return (status, media_type, answer);
    }
    panic!("{} {} stayed unavailable", example.method, example.url);
}

/// Whether `answer` has the example's shape: the same kinds of values, objects with the same
/// fields, arrays whose items have the example's item's shape, and digit strings (a download,
/// pi.delivery's content, a search) equal to the example's. An empty object or array in the
/// example stands for any (the document's own paths, say), and null and a plain value stand for
/// each other (a nullable field: a stage's message); an object or array never stands for null.
fn same_shape(example: &Value, answer: &Value) -> Result<(), String> {
    let plain = |value: &Value| !value.is_object() && !value.is_array();
    match (example, answer) {
        (Value::Null, other) | (other, Value::Null) if plain(other) => Ok(()),
        (Value::Bool(_), Value::Bool(_)) => Ok(()),
        (Value::Number(_), Value::Number(_)) => Ok(()),
        (Value::String(example), Value::String(answer)) => {
            let digits = example.chars().all(|c| c.is_ascii_digit());
            if digits && example != answer {
                return Err(format!("{answer:?} is not {example:?}"));
            }
            Ok(())
        }
        (Value::Array(example), Value::Array(answer)) => match example.first() {
            Some(example) => answer.iter().try_for_each(|item| same_shape(example, item)),
            None => Ok(()),
        },
        (Value::Object(example), Value::Object(_)) if example.is_empty() => Ok(()),
        (Value::Object(example), Value::Object(answer)) => {
            let example_fields: BTreeSet<_> = example.keys().collect();
            let answer_fields: BTreeSet<_> = answer.keys().collect();
            if example_fields != answer_fields {
                return Err(format!("fields {answer_fields:?}, not {example_fields:?}"));
            }
            example.iter().try_for_each(|(field, value)| {
                same_shape(value, &answer[field]).map_err(|err| format!("{field}: {err}"))
            })
        }
        (example, answer) => Err(format!("{answer} is not of the kind of {example}")),
    }
}

/// The examples the page shows, read from the data attributes it writes them into.
fn examples_in(page: &str) -> Vec<Example> {
    page.split("<div class=\"example\"")
        .skip(1)
        .map(|tag| {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            let attribute = |name: &str| {
                let start = format!("data-{name}=\"");
                tag.find(&start).map(|at| {
                    let value = &tag[at + start.len()..];
                    unescape(&value[..value.find('"').unwrap_or(value.len())])
                })
            };
            let json = |name: &str| {
                attribute(name)
                    .and_then(|text| serde_json::from_str::<Value>(&text).ok())
                    .unwrap_or(Value::Null)
            };
            Example {
                method: attribute("method").unwrap_or_default(),
                url: attribute("url").unwrap_or_default(),
                headers: serde_json::from_value(json("headers")).unwrap_or_default(),
                body: attribute("body").and_then(|body| serde_json::from_str(&body).ok()),
                status: attribute("status")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0),
                media_type: attribute("media-type").unwrap_or_default(),
                answer: json("answer"),
            }
        })
        .collect()
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}
