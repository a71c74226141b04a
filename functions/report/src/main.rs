//! Lambda `report`: aggregate the execution into JSON + Markdown (S3 or a
//! local directory), EMF metrics and an optional SNS notification.
//! Logic: `dmsflow::report`.

use dmsflow::config::ProcessEnv;
use dmsflow::handlers::report::{service_from_config, ReportConfig};
use lambda_runtime::{service_fn, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    dmsflow::logging::init_lambda();
    let config = ReportConfig::from_env(&ProcessEnv)?;
    let sdk = dmsflow::aws::sdk_config().await;
    let service = service_from_config(&config, &sdk);
    let service = &service;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        service.handle(event.payload)
    }))
    .await
}
