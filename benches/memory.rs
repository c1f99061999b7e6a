//! The memory estimates against the peaks they stand for: runs the release binary's
//! `pilane digits N --threads T` under GNU time (`/usr/bin/time -v`) for each size, and prints its
//! peak resident set beside `pilane::pi::peak_memory(N, T)`. An estimate low by more than 10% is
//! a failure: the scheduler would start a task the budget cannot hold. `just bench-memory
//! [N ...]`; the figures go to docs/PERFORMANCE.md ("Memory").

use std::process::{Command, Stdio};

// Shared with the other benches; this one reads only the CPU's name from it.
#[allow(dead_code)]
#[path = "machine.rs"]
mod machine;

/// How far below the measured peak an estimate may be.
const LOW_BY_AT_MOST: f64 = 0.10;

fn main() {
    let sizes: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000_000, 3_000_000, 10_000_000, 30_000_000, 100_000_000]
    } else {
        sizes
    };
    println!("CPU: {}", machine::cpu_name());
    println!(
        "{:>13} {:>7} {:>12} {:>12} {:>9} {:>9}",
        "n", "threads", "peak MB", "estimate MB", "estimate", "wall s"
    );
    let mut too_low = Vec::new();
    for &n in &sizes {
        for threads in [1, 2] {
            let (peak_kb, wall) = measure(n, threads);
            let peak = (peak_kb * 1024) as f64;
            let estimate = pilane::pi::peak_memory(n, threads) as f64;
            let ratio = estimate / peak;
            println!(
                "{n:>13} {threads:>7} {:>12.0} {:>12.0} {:>8.1}% {wall:>9}",
                peak / 1e6,
                estimate / 1e6,
                (ratio - 1.0) * 100.0,
            );
            if ratio < 1.0 - LOW_BY_AT_MOST {
                too_low.push((n, threads));
            }
        }
    }
    assert!(
        too_low.is_empty(),
        "estimates low by more than {}%: {too_low:?}",
        LOW_BY_AT_MOST * 100.0
    );
}

/// The peak resident set in kB and the wall time of `pilane digits n --threads threads`.
fn measure(n: u64, threads: usize) -> (u64, String) {
    let output = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_pilane"))
        .args(["digits", &n.to_string(), "--threads", &threads.to_string()])
        .stdout(Stdio::null())
        .output()
        .expect("GNU time runs the binary (apt-get install time)");
    assert!(output.status.success(), "pilane digits {n} failed");
    let report = String::from_utf8_lossy(&output.stderr);
    let field = |name: &str| {
        report
            .lines()
            .find_map(|line| line.trim().strip_prefix(name))
            .map(|value| value.trim().to_owned())
            .unwrap_or_else(|| panic!("GNU time reported no {name}:\n{report}"))
    };
    let peak = field("Maximum resident set size (kbytes):")
        .parse()
        .expect("a number of kB");
    (peak, field("Elapsed (wall clock) time (h:mm:ss or m:ss):"))
}
