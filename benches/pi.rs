//! How long the digits of pi take, by size and thread count.

use criterion::{
    AxisScale, BenchmarkId, Criterion, PlotConfiguration, Throughput, criterion_group,
    criterion_main,
};
use pilane::pi::{Options, Unobserved, decimals};

fn decimals_by_size(c: &mut Criterion) {
    let mut group = c.benchmark_group("decimals");
    group.plot_config(PlotConfiguration::default().summary_scale(AxisScale::Logarithmic));
    for n in [1_000u64, 10_000, 100_000, 1_000_000] {
        // Criterion's minimum; the large sizes take long enough to measure well in ten runs.
        group.sample_size(if n >= 100_000 { 10 } else { 50 });
        group.throughput(Throughput::Elements(n));
        for threads in [1, 2] {
            group.bench_with_input(
                BenchmarkId::new(format!("{threads} thread(s)"), n),
                &n,
                |b, &n| b.iter(|| decimals(n, Options { threads }, &Unobserved)),
            );
        }
    }
    group.finish();
}

criterion_group!(benches, decimals_by_size);
criterion_main!(benches);
