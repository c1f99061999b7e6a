//! Searching the verified digit store: an in-memory [`DigitIndex`] of the longest prefix stored,
//! built in the background after startup and again whenever the store grows (here or, on a
//! shared Postgres, on another instance). While a bigger index is built the previous one keeps
//! answering, for the decimals it holds, and says so; before the first one exists a search is
//! refused with the build's progress rather than answered wrong.

use std::{
    sync::{
        Arc, Mutex, PoisonError, RwLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::{MemoryBudget, Reservation, TaskError, TaskResult};
use crate::{
    domain::{ChangeKind, DigitQuery, Message, Status, Task},
    search::{DigitIndex, MAX_DECIMALS},
    storage::{READ_BATCH, Storage},
};

/// Decimals shown on each side of a hit.
pub const CONTEXT_DIGITS: u64 = 20;

/// How often the store's length is looked at when no change announced its growth.
const POLL: Duration = Duration::from_secs(10);
/// Changes come in bursts (every stage of every task): the store is looked at once per burst.
const SETTLE: Duration = Duration::from_millis(200);
/// Until one build was timed, how long building the suffix array is expected to take per
/// decimal, for the progress shown while it runs.
const BUILD_NS_PER_DECIMAL: f64 = 100.0;

/// Memory an index holds per decimal: the decimal itself and its place in the suffix array
/// (`i32`); building one holds the same, beside the index still answering.
pub const INDEX_BYTES_PER_DECIMAL: u64 = 5;

/// A cheap handle to the index; clone it freely.
#[derive(Clone)]
pub struct SearchIndex {
    shared: Arc<Shared>,
}

struct Shared {
    /// Empty until the first build.
    current: RwLock<Arc<DigitIndex>>,
    /// The budget the index's memory counts against, and what the current one holds of it.
    memory: MemoryBudget,
    held: Mutex<Option<Reservation>>,
    /// Whether the follower has looked at the store yet: until then an empty index says nothing.
    looked: AtomicBool,
    /// The length of the index being built, 0 when none is.
    building: AtomicU64,
    /// How far that build is, in thousandths.
    progress: AtomicU64,
    /// The last build's time per decimal, in picoseconds (0 until one was timed).
    build_ps_per_decimal: AtomicU64,
}

/// One occurrence, with the decimals around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// 1-based after the point.
    pub position: u64,
    pub before: String,
    pub matched: String,
    pub after: String,
}

/// What a search found, and over what.
#[derive(Debug, Clone)]
pub struct SearchResult {
    pub query: DigitQuery,
    /// How many decimals were searched.
    pub searched: u64,
    pub count: u64,
    /// The first occurrences, ascending.
    pub hits: Vec<Hit>,
    /// A bigger index is being built: its length and how far it is, in percent.
    pub building: Option<(u64, u8)>,
}

impl SearchIndex {
    /// An empty index whose builds reserve their memory from `memory`.
    pub fn new(memory: MemoryBudget) -> Self {
        Self {
            shared: Arc::new(Shared {
                current: RwLock::default(),
                memory,
                held: Mutex::new(None),
                looked: AtomicBool::default(),
                building: AtomicU64::default(),
                progress: AtomicU64::default(),
                build_ps_per_decimal: AtomicU64::default(),
            }),
        }
    }

    /// Searches the first `within` decimals (all the index holds when `None`) for `query`, with
    /// the first `limit` hits.
    pub(super) fn search(
        &self,
        query: DigitQuery,
        within: Option<u64>,
        limit: usize,
    ) -> TaskResult<SearchResult> {
        let index = self.current();
        let building = self.building();
        let unknown =
            index.is_empty() && (building.is_some() || !self.shared.looked.load(Ordering::Acquire));
        if unknown || within.is_some_and(|n| n > index.len()) {
            let (decimals, percent) = building.unwrap_or((within.unwrap_or(0), 0));
            return Err(TaskError::IndexBuilding { decimals, percent });
        }
        let searched = within.unwrap_or(index.len());
        let found = index.find(query.as_bytes(), searched, limit);
        let length = query.len() as u64;
        let text = |start: u64, count: u64| {
            String::from_utf8_lossy(index.decimals(start, count)).into_owned()
        };
        let hits = found
            .positions
            .iter()
            .map(|&position| {
                let from = position.saturating_sub(CONTEXT_DIGITS).max(1);
                let after = position + length;
                Hit {
                    position,
                    before: text(from, position - from),
                    matched: text(position, length),
                    after: text(
                        after,
                        CONTEXT_DIGITS.min((searched + 1).saturating_sub(after)),
                    ),
                }
            })
            .collect();
        Ok(SearchResult {
            query,
            searched,
            count: found.count,
            hits,
            building,
        })
    }

    /// The decimals a search of `task` would cover: its n, once it is done.
    pub(super) fn within(task: &Task) -> TaskResult<u64> {
        if task.status != Status::Done {
            return Err(TaskError::NotDone {
                id: task.id,
                status: task.status,
            });
        }
        Ok(task.n.get())
    }

    fn current(&self) -> Arc<DigitIndex> {
        self.shared
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many decimals the index answering now holds.
    fn len(&self) -> u64 {
        self.current().len()
    }

    /// The index being built, if one is: its length and its progress in percent.
    fn building(&self) -> Option<(u64, u8)> {
        let decimals = self.shared.building.load(Ordering::Acquire);
        let permille = self.shared.progress.load(Ordering::Relaxed).min(999);
        (decimals > 0).then_some((decimals, (permille / 10) as u8))
    }

    /// Keeps the index as long as the store until `stop`: builds it now, and again whenever the
    /// store has grown, looked at after each burst of changes and every [`POLL`].
    pub async fn follow(
        self,
        storage: Storage,
        mut changes: broadcast::Receiver<Message>,
        stop: CancellationToken,
    ) {
        loop {
            // Looked at only once the index is as long as the store was: an empty index before
            // a first build that failed must not answer "nothing is stored".
            let current = match storage
                .stored_len()
                .await
                .map(|stored| stored.min(MAX_DECIMALS))
            {
                Ok(stored) if stored > self.len() => {
                    tokio::select! {
                        () = stop.cancelled() => return,
                        built = self.rebuild(&storage, stored) => built.map_err(|err| {
                            warn!(error = %err, decimals = stored, "could not build the search index; trying again shortly");
                        }).is_ok(),
                    }
                }
                Ok(_) => true,
                Err(err) => {
                    warn!(error = %err, "could not read the digit store's length");
                    false
                }
            };
            if current {
                self.shared.looked.store(true, Ordering::Release);
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(POLL) => {}
                open = store_may_have_grown(&mut changes) => {
                    if !open {
                        return;
                    }
                    tokio::time::sleep(SETTLE).await;
                    changes = changes.resubscribe();
                }
            }
        }
    }

    /// Reads the first `decimals` of the store and indexes them on the blocking lane; the index
    /// answering until then keeps answering.
    async fn rebuild(&self, storage: &Storage, decimals: u64) -> TaskResult<()> {
        // The new index is built beside the one answering: both must fit the budget.
        let memory = &self.shared.memory;
        let held = self.held_bytes();
        let fits = memory.total().saturating_sub(held) / INDEX_BYTES_PER_DECIMAL;
        if fits <= self.len() {
            debug!(
                decimals,
                budget = memory.total(),
                "the memory budget leaves no room for a bigger search index"
            );
            return Ok(());
        }
        if fits < decimals {
            warn!(
                stored = decimals,
                indexed = fits,
                budget = memory.total(),
                "the memory budget holds an index of only part of the store"
            );
        }
        let decimals = decimals.min(fits);
        let reservation = memory.reserve(decimals * INDEX_BYTES_PER_DECIMAL).await;
        let started = Instant::now();
        self.shared.progress.store(0, Ordering::Relaxed);
        self.shared.building.store(decimals, Ordering::Release);
        let _done = BuildingFlag(&self.shared);
        // Reading is about half of the work, building the other half.
        let mut read = Vec::with_capacity(decimals as usize);
        let mut start = 1;
        while start <= decimals {
            let batch = storage
                .read_digits(start, READ_BATCH.min(decimals + 1 - start))
                .await?;
            if batch.is_empty() {
                break;
            }
            start += batch.len() as u64;
            read.extend_from_slice(&batch);
            let permille = 500 * read.len() as u64 / decimals.max(1);
            self.shared.progress.store(permille, Ordering::Relaxed);
        }
        let read_ms = started.elapsed().as_millis() as u64;
        let expected = self.expected_build_time(read.len());
        let building = Instant::now();
        let mut build = tokio::task::spawn_blocking(move || DigitIndex::build(read));
        let built = loop {
            tokio::select! {
                built = &mut build => break built,
                () = tokio::time::sleep(Duration::from_millis(100)) => {
                    let share = building.elapsed().as_secs_f64() / expected.as_secs_f64().max(1e-3);
                    let permille = 500 + (500.0 * share.min(0.99)) as u64;
                    self.shared.progress.store(permille, Ordering::Relaxed);
                }
            }
        };
        let index = match built {
            Ok(Ok(index)) => index,
            Ok(Err(err)) => return Err(TaskError::Index(err.to_string())),
            Err(panicked) => return Err(TaskError::Index(panicked.to_string())),
        };
        let build_time = building.elapsed();
        if !index.is_empty() {
            let ps = build_time.as_secs_f64() * 1e12 / index.len() as f64;
            self.shared
                .build_ps_per_decimal
                .store(ps as u64, Ordering::Relaxed);
        }
        info!(
            decimals = index.len(),
            read_ms,
            build_ms = build_time.as_millis() as u64,
            bytes = index.heap_bytes(),
            "search index ready"
        );
        *self
            .shared
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(index);
        // The old index goes as the last search holding it ends; its memory counts until now.
        *self
            .shared
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(reservation);
        Ok(())
    }

    /// The memory the answering index holds of the budget.
    fn held_bytes(&self) -> u64 {
        self.shared
            .held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map_or(0, Reservation::bytes)
    }

    fn expected_build_time(&self, decimals: usize) -> Duration {
        let measured = self.shared.build_ps_per_decimal.load(Ordering::Relaxed);
        let ns = if measured > 0 {
            measured as f64 / 1000.0
        } else {
            BUILD_NS_PER_DECIMAL
        };
        Duration::from_secs_f64(ns * decimals as f64 / 1e9)
    }
}

/// Waits for a change that can have grown the store: a change of stage (a task stored, here or
/// on another instance), or a resync. `false` once the bus is gone.
async fn store_may_have_grown(changes: &mut broadcast::Receiver<Message>) -> bool {
    loop {
        match changes.recv().await {
            Ok(Message::Change(change)) if change.kind != ChangeKind::Stage => {}
            Ok(_) | Err(RecvError::Lagged(_)) => return true,
            Err(RecvError::Closed) => return false,
        }
    }
}

/// Clears "building" however the build ends.
struct BuildingFlag<'a>(&'a Shared);

impl Drop for BuildingFlag<'_> {
    fn drop(&mut self) {
        self.0.building.store(0, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(digits: &str) -> DigitQuery {
        DigitQuery::parse(digits).ok().flatten().expect("a query")
    }

    #[test]
    fn before_the_store_was_looked_at_a_search_is_refused_never_answered_empty() {
        let index = SearchIndex::new(MemoryBudget::new(u64::MAX));
        let refused = index.search(query("14159"), None, 20);
        assert!(
            matches!(refused, Err(TaskError::IndexBuilding { .. })),
            "{refused:?}"
        );
    }

    #[test]
    fn an_empty_store_once_looked_at_is_searched_and_holds_nothing() {
        let index = SearchIndex::new(MemoryBudget::new(u64::MAX));
        index.shared.looked.store(true, Ordering::Release);
        let found = index.search(query("14159"), None, 20).expect("an answer");
        assert_eq!((found.searched, found.count), (0, 0));
    }

    #[test]
    fn a_task_longer_than_the_index_waits_for_a_bigger_one() {
        let index = SearchIndex::new(MemoryBudget::new(u64::MAX));
        index.shared.looked.store(true, Ordering::Release);
        *index
            .shared
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner) =
            Arc::new(DigitIndex::build(b"1415926535".to_vec()).expect("built"));
        let found = index.search(query("9"), Some(10), 20).expect("covered");
        assert_eq!((found.count, found.hits[0].position), (1, 5));
        assert_eq!(found.hits[0].before, "1415");
        assert_eq!(found.hits[0].after, "26535");
        let refused = index.search(query("9"), Some(11), 20);
        assert!(matches!(refused, Err(TaskError::IndexBuilding { .. })));
    }
}
