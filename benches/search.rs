//! The search index at 10^8 decimals, in process: memory per decimal (resident memory before and
//! after the build), the build time, search latency by query length (p50, p99, max), and the
//! digit statistics' cost against computing 10^7 decimals. `just bench-search [decimals]`; the
//! figures go to docs/PERFORMANCE.md.
//!
//! The decimals are computed once with the engine and kept in `target/bench-data/`.

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use pilane::{
    domain::DigitCounts,
    pi::{Options, Unobserved, decimals},
    search::DigitIndex,
};
use proptest::{
    prelude::Rng,
    test_runner::{RngAlgorithm, TestRng},
};

#[path = "machine.rs"]
mod machine;

const QUERIES_PER_LENGTH: usize = 2_000;

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(100_000_000);
    let digits = load_or_compute(n);
    println!("CPU: {}", machine::cpu_name());

    let before = machine::resident_kb("self") * 1024;
    let started = Instant::now();
    let held = digits.len() as u64;
    let index = DigitIndex::build(digits).expect("the index builds");
    let build = started.elapsed();
    let after = machine::resident_kb("self") * 1024;
    println!(
        "index of {n} decimals: built in {:.2} s; resident {} MB before, {} MB after: {:.2} bytes per decimal (the decimals and the suffix array: {:.2})",
        build.as_secs_f64(),
        before / 1_000_000,
        after / 1_000_000,
        (after.saturating_sub(before) + held) as f64 / n as f64,
        index.heap_bytes() as f64 / n as f64,
    );

    let mut rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut short = Vec::new();
    let mut long = Vec::new();
    for length in 1..=50usize {
        let mut times = Vec::with_capacity(QUERIES_PER_LENGTH);
        for i in 0..QUERIES_PER_LENGTH {
            // Half taken from pi itself (found at least once), half random (mostly not found).
            let query: Vec<u8> = if i % 2 == 0 {
                let start = rng.next_u64() % (n - length as u64) + 1;
                index.decimals(start, length as u64).to_vec()
            } else {
                (0..length)
                    .map(|_| b'0' + (rng.next_u64() % 10) as u8)
                    .collect()
            };
            let started = Instant::now();
            let found = index.find(&query, n, 20);
            times.push(started.elapsed());
            std::hint::black_box(found);
        }
        if length <= 5 {
            short.extend_from_slice(&times);
        } else {
            long.extend_from_slice(&times);
        }
        if [1, 2, 3, 4, 5, 6, 8, 12, 20, 50].contains(&length) {
            println!("  {length:>2} digits: {}", summary(&mut times));
        }
    }
    println!("1-5 digits (count and first 20):  {}", summary(&mut short));
    println!("6-50 digits (count and first 20): {}", summary(&mut long));

    let ten_million = (n as usize).min(10_000_000);
    let sample = index.decimals(1, ten_million as u64).to_vec();
    let started = Instant::now();
    let counts = std::hint::black_box(DigitCounts::of(&sample));
    let counting = started.elapsed();
    let started = Instant::now();
    std::hint::black_box(
        decimals(ten_million as u64, Options { threads: 2 }, &Unobserved).expect("computed"),
    );
    let computing = started.elapsed();
    println!(
        "statistics of {ten_million} decimals: counted in {:.1} ms against {:.2} s to compute them on 2 threads ({:.3}%); chi-square {:.2}",
        counting.as_secs_f64() * 1e3,
        computing.as_secs_f64(),
        100.0 * counting.as_secs_f64() / computing.as_secs_f64(),
        counts.chi_square(),
    );
}

fn summary(times: &mut [Duration]) -> String {
    times.sort_unstable();
    let at = |share: f64| times[((times.len() - 1) as f64 * share) as usize];
    format!(
        "p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs over {} queries",
        at(0.5).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        at(1.0).as_secs_f64() * 1e6,
        times.len()
    )
}

fn load_or_compute(n: u64) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let path = dir.join(format!("pi-{n}.txt"));
    if let Ok(digits) = std::fs::read(&path)
        && digits.len() as u64 == n
    {
        return digits;
    }
    eprintln!("computing {n} decimals once, for {}", path.display());
    let digits = decimals(n, Options { threads: 2 }, &Unobserved).expect("computed");
    std::fs::create_dir_all(&dir).expect("the data folder is made");
    std::fs::write(&path, &digits).expect("the decimals are kept");
    digits
}
