//! [`RdsPort`] over aws-sdk-rds: DescribeDBInstances and DescribeDBParameters
//! (every page; the API's `Filters` are not supported for parameters).

use super::rds::{DbParameter, ParameterGroupStatus, RdsError, RdsInstance, RdsPort};
use crate::aws::ServiceError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

/// The RDS client, built once per process from the shared SDK configuration.
#[derive(Debug, Clone)]
pub struct RdsSdk {
    pub client: aws_sdk_rds::Client,
}

impl RdsSdk {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        RdsSdk {
            client: aws_sdk_rds::Client::new(config),
        }
    }

    pub fn from_client(client: aws_sdk_rds::Client) -> Self {
        RdsSdk { client }
    }
}

fn api_error<'a, E: ServiceError>(
    operation: &'static str,
    resource: &'a str,
) -> impl FnOnce(SdkError<E, HttpResponse>) -> RdsError + 'a {
    crate::aws::api_error("RDS", operation, resource)
}

fn instance_from(
    db: &aws_sdk_rds::types::DbInstance,
    identifier: &str,
) -> Result<RdsInstance, RdsError> {
    let required = |value: Option<&str>, what: &'static str| {
        value
            .map(str::to_owned)
            .ok_or_else(|| RdsError::Incomplete {
                operation: "DescribeDBInstances",
                what,
                resource: identifier.to_owned(),
            })
    };
    Ok(RdsInstance {
        identifier: required(db.db_instance_identifier(), "DBInstanceIdentifier")?,
        status: required(db.db_instance_status(), "DBInstanceStatus")?,
        engine: required(db.engine(), "Engine")?,
        engine_version: required(db.engine_version(), "EngineVersion")?,
        allocated_storage_gib: db.allocated_storage().map(i64::from).unwrap_or(0),
        max_allocated_storage_gib: db.max_allocated_storage().map(i64::from),
        backup_retention_days: db.backup_retention_period().map(i64::from).unwrap_or(0),
        parameter_groups: db
            .db_parameter_groups()
            .iter()
            .map(|g| ParameterGroupStatus {
                name: g.db_parameter_group_name().unwrap_or_default().to_owned(),
                apply_status: g.parameter_apply_status().unwrap_or_default().to_owned(),
            })
            .collect(),
    })
}

impl RdsPort for RdsSdk {
    async fn describe_instance(&self, identifier: &str) -> Result<RdsInstance, RdsError> {
        let out = self
            .client
            .describe_db_instances()
            .db_instance_identifier(identifier)
            .send()
            .await
            .map_err(api_error("DescribeDBInstances", identifier))?;
        let db = out
            .db_instances()
            .iter()
            .find(|d| d.db_instance_identifier() == Some(identifier))
            .ok_or_else(|| RdsError::Incomplete {
                operation: "DescribeDBInstances",
                what: "instance",
                resource: identifier.to_owned(),
            })?;
        instance_from(db, identifier)
    }

    async fn parameters(&self, group: &str) -> Result<Vec<DbParameter>, RdsError> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .client
                .describe_db_parameters()
                .db_parameter_group_name(group)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(api_error("DescribeDBParameters", group))?;
            out.extend(page.parameters().iter().filter_map(|p| {
                Some(DbParameter {
                    name: p.parameter_name()?.to_owned(),
                    value: p.parameter_value().map(str::to_owned),
                    apply_type: p.apply_type().map(str::to_owned),
                })
            }));
            match page.marker() {
                Some(m) if !m.is_empty() => marker = Some(m.to_owned()),
                _ => return Ok(out),
            }
        }
    }
}
