//! What the benchmarks report about the machine they ran on: its CPU, and a process's resident
//! memory. Shared by the bench targets as a module (`#[path]`), not a target of its own.

/// The CPU's model name, as the figures in docs/PERFORMANCE.md name it.
pub fn cpu_name() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    info.lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The resident memory of process `pid` ("self" for this one), in kB, from /proc.
pub fn resident_kb(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}
