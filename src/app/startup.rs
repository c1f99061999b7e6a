//! Startup, as the named steps docs/ARCHITECTURE.md ("Lifecycle") lists: open the database,
//! bind, join the cluster (recovering what a stopped process left running), start the runner,
//! build the web state. Every background loop is spawned on one [`TaskTracker`], which the drain
//! ([`super::drain`]) waits on.

use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::{info, warn};

use crate::{
    cluster::{self, Instance},
    config::Config,
    events::Bus,
    storage::{FileLock, Lost, Storage, lock_sqlite_file},
    tasks::{Cores, RunContext, Runner, RunnerConfig, TaskLayer, TaskLimits},
    web::{AppState, ClientLimiter, Lifecycle, TrustedProxies, live::LiveFeed},
};

/// How often the runner looks for work nobody announced.
const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// A built application: database ready, runner started, socket bound, not serving yet.
pub struct App {
    pub(super) listener: TcpListener,
    pub(super) state: AppState,
    pub(super) storage: Storage,
    /// On SQLite, this process's claim on the file, held until it exits.
    pub(super) file_lock: Option<FileLock>,
    pub(super) stops: Stops,
    pub(super) runner: JoinHandle<()>,
    pub(super) announcer: Option<JoinHandle<()>>,
    /// Every background loop, the runner and the announcer included.
    pub(super) background: TaskTracker,
    pub(super) grace: Duration,
    pub(super) drain_linger: Duration,
    pub(super) header_timeout: Duration,
}

/// The two moments background work stops at.
#[derive(Clone, Default)]
pub(super) struct Stops {
    /// SIGTERM or SIGINT (or a test): stop claiming, hand tasks back, close streams.
    pub(super) shutdown: CancellationToken,
    /// After the runner has handed its tasks back: stop the heartbeat, the announcements and the
    /// reachability watch, which the hand-backs still needed.
    pub(super) cluster: CancellationToken,
}

/// What joining the cluster gives the rest of startup.
struct Membership {
    instance: Instance,
    bus: Bus,
    announcer: Option<JoinHandle<()>>,
}

impl App {
    pub async fn build(mut config: Config) -> anyhow::Result<Self> {
        let started = Instant::now();
        let open_files = super::open_files::raise();
        if config.streams_follow_open_files {
            config.limits.max_streams = super::open_files::default_max_streams(open_files);
        }
        let (storage, file_lock) = open_database(&config).await?;
        // Bound before recovery: a second process started by mistake on the same port stops
        // here, before it could take back anything.
        let listener = bind(&config).await?;
        let stops = Stops::default();
        let background = TaskTracker::new();
        let membership = join_cluster(&storage, &config, &stops, &background).await?;
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let layer = TaskLayer::new(
            storage.clone(),
            membership.bus,
            TaskLimits {
                max_digits: config.max_digits,
                max_queue: config.limits.max_queue,
            },
            Cores::new(cores, config.threads_per_task),
            membership.instance,
            super::memory_limit::budget(config.memory_budget),
        );
        let runner = start_runner(&layer.runs, &config, &storage, &stops, &background);
        info!(
            workers = config.workers,
            cores,
            threads_per_task = ?config.threads_per_task,
            "runner started"
        );
        // Measured after the socket is bound and the runner started: the estimates it feeds are
        // a nicety, and a fresh database takes a few tens of milliseconds of one core for it.
        let calibrating = layer.runs.clone();
        background.spawn(async move {
            if let Err(err) = calibrating.calibrate().await {
                warn!(error = %err, "could not learn the engine's speed; no time estimates yet");
            }
        });
        follow_the_store(&layer, &storage, &stops, &background);
        let state = web_state(layer, &config, &stops, &background);
        info!(total_ms = ms(started), "started");
        Ok(Self {
            listener,
            state,
            storage,
            file_lock,
            stops,
            runner,
            announcer: membership.announcer,
            background,
            grace: config.shutdown_grace,
            drain_linger: config.drain_linger,
            header_timeout: config.limits.header_timeout,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    pub fn port(&self) -> u16 {
        self.local_addr().map_or(0, |addr| addr.port())
    }

    /// Cancelling this token shuts the app down as a signal would.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.stops.shutdown.clone()
    }

    /// Every background loop the app started. Once [`App::serve`] has returned it is empty:
    /// nothing the app spawned outlives it.
    pub fn background_tasks(&self) -> TaskTracker {
        self.background.clone()
    }
}

/// Connects, takes the SQLite file lock before anything writes (a second process on the same
/// file stops here), and applies the migrations.
async fn open_database(config: &Config) -> anyhow::Result<(Storage, Option<FileLock>)> {
    let step = Instant::now();
    let storage = Storage::connect(&config.database_url)
        .await
        .with_context(|| format!("could not open the database at {}", config.database_url))?;
    info!(
        backend = storage.backend_name(),
        elapsed_ms = ms(step),
        "connected to the database"
    );
    let file_lock = lock_sqlite_file(&config.database_url)?;
    let step = Instant::now();
    storage
        .migrate()
        .await
        .context("could not apply the database migrations")?;
    info!(elapsed_ms = ms(step), "migrations applied");
    Ok((storage, file_lock))
}

async fn bind(config: &Config) -> anyhow::Result<TcpListener> {
    let step = Instant::now();
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("could not listen on {}", config.bind))?;
    info!(address = %listener.local_addr()?, elapsed_ms = ms(step), "listening");
    Ok(listener)
}

/// Names this instance, starts what several instances on one database need (the reachability
/// watch, announcements, the sweeper, the listener), and takes back the tasks a stopped process
/// left running: alone on a SQLite file, all of them; on a shared database, only those no live
/// instance renewed.
async fn join_cluster(
    storage: &Storage,
    config: &Config,
    stops: &Stops,
    background: &TaskTracker,
) -> anyhow::Result<Membership> {
    let instance = Instance::new(
        config.instance_id.clone(),
        config.lease,
        config.max_attempts,
    );
    let shared = storage.is_shared();
    let (bus, outgoing) = if shared {
        let (bus, outgoing) = Bus::relayed();
        (bus, Some(outgoing))
    } else {
        (Bus::default(), None)
    };
    // Until the very end: the drain's hand-backs fail fast, too, while Postgres is away.
    background.spawn(storage.clone().watch_reachability(stops.cluster.clone()));
    let announcer = outgoing.map(|outgoing| {
        background.spawn(cluster::relay::announce(
            storage.clone(),
            instance.origin().to_owned(),
            outgoing,
            stops.cluster.clone(),
        ))
    });

    let step = Instant::now();
    let lost = if shared {
        Lost::LeaseExpired
    } else {
        Lost::All
    };
    let recovered = cluster::leases::take_back(storage, &bus, &instance, lost)
        .await
        .context("could not take back tasks left running")?;
    info!(
        recovered,
        elapsed_ms = ms(step),
        "took back tasks left running by a stopped process"
    );
    if shared {
        background.spawn(cluster::leases::sweep(
            storage.clone(),
            bus.clone(),
            instance.clone(),
            stops.shutdown.clone(),
        ));
        background.spawn(cluster::relay::listen(
            storage.clone(),
            bus.clone(),
            instance.origin().to_owned(),
            stops.shutdown.clone(),
        ));
    }
    info!(
        instance = instance.id(),
        lease_s = instance.lease().as_secs(),
        max_attempts = instance.max_attempts(),
        shared,
        "instance"
    );
    Ok(Membership {
        instance,
        bus,
        announcer,
    })
}

/// The heartbeat that keeps this instance's claims, and the runner itself.
fn start_runner(
    runs: &RunContext,
    config: &Config,
    storage: &Storage,
    stops: &Stops,
    background: &TaskTracker,
) -> JoinHandle<()> {
    let running = runs.clone();
    background.spawn(cluster::leases::heartbeat(
        storage.clone(),
        runs.instance().clone(),
        move || running.live_runs(),
        stops.cluster.clone(),
    ));
    let runner = Runner::new(
        runs.clone(),
        RunnerConfig {
            workers: config.workers,
            poll_interval: POLL_INTERVAL,
            // A quarter of the grace period: what is left of it covers storing the digits
            // and the rest of the drain.
            finish_within: config.shutdown_grace / 4,
        },
    );
    background.spawn(runner.run(stops.shutdown.clone()))
}

/// Keeps the search index as long as the digit store, and counts the digits of tasks done
/// before their counts were kept: both after the socket is bound, in the background.
fn follow_the_store(layer: &TaskLayer, storage: &Storage, stops: &Stops, background: &TaskTracker) {
    background.spawn(layer.index.clone().follow(
        storage.clone(),
        layer.queries.changes(),
        stops.shutdown.clone(),
    ));
    let runs = layer.runs.clone();
    let stop = stops.shutdown.clone();
    background.spawn(async move {
        if let Err(err) = runs.count_digits_of_old_tasks(stop).await {
            warn!(error = %err, "could not count the digits of tasks done earlier");
        }
    });
}

fn web_state(
    layer: TaskLayer,
    config: &Config,
    stops: &Stops,
    background: &TaskTracker,
) -> AppState {
    let live = LiveFeed::start(layer.queries.clone(), stops.shutdown.clone(), background);
    // Installed before the first request, so every series starts from the first one.
    let _ = crate::telemetry::metrics();
    AppState {
        tasks: layer.tasks,
        queries: layer.queries,
        live,
        first_page: Default::default(),
        lifecycle: Lifecycle::new(stops.shutdown.clone()),
        limits: config.limits,
        submissions: ClientLimiter::submissions(&config.limits),
        searches: ClientLimiter::searches(&config.limits),
        proxies: TrustedProxies::new(&config.trusted_proxies),
    }
}

/// The web state over the database a config names, with no runner and no cluster (nothing
/// computes): what the router's in-process tests drive.
#[cfg(test)]
pub(crate) struct TestState {
    pub(crate) state: AppState,
    /// Shuts the state down as a signal would.
    pub(crate) shutdown: CancellationToken,
    _file_lock: Option<FileLock>,
}

#[cfg(test)]
pub(crate) async fn state_for_tests(config: &Config) -> anyhow::Result<TestState> {
    let (storage, file_lock) = open_database(config).await?;
    let layer = TaskLayer::new(
        storage,
        Bus::default(),
        TaskLimits {
            max_digits: config.max_digits,
            max_queue: config.limits.max_queue,
        },
        Cores::new(1, config.threads_per_task),
        Instance::new(
            config.instance_id.clone(),
            config.lease,
            config.max_attempts,
        ),
        super::memory_limit::budget(config.memory_budget),
    );
    let stops = Stops::default();
    Ok(TestState {
        state: web_state(layer, config, &stops, &TaskTracker::new()),
        shutdown: stops.shutdown,
        _file_lock: file_lock,
    })
}

pub(super) fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}
