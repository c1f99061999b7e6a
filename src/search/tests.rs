//! The index against a plain scan of the same decimals.

use proptest::prelude::*;

use super::*;
use crate::pi::fixture::trusted_decimals;

/// Every overlapping occurrence of `query` ending by decimal `within`, 1-based, by brute force.
fn scanned(decimals: &[u8], query: &[u8], within: usize) -> Vec<u64> {
    let within = within.min(decimals.len());
    if query.len() > within {
        return Vec::new();
    }
    (0..=within - query.len())
        .filter(|&start| &decimals[start..start + query.len()] == query)
        .map(|start| start as u64 + 1)
        .collect()
}

fn index_of(decimals: &[u8]) -> DigitIndex {
    DigitIndex::build(decimals.to_vec()).expect("the index builds")
}

fn fixture_index() -> &'static DigitIndex {
    static INDEX: std::sync::OnceLock<DigitIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| index_of(trusted_decimals()))
}

fn agrees_with_a_scan(index: &DigitIndex, decimals: &[u8], query: &[u8], within: u64) {
    let expected = scanned(decimals, query, within as usize);
    let found = index.find(query, within, 20);
    let query = String::from_utf8_lossy(query);
    assert_eq!(
        found.count,
        expected.len() as u64,
        "count of {query} within {within}"
    );
    let first: Vec<u64> = expected.into_iter().take(20).collect();
    assert_eq!(
        found.positions, first,
        "positions of {query} within {within}"
    );
}

#[test]
fn fourteen_one_five_nine_is_at_position_one() {
    let found = fixture_index().find(b"14159", 1_000_000, 20);
    assert_eq!(found.positions.first(), Some(&1));
}

#[test]
fn overlapping_occurrences_all_count() {
    let index = index_of(b"1112111");
    let found = index.find(b"11", 7, 20);
    assert_eq!(found.count, 4);
    assert_eq!(found.positions, [1, 2, 5, 6]);
}

#[test]
fn a_match_at_the_very_end_is_found_and_one_past_it_is_not() {
    let decimals = trusted_decimals();
    let index = fixture_index();
    let last_ten = &decimals[decimals.len() - 10..];
    let found = index.find(last_ten, decimals.len() as u64, 1_000);
    assert!(
        found.positions.contains(&(decimals.len() as u64 - 9)),
        "{found:?}"
    );
    let within = decimals.len() as u64 - 1;
    let cut_short = index.find(last_ten, within, 1_000);
    assert!(!cut_short.positions.contains(&(decimals.len() as u64 - 9)));
}

#[test]
fn a_search_within_n_never_reports_a_position_whose_match_ends_past_n() {
    let index = fixture_index();
    for (query, within) in [(&b"9"[..], 1_000), (b"26", 10_000), (b"999999", 800_000)] {
        let found = index.find(query, within, 1_000);
        for position in &found.positions {
            assert!(position + query.len() as u64 - 1 <= within, "{position}");
        }
        agrees_with_a_scan(index, trusted_decimals(), query, within);
    }
}

#[test]
fn frequent_short_queries_are_counted_and_listed_like_rare_ones() {
    // One digit occurs ~10^5 times in 10^6: far past the sorted range, so the scan path runs.
    let decimals = trusted_decimals();
    for query in [&b"1"[..], b"07", b"314"] {
        for within in [1_000_000, 999_999, 600_000, 123_456, 10] {
            agrees_with_a_scan(fixture_index(), decimals, query, within);
        }
    }
}

#[test]
fn matches_across_the_stores_chunk_boundaries_are_found() {
    // The store keeps decimals in chunks of 10,000: these straddle the first boundaries.
    let decimals = trusted_decimals();
    for boundary in [10_000usize, 20_000, 990_000] {
        let query = &decimals[boundary - 3..boundary + 3];
        let found = fixture_index().find(query, 1_000_000, 1_000);
        assert!(
            found.positions.contains(&(boundary as u64 - 2)),
            "{found:?}"
        );
    }
}

#[test]
fn an_empty_index_finds_nothing() {
    let index = index_of(b"");
    assert_eq!(index.find(b"1", 10, 20).count, 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_count_and_position_equals_a_plain_scan(
        query in "[0-9]{1,12}",
        within in 1u64..=1_000_000,
    ) {
        agrees_with_a_scan(fixture_index(), trusted_decimals(), query.as_bytes(), within);
    }

    #[test]
    fn substrings_of_pi_are_found_where_they_are(start in 0usize..999_000, length in 1usize..=12) {
        let decimals = trusted_decimals();
        let query = &decimals[start..start + length];
        agrees_with_a_scan(fixture_index(), decimals, query, 1_000_000);
    }
}
