//! `dmsflow seed`.

use crate::common::{fail, print_json, TlsArgs};
use clap::Args;
use dmsflow::config::Side;
use dmsflow::seed::{self, ChangesRequest, LoadRequest, SampleSchema, SeedEvent};
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Database URL, e.g. postgres://user:pass@127.0.0.1:5432/db (sslmode=verify-full|disable).
    #[arg(long, env = "DMSFLOW_SOURCE_URL")]
    url: String,
    /// Schema the sample is loaded into (what `validate --schema` and `replicate --schema` compare).
    #[arg(long, default_value = seed::DEFAULT_SCHEMA)]
    schema: String,
    /// Scale of the sample: 1 = 990 rows, 1000 = about 1M rows.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=seed::MAX_SCALE))]
    scale: u64,
    /// Drop and reload the sample schema if it already holds data.
    #[arg(long)]
    reset: bool,
    /// RNG seed (load: default fixed; changes: default random, reported).
    #[arg(long)]
    seed: Option<u64>,
    /// Apply a CDC burst of this many row changes instead of loading.
    #[arg(long, conflicts_with_all = ["scale", "reset", "schema_only"],
          value_parser = clap::value_parser!(u64).range(1..=seed::MAX_CHANGES))]
    changes: Option<u64>,
    /// Only create the empty sample schema (e.g. on a migration target).
    #[arg(long, conflicts_with_all = ["scale", "reset"])]
    schema_only: bool,
    #[command(flatten)]
    tls: TlsArgs,
}

pub async fn run(args: SeedArgs) -> ExitCode {
    let spec = match args.tls.spec(&args.url) {
        Ok(spec) => spec,
        Err(e) => return fail(e),
    };
    let schema = match SampleSchema::new(&args.schema) {
        Ok(schema) => schema,
        Err(e) => return fail(e),
    };
    let event = if let Some(count) = args.changes {
        SeedEvent::Changes(ChangesRequest {
            count,
            seed: args.seed,
        })
    } else if args.schema_only {
        SeedEvent::Schema(seed::SchemaRequest {
            database: Side::Target,
        })
    } else {
        SeedEvent::Load(LoadRequest {
            scale: args.scale,
            reset: args.reset,
            seed: args.seed,
        })
    };
    if let Err(e) = event.validate() {
        return fail(e);
    }
    match event {
        SeedEvent::Load(req) => match seed::load_in(&spec, &schema, &req).await {
            Ok(result) => {
                eprintln!(
                    "loaded {} rows into {} (schema {}) in {:.2} s ({:.0} rows/s)",
                    result.total_rows,
                    spec.endpoint(),
                    result.schema,
                    result.seconds,
                    result.rows_per_second
                );
                print_json(&result);
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        SeedEvent::Changes(req) => match seed::apply_changes_in(&spec, &schema, &req).await {
            Ok(result) => {
                eprintln!(
                    "applied {} changes ({} inserted, {} updated, {} deleted); source at {}",
                    result.applied,
                    result.inserted,
                    result.updated,
                    result.deleted,
                    result.source_lsn
                );
                print_json(&result);
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        SeedEvent::Schema(req) => {
            match seed::create_schema_in(&spec, &schema, req.database).await {
                Ok(result) => {
                    print_json(&result);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}
