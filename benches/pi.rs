//! How long the digits of pi take, by size and thread count, and, with the `bench-gmp` feature,
//! against the same algorithm on GMP (benches/gmp_reference.rs), with the ratios printed at the
//! end: `just bench`.

use criterion::{
    AxisScale, BenchmarkId, Criterion, PlotConfiguration, Throughput, criterion_group,
};
use pilane::pi::{Options, Unobserved, decimals};

#[cfg(feature = "bench-gmp")]
#[path = "gmp_reference.rs"]
mod gmp_reference;

const SIZES: [u64; 5] = [1_000, 10_000, 100_000, 1_000_000, 10_000_000];
const GROUP: &str = "decimals";
/// One bench id per engine; the ratio table pairs them by size.
const ONE_THREAD: &str = "pilane-1-thread";
const TWO_THREADS: &str = "pilane-2-threads";
#[cfg(feature = "bench-gmp")]
const GMP: &str = "gmp-1-thread";

fn decimals_by_size(c: &mut Criterion) {
    let mut group = c.benchmark_group(GROUP);
    group.plot_config(PlotConfiguration::default().summary_scale(AxisScale::Logarithmic));
    for n in SIZES {
        // Criterion's minimum of ten samples for the sizes that take a second or more.
        group.sample_size(if n >= 100_000 { 10 } else { 50 });
        group.throughput(Throughput::Elements(n));
        for (id, threads) in [(ONE_THREAD, 1), (TWO_THREADS, 2)] {
            group.bench_with_input(BenchmarkId::new(id, n), &n, |b, &n| {
                b.iter(|| decimals(n, Options { threads }, &Unobserved))
            });
        }
        #[cfg(feature = "bench-gmp")]
        group.bench_with_input(BenchmarkId::new(GMP, n), &n, |b, &n| {
            b.iter(|| gmp_reference::decimals(n))
        });
    }
    group.finish();
}

criterion_group!(benches, decimals_by_size);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    #[cfg(feature = "bench-gmp")]
    print_ratios();
}

/// The median time of each engine over GMP's, per size, from criterion's own estimates.
#[cfg(feature = "bench-gmp")]
fn print_ratios() {
    let root = std::path::PathBuf::from(
        std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".to_owned()),
    )
    .join("criterion")
    .join(GROUP);
    let median = |id: &str, n: u64| -> Option<f64> {
        let path = root.join(id).join(n.to_string()).join("new/estimates.json");
        let text = std::fs::read_to_string(path).ok()?;
        let value: serde_json::Value = serde_json::from_str(&text).ok()?;
        value["median"]["point_estimate"].as_f64()
    };
    println!("\nmedian time over GMP's (same algorithm, GMP on one thread):");
    println!("{:>12}  {:>10}  {:>10}", "digits", "1 thread", "2 threads");
    for n in SIZES {
        let Some(gmp) = median(GMP, n) else { continue };
        let ratio = |id| median(id, n).map_or("-".to_owned(), |t| format!("{:.2}x", t / gmp));
        println!(
            "{n:>12}  {:>10}  {:>10}",
            ratio(ONE_THREAD),
            ratio(TWO_THREADS)
        );
    }
}
