//! Searching the digits: where a digit string occurs in a prefix of pi's decimals, how often,
//! and the odds of finding it at all. Pure computation over bytes in memory, like `pi`; the task
//! layer builds the index from the verified store and keeps it up to date.
//!
//! The index is the suffix array of the decimals (built by libsais, the fastest well-kept
//! suffix-array construction), beside the decimals themselves: 4 + 1 bytes per decimal.
//!
//! - **Counting** a query of $m$ digits is two binary searches for the range of suffixes that
//!   start with it: $O(m \log n)$, whatever the query.
//! - **The first positions**, ascending: a range of at most [`SORT_AT_MOST`] suffixes is
//!   copied and sorted; a larger one belongs to a short, frequent query, whose first occurrences
//!   a scan from the start finds soonest (what Pi-Search does for short queries): the expected
//!   scan to find $k$ of $c$ occurrences in $n$ decimals is $n k / c$.
//! - **Within a task**, only matches that end by its $n$ count; a large range is then counted by
//!   scanning the shorter side of $n$.

mod odds;

use std::ops::Range;

use memchr::memmem;

pub use odds::{chance_of_occurring, decimals_for_chance};

/// The most decimals an index holds: its suffix array has 32-bit entries. The task layer indexes
/// at most this prefix of a longer store.
pub const MAX_DECIMALS: u64 = i32::MAX as u64;

/// A range of suffixes up to this size is sorted to find the first positions; beyond it, the
/// digits are scanned from the start.
pub const SORT_AT_MOST: usize = 1 << 14;

/// The decimals of one prefix of pi and their suffix array. The default is the empty index.
#[derive(Default)]
pub struct DigitIndex {
    /// ASCII decimals; `decimals[0]` is the first after the point.
    decimals: Vec<u8>,
    /// Every suffix's start, in the order of the suffixes.
    suffixes: Vec<i32>,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Occurrences, overlapping ones included ("11" occurs twice in "111").
    pub count: u64,
    /// The first occurrences, ascending, 1-based after the point.
    pub positions: Vec<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{0} decimals are more than a suffix array of 32-bit entries can index")]
    TooLong(usize),
    #[error("the suffix array could not be built: {0}")]
    Construction(String),
}

impl DigitIndex {
    /// Indexes `decimals` (ASCII digits). Takes $O(n)$ time and $4n$ bytes beside them.
    pub fn build(decimals: Vec<u8>) -> Result<Self, IndexError> {
        if i32::try_from(decimals.len()).is_err() {
            return Err(IndexError::TooLong(decimals.len()));
        }
        let suffixes = if decimals.is_empty() {
            Vec::new()
        } else {
            libsais::SuffixArrayConstruction::for_text(&decimals)
                .in_owned_buffer32()
                .single_threaded()
                .run()
                .map_err(|error| IndexError::Construction(format!("{error:?}")))?
                .into_vec()
        };
        Ok(Self { decimals, suffixes })
    }

    /// How many decimals it holds.
    pub fn len(&self) -> u64 {
        self.decimals.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.decimals.is_empty()
    }

    /// The bytes it holds, for reporting memory.
    pub fn heap_bytes(&self) -> usize {
        self.decimals.capacity() + self.suffixes.capacity() * std::mem::size_of::<i32>()
    }

    /// Decimals `start ..= start + count - 1` (1-based), cut short where the index ends.
    pub fn decimals(&self, start: u64, count: u64) -> &[u8] {
        let from = (start.saturating_sub(1) as usize).min(self.decimals.len());
        let to = from.saturating_add(count as usize).min(self.decimals.len());
        &self.decimals[from..to]
    }

    /// Where `query` (ASCII digits) occurs among the first `within` decimals (matches must end
    /// by decimal `within`), and the first `limit` positions.
    pub fn find(&self, query: &[u8], within: u64, limit: usize) -> Found {
        let within = (within as usize).min(self.decimals.len());
        if query.is_empty() || query.len() > within {
            return Found {
                count: 0,
                positions: Vec::new(),
            };
        }
        let range = self.range(query);
        // The last start whose match ends by `within`.
        let last_start = within - query.len();
        if range.len() <= SORT_AT_MOST {
            let mut starts: Vec<usize> = self.suffixes[range]
                .iter()
                .map(|&start| start as usize)
                .filter(|&start| start <= last_start)
                .collect();
            starts.sort_unstable();
            return Found {
                count: starts.len() as u64,
                positions: starts.iter().take(limit).map(|&p| p as u64 + 1).collect(),
            };
        }
        let finder = memmem::Finder::new(query);
        let positions = starts(&finder, &self.decimals[..within])
            .take(limit)
            .map(|p| p as u64 + 1)
            .collect();
        let count = if within == self.decimals.len() {
            range.len()
        } else if within * 2 <= self.decimals.len() {
            starts(&finder, &self.decimals[..within]).count()
        } else {
            // Fewer decimals after `within` than before it: count the matches that end past it.
            let tail_from = last_start + 1;
            range.len() - starts(&finder, &self.decimals[tail_from..]).count()
        };
        Found {
            count: count as u64,
            positions,
        }
    }

    /// The suffixes that start with `query`, as a range of the suffix array.
    fn range(&self, query: &[u8]) -> Range<usize> {
        let prefix = |start: i32| {
            let suffix = &self.decimals[start as usize..];
            &suffix[..suffix.len().min(query.len())]
        };
        let from = self
            .suffixes
            .partition_point(|&start| prefix(start) < query);
        let to = from + self.suffixes[from..].partition_point(|&start| prefix(start) <= query);
        from..to
    }
}

/// Every start of `finder`'s needle in `haystack`, overlapping ones included.
fn starts<'a>(
    finder: &'a memmem::Finder<'a>,
    haystack: &'a [u8],
) -> impl Iterator<Item = usize> + 'a {
    let mut from = 0;
    std::iter::from_fn(move || {
        let found = from + finder.find(haystack.get(from..)?)?;
        from = found + 1;
        Some(found)
    })
}

#[cfg(test)]
mod tests;
