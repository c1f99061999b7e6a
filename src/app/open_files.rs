//! Every live stream holds a socket, so the number of streams one instance can hold is bounded
//! by its open-files limit. At start the soft limit is raised to the hard one (the kernel allows
//! that without privileges), and the default `--max-streams` follows from what it then is.

use tracing::{info, warn};

/// Files kept free for everything but live streams: the database pool and its files, the
/// listener, requests in flight, logs.
const RESERVED: u64 = 1_024;
/// The most live streams one instance holds by default, whatever the limit allows.
pub const DEFAULT_MAX_STREAMS: u64 = 10_000;
/// The fewest streams the default allows, however low the limit.
const MIN_STREAMS: u64 = 64;

/// The soft open-files limit before and after raising it, and the hard limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    pub soft_before: u64,
    pub soft: u64,
    pub hard: u64,
}

/// Raises the soft limit to the hard one and logs both. `None` where there are no such limits.
pub fn raise() -> Option<OpenFiles> {
    let (soft_before, hard) = rlimit::Resource::NOFILE.get().ok()?;
    // As far as the hard limit, or on macOS as far as the kernel allows (its hard limit is
    // "unlimited", which setrlimit refuses).
    let soft = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(soft) => soft,
        Err(err) => {
            warn!(error = %err, soft = soft_before, hard, "could not raise the open-files limit");
            soft_before
        }
    };
    let limits = OpenFiles {
        soft_before,
        soft,
        hard,
    };
    info!(
        soft_before,
        soft,
        hard,
        max_streams_by_default = default_max_streams(Some(limits)),
        "open-files limit"
    );
    Some(limits)
}

/// The default `--max-streams`: [`DEFAULT_MAX_STREAMS`], or fewer when the open-files limit
/// leaves less than that beside the [`RESERVED`] files.
pub fn default_max_streams(limits: Option<OpenFiles>) -> usize {
    let by_limit = limits.map_or(DEFAULT_MAX_STREAMS, |limits| {
        limits.soft.saturating_sub(RESERVED).max(MIN_STREAMS)
    });
    usize::try_from(by_limit.min(DEFAULT_MAX_STREAMS)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(soft: u64) -> Option<OpenFiles> {
        Some(OpenFiles {
            soft_before: soft,
            soft,
            hard: soft,
        })
    }

    #[test]
    fn a_high_limit_gives_ten_thousand_streams_and_a_low_one_what_it_leaves() {
        assert_eq!(default_max_streams(limits(1_048_576)), 10_000);
        assert_eq!(default_max_streams(limits(4_096)), 3_072);
        assert_eq!(default_max_streams(limits(1_024)), 64);
        assert_eq!(default_max_streams(None), 10_000);
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        let raised = raise().expect("this system has open-files limits");
        assert!(
            raised.soft == raised.hard || cfg!(target_os = "macos"),
            "{raised:?}"
        );
        assert!(raised.soft >= raised.soft_before);
    }
}
