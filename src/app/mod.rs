//! Wiring: builds every part from the [`Config`](crate::config::Config) in a few named steps
//! (`startup`), serves and drains (`drain`), listens for the signals that stop it (`shutdown`),
//! and runs the subcommands that do not serve (`commands`). docs/ARCHITECTURE.md ("Lifecycle")
//! gives the order of the steps and why.

mod commands;
mod drain;
mod memory_limit;
mod open_files;
mod shutdown;
mod startup;

pub use commands::{print_digits, run_migrations};
pub use startup::App;
#[cfg(test)]
pub(crate) use startup::{TestState, state_for_tests};
