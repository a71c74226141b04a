//! Credentials from Secrets Manager (the only place secrets come from on AWS).

use crate::config::{DbCommonConfig, DbSideConfig};
use crate::db::{ConnectSpec, DbCredentials, DbError};
use crate::error::{Classify, ErrorType};
use std::future::Future;

/// Port: something that returns a secret's string value by id (ARN or name).
pub trait SecretStore: Send + Sync {
    fn secret_string(
        &self,
        secret_id: &str,
    ) -> impl Future<Output = Result<String, SecretError>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secret {secret_id} not found")]
    NotFound { secret_id: String },
    #[error("not allowed to read secret {secret_id}")]
    AccessDenied { secret_id: String },
    #[error("secret {secret_id} has no string value (binary secrets are not supported)")]
    NotAString { secret_id: String },
    #[error("secret {secret_id} is not the expected JSON {{username,password[,host,port,dbname]}}: {reason}")]
    Malformed { secret_id: String, reason: String },
    #[error("Secrets Manager is unavailable reading {secret_id}")]
    Unavailable {
        secret_id: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("reading secret {secret_id} failed")]
    Other {
        secret_id: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error(transparent)]
    Connect(#[from] DbError),
}

impl Classify for SecretError {
    fn error_type(&self) -> ErrorType {
        match self {
            SecretError::Unavailable { .. } => ErrorType::AwsTransient,
            SecretError::Connect(e) => e.error_type(),
            _ => ErrorType::SecretError,
        }
    }
}

/// Adapter: AWS Secrets Manager.
#[derive(Debug, Clone)]
pub struct SecretsManagerStore {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManagerStore {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        SecretsManagerStore {
            client: aws_sdk_secretsmanager::Client::new(config),
        }
    }
}

impl SecretStore for SecretsManagerStore {
    async fn secret_string(&self, secret_id: &str) -> Result<String, SecretError> {
        use aws_sdk_secretsmanager::error::SdkError;
        use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
        let result = self
            .client
            .get_secret_value()
            .secret_id(secret_id)
            .send()
            .await;
        let id = || secret_id.to_owned();
        match result {
            Ok(out) => out
                .secret_string
                .ok_or_else(|| SecretError::NotAString { secret_id: id() }),
            Err(SdkError::ServiceError(ctx)) => match ctx.err() {
                GetSecretValueError::ResourceNotFoundException(_) => {
                    Err(SecretError::NotFound { secret_id: id() })
                }
                GetSecretValueError::InternalServiceError(_) => Err(SecretError::Unavailable {
                    secret_id: id(),
                    source: Box::new(SdkError::ServiceError(ctx)),
                }),
                other if other.meta().code() == Some("AccessDeniedException") => {
                    Err(SecretError::AccessDenied { secret_id: id() })
                }
                other if matches!(other.meta().code(), Some("ThrottlingException")) => {
                    Err(SecretError::Unavailable {
                        secret_id: id(),
                        source: Box::new(SdkError::ServiceError(ctx)),
                    })
                }
                _ => Err(SecretError::Other {
                    secret_id: id(),
                    source: Box::new(SdkError::ServiceError(ctx)),
                }),
            },
            Err(
                e @ (SdkError::TimeoutError(_)
                | SdkError::DispatchFailure(_)
                | SdkError::ResponseError(_)),
            ) => Err(SecretError::Unavailable {
                secret_id: id(),
                source: Box::new(e),
            }),
            Err(e) => Err(SecretError::Other {
                secret_id: id(),
                source: Box::new(e),
            }),
        }
    }
}

/// Parse an RDS-style secret. The error never includes the secret's text.
pub fn parse_credentials(secret_id: &str, text: &str) -> Result<DbCredentials, SecretError> {
    let malformed = |reason: String| SecretError::Malformed {
        secret_id: secret_id.to_owned(),
        reason,
    };
    // serde's message names the field and position, never the value.
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| malformed(strip_serde_value(&e)))?;
    // A struct would also accept a JSON array, read by position: refuse it.
    if !value.is_object() {
        return Err(malformed(
            "not a JSON object (an RDS secret is {\"username\": …, \"password\": …, \"host\": …})"
                .into(),
        ));
    }
    serde_json::from_value(value).map_err(|e| malformed(strip_serde_value(&e)))
}

fn strip_serde_value(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof => {
            format!("not valid JSON (line {}, column {})", e.line(), e.column())
        }
        Category::Data => {
            let text = e.to_string();
            // "invalid type: string \"…\", expected …" would echo a value; keep only the shape.
            if text.starts_with("invalid type") || text.starts_with("invalid value") {
                format!(
                    "a field has the wrong type (line {}, column {})",
                    e.line(),
                    e.column()
                )
            } else {
                text
            }
        }
        Category::Io => "unreadable".to_owned(),
    }
}

/// Read one side's secret and build its connection spec.
pub async fn resolve_side<S: SecretStore + ?Sized>(
    store: &S,
    side: &DbSideConfig,
    common: &DbCommonConfig,
) -> Result<ConnectSpec, SecretError> {
    let text = store.secret_string(&side.secret_id).await?;
    let creds = parse_credentials(&side.secret_id, &text)?;
    Ok(ConnectSpec::from_credentials(
        side.side.as_str(),
        creds,
        side.host.as_deref(),
        side.port,
        side.dbname.as_deref(),
        &common.tls,
    )?)
}

/// In-memory store for pure logic tests.
#[derive(Debug, Default, Clone)]
pub struct StaticSecrets(pub std::collections::HashMap<String, String>);

impl SecretStore for StaticSecrets {
    async fn secret_string(&self, secret_id: &str) -> Result<String, SecretError> {
        self.0
            .get(secret_id)
            .cloned()
            .ok_or_else(|| SecretError::NotFound {
                secret_id: secret_id.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_secret_error_never_echoes_the_value() {
        let err = parse_credentials("s", r#"{"username":"u","password":12345678}"#).unwrap_err();
        assert!(!err.to_string().contains("12345678"), "{err}");
        let err = parse_credentials("s", r#"{"username":"u"}"#).unwrap_err();
        assert!(err.to_string().contains("password"), "{err}");
        let err = parse_credentials("s", "hunter2").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn a_secret_as_a_json_array_is_refused_not_read_by_position() {
        let err = parse_credentials("s", r#"["admin", "hunter2", "db.example", 5432]"#)
            .expect_err("array");
        let text = err.to_string();
        assert!(text.contains("not a JSON object"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
