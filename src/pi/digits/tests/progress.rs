//! Progress: in phase order, never overlapping, weighted by cost.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::Recorder;
use crate::pi::control::{Control, Phase, Progress};
use crate::pi::digits::{Options, decimals};

#[test]
fn progress_rises_through_the_phases_in_order_to_one() {
    for threads in [1, 2, 3] {
        let recorder = Recorder::new(None);
        decimals(200_000, Options { threads }, &recorder).expect("not cancelled");
        let reports = recorder.reports();
        assert!(
            reports
                .windows(2)
                .all(|pair| pair[0].fraction <= pair[1].fraction),
            "{threads} thread(s): fractions go down in {reports:?}"
        );
        let order = |phase| match phase {
            Phase::Series => 0,
            Phase::SquareRoot => 1,
            Phase::Division => 2,
            Phase::Checking => 3,
            Phase::Conversion => 4,
        };
        let phases: Vec<_> = reports.iter().map(|p| order(p.phase)).collect();
        assert!(phases.is_sorted(), "{threads} thread(s): {phases:?}");
        assert_eq!(phases.first(), Some(&0));
        assert_eq!(
            reports.last().map(|p| (p.phase, p.fraction)),
            Some((Phase::Conversion, 1.0))
        );
        let series = phases.iter().filter(|&&phase| phase == 0).count();
        assert!(
            (20..=600).contains(&series),
            "{threads} thread(s): {series} series reports"
        );
        assert!(
            reports.len() <= 600,
            "{threads} thread(s): {} reports",
            reports.len()
        );
    }
}

#[test]
fn reports_never_overlap_even_from_several_threads() {
    struct Exclusive {
        inside: AtomicUsize,
        overlapped: AtomicBool,
    }
    impl Control for Exclusive {
        fn report(&self, _progress: Progress) {
            if self.inside.fetch_add(1, Ordering::SeqCst) != 0 {
                self.overlapped.store(true, Ordering::SeqCst);
            }
            std::thread::yield_now();
            self.inside.fetch_sub(1, Ordering::SeqCst);
        }
        fn is_cancelled(&self) -> bool {
            false
        }
    }
    let control = Exclusive {
        inside: AtomicUsize::new(0),
        overlapped: AtomicBool::new(false),
    };
    decimals(300_000, Options { threads: 3 }, &control).expect("not cancelled");
    assert!(!control.overlapped.load(Ordering::SeqCst));
}

#[test]
fn progress_follows_the_cost_of_the_work_not_the_count_of_steps() {
    // A third of the bar is reached near a third of the estimated work: the series of a big
    // computation is the biggest part of its cost, so a third of the bar falls inside it, not at
    // its end.
    let recorder = Recorder::new(None);
    decimals(300_000, Options { threads: 1 }, &recorder).expect("not cancelled");
    let reports = recorder.reports();
    let halfway = reports
        .iter()
        .find(|progress| progress.fraction >= 1.0 / 3.0)
        .expect("the bar passes a third of the way");
    assert_eq!(halfway.phase, Phase::Series, "{reports:?}");
    let conversion = reports
        .iter()
        .find(|progress| progress.phase == Phase::Conversion)
        .expect("a conversion phase");
    assert!(
        (0.6..0.95).contains(&conversion.fraction),
        "the conversion starts at {}",
        conversion.fraction
    );
}
