//! Every input path, fed edge cases by proptest: each answer is a 4xx with a message, nothing is
//! written, and the server keeps answering.

use std::future::Future;

use proptest::{
    prelude::*,
    test_runner::{Config, TestCaseError, TestRunner},
};
use reqwest::Response;

use crate::helpers::TestApp;

/// The server's limit in these tests (`Config::for_database`).
const MAX: u64 = 1_000_000;

/// Some bytes, shown short when a case fails (a 64 KB input would drown the report).
#[derive(Clone)]
struct Input(Vec<u8>);

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = &self.0[..self.0.len().min(40)];
        write!(
            f,
            "{:?} ({} bytes)",
            String::from_utf8_lossy(shown),
            self.0.len()
        )
    }
}

/// The edge cases every input path is tried with, each one every run.
fn named_cases() -> Vec<Vec<u8>> {
    [
        "",
        "0",
        "00",
        "-1",
        "-0",
        "+5",
        " 5",
        "5 ",
        "1e3",
        "1.0",
        "1,000",
        "1_000",
        "0x10",
        "５",
        "٣",
        "১২",
        "NaN",
        "null",
        "1000001",
        "18446744073709551616",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .chain([
        format!("1{}", "0".repeat(100)).into_bytes(), // 10^100
        vec![0xff, 0xfe, b'1'],                       // not UTF-8
        b"1".repeat(64 * 1024),                       // a 64 KB field
    ])
    .collect()
}

/// Inputs that are not a valid n, as bytes (some are not UTF-8), generated around the named
/// edge cases.
fn invalid_inputs() -> impl Strategy<Value = Input> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..24),
        "[0-9]{1,3}[^0-9][0-9]{0,3}".prop_map(String::into_bytes),
        "[+ -]?[0-9]{1,25}[ ]?".prop_map(String::into_bytes),
        "[0-9]{20,80}".prop_map(String::into_bytes),
        "\\PC{0,12}".prop_map(String::into_bytes),
    ]
    .prop_filter("a valid n", |bytes| !is_valid_count(bytes))
    .prop_map(Input)
}

fn is_valid_count(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.iter().all(u8::is_ascii_digit)
        && std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .is_some_and(|n| (1..=MAX).contains(&n))
}

/// Whether `bytes` is a JSON number whose value is a valid n.
fn is_valid_json_count(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|value| value.as_f64())
        .is_some_and(|n| n.fract() == 0.0 && (1.0..=MAX as f64).contains(&n))
}

/// Every byte percent-encoded, so the server receives exactly these bytes.
fn encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

/// Runs `check` on every named edge case, then on generated inputs, from inside an async test.
fn for_each_input<F, Fut>(check: F)
where
    F: Fn(Vec<u8>) -> Fut,
    Fut: Future<Output = Result<(), TestCaseError>>,
{
    let runtime = tokio::runtime::Handle::current();
    for case in named_cases() {
        let shown = format!("{:?}", Input(case.clone()));
        let outcome = tokio::task::block_in_place(|| runtime.block_on(check(case)));
        if let Err(failure) = outcome {
            panic!("edge case {shown}: {failure}");
        }
    }
    let mut runner = TestRunner::new(Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = tokio::task::block_in_place(|| {
        runner.run(&invalid_inputs(), |input| runtime.block_on(check(input.0)))
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

/// A 4xx whose body says something.
async fn refused_with_a_message(response: Response, what: &str) -> Result<(), TestCaseError> {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    prop_assert!(status.is_client_error(), "{what}: {status} {body}");
    prop_assert!(
        body.trim().len() > 10,
        "{what}: {status} says nothing: {body:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_refuses_every_invalid_n_in_the_page() {
    let app = TestApp::binary(&[]).await;
    for_each_input(|input| {
        let app = &app;
        async move {
            let body = format!("n={}", encode(&input));
            let plain = app.post_form("/tasks", &body).await;
            let is_page = plain
                .headers()
                .get("content-type")
                .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
            prop_assert!(is_page, "the answer is a page");
            refused_with_a_message(plain, "form").await?;
            let htmx = app.post_form_htmx("/tasks", &body).await;
            refused_with_a_message(htmx, "htmx form").await
        }
    });
    // A repeated field is ambiguous, so it is refused too.
    refused_with_a_message(app.post_form("/tasks", "n=5&n=6").await, "n twice")
        .await
        .expect("refused");
    assert!(app.tasks().await.is_empty(), "no row was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_api_refuses_every_invalid_n_with_an_error() {
    let app = TestApp::binary(&[]).await;
    for_each_input(|input| {
        let app = &app;
        async move {
            // As raw JSON text (often not JSON at all; JSON allows spaces around a number, so
            // " 5" is a valid n there, and `1e3` and `1.0` are whole numbers, as JSON Schema
            // counts them), and as a JSON string.
            let raw = [b"{\"n\": ".as_slice(), &input, b"}"].concat();
            let as_text = serde_json::json!({ "n": String::from_utf8_lossy(&input) });
            let raw_is_valid = is_valid_json_count(&input);
            let bodies = [
                (!raw_is_valid).then_some(raw),
                Some(as_text.to_string().into_bytes()),
            ];
            for body in bodies.into_iter().flatten() {
                let response = app
                    .client
                    .post(app.url("/api/tasks"))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                refused_with_a_message(response, "api").await?;
            }
            Ok(())
        }
    });
    let twice = app
        .client
        .post(app.url("/api/tasks"))
        .header("content-type", "application/json")
        .body(r#"{"n": 5, "n": 6}"#)
        .send()
        .await
        .expect("the server answers");
    refused_with_a_message(twice, "n twice")
        .await
        .expect("refused");
    assert!(app.tasks().await.is_empty(), "no row was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_strings_and_path_ids_refuse_every_invalid_value() {
    let app = TestApp::binary(&[]).await;
    let id = app.submit(100).await;
    app.wait_for(id, "done").await;
    for_each_input(|input| {
        let app = &app;
        async move {
            // An empty value is the same as an absent one for query strings, and a positive
            // whole number is a valid id or cursor.
            if input.is_empty() || is_id(&input) {
                return Ok(());
            }
            // Clients refuse URLs much beyond 64 KB; 8 KB of input is 24 KB encoded.
            let value = encode(&input[..input.len().min(8 * 1024)]);
            for path in [
                format!("/?before={value}"),
                format!("/?after={value}"),
                format!("/tasks/{id}?page={value}"),
                format!("/api/tasks?before={value}"),
                format!("/api/tasks?limit={value}"),
                format!("/api/tasks?status={value}"),
                format!("/api/pi?start={value}"),
                format!("/api/pi?count={value}"),
                format!("/tasks/{value}"),
                format!("/tasks/{value}/digits.txt"),
                format!("/api/tasks/{value}"),
                format!("/events?task={value}"),
            ] {
                // `?page=` beyond the pages shows the last page rather than an error.
                if path.contains("page=") && is_whole(&input) {
                    continue;
                }
                refused_with_a_message(app.get(&path).await, &path).await?;
            }
            let cancel = app.post_form(&format!("/tasks/{value}/cancel"), "").await;
            refused_with_a_message(cancel, "cancel").await
        }
    });
    assert_eq!(app.tasks().await.len(), 1, "no row was written");
}

fn is_id(bytes: &[u8]) -> bool {
    is_whole(bytes)
        && std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .is_some_and(|id| id > 0)
}

fn is_whole(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_last_event_id_gets_a_working_stream() {
    let app = TestApp::binary(&[]).await;
    for_each_input(|input| {
        let app = &app;
        async move {
            // Header values cannot hold control characters; the rest is sent as it is.
            let Ok(header) = reqwest::header::HeaderValue::from_bytes(&input) else {
                return Ok(());
            };
            let mut sse = app
                .client
                .get(app.url("/events"))
                .header("Last-Event-ID", header)
                .send()
                .await
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(sse.status(), 200);
            let mut seen = String::new();
            // An id it cannot use gets a resync, an old one a replay: either way, a live stream.
            while !seen.contains("event: live") {
                let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), sse.chunk())
                    .await
                    .map_err(|_| TestCaseError::fail("no heartbeat within 5 s"))?
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let Some(chunk) = chunk else {
                    return Err(TestCaseError::fail("the stream ended"));
                };
                seen.push_str(&String::from_utf8_lossy(&chunk));
            }
            Ok(())
        }
    });
}
