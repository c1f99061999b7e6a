//! The digits of pi.
//!
//! [`decimals`] computes the first $n$ decimals of pi after the point, truncated, with the
//! Chudnovsky series summed by binary splitting on malachite's integers, an integer square root
//! of $10005 \cdot 10^{2D}$, one integer division and a divide-and-conquer conversion to
//! decimal. Guard digits prove every returned digit; the work can be spread over threads,
//! observed and cancelled through a [`Control`]. [`verify_known_checksums`] checks digits against
//! published SHA-256 checksums.
//!
//! One algorithm per file:
//! - `chudnovsky`: the series, by binary splitting, optionally on several threads;
//! - `tree_shape`: where the series' tree is cut, and which halves run on threads of their own;
//! - `common_factors`, `sieve`: the common factors of $P$ and $Q$ divided out at the series'
//!   merges, from a table of smallest prime factors;
//! - `approximation`: $\pi \cdot 10^D$ to within 2 units from the series;
//! - `guard`: whether guard digits decide a truncation;
//! - `decimal`: conversion to decimal, by divide and conquer over shared powers of ten, divided
//!   by their reciprocals;
//! - `detach`: big operations on their own thread, so a cancel is seen while they run;
//! - `cost`: what each step costs, so progress follows time; `memory`: the peak it holds, so
//!   a scheduler starts it only where it fits;
//! - `digits`: the driver, [`decimals`];
//! - `progress`: one monotonic fraction from the phases;
//! - `control`: what the caller sees; `checksums`: the known checksums.

mod approximation;
mod checksums;
mod chudnovsky;
mod common_factors;
mod control;
mod cost;
mod decimal;
mod detach;
mod digits;
#[cfg(test)]
pub(crate) mod fixture;
mod guard;
mod memory;
mod progress;
mod sieve;
mod tree_shape;

pub use checksums::{ChecksumMismatch, KnownChecksum, known_checksums, verify_known_checksums};
pub use control::{Cancelled, Control, Phase, Progress, Unobserved};
pub use digits::{Options, decimals, estimated_work};
pub use memory::{largest_fitting, peak_memory};
