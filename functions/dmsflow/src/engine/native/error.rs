//! Errors of the native engine that the generic engine errors do not cover.

use crate::error::{Classify, ErrorType};
use crate::sql::RowError;

#[derive(Debug, thiserror::Error)]
pub enum NativeError {
    #[error("the target server could not connect to the source for subscription {subscription} (sslmode={sslmode}): check the source host, port, user, password, sslmode and sslrootcert the target server uses. A configuration error, not retried; what this start created was removed")]
    SubscriberCannotConnect {
        subscription: String,
        sslmode: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("tables on the target {endpoint} already hold rows: {tables}. The native engine copies each table whole, so the copy would fail on duplicate keys (or double the rows): empty them on the target (TRUNCATE), then start again")]
    TargetNotEmpty { endpoint: String, tables: String },
    #[error(
        "{object} on {endpoint} is not this migration's ({why}); dmsflow leaves it alone. {hint}"
    )]
    NotOurs {
        object: String,
        endpoint: String,
        why: String,
        hint: String,
    },
    #[error("another dmsflow start or stop of subscription {subscription} holds its lock on {endpoint}; gave up after the lock timeout")]
    Busy {
        subscription: String,
        endpoint: String,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("connecting to {endpoint} did not finish within {seconds} s")]
    ConnectTimeout { endpoint: String, seconds: u64 },
    #[error(transparent)]
    Row(#[from] RowError),
}

impl Classify for NativeError {
    fn error_type(&self) -> ErrorType {
        match self {
            NativeError::SubscriberCannotConnect { .. } => ErrorType::ConfigError,
            NativeError::TargetNotEmpty { .. }
            | NativeError::NotOurs { .. }
            | NativeError::Busy { .. } => ErrorType::InvalidTaskState,
            NativeError::ConnectTimeout { .. } => ErrorType::DatabaseUnavailable,
            NativeError::Row(_) => ErrorType::DatabaseError,
        }
    }
}
