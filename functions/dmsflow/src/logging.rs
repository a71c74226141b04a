//! The one place log subscribers are built (CLI and Lambdas).
//!
//! tokio-postgres logs the text of every statement it sends at `debug`
//! (through `log`, bridged into `tracing`). A subscription's `CONNECTION`
//! holds the source password, so whatever level the operator asks for
//! (`DMSFLOW_LOG`, `RUST_LOG`, `AWS_LAMBDA_LOG_LEVEL`), records of
//! `tokio_postgres` and `postgres_protocol` pass only up to `info`.

use tracing::level_filters::LevelFilter;
use tracing::Subscriber;
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Crates that log statement text below `info`.
const STATEMENT_LOGGING_CRATES: &[&str] = &["tokio_postgres", "postgres_protocol"];

/// The filter applied on top of the operator's: statement text never passes.
pub fn secret_safe() -> Targets {
    STATEMENT_LOGGING_CRATES
        .iter()
        .fold(Targets::new().with_default(LevelFilter::TRACE), |t, c| {
            t.with_target(*c, LevelFilter::INFO)
        })
}

/// How lines look: JSON or text, with or without timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    pub json: bool,
    pub time: bool,
}

/// A formatting layer filtered by `filter` and by [`secret_safe`].
pub fn layer<S, W>(filter: EnvFilter, writer: W, format: Format) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let base = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_target(false);
    let formatted = match (format.json, format.time) {
        (true, true) => base.json().boxed(),
        (true, false) => base.json().without_time().boxed(),
        (false, true) => base.boxed(),
        (false, false) => base.without_time().boxed(),
    };
    formatted
        .with_filter(filter)
        .with_filter(secret_safe())
        .boxed()
}

/// CLI: stderr, level from `var` (default `warn`).
pub fn init_cli(var: &str) {
    let filter = EnvFilter::try_from_env(var).unwrap_or_else(|_| EnvFilter::new("warn"));
    let format = Format {
        json: false,
        time: true,
    };
    let _ = tracing_subscriber::registry()
        .with(layer(filter, std::io::stderr, format))
        .try_init();
}

/// Lambda: what `lambda_runtime::tracing::init_default_subscriber` does
/// (level from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else `info`; JSON
/// when `AWS_LAMBDA_LOG_FORMAT=JSON`; no timestamps, CloudWatch adds them),
/// plus [`secret_safe`].
pub fn init_lambda() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|l| l.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let filter = EnvFilter::builder()
        .with_default_directive(level.into())
        .from_env_lossy();
    let format = Format {
        json: std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")),
        time: false,
    };
    let _ = tracing_subscriber::registry()
        .with(layer(filter, std::io::stdout, format))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;
    use tracing_subscriber::filter::Targets;

    fn passes(t: &Targets, target: &str, level: Level) -> bool {
        t.would_enable(target, &level)
    }

    #[test]
    fn statement_text_never_passes_whatever_the_level() {
        let t = secret_safe();
        for target in [
            "tokio_postgres",
            "tokio_postgres::query",
            "postgres_protocol::message",
        ] {
            assert!(!passes(&t, target, Level::DEBUG), "{target}");
            assert!(!passes(&t, target, Level::TRACE), "{target}");
            assert!(passes(&t, target, Level::INFO), "{target}");
        }
        assert!(passes(&t, "dmsflow::engine::native", Level::TRACE));
    }
}
