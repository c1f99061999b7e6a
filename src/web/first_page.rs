//! The first page of the task table, kept as it was last rendered: what every visitor loads
//! (`GET /`), what a resyncing table fetches (its rows, for htmx), and the API's default list
//! (`GET /api/tasks`).
//!
//! Reading them from the database costs a few queries whose rows each cross a thread (SQLite's
//! driver runs on a worker of its own); serving kept bytes costs nothing. A kept answer is good
//! for as long as nothing changed: every change, made here or through another instance (which
//! the relay delivers here), moves the bus's count ([`Queries::changes_heard`]), and an answer
//! made at another count is made again. So the first page is exactly as fresh as the live table:
//! a change shows in it as soon as the live feed has it. What changes without a message (an
//! estimate once this machine's speed is measured, digit counts filled in after an upgrade)
//! shows within [`MAX_AGE`].
//!
//! One request makes a stale answer again while the others wait for it, instead of every
//! request reading the database at once after each change. `/metrics` counts the answers kept
//! and made (`pilane_first_page_answers_total`).

use std::{
    future::Future,
    sync::{PoisonError, RwLock},
    time::{Duration, Instant},
};

use axum::body::Bytes;

use super::WebError;
use crate::tasks::Queries;

/// The longest a kept answer is served without being made again.
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// The kept answers, one per kind; shared by every handler through `AppState`.
pub struct FirstPage {
    pub page: Kept,
    pub rows: Kept,
    pub api_list: Kept,
}

impl Default for FirstPage {
    fn default() -> Self {
        Self {
            page: Kept::named("page"),
            rows: Kept::named("rows"),
            api_list: Kept::named("api_list"),
        }
    }
}

/// One answer's body, with the count of changes it was made at.
pub struct Kept {
    /// Its label in `/metrics`.
    kind: &'static str,
    body: RwLock<Option<Made>>,
    /// Held by the one request making the answer again.
    making: tokio::sync::Mutex<()>,
}

struct Made {
    changes_heard: u64,
    at: Instant,
    body: Bytes,
}

impl Kept {
    fn named(kind: &'static str) -> Self {
        Self {
            kind,
            body: RwLock::default(),
            making: tokio::sync::Mutex::default(),
        }
    }

    /// The kept body if it is current, or the body `make` reads and renders, kept for the next
    /// requests.
    pub async fn get_or_make<F, Fut>(&self, queries: &Queries, make: F) -> Result<Bytes, WebError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Bytes, WebError>>,
    {
        if let Some(body) = self.current(queries.changes_heard()) {
            self.count("kept");
            return Ok(body);
        }
        let _making = self.making.lock().await;
        // Counted before reading: a change that commits while `make` reads moves the count, and
        // what `make` read is then made again by the next request.
        let changes_heard = queries.changes_heard();
        if let Some(body) = self.current(changes_heard) {
            self.count("kept");
            return Ok(body);
        }
        let body = make().await?;
        self.count("made");
        *self.body.write().unwrap_or_else(PoisonError::into_inner) = Some(Made {
            changes_heard,
            at: Instant::now(),
            body: body.clone(),
        });
        Ok(body)
    }

    fn count(&self, answer: &'static str) {
        metrics::counter!("pilane_first_page_answers_total", "kind" => self.kind, "answer" => answer)
            .increment(1);
    }

    fn current(&self, changes_heard: u64) -> Option<Bytes> {
        let kept = self.body.read().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref()
            .filter(|made| made.changes_heard == changes_heard && made.at.elapsed() < MAX_AGE)
            .map(|made| made.body.clone())
    }
}
