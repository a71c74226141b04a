//! Stable error-type names: what Step Functions sees in `errorType` / `Error`.
//! The state machine's `Retry`/`Catch` `ErrorEquals` lists match these names
//! exactly (a test reads them from `contract/dmsflow.contract.json`).

use std::fmt;

/// Stable error-type names, as seen by Step Functions.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
pub enum ErrorType {
    /// The event does not match the function's input type.
    InvalidEvent,
    /// The function's environment is incomplete or malformed.
    ConfigError,
    /// A secret could not be read or does not hold usable credentials.
    SecretError,
    /// A database could not be reached (refused, timed out, DNS). Transient.
    DatabaseUnavailable,
    /// The database rejected the credentials, or the database does not exist.
    DatabaseAuthFailed,
    /// TLS could not be established or the server certificate did not verify.
    TlsError,
    /// A statement failed (permissions, constraint, timeout, lost connection).
    DatabaseError,
    /// `seed-source load` found data already there and `reset` was not set.
    SourceNotEmpty,
    /// A table named in the event or flags does not exist.
    UnknownTable,
    /// The migration engine reported a failed task / replication.
    MigrationFailed,
    /// The migration task or subscription does not exist.
    TaskNotFound,
    /// The migration task is in a state that does not allow the action.
    InvalidTaskState,
    /// An AWS API call failed in a way worth retrying (throttling, 5xx). Transient.
    AwsTransient,
    /// An AWS API call failed (access denied, validation, not found).
    AwsError,
    /// The report could not be written or published.
    ReportError,
    /// The cut-over cannot run as asked (a fence role that is a superuser,
    /// dmsflow's own role or unknown); nothing was changed.
    CutoverRefused,
    /// A cut-over could not undo its fence: the source stays fenced (the
    /// message says what to restore by hand).
    UnfenceFailed,
}

impl ErrorType {
    /// Every error type any function can emit. The ASL may name only these.
    pub const ALL: &'static [ErrorType] = &[
        ErrorType::InvalidEvent,
        ErrorType::ConfigError,
        ErrorType::SecretError,
        ErrorType::DatabaseUnavailable,
        ErrorType::DatabaseAuthFailed,
        ErrorType::TlsError,
        ErrorType::DatabaseError,
        ErrorType::SourceNotEmpty,
        ErrorType::UnknownTable,
        ErrorType::MigrationFailed,
        ErrorType::TaskNotFound,
        ErrorType::InvalidTaskState,
        ErrorType::AwsTransient,
        ErrorType::AwsError,
        ErrorType::ReportError,
        ErrorType::CutoverRefused,
        ErrorType::UnfenceFailed,
    ];

    /// The name Step Functions sees in `errorType` / `Error`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::InvalidEvent => "InvalidEvent",
            ErrorType::ConfigError => "ConfigError",
            ErrorType::SecretError => "SecretError",
            ErrorType::DatabaseUnavailable => "DatabaseUnavailable",
            ErrorType::DatabaseAuthFailed => "DatabaseAuthFailed",
            ErrorType::TlsError => "TlsError",
            ErrorType::DatabaseError => "DatabaseError",
            ErrorType::SourceNotEmpty => "SourceNotEmpty",
            ErrorType::UnknownTable => "UnknownTable",
            ErrorType::MigrationFailed => "MigrationFailed",
            ErrorType::TaskNotFound => "TaskNotFound",
            ErrorType::InvalidTaskState => "InvalidTaskState",
            ErrorType::AwsTransient => "AwsTransient",
            ErrorType::AwsError => "AwsError",
            ErrorType::ReportError => "ReportError",
            ErrorType::CutoverRefused => "CutoverRefused",
            ErrorType::UnfenceFailed => "UnfenceFailed",
        }
    }

    /// What the error means (the contract's `errors[].meaning`).
    pub fn meaning(self) -> &'static str {
        match self {
            ErrorType::InvalidEvent => "The event does not match the function's input type.",
            ErrorType::ConfigError => "The function's environment is incomplete or malformed.",
            ErrorType::SecretError => {
                "A secret could not be read or does not hold usable credentials."
            }
            ErrorType::DatabaseUnavailable => {
                "A database could not be reached (refused, timed out, DNS). Transient."
            }
            ErrorType::DatabaseAuthFailed => {
                "The database rejected the credentials, or the database does not exist."
            }
            ErrorType::TlsError => {
                "TLS could not be established or the server certificate did not verify."
            }
            ErrorType::DatabaseError => {
                "A statement failed (permissions, constraint, timeout, lost connection)."
            }
            ErrorType::SourceNotEmpty => {
                "`seed-source load` found data already there and `reset` was not set."
            }
            ErrorType::UnknownTable => "A table named in the event or flags does not exist.",
            ErrorType::MigrationFailed => {
                "The migration engine reported a failed task / replication."
            }
            ErrorType::TaskNotFound => "The migration task or subscription does not exist.",
            ErrorType::InvalidTaskState => {
                "The migration task is in a state that does not allow the action."
            }
            ErrorType::AwsTransient => {
                "An AWS API call failed in a way worth retrying (throttling, 5xx). Transient."
            }
            ErrorType::AwsError => "An AWS API call failed (access denied, validation, not found).",
            ErrorType::ReportError => "The report could not be written or published.",
            ErrorType::CutoverRefused => {
                "The cut-over cannot run as asked (a fence role that is a superuser, dmsflow's own role or unknown); nothing was changed."
            }
            ErrorType::UnfenceFailed => {
                "A cut-over could not undo its fence: the source stays fenced (the message says what to restore by hand)."
            }
        }
    }

    /// Worth retrying from the state machine (with backoff).
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorType::DatabaseUnavailable | ErrorType::AwsTransient
        )
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
