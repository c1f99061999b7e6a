//! What one big multiplication holds while it runs: malachite's product (a port of FLINT's
//! `fft_small`) transforms both factors modulo several primes into power-of-two buffers of
//! floating-point numbers, so its working memory is a multiple of the product's size whatever
//! the engine around it does. This bench multiplies two numbers of a few sizes, whole with
//! malachite and split with `pilane::pi::product` (one level of Karatsuba's method), and prints each one's peak resident set
//! above the factors beside the product's size. `just bench-product-memory [MB ...]`; the figures
//! go to docs/PERFORMANCE.md ("What one product holds").

use std::time::Instant;

use malachite::Natural;

#[allow(dead_code)]
#[path = "machine.rs"]
mod machine;

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![8, 12, 16, 32, 64]
    } else {
        sizes
    };
    println!("CPU: {}", machine::cpu_name());
    println!(
        "{:>10} {:>11} {:>13} {:>11} {:>8} {:>13} {:>11}",
        "factor MB", "product MB", "whole: peak", "of product", "time", "halves: peak", "time"
    );
    for megabytes in sizes {
        let limbs = megabytes * 1_000_000 / 8;
        let a = pseudo_random(limbs, 1);
        let b = pseudo_random(limbs, 2);
        let (whole_kb, whole_time, whole) = measured(|| &a * &b);
        let (halves_kb, halves_time, halves) = measured(|| pilane::pi::product::product(&a, &b));
        assert_eq!(whole, halves, "both ways give the same product");
        let product_mb = (2 * limbs * 8) as f64 / 1e6;
        println!(
            "{megabytes:>10} {product_mb:>11.0} {:>10.0} MB {:>10.1}x {:>7.2}s {:>10.0} MB {:>10.2}s",
            whole_kb as f64 / 1e3,
            whole_kb as f64 / 1e3 / product_mb,
            whole_time,
            halves_kb as f64 / 1e3,
            halves_time,
        );
    }
}

/// `work`'s result, the peak resident set above what was resident when it started, in kB, and
/// its time in seconds.
fn measured(work: impl FnOnce() -> Natural) -> (u64, f64, Natural) {
    std::fs::write("/proc/self/clear_refs", "5").expect("Linux resets the peak resident set");
    let before = status_kb("VmRSS");
    let started = Instant::now();
    let result = work();
    let time = started.elapsed().as_secs_f64();
    (status_kb("VmHWM") - before, time, result)
}

fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux has /proc");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .expect("the status has the field")
}

/// `limbs` limbs of xorshift output: a product of such numbers has no structure to exploit.
fn pseudo_random(limbs: usize, seed: u64) -> Natural {
    let mut x = 0x9E37_79B9_7F4A_7C15 ^ seed;
    Natural::from_owned_limbs_asc(
        (0..limbs)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            })
            .collect(),
    )
}
