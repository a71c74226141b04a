//! What every subcommand shares: logging to stderr, connection options, and
//! error reporting with the same stable error types the Lambdas use.

use clap::Args;
use dmsflow::contract::env::{self as vars, Integer, Var};
use dmsflow::db::{ConnectSpec, DbError};
use dmsflow::HandlerError;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Exit code for a failure to run (bad input, unreachable database…).
pub const EXIT_ERROR: u8 = 2;

pub fn init_logging() {
    dmsflow::logging::init_cli("DMSFLOW_LOG");
}

/// The two databases a subcommand works on, and how to reach them.
#[derive(Debug, Clone, Args)]
pub struct DatabasePair {
    /// Source database URL.
    #[arg(long, env = "DMSFLOW_SOURCE_URL")]
    pub source: String,
    /// Target database URL.
    #[arg(long, env = "DMSFLOW_TARGET_URL")]
    pub target: String,
    /// Schemas to compare or replicate (repeatable or comma-separated;
    /// default: every user schema of the source).
    #[arg(long = "schema", value_delimiter = ',', value_parser = schema_name)]
    pub schemas: Vec<String>,
    /// Schemas to leave out (repeatable or comma-separated).
    #[arg(long = "exclude-schema", value_delimiter = ',', value_parser = schema_name)]
    pub exclude_schemas: Vec<String>,
    #[command(flatten)]
    pub tls: TlsArgs,
}

fn schema_name(name: &str) -> Result<String, String> {
    if name.trim().is_empty() {
        Err("empty schema name".to_owned())
    } else {
        Ok(name.to_owned())
    }
}

impl DatabasePair {
    /// The schema selection of `--schema` and `--exclude-schema`.
    pub fn scope(&self) -> dmsflow::scope::Scope {
        dmsflow::scope::Scope {
            schemas: self.schemas.clone(),
            exclude: self.exclude_schemas.clone(),
        }
    }

    /// Connection specs for (source, target).
    pub fn specs(&self) -> Result<(ConnectSpec, ConnectSpec), DbError> {
        Ok((self.tls.spec(&self.source)?, self.tls.spec(&self.target)?))
    }
}

/// TLS options for URL connections.
#[derive(Debug, Clone, Args)]
pub struct TlsArgs {
    /// PEM bundle of CAs to trust (default: the URL's sslrootcert, else the built-in RDS bundle).
    #[arg(long, env = "DB_CA_BUNDLE", global = true)]
    pub ca_bundle: Option<PathBuf>,
    /// Connection timeout in seconds.
    #[arg(long, default_value_t = vars::DB_CONNECT_TIMEOUT_SECONDS.value.default,
          value_parser = bounded(&vars::DB_CONNECT_TIMEOUT_SECONDS), global = true)]
    pub connect_timeout: u64,
}

impl TlsArgs {
    pub fn spec(&self, url: &str) -> Result<ConnectSpec, DbError> {
        ConnectSpec::from_url(
            url,
            self.ca_bundle.as_deref(),
            Duration::from_secs(self.connect_timeout),
        )
    }
}

/// A flag with the range its setting declares (out of range: clap names the
/// flag and the range, nothing is silently capped).
pub fn bounded(var: &Var<Integer>) -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(var.value.min..=var.value.max)
}

/// `cmd` and every subcommand with `hide_env_values` on every argument: clap's
/// help would otherwise print `[env: DMSFLOW_SOURCE_URL=postgres://u:password@…]`.
pub fn hide_env_values(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|arg| arg.hide_env_values(true))
        .mut_subcommands(hide_env_values)
}

/// A number of seconds in `min..=max` (out of range or not a number: the
/// flag and the range are named, nothing is silently clamped).
pub fn seconds_in(min: f64, max: f64) -> impl Fn(&str) -> Result<f64, String> + Clone {
    move |text: &str| {
        let value: f64 = text
            .parse()
            .map_err(|_| format!("{text:?} is not a number of seconds"))?;
        if value.is_finite() && (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(format!("{value} is not in {min}..={max}"))
        }
    }
}

/// Print an error the way the Lambdas report it, and give the error exit code.
pub fn fail(err: impl Into<HandlerError>) -> ExitCode {
    let err: HandlerError = err.into();
    eprintln!("error[{}]: {}", err.error_type, err.message);
    ExitCode::from(EXIT_ERROR)
}

/// Pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: cannot render result: {e}"),
    }
}
