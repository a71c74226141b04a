//! Lambda `report`: aggregate the execution into JSON + Markdown (S3 or a
//! local directory), EMF metrics and an optional SNS notification.
//! Logic: `dmsflow::report`.

use dmsflow::config::ProcessEnv;
use dmsflow::handlers::report::{service_from_config, ReportConfig};
use dmsflow::HandlerError;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let init = async {
        let config = ReportConfig::from_env(&ProcessEnv)?;
        let sdk = dmsflow::aws::sdk_config().await;
        Ok::<_, HandlerError>(service_from_config(&config, &sdk))
    };
    dmsflow::lambda::run(init, |service, event| service.handle(event)).await
}
