use clap::Parser;
use pilane::{
    app::{App, print_digits, run_migrations},
    config::{Cli, Command, Config},
    telemetry,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
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
