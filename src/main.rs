use std::time::Duration;

use clap::Parser;
use pilane::{
    app::{App, print_digits, run_migrations},
    config::{Cli, Command, Config},
    telemetry,
};

/// How long the runtime waits for blocking work (a computation's last big multiplication, say)
/// once everything has shut down: the process must exit inside the grace period, and such work
/// is already abandoned.
const BLOCKING_WORK_GRACE: Duration = Duration::from_millis(200);

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(run(Cli::parse()));
    runtime.shutdown_timeout(BLOCKING_WORK_GRACE);
    result
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Digits(args)) => print_digits(args.n, args.threads.get(), args.timings),
        Some(Command::Migrate(args)) => {
            telemetry::init(args.log.log_format);
            run_migrations(&args.database.database_url).await
        }
        Some(Command::Serve(args)) => serve(&args).await,
        None => serve(&cli.serve).await,
    }
}

async fn serve(args: &pilane::config::ServeArgs) -> anyhow::Result<()> {
    telemetry::init(args.log.log_format);
    App::build(Config::from(args))
        .await?
        .run_until_stopped()
        .await
}
