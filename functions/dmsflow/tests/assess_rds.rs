//! The RDS checks of the assessment against the real aws-sdk-rds: recorded
//! Query-API responses (tests/fixtures/rds/*.xml) replayed through the SDK's
//! own XML deserializer (StaticReplayClient), and aws-smithy-mocks rules for
//! the variations (in-sync group, logical replication off, no backups, a
//! target too small, an older target).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use aws_sdk_rds::config::retry::RetryConfig;
use aws_sdk_rds::operation::describe_db_instances::DescribeDbInstancesOutput;
use aws_sdk_rds::operation::describe_db_parameters::DescribeDbParametersOutput;
use aws_sdk_rds::types::{DbInstance, DbParameterGroupStatus, Parameter};
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use dmsflow::assess::model::{AssessCheck, Status};
use dmsflow::assess::rds::{self, RdsInstances, RdsPort};
use dmsflow::assess::rds_sdk::RdsSdk;
use dmsflow::assess::target::Sizes;
use dmsflow::error::{Classify, ErrorType};

const GIB: i64 = 1 << 30;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/rds/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn response(status: u16, body: String) -> HttpResponse {
    let mut r = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
    r.headers_mut().insert("content-type", "text/xml");
    r
}

fn replay(events: Vec<(u16, &str)>) -> (RdsSdk, StaticReplayClient) {
    let http = StaticReplayClient::new(
        events
            .into_iter()
            .map(|(status, name)| {
                ReplayEvent::new(
                    HttpRequest::new(SdkBody::empty()),
                    response(status, fixture(name)),
                )
            })
            .collect(),
    );
    let client = aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::Config::builder()
            .with_test_defaults_v2()
            .retry_config(RetryConfig::disabled())
            .http_client(http.clone())
            .build(),
    );
    (RdsSdk::from_client(client), http)
}

fn instances() -> RdsInstances {
    RdsInstances {
        source: "dmsflow-src".into(),
        target: "dmsflow-tgt".into(),
    }
}

fn check<'a>(checks: &'a [AssessCheck], name: &str) -> &'a AssessCheck {
    checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no {name} in {checks:#?}"))
}

fn sent(http: &StaticReplayClient) -> Vec<String> {
    http.actual_requests()
        .map(|r| {
            std::str::from_utf8(r.body().bytes().unwrap_or_default())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// The classic: `rds.logical_replication` = 1 in the group, the group
/// pending a reboot on the instance. Everything else is fine.
#[tokio::test]
async fn recorded_responses_find_the_pending_reboot() {
    let (port, http) = replay(vec![
        (200, "describe-db-instances-source-pending-reboot.xml"),
        (200, "describe-db-instances-target.xml"),
        (200, "describe-db-parameters-page1.xml"),
        (200, "describe-db-parameters-page2.xml"),
    ]);
    let sizes = Sizes {
        source_bytes: 20 * GIB,
        target_bytes: GIB / 100,
    };
    let checks = rds::checks(&port, &instances(), &sizes).await.unwrap();
    let logical = check(&checks, "rds-logical-replication");
    assert_eq!(logical.status, Status::Fail, "{logical:#?}");
    assert!(logical.summary.contains("pending a reboot"), "{logical:#?}");
    assert!(
        logical
            .evidence
            .contains(&"parameter group dmsflow-src-pg15: pending-reboot".to_owned()),
        "{logical:#?}"
    );
    assert!(
        logical
            .evidence
            .contains(&"rds.logical_replication = 1".to_owned()),
        "{logical:#?}"
    );
    assert!(logical
        .fix
        .as_deref()
        .unwrap_or_default()
        .contains("reboot the source instance dmsflow-src"));
    // The second page was read: its values are in the evidence.
    let params = check(&checks, "rds-replication-parameters");
    assert_eq!(params.status, Status::Warn, "{params:#?}");
    assert!(
        params.evidence.contains(&"max_wal_senders = 10".to_owned()),
        "{params:#?}"
    );
    assert!(
        params
            .evidence
            .contains(&"max_replication_slots = 10".to_owned()),
        "{params:#?}"
    );
    for name in [
        "rds-instance-available",
        "rds-engine-version",
        "rds-storage-headroom",
        "rds-backup-retention",
    ] {
        assert_eq!(
            check(&checks, name).status,
            Status::Pass,
            "{:#?}",
            check(&checks, name)
        );
    }
    // Storage autoscaling counts: 200 GiB.
    assert!(check(&checks, "rds-storage-headroom").evidence[0].contains("storage 200 GiB"));
    let bodies = sent(&http);
    assert_eq!(bodies.len(), 4);
    assert!(
        bodies[0].contains("Action=DescribeDBInstances")
            && bodies[0].contains("DBInstanceIdentifier=dmsflow-src"),
        "{}",
        bodies[0]
    );
    assert!(
        bodies[1].contains("DBInstanceIdentifier=dmsflow-tgt"),
        "{}",
        bodies[1]
    );
    assert!(
        bodies[2].contains("Action=DescribeDBParameters")
            && bodies[2].contains("DBParameterGroupName=dmsflow-src-pg15"),
        "{}",
        bodies[2]
    );
    assert!(!bodies[2].contains("Marker="), "{}", bodies[2]);
    assert!(
        bodies[3].contains("Marker=bWF4X3JlcGxpY2F0aW9uX3Nsb3Rz"),
        "{}",
        bodies[3]
    );
}

#[tokio::test]
async fn recorded_errors_are_classified() {
    let (port, _) = replay(vec![
        (404, "error-db-instance-not-found.xml"),
        (400, "error-throttling.xml"),
    ]);
    let err = port.describe_instance("dmsflow-gone").await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::AwsError, "{err}");
    let text = dmsflow::error::error_chain(&err);
    assert!(
        text.contains("DescribeDBInstances") && text.contains("dmsflow-gone"),
        "{text}"
    );
    let err = port.describe_instance("dmsflow-src").await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::AwsTransient, "{err}");
}

// ---- variations on modeled outputs ----

fn instance(id: &str, version: &str, storage: i32, backups: i32, apply_status: &str) -> DbInstance {
    DbInstance::builder()
        .db_instance_identifier(id)
        .db_instance_status("available")
        .engine("postgres")
        .engine_version(version)
        .allocated_storage(storage)
        .backup_retention_period(backups)
        .db_parameter_groups(
            DbParameterGroupStatus::builder()
                .db_parameter_group_name(format!("{id}-params"))
                .parameter_apply_status(apply_status)
                .build(),
        )
        .build()
}

fn describe(db: DbInstance) -> Rule {
    mock!(aws_sdk_rds::Client::describe_db_instances).then_output(move || {
        DescribeDbInstancesOutput::builder()
            .db_instances(db.clone())
            .build()
    })
}

fn parameters(logical: &str) -> Rule {
    let logical = logical.to_owned();
    mock!(aws_sdk_rds::Client::describe_db_parameters).then_output(move || {
        DescribeDbParametersOutput::builder()
            .parameters(
                Parameter::builder()
                    .parameter_name("rds.logical_replication")
                    .parameter_value(&logical)
                    .apply_type("static")
                    .build(),
            )
            .parameters(
                Parameter::builder()
                    .parameter_name("max_wal_senders")
                    .parameter_value("0")
                    .build(),
            )
            .build()
    })
}

async fn run(rules: &[&Rule], sizes: Sizes) -> Vec<AssessCheck> {
    let client = mock_client!(aws_sdk_rds, RuleMode::Sequential, rules, |b| b
        .retry_config(RetryConfig::disabled()));
    rds::checks(&RdsSdk::from_client(client), &instances(), &sizes)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_rds_check_can_fail() {
    let src = describe(instance("dmsflow-src", "16.2", 50, 0, "in-sync"));
    let tgt = describe(instance("dmsflow-tgt", "15.6", 10, 1, "in-sync"));
    let params = parameters("0");
    let sizes = Sizes {
        source_bytes: 12 * GIB,
        target_bytes: 0,
    };
    let checks = run(&[&src, &tgt, &params], sizes).await;
    for name in [
        "rds-engine-version",
        "rds-storage-headroom",
        "rds-backup-retention",
        "rds-logical-replication",
        "rds-replication-parameters",
    ] {
        assert_eq!(
            check(&checks, name).status,
            Status::Fail,
            "{:#?}",
            check(&checks, name)
        );
    }
    assert!(check(&checks, "rds-replication-parameters")
        .summary
        .contains("max_wal_senders"));
    assert_eq!(
        check(&checks, "rds-instance-available").status,
        Status::Pass
    );
    // A tight fit is a warning: 9 GiB into 10 GiB leaves under 25% headroom.
    let src = describe(instance("dmsflow-src", "15.4", 50, 7, "in-sync"));
    let tgt = describe(instance("dmsflow-tgt", "15.6", 10, 1, "in-sync"));
    let params = parameters("1");
    let checks = run(
        &[&src, &tgt, &params],
        Sizes {
            source_bytes: 9 * GIB,
            target_bytes: 0,
        },
    )
    .await;
    assert_eq!(check(&checks, "rds-storage-headroom").status, Status::Warn);
    assert_eq!(
        check(&checks, "rds-logical-replication").status,
        Status::Pass
    );
    assert_eq!(check(&checks, "rds-engine-version").status, Status::Pass);
}

#[tokio::test]
async fn an_instance_not_available_fails() {
    let mut stopped = instance("dmsflow-tgt", "16.2", 100, 1, "in-sync");
    stopped.db_instance_status = Some("stopped".into());
    let src = describe(instance("dmsflow-src", "16.2", 50, 7, "in-sync"));
    let tgt = describe(stopped);
    let params = parameters("1");
    let checks = run(&[&src, &tgt, &params], Sizes::default()).await;
    let c = check(&checks, "rds-instance-available");
    assert_eq!(c.status, Status::Fail, "{c:#?}");
    assert!(
        c.evidence
            .contains(&"target dmsflow-tgt: stopped".to_owned()),
        "{c:#?}"
    );
}
