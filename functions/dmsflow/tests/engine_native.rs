//! The native engine (publication + subscription) between the two real local
//! clusters: full load to `in-sync`, a CDC burst arriving key by key, start
//! twice, stop leaving no slot, clear errors. Every test uses its own
//! databases and its own publication/subscription/slot names, and stops its
//! replication at the end even when it fails.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::native::{engine, poll_until, with_cleanup};
use common::*;
use dmsflow::config::Side;
use dmsflow::db::ConnectSpec;
use dmsflow::engine::sequences::sync_sequences;
use dmsflow::engine::{MigrationEngine, Outcome, Phase, Progress, StartRequest, TableState};
use dmsflow::error::{Classify, ErrorType};
use dmsflow::seed::{self, ChangesRequest};
use std::time::{Duration, Instant};

/// Source and target databases named `eng_<name>`, the sample (scale 1) on
/// the source, its empty schema on the target.
async fn sample_pair(name: &str) -> (ConnectSpec, ConnectSpec) {
    let db = format!("eng_{name}");
    clear_leftovers(&db).await;
    let source = sample_db(&source_cluster(), &db).await;
    let target = fresh_db(&target_cluster(), &db).await;
    seed::create_schema(&target, Side::Target)
        .await
        .expect("schema on the target");
    (source, target)
}

async fn source_slots(like: &str) -> i64 {
    query_i64(
        &source_cluster().with_dbname("postgres"),
        &format!("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '{like}'"),
    )
    .await
}

async fn row_text(
    spec: &ConnectSpec,
    table: &str,
    key_cols: &[&str],
    key: &[String],
) -> Option<String> {
    let client = spec.connect("dmsflow-test").await.unwrap();
    let cond: Vec<String> = key_cols
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c}::text = ${}", i + 1))
        .collect();
    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = key
        .iter()
        .map(|k| k as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect();
    client
        .query_opt(
            &format!(
                "SELECT t::text FROM shop.{table} t WHERE {}",
                cond.join(" AND ")
            ),
            &params,
        )
        .await
        .unwrap()
        .map(|r| r.get(0))
}

fn key_columns(table: &str) -> Vec<&'static str> {
    match table {
        "categories" => vec!["category_id"],
        "customers" => vec!["customer_id"],
        "products" | "inventory" => vec!["product_id"],
        "orders" => vec!["order_id"],
        "order_items" => vec!["order_id", "line_no"],
        other => panic!("unexpected table {other}"),
    }
}

#[tokio::test]
async fn full_load_reaches_in_sync_and_a_cdc_burst_arrives_key_by_key() {
    let (source, target) = sample_pair("cdc").await;
    let engine = engine("cdc", &source, &target, "shop");
    with_cleanup(&engine, async {
        let started = engine.start(&StartRequest::default()).await.expect("start");
        assert_eq!(started.outcome, Outcome::Created, "{}", started.message);
        assert_eq!(
            serde_json::to_value(&started.handle).unwrap(),
            serde_json::json!({"engine": "native", "schemas": ["shop"], "publication": "pub_cdc", "subscription": "sub_cdc"})
        );

        let p = poll_until(&engine, Duration::from_secs(120), "in-sync after full load", |p| {
            p.phase == Phase::InSync
        })
        .await;
        assert_eq!(p.tables.total, 6, "{p:?}");
        assert_eq!(p.tables.loaded, 6);
        assert!((p.full_load_percent - 100.0).abs() < f64::EPSILON);
        assert!(p.table_states.iter().all(|t| t.state == TableState::Loaded));
        assert!(p.last_error.is_none(), "{:?}", p.last_error);
        // In sync after the full load means the data is there, byte for byte.
        assert_eq!(sample_fingerprint(&source).await, sample_fingerprint(&target).await);

        // A CDC burst: poll shows lag going to zero, and then every key is there.
        let burst = seed::apply_changes(
            &source,
            &ChangesRequest {
                count: 300,
                seed: Some(11),
            },
        )
        .await
        .expect("burst");
        let mut lags = Vec::new();
        let p = poll_until(&engine, Duration::from_secs(60), "lag zero after the burst", |p| {
            p.phase == Phase::InSync && p.cdc_lag_bytes == Some(0)
        })
        .await;
        lags.push(p.cdc_lag_seconds);
        assert_eq!(p.cdc_lag_seconds, Some(0.0), "{p:?}");
        // No waiting after in-sync: the burst must already be on the target.
        for (table, expected) in &burst.expected_counts {
            let got = query_i64(&target, &format!("SELECT count(*) FROM shop.{table}")).await;
            assert_eq!(got, *expected, "row count of {table} after the burst");
        }
        let mut checked = 0;
        for (table, changes) in &burst.tables {
            let cols = key_columns(table);
            for key in changes.inserted.iter().chain(&changes.updated) {
                let want = row_text(&source, table, &cols, key).await;
                assert!(want.is_some(), "{table} {key:?} missing on the source");
                assert_eq!(row_text(&target, table, &cols, key).await, want, "{table} {key:?}");
                checked += 1;
            }
            for key in &changes.deleted {
                assert_eq!(row_text(&target, table, &cols, key).await, None, "{table} {key:?} still on the target");
                checked += 1;
            }
        }
        assert_eq!(checked as u64, burst.applied);
        assert_eq!(sample_fingerprint(&source).await, sample_fingerprint(&target).await);

        // Sequences do not replicate; sync-sequences moves them.
        let src_seq = query_i64(&source, "SELECT last_value FROM shop.orders_order_id_seq").await;
        let before = query_i64(&target, "SELECT last_value FROM shop.orders_order_id_seq").await;
        assert!(before < src_seq, "target sequence already moved? {before} vs {src_seq}");
        let synced = sync_sequences(&source, &target, &dmsflow::scope::Scope::only(&["shop"])).await.expect("sync-sequences");
        let orders = synced
            .sequences
            .iter()
            .find(|s| s.sequence == "shop.orders_order_id_seq")
            .expect("orders sequence reported");
        assert_eq!((orders.source_last_value, orders.target_before, orders.target_after), (src_seq, before, src_seq));
        assert_eq!(synced.sequences.len(), 4, "{synced:?}");
        assert_eq!(
            query_i64(&target, "SELECT last_value FROM shop.orders_order_id_seq").await,
            src_seq
        );
    })
    .await;
    assert_eq!(source_slots("sub_cdc").await, 0);
}

#[tokio::test]
async fn start_twice_duplicates_nothing() {
    let (source, target) = sample_pair("twice").await;
    let engine = engine("twice", &source, &target, "shop");
    with_cleanup(&engine, async {
        let first = engine.start(&StartRequest::default()).await.unwrap();
        assert_eq!(first.outcome, Outcome::Created);
        let second = engine.start(&StartRequest::default()).await.unwrap();
        assert_eq!(second.outcome, Outcome::Existing, "{}", second.message);
        assert_eq!(second.handle, first.handle);
        poll_until(&engine, Duration::from_secs(120), "in-sync", |p| {
            p.phase == Phase::InSync
        })
        .await;
        let third = engine.start(&StartRequest::default()).await.unwrap();
        assert_eq!(third.outcome, Outcome::Existing);
        assert_eq!(
            query_i64(
                &source,
                "SELECT count(*) FROM pg_publication WHERE pubname = 'pub_twice'"
            )
            .await,
            1
        );
        assert_eq!(
            query_i64(
                &source,
                "SELECT count(*) FROM pg_publication_tables WHERE pubname = 'pub_twice'"
            )
            .await,
            6
        );
        assert_eq!(
            query_i64(
                &target,
                "SELECT count(*) FROM pg_subscription WHERE subname = 'sub_twice'"
            )
            .await,
            1
        );
        assert_eq!(source_slots("sub_twice").await, 1);
        assert_eq!(
            sample_fingerprint(&source).await,
            sample_fingerprint(&target).await
        );
        for table in [
            "categories",
            "customers",
            "products",
            "inventory",
            "orders",
            "order_items",
        ] {
            let sql = format!("SELECT count(*) FROM shop.{table}");
            assert_eq!(
                query_i64(&source, &sql).await,
                query_i64(&target, &sql).await,
                "{table}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn stop_in_the_middle_of_the_copy_leaves_no_slot_behind() {
    let (source, target) = sample_pair("stop").await;
    let engine = engine("stop", &source, &target, "shop");
    with_cleanup(&engine, async {
        engine.start(&StartRequest::default()).await.unwrap();
        // Stop at once: table-copy workers may hold their own temporary slots.
        let stopped = engine.stop().await.expect("stop");
        assert_eq!(stopped.outcome, Outcome::Stopped, "{}", stopped.message);
        assert!(stopped.message.contains("no replication slot"), "{}", stopped.message);
        assert_eq!(source_slots("sub_stop").await, 0);
        assert_eq!(
            query_i64(&source_cluster().with_dbname("postgres"), "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'pg\\_%\\_sync\\_%' AND database = 'eng_stop'").await,
            0
        );
        assert_eq!(
            query_i64(&source, "SELECT count(*) FROM pg_publication WHERE pubname = 'pub_stop'").await,
            0
        );
        assert_eq!(
            query_i64(&target, "SELECT count(*) FROM pg_subscription WHERE subname = 'sub_stop'").await,
            0
        );
        let again = engine.stop().await.unwrap();
        assert_eq!(again.outcome, Outcome::AlreadyStopped, "{}", again.message);
        let err = engine.poll(5.0).await.unwrap_err();
        assert_eq!(err.error_type(), ErrorType::TaskNotFound, "{err}");

        // A slot left behind by a subscription dropped without it (slot_name = NONE)
        // is found and dropped by stop. Start copies only into empty tables,
        // and the stopped copy may have filled some: empty them first.
        exec(&target, "TRUNCATE shop.categories, shop.customers, shop.products, shop.inventory, shop.orders, shop.order_items").await;
        engine.start(&StartRequest::default()).await.unwrap();
        exec(&target, "ALTER SUBSCRIPTION sub_stop DISABLE").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        exec(&target, "ALTER SUBSCRIPTION sub_stop SET (slot_name = NONE); DROP SUBSCRIPTION sub_stop").await;
        assert_eq!(source_slots("sub_stop").await, 1, "the orphaned slot is there");
        let err = engine.start(&StartRequest::default()).await.unwrap_err();
        assert_eq!(err.error_type(), ErrorType::InvalidTaskState, "{err}");
        assert!(err.to_string().contains("sub_stop"), "{err}");
        let stopped = engine.stop().await.unwrap();
        assert_eq!(stopped.outcome, Outcome::Stopped);
        assert_eq!(source_slots("sub_stop").await, 0);
    })
    .await;
}

#[tokio::test]
async fn missing_target_schema_is_a_clear_error_and_creates_nothing() {
    clear_leftovers("eng_noschema").await;
    let source = sample_db(&source_cluster(), "eng_noschema").await;
    let target = fresh_db(&target_cluster(), "eng_noschema").await;
    let engine = engine("noschema", &source, &target, "shop");
    with_cleanup(&engine, async {
        let err = engine.start(&StartRequest::default()).await.unwrap_err();
        assert_eq!(err.error_type(), ErrorType::UnknownTable, "{err}");
        let text = err.to_string();
        assert!(
            text.contains("schema shop")
                && text.contains("target")
                && text.contains(&target.endpoint()),
            "{text}"
        );
        assert_eq!(
            query_i64(&source, "SELECT count(*) FROM pg_publication").await,
            0,
            "nothing created on the source"
        );
        // A target with the schema but a table missing names the table.
        exec(
            &target,
            "CREATE SCHEMA shop; CREATE TABLE shop.categories (category_id int PRIMARY KEY)",
        )
        .await;
        let err = engine.start(&StartRequest::default()).await.unwrap_err();
        assert_eq!(err.error_type(), ErrorType::UnknownTable, "{err}");
        assert!(err.to_string().contains("order_items"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn tables_without_replica_identity_are_refused_before_anything_is_published() {
    clear_leftovers("eng_noident").await;
    let source = fresh_db(&source_cluster(), "eng_noident").await;
    let target = fresh_db(&target_cluster(), "eng_noident").await;
    let ddl = "CREATE SCHEMA app; CREATE TABLE app.keyed (id int PRIMARY KEY); CREATE TABLE app.events (at timestamptz, what text)";
    exec(&source, ddl).await;
    exec(&target, ddl).await;
    let engine = engine("noident", &source, &target, "app");
    with_cleanup(&engine, async {
        let err = engine.start(&StartRequest::default()).await.unwrap_err();
        assert_eq!(err.error_type(), ErrorType::MigrationFailed, "{err}");
        assert!(
            err.to_string().contains("app.events") && !err.to_string().contains("app.keyed"),
            "{err}"
        );
        assert_eq!(
            query_i64(&source, "SELECT count(*) FROM pg_publication").await,
            0
        );
        // REPLICA IDENTITY FULL is enough.
        exec(&source, "ALTER TABLE app.events REPLICA IDENTITY FULL").await;
        let ok = engine.start(&StartRequest::default()).await.unwrap();
        assert_eq!(ok.outcome, Outcome::Created);
    })
    .await;
}

/// The two Lambda handlers end to end with MIGRATION_ENGINE=native:
/// start → poll (handle from the start result) → sync-sequences → stop.
#[tokio::test]
async fn lambda_handlers_drive_the_native_engine() {
    use dmsflow::engine::dms::DmsClients;
    use dmsflow::engine::setup::{EngineConfig, EngineContext};
    use dmsflow::handlers::poll_task::PollTaskService;
    use dmsflow::handlers::start_task::StartTaskService;
    use dmsflow::secrets::StaticSecrets;
    use serde_json::json;
    use std::collections::HashMap;

    let (source, target) = sample_pair("lambda").await;
    let password = std::env::var("PG_LOCAL_PASSWORD").unwrap_or_else(|_| "dmsflow-local".into());
    let secret = |spec: &ConnectSpec| {
        json!({"username": spec.user, "password": password, "host": spec.host, "port": spec.port, "dbname": spec.dbname})
            .to_string()
    };
    let secrets = StaticSecrets(HashMap::from([
        ("src".to_owned(), secret(&source)),
        ("tgt".to_owned(), secret(&target)),
    ]));
    let ca = env_or_panic("DMSFLOW_PG_CA");
    let env: HashMap<&str, &str> = HashMap::from([
        ("MIGRATION_ENGINE", "native"),
        ("SOURCE_SECRET_ARN", "src"),
        ("TARGET_SECRET_ARN", "tgt"),
        ("DB_SSLMODE", "disable"),
        ("NATIVE_PUBLICATION", "pub_lambda"),
        ("NATIVE_SUBSCRIPTION", "sub_lambda"),
        ("NATIVE_SOURCE_SSLMODE", "verify-full"),
        ("NATIVE_SOURCE_SSLROOTCERT", ca.as_str()),
        ("IN_SYNC_LAG_SECONDS", "3"),
    ]);
    let config = EngineConfig::from_env(&env).unwrap();
    let sdk = dmsflow::aws::sdk_config().await;
    let start = StartTaskService::new(EngineContext::new(
        config.clone(),
        secrets.clone(),
        DmsClients::new(&sdk),
    ));
    let poll = PollTaskService::new(EngineContext::new(config, secrets, DmsClients::new(&sdk)));
    let cleanup = engine("lambda", &source, &target, "shop");
    with_cleanup(&cleanup, async {
        let started = start.handle(json!({"action": "start", "test_connections": true})).await.unwrap();
        assert_eq!(started["engine"], "native");
        assert_eq!(started["action"], "start");
        assert_eq!(started["outcome"], "created");
        let handle = started["handle"].clone();
        // No DB_SCHEMA: every user schema of the source (here `shop`, and an empty `public`).
        assert_eq!(handle, json!({"engine": "native", "schemas": [], "publication": "pub_lambda", "subscription": "sub_lambda"}));

        let deadline = Instant::now() + Duration::from_secs(120);
        let last = loop {
            let p = poll.handle(json!({"handle": handle})).await.unwrap();
            let doc: Progress = serde_json::from_value(p.clone()).expect("progress document");
            assert!((doc.in_sync_lag_seconds - 3.0).abs() < f64::EPSILON);
            if doc.phase == Phase::InSync {
                break p;
            }
            assert!(Instant::now() < deadline, "not in sync: {p}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        assert_eq!(last["handle"], handle);
        // The event's threshold wins over IN_SYNC_LAG_SECONDS.
        let p = poll.handle(json!({"handle": handle, "in_sync_lag_seconds": 0.5})).await.unwrap();
        assert_eq!(p["in_sync_lag_seconds"], json!(0.5));

        let err = poll
            .handle(json!({"handle": {"engine": "dms", "task_arn": "arn:aws:dms:us-east-1:123456789012:task:X"}}))
            .await
            .unwrap_err();
        assert_eq!(err.error_type, ErrorType::InvalidEvent);
        assert!(err.message.contains("handle.engine") && err.message.contains("MIGRATION_ENGINE"), "{}", err.message);
        let err = start.handle(json!({"action": "start", "reload_target": true})).await.unwrap_err();
        assert_eq!(err.error_type, ErrorType::InvalidEvent);
        assert!(err.message.contains("reload_target"), "{}", err.message);

        let seqs = start.handle(json!({"action": "sync-sequences"})).await.unwrap();
        assert_eq!(seqs["action"], "sync-sequences");
        assert_eq!(seqs["sequences"].as_array().map(Vec::len), Some(4), "{seqs}");

        let stopped = start.handle(json!({"action": "stop"})).await.unwrap();
        assert_eq!(stopped["outcome"], "stopped", "{stopped}");
        let again = start.handle(json!({"action": "stop"})).await.unwrap();
        assert_eq!(again["outcome"], "already-stopped", "{again}");
        let err = poll.handle(json!({"handle": handle})).await.unwrap_err();
        assert_eq!(err.error_type, ErrorType::TaskNotFound, "{}", err.message);
    })
    .await;
    assert_eq!(source_slots("sub_lambda").await, 0);
}
