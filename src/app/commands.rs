//! The subcommands that do not serve.

use std::io::Write;

use anyhow::Context;
use tracing::info;

use crate::{pi, storage::Storage};

/// `pilane digits N`: `3.` and N decimals on stdout, nothing else.
pub fn print_digits(n: u64, threads: usize) -> anyhow::Result<()> {
    let decimals = pi::decimals(n, pi::Options { threads }, &pi::Unobserved)
        .context("the computation was cancelled")?;
    let mut out = std::io::stdout().lock();
    out.write_all(b"3.")?;
    out.write_all(&decimals)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// `pilane migrate`: apply the migrations and exit.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<()> {
    let storage = Storage::connect(database_url)
        .await
        .with_context(|| format!("could not open the database at {database_url}"))?;
    storage
        .migrate()
        .await
        .context("could not apply the migrations")?;
    storage.close().await?;
    info!(database = database_url, "migrations applied");
    Ok(())
}
