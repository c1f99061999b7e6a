//! The HTTP/1.1 server under the router: accepting, per-connection limits, and the graceful drain.
//!
//! `axum::serve` is not used because it has no header-read timeout: a client that sends half a
//! request header would hold its connection (and a file descriptor) forever. hyper's own
//! connection builder has one once it is given a timer; hyper-util supplies the tokio glue and
//! the graceful shutdown of open connections.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{Router, extract::ConnectInfo, http::Request};
use futures_util::FutureExt;
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;
use tracing::{debug, warn};

/// After an accept error (out of file descriptors, say), wait this long instead of spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);
/// How long connections that have not had a request read yet get before the drain begins.
const SETTLE_LIMIT: Duration = Duration::from_secs(1);
const SETTLE_POLL: Duration = Duration::from_millis(5);

/// Serves `app` on `listener` until `stop_accepting` fires, then asks every open connection to
/// finish the request it is on and close, and returns once all have. Callers bound the wait:
/// a client that stops reading would hold it open.
///
/// Closing a kept-alive connection races with a client sending on it. So from the shutdown
/// signal on, every answer closes its connection (see `close_when_draining` in the router), and
/// live streams never keep theirs: by the time the socket stops accepting, few idle connections
/// are left for this final close.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    header_timeout: Duration,
    stop_accepting: CancellationToken,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let connections = GracefulShutdown::new();
    // Connections accepted whose first request has not reached the router yet.
    let unheard = Arc::new(AtomicUsize::new(0));
    loop {
        let accepted = tokio::select! {
            biased;
            () = stop_accepting.cancelled() => {
                // Connections the kernel already completed would be reset when the listener
                // closes: take them, and serve them like the others.
                match listener.accept().now_or_never() {
                    Some(accepted) => accepted,
                    None => break,
                }
            }
            accepted = listener.accept() => accepted,
        };
        let (stream, remote) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                warn!(error = %err, "could not accept a connection");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let heard = Heard::new(&unheard);
        let first_request = heard.clone();
        // Handlers and the rate limiter see the client's address as axum's `ConnectInfo`.
        let service = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                first_request.mark();
                request
                    .extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(remote));
                request
            });
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = connections.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                // Clients hang up mid-request all the time; that is theirs to worry about.
                debug!(error = %err, client = %remote, "connection ended with an error");
            }
            heard.mark();
        });
    }
    drop(listener);
    // hyper closes a connection with no request in flight at once, and one accepted a moment
    // ago may not have had its request read yet: its client would see a reset. Wait (briefly)
    // until every connection has been heard; kept-alive ones from before are idle and close.
    let settling = tokio::time::Instant::now();
    while unheard.load(Ordering::Acquire) > 0 && settling.elapsed() < SETTLE_LIMIT {
        tokio::time::sleep(SETTLE_POLL).await;
    }
    debug!(open = connections.count(), "closing open connections");
    connections.shutdown().await;
}

/// One connection's place in the count of connections not heard from yet, given up at its first
/// request or its end, whichever comes first.
#[derive(Clone)]
struct Heard {
    counted: Arc<AtomicBool>,
    unheard: Arc<AtomicUsize>,
}

impl Heard {
    fn new(unheard: &Arc<AtomicUsize>) -> Self {
        unheard.fetch_add(1, Ordering::AcqRel);
        Self {
            counted: Arc::new(AtomicBool::new(true)),
            unheard: unheard.clone(),
        }
    }

    fn mark(&self) {
        if self.counted.swap(false, Ordering::AcqRel) {
            self.unheard.fetch_sub(1, Ordering::AcqRel);
        }
    }
}
