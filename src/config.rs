//! The command line, read once at startup. Every flag can also come from the environment; clap
//! names the flag or variable that was wrong and exits before anything starts.

use std::{
    net::{IpAddr, SocketAddr},
    num::{NonZeroU32, NonZeroUsize},
    time::Duration,
};

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

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
    #[arg(long, env = "PILANE_MAX_DIGITS", default_value_t = 1_000_000_000)]
    pub max_digits: u64,
    /// Memory the computations and the search index may hold together, like 8GiB, 8GB, 512MiB
    /// or 900MB; a task starts only when its estimated peak fits what is left [default: three
    /// quarters of what the machine or its cgroup allows].
    #[arg(long, env = "PILANE_MEMORY_BUDGET", value_parser = parse_bytes)]
    pub memory_budget: Option<u64>,
    /// Seconds to finish in-flight work after SIGTERM or SIGINT before exiting.
    #[arg(long, env = "PILANE_SHUTDOWN_GRACE", default_value_t = 25)]
    pub shutdown_grace: u64,
    /// Queued tasks at most; beyond it submissions get 503 with Retry-After.
    #[arg(long, env = "PILANE_MAX_QUEUE", default_value_t = Limits::DEFAULT.max_queue)]
    pub max_queue: u64,
    /// Open live streams (SSE) at most; beyond it new ones get 503 with Retry-After. By default
    /// 10,000, or fewer when the open-files limit (raised to its hard limit at start) leaves less
    /// than that beside 1,024 files for everything else.
    #[arg(long, env = "PILANE_MAX_STREAMS")]
    pub max_streams: Option<usize>,
    /// Submissions one client address may make in a burst...
    #[arg(long, env = "PILANE_SUBMIT_BURST", default_value_t = Limits::DEFAULT.submit_burst)]
    pub submit_burst: NonZeroU32,
    /// ...and per minute after it; beyond that it gets 429 with Retry-After.
    #[arg(long, env = "PILANE_SUBMIT_PER_MINUTE", default_value_t = Limits::DEFAULT.submit_per_minute)]
    pub submit_per_minute: NonZeroU32,
    /// Searches of the digits one client address may make in a burst (the page searches as a
    /// person types)...
    #[arg(long, env = "PILANE_SEARCH_BURST", default_value_t = Limits::DEFAULT.search_burst)]
    pub search_burst: NonZeroU32,
    /// ...and per minute after it; beyond that it gets 429 with Retry-After.
    #[arg(long, env = "PILANE_SEARCH_PER_MINUTE", default_value_t = Limits::DEFAULT.search_per_minute)]
    pub search_per_minute: NonZeroU32,
    /// Proxies (addresses or networks, comma-separated) whose requests name their client in
    /// `X-Forwarded-For`; the rate limit then counts that client instead of the proxy.
    #[arg(long, env = "PILANE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    pub trusted_proxies: Vec<IpNet>,
    /// Seconds an ordinary request may take before it is answered 503 (live streams are exempt).
    #[arg(long, env = "PILANE_REQUEST_TIMEOUT", default_value_t = Limits::DEFAULT.request_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Seconds a client may take to send a request's headers before the connection is closed.
    #[arg(long, env = "PILANE_HEADER_TIMEOUT", default_value_t = Limits::DEFAULT.header_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a claimed task stays this instance's without a heartbeat; after that another
    /// instance may take it back (heartbeats renew it every third of this).
    #[arg(long, env = "PILANE_LEASE", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub lease: u64,
    /// Runs of one task that may be lost with their instance (a crash, kill -9, a lost lease)
    /// before the task fails instead of running again.
    #[arg(long, env = "PILANE_MAX_ATTEMPTS", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: u32,
    /// This instance's name in the task table and the logs, unique among the instances sharing
    /// a database [default: host name, pid and a random tag].
    #[arg(long, env = "PILANE_INSTANCE_ID", value_parser = parse_instance_id)]
    pub instance_id: Option<String>,
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
    /// Print the time of each phase to stderr, the share the progress bar gives it, and the
    /// peak memory the process reached during it.
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

/// An instance id goes into the `owner` column (at most 128 characters) and into announcements
/// between instances, whose words are separated by spaces.
fn parse_instance_id(value: &str) -> Result<String, String> {
    if value.is_empty()
        || value.len() > 100
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("an instance id is 1 to 100 characters, with no spaces".to_owned());
    }
    Ok(value.to_owned())
}

/// A network (`10.0.0.0/8`, `fd00::/8`) or one address (`127.0.0.1`).
fn parse_network(value: &str) -> Result<IpNet, String> {
    let value = value.trim();
    value
        .parse::<IpNet>()
        .or_else(|_| value.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{value:?} is not an address or a network like 10.0.0.0/8"))
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
    /// Bytes; `None`: a share of what the machine allows, found at start.
    pub memory_budget: Option<u64>,
    pub shutdown_grace: Duration,
    /// How long the socket keeps answering after a shutdown signal (at least): long enough for
    /// clients and load balancers to see readiness fail and get 503s rather than refused
    /// connections.
    pub drain_linger: Duration,
    pub limits: Limits,
    /// Whether `limits.max_streams` is to follow the open-files limit (no `--max-streams`).
    pub streams_follow_open_files: bool,
    /// Peers whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpNet>,
    /// How long a claim holds without a heartbeat.
    pub lease: Duration,
    /// Lost runs of one task before it fails.
    pub max_attempts: u32,
    /// `None`: host name, pid and a random tag.
    pub instance_id: Option<String>,
}

/// What one client, or all of them together, may ask of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_queue: u64,
    pub max_streams: usize,
    pub submit_burst: NonZeroU32,
    pub submit_per_minute: NonZeroU32,
    pub search_burst: NonZeroU32,
    pub search_per_minute: NonZeroU32,
    /// Request bodies larger than this are refused with 413 (forms and JSON are a few bytes).
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    pub header_timeout: Duration,
}

impl Limits {
    pub const DEFAULT: Self = Self {
        max_queue: 10_000,
        max_streams: 10_000,
        submit_burst: NonZeroU32::new(20).expect("20 is not zero"),
        submit_per_minute: NonZeroU32::new(60).expect("60 is not zero"),
        search_burst: NonZeroU32::new(60).expect("60 is not zero"),
        search_per_minute: NonZeroU32::new(600).expect("600 is not zero"),
        // A form or JSON body with one number fits in a few bytes; 4 KiB leaves room for any
        // browser's extra fields.
        max_body_bytes: 4 * 1024,
        request_timeout: Duration::from_secs(30),
        header_timeout: Duration::from_secs(10),
    };
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
            memory_budget: args.memory_budget,
            shutdown_grace: Duration::from_secs(args.shutdown_grace),
            drain_linger: Duration::from_secs(1),
            limits: Limits {
                max_queue: args.max_queue,
                max_streams: args.max_streams.unwrap_or(Limits::DEFAULT.max_streams),
                submit_burst: args.submit_burst,
                submit_per_minute: args.submit_per_minute,
                search_burst: args.search_burst,
                search_per_minute: args.search_per_minute,
                max_body_bytes: Limits::DEFAULT.max_body_bytes,
                request_timeout: Duration::from_secs(args.request_timeout),
                header_timeout: Duration::from_secs(args.header_timeout),
            },
            streams_follow_open_files: args.max_streams.is_none(),
            trusted_proxies: args.trusted_proxies.clone(),
            lease: Duration::from_secs(args.lease),
            max_attempts: args.max_attempts,
            instance_id: args.instance_id.clone(),
        }
    }
}

/// A size in bytes as people write it: `8GiB` (2^30), `8GB` (10^9), `512MiB`, `900MB`, or a
/// plain number of bytes.
fn parse_bytes(input: &str) -> Result<u64, String> {
    input
        .trim()
        .parse::<bytesize::ByteSize>()
        .map(|size| size.as_u64())
        .map_err(|_| format!("{input:?} is not a size: write it like 8GiB, 8GB, 512MiB or 900MB"))
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
            memory_budget: None,
            shutdown_grace: Duration::from_secs(25),
            drain_linger: Duration::ZERO,
            // Tests submit in bursts from one address; the rate limit has tests of its own.
            limits: Limits {
                submit_burst: NonZeroU32::MAX,
                submit_per_minute: NonZeroU32::MAX,
                search_burst: NonZeroU32::MAX,
                search_per_minute: NonZeroU32::MAX,
                ..Limits::DEFAULT
            },
            streams_follow_open_files: false,
            trusted_proxies: Vec::new(),
            lease: Duration::from_secs(30),
            max_attempts: 3,
            instance_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memory_budget_is_read_in_binary_and_decimal_units() {
        assert_eq!(parse_bytes("8GiB"), Ok(8 << 30));
        assert_eq!(parse_bytes("8GB"), Ok(8_000_000_000));
        assert_eq!(parse_bytes("512MiB"), Ok(512 << 20));
        assert_eq!(parse_bytes("900MB"), Ok(900_000_000));
        assert_eq!(parse_bytes("1.5GiB"), Ok(3 << 29));
        assert!(parse_bytes("lots").is_err_and(|error| error.contains("like 8GiB")));
    }

    #[test]
    fn bare_pilane_serves_with_the_documented_defaults() {
        let cli = Cli::try_parse_from(["pilane"]).map_err(|e| e.to_string());
        let cli = cli.as_ref().map(|cli| Config::from(&cli.serve));
        let config = cli.as_ref().ok();
        assert_eq!(
            config.map(|c| c.bind.to_string()),
            Some("127.0.0.1:8080".to_owned())
        );
        assert_eq!(config.map(|c| c.max_digits), Some(1_000_000_000));
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
    fn an_instance_id_with_a_space_is_refused() {
        let refused = Cli::try_parse_from(["pilane", "serve", "--instance-id", "web 1"]);
        assert!(refused.is_err_and(|e| e.to_string().contains("no spaces")));
        let taken = Cli::try_parse_from(["pilane", "--instance-id", "web-1"]).ok();
        assert_eq!(
            taken.and_then(|cli| Config::from(&cli.serve).instance_id),
            Some("web-1".to_owned())
        );
    }

    #[test]
    fn a_bad_flag_value_is_refused_with_its_name() {
        let error = Cli::try_parse_from(["pilane", "serve", "--workers", "0"])
            .err()
            .map(|e| e.to_string());
        assert!(error.is_some_and(|e| e.contains("--workers")));
    }
}
