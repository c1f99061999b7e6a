//! Big single operations that cannot be interrupted, run so that the caller still can be.
//!
//! One malachite multiplication, square root or division of numbers of hundreds of millions of
//! bits takes seconds and checks nothing. [`detached`] runs such an operation on a thread of its
//! own while the caller polls for cancellation; a cancel returns at once and leaves the thread to
//! finish its one operation and drop the result. Stopping therefore takes effect within
//! [`POLL`], at any size, and the cost of a cancel is at most one operation of CPU time in the
//! background, never a wrong or a late result.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::control::Cancelled;

/// How often a caller waiting on a detached operation checks for cancellation.
pub(crate) const POLL: Duration = Duration::from_millis(10);

/// Operations on fewer bits than this run on the calling thread: they finish within a few
/// milliseconds, less than starting a thread is worth.
pub(crate) const DETACH_MIN_BITS: u64 = 1 << 22;

/// An operation started on a thread of its own, to be waited for later.
pub(crate) struct Detached<T> {
    state: State<T>,
}

enum State<T> {
    Running {
        receiver: Receiver<T>,
        handle: JoinHandle<()>,
    },
    /// No thread could be started, so the operation already ran on the caller's.
    Done(T),
}

/// Starts `work` on its own thread; see [`Detached::wait`].
pub(crate) fn start<T, F>(work: F) -> Detached<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    // The operation waits in a slot rather than in the thread's closure, so that it can still
    // run here if no thread can be started (a process limit), uninterruptible as it would have
    // been without this module.
    let slot = Arc::new(Mutex::new(Some(work)));
    let theirs = Arc::clone(&slot);
    let (sender, receiver) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new()
        .name("pi-operation".to_owned())
        .spawn(move || {
            if let Some(work) = take(&theirs) {
                // The receiver is gone when the caller was cancelled: the result is not wanted.
                let _ = sender.send(work());
            }
        });
    let state = match spawned {
        Ok(handle) => State::Running { receiver, handle },
        Err(_) => match take(&slot) {
            Some(work) => State::Done(work()),
            None => unreachable!("a thread that never started took nothing"),
        },
    };
    Detached { state }
}

impl<T> Detached<T> {
    /// Waits for the result, checking `cancelled` every [`POLL`].
    ///
    /// # Errors
    /// [`Cancelled`] as soon as `cancelled` says so; the operation then finishes unobserved.
    ///
    /// # Panics
    /// Passes on a panic of the operation unchanged.
    pub(crate) fn wait(self, cancelled: &dyn Fn() -> bool) -> Result<T, Cancelled> {
        let (receiver, handle) = match self.state {
            State::Done(value) => return Ok(value),
            State::Running { receiver, handle } => (receiver, handle),
        };
        loop {
            match receiver.recv_timeout(POLL) {
                Ok(value) => return Ok(value),
                Err(RecvTimeoutError::Timeout) if cancelled() => return Err(Cancelled),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => match handle.join() {
                    Err(payload) => std::panic::resume_unwind(payload),
                    Ok(()) => unreachable!("a finished operation sends its result before it ends"),
                },
            }
        }
    }
}

/// Runs `work` and waits for it, on its own thread when it works on at least
/// [`DETACH_MIN_BITS`] bits, so that `cancelled` is checked every [`POLL`] meanwhile.
///
/// # Errors
/// [`Cancelled`] when `cancelled` says so before or while `work` runs.
pub(crate) fn detached<T, F>(
    bits: u64,
    cancelled: &dyn Fn() -> bool,
    work: F,
) -> Result<T, Cancelled>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    detached_from(DETACH_MIN_BITS, bits, cancelled, work)
}

/// [`detached`], on a thread of its own from `min_bits` bits on: for operations that take
/// longer per bit than most.
///
/// # Errors
/// [`Cancelled`] when `cancelled` says so before or while `work` runs.
pub(crate) fn detached_from<T, F>(
    min_bits: u64,
    bits: u64,
    cancelled: &dyn Fn() -> bool,
    work: F,
) -> Result<T, Cancelled>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    if cancelled() {
        return Err(Cancelled);
    }
    if bits < min_bits {
        return Ok(work());
    }
    start(work).wait(cancelled)
}

/// Waits for a scoped thread, passing its panic on unchanged.
pub(crate) fn join<T>(handle: thread::ScopedJoinHandle<'_, T>) -> T {
    match handle.join() {
        Ok(value) => value,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// Drops `value` on a thread of its own, or here if no thread can be started. The numbers a
/// cancelled computation held go back to the kernel page by page, gigabytes of them at $10^9$
/// digits, and that takes longer than a cancel may.
pub(crate) fn drop_in_background<T: Send + 'static>(value: T) {
    // Where the thread cannot start, the closure, and the value with it, is dropped right here.
    let _ = thread::Builder::new()
        .name("pi-drop".to_owned())
        .spawn(move || drop(value));
}

fn take<F>(slot: &Mutex<Option<F>>) -> Option<F> {
    slot.lock().unwrap_or_else(PoisonError::into_inner).take()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Instant;

    use super::*;

    #[test]
    fn a_finished_operation_returns_its_result() {
        assert_eq!(detached(DETACH_MIN_BITS, &|| false, || 6 * 7), Ok(42));
        assert_eq!(detached(0, &|| false, || 6 * 7), Ok(42));
    }

    #[test]
    fn a_cancelled_caller_stops_waiting_before_the_operation_ends() {
        let release = Arc::new(AtomicBool::new(false));
        let blocked = Arc::clone(&release);
        let started = Instant::now();
        let outcome = detached(DETACH_MIN_BITS, &|| started.elapsed() > POLL, move || {
            // Ends only when the test lets it, so only a cancel can return first.
            while !blocked.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(1));
            }
        });
        release.store(true, Ordering::SeqCst);
        assert_eq!(outcome, Err(Cancelled));
    }

    #[test]
    fn what_a_cancel_leaves_is_freed_on_another_thread() {
        struct Numbers(mpsc::Sender<thread::ThreadId>);
        impl Drop for Numbers {
            fn drop(&mut self) {
                let _ = self.0.send(thread::current().id());
            }
        }
        let (sender, dropped_on) = mpsc::channel();
        drop_in_background(Numbers(sender));
        let dropped_on = dropped_on
            .recv_timeout(Duration::from_secs(10))
            .expect("the value is dropped");
        assert_ne!(dropped_on, thread::current().id());
    }

    #[test]
    fn a_panic_in_the_operation_reaches_the_caller() {
        let outcome = std::panic::catch_unwind(|| {
            detached(DETACH_MIN_BITS, &|| false, || panic!("overflow"))
        });
        assert!(outcome.is_err());
    }
}
