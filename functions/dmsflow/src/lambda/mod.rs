//! The Lambda runtime boundary every function's `main` goes through.
//!
//! - Init: the function's service is built from the environment first; a
//!   failure (a missing or invalid variable) is posted to the Runtime API's
//!   init error endpoint with its stable `errorType` (`ConfigError`…), so
//!   Lambda shows that, not `Runtime.ExitError`. lambda_runtime 1.5 posts to
//!   `/init/error` only for SnapStart hooks, so the post is made here, with
//!   the Runtime API client lambda_runtime itself uses.
//! - Events: any body is accepted; one that is not JSON is an `InvalidEvent`
//!   naming the parse error (lambda_runtime would answer with its internal
//!   `&lambda_runtime::deserializer::DeserializeError`).

pub mod emulator;

use crate::{ErrorType, HandlerError};
use lambda_runtime::{service_fn, LambdaEvent};
use lambda_runtime_api_client::{body::Body, build_request, PooledClient};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::future::Future;
use std::time::Duration;

/// Where Lambda tells the runtime its API listens (`host:port`).
pub const RUNTIME_API_VAR: &str = "AWS_LAMBDA_RUNTIME_API";
/// The Runtime API's init error endpoint.
pub const INIT_ERROR_PATH: &str = "/2018-06-01/runtime/init/error";
/// The header carrying the error type of a reported error.
pub const ERROR_TYPE_HEADER: &str = "lambda-runtime-function-error-type";
/// Bound on posting the init error (the process exits right after).
const REPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// Run one function: logging, then `init` (builds the service from the
/// environment; its error is reported as an init error), then every event
/// through `handle`.
pub async fn run<S, I, H, F>(init: I, handle: H) -> Result<(), lambda_runtime::Error>
where
    S: 'static,
    I: Future<Output = Result<S, HandlerError>>,
    H: Fn(&'static S, Value) -> F,
    F: Future<Output = Result<Value, HandlerError>>,
{
    crate::logging::init_lambda();
    // Boxed: the futures of init and of the runtime nest deep enough to hit
    // the compiler's layout recursion limit when inlined into one.
    let service = match Box::pin(init).await {
        Ok(service) => service,
        Err(err) => {
            tracing::error!(error_type = %err.error_type, "init failed: {}", err.message);
            report_init_error(&err).await;
            return Err(Box::new(err));
        }
    };
    // The service lives as long as the process: Lambda ends it by killing it.
    let service: &'static S = Box::leak(Box::new(service));
    Box::pin(lambda_runtime::run(service_fn(
        move |event: LambdaEvent<EventBody>| {
            let call = event.payload.into_json().map(|json| handle(service, json));
            async move {
                match call {
                    Ok(handled) => handled.await,
                    Err(not_json) => Err(not_json),
                }
            }
        },
    )))
    .await
}

/// An event body as it arrived: JSON, or why it is not.
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    Json(Value),
    NotJson(String),
}

impl EventBody {
    /// The JSON, or an `InvalidEvent` naming the parse error.
    pub fn into_json(self) -> Result<Value, HandlerError> {
        match self {
            EventBody::Json(json) => Ok(json),
            EventBody::NotJson(reason) => Err(HandlerError::new(
                ErrorType::InvalidEvent,
                format!("the event is not JSON: {reason}"),
            )),
        }
    }
}

impl<'de> Deserialize<'de> for EventBody {
    /// Never fails: a parse error becomes [`EventBody::NotJson`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(deserializer) {
            Ok(json) => EventBody::Json(json),
            Err(e) => EventBody::NotJson(e.to_string()),
        })
    }
}

/// Why an init error could not be reported.
#[derive(Debug, thiserror::Error)]
pub enum InitReportError {
    #[error("{RUNTIME_API_VAR} is not set (not running under a Lambda runtime)")]
    NoRuntimeApi,
    #[error("{RUNTIME_API_VAR}={value:?} is not a host:port: {reason}")]
    Endpoint { value: String, reason: String },
    #[error("posting to {INIT_ERROR_PATH} failed")]
    Post(#[source] lambda_runtime::Error),
    #[error("{INIT_ERROR_PATH} answered HTTP {status}")]
    Status { status: u16 },
    #[error("{INIT_ERROR_PATH} did not answer within {} s", REPORT_TIMEOUT.as_secs())]
    Timeout,
}

/// Post `err` to the init error endpoint; a failure to do so is logged (the
/// process exits with the error either way).
pub async fn report_init_error(err: &HandlerError) {
    let posted = tokio::time::timeout(REPORT_TIMEOUT, post_init_error(err)).await;
    if let Err(e) = posted.unwrap_or(Err(InitReportError::Timeout)) {
        tracing::error!(error = %crate::error::error_chain(&e), "init error not reported to the Lambda Runtime API");
    }
}

async fn post_init_error(err: &HandlerError) -> Result<(), InitReportError> {
    let value = std::env::var(RUNTIME_API_VAR).map_err(|_| InitReportError::NoRuntimeApi)?;
    let endpoint = match value.parse() {
        Ok(uri) => uri,
        Err(e) => {
            let reason = format!("{e}");
            return Err(InitReportError::Endpoint { value, reason });
        }
    };
    let client = PooledClient::builder().with_endpoint(endpoint).build();
    let body = serde_json::json!({
        "errorType": err.error_type.as_str(),
        "errorMessage": err.message,
    });
    let request = build_request()
        .method("POST")
        .uri(INIT_ERROR_PATH)
        .header(ERROR_TYPE_HEADER, err.error_type.as_str())
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .map_err(|e| InitReportError::Post(e.into()))?;
    let response = client.call(request).await.map_err(InitReportError::Post)?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(InitReportError::Status {
            status: status.as_u16(),
        })
    }
}
