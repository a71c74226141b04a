//! One AWS SDK configuration per process: a single rustls/ring HTTPS client
//! (the SDK crates are built without default features, see the workspace
//! manifest). Endpoints follow the standard `AWS_ENDPOINT_URL*` variables, which
//! is how local runs and tests point the SDK at a moto server.

use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls;

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
