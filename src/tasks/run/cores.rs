//! How many threads a computation gets: by default the cores no other computation of this
//! process holds, and at least one. A lone task uses the whole machine; a second one that starts
//! meanwhile still starts at once, on one thread, rather than wait behind a long computation.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Debug)]
pub struct Cores {
    total: usize,
    /// Threads per computation set by the operator (`--threads`), instead of the free cores.
    fixed: Option<usize>,
    in_use: Arc<AtomicUsize>,
}

/// Threads granted to one computation, given back when it is dropped.
#[derive(Debug)]
pub(super) struct Grant {
    threads: usize,
    in_use: Arc<AtomicUsize>,
}

impl Cores {
    /// `total` cores to share, or `fixed` threads for every computation.
    pub fn new(total: usize, fixed: Option<usize>) -> Self {
        Self {
            total: total.max(1),
            fixed: fixed.map(|threads| threads.max(1)),
            in_use: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The threads the next computation would get if nothing else were running.
    pub(in crate::tasks) fn when_idle(&self) -> usize {
        self.fixed.unwrap_or(self.total)
    }

    /// Threads for one computation, as many as are free (or the fixed count), at least one.
    pub(super) fn grant(&self) -> Grant {
        let mut threads = 1;
        // The closure always returns Some, so the update cannot fail.
        let _ = self
            .in_use
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |in_use| {
                threads = self
                    .fixed
                    .unwrap_or_else(|| self.total.saturating_sub(in_use).max(1));
                Some(in_use + threads)
            });
        Grant {
            threads,
            in_use: Arc::clone(&self.in_use),
        }
    }
}

impl Grant {
    pub(super) fn threads(&self) -> usize {
        self.threads
    }
}

impl Drop for Grant {
    fn drop(&mut self) {
        self.in_use.fetch_sub(self.threads, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_computation_gets_every_core() {
        let cores = Cores::new(4, None);
        assert_eq!(cores.grant().threads(), 4);
    }

    #[test]
    fn a_second_computation_gets_what_is_left_and_never_less_than_one() {
        let cores = Cores::new(4, None);
        let first = cores.grant();
        let second = cores.grant();
        assert_eq!((first.threads(), second.threads()), (4, 1));
        drop(first);
        assert_eq!(cores.grant().threads(), 3);
    }

    #[test]
    fn cores_come_back_when_a_computation_ends() {
        let cores = Cores::new(2, None);
        drop(cores.grant());
        assert_eq!(cores.grant().threads(), 2);
    }

    #[test]
    fn a_fixed_thread_count_is_granted_whatever_runs() {
        let cores = Cores::new(2, Some(3));
        let _first = cores.grant();
        assert_eq!(cores.grant().threads(), 3);
        assert_eq!(cores.when_idle(), 3);
    }
}
