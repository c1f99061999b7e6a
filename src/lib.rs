//! Pilane computes the decimal digits of pi on demand and shows every request as a live task.
//!
//! The layers, and the only directions they depend in (docs/ARCHITECTURE.md has the whole
//! picture, the path of a task and the why of each choice):
//!
//! ```text
//! web ──► tasks ──► domain   (pure types, no I/O)
//!  │        ├────► pi, search  (the engine and the digit index: pure computation)
//!  │        ├────► cluster ─► storage, events  (leases, the relay between instances)
//!  │        ├────► storage  (SeaORM; the only place that knows SQL)
//!  │        └────► events   (the change bus)
//!  └──► web::views (maud)
//! app wires everything: config, telemetry, startup, the drain, signals
//! ```

pub mod app;
pub mod cluster;
pub mod config;
pub mod domain;
pub mod events;
pub mod pi;
pub mod search;
pub mod storage;
pub mod tasks;
pub mod telemetry;
pub mod web;
