use std::{
    hash::{BuildHasher, RandomState},
    sync::Arc,
    time::Duration,
};

/// This process, as the other instances sharing its database see it.
#[derive(Debug, Clone)]
pub struct Instance {
    id: Arc<str>,
    lease: Duration,
    max_attempts: u32,
}

impl Instance {
    /// `id` names this instance in the task table and the logs; by default the host name, the
    /// process id and a random tag, unique even among processes started together.
    pub fn new(id: Option<String>, lease: Duration, max_attempts: u32) -> Self {
        let id = id.unwrap_or_else(default_id);
        Self {
            id: id.into(),
            lease,
            max_attempts: max_attempts.max(1),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
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
    let tag = RandomState::new().hash_one(std::time::SystemTime::now()) & 0xffff;
    format!("{host}-{}-{tag:04x}", std::process::id())
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
    fn a_given_id_is_kept() {
        let instance = Instance::new(Some("web-1".into()), Duration::from_secs(30), 3);
        assert_eq!(instance.id(), "web-1");
        assert_eq!(instance.heartbeat_interval(), Duration::from_secs(10));
    }
}
