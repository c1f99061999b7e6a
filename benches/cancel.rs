//! How soon a cancel takes effect at full size: computes `n` decimals on `threads` threads in
//! process, asks it to stop a given time after a phase began, and prints how long
//! `pilane::pi::compute` took to return after that. Every big operation runs detached and is
//! polled every 10 ms (`src/pi/detach.rs`); what this measures is whether anything between the
//! polls runs long at this size. One cancel a process: the operation in flight at a cancel
//! finishes in the background, and it would slow the next run. `just bench-cancel [n] [threads]
//! [phase:seconds ...]`; the figures go to docs/PERFORMANCE.md ("Cancel and progress").

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use pilane::pi::{Control, EngineError, Options, Phase, Progress, compute};

// Shared with the other benches; this one reads only the CPU's name from it.
#[allow(dead_code)]
#[path = "machine.rs"]
mod machine;

/// The goal: a cancel takes effect within this (issue 18).
const WITHIN: Duration = Duration::from_millis(100);

/// How often the watcher looks whether it is time to cancel.
const TICK: Duration = Duration::from_millis(1);

/// Notes when each phase is first reported, and is cancelled when told.
struct Watch {
    phases: Mutex<Vec<(Phase, Instant)>>,
    cancelled: AtomicBool,
}

impl Control for Watch {
    fn report(&self, progress: Progress) {
        let mut phases = self.phases.lock().unwrap_or_else(|e| e.into_inner());
        if phases.last().map(|&(phase, _)| phase) != Some(progress.phase) {
            phases.push((progress.phase, Instant::now()));
        }
    }

    fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

impl Watch {
    fn entered(&self, phase: Phase) -> Option<Instant> {
        let phases = self.phases.lock().unwrap_or_else(|e| e.into_inner());
        phases
            .iter()
            .find(|&&(seen, _)| seen == phase)
            .map(|&(_, at)| at)
    }

    fn phase_now(&self) -> Option<Phase> {
        let phases = self.phases.lock().unwrap_or_else(|e| e.into_inner());
        phases.last().map(|&(phase, _)| phase)
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let n: u64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000_000);
    let threads: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2);
    let (phase, after) = args
        .get(2)
        .map(|point| parse_point(point))
        .unwrap_or((Phase::Series, Duration::from_secs(10)));

    let watch = Watch {
        phases: Mutex::new(Vec::new()),
        cancelled: AtomicBool::new(false),
    };
    let started = Instant::now();
    let (outcome, cancelled_at, returned_at) = thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            loop {
                if let Some(entered) = watch.entered(phase)
                    && entered.elapsed() >= after
                {
                    let now = Instant::now();
                    watch.cancelled.store(true, Ordering::SeqCst);
                    return Some(now);
                }
                if watch.cancelled.load(Ordering::SeqCst) {
                    return None;
                }
                thread::sleep(TICK);
            }
        });
        let outcome = compute(n, Options { threads }, &watch);
        let returned_at = Instant::now();
        // A computation that ended without a cancel stops the watcher too.
        watch.cancelled.store(true, Ordering::SeqCst);
        let cancelled_at = watcher.join().unwrap_or(None);
        (outcome, cancelled_at, returned_at)
    });

    println!("CPU: {}", machine::cpu_name());
    let Some(cancelled_at) = cancelled_at else {
        panic!(
            "{n} decimals on {threads} thread(s) ended ({}) before {} s into the {phase} phase",
            describe(&outcome),
            after.as_secs_f64()
        );
    };
    let latency = returned_at - cancelled_at;
    let in_phase = watch.phase_now().map_or("none", Phase::as_str);
    println!(
        "{n} decimals, {threads} thread(s): cancelled {:.1} s into the run, {} s into the {phase} phase (last phase reported: {in_phase}); returned {:.1} ms later ({})",
        (cancelled_at - started).as_secs_f64(),
        after.as_secs_f64(),
        latency.as_secs_f64() * 1e3,
        describe(&outcome)
    );
    assert!(
        matches!(outcome, Err(EngineError::Cancelled)),
        "the computation was not cancelled"
    );
    assert!(
        latency <= WITHIN,
        "a cancel took {latency:?}, more than {WITHIN:?}"
    );
}

/// `phase:seconds`, like `division:20`.
fn parse_point(point: &str) -> (Phase, Duration) {
    let (phase, seconds) = point
        .split_once(':')
        .unwrap_or_else(|| panic!("a cancel point is phase:seconds, not {point:?}"));
    let phase = [
        Phase::Series,
        Phase::SquareRoot,
        Phase::Division,
        Phase::Checking,
        Phase::Conversion,
    ]
    .into_iter()
    .find(|candidate| candidate.as_str().replace(' ', "-") == phase)
    .unwrap_or_else(|| {
        panic!("no phase {phase:?}: series, square-root, division, checking or conversion")
    });
    let seconds: f64 = seconds
        .parse()
        .unwrap_or_else(|_| panic!("{seconds:?} is not a number of seconds"));
    (phase, Duration::from_secs_f64(seconds))
}

fn describe(outcome: &Result<pilane::pi::Computed, EngineError>) -> String {
    match outcome {
        Ok(computed) => format!("done, {} decimals", computed.decimals.len()),
        Err(error) => error.to_string(),
    }
}
