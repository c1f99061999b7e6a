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
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
    service::TowerToHyperService,
};
use tokio::net::{TcpListener, TcpStream};
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
    let serve_connection = |stream: TcpStream, remote: SocketAddr| {
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
    };
    loop {
        let accepted = tokio::select! {
            biased;
            () = stop_accepting.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, remote)) => serve_connection(stream, remote),
            Err(err) => {
                warn!(error = %err, "could not accept a connection");
                tokio::time::sleep(ACCEPT_BACKOFF).await;
            }
        }
    }
    // Connections the kernel already completed would be reset when the listener closes: take
    // them, and serve them like the others. They are taken with `accept` itself until the queue
    // is empty, not through tokio's readiness, which can lag the kernel by a reactor turn (long
    // enough, under load, for a client's request to land in the queue and then be reset).
    for (stream, remote) in backlog(listener) {
        serve_connection(stream, remote);
    }
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

/// Accepts what is left in `listener`'s queue, until the kernel says it is empty, and closes it.
fn backlog(listener: TcpListener) -> Vec<(TcpStream, SocketAddr)> {
    let mut accepted = Vec::new();
    let listener = match listener.into_std() {
        Ok(listener) => listener,
        Err(err) => {
            warn!(error = %err, "could not take the last connections off the socket");
            return accepted;
        }
    };
    loop {
        let taken = listener.accept().and_then(|(stream, remote)| {
            // Accepted sockets do not inherit the listener's non-blocking mode.
            stream.set_nonblocking(true)?;
            Ok((TcpStream::from_std(stream)?, remote))
        });
        match taken {
            Ok(connection) => accepted.push(connection),
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => return accepted,
            Err(err) => {
                // Out of file descriptors, say: the rest of the queue is reset with the socket.
                warn!(error = %err, "could not accept a connection at the close");
                return accepted;
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_connection_waiting_in_the_queue_at_the_close_is_taken_not_reset() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a socket");
        let address = listener.local_addr().expect("its address");
        // The kernel completes these handshakes on its own; nobody has accepted them yet, and
        // tokio has not been asked whether the socket is readable.
        let clients: Vec<_> = (0..5)
            .map(|_| std::net::TcpStream::connect(address).expect("a connection"))
            .collect();

        let taken = backlog(listener);

        assert_eq!(taken.len(), clients.len());
        let mut ports: Vec<_> = taken.iter().map(|(_, remote)| remote.port()).collect();
        let mut expected: Vec<_> = clients
            .iter()
            .map(|client| client.local_addr().expect("its address").port())
            .collect();
        ports.sort_unstable();
        expected.sort_unstable();
        assert_eq!(ports, expected, "the queued clients, each once");
    }
}
