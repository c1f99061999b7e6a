//! End to end in real headless Chromium, driven over WebDriver: what a person sees.
//! Needs Debian's `chromium` and `chromium-driver`; `.ci/run` installs them and runs these.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::Duration,
};

use fantoccini::{Client, ClientBuilder, Locator, wd::WebDriverCompatibleCommand};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::helpers::{TestApp, fixture_decimals};

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser() -> (Driver, Client) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is installed (Debian chromium-driver); run just test-all");
    let profile = tempfile::tempdir().expect("a temp dir");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _profile: profile,
    };
    let capabilities = json!({
        // Chromium logs every Content-Security-Policy violation to the console; keep them all.
        "goog:loggingPrefs": { "browser": "ALL" },
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", driver._profile.path().display()),
            ]
        }
    });
    let capabilities = capabilities.as_object().cloned().unwrap_or_default();
    let mut last_error = None;
    // chromedriver takes a moment to listen.
    for _ in 0..50 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await
        {
            Ok(client) => return (driver, client),
            Err(err) => last_error = Some(err),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not start a Chromium session: {last_error:?}");
}

/// chromedriver's console log (`POST /session/{id}/se/log`), which W3C WebDriver lacks. Each read
/// returns the entries since the last one.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

/// A Chrome DevTools Protocol command through chromedriver (`POST /session/{id}/goog/cdp/execute`),
/// for what WebDriver cannot ask: a colour-scheme preference, say.
#[derive(Debug)]
struct DevTools(serde_json::Value);

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.0.to_string()))
    }
}

/// Has the browser prefer a dark (or light) colour scheme, as a phone in dark mode does.
async fn prefer_colour_scheme(browser: &Client, scheme: &str) {
    browser
        .issue_cmd(DevTools(json!({
            "cmd": "Emulation.setEmulatedMedia",
            "params": { "features": [{ "name": "prefers-color-scheme", "value": scheme }] }
        })))
        .await
        .expect("chromedriver passes the DevTools command on");
}

/// axe-core, vendored for the tests only (never served): <https://github.com/dequelabs/axe-core>.
const AXE: &str = include_str!("../vendor/axe-core-4.14.1.min.js");

/// axe-core's serious and critical findings on the page as it is now, one line each: the rule,
/// what it asks, and where it failed.
async fn serious_accessibility_violations(browser: &Client) -> Vec<String> {
    browser
        .execute(AXE, vec![])
        .await
        .expect("axe-core loads into the page");
    let found = browser
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            axe.run(document).then(
              (results) => done(results.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)),
              (error) => done([`axe-core failed: ${error}`]));"#,
            vec![],
        )
        .await
        .expect("axe-core runs");
    found
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|line| line.as_str().map(str::to_owned))
        .collect()
}

/// The messages of the console entries `keep` picks, among those since the last read.
async fn console(browser: &Client, keep: impl Fn(&serde_json::Value) -> bool) -> Vec<String> {
    let log = browser
        .issue_cmd(BrowserLog)
        .await
        .expect("chromedriver gives its console log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|entry| keep(entry))
        .filter_map(|entry| entry["message"].as_str())
        .map(str::to_owned)
        .collect()
}

/// The Content-Security-Policy violations the browser logged since the last call.
async fn csp_violations(browser: &Client) -> Vec<String> {
    console(browser, |entry| {
        entry["message"]
            .as_str()
            .is_some_and(|message| message.contains("Content Security Policy"))
    })
    .await
}

/// The element `css` selects, once it appears (within 20 s); the page's source if it never does.
async fn wait_for(browser: &Client, css: &str) -> fantoccini::elements::Element {
    match browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(err) => {
            let page = browser.source().await.unwrap_or_default();
            panic!("{css} never appeared ({err}); the page was:\n{page}");
        }
    }
}

/// The errors the browser's console logged since the last read: failed requests, script errors,
/// policy violations.
async fn console_errors(browser: &Client) -> Vec<String> {
    console(browser, |entry| entry["level"] == "SEVERE").await
}

/// Types `n` into the form and presses Enter in the field, as many people do.
async fn submit_with_enter(browser: &Client, n: &str) {
    let field = browser
        .find(Locator::Css("#n"))
        .await
        .expect("the form has its field");
    field
        .send_keys(&format!("{n}{}", char::from(fantoccini::key::Key::Enter)))
        .await
        .expect("typing works");
}

/// Types `n` into the form and presses its button, as a person would.
async fn submit_in_form(browser: &Client, n: &str) {
    let field = browser
        .find(Locator::Css("#n"))
        .await
        .expect("the form has its field");
    field.send_keys(n).await.expect("typing works");
    let button = browser
        .find(Locator::Css("#new-task button"))
        .await
        .expect("the form has its button");
    button.click().await.expect("clicking works");
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver; run just test-all"]
async fn in_a_real_browser_a_task_turns_done_live_and_its_page_shows_the_right_digits() {
    let app = TestApp::spawn().await;
    let (_driver, browser) = browser().await;
    let wait = |css: &'static str| wait_for(&browser, css);

    browser.goto(&app.url("/")).await.expect("the page loads");
    wait("#live-indicator.live").await;
    // A page that reloads loses this; a live page keeps it.
    browser
        .execute("window.stillTheSamePage = true;", vec![])
        .await
        .expect("the marker is set");

    submit_in_form(&browser, "1000").await;
    wait("#task-rows tr#task-1").await;
    wait("tr#task-1.done").await;
    let notice = wait("#new-task .notice")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(
        notice.contains("task #1"),
        "the form says what it queued: {notice}"
    );

    // A screen reader hears the turns of a task, politely, from outside the table.
    let announced = wait("#announcements")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(
        announced.contains("Task #1, π to 1,000 digits: done; digit 1,000 is 9."),
        "{announced:?}"
    );
    let strays = browser
        .execute(
            "return document.querySelectorAll('#task-rows > :not(tr)').length;",
            vec![],
        )
        .await
        .expect("the rows are counted");
    assert_eq!(
        strays,
        json!(0),
        "the words went to the status line, not the table"
    );

    submit_with_enter(&browser, "100000").await;
    wait("tr#task-2.done").await;
    let violations = csp_violations(&browser).await;
    assert!(
        violations.is_empty(),
        "pressing Enter breaks the policy: {violations:#?}"
    );
    let digit = browser
        .find(Locator::Css("tr#task-2 td.digit"))
        .await
        .expect("a digit cell")
        .text()
        .await
        .unwrap_or_default();
    assert_eq!(digit, &fixture_decimals(100_000)[99_999..]);

    let same_page = browser
        .execute("return window.stillTheSamePage === true;", vec![])
        .await
        .expect("the marker is read");
    assert_eq!(same_page, json!(true), "the rows changed without a reload");

    // Bad input: the message appears in the form, no row is added.
    submit_in_form(&browser, "12abc").await;
    let error = wait("#new-task p.error")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(error.contains("whole number"), "{error}");
    // The one error the console may show: the 422 that answered the bad input.
    let errors = console_errors(&browser).await;
    assert!(
        errors
            .iter()
            .all(|error| error.contains("/tasks - ") && error.contains("422")),
        "{errors:#?}"
    );

    if let Ok(path) = std::env::var("PILANE_SCREENSHOT") {
        let png = browser.screenshot().await.expect("a screenshot");
        std::fs::write(path, png).expect("the screenshot is written");
    }

    browser
        .find(Locator::Css("tr#task-1 td.n a"))
        .await
        .expect("the row links to its task")
        .click()
        .await
        .expect("clicking works");
    wait("#task-detail").await;
    wait("#digits .digits").await;
    let lines = browser
        .find_all(Locator::Css("#digits .digits code"))
        .await
        .expect("digit lines");
    let mut shown = String::new();
    for line in lines {
        shown.push_str(&line.text().await.unwrap_or_default().replace(' ', ""));
    }
    assert_eq!(
        shown,
        format!("3.{}", fixture_decimals(1000)),
        "the page shows exactly pi to 1000 digits"
    );
    let marked = browser
        .find(Locator::Css("#digits mark.digit"))
        .await
        .expect("the n-th digit is marked")
        .text()
        .await
        .unwrap_or_default();
    assert_eq!(marked, "9");

    // Everything above ran under the strict policy without breaking it, and nothing failed...
    let errors = console_errors(&browser).await;
    assert!(errors.is_empty(), "the console logged errors: {errors:#?}");
    // ...and a violation would have been seen: inline style is refused and logged.
    browser
        .execute(
            "const style = document.createElement('style'); style.textContent = 'body { color: red }'; document.head.appendChild(style);",
            vec![],
        )
        .await
        .expect("the script runs");
    let mut seen = Vec::new();
    for _ in 0..50 {
        seen = csp_violations(&browser).await;
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !seen.is_empty(),
        "the policy is enforced and its violations are logged"
    );

    browser.close().await.expect("the browser closes");
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver; run just test-all"]
async fn in_a_real_browser_a_date_typed_into_the_search_finds_its_place_and_the_hit_shows_it_marked()
 {
    let app = TestApp::spawn().await;
    let id = app.submit(100_000).await;
    app.wait_for(id, "done").await;
    let (_driver, browser) = browser().await;
    browser.goto(&app.url("/")).await.expect("the page loads");
    wait_for(&browser, "#live-indicator.live").await;
    browser
        .execute("window.stillTheSamePage = true;", vec![])
        .await
        .expect("the marker is set");

    // 26/5/35: pi is 3.1415926535..., so the date is at decimal 6.
    let field = wait_for(&browser, "form.search #q").await;
    field.send_keys("26/5/35").await.expect("typing works");
    let hit = wait_for(&browser, "#search-results ol.hits li a.position").await;
    let summary = wait_for(&browser, "#search-results .found")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert!(summary.contains("26535"), "{summary}");
    assert!(summary.contains("first at decimal 6"), "{summary}");
    let same_page = browser
        .execute("return window.stillTheSamePage === true;", vec![])
        .await
        .expect("the marker is read");
    assert_eq!(same_page, json!(true), "the results came without a reload");

    hit.click().await.expect("clicking works");
    let marked = wait_for(&browser, "#digits mark#match")
        .await
        .text()
        .await
        .unwrap_or_default();
    assert_eq!(marked, "26535");
    let address = browser.current_url().await.expect("an address");
    assert!(address.as_str().ends_with("?at=6&len=5#match"), "{address}");

    let errors = console_errors(&browser).await;
    assert!(errors.is_empty(), "the console logged errors: {errors:#?}");
    browser.close().await.expect("the browser closes");
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver; run just test-all"]
async fn every_page_on_a_desktop_on_a_phone_and_in_dark_mode_fits_passes_axe_and_logs_no_error() {
    let app = TestApp::spawn().await;
    let id = app.submit(100_000).await;
    app.wait_for(id, "done").await;
    app.submit(1_000).await;
    let (_driver, browser) = browser().await;
    let pages = [
        "/".to_owned(),
        format!("/tasks/{id}"),
        format!("/tasks/{id}?at=99999&len=2#match"),
        "/search?q=14159".to_owned(),
        "/search?q=".to_owned(),
        "/api".to_owned(),
        "/no/such/page".to_owned(),
    ];
    let screens = [
        ("a desktop", 1280, 900, "light"),
        ("a phone", 390, 844, "light"),
        ("a phone in dark mode", 390, 844, "dark"),
    ];
    let mut backgrounds = std::collections::HashSet::new();
    for (screen, width, height, scheme) in screens {
        browser
            .set_window_size(width, height)
            .await
            .expect("the window resizes");
        prefer_colour_scheme(&browser, scheme).await;
        for page in &pages {
            browser.goto(&app.url(page)).await.expect("the page loads");
            wait_for(&browser, "main").await;
            let background = browser
                .execute(
                    "return getComputedStyle(document.documentElement).backgroundColor;",
                    vec![],
                )
                .await
                .expect("the background is read");
            backgrounds.insert(background.to_string());
            let widths = browser
                .execute(
                    "return [document.documentElement.clientWidth, document.documentElement.scrollWidth];",
                    vec![],
                )
                .await
                .expect("the widths are read");
            assert_eq!(
                widths[0], widths[1],
                "{page} scrolls sideways on {screen}: {widths}"
            );
            let violations = serious_accessibility_violations(&browser).await;
            assert!(violations.is_empty(), "{page} on {screen}: {violations:#?}");
            let errors = console_errors(&browser).await;
            // The one failed request a 404 page may have is its own.
            let expected = |error: &String| page == "/no/such/page" && error.contains("404");
            let errors: Vec<_> = errors
                .into_iter()
                .filter(|error| !expected(error))
                .collect();
            assert!(
                errors.is_empty(),
                "{page} on {screen} logged errors: {errors:#?}"
            );
        }
    }
    assert_eq!(
        backgrounds.len(),
        2,
        "dark mode has its own background: {backgrounds:?}"
    );
    let widths = browser
        .execute("return document.documentElement.clientWidth;", vec![])
        .await
        .expect("the width is read");
    assert!(
        widths.as_u64().is_some_and(|width| width <= 400),
        "the phone was a phone's width: {widths}"
    );

    // The icon every page names, and the address browsers ask for without being told.
    let icon = browser
        .execute(
            "return document.querySelector('link[rel=icon]').href;",
            vec![],
        )
        .await
        .expect("the icon's address is read");
    for address in [
        icon.as_str().unwrap_or_default().to_owned(),
        app.url("/favicon.ico"),
    ] {
        let response = reqwest::get(&address).await.expect("the icon is served");
        assert_eq!(response.status(), 200, "{address}");
        assert_eq!(
            crate::helpers::content_type(&response),
            "image/svg+xml",
            "{address}"
        );
    }
    browser.close().await.expect("the browser closes");
}
