//! Searching the digits through the server: the API, the page and its htmx fragment, a task's
//! own decimals, the index following the store, the viewer a hit links to, and the statistics.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{TestApp, api_error, fixture_decimals};

/// A computed task for `n`, and its id, once the search index holds at least `n` decimals.
async fn searchable(app: &TestApp, n: u64) -> i64 {
    let id = app.submit(n).await;
    app.wait_for(id, "done").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let answer = app.get("/api/search?q=1").await;
        if answer.status() == 200 {
            let found: Value = answer.json().await.expect("JSON");
            if found["searched"].as_u64() >= Some(n) {
                return id;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the index never reached {n} decimals"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn api_search(app: &TestApp, query: &str) -> Value {
    let answer = app.get(&format!("/api/search?{query}")).await;
    assert_eq!(answer.status(), 200, "{query}");
    answer.json().await.expect("JSON")
}

/// Every 1-based start of `query` in the first `within` fixture decimals, by brute force.
fn scanned(query: &str, within: usize) -> Vec<u64> {
    let decimals = fixture_decimals(within).as_bytes();
    let query = query.as_bytes();
    (0..=within - query.len())
        .filter(|&start| &decimals[start..start + query.len()] == query)
        .map(|start| start as u64 + 1)
        .collect()
}

#[tokio::test]
async fn fourteen_one_five_nine_is_at_position_one_and_the_api_says_what_was_searched() {
    let app = TestApp::spawn().await;
    searchable(&app, 100_000).await;
    let found = api_search(&app, "q=14159").await;
    assert_eq!(found["query"], "14159");
    assert_eq!(found["searched"], 100_000);
    let expected = scanned("14159", 100_000);
    assert_eq!(found["count"], expected.len());
    assert_eq!(found["positions"][0], 1);
    let positions: Vec<u64> =
        serde_json::from_value(found["positions"].clone()).unwrap_or_default();
    assert_eq!(positions, expected);
}

#[tokio::test]
async fn overlapping_occurrences_count_and_positions_come_ascending_up_to_the_limit() {
    let app = TestApp::spawn().await;
    searchable(&app, 100_000).await;
    let expected = scanned("99", 100_000);
    let found = api_search(&app, "q=99").await;
    assert_eq!(
        found["count"],
        expected.len(),
        "overlapping 99s in 999 count twice"
    );
    let positions: Vec<u64> =
        serde_json::from_value(found["positions"].clone()).unwrap_or_default();
    assert_eq!(positions, expected[..20], "the first 20 by default");
    // One digit occurs about 10,000 times: a list of 1,000, the most one answer holds.
    let nines = scanned("9", 100_000);
    let found = api_search(&app, "q=9&limit=1000").await;
    assert_eq!(found["count"], nines.len());
    let positions: Vec<u64> =
        serde_json::from_value(found["positions"].clone()).unwrap_or_default();
    assert_eq!(positions, nines[..1000]);
}

#[tokio::test]
async fn the_separators_of_a_date_are_ignored() {
    let app = TestApp::spawn().await;
    searchable(&app, 100_000).await;
    let found = api_search(&app, "q=26.5%2035").await;
    assert_eq!(found["query"], "26535");
    assert_eq!(found["positions"][0], 6, "pi is 3.1415926535...");
}

#[tokio::test]
async fn bad_searches_are_refused_with_422_and_the_reason() {
    let app = TestApp::spawn().await;
    searchable(&app, 1_000).await;
    let cases = [
        ("q=12ab", "digits only"),
        (&*format!("q={}", "1".repeat(51)), "at most 50 digits"),
        ("q=", "1 to 50 digits"),
        ("", "1 to 50 digits"),
        ("q=1&limit=1001", "at most 1000"),
        ("q=1&limit=0", "positive whole number"),
        ("q=1&task=abc", "task id"),
    ];
    for (query, reason) in cases {
        let answer = app.get(&format!("/api/search?{query}")).await;
        assert_eq!(answer.status(), 422, "{query}");
        let message = api_error(answer).await;
        assert!(message.contains(reason), "{query}: {message}");
    }
}

#[tokio::test]
async fn a_tasks_search_never_reports_a_position_past_its_n() {
    let app = TestApp::spawn().await;
    let small = searchable(&app, 1_000).await;
    searchable(&app, 100_000).await;
    for query in ["9", "26", "999", "14159"] {
        let found = api_search(&app, &format!("q={query}&task={small}&limit=1000")).await;
        assert_eq!(found["searched"], 1_000);
        let expected = scanned(query, 1_000);
        assert_eq!(found["count"], expected.len(), "{query}");
        for position in found["positions"].as_array().into_iter().flatten() {
            let end = position.as_u64().unwrap_or(u64::MAX) + query.len() as u64 - 1;
            assert!(end <= 1_000, "{query} at {position} ends past n");
        }
    }
    // The last decimals of the small task, and one more: only what ends by n counts.
    let tail = &fixture_decimals(1_001)[995..];
    let found = api_search(&app, &format!("q={tail}&task={small}")).await;
    assert_eq!(
        found["count"],
        scanned(tail, 1_000).len(),
        "{tail} ending at 1001 is not counted"
    );
    let found = api_search(&app, &format!("q={tail}")).await;
    assert!(
        found["positions"]
            .as_array()
            .is_some_and(|p| p.contains(&Value::from(996)))
    );
}

#[tokio::test]
async fn a_match_across_the_stores_chunk_boundary_is_found() {
    let app = TestApp::spawn().await;
    searchable(&app, 30_000).await;
    // Decimals 9,998 to 10,003 straddle the first 10,000-decimal chunk and the second.
    let straddling = &fixture_decimals(10_003)[9_997..];
    let found = api_search(&app, &format!("q={straddling}&limit=1000")).await;
    assert!(
        found["positions"]
            .as_array()
            .is_some_and(|p| p.contains(&Value::from(9_998))),
        "{found}"
    );
}

#[tokio::test]
async fn the_index_follows_the_store_as_it_grows() {
    let app = TestApp::spawn().await;
    searchable(&app, 1_000).await;
    assert_eq!(api_search(&app, "q=1").await["searched"], 1_000);
    searchable(&app, 50_000).await;
    assert_eq!(api_search(&app, "q=1").await["searched"], 50_000);
}

#[tokio::test]
async fn the_search_page_works_without_javascript_and_htmx_gets_just_the_results() {
    let app = TestApp::spawn().await;
    let id = searchable(&app, 100_000).await;
    let page = app.get("/search?q=14/03/1592").await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap_or_default();
    assert!(page.contains("<html"), "a whole page");
    assert!(page.contains("14031592"), "{page}");
    assert!(
        page.contains("does not occur in the first 100,000 decimals"),
        "{page}"
    );
    assert!(
        page.contains("even odds"),
        "what more digits would give: {page}"
    );

    let fragment = app.get_htmx("/search?q=26535").await;
    assert_eq!(fragment.status(), 200);
    let fragment = fragment.text().await.unwrap_or_default();
    assert!(
        fragment.starts_with("<section id=\"search-results\""),
        "{fragment}"
    );
    assert!(
        fragment.contains("<mark class=\"match\">26535</mark>"),
        "{fragment}"
    );
    assert!(
        fragment.contains(&format!("/tasks/{id}?at=6&amp;len=5#match")),
        "the hit links to the viewer: {fragment}"
    );
}

#[tokio::test]
async fn a_bad_search_is_refused_in_the_form_and_an_empty_one_gets_a_hint() {
    let app = TestApp::spawn().await;
    searchable(&app, 1_000).await;
    let refused = app.get_htmx("/search?q=pi").await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.unwrap_or_default();
    assert!(
        refused.contains("role=\"alert\"") && refused.contains("digits only"),
        "{refused}"
    );
    let page = app
        .get("/search?q=12345678901234567890123456789012345678901234567890123")
        .await;
    assert_eq!(page.status(), 422);
    assert!(
        page.text()
            .await
            .unwrap_or_default()
            .contains("value=\"1234567890"),
        "what was typed is kept"
    );
    let hint = app.get_htmx("/search?q=").await;
    assert_eq!(hint.status(), 200);
    assert!(
        hint.text()
            .await
            .unwrap_or_default()
            .contains("Type digits")
    );
}

#[tokio::test]
async fn a_hit_opens_the_viewer_page_that_holds_it_with_the_match_marked() {
    let app = TestApp::spawn().await;
    let id = searchable(&app, 30_000).await;
    let position = 12_345;
    let matched = &fixture_decimals(position + 4)[position - 1..];
    let page = app.text(&format!("/tasks/{id}?at={position}&len=5")).await;
    assert!(page.contains("page <input name=\"page\""), "{page}");
    assert!(
        page.contains("max=\"3\" value=\"2\""),
        "decimal 12,345 is on page 2"
    );
    let marked: String = page
        .split("class=\"match\">")
        .skip(1)
        .filter_map(|rest| rest.split('<').next())
        .collect();
    assert_eq!(marked, matched, "the five decimals are marked");
    assert!(
        page.contains("<mark id=\"match\""),
        "the first is scrolled to"
    );

    let jump = app.text(&format!("/tasks/{id}?at=25000")).await;
    assert!(
        jump.contains("<mark id=\"match\""),
        "go to decimal marks it"
    );
    let past = app.get(&format!("/tasks/{id}?at=30001")).await;
    assert_eq!(past.status(), 404);
}

#[tokio::test]
async fn searches_have_their_own_rate_limit() {
    let app = TestApp::spawn_with(|config| {
        config.limits.search_burst = std::num::NonZeroU32::MIN.saturating_add(1);
        config.limits.search_per_minute = std::num::NonZeroU32::MIN;
    })
    .await;
    assert_eq!(app.get("/api/search?q=x").await.status(), 422);
    assert_eq!(app.get("/search?q=x").await.status(), 422);
    let refused = app.get("/api/search?q=1").await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert!(api_error(refused).await.contains("searching faster"));
    // Submitting has an allowance of its own.
    app.submit(10).await;
}

#[tokio::test]
async fn a_done_task_has_its_digit_counts_and_its_page_the_chi_square() {
    let app = TestApp::spawn().await;
    let id = app.submit(100_000).await;
    let task = app.wait_for(id, "done").await;
    let counts: Vec<u64> = serde_json::from_value(task["digit_counts"].clone()).unwrap_or_default();
    let mut expected = vec![0u64; 10];
    for digit in fixture_decimals(100_000).bytes() {
        expected[usize::from(digit - b'0')] += 1;
    }
    assert_eq!(counts, expected);
    assert_eq!(counts.iter().sum::<u64>(), 100_000);
    let page = app.text(&format!("/tasks/{id}")).await;
    assert!(page.contains("<svg class=\"chart bars\""), "{page}");
    assert!(
        page.contains("Chi-square 4.09 with 9 degrees of freedom"),
        "{page}"
    );

    // A task answered from the digits already stored is counted too.
    let smaller = app.submit(1_000).await;
    let task = app.wait_for(smaller, "done").await;
    let counts: Vec<u64> = serde_json::from_value(task["digit_counts"].clone()).unwrap_or_default();
    assert_eq!(counts.iter().sum::<u64>(), 1_000);
}
