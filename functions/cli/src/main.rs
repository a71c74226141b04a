//! `dmsflow`: the library on a terminal. Seed a database, drive native logical
//! replication, validate any two PostgreSQL databases.

mod assess_cmd;
mod common;
mod cutover_cmd;
mod native_args;
mod replicate_cmd;
mod seed_cmd;
mod validate_cmd;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "dmsflow",
    version,
    about = "Migrate PostgreSQL to PostgreSQL and prove the target is identical"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load the sample e-commerce data, create its schema, or apply a CDC burst.
    Seed(seed_cmd::SeedArgs),
    /// Native logical replication: start, poll, stop, sync-sequences.
    Replicate(replicate_cmd::ReplicateArgs),
    /// Compare two databases: schema, secondary objects, sequences, every row.
    /// Exit code 0 identical, 1 different, 2 error.
    Validate(validate_cmd::ValidateArgs),
    /// Premigration assessment: exit code 0 ready, 1 a check failed, 2 error.
    Assess(assess_cmd::AssessArgs),
    /// Cut over (native engine): fence, drain, validate at rest, sequences, stop.
    /// Exit code 0 ready, 1 aborted (rolled back), 2 error.
    Cutover(cutover_cmd::CutoverArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    common::init_logging();
    // Help never shows an env var's value: the URLs hold passwords.
    let matches = common::hide_env_values(Cli::command()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match cli.command {
        Command::Seed(args) => seed_cmd::run(args).await,
        Command::Replicate(args) => replicate_cmd::run(args).await,
        Command::Validate(args) => validate_cmd::run(args).await,
        Command::Assess(args) => assess_cmd::run(args).await,
        Command::Cutover(args) => cutover_cmd::run(args).await,
    }
}
