//! DMS API mocks shared by the DMS engine tests: aws-smithy-mocks rules with
//! modeled outputs shaped like the DMS API reference (task, table statistics,
//! replication instance, CloudWatch CDC latency).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
use aws_sdk_cloudwatch::types::MetricDataResult;
use aws_sdk_cloudwatch::Client as CloudWatch;
use aws_sdk_databasemigration::config::retry::RetryConfig;
use aws_sdk_databasemigration::operation::describe_replication_instances::DescribeReplicationInstancesOutput;
use aws_sdk_databasemigration::operation::describe_replication_tasks::DescribeReplicationTasksOutput;
use aws_sdk_databasemigration::operation::describe_table_statistics::DescribeTableStatisticsOutput;
use aws_sdk_databasemigration::operation::start_replication_task::StartReplicationTaskOutput;
use aws_sdk_databasemigration::types::{
    ReplicationInstance, ReplicationTask, ReplicationTaskStats, StartReplicationTaskTypeValue,
    TableStatistics,
};
use aws_sdk_databasemigration::Client as Dms;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_types::DateTime;
use dmsflow::engine::dms::{DmsClients, DmsEngine, DmsOptions};
use std::time::Duration;

pub const TASK_ID: &str = "ZNA6HGL4BSAFJNEJSDYQ4QCD7U";
pub const TASK_ARN: &str = "arn:aws:dms:eu-west-1:123456789012:task:ZNA6HGL4BSAFJNEJSDYQ4QCD7U";
pub const INSTANCE_ARN: &str = "arn:aws:dms:eu-west-1:123456789012:rep:6UTDJGBOUS3VI3SUWA66XFJCJQ";
pub const INSTANCE_NAME: &str = "dmsflow-replication";
pub const SOURCE_EP: &str =
    "arn:aws:dms:eu-west-1:123456789012:endpoint:SRCZWMUGYQH3U2YHRXSLJ2UZK4";
pub const TARGET_EP: &str =
    "arn:aws:dms:eu-west-1:123456789012:endpoint:TGTQ5ZR7LMN6PZJ5Y5VTK3SBMA";

pub fn dms_client(rules: &[&Rule]) -> Dms {
    mock_client!(
        aws_sdk_databasemigration,
        RuleMode::Sequential,
        rules,
        |b| b.retry_config(RetryConfig::disabled())
    )
}

pub fn cw_client(rules: &[&Rule]) -> CloudWatch {
    mock_client!(aws_sdk_cloudwatch, RuleMode::Sequential, rules, |b| b
        .retry_config(
            aws_sdk_cloudwatch::config::retry::RetryConfig::disabled()
        ))
}

pub fn engine(dms: &[&Rule], cw: &[&Rule]) -> DmsEngine {
    DmsEngine::new(
        DmsClients {
            dms: dms_client(dms),
            cloudwatch: cw_client(cw),
        },
        TASK_ARN,
    )
    .with_options(DmsOptions {
        connection_test_timeout: Duration::from_millis(300),
        connection_test_interval: Duration::from_millis(1),
        stop_timeout: Duration::from_secs(5),
        stop_interval: Duration::from_millis(10),
    })
}

/// A task as DescribeReplicationTasks returns it.
pub fn task(status: &str, has_run: bool) -> ReplicationTask {
    let mut b = ReplicationTask::builder()
        .replication_task_identifier("dmsflow-shop")
        .replication_task_arn(TASK_ARN)
        .source_endpoint_arn(SOURCE_EP)
        .target_endpoint_arn(TARGET_EP)
        .replication_instance_arn(INSTANCE_ARN)
        .migration_type(aws_sdk_databasemigration::types::MigrationTypeValue::FullLoadAndCdc)
        .status(status)
        .replication_task_creation_date(DateTime::from_secs(1_763_990_000));
    if has_run {
        b = b
            .replication_task_start_date(DateTime::from_secs(1_763_990_100))
            .replication_task_stats(stats(100, 6, 0, 0, 0));
    }
    b.build()
}

pub fn stats(
    percent: i32,
    loaded: i32,
    loading: i32,
    queued: i32,
    errored: i32,
) -> ReplicationTaskStats {
    ReplicationTaskStats::builder()
        .full_load_progress_percent(percent)
        .elapsed_time_millis(65_000)
        .tables_loaded(loaded)
        .tables_loading(loading)
        .tables_queued(queued)
        .tables_errored(errored)
        .fresh_start_date(DateTime::from_secs(1_763_990_100))
        .start_date(DateTime::from_secs(1_763_990_100))
        .full_load_start_date(DateTime::from_secs(1_763_990_110))
        .build()
}

pub fn describe(t: ReplicationTask) -> Rule {
    mock!(Dms::describe_replication_tasks)
        .match_requests(|r| {
            r.filters().iter().any(|f| {
                f.name() == "replication-task-arn" && f.values().iter().any(|v| v == TASK_ARN)
            })
        })
        .then_output(move || {
            DescribeReplicationTasksOutput::builder()
                .replication_tasks(t.clone())
                .build()
        })
}

pub fn start_rule(kind: StartReplicationTaskTypeValue, new_status: &'static str) -> Rule {
    mock!(Dms::start_replication_task)
        .match_requests(move |r| {
            r.replication_task_arn() == Some(TASK_ARN)
                && r.start_replication_task_type() == Some(&kind)
        })
        .then_output(move || {
            StartReplicationTaskOutput::builder()
                .replication_task(task(new_status, true))
                .build()
        })
}

pub fn table(schema: &str, name: &str, state: &str, rows: i64) -> TableStatistics {
    TableStatistics::builder()
        .schema_name(schema)
        .table_name(name)
        .table_state(state)
        .full_load_rows(rows)
        .inserts(3)
        .updates(2)
        .deletes(1)
        .ddls(0)
        .validation_state("Not enabled")
        .last_update_time(DateTime::from_secs(1_763_990_200))
        .build()
}

pub fn table_stats(tables: Vec<TableStatistics>, marker: Option<&'static str>) -> Rule {
    mock!(Dms::describe_table_statistics)
        .match_requests(|r| r.replication_task_arn() == Some(TASK_ARN))
        .then_output(move || {
            DescribeTableStatisticsOutput::builder()
                .replication_task_arn(TASK_ARN)
                .set_table_statistics(Some(tables.clone()))
                .set_marker(marker.map(str::to_owned))
                .build()
        })
}

pub const SAMPLE: [&str; 6] = [
    "categories",
    "customers",
    "products",
    "inventory",
    "orders",
    "order_items",
];

pub fn all_tables(state: &str) -> Vec<TableStatistics> {
    SAMPLE
        .iter()
        .map(|t| table("shop", t, state, 100))
        .collect()
}

pub fn instance_rule() -> Rule {
    mock!(Dms::describe_replication_instances)
        .match_requests(|r| {
            r.filters()
                .iter()
                .any(|f| f.values().iter().any(|v| v == INSTANCE_ARN))
        })
        .then_output(|| {
            DescribeReplicationInstancesOutput::builder()
                .replication_instances(
                    ReplicationInstance::builder()
                        .replication_instance_identifier(INSTANCE_NAME)
                        .replication_instance_arn(INSTANCE_ARN)
                        .replication_instance_status("available")
                        .build(),
                )
                .build()
        })
}

/// GetMetricData for the two latency metrics, checking the documented
/// namespace and dimensions (instance name, task resource id).
pub fn latency_rule(source: Option<f64>, target: Option<f64>) -> Rule {
    mock!(CloudWatch::get_metric_data)
        .match_requests(|r| {
            let queries = r.metric_data_queries();
            let names: Vec<&str> = queries
                .iter()
                .filter_map(|q| q.metric_stat()?.metric()?.metric_name())
                .collect();
            names == ["CDCLatencySource", "CDCLatencyTarget"]
                && queries.iter().all(|q| {
                    let m = q.metric_stat().and_then(|s| s.metric()).unwrap();
                    let dims: Vec<(&str, &str)> = m
                        .dimensions()
                        .iter()
                        .map(|d| (d.name().unwrap_or(""), d.value().unwrap_or("")))
                        .collect();
                    m.namespace() == Some("AWS/DMS")
                        && dims
                            == [
                                ("ReplicationInstanceIdentifier", INSTANCE_NAME),
                                ("ReplicationTaskIdentifier", TASK_ID),
                            ]
                })
        })
        .then_output(move || {
            let result = |id: &str, v: Option<f64>| {
                let b = MetricDataResult::builder().id(id);
                match v {
                    Some(v) => b
                        .values(v)
                        .values(99.0)
                        .timestamps(DateTime::from_secs(1_763_990_400))
                        .timestamps(DateTime::from_secs(1_763_990_340)),
                    None => b,
                }
                .build()
            };
            GetMetricDataOutput::builder()
                .metric_data_results(result("source", source))
                .metric_data_results(result("target", target))
                .build()
        })
}

pub fn running(stats_: ReplicationTaskStats) -> ReplicationTask {
    let mut t = task("running", true);
    t.replication_task_stats = Some(stats_);
    t
}
