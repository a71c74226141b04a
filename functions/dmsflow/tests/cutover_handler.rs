//! start-task's `cutover` action against the real local clusters, native
//! engine, as the state machine calls it: replication started through the
//! `start` action; a cut-over that cannot be fenced as asked is refused
//! (typed error, nothing changed); a rehearsal is `ready` and leaves
//! replication running; the real cut-over with fence `none` is `ready`,
//! every table identical at rest, sequences synced, nothing of the migration
//! left. The DMS engine's cut-over: tests/cutover_dms.rs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::native::{engine, poll_until, with_cleanup};
use common::*;
use dmsflow::config::Side;
use dmsflow::db::ConnectSpec;
use dmsflow::engine::dms::DmsClients;
use dmsflow::engine::setup::{EngineConfig, EngineContext};
use dmsflow::engine::Phase;
use dmsflow::error::ErrorType;
use dmsflow::handlers::start_task::StartTaskService;
use dmsflow::secrets::StaticSecrets;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

const NAME: &str = "cuth";

/// Subscriptions on the target, slots and publications on the source, of the database.
async fn replication_objects(source: &ConnectSpec, target: &ConnectSpec) -> (i64, i64, i64) {
    let subs = query_i64(target, "SELECT count(*) FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = current_database()").await;
    let slots = query_i64(
        source,
        "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()",
    )
    .await;
    let pubs = query_i64(source, "SELECT count(*) FROM pg_publication").await;
    (subs, slots, pubs)
}

/// The start-task service over `source` and `target`, configured as the
/// Lambda is (secrets, MIGRATION_ENGINE=native, DB_SCHEMA=shop).
async fn service(source: &ConnectSpec, target: &ConnectSpec) -> StartTaskService<StaticSecrets> {
    let password = local_password();
    let secret = |spec: &ConnectSpec| {
        json!({"username": spec.user, "password": password, "host": spec.host, "port": spec.port, "dbname": spec.dbname})
            .to_string()
    };
    let secrets = StaticSecrets(HashMap::from([
        ("src".to_owned(), secret(source)),
        ("tgt".to_owned(), secret(target)),
    ]));
    let ca = env_or_panic("DMSFLOW_PG_CA");
    let (publication, subscription) = (format!("pub_{NAME}"), format!("sub_{NAME}"));
    let env: HashMap<&str, &str> = HashMap::from([
        ("MIGRATION_ENGINE", "native"),
        ("SOURCE_SECRET_ARN", "src"),
        ("TARGET_SECRET_ARN", "tgt"),
        ("DB_SSLMODE", "disable"),
        ("DB_SCHEMA", "shop"),
        ("NATIVE_PUBLICATION", publication.as_str()),
        ("NATIVE_SUBSCRIPTION", subscription.as_str()),
        ("NATIVE_SOURCE_SSLMODE", "verify-full"),
        ("NATIVE_SOURCE_SSLROOTCERT", ca.as_str()),
    ]);
    let config = EngineConfig::from_env(&env).unwrap();
    let sdk = dmsflow::aws::sdk_config().await;
    StartTaskService::new(EngineContext::new(config, secrets, DmsClients::new(&sdk)))
}

fn cutover_event(fence: &str, roles: &[&str], rehearsal: bool) -> Value {
    json!({"action": "cutover", "fence": fence, "fence_roles": roles, "quiet_seconds": 5,
           "drain_timeout_seconds": 60, "rehearsal": rehearsal})
}

#[tokio::test]
async fn the_cutover_action_refuses_rehearses_then_cuts_over_leaving_nothing() {
    let db = format!("eng_{NAME}");
    clear_leftovers(&db).await;
    let source = sample_db(&source_cluster(), &db).await;
    let target = fresh_db(&target_cluster(), &db).await;
    dmsflow::seed::create_schema(&target, Side::Target)
        .await
        .expect("schema on the target");
    let start = service(&source, &target).await;
    let cleanup = engine(NAME, &source, &target, "shop");
    with_cleanup(&cleanup, async {
        let started = start.handle(json!({"action": "start"})).await.unwrap();
        assert_eq!(started["outcome"], "created", "{started}");
        poll_until(&cleanup, Duration::from_secs(120), "in-sync", |p| {
            p.phase == Phase::InSync
        })
        .await;

        // dmsflow's own role cannot be fenced: refused, typed, nothing changed.
        let err = start
            .handle(cutover_event("roles", &[source.user.as_str()], false))
            .await
            .unwrap_err();
        assert_eq!(err.error_type, ErrorType::CutoverRefused, "{}", err.message);
        assert_eq!(replication_objects(&source, &target).await, (1, 1, 1));

        let rehearsal = start
            .handle(cutover_event("none", &[], true))
            .await
            .unwrap();
        assert_eq!(rehearsal["verdict"], "ready", "{rehearsal:#}");
        assert_eq!(rehearsal["rehearsal"], true);
        assert_eq!(rehearsal["stop"], Value::Null, "a rehearsal stops nothing");
        assert_eq!(
            replication_objects(&source, &target).await,
            (1, 1, 1),
            "replication left running"
        );

        let orders_before = query_i64(&source, "SELECT count(*) FROM shop.orders").await;
        let result = start
            .handle(cutover_event("none", &[], false))
            .await
            .unwrap();
        assert_eq!(result["verdict"], "ready", "{result:#}");
        assert_eq!(result["reason"], Value::Null);
        assert_eq!(result["validation"]["status"], "identical", "{result:#}");
        assert!(
            result["validation"]["tables"].as_u64() >= Some(6),
            "{result:#}"
        );
        let downtime = result["write_downtime_seconds"]
            .as_f64()
            .expect("a downtime");
        let total = result["total_seconds"].as_f64().expect("a total");
        // Fence none: the downtime counts from the end of the quiet window.
        assert!(downtime > 0.0 && downtime < total, "{downtime} of {total}");
        assert!(
            total >= 5.0,
            "the 5 s quiet window is in the total: {total}"
        );
        assert_eq!(result["stop"]["outcome"], "stopped", "{result:#}");
        assert!(!result["sequences"]["sequences"]
            .as_array()
            .unwrap()
            .is_empty());
        let steps: Vec<&str> = result["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["step"].as_str().unwrap())
            .collect();
        assert_eq!(
            steps,
            [
                "precondition",
                "fenced",
                "drained",
                "validated",
                "sequences",
                "stopped"
            ]
        );
        assert_eq!(
            result["fence_undo"],
            Value::Null,
            "fence none changes nothing to undo"
        );

        assert_eq!(
            replication_objects(&source, &target).await,
            (0, 0, 0),
            "nothing left behind"
        );
        assert_eq!(
            query_i64(&target, "SELECT count(*) FROM shop.orders").await,
            orders_before,
            "no row lost"
        );
        let behind = query_i64(
            &target,
            "SELECT count(*) FROM pg_sequences WHERE schemaname = 'shop' AND last_value IS NULL",
        )
        .await;
        assert_eq!(behind, 0, "every target sequence was set");
    })
    .await;
}
