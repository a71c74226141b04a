//! Typed configuration, parsed once from the environment.
//!
//! [`ENV_VARS`] is the single list of every variable any function reads. The
//! README table and Terraform's `environment` blocks are checked against it by
//! tests, so the three never drift apart.

use crate::db::{SslMode, TlsConfig};
use crate::error::{Classify, ErrorType};
use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;

/// Where configuration values come from: the process environment on Lambda
/// and in the CLI, a map in tests.
pub trait EnvSource {
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl EnvSource for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl EnvSource for HashMap<&str, &str> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| (*v).to_owned())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {var} is required ({hint})")]
    Missing {
        var: &'static str,
        hint: &'static str,
    },
    #[error("environment variable {var}={value:?} is invalid: {reason}")]
    Invalid {
        var: &'static str,
        value: String,
        reason: String,
    },
}

impl Classify for ConfigError {
    fn error_type(&self) -> ErrorType {
        ErrorType::ConfigError
    }
}

/// Which function reads a variable (for the README and Terraform checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    SeedSource,
    StartTask,
    PollTask,
    ValidateTables,
    Report,
}

impl Function {
    pub const ALL: &'static [Function] = &[
        Function::SeedSource,
        Function::StartTask,
        Function::PollTask,
        Function::ValidateTables,
        Function::Report,
    ];

    /// The Lambda / binary name.
    pub fn name(self) -> &'static str {
        match self {
            Function::SeedSource => "seed-source",
            Function::StartTask => "start-task",
            Function::PollTask => "poll-task",
            Function::ValidateTables => "validate-tables",
            Function::Report => "report",
        }
    }
}

/// One documented environment variable.
#[derive(Debug, Clone, Copy)]
pub struct EnvVar {
    pub name: &'static str,
    pub functions: &'static [Function],
    /// `None` when required (or required under a condition stated in `description`).
    pub default: Option<&'static str>,
    pub description: &'static str,
}

use Function::{PollTask, Report, SeedSource, StartTask, ValidateTables};

const DB_FUNCTIONS: &[Function] = &[SeedSource, StartTask, PollTask, ValidateTables];
const ENGINE_FUNCTIONS: &[Function] = &[StartTask, PollTask];

/// Every environment variable dmsflow's functions read.
pub const ENV_VARS: &[EnvVar] = &[
    EnvVar { name: "SOURCE_SECRET_ARN", functions: DB_FUNCTIONS, default: None,
        description: "Secrets Manager secret (ARN or name) with the source credentials: RDS-style JSON {username,password[,host,port,dbname]}. start-task/poll-task need it for the native engine and for sync-sequences." },
    EnvVar { name: "SOURCE_DB_HOST", functions: DB_FUNCTIONS, default: Some("secret's host"),
        description: "Source host; overrides the secret's (RDS-managed secrets hold only username and password)." },
    EnvVar { name: "SOURCE_DB_PORT", functions: DB_FUNCTIONS, default: Some("secret's port, else 5432"),
        description: "Source port." },
    EnvVar { name: "SOURCE_DB_NAME", functions: DB_FUNCTIONS, default: Some("secret's dbname, else postgres"),
        description: "Source database name." },
    EnvVar { name: "TARGET_SECRET_ARN", functions: DB_FUNCTIONS, default: None,
        description: "Secrets Manager secret with the target credentials (same shape). seed-source needs it only for mode `schema` on the target." },
    EnvVar { name: "TARGET_DB_HOST", functions: DB_FUNCTIONS, default: Some("secret's host"),
        description: "Target host; overrides the secret's." },
    EnvVar { name: "TARGET_DB_PORT", functions: DB_FUNCTIONS, default: Some("secret's port, else 5432"),
        description: "Target port." },
    EnvVar { name: "TARGET_DB_NAME", functions: DB_FUNCTIONS, default: Some("secret's dbname, else postgres"),
        description: "Target database name." },
    EnvVar { name: "DB_SCHEMA", functions: DB_FUNCTIONS, default: Some("shop"),
        description: "Schema that is seeded, replicated and validated." },
    EnvVar { name: "DB_SSLMODE", functions: DB_FUNCTIONS, default: Some("verify-full"),
        description: "`verify-full` (TLS, certificate and host name verified) or `disable` (plain TCP, refused unless the host is loopback)." },
    EnvVar { name: "DB_CA_BUNDLE", functions: DB_FUNCTIONS, default: Some("built-in Amazon RDS CA bundle"),
        description: "PEM file of the certificate authorities trusted for database TLS." },
    EnvVar { name: "DB_CONNECT_TIMEOUT_SECONDS", functions: DB_FUNCTIONS, default: Some("10"),
        description: "Connection timeout per database connection." },
    EnvVar { name: "MIGRATION_ENGINE", functions: ENGINE_FUNCTIONS, default: Some("dms"),
        description: "`dms` (AWS DMS replication task) or `native` (PostgreSQL logical replication)." },
    EnvVar { name: "DMS_TASK_ARN", functions: ENGINE_FUNCTIONS, default: None,
        description: "ARN of the DMS replication task (required when MIGRATION_ENGINE=dms)." },
    EnvVar { name: "NATIVE_PUBLICATION", functions: ENGINE_FUNCTIONS, default: Some("dmsflow_pub"),
        description: "Publication name on the source (native engine)." },
    EnvVar { name: "NATIVE_SUBSCRIPTION", functions: ENGINE_FUNCTIONS, default: Some("dmsflow_sub"),
        description: "Subscription (and replication slot) name on the target (native engine)." },
    EnvVar { name: "NATIVE_SOURCE_SSLMODE", functions: ENGINE_FUNCTIONS, default: Some("require"),
        description: "libpq sslmode the target server uses to reach the source (native engine; the subscription's CONNECTION). `verify-full` needs NATIVE_SOURCE_SSLROOTCERT; on RDS the server cannot read a CA file, so `require`." },
    EnvVar { name: "NATIVE_SOURCE_SSLROOTCERT", functions: ENGINE_FUNCTIONS, default: None,
        description: "CA file on the target server's filesystem for the subscription's connection (optional; for sslmode verify-ca/verify-full)." },
    EnvVar { name: "IN_SYNC_LAG_SECONDS", functions: &[PollTask], default: Some("5"),
        description: "CDC lag under which poll-task reports `in-sync` (the event may override)." },
    EnvVar { name: "VALIDATE_WORKERS", functions: &[ValidateTables], default: Some("2"),
        description: "Parallel connections per side for checksums." },
    EnvVar { name: "VALIDATE_CHUNK_ROWS", functions: &[ValidateTables], default: Some("25000"),
        description: "Approximate rows per checksum chunk." },
    EnvVar { name: "VALIDATE_RECHECKS", functions: &[ValidateTables], default: Some("3"),
        description: "Times a mismatched chunk is re-checked before it counts as different (CDC in flight)." },
    EnvVar { name: "VALIDATE_SETTLE_SECONDS", functions: &[ValidateTables], default: Some("5"),
        description: "Delay before each re-check of a mismatched chunk." },
    EnvVar { name: "VALIDATE_MAX_DIFFS", functions: &[ValidateTables], default: Some("20"),
        description: "Most differing rows reported in detail per table (all are counted); keeps results under the Step Functions payload limit." },
    EnvVar { name: "VALIDATE_MASK_COLUMNS", functions: &[ValidateTables], default: Some("password,secret,token,ssn,card_number,iban"),
        description: "Comma-separated substrings; matching column names have their values masked in reports." },
    EnvVar { name: "VALIDATE_STATEMENT_TIMEOUT_SECONDS", functions: &[ValidateTables], default: Some("600"),
        description: "statement_timeout for validator queries." },
    EnvVar { name: "REPORT_BUCKET", functions: &[Report], default: None,
        description: "S3 bucket for reports (one of REPORT_BUCKET or REPORT_DIR is required)." },
    EnvVar { name: "REPORT_PREFIX", functions: &[Report], default: Some("reports/"),
        description: "Key prefix in the bucket." },
    EnvVar { name: "REPORT_DIR", functions: &[Report], default: None,
        description: "Local directory for reports instead of S3 (local runs)." },
    EnvVar { name: "REPORT_SNS_TOPIC_ARN", functions: &[Report], default: None,
        description: "SNS topic for a short notification (optional)." },
    EnvVar { name: "METRICS_NAMESPACE", functions: &[Report], default: Some("dmsflow"),
        description: "CloudWatch namespace of the Embedded Metric Format metrics." },
];

/// The README's configuration table, rendered from [`ENV_VARS`].
pub fn env_table_markdown() -> String {
    let mut out = String::from("| variable | functions | default | meaning |\n|---|---|---|---|\n");
    for v in ENV_VARS {
        let functions: Vec<&str> = v.functions.iter().map(|f| f.name()).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            v.name,
            functions.join(", "),
            v.default
                .map_or_else(|| "required".to_owned(), |d| format!("`{d}`")),
            v.description.replace('|', "\\|"),
        ));
    }
    out
}

/// Typed reads from an [`EnvSource`], with errors naming the variable.
#[derive(Debug)]
pub struct Env<'a, E: EnvSource + ?Sized>(pub &'a E);

impl<E: EnvSource + ?Sized> Env<'_, E> {
    /// A non-empty value, or `None`.
    pub fn optional(&self, var: &'static str) -> Option<String> {
        self.0
            .var(var)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    pub fn required(&self, var: &'static str, hint: &'static str) -> Result<String, ConfigError> {
        self.optional(var).ok_or(ConfigError::Missing { var, hint })
    }

    pub fn parsed<T>(&self, var: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        match self.optional(var) {
            None => Ok(default),
            Some(value) => value.parse().map_err(|e: T::Err| ConfigError::Invalid {
                var,
                reason: e.to_string(),
                value,
            }),
        }
    }

    pub fn parsed_opt<T>(&self, var: &'static str) -> Result<Option<T>, ConfigError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        match self.optional(var) {
            None => Ok(None),
            Some(value) => value
                .parse()
                .map(Some)
                .map_err(|e: T::Err| ConfigError::Invalid {
                    var,
                    reason: e.to_string(),
                    value,
                }),
        }
    }
}

/// Which database a [`DbSideConfig`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Source,
    Target,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Target => "target",
        }
    }
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One database: the secret holding its credentials and optional overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbSideConfig {
    pub side: Side,
    pub secret_id: String,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub dbname: Option<String>,
}

impl DbSideConfig {
    pub fn from_env<E: EnvSource + ?Sized>(env: &E, side: Side) -> Result<Self, ConfigError> {
        Self::optional_from_env(env, side)?.ok_or(ConfigError::Missing {
            var: match side {
                Side::Source => "SOURCE_SECRET_ARN",
                Side::Target => "TARGET_SECRET_ARN",
            },
            hint: "the Secrets Manager secret holding this database's credentials",
        })
    }

    /// `None` when the side's secret variable is unset.
    pub fn optional_from_env<E: EnvSource + ?Sized>(
        env: &E,
        side: Side,
    ) -> Result<Option<Self>, ConfigError> {
        let env = Env(env);
        let (secret, host, port, name) = match side {
            Side::Source => (
                "SOURCE_SECRET_ARN",
                "SOURCE_DB_HOST",
                "SOURCE_DB_PORT",
                "SOURCE_DB_NAME",
            ),
            Side::Target => (
                "TARGET_SECRET_ARN",
                "TARGET_DB_HOST",
                "TARGET_DB_PORT",
                "TARGET_DB_NAME",
            ),
        };
        let Some(secret_id) = env.optional(secret) else {
            return Ok(None);
        };
        Ok(Some(DbSideConfig {
            side,
            secret_id,
            host: env.optional(host),
            port: env.parsed_opt(port)?,
            dbname: env.optional(name),
        }))
    }
}

/// Settings every database-facing function shares.
#[derive(Debug, Clone)]
pub struct DbCommonConfig {
    pub schema: String,
    pub tls: TlsConfig,
}

impl DbCommonConfig {
    pub fn from_env<E: EnvSource + ?Sized>(env: &E) -> Result<Self, ConfigError> {
        let e = Env(env);
        let schema = e.optional("DB_SCHEMA").unwrap_or_else(|| "shop".to_owned());
        let ssl_mode: SslMode = e.parsed("DB_SSLMODE", SslMode::VerifyFull)?;
        let ca_bundle = e.optional("DB_CA_BUNDLE").map(PathBuf::from);
        let connect_timeout_secs: u64 = e.parsed("DB_CONNECT_TIMEOUT_SECONDS", 10)?;
        if connect_timeout_secs == 0 {
            return Err(ConfigError::Invalid {
                var: "DB_CONNECT_TIMEOUT_SECONDS",
                value: "0".into(),
                reason: "must be at least 1".into(),
            });
        }
        Ok(DbCommonConfig {
            schema,
            tls: TlsConfig {
                ssl_mode,
                ca_bundle,
                connect_timeout: std::time::Duration::from_secs(connect_timeout_secs),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_secret_names_the_variable() {
        let env: HashMap<&str, &str> = HashMap::new();
        let err = DbSideConfig::from_env(&env, Side::Target).unwrap_err();
        assert!(err.to_string().contains("TARGET_SECRET_ARN"), "{err}");
    }

    #[test]
    fn bad_port_names_variable_and_value() {
        let env: HashMap<&str, &str> =
            [("SOURCE_SECRET_ARN", "arn:x"), ("SOURCE_DB_PORT", "54x2")].into();
        let err = DbSideConfig::from_env(&env, Side::Source).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("SOURCE_DB_PORT") && text.contains("54x2"),
            "{text}"
        );
    }

    #[test]
    fn overrides_are_read() {
        let env: HashMap<&str, &str> = [
            (
                "SOURCE_SECRET_ARN",
                "arn:aws:secretsmanager:eu-west-1:1:secret:s",
            ),
            ("SOURCE_DB_HOST", "db.internal"),
            ("SOURCE_DB_PORT", "6432"),
            ("SOURCE_DB_NAME", "shopdb"),
        ]
        .into();
        let cfg = DbSideConfig::from_env(&env, Side::Source).unwrap();
        assert_eq!(cfg.host.as_deref(), Some("db.internal"));
        assert_eq!(cfg.port, Some(6432));
        assert_eq!(cfg.dbname.as_deref(), Some("shopdb"));
    }

    #[test]
    fn sslmode_rejects_unknown_values() {
        let env: HashMap<&str, &str> = [("DB_SSLMODE", "prefer")].into();
        let err = DbCommonConfig::from_env(&env).unwrap_err();
        assert!(err.to_string().contains("DB_SSLMODE"), "{err}");
    }

    #[test]
    fn readme_table_matches_the_code() {
        let readme = include_str!("../../../README.md");
        let begin = readme
            .find("<!-- env-table:begin")
            .expect("README env-table marker");
        let begin = begin + readme[begin..].find('\n').expect("marker line") + 1;
        let end = readme
            .find("<!-- env-table:end -->")
            .expect("README env-table end marker");
        let expected = env_table_markdown();
        assert_eq!(
            &readme[begin..end],
            expected,
            "README configuration table is stale; replace it with:\n{expected}"
        );
    }

    #[test]
    fn env_var_names_are_unique() {
        let mut names: Vec<_> = ENV_VARS.iter().map(|v| v.name).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len());
    }
}
