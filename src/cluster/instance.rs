use std::{
    hash::{BuildHasher, RandomState},
    sync::Arc,
    time::Duration,
};

/// This process, as the other instances sharing its database see it.
#[derive(Debug, Clone)]
pub struct Instance {
    id: Arc<str>,
    /// The id and a tag of this process's own: see [`Instance::origin`].
    origin: Arc<str>,
    lease: Duration,
    max_attempts: u32,
}

impl Instance {
    /// `id` names this instance in the task table and the logs; by default the host name, the
    /// process id and a random tag, unique even among processes started together.
    pub fn new(id: Option<String>, lease: Duration, max_attempts: u32) -> Self {
        let id = id.unwrap_or_else(default_id);
        let origin = format!("{id}{ORIGIN_SEPARATOR}{:08x}", random_tag());
        Self {
            id: id.into(),
            origin: origin.into(),
            lease,
            max_attempts: max_attempts.max(1),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// This process's name in announcements: its id, [`ORIGIN_SEPARATOR`] and a random tag.
    /// Ids should be unique, but two instances given the same one by mistake must still tell
    /// their own announcements from each other's (see [`id_of_origin`]).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// How long a claim holds without a heartbeat.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// How many runs of one task may be lost with their instance before it fails.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Three heartbeats per lease: one late or failed beat does not lose it.
    pub fn heartbeat_interval(&self) -> Duration {
        self.lease / 3
    }

    /// How often the sweeper looks for expired leases: a lost task waits at most a lease and
    /// this long before it is queued again.
    pub fn sweep_interval(&self) -> Duration {
        self.lease / 3
    }
}

fn default_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| {
            // Announcements separate their words with spaces; the owner column holds 128.
            let name: String = name
                .trim()
                .chars()
                .filter(|c| c.is_ascii_graphic())
                .collect();
            name.chars().take(64).collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "pilane".to_owned());
    let tag = random_tag() & 0xffff;
    format!("{host}-{}-{tag:04x}", std::process::id())
}

/// Ends an instance id in an [`Instance::origin`]; the tag after it has none, so the last one
/// is the separator even in an id that holds some.
const ORIGIN_SEPARATOR: char = '/';

/// The instance id in an [`Instance::origin`], or the whole of an origin without a tag (as
/// versions before the tag sent).
pub fn id_of_origin(origin: &str) -> &str {
    origin
        .rsplit_once(ORIGIN_SEPARATOR)
        .map_or(origin, |(id, _)| id)
}

/// 32 random bits, different for every call (std's hasher keys are random per process and
/// advance per `RandomState`).
fn random_tag() -> u32 {
    RandomState::new().hash_one(std::time::SystemTime::now()) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_started_together_get_different_ids() {
        let lease = Duration::from_secs(30);
        let ids: std::collections::HashSet<String> = (0..20)
            .map(|_| Instance::new(None, lease, 3).id().to_owned())
            .collect();
        assert!(ids.len() > 15, "ids repeat: {ids:?}");
    }

    #[test]
    fn instances_given_the_same_id_have_different_origins_that_name_it() {
        let lease = Duration::from_secs(30);
        let a = Instance::new(Some("web/1".into()), lease, 3);
        let b = Instance::new(Some("web/1".into()), lease, 3);
        assert_ne!(a.origin(), b.origin());
        assert_eq!(id_of_origin(a.origin()), "web/1");
        assert_eq!(id_of_origin(b.origin()), "web/1");
        assert_eq!(
            id_of_origin("web-1"),
            "web-1",
            "an origin without a tag is its id"
        );
    }

    #[test]
    fn a_given_id_is_kept() {
        let instance = Instance::new(Some("web-1".into()), Duration::from_secs(30), 3);
        assert_eq!(instance.id(), "web-1");
        assert_eq!(instance.heartbeat_interval(), Duration::from_secs(10));
    }
}
