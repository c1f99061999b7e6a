//! The command line, read once at startup. Every flag can also come from the environment; clap
//! names the flag or variable that was wrong and exits before anything starts.

use std::{net::SocketAddr, num::NonZeroUsize, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "pilane",
    version,
    about = "Computes the decimal digits of pi on demand, with a live task table."
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// With no subcommand, `pilane` serves.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve(ServeArgs),
    /// Print `3.` and N decimals of pi to stdout; no server, no database.
    Digits(DigitsArgs),
    /// Apply the database migrations and exit.
    Migrate(MigrateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PILANE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Tasks computed at once [default: the number of cores].
    #[arg(long, env = "PILANE_WORKERS")]
    pub workers: Option<NonZeroUsize>,
    /// Threads each computation may use [default: the cores no other computation is using].
    #[arg(long, env = "PILANE_THREADS")]
    pub threads: Option<NonZeroUsize>,
    /// The largest n a task may ask for.
    #[arg(long, env = "PILANE_MAX_DIGITS", default_value_t = 100_000_000)]
    pub max_digits: u64,
    /// Seconds to finish in-flight work after SIGTERM or SIGINT before exiting.
    #[arg(long, env = "PILANE_SHUTDOWN_GRACE", default_value_t = 25)]
    pub shutdown_grace: u64,
    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `sqlite:` path (created if missing) or `postgres://` URL.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://pilane.db")]
    pub database_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct DigitsArgs {
    /// How many decimals after the point.
    pub n: u64,
    /// Threads to compute with.
    #[arg(long, default_value = "1")]
    pub threads: NonZeroUsize,
    /// Print the time of each phase to stderr.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Log format; filter with RUST_LOG.
    #[arg(long, env = "PILANE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// What the server runs with, resolved from [`ServeArgs`].
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub database_url: String,
    pub workers: usize,
    /// `None`: each computation gets the cores no other one holds.
    pub threads_per_task: Option<usize>,
    pub max_digits: u64,
    pub shutdown_grace: Duration,
}

impl From<&ServeArgs> for Config {
    fn from(args: &ServeArgs) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        Self {
            bind: args.bind,
            database_url: args.database.database_url.clone(),
            workers: args.workers.map_or(cores, NonZeroUsize::get),
            threads_per_task: args.threads.map(NonZeroUsize::get),
            max_digits: args.max_digits,
            shutdown_grace: Duration::from_secs(args.shutdown_grace),
        }
    }
}

impl Config {
    /// A configuration for tests and embedding: a given database, an OS-chosen port.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.into(),
            workers: 2,
            threads_per_task: Some(1),
            max_digits: 1_000_000,
            shutdown_grace: Duration::from_secs(25),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_pilane_serves_with_the_documented_defaults() {
        let cli = Cli::try_parse_from(["pilane"]).map_err(|e| e.to_string());
        let cli = cli.as_ref().map(|cli| Config::from(&cli.serve));
        let config = cli.as_ref().ok();
        assert_eq!(
            config.map(|c| c.bind.to_string()),
            Some("127.0.0.1:8080".to_owned())
        );
        assert_eq!(config.map(|c| c.max_digits), Some(100_000_000));
        // Each computation gets the cores no other one holds.
        assert_eq!(config.map(|c| c.threads_per_task), Some(None));
        assert_eq!(
            config.map(|c| c.shutdown_grace),
            Some(Duration::from_secs(25))
        );
    }

    #[test]
    fn digits_takes_n_and_threads() {
        let cli = Cli::try_parse_from(["pilane", "digits", "50", "--threads", "2"]).ok();
        let Some(Cli {
            command: Some(Command::Digits(args)),
            ..
        }) = cli
        else {
            panic!("`pilane digits 50 --threads 2` did not parse as digits");
        };
        assert_eq!((args.n, args.threads.get()), (50, 2));
    }

    #[test]
    fn a_bad_flag_value_is_refused_with_its_name() {
        let error = Cli::try_parse_from(["pilane", "serve", "--workers", "0"])
            .err()
            .map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("--workers")));
    }
}
