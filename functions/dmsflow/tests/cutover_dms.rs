//! The cut-over of a DMS migration (through start-task's `cutover` action,
//! and the library): the DMS API on modeled responses
//! (tests/common/dms.rs: task states, StopReplicationTask), the databases and
//! the task's slot real. `pg_recvlogical` streams the slot as DMS's session
//! does, and stops when StopReplicationTask is called (DMS's stop closes it).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use aws_sdk_databasemigration::operation::stop_replication_task::StopReplicationTaskOutput;
use aws_sdk_databasemigration::Client as Dms;
use aws_smithy_mocks::{mock, Rule};
use common::dms::*;
use common::pgbench::{pg_tool, url_for};
use common::{exec, identical_pair, local_password, query_i64};
use dmsflow::cutover::engine::DmsMigration;
use dmsflow::cutover::{Cutover, CutoverRequest, CutoverResult, CutoverVerdict, FenceMode};
use dmsflow::db::ConnectSpec;
use dmsflow::engine::dms::{DmsClients, SourceSlot};
use dmsflow::engine::setup::{EngineConfig, EngineContext};
use dmsflow::handlers::start_task::StartTaskService;
use dmsflow::scope::Scope;
use dmsflow::secrets::StaticSecrets;
use dmsflow::validate::ValidateOptions;
use serde_json::json;
use std::collections::HashMap;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};

/// DMS's session on the source: streams `slot` until killed.
fn consume(db: &str, slot: &str, out: &std::path::Path) -> Child {
    Command::new(pg_tool("pg_recvlogical"))
        .args(["--slot", slot, "--start", "-s", "1", "-F", "1", "-f"])
        .arg(out)
        .args(["-d", &url_for("DMSFLOW_SOURCE_URL", db)])
        .spawn()
        .expect("pg_recvlogical")
}

async fn create_slot(source: &ConnectSpec, slot: &str) {
    exec(
        source,
        &format!("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{slot}' AND NOT active"),
    )
    .await;
    exec(
        source,
        &format!("SELECT pg_create_logical_replication_slot('{slot}', 'test_decoding')"),
    )
    .await;
}

/// A fresh slot in `db`, streamed by DMS's stand-in (stopped by StopReplicationTask).
async fn streamed_slot(
    source: &ConnectSpec,
    db: &str,
    slot: &str,
    dir: &std::path::Path,
) -> Arc<Mutex<Option<Child>>> {
    create_slot(source, slot).await;
    Arc::new(Mutex::new(Some(consume(
        db,
        slot,
        &dir.join("changes.txt"),
    ))))
}

/// The precondition's poll: the task running with its full load done
/// (describe, table statistics, instance), and CloudWatch at 1 s.
fn precondition_rules() -> ([Rule; 3], Rule) {
    (
        [
            describe(running(stats(100, 6, 0, 0, 0))),
            table_stats(all_tables("Table completed"), None),
            instance_rule(),
        ],
        latency_rule(Some(0.5), Some(0.5)),
    )
}

/// StopReplicationTask, which ends DMS's session on the source.
fn stop_rule(consumer: Arc<Mutex<Option<Child>>>) -> Rule {
    mock!(Dms::stop_replication_task)
        .match_requests(|r| r.replication_task_arn() == Some(TASK_ARN))
        .then_output(move || {
            if let Some(mut c) = consumer.lock().unwrap().take() {
                c.kill().unwrap();
                c.wait().unwrap();
            }
            StopReplicationTaskOutput::builder()
                .replication_task(task("stopping", true))
                .build()
        })
}

fn request() -> CutoverRequest {
    CutoverRequest {
        fence: FenceMode::None,
        fence_roles: vec![],
        quiet_seconds: 1,
        drain_timeout_seconds: 30,
        rehearsal: false,
    }
}

/// A migration whose engine answers `dms` and CloudWatch at 1 s of latency.
fn migration(dms: &[&Rule], cw: &[&Rule], source: &ConnectSpec, slot: &str) -> DmsMigration {
    let slot = SourceSlot {
        source: source.clone(),
        name: Some(slot.to_owned()),
        max_bytes: 64 * 1024,
    };
    DmsMigration {
        engine: engine(dms, cw).with_source_slot(slot),
        scope: Scope::only(&["shop"]),
    }
}

/// The start-task service with MIGRATION_ENGINE=dms over `source` and
/// `target` (their secrets), the task's slot named, the DMS API mocked.
fn dms_service(
    source: &ConnectSpec,
    target: &ConnectSpec,
    slot: &str,
    clients: DmsClients,
) -> StartTaskService<StaticSecrets> {
    let secret = |spec: &ConnectSpec| {
        json!({"username": spec.user, "password": local_password(), "host": spec.host,
               "port": spec.port, "dbname": spec.dbname})
        .to_string()
    };
    let secrets = StaticSecrets(HashMap::from([
        ("src".to_owned(), secret(source)),
        ("tgt".to_owned(), secret(target)),
    ]));
    let env: HashMap<&str, &str> = HashMap::from([
        ("MIGRATION_ENGINE", "dms"),
        ("DMS_TASK_ARN", TASK_ARN),
        ("DMS_SOURCE_SLOT", slot),
        ("SOURCE_SECRET_ARN", "src"),
        ("TARGET_SECRET_ARN", "tgt"),
        ("DB_SSLMODE", "disable"),
        ("DB_SCHEMA", "shop"),
    ]);
    let config = EngineConfig::from_env(&env).unwrap();
    StartTaskService::new(EngineContext::new(config, secrets, clients))
}

async fn slots_named(source: &ConnectSpec, slot: &str) -> i64 {
    query_i64(
        source,
        &format!("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'"),
    )
    .await
}

#[tokio::test]
async fn a_dms_cut_over_drains_to_the_slot_stops_the_task_and_drops_its_slot() {
    const SLOT: &str = "dmsflow_test_dms_cutover";
    let (source, target) = identical_pair("cutover_dms").await;
    let dir = tempfile::tempdir().unwrap();
    let consumer = streamed_slot(&source, "cutover_dms_src", SLOT, dir.path()).await;
    // Precondition poll (running, loaded), then stop: running → stopping → stopped.
    let ([d1, t1, i1], l1) = precondition_rules();
    let (d2, stop, d3, d4) = (
        describe(running(stats(100, 6, 0, 0, 0))),
        stop_rule(consumer.clone()),
        describe(task("stopping", true)),
        describe(task("stopped", true)),
    );
    // Through start-task, configured as the Lambda is (MIGRATION_ENGINE=dms).
    let clients = DmsClients {
        dms: dms_client(&[&d1, &t1, &i1, &d2, &stop, &d3, &d4]),
        cloudwatch: cw_client(&[&l1]),
    };
    let answer = dms_service(&source, &target, SLOT, clients)
        .handle(
            json!({"action": "cutover", "fence": "none", "quiet_seconds": 1,
                       "drain_timeout_seconds": 30}),
        )
        .await
        .expect("cut-over");
    let result: CutoverResult = serde_json::from_value(answer).unwrap();
    assert_eq!(result.verdict, CutoverVerdict::Ready, "{result:#?}");
    assert_eq!(stop.num_calls(), 1);
    let stopped = result.stop.as_ref().unwrap();
    assert!(
        stopped.message.contains("StopReplicationTask issued")
            && stopped.message.contains("stopped after")
            && stopped.message.contains(&format!("slot {SLOT} dropped")),
        "{stopped:?}"
    );
    assert!(result.drain_lsn.is_some());
    assert_eq!(
        slots_named(&source, SLOT).await,
        0,
        "the task's slot is gone"
    );
}

#[tokio::test]
async fn a_dms_cut_over_that_finds_a_difference_leaves_the_task_running() {
    const SLOT: &str = "dmsflow_test_dms_cutover_abort";
    let (source, target) = identical_pair("cutover_dms_abort").await;
    exec(
        &target,
        "UPDATE shop.customers SET email = 'changed@example.org' WHERE customer_id = 3",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let consumer = streamed_slot(&source, "cutover_dms_abort_src", SLOT, dir.path()).await;
    let ([d1, t1, i1], l1) = precondition_rules();
    let stop = stop_rule(consumer.clone());
    let m = migration(&[&d1, &t1, &i1, &stop], &[&l1], &source, SLOT);
    let request = request();
    let result = Cutover {
        engine: &m,
        source: &source,
        target: &target,
        request: &request,
        validate: ValidateOptions::default(),
        in_sync_lag_seconds: 5.0,
    }
    .run()
    .await
    .expect("an abort is a result");
    assert_eq!(result.verdict, CutoverVerdict::Aborted, "{result:#?}");
    assert!(
        result.reason.as_deref().unwrap().contains("customers"),
        "{result:#?}"
    );
    assert_eq!(stop.num_calls(), 0, "the task keeps running");
    assert_eq!(slots_named(&source, SLOT).await, 1, "its slot is kept");
    if let Some(mut c) = consumer.lock().unwrap().take() {
        c.kill().unwrap();
        c.wait().unwrap();
    }
    exec(
        &source,
        &format!("SELECT pg_drop_replication_slot('{SLOT}')"),
    )
    .await;
}
