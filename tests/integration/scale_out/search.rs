//! Searching on several instances: each keeps its own index of the shared digit store and follows
//! its growth, whichever instance stored the digits.

use std::time::Duration;

use serde_json::Value;

use super::INSTANCE;
use crate::{binary::Binary, helpers::fixture_decimals, pg_server::PgServer};

/// What `instance` answers for `query` once its index covers `decimals`.
async fn searched_on(instance: &Binary, query: &str, decimals: u64) -> Value {
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let answer = client
            .get(instance.url(&format!("/api/search?q={query}")))
            .send()
            .await
            .expect("the instance answers");
        if answer.status() == 200 {
            let found: Value = answer.json().await.expect("JSON");
            if found["searched"].as_u64() >= Some(decimals) {
                return found;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the index never reached {decimals} decimals"
        );
        // Slower than the search allowance refills.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "needs Postgres (Debian postgresql); run just test-all"]
async fn each_instance_searches_the_shared_store_and_follows_it_as_another_instance_grows_it() {
    let url = PgServer::shared().create_database().await;
    let a = Binary::start(&url, &INSTANCE);
    let b = Binary::start(&url, &INSTANCE);
    let id = a.submit(20_000).await;
    a.wait_for(id, "done").await;
    let occurrences = |n: usize| fixture_decimals(n).matches("2653").count();

    let on_b = searched_on(&b, "2653", 20_000).await;
    assert_eq!(on_b["searched"], 20_000, "{on_b}");
    assert_eq!(on_b["count"], occurrences(20_000));

    let bigger = b.submit(60_000).await;
    b.wait_for(bigger, "done").await;
    for instance in [&a, &b] {
        let found = searched_on(instance, "2653", 60_000).await;
        assert_eq!(found["count"], occurrences(60_000), "{found}");
    }
}
