//! Digit counts for the tasks done before they were counted at completion: counted once from the
//! store after startup, smallest first, and kept.

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::RunContext;
use crate::tasks::TaskResult;

impl RunContext {
    /// Counts and keeps the digits of every done task that has no counts yet, until `stop`.
    pub async fn count_digits_of_old_tasks(&self, stop: CancellationToken) -> TaskResult<()> {
        let uncounted = self.storage.done_without_digit_counts().await?;
        for task in uncounted {
            let counted = tokio::select! {
                () = stop.cancelled() => return Ok(()),
                counted = self.storage.count_digits(task.n.get()) => counted,
            };
            // One task that cannot be counted now does not hold up the others.
            match counted {
                Ok(counts) => {
                    self.storage.record_digit_counts(task.id, counts).await?;
                    info!(task_id = %task.id, n = task.n.get(), "digits of a task done earlier counted");
                }
                Err(err) => {
                    warn!(task_id = %task.id, error = %err, "could not count a task's digits")
                }
            }
        }
        Ok(())
    }
}
