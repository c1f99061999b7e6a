//! Wiring: builds every part from the [`Config`], runs the server, and stops it cleanly.
//!
//! Startup: connect → migrate → bind → recover → start the runner → ready, each step logged
//! with its time. The socket is bound before recovery (DESIGN.md binds after the runner starts):
//! a second process started by mistake on the same port then fails before it hands back the
//! first one's running tasks. Shutdown: see [`shutdown`].

mod commands;
mod shutdown;
mod startup;

pub use commands::{print_digits, run_migrations};
pub use startup::App;
