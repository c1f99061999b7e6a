//! The memory budget: what the computations and the search index may hold together. Each
//! reserves its estimated peak before it starts and gives it back when it ends, so two big tasks,
//! or one beside a big index, wait for each other instead of having the kernel kill the service.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;

/// A cheap handle to one process's budget; clone it freely.
#[derive(Clone, Debug)]
pub struct MemoryBudget {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    total: u64,
    reserved: Mutex<u64>,
    /// How many times memory was given back: a waiter wakes when it moves.
    releases: watch::Sender<u64>,
}

/// Memory held against the budget until dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: MemoryBudget,
    bytes: u64,
}

impl MemoryBudget {
    pub fn new(total: u64) -> Self {
        Self {
            shared: Arc::new(Shared {
                total,
                reserved: Mutex::new(0),
                releases: watch::Sender::new(0),
            }),
        }
    }

    /// The whole budget.
    pub fn total(&self) -> u64 {
        self.shared.total
    }

    /// What is not reserved now.
    pub fn free(&self) -> u64 {
        self.shared.total.saturating_sub(*self.reserved())
    }

    /// All that is free now (perhaps nothing), to be shrunk to what is needed once that is known.
    pub fn reserve_what_is_free(&self) -> Reservation {
        let mut reserved = self.reserved();
        let bytes = self.shared.total.saturating_sub(*reserved);
        *reserved += bytes;
        Reservation {
            budget: self.clone(),
            bytes,
        }
    }

    /// `bytes` of the budget if that much is free now.
    pub fn try_reserve(&self, bytes: u64) -> Option<Reservation> {
        let mut reserved = self.reserved();
        if self.shared.total.saturating_sub(*reserved) < bytes {
            return None;
        }
        *reserved += bytes;
        Some(Reservation {
            budget: self.clone(),
            bytes,
        })
    }

    /// `bytes` of the budget, once that much is free. Never returns for more than the total.
    pub async fn reserve(&self, bytes: u64) -> Reservation {
        loop {
            // Subscribed before looking, so a release between the two is not missed.
            let mut releases = self.releases();
            if let Some(reservation) = self.try_reserve(bytes) {
                return reservation;
            }
            if releases.changed().await.is_err() {
                // Unreachable while `self` holds the sender; waiting on is all there is.
                std::future::pending::<()>().await;
            }
        }
    }

    /// A receiver whose `changed()` resolves the next time memory is given back.
    pub fn releases(&self) -> watch::Receiver<u64> {
        self.shared.releases.subscribe()
    }

    /// Returns `bytes` to the budget and wakes whoever waits for memory.
    fn give_back(&self, bytes: u64) {
        let mut reserved = self.reserved();
        *reserved = reserved.saturating_sub(bytes);
        drop(reserved);
        self.shared.releases.send_modify(|count| *count += 1);
    }

    fn reserved(&self) -> std::sync::MutexGuard<'_, u64> {
        self.shared
            .reserved
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Reservation {
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Keeps `bytes` of this reservation (at most what it holds) and gives back the rest.
    pub fn shrink_to(&mut self, bytes: u64) {
        let kept = bytes.min(self.bytes);
        self.budget.give_back(self.bytes - kept);
        self.bytes = kept;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.give_back(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn reservations_fit_within_the_total_and_come_back_when_dropped() {
        let budget = MemoryBudget::new(10);
        let first = budget.try_reserve(6).expect("6 of 10 fit");
        assert!(budget.try_reserve(5).is_none(), "5 more do not");
        let second = budget.try_reserve(4).expect("4 more do");
        assert_eq!(budget.free(), 0);
        drop(first);
        assert_eq!(budget.free(), 6);
        drop(second);
        assert_eq!(budget.free(), 10);
    }

    #[test]
    fn what_is_free_can_be_held_and_shrunk_to_what_is_needed() {
        let budget = MemoryBudget::new(10);
        let _index = budget.try_reserve(3).expect("3 of 10 fit");
        let mut run = budget.reserve_what_is_free();
        assert_eq!((run.bytes(), budget.free()), (7, 0));
        run.shrink_to(2);
        assert_eq!((run.bytes(), budget.free()), (2, 5));
    }

    #[tokio::test]
    async fn a_reservation_that_does_not_fit_waits_until_enough_is_given_back() {
        let budget = MemoryBudget::new(10);
        let held = budget.try_reserve(8).expect("8 of 10 fit");
        let waiting = tokio::spawn({
            let budget = budget.clone();
            async move { budget.reserve(5).await.bytes() }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "5 do not fit beside 8");
        drop(held);
        let reserved = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("it is woken by the release")
            .expect("it does not panic");
        assert_eq!(reserved, 5);
        assert_eq!(budget.free(), 10, "and its reservation was given back too");
    }
}
