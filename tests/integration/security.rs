//! Headers every response carries, cross-site posts, and echoed input.

use crate::helpers::{TestApp, content_type};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

#[tokio::test]
async fn every_page_carries_the_strict_csp_nosniff_a_referrer_policy_and_no_server_banner() {
    let app = TestApp::binary(&[]).await;
    let id = app.submit(10).await;
    app.wait_for(id, "done").await;
    for path in [
        "/",
        &format!("/tasks/{id}"),
        "/tasks/999999",
        "/nowhere",
        "/api/tasks",
        "/public/pilane.css",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        assert_eq!(
            headers
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok()),
            Some(CSP),
            "{path}"
        );
        assert_eq!(
            headers
                .get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{path}"
        );
        assert!(headers.contains_key("referrer-policy"), "{path}");
        assert!(!headers.contains_key("server"), "{path}");
    }
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_and_writes_nothing() {
    let app = TestApp::binary(&[]).await;
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://attacker.example"),
    ] {
        let response = app
            .client
            .post(app.url("/tasks"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(name, value)
            .body("n=1000")
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), 403, "{name}: {value}");
        let page = response.text().await.unwrap_or_default();
        assert!(page.contains("another site"), "{page}");
    }
    assert!(app.tasks().await.is_empty(), "no row was written");

    // The same post from our own page, and from curl (no such headers), works.
    let own_page = app
        .client
        .post(app.url("/tasks"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("origin", app.address.as_str())
        .body("n=1000")
        .send()
        .await
        .expect("the server answers");
    assert_eq!(own_page.status(), 303);
    let curl = app.post_form("/tasks", "n=2000").await;
    assert_eq!(curl.status(), 303);
}

#[tokio::test]
async fn user_text_is_never_echoed_as_markup() {
    let app = TestApp::binary(&[]).await;
    let script = "<script>alert(1)</script>";
    let encoded = "%3Cscript%3Ealert(1)%3C%2Fscript%3E";
    let mut pages = vec![
        app.post_form("/tasks", &format!("n={encoded}")).await,
        app.post_form_htmx("/tasks", &format!("n={encoded}")).await,
        app.get(&format!("/?before={encoded}")).await,
        app.get(&format!("/?after={encoded}")).await,
        app.get(&format!("/tasks/{encoded}")).await,
        app.get(&format!("/tasks/{encoded}/digits.txt")).await,
        app.get(&format!("/api/tasks?before={encoded}")).await,
        app.get(&format!("/api/pi?start={encoded}")).await,
        app.get(&format!("/events?task={encoded}")).await,
    ];
    pages.push(
        app.client
            .post(app.url("/api/tasks"))
            .header("content-type", "application/json")
            .body(format!("{{\"n\": \"{script}\"}}"))
            .send()
            .await
            .expect("the server answers"),
    );
    for response in pages {
        let url = response.url().to_string();
        let status = response.status();
        assert!(status.is_client_error(), "{url}: {status}");
        let content_type = content_type(&response);
        let body = response.text().await.unwrap_or_default();
        // JSON may quote the input as a string: it is data, never rendered (and nosniff).
        if !content_type.starts_with("application/json") {
            assert!(
                !body.contains("<script>alert"),
                "{url} echoed markup: {body}"
            );
        }
    }
    // The hint under the form answers any half-typed input with the usual scale line.
    let hint = app.text(&format!("/estimate?n={encoded}")).await;
    assert!(
        !hint.contains("<script>alert"),
        "the hint echoed markup: {hint}"
    );
    assert!(app.tasks().await.is_empty(), "no row was written");
}
