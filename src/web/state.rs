use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use axum::extract::FromRef;
use tokio_util::sync::CancellationToken;

use super::{
    client_ip::TrustedProxies, first_page::FirstPage, live::LiveFeed, rate_limit::ClientLimiter,
};
use crate::{
    config::Limits,
    tasks::{Queries, Tasks},
};

/// Everything a handler may use, as cheap handles. Built once by `app`. Handlers take the whole
/// state; extractors that need one part of it (the client's address needs the trusted proxies)
/// ask for it through [`FromRef`].
#[derive(Clone)]
pub struct AppState {
    /// What changes a task: submit, cancel, retry.
    pub tasks: Tasks,
    /// What pages read.
    pub queries: Queries,
    pub live: LiveFeed,
    /// The table's first page and the API's default list, kept while nothing changes.
    pub first_page: Arc<FirstPage>,
    pub lifecycle: Lifecycle,
    pub limits: Limits,
    pub submissions: ClientLimiter,
    pub searches: ClientLimiter,
    pub proxies: TrustedProxies,
}

/// Where the process is in its life, as the web layer needs to know it.
#[derive(Clone, Default)]
pub struct Lifecycle {
    shutdown: CancellationToken,
    ready: Arc<AtomicBool>,
    sse_streams: Arc<AtomicUsize>,
}

impl Lifecycle {
    pub fn new(shutdown: CancellationToken) -> Self {
        Self {
            shutdown,
            ..Self::default()
        }
    }

    /// Fires when the process starts shutting down; streams end on it.
    pub fn shutdown(&self) -> &CancellationToken {
        &self.shutdown
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }

    /// Called once everything is started and the socket is bound.
    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire) && !self.is_shutting_down()
    }

    pub fn sse_streams(&self) -> usize {
        self.sse_streams.load(Ordering::Relaxed)
    }

    /// Counts an open SSE stream until the returned guard is dropped, unless `max` are open.
    pub fn track_stream(&self, max: usize) -> Option<StreamGuard> {
        self.sse_streams
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < max).then_some(open + 1)
            })
            .ok()?;
        Some(StreamGuard(self.sse_streams.clone()))
    }
}

pub struct StreamGuard(Arc<AtomicUsize>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl FromRef<AppState> for TrustedProxies {
    fn from_ref(state: &AppState) -> Self {
        state.proxies.clone()
    }
}
