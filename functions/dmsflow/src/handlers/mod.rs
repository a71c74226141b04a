//! Lambda handlers: event in, JSON out, errors with stable types. Generic over
//! the ports so tests can run them against real databases and a moto-backed
//! or in-memory secret store.

pub mod poll_task;
pub mod report;
pub mod seed;
pub mod start_task;
pub mod validate;

/// Serialize a result document (our own types always serialize).
pub(crate) fn to_json<T: serde::Serialize>(
    value: &T,
) -> Result<serde_json::Value, crate::HandlerError> {
    serde_json::to_value(value).map_err(|e| {
        crate::HandlerError::new(
            crate::ErrorType::InvalidEvent,
            format!("result not serializable: {e}"),
        )
    })
}
