//! What a done task says its digits were checked against: the known checksums, hexadecimal
//! digits confirmed by Bellard's formula, and the digits already stored.

use malachite::Natural;
use malachite::base::num::arithmetic::traits::Pow;
use serde_json::Value;

use crate::helpers::{TestApp, fixture_decimals};

/// Eight hexadecimal digits of pi from `position` (1 after the point), from the trusted decimals.
fn trusted_hex(position: u64) -> String {
    let decimals = 100_000;
    let scaled: Natural = format!("3{}", fixture_decimals(decimals))
        .parse()
        .expect("digits");
    let shifted = (scaled << (4 * (position + 7))) / Natural::from(10u32).pow(decimals as u64);
    let low = shifted % (Natural::from(1u32) << 32u64);
    format!("{:08X}", u32::try_from(&low).expect("32 bits"))
}

fn hex_checks(task: &Value) -> Vec<(u64, String)> {
    task["verification"]["hex"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .filter_map(|check| {
                    Some((
                        check["position"].as_u64()?,
                        check["digits"].as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_computed_task_names_the_checks_its_digits_passed_and_a_stored_one_says_where_they_came_from()
 {
    let app = TestApp::spawn().await;
    let id = app.submit(20_000).await;
    let task = app.wait_for(id, "done").await;
    let verification = &task["verification"];
    assert_eq!(verification["checksum_digits"], 10_000, "{task}");
    assert_eq!(
        verification["agreed_with_store"], 0,
        "nothing was stored before"
    );
    let checks = hex_checks(&task);
    assert!(!checks.is_empty(), "{task}");
    for (position, digits) in &checks {
        assert_eq!(
            *digits,
            trusted_hex(*position),
            "hexadecimal digits at {position}"
        );
    }
    let farthest = checks[0].0;
    assert!(
        farthest > 1_000,
        "a check far after the point, not at {farthest}"
    );
    let page = app.text(&format!("/tasks/{id}")).await;
    assert!(page.contains("How these digits were checked"), "{page}");
    assert!(
        page.contains(&format!("<code>{}</code>", checks[0].1)),
        "{page}"
    );

    let longer = app.submit(30_000).await;
    let task = app.wait_for(longer, "done").await;
    assert_eq!(task["verification"]["agreed_with_store"], 20_000, "{task}");

    let shorter = app.submit(1_000).await;
    let task = app.wait_for(shorter, "done").await;
    assert!(task["verification"].is_null(), "{task}");
    let page = app.text(&format!("/tasks/{shorter}")).await;
    assert!(page.contains("Read from the verified store"), "{page}");
}
