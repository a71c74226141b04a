//! `dmsflow cutover`: finish a native-engine migration — fence the writers,
//! drain exactly, validate at rest, sync sequences, stop replication. The
//! timeline on stdout, progress on stderr; exit code 0 ready, 1 aborted
//! (rolled back: the source unfenced, replication running), 2 error.

use crate::common::{bounded, fail, seconds_in, EXIT_ERROR};
use crate::native_args::NativeTarget;
use clap::Args;
use dmsflow::contract::env as vars;
use dmsflow::cutover::{report, Cutover, CutoverRequest, CutoverVerdict, FenceMode};
use dmsflow::validate::ValidateOptions;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct CutoverArgs {
    #[command(flatten)]
    native: NativeTarget,
    /// How writers are stopped: none (the application is stopped; a quiet
    /// window proves it), roles (NOLOGIN + sessions terminated), read-only.
    #[arg(long, value_parser = ["none", "roles", "read-only"])]
    fence: String,
    /// A role to fence (repeatable); never a superuser or dmsflow's own role.
    #[arg(long = "fence-role", value_name = "ROLE")]
    fence_roles: Vec<String>,
    /// Quiet window of `--fence none`, in seconds.
    #[arg(long, env = vars::CUTOVER_QUIET_SECONDS.name, default_value_t = vars::CUTOVER_QUIET_SECONDS.value.default,
          value_parser = bounded(&vars::CUTOVER_QUIET_SECONDS))]
    quiet_seconds: u64,
    /// How long the drain waits for the target to apply the fence's WAL position.
    #[arg(long, env = vars::CUTOVER_DRAIN_TIMEOUT_SECONDS.name, default_value_t = vars::CUTOVER_DRAIN_TIMEOUT_SECONDS.value.default,
          value_parser = bounded(&vars::CUTOVER_DRAIN_TIMEOUT_SECONDS))]
    drain_timeout: u64,
    /// Lag (seconds) under which replication counts as in sync before the cut-over.
    #[arg(long, default_value_t = vars::IN_SYNC_LAG_SECONDS.value.default,
          value_parser = seconds_in(vars::IN_SYNC_LAG_SECONDS.value.min, vars::IN_SYNC_LAG_SECONDS.value.max))]
    lag: f64,
    /// Every step except the fence and the stop: measures the downtime budget.
    #[arg(long)]
    rehearsal: bool,
    /// Write the result as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn fence_mode(text: &str) -> FenceMode {
    match text {
        "roles" => FenceMode::Roles,
        "read-only" => FenceMode::ReadOnly,
        _ => FenceMode::None,
    }
}

pub async fn run(args: CutoverArgs) -> ExitCode {
    let engine = match args.native.engine() {
        Ok(e) => e,
        Err(code) => return code,
    };
    let (source, target) = match args.native.databases.specs() {
        Ok(pair) => pair,
        Err(e) => return fail(e),
    };
    let request = CutoverRequest {
        fence: fence_mode(&args.fence),
        fence_roles: args.fence_roles.clone(),
        quiet_seconds: args.quiet_seconds,
        drain_timeout_seconds: args.drain_timeout,
        rehearsal: args.rehearsal,
    };
    eprintln!(
        "cut-over{} {} -> {} (fence {})",
        if request.rehearsal { " rehearsal" } else { "" },
        source.endpoint(),
        target.endpoint(),
        request.fence.as_str()
    );
    let cutover = Cutover {
        engine: &engine,
        source: &source,
        target: &target,
        request: &request,
        validate: ValidateOptions::default(),
        in_sync_lag_seconds: args.lag,
    };
    let result = match cutover.run().await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if let Some(path) = &args.json {
        let written = serde_json::to_string_pretty(&result)
            .map_err(|e| e.to_string())
            .and_then(|text| std::fs::write(path, text + "\n").map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(EXIT_ERROR);
        }
    }
    print!("{}", report::render(&result));
    match result.verdict {
        CutoverVerdict::Ready => ExitCode::SUCCESS,
        CutoverVerdict::Aborted => {
            eprintln!(
                "aborted: {}",
                result.reason.as_deref().unwrap_or("(no reason)")
            );
            ExitCode::from(1)
        }
    }
}
