//! Typed configuration, parsed once from the environment.
//!
//! Every variable is declared once, typed, in [`crate::contract::env`]
//! ([`ENV_VARS`]); the readers here take those declarations, so a default or a
//! range lives in one place. The README table, Terraform's Lambda environment
//! and the checked-in contract file come from the same list.

use crate::contract::env::{self as vars, Choice, Integer, List, Number, Text, Var};
pub use crate::contract::env::{env_table_markdown, EnvVar, Function, ENV_VARS};
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
    #[error("environment variable {var}={value} is out of range: allowed {min} to {max}")]
    OutOfRange {
        var: &'static str,
        value: String,
        min: String,
        max: String,
    },
}

impl Classify for ConfigError {
    fn error_type(&self) -> ErrorType {
        ErrorType::ConfigError
    }
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

    /// A declared integer: its default when unset, an error naming the
    /// variable and the allowed range when outside it.
    pub fn integer(&self, var: &Var<Integer>) -> Result<u64, ConfigError> {
        Ok(self.integer_opt(var)?.unwrap_or(var.value.default))
    }

    /// A declared integer, `None` when unset (the default is computed elsewhere).
    pub fn integer_opt(&self, var: &Var<Integer>) -> Result<Option<u64>, ConfigError> {
        let Some(value) = self.parsed_opt::<u64>(var.name)? else {
            return Ok(None);
        };
        let Integer { min, max, .. } = var.value;
        if !(min..=max).contains(&value) {
            return Err(ConfigError::OutOfRange {
                var: var.name,
                value: value.to_string(),
                min: min.to_string(),
                max: max.to_string(),
            });
        }
        Ok(Some(value))
    }

    /// A declared number (seconds), checked against its range.
    pub fn number(&self, var: &Var<Number>) -> Result<f64, ConfigError> {
        let value: f64 = self.parsed(var.name, var.value.default)?;
        let Number { min, max, .. } = var.value;
        if !(value.is_finite() && (min..=max).contains(&value)) {
            return Err(ConfigError::OutOfRange {
                var: var.name,
                value: value.to_string(),
                min: min.to_string(),
                max: max.to_string(),
            });
        }
        Ok(value)
    }

    /// A declared text: the value, else the declared default (if any).
    pub fn text(&self, var: &Var<Text>) -> Option<String> {
        self.optional(var.name)
            .or_else(|| var.value.default.map(str::to_owned))
    }

    /// A declared choice parsed into `T`: the value (which must be one of the
    /// allowed words), else the declared default.
    pub fn choice<T>(&self, var: &Var<Choice>) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let value = self
            .optional(var.name)
            .unwrap_or_else(|| var.value.default.to_owned());
        let invalid = |reason: String| ConfigError::Invalid {
            var: var.name,
            value: value.clone(),
            reason,
        };
        let parsed = value.parse().map_err(|e: T::Err| invalid(e.to_string()))?;
        if !var.value.allowed.contains(&value.as_str()) {
            return Err(invalid(format!("one of: {}", var.value.allowed.join(", "))));
        }
        Ok(parsed)
    }

    /// A declared comma-separated list (empty items dropped), else its default.
    pub fn list(&self, var: &Var<List>) -> Vec<String> {
        match self.optional(var.name) {
            Some(v) => v
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            None => var.value.default.iter().map(|s| (*s).to_owned()).collect(),
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
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
                &vars::SOURCE_SECRET_ARN,
                &vars::SOURCE_DB_HOST,
                &vars::SOURCE_DB_PORT,
                &vars::SOURCE_DB_NAME,
            ),
            Side::Target => (
                &vars::TARGET_SECRET_ARN,
                &vars::TARGET_DB_HOST,
                &vars::TARGET_DB_PORT,
                &vars::TARGET_DB_NAME,
            ),
        };
        let Some(secret_id) = env.text(secret) else {
            return Ok(None);
        };
        // The port's default is computed (the secret's, else 5432): unset stays None.
        let port = env
            .integer_opt(port)?
            .map(|p| u16::try_from(p).unwrap_or(u16::MAX));
        Ok(Some(DbSideConfig {
            side,
            secret_id,
            host: env.text(host),
            port,
            dbname: env.text(name),
        }))
    }
}

/// Settings every database-facing function shares.
#[derive(Debug, Clone)]
pub struct DbCommonConfig {
    /// `DB_SCHEMA` as given: a comma-separated list, empty for every user schema.
    pub schema: String,
    pub tls: TlsConfig,
}

impl DbCommonConfig {
    /// The schemas replicated and validated.
    pub fn scope(&self) -> crate::scope::Scope {
        crate::scope::Scope {
            schemas: crate::scope::Scope::parse_list(&self.schema),
            exclude: Vec::new(),
        }
    }

    /// The schema seeding writes the sample into: the first of `DB_SCHEMA`,
    /// else the sample's own (`shop`).
    pub fn sample_schema(&self) -> String {
        self.scope()
            .schemas
            .into_iter()
            .next()
            .unwrap_or_else(|| crate::seed::sample_schema::DEFAULT_SCHEMA.to_owned())
    }

    pub fn from_env<E: EnvSource + ?Sized>(env: &E) -> Result<Self, ConfigError> {
        let e = Env(env);
        let schema = e.text(&vars::DB_SCHEMA).unwrap_or_default();
        let ssl_mode: SslMode = e.choice(&vars::DB_SSLMODE)?;
        let ca_bundle = e.text(&vars::DB_CA_BUNDLE).map(PathBuf::from);
        let connect_timeout_secs = e.integer(&vars::DB_CONNECT_TIMEOUT_SECONDS)?;
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
        let path = crate::contract::files::repo_root().join("README.md");
        let readme = std::fs::read_to_string(&path).expect("README.md");
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
            "README configuration table is stale (make contract); replace it with:\n{expected}"
        );
    }

    #[test]
    fn out_of_range_values_name_the_var_and_the_range() {
        let env: HashMap<&str, &str> = [("DB_CONNECT_TIMEOUT_SECONDS", "0")].into();
        let err = DbCommonConfig::from_env(&env).unwrap_err().to_string();
        assert!(
            err.contains("DB_CONNECT_TIMEOUT_SECONDS") && err.contains("allowed 1 to 900"),
            "{err}"
        );
        let env: HashMap<&str, &str> =
            [("SOURCE_SECRET_ARN", "s"), ("SOURCE_DB_PORT", "70000")].into();
        let err = DbSideConfig::from_env(&env, Side::Source)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("SOURCE_DB_PORT=70000") && err.contains("1 to 65535"),
            "{err}"
        );
    }

    #[test]
    fn defaults_come_from_the_declarations() {
        let env: HashMap<&str, &str> = HashMap::new();
        let common = DbCommonConfig::from_env(&env).unwrap();
        assert_eq!(common.schema, "");
        assert!(common.scope().schemas.is_empty(), "every user schema");
        assert_eq!(common.sample_schema(), "shop");
        assert_eq!(common.tls.connect_timeout.as_secs(), 10);
        assert_eq!(common.tls.ssl_mode, SslMode::VerifyFull);
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
