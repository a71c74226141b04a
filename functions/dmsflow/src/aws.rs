//! One AWS SDK configuration per process: a single rustls/ring HTTPS client
//! (the SDK crates are built without default features, see the workspace
//! manifest). Endpoints follow the standard `AWS_ENDPOINT_URL*` variables, which
//! is how local runs and tests point the SDK at a moto server.

use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Load region, credentials and endpoint overrides from the environment.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client)
        .load()
        .await
}

/// How an AWS API error is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// `ResourceNotFoundFault`.
    NotFound,
    /// `InvalidResourceStateFault`.
    InvalidState,
    /// Throttling, 5xx, timeouts, connection failures: worth retrying.
    Transient,
    /// Anything else (access denied, validation…).
    Other,
}

/// The error of any SDK operation (every service's `XxxError` is one).
pub trait ServiceError: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static {}
impl<T: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static> ServiceError for T {}

/// An AWS API call that failed: classified, logged once, the SDK error kept
/// whole as the source. Each port turns it into its own typed error.
#[derive(Debug, thiserror::Error)]
#[error("AWS {operation} failed for {resource}")]
pub struct ApiFailure {
    pub operation: &'static str,
    pub resource: String,
    pub kind: AwsErrorKind,
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// `.map_err(api_error("DMS", "StartReplicationTask", arn))`: the failure of
/// one call on one resource as the caller's error type.
pub fn api_error<'a, E: ServiceError, T: From<ApiFailure>>(
    service: &'static str,
    operation: &'static str,
    resource: &'a str,
) -> impl FnOnce(SdkError<E, HttpResponse>) -> T + 'a {
    move |err| {
        let kind = classify(&err);
        tracing::warn!(service, operation, resource, error = %DisplayErrorContext(&err), "AWS API call failed");
        T::from(ApiFailure {
            operation,
            resource: resource.to_owned(),
            kind,
            source: Box::new(err),
        })
    }
}

/// Classify an SDK error: not found, invalid state, transient (throttling,
/// 5xx, timeouts, connection failures) or other.
pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> AwsErrorKind
where
    E: ProvideErrorMetadata,
{
    match err {
        SdkError::ServiceError(ctx) => {
            let code = ctx.err().code().unwrap_or_default();
            match code {
                "ResourceNotFoundFault" => AwsErrorKind::NotFound,
                "InvalidResourceStateFault" => AwsErrorKind::InvalidState,
                "Throttling"
                | "ThrottlingException"
                | "ThrottledException"
                | "RequestThrottledException"
                | "TooManyRequestsException"
                | "RequestLimitExceeded"
                | "ServiceUnavailable"
                | "InternalFailure"
                | "InternalServerError" => AwsErrorKind::Transient,
                _ if ctx.raw().status().as_u16() >= 500 => AwsErrorKind::Transient,
                _ => AwsErrorKind::Other,
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            AwsErrorKind::Transient
        }
        _ => AwsErrorKind::Other,
    }
}
