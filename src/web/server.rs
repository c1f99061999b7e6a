//! The HTTP/1.1 server under the router: accepting, per-connection limits, and the graceful drain.
//!
//! `axum::serve` is not used because it has no header-read timeout: a client that sends half a
//! request header would hold its connection (and a file descriptor) forever. hyper's own
//! connection builder has one once it is given a timer; hyper-util supplies the tokio glue and
//! the graceful shutdown of open connections.

use std::{net::SocketAddr, time::Duration};

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
/// How long connections accepted last get to send their request before the drain begins.
const SETTLE: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` until `stop_accepting` fires, then asks every open connection to
/// finish the request it is on and close, and returns once all have. Callers bound the wait:
/// a client that stops reading would hold it open.
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
        // Handlers and the rate limiter see the client's address as axum's `ConnectInfo`.
        let service = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
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
        });
    }
    drop(listener);
    // A connection accepted a moment ago may not have had its request read yet, and hyper closes
    // a connection with no request in flight at once: its client would see a reset. Give those
    // requests a moment to arrive; then they count as in flight and are answered.
    tokio::time::sleep(SETTLE).await;
    debug!(open = connections.count(), "closing open connections");
    connections.shutdown().await;
}
