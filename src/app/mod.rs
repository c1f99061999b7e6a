//! Wiring: builds every part from the [`Config`], runs the server, and stops it cleanly.
//!
//! Startup: connect → migrate → recover → start the runner → bind → ready, each step logged
//! with its time. Shutdown: see [`shutdown`].

mod commands;
mod shutdown;
mod startup;

pub use commands::{print_digits, run_migrations};
pub use startup::App;
