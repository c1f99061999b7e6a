//! The shape of the series' binary-splitting tree: where a range of terms is cut in two, and
//! whether the halves run at the same time on threads of their own. Between threads the cut is
//! weighted by the size of the terms, so that both halves take about the same time.

use super::chudnovsky::{LEAF_TERMS, PARALLEL_MIN_TERMS};

/// How a range of terms is summed: directly, or from two halves, which may run at the same time
/// with some of the threads each.
pub(super) enum Shape {
    Leaf,
    Node {
        mid: u64,
        parallel: bool,
        left_threads: usize,
        right_threads: usize,
    },
}

pub(super) fn shape(a: u64, b: u64, threads: usize) -> Shape {
    let len = b - a;
    if len <= LEAF_TERMS {
        Shape::Leaf
    } else if threads >= 2 && len >= PARALLEL_MIN_TERMS {
        let left_threads = threads / 2;
        let share = left_threads as f64 / threads as f64;
        Shape::Node {
            mid: weighted_split(a, b, share),
            parallel: true,
            left_threads,
            right_threads: threads - left_threads,
        }
    } else {
        Shape::Node {
            mid: a + len / 2,
            parallel: false,
            left_threads: 1,
            right_threads: 1,
        }
    }
}

/// The approximate size in bits of $P$, $Q$ and $T$ of terms $[a, b)$: term $k$ adds about
/// $9 \log_2 k + 94$ bits to them together, which is taken as $\int_a^b (\log_2(x+1) + 10)\,dx$ up
/// to a constant factor.
pub(super) fn cost_integral(a: u64, b: u64) -> f64 {
    fn antiderivative(x: f64) -> f64 {
        ((x + 1.0) * (x + 1.0).ln() - x) / std::f64::consts::LN_2 + 10.0 * x
    }
    antiderivative(b as f64) - antiderivative(a as f64)
}

/// The split point that gives the left range about `share` of the cost of $[a, b)$, so that
/// threads with unequal ranges finish together: later terms are larger, so the left range gets
/// more terms.
fn weighted_split(a: u64, b: u64, share: f64) -> u64 {
    let target = share * cost_integral(a, b);
    let (mut low, mut high) = (a + 1, b - 1);
    while low < high {
        let mid = low + (high - low) / 2;
        if cost_integral(a, mid) < target {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    low
}
