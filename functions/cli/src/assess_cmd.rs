//! `dmsflow assess`: the premigration assessment of a source and a target.
//! The Markdown rendering on stdout, progress on stderr; exit code 0 ready,
//! 1 a check failed, 2 the assessment could not run.

use crate::common::{fail, TlsArgs, EXIT_ERROR};
use clap::Args;
use dmsflow::assess::{self, AssessOptions, Verdict};
use dmsflow::engine::EngineKind;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// Source database URL.
    #[arg(long, env = "DMSFLOW_SOURCE_URL")]
    source: String,
    /// Target database URL.
    #[arg(long, env = "DMSFLOW_TARGET_URL")]
    target: String,
    /// Schemas to assess (comma-separated; default: every user schema of the source).
    #[arg(long, value_delimiter = ',')]
    schema: Vec<String>,
    /// The engine the migration will use (some findings matter only to DMS).
    #[arg(long, default_value = "dms", value_parser = ["dms", "native"])]
    engine: String,
    /// Write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    #[command(flatten)]
    tls: TlsArgs,
}

pub async fn run(args: AssessArgs) -> ExitCode {
    let (source, target) = match (args.tls.spec(&args.source), args.tls.spec(&args.target)) {
        (Ok(s), Ok(t)) => (s, t),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let engine = if args.engine == "native" {
        EngineKind::Native
    } else {
        EngineKind::Dms
    };
    let options = AssessOptions {
        schemas: args.schema.clone(),
        engine,
        ..AssessOptions::default()
    };
    eprintln!(
        "assessing {} -> {} for the {engine} engine",
        source.endpoint(),
        target.endpoint()
    );
    let report = match assess::assess(&source, &target, &options).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if let Some(path) = &args.json {
        let written = report
            .to_json()
            .map_err(|e| e.to_string())
            .and_then(|text| std::fs::write(path, text + "\n").map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(EXIT_ERROR);
        }
    }
    print!("{}", assess::markdown::render(&report));
    let failed: Vec<&str> = report.failed().map(|c| c.name.as_str()).collect();
    match report.verdict {
        Verdict::Ready => {
            eprintln!("ready: {} check(s), none failed", report.checks.len());
            ExitCode::SUCCESS
        }
        Verdict::NotReady => {
            eprintln!("not ready: failed {}", failed.join(", "));
            ExitCode::from(1)
        }
    }
}
