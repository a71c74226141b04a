//! The sample follows the configured schema (`DB_SCHEMA`): load, CDC burst and
//! schema-only mode in `app` put everything in `app` and nothing in `shop`,
//! through the library and through the `seed-source` handler. (Before, seeding
//! hard-coded `shop` while replication and validation used `DB_SCHEMA`.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::config::Side;
use dmsflow::db::{quote_ident, quote_literal, ConnectSpec};
use dmsflow::error::{Classify, ErrorType};
use dmsflow::handlers::seed::{SeedConfig, SeedService};
use dmsflow::sample::Table;
use dmsflow::secrets::SecretsManagerStore;
use dmsflow::seed::{self, ChangesRequest, LoadRequest, SampleSchema};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

fn schema(name: &str) -> SampleSchema {
    SampleSchema::new(name).unwrap()
}

fn load_req() -> LoadRequest {
    LoadRequest {
        scale: 1,
        reset: false,
        seed: None,
    }
}

/// Every user table of the database as `schema.table`, sorted.
async fn user_tables(db: &ConnectSpec) -> String {
    query_string(
        db,
        "SELECT coalesce(string_agg(schemaname || '.' || tablename, ',' ORDER BY schemaname, tablename), '')
         FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    )
    .await
}

/// The six sample tables in `schema`, in the order [`user_tables`] lists them.
fn sample_tables_in(schema: &str) -> String {
    let mut names: Vec<String> = Table::ALL
        .iter()
        .map(|t| format!("{schema}.{}", t.name()))
        .collect();
    names.sort();
    names.join(",")
}

/// Schemas a seed must never leave behind when asked for `app`.
async fn stray_schemas(db: &ConnectSpec) -> i64 {
    query_i64(
        db,
        "SELECT count(*) FROM pg_namespace WHERE nspname IN ('shop', 'shop_dmsflow_load', 'app_dmsflow_load')",
    )
    .await
}

/// Exact counts of the sample tables in `schema` (the seeder's own query).
async fn counts_in(db: &ConnectSpec, schema: &str) -> BTreeMap<String, i64> {
    let mut client = db.connect("test").await.unwrap();
    let tx = client.transaction().await.unwrap();
    tx.batch_execute(&SampleSchema::new(schema).unwrap().set_local_search_path())
        .await
        .unwrap();
    let rows = tx.query(seed::TABLE_COUNTS.text(), &[]).await.unwrap();
    dmsflow::sql::rows::<seed::TableCount>(&rows, &seed::TABLE_COUNTS)
        .unwrap()
        .into_iter()
        .map(|c| (c.table_name, c.row_count))
        .collect()
}

/// An md5 over every row of every sample table in `schema`, in key order.
async fn fingerprint_in(db: &ConnectSpec, schema: &str) -> String {
    let s = quote_ident(schema);
    query_string(
        db,
        &format!(
            "SELECT md5(string_agg(f, '')) FROM (
                SELECT md5(string_agg(t::text, E'\\n' ORDER BY category_id)) f FROM {s}.categories t
                UNION ALL SELECT md5(string_agg(t::text, E'\\n' ORDER BY customer_id)) FROM {s}.customers t
                UNION ALL SELECT md5(string_agg(t::text, E'\\n' ORDER BY product_id)) FROM {s}.products t
                UNION ALL SELECT md5(string_agg(t::text, E'\\n' ORDER BY product_id)) FROM {s}.inventory t
                UNION ALL SELECT md5(string_agg(t::text, E'\\n' ORDER BY order_id)) FROM {s}.orders t
                UNION ALL SELECT md5(string_agg(t::text, E'\\n' ORDER BY order_id, line_no)) FROM {s}.order_items t
            ) x"
        ),
    )
    .await
}

/// Keys, indexes, foreign keys and the enum all live in `schema`.
async fn secondary_objects_in(db: &ConnectSpec, schema: &str) -> (i64, i64, i64) {
    let lit = quote_literal(schema);
    let constraints = query_i64(
        db,
        &format!("SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = {lit} AND c.contype IN ('p', 'u', 'f')"),
    )
    .await;
    let indexes = query_i64(
        db,
        &format!("SELECT count(*) FROM pg_indexes WHERE schemaname = {lit}"),
    )
    .await;
    let enums = query_i64(
        db,
        &format!("SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = {lit} AND t.typname = 'order_status'"),
    )
    .await;
    (constraints, indexes, enums)
}

#[tokio::test]
async fn library_load_burst_and_schema_mode_stay_in_the_given_schema() {
    let db = fresh_db(&source_cluster(), "seed_schema_app").await;
    let app = schema("app");
    let loaded = seed::load_in(&db, &app, &load_req()).await.unwrap();
    assert_eq!(loaded.schema, "app");
    assert_eq!(loaded.total_rows, 990);
    assert_eq!(user_tables(&db).await, sample_tables_in("app"));
    assert_eq!(
        stray_schemas(&db).await,
        0,
        "nothing in shop, no staging left"
    );
    // 6 primary keys + 3 unique + 6 foreign keys; 6 + 3 + 6 indexes; the enum.
    assert_eq!(secondary_objects_in(&db, "app").await, (15, 15, 1));
    // The same sample as in the default schema, byte for byte.
    let reference = fresh_db(&target_cluster(), "seed_schema_ref").await;
    seed::load(&reference, &load_req()).await.unwrap();
    assert_eq!(
        fingerprint_in(&db, "app").await,
        fingerprint_in(&reference, "shop").await
    );
    // Sequences of `app` moved past the loaded keys.
    exec(
        &db,
        "INSERT INTO app.orders (customer_id, ordered_at) VALUES (1, now())",
    )
    .await;
    assert_eq!(
        query_i64(&db, "SELECT max(order_id) FROM app.orders").await,
        201
    );

    // A burst changes `app`, and only `app`.
    let before = counts_in(&db, "app").await;
    let burst = seed::apply_changes_in(
        &db,
        &app,
        &ChangesRequest {
            count: 100,
            seed: Some(7),
        },
    )
    .await
    .unwrap();
    assert_eq!(burst.schema, "app");
    assert_eq!((burst.inserted, burst.updated, burst.deleted), (40, 40, 20));
    let after = counts_in(&db, "app").await;
    assert_eq!(burst.expected_counts, after);
    for (table, changes) in &burst.tables {
        let delta = changes.inserted.len() as i64 - changes.deleted.len() as i64;
        assert_eq!(after[table] - before[table], delta, "{table}");
    }
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM app.products WHERE attributes ? 'cdc_rev'"
        )
        .await,
        10
    );
    assert_eq!(user_tables(&db).await, sample_tables_in("app"));
    // The default schema was never seeded here: a burst there names the problem.
    let err = seed::apply_changes(
        &db,
        &ChangesRequest {
            count: 10,
            seed: None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("schema shop does not exist"),
        "{err}"
    );

    // Schema-only mode on a target: the empty sample in `app`, idempotent.
    let target = fresh_db(&target_cluster(), "seed_schema_app_target").await;
    let created = seed::create_schema_in(&target, &app, Side::Target)
        .await
        .unwrap();
    assert!(created.created && created.schema == "app", "{created:?}");
    assert!(
        !seed::create_schema_in(&target, &app, Side::Target)
            .await
            .unwrap()
            .created
    );
    assert_eq!(user_tables(&target).await, sample_tables_in("app"));
    assert_eq!(stray_schemas(&target).await, 0);
    assert_eq!(secondary_objects_in(&target, "app").await, (15, 15, 1));
    assert!(counts_in(&target, "app").await.values().all(|n| *n == 0));
}

#[tokio::test]
async fn a_name_that_needs_quoting_works_end_to_end() {
    let db = fresh_db(&source_cluster(), "seed_schema_quoted").await;
    let odd = schema("Shop \"Ünï\", 2");
    let target = fresh_db(&target_cluster(), "seed_schema_quoted_t").await;
    seed::create_schema_in(&target, &odd, Side::Target)
        .await
        .unwrap();
    // Into a prepared (empty) schema, as the pipeline does on the source.
    seed::create_schema_in(&db, &odd, Side::Source)
        .await
        .unwrap();
    let loaded = seed::load_in(&db, &odd, &load_req()).await.unwrap();
    assert_eq!(loaded.total_rows, 990);
    let burst = seed::apply_changes_in(
        &db,
        &odd,
        &ChangesRequest {
            count: 30,
            seed: Some(1),
        },
    )
    .await
    .unwrap();
    assert_eq!(burst.applied, 30);
    assert_eq!(burst.expected_counts, counts_in(&db, odd.name()).await);
    assert_eq!(user_tables(&db).await, sample_tables_in(odd.name()));
    assert_eq!(user_tables(&target).await, sample_tables_in(odd.name()));
    // A second load is refused in that schema too, and reset reloads it.
    let err = seed::load_in(&db, &odd, &load_req()).await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::SourceNotEmpty);
    assert!(err.to_string().contains(odd.name()), "{err}");
    let reset = LoadRequest {
        reset: true,
        ..load_req()
    };
    assert_eq!(
        seed::load_in(&db, &odd, &reset).await.unwrap().total_rows,
        990
    );
}

/// A `seed-source` handler configured as the Lambda is, with `DB_SCHEMA`.
async fn handler(
    db: &ConnectSpec,
    secret: &str,
    db_schema: &str,
) -> SeedService<SecretsManagerStore> {
    let arn = put_db_secret(secret, db).await;
    let env: HashMap<String, String> = [
        ("SOURCE_SECRET_ARN", arn),
        ("DB_SSLMODE", "disable".to_owned()),
        ("DB_SCHEMA", db_schema.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let config = SeedConfig::from_env(&env).expect("config");
    let sdk = dmsflow::aws::sdk_config().await;
    SeedService::new(config, SecretsManagerStore::new(&sdk))
}

#[tokio::test]
async fn the_handler_seeds_db_schema() {
    let db = fresh_db(&source_cluster(), "seed_schema_handler").await;
    let svc = handler(&db, "dmsflow/test/seed-schema-app", "app").await;
    let out = svc
        .handle(json!({"mode": "load", "scale": 1}))
        .await
        .expect("load");
    assert_eq!(out["schema"], "app");
    assert_eq!(out["total_rows"], 990);
    assert_eq!(user_tables(&db).await, sample_tables_in("app"));
    assert_eq!(stray_schemas(&db).await, 0);

    let out = svc
        .handle(json!({"mode": "changes", "count": 20, "seed": 3}))
        .await
        .expect("changes");
    assert_eq!(out["schema"], "app");
    assert_eq!(out["applied"], 20);
    assert_eq!(
        out["expected_counts"]["orders"].as_i64(),
        Some(query_i64(&db, "SELECT count(*) FROM app.orders").await)
    );

    let empty = fresh_db(&source_cluster(), "seed_schema_handler_s").await;
    let svc = handler(&empty, "dmsflow/test/seed-schema-app-only", "app").await;
    let out = svc
        .handle(json!({"mode": "schema", "database": "source"}))
        .await
        .expect("schema");
    assert_eq!(
        (out["schema"].as_str(), out["created"].as_bool()),
        (Some("app"), Some(true))
    );
    assert_eq!(user_tables(&empty).await, sample_tables_in("app"));
    assert_eq!(stray_schemas(&empty).await, 0);
}

#[tokio::test]
async fn an_unusable_db_schema_is_a_config_error() {
    let db = fresh_db(&source_cluster(), "seed_schema_bad").await;
    let svc = handler(&db, "dmsflow/test/seed-schema-bad", &"x".repeat(64)).await;
    let err = svc.handle(json!({"mode": "load"})).await.unwrap_err();
    assert_eq!(err.error_type, ErrorType::ConfigError, "{err}");
    assert!(err.message.contains("63 bytes"), "{err}");
    assert_eq!(user_tables(&db).await, "");
}
