//! The DMS engine against the real Rust SDK with realistic responses:
//! aws-smithy-mocks rules (modeled outputs and errors, status sequences) and
//! a StaticReplayClient with JSON bodies shaped like the DMS API reference
//! (so the SDK's own deserializer and error parsing are exercised).
//! moto's DMS is not usable for this (ISO dates the SDK refuses; tasks never
//! reach `ready`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use aws_sdk_databasemigration::config::retry::RetryConfig;
use aws_sdk_databasemigration::operation::describe_connections::DescribeConnectionsOutput;
use aws_sdk_databasemigration::operation::describe_replication_tasks::{
    DescribeReplicationTasksError, DescribeReplicationTasksOutput,
};
use aws_sdk_databasemigration::operation::describe_table_statistics::DescribeTableStatisticsOutput;
use aws_sdk_databasemigration::operation::start_replication_task::StartReplicationTaskError;
use aws_sdk_databasemigration::operation::stop_replication_task::StopReplicationTaskOutput;
use aws_sdk_databasemigration::operation::test_connection::{
    TestConnectionError, TestConnectionOutput,
};
use aws_sdk_databasemigration::types::error::{
    AccessDeniedFault, InvalidResourceStateFault, ResourceNotFoundFault,
};
use aws_sdk_databasemigration::types::{
    Connection, ReplicationTask, StartReplicationTaskTypeValue,
};
use aws_sdk_databasemigration::Client as Dms;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::DateTime;
use dmsflow::engine::dms::{DmsClients, DmsEngine, DmsOptions, TaskStatus};
use dmsflow::engine::{MigrationEngine, Outcome, Phase, Progress, StartRequest, TableState};
use dmsflow::error::{Classify, ErrorType};
use std::time::Duration;

mod common;
use common::dms::*;

fn meta(code: &str, message: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(message).build()
}

#[derive(Debug)]
enum Want {
    Ok(Outcome, Option<StartReplicationTaskTypeValue>),
    Err(ErrorType),
}

#[tokio::test]
async fn start_does_the_right_thing_for_every_status() {
    use StartReplicationTaskTypeValue as T;
    let cases: Vec<(&str, bool, bool, Want)> = vec![
        (
            "ready",
            false,
            false,
            Want::Ok(Outcome::Started, Some(T::StartReplication)),
        ),
        (
            "ready",
            false,
            true,
            Want::Ok(Outcome::Started, Some(T::StartReplication)),
        ),
        (
            "ready",
            true,
            false,
            Want::Ok(Outcome::Resumed, Some(T::ResumeProcessing)),
        ),
        (
            "ready",
            true,
            true,
            Want::Ok(Outcome::Reloaded, Some(T::ReloadTarget)),
        ),
        (
            "stopped",
            true,
            false,
            Want::Ok(Outcome::Resumed, Some(T::ResumeProcessing)),
        ),
        (
            "stopped",
            true,
            true,
            Want::Ok(Outcome::Reloaded, Some(T::ReloadTarget)),
        ),
        (
            "running",
            true,
            false,
            Want::Ok(Outcome::AlreadyRunning, None),
        ),
        (
            "starting",
            true,
            false,
            Want::Ok(Outcome::AlreadyRunning, None),
        ),
        (
            "running",
            true,
            true,
            Want::Err(ErrorType::InvalidTaskState),
        ),
        (
            "stopping",
            true,
            false,
            Want::Err(ErrorType::InvalidTaskState),
        ),
        ("failed", true, false, Want::Err(ErrorType::MigrationFailed)),
        (
            "failed",
            true,
            true,
            Want::Ok(Outcome::Reloaded, Some(T::ReloadTarget)),
        ),
        (
            "failed-move",
            true,
            false,
            Want::Err(ErrorType::MigrationFailed),
        ),
        (
            "creating",
            false,
            false,
            Want::Err(ErrorType::InvalidTaskState),
        ),
        (
            "modifying",
            true,
            false,
            Want::Err(ErrorType::InvalidTaskState),
        ),
        (
            "moving",
            true,
            false,
            Want::Err(ErrorType::InvalidTaskState),
        ),
        (
            "testing",
            false,
            false,
            Want::Err(ErrorType::InvalidTaskState),
        ),
        (
            "deleting",
            true,
            false,
            Want::Err(ErrorType::InvalidTaskState),
        ),
        (
            "resuming",
            true,
            false,
            Want::Err(ErrorType::InvalidTaskState),
        ),
    ];
    // Every documented status is covered above.
    for s in TaskStatus::ALL {
        assert!(cases.iter().any(|c| c.0 == s.as_str()), "{s:?} not covered");
    }
    for (status, has_run, reload, want) in cases {
        let mut t = task(status, has_run);
        if status.starts_with("failed") {
            t = ReplicationTask::builder()
                .replication_task_arn(TASK_ARN)
                .status(status)
                .replication_task_start_date(DateTime::from_secs(1_763_990_100))
                .last_failure_message("Last Error Relation 'shop.orders' does not exist on the target. Task error notification received from subtask 0, thread 0 [reptask/replicationtask.c:2883] [1020436] Error executing source loop; Stream component failed at subtask 0")
                .stop_reason("Stop Reason FATAL_ERROR Error Level FATAL")
                .build();
        }
        let d = describe(t);
        let kind = match &want {
            Want::Ok(_, Some(k)) => k.clone(),
            _ => T::StartReplication,
        };
        let s = start_rule(kind, "starting");
        let e = engine(&[&d, &s], &[]);
        let req = StartRequest {
            test_connections: false,
            reload_target: reload,
        };
        let got = e.start(&req).await;
        match (&want, got) {
            (Want::Ok(outcome, kind), Ok(r)) => {
                assert_eq!(
                    r.outcome, *outcome,
                    "{status} reload={reload}: {}",
                    r.message
                );
                assert_eq!(
                    s.num_calls(),
                    usize::from(kind.is_some()),
                    "{status}: StartReplicationTask calls"
                );
                assert_eq!(
                    serde_json::to_value(&r.handle).unwrap()["task_arn"],
                    TASK_ARN
                );
                assert!(r.message.contains(status), "{}", r.message);
            }
            (Want::Err(t), Err(err)) => {
                assert_eq!(err.error_type(), *t, "{status} reload={reload}: {err}");
                assert_eq!(s.num_calls(), 0, "{status}: nothing may be started");
                if status == "failed" {
                    assert!(
                        err.to_string()
                            .contains("Relation 'shop.orders' does not exist"),
                        "{err}"
                    );
                }
                if status == "resuming" {
                    assert!(err.to_string().contains("\"resuming\""), "{err}");
                }
            }
            (want, got) => panic!("{status} reload={reload}: wanted {want:?}, got {got:?}"),
        }
    }
}

fn connection(status: &str, message: Option<&str>) -> DescribeConnectionsOutput {
    let mut c = Connection::builder()
        .replication_instance_arn(INSTANCE_ARN)
        .replication_instance_identifier(INSTANCE_NAME)
        .status(status);
    if let Some(m) = message {
        c = c.last_failure_message(m);
    }
    DescribeConnectionsOutput::builder()
        .connections(c.build())
        .build()
}

fn test_connection_rule(endpoint: &'static str) -> Rule {
    mock!(Dms::test_connection)
        .match_requests(move |r| {
            r.endpoint_arn() == Some(endpoint) && r.replication_instance_arn() == Some(INSTANCE_ARN)
        })
        .then_output(|| {
            TestConnectionOutput::builder()
                .connection(Connection::builder().status("testing").build())
                .build()
        })
}

#[tokio::test]
async fn connection_tests_poll_until_done_and_fail_with_dms_message() {
    let d = describe(task("ready", false));
    let t1 = test_connection_rule(SOURCE_EP);
    let c1 = mock!(Dms::describe_connections)
        .match_requests(|r| {
            r.filters()
                .iter()
                .any(|f| f.name() == "endpoint-arn" && f.values() == [SOURCE_EP])
        })
        .sequence()
        .output(|| connection("testing", None))
        .times(2)
        .output(|| connection("successful", None))
        .build();
    let t2 = test_connection_rule(TARGET_EP);
    let msg = "Test connection for endpoint TGT failed: Error Details: [message=Cannot connect to ODBC provider ODBC general error., errType=, status=0, errMessage=, errDetails=] could not connect to server: Connection timed out";
    let c2 = mock!(Dms::describe_connections)
        .match_requests(|r| r.filters().iter().any(|f| f.values() == [TARGET_EP]))
        .sequence()
        .output(|| connection("testing", None))
        .output(move || connection("failed", Some(msg)))
        .build();
    let s = start_rule(StartReplicationTaskTypeValue::StartReplication, "starting");
    let e = engine(&[&d, &t1, &c1, &t2, &c2, &s], &[]);
    let err = e
        .start(&StartRequest {
            test_connections: true,
            reload_target: false,
        })
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), ErrorType::MigrationFailed, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("target endpoint") && text.contains("Connection timed out"),
        "{text}"
    );
    assert_eq!(
        (
            t1.num_calls(),
            c1.num_calls(),
            t2.num_calls(),
            c2.num_calls()
        ),
        (1, 3, 1, 2)
    );
    assert_eq!(s.num_calls(), 0, "a failed test must not start the task");

    // Both pass: the task starts.
    let d = describe(task("ready", false));
    let ok =
        |_: &str| mock!(Dms::describe_connections).then_output(|| connection("successful", None));
    let (t1, c1, t2, c2) = (
        test_connection_rule(SOURCE_EP),
        ok("s"),
        test_connection_rule(TARGET_EP),
        ok("t"),
    );
    let s = start_rule(StartReplicationTaskTypeValue::StartReplication, "starting");
    let e = engine(&[&d, &t1, &c1, &t2, &c2, &s], &[]);
    let r = e
        .start(&StartRequest {
            test_connections: true,
            reload_target: false,
        })
        .await
        .unwrap();
    assert_eq!(r.outcome, Outcome::Started);
    assert!(r.message.contains("tested"), "{}", r.message);

    // A test that never finishes is bounded (and worth retrying).
    let d = describe(task("ready", false));
    let t1 = test_connection_rule(SOURCE_EP);
    let forever = mock!(Dms::describe_connections).then_output(|| connection("testing", None));
    let e = DmsEngine::new(
        DmsClients {
            dms: mock_client!(
                aws_sdk_databasemigration,
                RuleMode::MatchAny,
                &[&d, &t1, &forever]
            ),
            cloudwatch: cw_client(&[]),
        },
        TASK_ARN,
    )
    .with_options(DmsOptions {
        connection_test_timeout: Duration::from_millis(50),
        connection_test_interval: Duration::from_millis(5),
        ..DmsOptions::default()
    });
    let err = e
        .start(&StartRequest {
            test_connections: true,
            reload_target: false,
        })
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), ErrorType::AwsTransient, "{err}");
    assert!(forever.num_calls() >= 2);

    // TestConnection itself refused.
    let d = describe(task("ready", false));
    let refused = mock!(Dms::test_connection).then_error(|| {
        TestConnectionError::InvalidResourceStateFault(
            InvalidResourceStateFault::builder()
                .message("Replication instance is not in available state")
                .meta(meta(
                    "InvalidResourceStateFault",
                    "Replication instance is not in available state",
                ))
                .build(),
        )
    });
    let e = engine(&[&d, &refused], &[]);
    let err = e
        .start(&StartRequest {
            test_connections: true,
            reload_target: false,
        })
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), ErrorType::InvalidTaskState, "{err}");
    assert!(hanlder_message(err).contains("not in available state"));
}

fn hanlder_message(err: dmsflow::engine::EngineError) -> String {
    dmsflow::HandlerError::from(err).message
}

async fn poll_with(
    t: ReplicationTask,
    stats: Vec<Rule>,
    cw: Vec<Rule>,
    threshold: f64,
) -> (Progress, DmsEngine) {
    let d = describe(t);
    let inst = instance_rule();
    let mut dms: Vec<&Rule> = vec![&d];
    dms.extend(stats.iter());
    dms.push(&inst);
    let cw_refs: Vec<&Rule> = cw.iter().collect();
    let e = engine(&dms, &cw_refs);
    let p = e.poll(threshold).await.expect("poll");
    // The document always round-trips.
    let v = serde_json::to_value(&p).unwrap();
    assert_eq!(serde_json::from_value::<Progress>(v).unwrap(), p);
    (p, e)
}

#[tokio::test]
async fn poll_maps_every_status_to_a_phase() {
    // Not running: no table statistics or metrics needed for these.
    for (status, phase) in [
        ("creating", Phase::Stopped),
        ("ready", Phase::Stopped),
        ("modifying", Phase::Stopped),
        ("moving", Phase::Stopped),
        ("testing", Phase::Stopped),
        ("starting", Phase::Starting),
        ("failed-move", Phase::Failed),
        ("deleting", Phase::Failed),
    ] {
        let (p, _) = poll_with(task(status, false), vec![], vec![], 5.0).await;
        assert_eq!((p.phase, p.status.as_str()), (phase, status));
        assert!(p.table_states.is_empty());
    }
    // Stopped / stopping / failed read the table statistics.
    for (status, phase) in [("stopped", Phase::Stopped), ("stopping", Phase::Stopped)] {
        let (p, _) = poll_with(
            task(status, true),
            vec![table_stats(all_tables("Table completed"), None)],
            vec![],
            5.0,
        )
        .await;
        assert_eq!(p.phase, phase, "{status}");
        assert_eq!(p.table_states.len(), 6);
        assert_eq!(p.last_error, None);
    }
    let mut failed = task("failed", true);
    failed.last_failure_message = Some(
        "Last Error ODBC general error. Task error notification received from subtask 0".into(),
    );
    let (p, _) = poll_with(
        failed,
        vec![table_stats(all_tables("Table completed"), None)],
        vec![],
        5.0,
    )
    .await;
    assert_eq!(p.phase, Phase::Failed);
    assert!(p.last_error.unwrap().contains("ODBC general error"));

    // Running, full load in progress: no metrics asked for.
    let mut tables = all_tables("Table completed");
    tables[2] = table("shop", "products", "Full load", 40);
    tables[4] = table("shop", "orders", "Before load", 0);
    tables[5] = table("shop", "order_items", "Table is being reloaded", 0);
    let (p, _) = poll_with(
        running(stats(42, 3, 2, 1, 0)),
        vec![table_stats(tables, None)],
        vec![],
        5.0,
    )
    .await;
    assert_eq!(p.phase, Phase::FullLoad);
    assert!((p.full_load_percent - 42.0).abs() < f64::EPSILON);
    assert_eq!(
        (
            p.tables.total,
            p.tables.loaded,
            p.tables.loading,
            p.tables.queued
        ),
        (6, 3, 2, 1)
    );
    assert_eq!(p.table_states[4].state, TableState::Queued);
    assert_eq!(p.table_states[5].state, TableState::Reloading);
    assert_eq!(p.cdc_lag_seconds, None);

    // Running, full load done: lag = CDCLatencySource + CDCLatencyTarget (latest datapoints).
    let (p, e) = poll_with(
        running(stats(100, 6, 0, 0, 0)),
        vec![table_stats(all_tables("Table completed"), None)],
        vec![latency_rule(Some(1.5), Some(2.0))],
        5.0,
    )
    .await;
    assert_eq!(p.phase, Phase::InSync, "{p:?}");
    assert_eq!(p.cdc_lag_seconds, Some(3.5));
    assert_eq!(p.cdc_lag_bytes, None);
    assert_eq!(p.table_states[0].full_load_rows, 100);
    assert_eq!(
        p.table_states[0].validation_state.as_deref(),
        Some("Not enabled")
    );
    drop(e);
    let (p, _) = poll_with(
        running(stats(100, 6, 0, 0, 0)),
        vec![table_stats(all_tables("Table completed"), None)],
        vec![latency_rule(Some(4.0), Some(3.0))],
        5.0,
    )
    .await;
    assert_eq!(
        (p.phase, p.cdc_lag_seconds),
        (Phase::CdcCatchingUp, Some(7.0))
    );
    // No datapoint yet: lag unknown, so not in sync.
    let (p, _) = poll_with(
        running(stats(100, 6, 0, 0, 0)),
        vec![table_stats(all_tables("Table completed"), None)],
        vec![latency_rule(None, None)],
        5.0,
    )
    .await;
    assert_eq!((p.phase, p.cdc_lag_seconds), (Phase::CdcCatchingUp, None));
}

#[tokio::test]
async fn table_statistics_are_paginated_and_table_errors_fail_the_phase() {
    let page1 = table_stats(
        vec![
            table("shop", "categories", "Table completed", 10),
            table("shop", "customers", "Table completed", 50),
            table("shop", "products", "Table error", 12),
        ],
        Some("eyJtYXJrZXIiOiAiMyJ9"),
    );
    let page2 = mock!(Dms::describe_table_statistics)
        .match_requests(|r| r.marker() == Some("eyJtYXJrZXIiOiAiMyJ9"))
        .then_output(|| {
            DescribeTableStatisticsOutput::builder()
                .replication_task_arn(TASK_ARN)
                .table_statistics(table("shop", "inventory", "Table completed", 100))
                .table_statistics(table("shop", "orders", "Table does not exist", 0))
                .table_statistics(table("shop", "order_items", "Table cancelled", 0))
                .build()
        });
    let (p, _) = poll_with(
        running(stats(100, 3, 0, 0, 3)),
        vec![page1, page2],
        vec![],
        5.0,
    )
    .await;
    assert_eq!(p.phase, Phase::Failed);
    assert_eq!(p.status, "running");
    assert_eq!(p.table_states.len(), 6, "both pages read");
    assert_eq!(p.tables.errored, 3);
    let err = p.last_error.unwrap();
    assert!(
        err.contains("shop.products") && err.contains("Table error") && err.contains("shop.orders"),
        "{err}"
    );
    assert_eq!(p.table_states[2].state, TableState::Errored);
    assert_eq!(p.table_states[4].state, TableState::Missing);
    assert_eq!(p.table_states[5].state, TableState::Cancelled);

    // An unknown table state is an error, not a guess.
    let odd = table_stats(
        vec![table("shop", "orders", "Queued for validation", 0)],
        None,
    );
    let d = describe(running(stats(100, 6, 0, 0, 0)));
    let e = engine(&[&d, &odd], &[]);
    let err = e.poll(5.0).await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::InvalidTaskState);
    assert!(
        err.to_string().contains("Queued for validation")
            && err.to_string().contains("shop.orders"),
        "{err}"
    );
}

#[tokio::test]
async fn api_errors_are_classified() {
    let not_found = mock!(Dms::describe_replication_tasks).then_error(|| {
        DescribeReplicationTasksError::ResourceNotFoundFault(
            ResourceNotFoundFault::builder()
                .message("No Tasks found matching provided filters")
                .meta(meta(
                    "ResourceNotFoundFault",
                    "No Tasks found matching provided filters",
                ))
                .build(),
        )
    });
    let err = engine(&[&not_found], &[]).poll(5.0).await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::TaskNotFound, "{err}");
    assert!(hanlder_message(err).contains("No Tasks found"));

    // An empty answer is also "not found".
    let empty = mock!(Dms::describe_replication_tasks)
        .then_output(|| DescribeReplicationTasksOutput::builder().build());
    let err = engine(&[&empty], &[]).stop().await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::TaskNotFound, "{err}");

    let throttled = mock!(Dms::describe_replication_tasks).then_error(|| {
        DescribeReplicationTasksError::generic(meta("ThrottlingException", "Rate exceeded"))
    });
    let err = engine(&[&throttled], &[]).poll(5.0).await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::AwsTransient, "{err}");

    let unavailable = mock!(Dms::describe_replication_tasks).then_http_response(|| {
        HttpResponse::new(
            StatusCode::try_from(503).unwrap(),
            SdkBody::from("Service Unavailable"),
        )
    });
    let err = engine(&[&unavailable], &[]).poll(5.0).await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::AwsTransient, "{err}");

    let d = describe(task("stopped", true));
    let invalid = mock!(Dms::start_replication_task).then_error(|| {
        StartReplicationTaskError::InvalidResourceStateFault(
            InvalidResourceStateFault::builder()
                .message("Replication Task cannot be started, invalid state")
                .meta(meta(
                    "InvalidResourceStateFault",
                    "Replication Task cannot be started, invalid state",
                ))
                .build(),
        )
    });
    let err = engine(&[&d, &invalid], &[])
        .start(&StartRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), ErrorType::InvalidTaskState, "{err}");

    let d = describe(task("stopped", true));
    let denied = mock!(Dms::start_replication_task).then_error(|| {
        StartReplicationTaskError::AccessDeniedFault(
            AccessDeniedFault::builder()
                .message("not authorized to perform: dms:StartReplicationTask")
                .meta(meta(
                    "AccessDeniedFault",
                    "not authorized to perform: dms:StartReplicationTask",
                ))
                .build(),
        )
    });
    let err = engine(&[&d, &denied], &[])
        .start(&StartRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), ErrorType::AwsError, "{err}");
    assert!(hanlder_message(err).contains("dms:StartReplicationTask"));
}

#[tokio::test]
async fn stop_only_stops_what_runs() {
    for (status, outcome) in [
        ("running", Some(Outcome::Stopped)),
        ("starting", Some(Outcome::Stopped)),
        ("stopped", Some(Outcome::AlreadyStopped)),
        ("stopping", Some(Outcome::AlreadyStopped)),
        ("ready", Some(Outcome::AlreadyStopped)),
        ("failed", Some(Outcome::AlreadyStopped)),
        ("failed-move", Some(Outcome::AlreadyStopped)),
        ("deleting", Some(Outcome::AlreadyStopped)),
        ("creating", None),
        ("modifying", None),
        ("moving", None),
        ("testing", None),
    ] {
        let d = describe(task(status, true));
        let s = mock!(Dms::stop_replication_task)
            .match_requests(|r| r.replication_task_arn() == Some(TASK_ARN))
            .then_output(|| {
                StopReplicationTaskOutput::builder()
                    .replication_task(task("stopping", true))
                    .build()
            });
        let got = engine(&[&d, &s], &[]).stop().await;
        match outcome {
            Some(o) => {
                let r = got.unwrap();
                assert_eq!(r.outcome, o, "{status}");
                assert_eq!(r.action, "stop");
                assert_eq!(
                    s.num_calls(),
                    usize::from(o == Outcome::Stopped),
                    "{status}"
                );
            }
            None => {
                assert_eq!(
                    got.unwrap_err().error_type(),
                    ErrorType::InvalidTaskState,
                    "{status}"
                );
                assert_eq!(s.num_calls(), 0);
            }
        }
    }
}

/// The SDK's own JSON deserializer on bodies shaped like the DMS API
/// reference examples (epoch-second timestamps, `__type` error codes).
#[tokio::test]
async fn replayed_api_responses_parse_and_map() {
    use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;

    fn response(status: u16, body: &str) -> HttpResponse {
        let mut r = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
        r.headers_mut()
            .insert("content-type", "application/x-amz-json-1.1");
        r
    }
    let request = || HttpRequest::new(SdkBody::empty());
    let task_json = format!(
        r#"{{"ReplicationTasks":[{{"ReplicationTaskIdentifier":"dmsflow-shop","SourceEndpointArn":"{SOURCE_EP}","TargetEndpointArn":"{TARGET_EP}","ReplicationInstanceArn":"{INSTANCE_ARN}","MigrationType":"full-load-and-cdc","Status":"stopped","StopReason":"Stop Reason NORMAL","ReplicationTaskCreationDate":1763990000.0,"ReplicationTaskStartDate":1763990100.0,"ReplicationTaskArn":"{TASK_ARN}","ReplicationTaskStats":{{"FullLoadProgressPercent":100,"ElapsedTimeMillis":65000,"TablesLoaded":2,"TablesLoading":0,"TablesQueued":0,"TablesErrored":0,"FreshStartDate":1763990100.0,"StartDate":1763990100.0,"StopDate":1763990900.0,"FullLoadStartDate":1763990110.0,"FullLoadFinishDate":1763990170.0}}}}]}}"#
    );
    let stats_json = format!(
        r#"{{"ReplicationTaskArn":"{TASK_ARN}","TableStatistics":[{{"SchemaName":"shop","TableName":"orders","Inserts":40,"Deletes":5,"Updates":40,"Ddls":0,"FullLoadRows":200000,"FullLoadCondtnlChkFailedRows":0,"FullLoadErrorRows":0,"FullLoadStartTime":1763990110.0,"FullLoadEndTime":1763990150.0,"FullLoadReloaded":false,"LastUpdateTime":1763990800.0,"TableState":"Table completed","ValidationPendingRecords":0,"ValidationFailedRecords":0,"ValidationSuspendedRecords":0,"ValidationState":"Validated"}},{{"SchemaName":"shop","TableName":"order_items","Inserts":0,"Deletes":0,"Updates":0,"Ddls":0,"FullLoadRows":530000,"TableState":"Table completed","ValidationState":"Not enabled"}}]}}"#
    );
    let http = StaticReplayClient::new(vec![
        ReplayEvent::new(request(), response(200, &task_json)),
        ReplayEvent::new(request(), response(200, &stats_json)),
        ReplayEvent::new(
            request(),
            response(
                400,
                r#"{"__type":"ResourceNotFoundFault","message":"Replication Task not found"}"#,
            ),
        ),
        ReplayEvent::new(
            request(),
            response(
                400,
                r#"{"__type":"InvalidResourceStateFault","message":"Replication Task cannot be stopped, invalid state"}"#,
            ),
        ),
    ]);
    let dms = Dms::from_conf(
        aws_sdk_databasemigration::Config::builder()
            .with_test_defaults_v2()
            .retry_config(RetryConfig::disabled())
            .http_client(http.clone())
            .build(),
    );
    let e = DmsEngine::new(
        DmsClients {
            dms,
            cloudwatch: cw_client(&[]),
        },
        TASK_ARN,
    );
    let p = e.poll(5.0).await.expect("poll from replayed JSON");
    assert_eq!((p.phase, p.status.as_str()), (Phase::Stopped, "stopped"));
    assert_eq!((p.tables.total, p.tables.loaded), (2, 2));
    assert_eq!(p.table_states[0].full_load_rows, 200_000);
    assert_eq!(
        (
            p.table_states[0].inserts,
            p.table_states[0].updates,
            p.table_states[0].deletes
        ),
        (40, 40, 5)
    );
    assert_eq!(
        p.table_states[0].validation_state.as_deref(),
        Some("Validated")
    );
    let err = e.poll(5.0).await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::TaskNotFound, "{err}");
    let err = e.stop().await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::InvalidTaskState, "{err}");
    // What was sent: the ARN filter, as JSON 1.1 to DMS's target.
    let sent: Vec<String> = http
        .actual_requests()
        .map(|r| {
            format!(
                "{} {}",
                r.headers().get("x-amz-target").unwrap_or_default(),
                std::str::from_utf8(r.body().bytes().unwrap_or_default()).unwrap_or_default()
            )
        })
        .collect();
    assert!(
        sent[0].starts_with("AmazonDMSv20160101.DescribeReplicationTasks"),
        "{sent:?}"
    );
    assert!(
        sent[0].contains("replication-task-arn") && sent[0].contains(TASK_ARN),
        "{sent:?}"
    );
    assert!(
        sent[1].starts_with("AmazonDMSv20160101.DescribeTableStatistics"),
        "{sent:?}"
    );
}
