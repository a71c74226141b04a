//! The DMS API calls behind the engine: starting the task, endpoint
//! connection tests, table statistics, and CDC latency from CloudWatch.

use super::*;

impl DmsEngine {
    pub(super) async fn start_task(
        &self,
        kind: StartReplicationTaskTypeValue,
    ) -> Result<Option<String>, EngineError> {
        let out = self
            .clients
            .dms
            .start_replication_task()
            .replication_task_arn(&self.task_arn)
            .start_replication_task_type(kind.clone())
            .send()
            .await
            .map_err(aws_error("StartReplicationTask", &self.task_arn))?;
        tracing::info!(task = %self.task_arn, start_type = kind.as_str(), "replication task started");
        Ok(out.replication_task.and_then(|t| t.status.clone()))
    }

    /// `TestConnection` for one endpoint, then poll `DescribeConnections`
    /// until it is no longer `testing` (bounded).
    pub(super) async fn test_endpoint(
        &self,
        side: &'static str,
        instance_arn: &str,
        endpoint_arn: &str,
    ) -> Result<(), EngineError> {
        self.clients
            .dms
            .test_connection()
            .replication_instance_arn(instance_arn)
            .endpoint_arn(endpoint_arn)
            .send()
            .await
            .map_err(aws_error("TestConnection", endpoint_arn))?;
        let started = Instant::now();
        loop {
            let out = self
                .clients
                .dms
                .describe_connections()
                .filters(Self::arn_filter("endpoint-arn", endpoint_arn)?)
                .filters(Self::arn_filter("replication-instance-arn", instance_arn)?)
                .send()
                .await
                .map_err(aws_error("DescribeConnections", endpoint_arn))?;
            let connection = out.connections.unwrap_or_default().into_iter().next();
            let status = connection
                .as_ref()
                .and_then(|c| c.status())
                .unwrap_or("testing");
            match status {
                "successful" => {
                    tracing::info!(
                        side,
                        endpoint = endpoint_arn,
                        "endpoint connection test passed"
                    );
                    return Ok(());
                }
                "failed" => {
                    return Err(EngineError::ConnectionTestFailed {
                        side,
                        endpoint_arn: endpoint_arn.to_owned(),
                        message: connection
                            .as_ref()
                            .and_then(|c| c.last_failure_message())
                            .unwrap_or("DMS gave no failure message")
                            .to_owned(),
                    })
                }
                "deleting" => {
                    return Err(EngineError::ConnectionTestFailed {
                        side,
                        endpoint_arn: endpoint_arn.to_owned(),
                        message: "the connection is being deleted".into(),
                    })
                }
                "testing" => {
                    if started.elapsed() >= self.options.connection_test_timeout {
                        return Err(EngineError::ConnectionTestTimeout {
                            side,
                            endpoint_arn: endpoint_arn.to_owned(),
                            seconds: self.options.connection_test_timeout.as_secs(),
                        });
                    }
                    tokio::time::sleep(self.options.connection_test_interval).await;
                }
                other => {
                    return Err(EngineError::UnknownState {
                        what: "DMS connection status",
                        value: other.to_owned(),
                        subject: endpoint_arn.to_owned(),
                    })
                }
            }
        }
    }

    /// Every page of `DescribeTableStatistics`.
    pub(super) async fn table_statistics(&self) -> Result<Vec<TableProgress>, EngineError> {
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .clients
                .dms
                .describe_table_statistics()
                .replication_task_arn(&self.task_arn)
                .max_records(500)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(aws_error("DescribeTableStatistics", &self.task_arn))?;
            for t in page.table_statistics() {
                let schema = t.schema_name().unwrap_or_default().to_owned();
                let table = t.table_name().unwrap_or_default().to_owned();
                let raw = t.table_state().unwrap_or_default();
                let state = table_state(raw, &format!("{schema}.{table}"))?;
                out.push(TableProgress {
                    state,
                    full_load_rows: t.full_load_rows(),
                    inserts: t.inserts(),
                    updates: t.updates(),
                    deletes: t.deletes(),
                    validation_state: t.validation_state().map(str::to_owned),
                    error: if state.is_error() {
                        Some(format!("DMS table state {raw:?}"))
                    } else {
                        None
                    },
                    schema,
                    table,
                });
            }
            match page.marker {
                Some(m) if !m.is_empty() => marker = Some(m),
                _ => break,
            }
        }
        Ok(out)
    }

    pub(super) async fn instance_identifier(
        &self,
        instance_arn: &str,
    ) -> Result<String, EngineError> {
        if let Ok(cache) = self.instance_identifier.lock() {
            if let Some((arn, id)) = cache.as_ref() {
                if arn == instance_arn {
                    return Ok(id.clone());
                }
            }
        }
        let out = self
            .clients
            .dms
            .describe_replication_instances()
            .filters(Self::arn_filter("replication-instance-arn", instance_arn)?)
            .send()
            .await
            .map_err(aws_error("DescribeReplicationInstances", instance_arn))?;
        let id = out
            .replication_instances()
            .iter()
            .find_map(|i| i.replication_instance_identifier())
            .ok_or_else(|| EngineError::Incomplete {
                what: "replication instance identifier",
                resource: instance_arn.to_owned(),
            })?
            .to_owned();
        if let Ok(mut cache) = self.instance_identifier.lock() {
            *cache = Some((instance_arn.to_owned(), id.clone()));
        }
        Ok(id)
    }

    /// `CDCLatencySource + CDCLatencyTarget` (latest one-minute averages,
    /// summed as AWS advises), `None` without datapoints.
    pub(super) async fn cdc_latency(&self, instance_arn: &str) -> Result<Option<f64>, EngineError> {
        use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
        let instance = self.instance_identifier(instance_arn).await?;
        let task_id = names::task_resource_id(&self.task_arn).map_err(|reason| {
            EngineError::InvalidState {
                what: "DMS task ARN".into(),
                state: self.task_arn.clone(),
                reason,
            }
        })?;
        let query = |id: &str, metric: &str| {
            MetricDataQuery::builder()
                .id(id)
                .metric_stat(
                    MetricStat::builder()
                        .metric(
                            Metric::builder()
                                .namespace("AWS/DMS")
                                .metric_name(metric)
                                .dimensions(
                                    Dimension::builder()
                                        .name("ReplicationInstanceIdentifier")
                                        .value(&instance)
                                        .build(),
                                )
                                .dimensions(
                                    Dimension::builder()
                                        .name("ReplicationTaskIdentifier")
                                        .value(task_id)
                                        .build(),
                                )
                                .build(),
                        )
                        .period(60)
                        .stat("Average")
                        .build(),
                )
                .return_data(true)
                .build()
        };
        let now = SystemTime::now();
        let out = self
            .clients
            .cloudwatch
            .get_metric_data()
            .metric_data_queries(query("source", "CDCLatencySource"))
            .metric_data_queries(query("target", "CDCLatencyTarget"))
            .start_time((now - Duration::from_secs(600)).into())
            .end_time(now.into())
            .scan_by(ScanBy::TimestampDescending)
            .send()
            .await
            .map_err(aws_error("GetMetricData", &self.task_arn))?;
        let latest: Vec<f64> = out
            .metric_data_results()
            .iter()
            .filter_map(|r| r.values().first().copied())
            .collect();
        Ok(if latest.is_empty() {
            None
        } else {
            Some(latest.iter().sum())
        })
    }
}
