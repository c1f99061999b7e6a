//! `GET /v1/pi`, pi.delivery's API in its shape, as a client written for that service uses it.

use serde_json::Value;

use crate::helpers::{TestApp, api_error, fixture_decimals};

async fn app_with_decimals(n: u64) -> TestApp {
    let app = TestApp::spawn().await;
    let id = app.submit(n).await;
    app.wait_for(id, "done").await;
    app
}

async fn content(app: &TestApp, query: &str) -> String {
    let answer = app.get(&format!("/v1/pi?{query}")).await;
    assert_eq!(answer.status(), 200, "{query}");
    let body: Value = answer.json().await.unwrap_or_default();
    assert_eq!(
        body.as_object().map(|o| o.len()),
        Some(1),
        "only content: {body}"
    );
    body["content"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn digits_count_from_the_leading_three_at_zero_without_the_point() {
    let app = app_with_decimals(2_000).await;
    assert_eq!(
        content(&app, "start=0&numberOfDigits=10").await,
        "3141592653"
    );
    assert_eq!(
        content(&app, "start=1&numberOfDigits=10").await,
        "1415926535"
    );
    assert_eq!(
        content(&app, "numberOfDigits=1").await,
        "3",
        "start is 0 when absent"
    );
    assert_eq!(
        content(&app, "start=1000&numberOfDigits=1000").await,
        fixture_decimals(1_999)[999..],
        "digit k is the k-th decimal, up to pi.delivery's 1,000 a request"
    );
    assert_eq!(
        content(&app, "start=5&numberOfDigits=3&radix=10").await,
        "926"
    );
}

#[tokio::test]
async fn any_site_may_read_it_and_only_it() {
    let app = app_with_decimals(100).await;
    let answer = get_from_another_site(&app, "/v1/pi?start=0&numberOfDigits=5").await;
    assert_eq!(answer.headers()["access-control-allow-origin"], "*");
    let other = get_from_another_site(&app, "/api/pi?start=1&count=5").await;
    assert_eq!(other.status(), 200);
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn what_it_refuses_is_a_400_that_says_why_and_missing_digits_a_416() {
    let app = app_with_decimals(100).await;
    for (query, says) in [
        ("start=0", "numberOfDigits"),
        ("start=0&numberOfDigits=0", "numberOfDigits"),
        ("start=0&numberOfDigits=1001", "1000"),
        ("start=-1&numberOfDigits=5", "start"),
        ("start=x&numberOfDigits=5", "start"),
        ("start=0&numberOfDigits=5&radix=16", "radix"),
        ("start=0&start=1&numberOfDigits=5", "query string"),
    ] {
        let answer = app.get(&format!("/v1/pi?{query}")).await;
        assert_eq!(answer.status(), 400, "{query}");
        let error = api_error(answer).await;
        assert!(error.contains(says), "{query}: {error}");
    }
    let past = app.get("/v1/pi?start=95&numberOfDigits=10").await;
    assert_eq!(past.status(), 416);
    assert!(api_error(past).await.contains("n = 104"));
    assert_eq!(
        content(&app, "start=91&numberOfDigits=10").await,
        &fixture_decimals(100)[90..]
    );
}

#[tokio::test]
async fn a_browser_on_another_site_may_ask_first_and_is_told_it_may_get() {
    let app = TestApp::spawn().await;
    let preflight = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            app.url("/v1/pi?start=0&numberOfDigits=5"),
        )
        .header("origin", "https://example.org")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .expect("an answer");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let methods = &preflight.headers()["access-control-allow-methods"];
    assert!(methods.to_str().unwrap_or_default().contains("GET"));
}

/// A GET as a page of another site's script sends it.
async fn get_from_another_site(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("origin", "https://example.org")
        .send()
        .await
        .expect("the server answers")
}
