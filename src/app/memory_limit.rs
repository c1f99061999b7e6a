//! The memory budget's default: three quarters of what this process may use, read at start from
//! its cgroup (v2 `memory.max`, or v1 `memory.limit_in_bytes`) or, without a limit there, from the
//! machine's `MemTotal`. The quarter left is for the server itself, the database's cache and the
//! kernel. `--memory-budget` replaces it.

use std::path::Path;

use tracing::info;

use crate::tasks::{MemoryBudget, about_bytes};

/// The share of the limit the computations and the search index may hold together.
const SHARE: f64 = 0.75;
/// Where neither the cgroup nor /proc says anything (not Linux): a small machine's worth.
const UNKNOWN_LIMIT: u64 = 4_000_000_000;

/// The budget `configured`, or the default from this machine's limit; logged either way.
pub fn budget(configured: Option<u64>) -> MemoryBudget {
    let (limit, source) = limit();
    let budget = configured.unwrap_or((limit as f64 * SHARE) as u64);
    info!(
        budget,
        budget_text = %about_bytes(budget),
        limit,
        limit_source = source,
        configured = configured.is_some(),
        "memory budget"
    );
    MemoryBudget::new(budget)
}

/// What this process may use, and where that was read.
fn limit() -> (u64, &'static str) {
    let root = Path::new("/");
    cgroup_limit(root)
        .map(|limit| (limit, "cgroup"))
        .or_else(|| mem_total(root).map(|limit| (limit, "MemTotal")))
        .unwrap_or((UNKNOWN_LIMIT, "unknown"))
}

/// The cgroup's memory limit under `root`, if it sets one below the machine's.
fn cgroup_limit(root: &Path) -> Option<u64> {
    let read = |path: &str| std::fs::read_to_string(root.join(path)).ok();
    let v2 = read("sys/fs/cgroup/memory.max").and_then(|text| text.trim().parse::<u64>().ok());
    let v1 = || {
        read("sys/fs/cgroup/memory/memory.limit_in_bytes")
            .and_then(|text| text.trim().parse::<u64>().ok())
    };
    let limit = v2.or_else(v1)?;
    // v1 says "no limit" with a number near 2^63.
    let machine = mem_total(root).unwrap_or(u64::MAX);
    (limit < machine).then_some(limit)
}

/// `MemTotal` from `/proc/meminfo` under `root`, in bytes.
fn mem_total(root: &Path) -> Option<u64> {
    let info = std::fs::read_to_string(root.join("proc/meminfo")).ok()?;
    Some(kb_field(&info, "MemTotal")? * 1024)
}

/// The value of a `Name:   123 kB` line of a `/proc` file (`meminfo`, `status`), in kB.
pub(super) fn kb_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(files: &[(&str, &str)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().expect("a temp dir");
        for (path, text) in files {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("dirs");
            std::fs::write(path, text).expect("a file");
        }
        root
    }

    const MEMINFO: (&str, &str) = (
        "proc/meminfo",
        "MemTotal:       24576000 kB\nMemFree: 1 kB\n",
    );

    #[test]
    fn a_cgroup_limit_below_the_machine_is_the_limit() {
        let root = machine(&[MEMINFO, ("sys/fs/cgroup/memory.max", "8589934592\n")]);
        assert_eq!(cgroup_limit(root.path()), Some(8 << 30));
        let v1 = machine(&[
            MEMINFO,
            ("sys/fs/cgroup/memory/memory.limit_in_bytes", "4294967296\n"),
        ]);
        assert_eq!(cgroup_limit(v1.path()), Some(4 << 30));
    }

    #[test]
    fn without_a_cgroup_limit_the_machine_total_is_the_limit() {
        let unlimited = machine(&[MEMINFO, ("sys/fs/cgroup/memory.max", "max\n")]);
        assert_eq!(cgroup_limit(unlimited.path()), None);
        let v1_unlimited = machine(&[
            MEMINFO,
            (
                "sys/fs/cgroup/memory/memory.limit_in_bytes",
                "9223372036854771712\n",
            ),
        ]);
        assert_eq!(cgroup_limit(v1_unlimited.path()), None);
        assert_eq!(mem_total(unlimited.path()), Some(24_576_000 * 1024));
    }
}
