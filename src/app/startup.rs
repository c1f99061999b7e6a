use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use anyhow::Context;
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::{
    cluster::{self, Instance},
    config::Config,
    events::Bus,
    storage::{FileLock, Lost, Storage, lock_sqlite_file},
    tasks::{Cores, Runner, RunnerConfig, TaskLimits, Tasks},
    web::{AppState, Lifecycle, SubmitLimiter, TrustedProxies, live::LiveFeed, router, server},
};

/// How often the runner looks for work nobody announced.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How often shutdown looks whether every live stream has ended.
const STREAMS_POLL: Duration = Duration::from_millis(10);
/// At shutdown, how long the last announcements to other instances may take.
const ANNOUNCE_DRAIN: Duration = Duration::from_secs(1);

/// A built application: database ready, runner started, socket bound, not serving yet.
pub struct App {
    listener: TcpListener,
    state: AppState,
    storage: Storage,
    runner: JoinHandle<()>,
    shutdown: CancellationToken,
    grace: Duration,
    drain_linger: Duration,
    header_timeout: Duration,
    /// Stops the heartbeat and the announcements once the runner has handed its tasks back.
    cluster_stop: CancellationToken,
    announcer: Option<JoinHandle<()>>,
    /// On SQLite, this process's claim on the file, held until it exits.
    file_lock: Option<FileLock>,
}

impl App {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let started = Instant::now();
        let step = Instant::now();
        let storage = Storage::connect(&config.database_url)
            .await
            .with_context(|| format!("could not open the database at {}", config.database_url))?;
        info!(
            backend = storage.backend_name(),
            elapsed_ms = ms(step),
            "connected to the database"
        );

        // Before anything writes: a second process on the same SQLite file stops here.
        let file_lock = lock_sqlite_file(&config.database_url)?;

        let step = Instant::now();
        storage
            .migrate()
            .await
            .context("could not apply the database migrations")?;
        info!(elapsed_ms = ms(step), "migrations applied");

        // Bound before recovery: a second process started by mistake on the same port stops
        // here, before it could take back anything.
        let step = Instant::now();
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("could not listen on {}", config.bind))?;
        info!(address = %listener.local_addr()?, elapsed_ms = ms(step), "listening");

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
        let shutdown = CancellationToken::new();
        let cluster_stop = CancellationToken::new();
        // Until the very end: the drain's hand-backs fail fast, too, while Postgres is away.
        tokio::spawn(storage.clone().watch_reachability(cluster_stop.clone()));
        let announcer = outgoing.map(|outgoing| {
            tokio::spawn(cluster::relay::announce(
                storage.clone(),
                instance.origin().to_owned(),
                outgoing,
                cluster_stop.clone(),
            ))
        });

        // Alone on a SQLite file, whatever is running was left by a process that is gone; on a
        // shared database, only what no live instance renewed.
        let step = Instant::now();
        let lost = if shared {
            Lost::LeaseExpired
        } else {
            Lost::All
        };
        let recovered = cluster::leases::take_back(&storage, &bus, &instance, lost)
            .await
            .context("could not take back tasks left running")?;
        info!(
            recovered,
            elapsed_ms = ms(step),
            "took back tasks left running by a stopped process"
        );
        if shared {
            tokio::spawn(cluster::leases::sweep(
                storage.clone(),
                bus.clone(),
                instance.clone(),
                shutdown.clone(),
            ));
            tokio::spawn(cluster::relay::listen(
                storage.clone(),
                bus.clone(),
                instance.origin().to_owned(),
                shutdown.clone(),
            ));
        }
        info!(
            instance = instance.id(),
            lease_s = instance.lease().as_secs(),
            max_attempts = instance.max_attempts(),
            shared,
            "instance"
        );

        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let tasks = Tasks::new(
            storage.clone(),
            bus,
            TaskLimits {
                max_digits: config.max_digits,
                max_queue: config.limits.max_queue,
            },
            Cores::new(cores, config.threads_per_task),
            instance,
        );
        let running = tasks.clone();
        tokio::spawn(cluster::leases::heartbeat(
            storage.clone(),
            tasks.instance().clone(),
            move || running.live_runs(),
            cluster_stop.clone(),
        ));
        let runner = Runner::new(
            tasks.clone(),
            RunnerConfig {
                workers: config.workers,
                poll_interval: POLL_INTERVAL,
                // A quarter of the grace period: what is left of it covers storing the digits
                // and the rest of the drain.
                finish_within: config.shutdown_grace / 4,
            },
        );
        let runner = tokio::spawn(runner.run(shutdown.clone()));
        info!(
            workers = config.workers,
            cores,
            threads_per_task = ?config.threads_per_task,
            "runner started"
        );
        // Measured after the socket is bound and the runner started: the estimates it feeds are
        // a nicety, and a fresh database takes a few tens of milliseconds of one core for it.
        let calibrating = tasks.clone();
        tokio::spawn(async move {
            if let Err(err) = calibrating.load_engine_rate().await {
                warn!(error = %err, "could not learn the engine's speed; no time estimates yet");
            }
        });

        let live = LiveFeed::start(tasks.clone(), shutdown.clone());
        // Installed before the first request, so every series starts from the first one.
        let _ = crate::telemetry::metrics();
        let state = AppState {
            tasks,
            live,
            lifecycle: Lifecycle::new(shutdown.clone()),
            limits: config.limits,
            submissions: SubmitLimiter::new(&config.limits),
            proxies: TrustedProxies::new(&config.trusted_proxies),
        };
        info!(total_ms = ms(started), "started");
        Ok(Self {
            listener,
            state,
            storage,
            runner,
            shutdown,
            grace: config.shutdown_grace,
            drain_linger: config.drain_linger,
            header_timeout: config.limits.header_timeout,
            cluster_stop,
            announcer,
            file_lock,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn port(&self) -> u16 {
        self.local_addr().map_or(0, |addr| addr.port())
    }

    /// Cancelling this token shuts the app down as a signal would.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until SIGTERM or SIGINT, then shuts down within the grace period.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        super::shutdown::on_signals(
            self.shutdown.clone(),
            self.grace,
            self.state.lifecycle.clone(),
            self.state.tasks.clone(),
        );
        self.serve().await
    }

    /// Serves until the shutdown token fires, then drains: the runner hands running tasks back
    /// to the queue, live streams send `shutdown` and end, the socket keeps answering (readiness
    /// 503, submissions 503 with Retry-After) for at least the drain linger, then stops accepting;
    /// open connections finish the request they are on; the pool closes.
    pub async fn serve(self) -> anyhow::Result<()> {
        let Self {
            listener,
            state,
            storage,
            runner,
            shutdown,
            grace,
            drain_linger,
            header_timeout,
            cluster_stop,
            announcer,
            file_lock,
        } = self;
        let lifecycle = state.lifecycle.clone();
        let stop_accepting = CancellationToken::new();
        let server = tokio::spawn(server::serve(
            listener,
            router(state),
            header_timeout,
            stop_accepting.clone(),
        ));
        lifecycle.set_ready();
        info!("ready");

        shutdown.cancelled().await;
        // Each wait below is bounded, so a client that stops reading, or a run stuck on the
        // database, cannot keep the pool from closing before the watchdog's deadline. Whatever
        // is left running is requeued by the next start.
        let signalled = tokio::time::Instant::now();
        let halfway = signalled + grace / 2;
        let last_call = signalled + grace.saturating_sub(Duration::from_secs(2)).max(grace / 2);
        match tokio::time::timeout_at(halfway, runner).await {
            Ok(joined) => joined.context("the runner panicked")?,
            Err(_) => warn!("running tasks did not stop in time; the next start requeues them"),
        }
        // The hand-backs are announced before the others stop hearing from this instance.
        cluster_stop.cancel();
        if let Some(announcer) = announcer
            && tokio::time::timeout(ANNOUNCE_DRAIN, announcer)
                .await
                .is_err()
        {
            warn!("could not announce the last changes to the other instances in time");
        }
        let streams_closed = tokio::time::timeout_at(halfway, async {
            while lifecycle.sse_streams() > 0 {
                tokio::time::sleep(STREAMS_POLL).await;
            }
        })
        .await;
        if streams_closed.is_err() {
            warn!(
                open_streams = lifecycle.sse_streams(),
                "some live streams did not close in time"
            );
        }
        info!("tasks handed back and live streams closed");
        tokio::time::sleep_until(signalled + drain_linger).await;
        stop_accepting.cancel();
        match tokio::time::timeout_at(last_call, server).await {
            Ok(joined) => joined.context("the server panicked")?,
            Err(_) => warn!("some connections were still busy at the deadline; closing anyway"),
        }
        info!("HTTP connections drained");
        storage
            .close()
            .await
            .context("could not close the database")?;
        drop(file_lock);
        info!("database closed; bye");
        Ok(())
    }
}

fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}
