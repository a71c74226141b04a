//! `dmsflow replicate`: drive native logical replication (publication on the
//! source, subscription on the target) from a terminal.
//! Exit code 0 success, 1 not in sync (`poll --wait-in-sync` timed out or the
//! migration stopped/failed), 2 error.

use crate::common::{fail, print_json, seconds_in};
use crate::native_args::NativeTarget;
use clap::{Args, Subcommand};
use dmsflow::contract::engine::{Phase, Progress, StartRequest};
use dmsflow::contract::env as vars;
use dmsflow::engine::sequences::sync_sequences;
use dmsflow::engine::MigrationEngine;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct ReplicateArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Create the publication and the subscription (idempotent).
    Start(StartArgs),
    /// Print the progress document (JSON); optionally wait for `in-sync`.
    Poll(PollArgs),
    /// Drop the subscription, its replication slot and the publication.
    Stop(NativeTarget),
    /// Set every target sequence of the schema to the source's value.
    SyncSequences(NativeTarget),
}

#[derive(Debug, Args)]
struct StartArgs {
    #[command(flatten)]
    target: NativeTarget,
    /// Connect to both databases and check wal_level before creating anything.
    #[arg(long)]
    test_connections: bool,
}

#[derive(Debug, Args)]
struct PollArgs {
    #[command(flatten)]
    target: NativeTarget,
    /// Lag (seconds) under which the migration counts as in sync.
    #[arg(long, default_value_t = vars::IN_SYNC_LAG_SECONDS.value.default,
          value_parser = seconds_in(vars::IN_SYNC_LAG_SECONDS.value.min, vars::IN_SYNC_LAG_SECONDS.value.max))]
    lag: f64,
    /// Poll until `in-sync` (progress lines on stderr); exit 1 after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    wait_in_sync: Option<u64>,
    /// Seconds between polls while waiting.
    #[arg(long, default_value_t = 1.0, value_parser = seconds_in(MIN_INTERVAL, MAX_INTERVAL))]
    interval: f64,
}

/// Bounds of `poll --interval` (seconds).
const MIN_INTERVAL: f64 = 0.1;
const MAX_INTERVAL: f64 = 60.0;

fn progress_line(p: &Progress, elapsed: Duration) -> String {
    format!(
        "[{:>6.1}s] {:<15} {:>5.1}% tables {}/{} loaded, {} loading, {} queued; lag {} s / {} bytes{}",
        elapsed.as_secs_f64(),
        p.phase.as_str(),
        p.full_load_percent,
        p.tables.loaded,
        p.tables.total,
        p.tables.loading,
        p.tables.queued,
        p.cdc_lag_seconds
            .map_or_else(|| "?".to_owned(), |s| format!("{s:.2}")),
        p.cdc_lag_bytes
            .map_or_else(|| "?".to_owned(), |b| b.to_string()),
        p.last_error
            .as_deref()
            .map_or_else(String::new, |e| format!("; {e}")),
    )
}

pub async fn run(args: ReplicateArgs) -> ExitCode {
    match args.action {
        Action::Start(a) => {
            let engine = match a.target.engine() {
                Ok(e) => e,
                Err(code) => return code,
            };
            let req = StartRequest {
                test_connections: a.test_connections,
                reload_target: false,
            };
            match engine.start(&req).await {
                Ok(result) => {
                    eprintln!("{}", result.message);
                    print_json(&result);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Action::Stop(t) => {
            let engine = match t.engine() {
                Ok(e) => e,
                Err(code) => return code,
            };
            match engine.stop().await {
                Ok(result) => {
                    eprintln!("{}", result.message);
                    print_json(&result);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Action::SyncSequences(t) => {
            let (source, target) = match t.databases.specs() {
                Ok(pair) => pair,
                Err(e) => return fail(e),
            };
            match sync_sequences(&source, &target, &t.databases.scope()).await {
                Ok(result) => {
                    print_json(&result);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Action::Poll(a) => {
            let engine = match a.target.engine() {
                Ok(e) => e,
                Err(code) => return code,
            };
            // In range: clap checked the declared bounds.
            let lag = a.lag;
            let started = Instant::now();
            let Some(wait) = a.wait_in_sync else {
                return match engine.poll(lag).await {
                    Ok(p) => {
                        print_json(&p);
                        ExitCode::SUCCESS
                    }
                    Err(e) => fail(e),
                };
            };
            let deadline = started + Duration::from_secs(wait);
            let interval = Duration::from_secs_f64(a.interval);
            loop {
                let p = match engine.poll(lag).await {
                    Ok(p) => p,
                    Err(e) => return fail(e),
                };
                eprintln!("{}", progress_line(&p, started.elapsed()));
                match p.phase {
                    Phase::InSync => {
                        print_json(&p);
                        return ExitCode::SUCCESS;
                    }
                    Phase::Failed | Phase::Stopped => {
                        eprintln!("replication is {}; not waiting", p.phase.as_str());
                        print_json(&p);
                        return ExitCode::from(1);
                    }
                    _ if Instant::now() >= deadline => {
                        eprintln!("not in sync after {wait} s");
                        print_json(&p);
                        return ExitCode::from(1);
                    }
                    _ => tokio::time::sleep(interval).await,
                }
            }
        }
    }
}
