//! The command line: `pilane digits N` and `pilane migrate`.

use std::process::{Command, Output};

use crate::helpers::fixture_pi;

/// Runs the real binary with `args` to the end, keeping its output.
fn pilane(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pilane"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn pilane_digits_prints_three_point_and_n_decimals_and_nothing_else() {
    let output = pilane(&["digits", "1000"]);
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("{}\n", &fixture_pi()[..1002])
    );
    assert!(output.stderr.is_empty(), "nothing but the digits");
}

#[test]
fn pilane_digits_with_two_threads_prints_the_same_digits() {
    let output = pilane(&["digits", "20000", "--threads", "2"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim_end(),
        &fixture_pi()[..20_002]
    );
}

#[test]
fn pilane_digits_with_timings_prints_each_phase_its_estimated_share_and_its_peak_to_stderr() {
    let output = pilane(&["digits", "20000", "--timings"]);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim_end(),
        &fixture_pi()[..20_002],
        "the digits stay alone on stdout"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let estimated: f64 = [
        "series",
        "square root",
        "division",
        "checking",
        "conversion",
    ]
    .iter()
    .map(|phase| {
        let line = stderr
            .lines()
            .find(|line| line.starts_with(phase))
            .unwrap_or_else(|| panic!("no {phase} line in {stderr}"));
        let peak = line
            .strip_suffix(" MB")
            .and_then(|rest| rest.split_whitespace().last())
            .and_then(|megabytes| megabytes.parse::<u64>().ok());
        assert!(
            peak.is_some_and(|megabytes| megabytes > 0),
            "no peak memory in {line:?}"
        );
        let share = line
            .split_whitespace()
            .rfind(|token| token.ends_with('%'))
            .and_then(|share| share.strip_suffix('%'))
            .and_then(|share| share.parse::<f64>().ok());
        share.unwrap_or_else(|| panic!("no estimated share in {line:?}"))
    })
    .sum();
    assert!(
        (estimated - 100.0).abs() < 0.5,
        "the estimates add up to {estimated}%"
    );
    assert!(stderr.lines().any(|line| line.starts_with("total")));
    assert!(
        stderr
            .lines()
            .any(|line| line.starts_with("checked: hexadecimal digits")),
        "the checks the digits passed are named in {stderr}"
    );
}

#[test]
fn pilane_migrate_creates_the_schema_and_can_run_twice() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}", dir.path().join("fresh.db").display());
    for _ in 0..2 {
        let status = Command::new(env!("CARGO_BIN_EXE_pilane"))
            .args(["migrate", "--database-url", &url])
            .status()
            .expect("the binary runs");
        assert!(status.success());
    }
    assert!(dir.path().join("fresh.db").exists());
}

#[test]
fn a_bad_flag_is_refused_with_a_message_naming_it() {
    let output = pilane(&["serve", "--max-digits", "lots"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--max-digits"));
}

#[test]
fn a_trusted_proxy_that_is_not_an_address_or_a_network_is_refused_with_a_message() {
    let output = pilane(&["serve", "--trusted-proxies", "10.0.0.0/8,proxy.internal"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--trusted-proxies"), "{stderr}");
    assert!(
        stderr.contains("\"proxy.internal\" is not an address"),
        "{stderr}"
    );
}
