//! Errors that cross the Lambda boundary.
//!
//! Every failure a function can report maps to one stable `errorType` name in
//! [`ErrorType`]. The state machine's `Retry`/`Catch` `ErrorEquals` lists match
//! these names exactly, so renaming one is a breaking change (a test checks the
//! ASL only names types listed here).

use lambda_runtime::Diagnostic;
use std::fmt;

pub use crate::contract::errors::ErrorType;

/// Implemented by every error enum of the library: which stable name it maps to.
pub trait Classify {
    fn error_type(&self) -> ErrorType;
}

/// The error a Lambda handler returns. Carries the stable type and the full
/// `source()` chain rendered into one message (no secret ever reaches it: the
/// error types never hold passwords).
#[derive(Debug)]
pub struct HandlerError {
    pub error_type: ErrorType,
    pub message: String,
}

impl HandlerError {
    pub fn new(error_type: ErrorType, message: impl Into<String>) -> Self {
        Self {
            error_type,
            message: message.into(),
        }
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl std::error::Error for HandlerError {}

impl<E> From<E> for HandlerError
where
    E: Classify + std::error::Error,
{
    fn from(err: E) -> Self {
        HandlerError {
            error_type: err.error_type(),
            message: error_chain(&err),
        }
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(err: HandlerError) -> Self {
        Diagnostic {
            error_type: err.error_type.as_str().to_owned(),
            error_message: err.message,
        }
    }
}

/// `err: cause: cause…`, skipping a cause whose text the parent already contains.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut current = err.source();
    while let Some(cause) = current {
        let text = cause.to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        current = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_stable() {
        let mut names: Vec<&str> = ErrorType::ALL.iter().map(|t| t.as_str()).collect();
        let before = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(before, names.len());
        // serde and Display agree with as_str, so the ASL and the JSON match.
        for t in ErrorType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap_or_default(), t.as_str());
            assert_eq!(t.to_string(), t.as_str());
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("outer failed")]
    struct Outer(#[source] std::io::Error);
    impl Classify for Outer {
        fn error_type(&self) -> ErrorType {
            ErrorType::DatabaseUnavailable
        }
    }

    #[test]
    fn diagnostic_carries_type_and_chain() {
        let err = Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "refused",
        ));
        let diag: Diagnostic = HandlerError::from(err).into();
        assert_eq!(diag.error_type, "DatabaseUnavailable");
        assert_eq!(diag.error_message, "outer failed: refused");
    }
}
