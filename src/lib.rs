//! Pilane computes the decimal digits of pi on demand and shows every request as a live task.
//!
//! The layers, and the only directions they depend in:
//!
//! ```text
//! web ──► tasks ──► domain   (pure types, no I/O)
//!  │        ├────► pi       (the engine: pure computation)
//!  │        ├────► cluster ─► storage  (SeaORM; the only place that knows SQL)
//!  │        │          └───► events   (the change bus)
//!  │        └────► storage, events
//!  └──► web::views (maud)    app wires everything: config, telemetry, startup, shutdown
//! ```
//!
//! `cluster` is what lets several instances share one Postgres: leases and their sweeper, and
//! the relay that announces changes between instances.
//!
//! ```text
//! ```

pub mod app;
pub mod cluster;
pub mod config;
pub mod domain;
pub mod events;
pub mod pi;
pub mod storage;
pub mod tasks;
pub mod telemetry;
pub mod web;
