//! The digits of pi.
//!
//! [`compute`] computes the first $n$ decimals of pi after the point, truncated, with the
//! Chudnovsky series summed by binary splitting on malachite's integers, an integer square root
//! of $10005 \cdot 4^{B}$ and one integer division, which give pi in binary; its bits far after
//! the point are checked against Bellard's formula before one multiplication scales it to
//! decimal and a divide-and-conquer conversion writes the digits. Guard digits prove every
//! returned digit; the work can be spread over threads,
//! observed and cancelled through a [`Control`]. [`verify_known_checksums`] checks digits against
//! published SHA-256 checksums.
//!
//! One algorithm per file:
//! - `chudnovsky`: the series, by binary splitting, optionally on several threads;
//! - `tree_shape`: where the series' tree is cut, and which halves run on threads of their own;
//! - `common_factors`, `sieve`: the common factors of $P$ and $Q$ divided out at the series'
//!   merges, from a table of smallest prime factors;
//! - `approximation`: $\pi \cdot 2^B$, then $\pi \cdot 10^D$, to within 2 units from the series;
//! - `bbp`: bits of pi far after the point on their own, by Bellard's formula; `hex_check`: the
//!   binary result compared with them, at positions its cost allows;
//! - `guard`: whether guard digits decide a truncation;
//! - `decimal`: conversion to decimal, by divide and conquer over shared powers of ten, divided
//!   by their reciprocals;
//! - `product`: the biggest products in less memory, by one level of Karatsuba's method or in
//!   pieces; `division`: the one big division in less memory, in two halves;
//! - `detach`: big operations on their own thread, so a cancel is seen while they run;
//! - `cost`: what each step costs, so progress follows time; `memory`: the peak it holds, so
//!   a scheduler starts it only where it fits;
//! - `digits`: the driver, [`decimals`];
//! - `progress`: one monotonic fraction from the phases;
//! - `control`: what the caller sees; `checksums`: the known checksums.

mod approximation;
mod bbp;
mod checksums;
mod chudnovsky;
mod common_factors;
mod control;
mod cost;
mod decimal;
mod detach;
mod digits;
mod division;
#[cfg(test)]
pub(crate) mod fixture;
mod guard;
mod hex_check;
mod memory;
pub mod product;
mod progress;
mod sieve;
mod tree_shape;

pub use checksums::{ChecksumMismatch, KnownChecksum, known_checksums, verify_known_checksums};
pub use control::{Cancelled, Control, EngineError, Phase, Progress, Unobserved};
pub use digits::{Computed, Options, compute, decimals, estimated_work};
pub use hex_check::{HexCheck, HexMismatch};
pub use memory::{largest_fitting, peak_memory};
