//! `dmsflow validate`: compare any two PostgreSQL databases.
//! Exit code 0 identical, 1 differences, 2 error.

use crate::common::{bounded, fail, DatabasePair, EXIT_ERROR};
use clap::Args;
use dmsflow::contract::env as vars;
use dmsflow::contract::validate::{CheckStatus, PlanResult, Status, TablesResult};
use dmsflow::validate::{Progress, SequencePolicy, ValidateOptions, ValidationMode, Validator};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    databases: DatabasePair,
    /// Only these tables or partitions (comma-separated; `schema.table` or,
    /// when unambiguous, `table`).
    #[arg(long, value_delimiter = ',', value_parser = table_name)]
    tables: Option<Vec<String>>,
    /// Write the full result (plan + tables) as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Connections per side.
    #[arg(long, default_value_t = vars::VALIDATE_WORKERS.value.default,
          value_parser = bounded(&vars::VALIDATE_WORKERS))]
    workers: u64,
    /// Approximate rows per checksum chunk (a differing chunk is compared row by row).
    #[arg(long, default_value_t = vars::VALIDATE_CHUNK_ROWS.value.default,
          value_parser = bounded(&vars::VALIDATE_CHUNK_ROWS))]
    chunk_rows: u64,
    /// Re-checks of a differing chunk before it counts (rows in flight during CDC).
    #[arg(long, default_value_t = vars::VALIDATE_RECHECKS.value.default,
          value_parser = bounded(&vars::VALIDATE_RECHECKS))]
    rechecks: u64,
    /// Seconds to wait before each re-check.
    #[arg(long, default_value_t = vars::VALIDATE_SETTLE_SECONDS.value.default,
          value_parser = bounded(&vars::VALIDATE_SETTLE_SECONDS))]
    settle_seconds: u64,
    /// Differing rows shown per table.
    #[arg(long, default_value_t = vars::VALIDATE_MAX_DIFFS.value.default,
          value_parser = bounded(&vars::VALIDATE_MAX_DIFFS))]
    max_diffs: u64,
    /// How a target sequence behind the source counts: fail or warn.
    #[arg(long, default_value = "fail", value_parser = ["fail", "warn"])]
    sequences: String,
    /// A `seed --changes` result (JSON file): prove every changed key arrived.
    #[arg(long)]
    changes: Option<PathBuf>,
    /// The source is quiet (cut-over): no re-checks, every difference final.
    #[arg(long)]
    at_rest: bool,
    /// The migration's replication slot on the source, whose WAL position
    /// re-checks wait for (default: the only logical slot of the source
    /// database; with several, name one).
    #[arg(long, default_value = vars::VALIDATE_REPLICATION_SLOT.default_str())]
    slot: String,
    /// Longest wait per re-check for the target to reach a source position.
    #[arg(long, default_value_t = vars::VALIDATE_POSITION_WAIT_SECONDS.value.default,
          value_parser = bounded(&vars::VALIDATE_POSITION_WAIT_SECONDS))]
    position_wait_seconds: u64,
    /// No progress on stderr.
    #[arg(long, short)]
    quiet: bool,
}

pub async fn run(args: ValidateArgs) -> ExitCode {
    let (source, target) = match args.databases.specs() {
        Ok(pair) => pair,
        Err(e) => return fail(e),
    };
    let changes = match &args.changes {
        None => None,
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!(
                    "error[InvalidEvent]: cannot read changes file {}: {e}",
                    path.display()
                );
                return ExitCode::from(EXIT_ERROR);
            }
        },
    };
    let options = ValidateOptions {
        scope: args.databases.scope(),
        // In range: clap checked the declared bounds.
        workers: usize::try_from(args.workers).unwrap_or(usize::MAX),
        chunk_rows: args.chunk_rows,
        rechecks: u32::try_from(args.rechecks).unwrap_or(u32::MAX),
        settle: Duration::from_secs(args.settle_seconds),
        max_diffs: usize::try_from(args.max_diffs).unwrap_or(usize::MAX),
        sequence_policy: if args.sequences == "warn" {
            SequencePolicy::Warn
        } else {
            SequencePolicy::Fail
        },
        mode: if args.at_rest {
            ValidationMode::AtRest
        } else {
            ValidationMode::Live
        },
        slot: Some(args.slot.clone()).filter(|s| !s.is_empty()),
        position_wait: Duration::from_secs(args.position_wait_seconds),
        ..ValidateOptions::default()
    };
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let validator = Validator::new(source.clone(), target.clone(), options).with_progress(sender);
    let quiet = args.quiet;
    let printer = tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            if !quiet {
                print_progress(&event);
            }
        }
    });
    let outcome = validator
        .run(args.tables.as_deref(), changes.as_ref())
        .await;
    drop(validator);
    let _ = printer.await;
    let (plan, tables) = match outcome {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if let Some(path) = &args.json {
        let doc = serde_json::json!({"plan": plan, "tables": tables});
        let written = serde_json::to_string_pretty(&doc)
            .map_err(|e| e.to_string())
            .and_then(|text| std::fs::write(path, text).map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(EXIT_ERROR);
        }
    }
    print_summary(&source.endpoint(), &target.endpoint(), &plan, &tables);
    match plan.status.worst(tables.status) {
        // Nothing found different: rows still changing are reported, not an alarm.
        Status::Identical | Status::Unverified => ExitCode::SUCCESS,
        Status::Different => ExitCode::from(1),
        Status::Error => ExitCode::from(EXIT_ERROR),
    }
}

/// One name of `--tables`: `--tables ,,` or `--tables a,,b` is a mistake,
/// not a table called "".
fn table_name(name: &str) -> Result<String, String> {
    if name.trim().is_empty() {
        Err("empty table name".to_owned())
    } else {
        Ok(name.to_owned())
    }
}

fn print_progress(event: &Progress) {
    let mut err = std::io::stderr().lock();
    let _ = match event {
        Progress::Planned { tables, chunks } => {
            writeln!(err, "validating {tables} table(s) in {chunks} chunk(s)")
        }
        Progress::ChunkDone { table, done, total } if done == total || done % 10 == 0 => {
            writeln!(err, "  {table}: {done}/{total} chunks")
        }
        Progress::ChunkDone { .. } => Ok(()),
        Progress::Recheck {
            round,
            chunks,
            settle,
        } => writeln!(
            err,
            "  {chunks} chunk(s) differ: re-check {round} in {} s (rows may be in flight)",
            settle.as_secs()
        ),
        Progress::RecheckRows { round, rows } => writeln!(
            err,
            "  {rows} row(s) differ: re-check {round} at a source WAL position (rows may be in flight)"
        ),
        Progress::RowLevel { table, chunks } => writeln!(
            err,
            "  {table}: comparing rows of {chunks} differing chunk(s)"
        ),
        Progress::TableDone { table, status } => writeln!(err, "  {table}: {}", status.as_str()),
    };
}

fn mark(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Pass => "ok",
        CheckStatus::Warn => "WARN",
        CheckStatus::Fail => "FAIL",
        CheckStatus::Error => "ERROR",
        CheckStatus::Skipped => "-",
    }
}

fn print_summary(source: &str, target: &str, plan: &PlanResult, tables: &TablesResult) {
    println!(
        "dmsflow validate  {source}  ->  {target}  (schemas {})",
        plan.schemas.join(", ")
    );
    for (name, check) in plan.checks.iter() {
        let name = name.replace('_', " ");
        println!("  {name:<18} {:<5} {}", mark(check.status), check.message);
        for f in check.findings.iter().take(10) {
            println!(
                "      {} {}{}",
                f.kind,
                f.object,
                f.detail
                    .as_ref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            );
        }
    }
    println!();
    println!(
        "  {:<24} {:<10} {:>12} {:>12}  findings",
        "table", "status", "source rows", "target rows"
    );
    for t in &tables.tables {
        let rows = |v: Option<i64>| v.map_or_else(|| "-".to_owned(), |n| n.to_string());
        let failing: Vec<String> = t
            .checks
            .flagged()
            .map(|(n, c)| format!("{n}: {}", c.message))
            .collect();
        println!(
            "  {:<24} {:<10} {:>12} {:>12}  {}",
            t.table,
            t.status.as_str().to_uppercase(),
            rows(t.source_rows),
            rows(t.target_rows),
            failing.join("; ")
        );
        for (_, check) in t.checks.iter() {
            for f in &check.findings {
                let sides = match (&f.source, &f.target) {
                    (None, None) => String::new(),
                    (s, t) => format!(
                        " (source: {}, target: {})",
                        s.as_deref().unwrap_or("-"),
                        t.as_deref().unwrap_or("-")
                    ),
                };
                println!(
                    "      {} {}{}{}",
                    f.kind,
                    f.object,
                    sides,
                    f.detail
                        .as_ref()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default()
                );
            }
        }
        for d in &t.differences.sample {
            // A row of a key-less table: its values once, with its copy counts.
            if let Some(row) = dmsflow::validate::data::render::counted_row_text(d) {
                println!("      {} row {row}", d.kind);
                continue;
            }
            let key = d
                .key
                .as_ref()
                .map_or_else(|| "(row)".to_owned(), |k| k.join(", "));
            let cols: Vec<String> = d
                .columns
                .iter()
                .map(|c| {
                    let tag = if c.kind == "value" {
                        String::new()
                    } else {
                        format!(" [{}]", c.kind)
                    };
                    format!(
                        "{}{tag}: {} -> {}",
                        c.column,
                        show(&c.source),
                        show(&c.target)
                    )
                })
                .collect();
            println!("      {} key ({key}) {}", d.kind, cols.join("; "));
        }
        if let Some(e) = &t.error {
            println!("      error: {e}");
        }
    }
    let different = tables
        .tables
        .iter()
        .filter(|t| t.status != Status::Identical)
        .count();
    let verdict = plan.status.worst(tables.status);
    if tables.unverified_rows > 0 {
        println!();
        println!(
            "unverified: {} row(s) still changing through every re-check (neither identical nor different)",
            tables.unverified_rows
        );
    }
    println!();
    println!(
        "verdict: {} ({} of {} tables not identical; {} rows compared in {:.2} s)",
        verdict.as_str().to_uppercase(),
        different,
        tables.tables.len(),
        tables.rows_compared,
        plan.seconds + tables.seconds
    );
}

fn show(v: &Option<String>) -> String {
    match v {
        None => "NULL".to_owned(),
        Some(s) => format!("{s:?}"),
    }
}
