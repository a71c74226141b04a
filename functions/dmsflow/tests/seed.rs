//! `seed-source` against real PostgreSQL: counts, determinism, refusal to
//! overwrite, CDC bursts that report exactly what they changed, and the
//! connection errors a user meets (wrong password, unreachable host, TLS).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::error::{Classify, ErrorType};
use dmsflow::seed::{self, ChangesRequest, LoadRequest};
use std::collections::BTreeMap;

fn load_req(scale: u64, reset: bool) -> LoadRequest {
    LoadRequest {
        scale,
        reset,
        seed: None,
    }
}

async fn counts(spec: &dmsflow::db::ConnectSpec) -> BTreeMap<String, i64> {
    counts_in(spec, "shop").await
}

/// Exact counts of the sample tables in `schema`, by the seeder's own query.
async fn counts_in(spec: &dmsflow::db::ConnectSpec, schema: &str) -> BTreeMap<String, i64> {
    let mut client = spec.connect("test").await.unwrap();
    let tx = client.transaction().await.unwrap();
    let schema = seed::SampleSchema::new(schema).unwrap();
    tx.batch_execute(&schema.set_local_search_path())
        .await
        .unwrap();
    let rows = tx.query(seed::TABLE_COUNTS.text(), &[]).await.unwrap();
    dmsflow::sql::rows::<seed::TableCount>(&rows, &seed::TABLE_COUNTS)
        .unwrap()
        .into_iter()
        .map(|c| (c.table_name, c.row_count))
        .collect()
}

#[tokio::test]
async fn scale_one_has_exactly_the_documented_counts() {
    let db = fresh_db(&source_cluster(), "seed_counts").await;
    let result = seed::load(&db, &load_req(1, false)).await.unwrap();
    let expected: BTreeMap<String, i64> = [
        ("categories", 10),
        ("customers", 50),
        ("products", 100),
        ("inventory", 100),
        ("orders", 200),
        ("order_items", 530),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(result.counts, expected);
    assert_eq!(result.total_rows, 990);
    assert_eq!(counts(&db).await, expected);
    // Exactly the six tables, nothing else in the schema.
    let tables = query_i64(
        &db,
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'shop'",
    )
    .await;
    assert_eq!(tables, 6);
    // What the sample promises: LOBs over 64 KB, NULL and '' side by side, microseconds.
    assert!(
        query_i64(
            &db,
            "SELECT count(*) FROM shop.products WHERE octet_length(description) > 65536"
        )
        .await
            >= 2
    );
    assert!(
        query_i64(
            &db,
            "SELECT count(*) FROM shop.customers WHERE phone IS NULL"
        )
        .await
            > 0
    );
    assert!(query_i64(&db, "SELECT count(*) FROM shop.customers WHERE phone = ''").await > 0);
    assert!(query_i64(&db, "SELECT count(*) FROM shop.orders WHERE extract(microseconds FROM ordered_at)::bigint % 1000 <> 0").await > 0);
    // Sequences moved past the loaded keys: the next insert does not collide.
    exec(
        &db,
        "INSERT INTO shop.orders (customer_id, ordered_at) VALUES (1, now())",
    )
    .await;
    assert_eq!(
        query_i64(&db, "SELECT max(order_id) FROM shop.orders").await,
        201
    );
}

#[tokio::test]
async fn same_scale_and_seed_give_identical_data() {
    let a = fresh_db(&source_cluster(), "seed_det_a").await;
    let b = fresh_db(&target_cluster(), "seed_det_b").await;
    seed::load(&a, &load_req(2, false)).await.unwrap();
    seed::load(&b, &load_req(2, false)).await.unwrap();
    assert_eq!(sample_fingerprint(&a).await, sample_fingerprint(&b).await);
    let c = fresh_db(&source_cluster(), "seed_det_c").await;
    seed::load(
        &c,
        &LoadRequest {
            scale: 2,
            reset: false,
            seed: Some(99),
        },
    )
    .await
    .unwrap();
    assert_ne!(sample_fingerprint(&a).await, sample_fingerprint(&c).await);
}

#[tokio::test]
async fn second_load_is_refused_and_changes_nothing_until_reset() {
    let db = fresh_db(&source_cluster(), "seed_twice").await;
    seed::load(&db, &load_req(1, false)).await.unwrap();
    exec(
        &db,
        "UPDATE shop.customers SET full_name = 'precious edit' WHERE customer_id = 1",
    )
    .await;
    let before = sample_fingerprint(&db).await;
    let err = seed::load(&db, &load_req(3, false)).await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::SourceNotEmpty);
    assert!(err.to_string().contains("reset"), "{err}");
    assert_eq!(
        sample_fingerprint(&db).await,
        before,
        "a refused load must not touch data"
    );
    // With reset: dropped and reloaded at the new scale.
    let result = seed::load(&db, &load_req(3, true)).await.unwrap();
    assert_eq!(result.total_rows, 2970);
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM shop.customers WHERE full_name = 'precious edit'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn load_into_an_empty_prepared_schema_works() {
    let db = fresh_db(&target_cluster(), "seed_prepared").await;
    let created = seed::create_schema(&db, dmsflow::config::Side::Target)
        .await
        .unwrap();
    assert!(created.created);
    let again = seed::create_schema(&db, dmsflow::config::Side::Target)
        .await
        .unwrap();
    assert!(!again.created, "schema mode is idempotent");
    let result = seed::load(&db, &load_req(1, false)).await.unwrap();
    assert_eq!(result.total_rows, 990);
    let reference = fresh_db(&source_cluster(), "seed_prepared_ref").await;
    seed::load(&reference, &load_req(1, false)).await.unwrap();
    assert_eq!(
        sample_fingerprint(&db).await,
        sample_fingerprint(&reference).await
    );
}

#[tokio::test]
async fn changes_report_every_key_and_counts_match() {
    let db = fresh_db(&source_cluster(), "seed_changes").await;
    seed::load(&db, &load_req(1, false)).await.unwrap();
    let before = counts(&db).await;
    let result = seed::apply_changes(
        &db,
        &ChangesRequest {
            count: 100,
            seed: Some(7),
        },
    )
    .await
    .unwrap();
    assert_eq!(result.requested, 100);
    assert_eq!(result.applied, 100, "{result:?}");
    assert_eq!(
        (result.inserted, result.updated, result.deleted),
        (40, 40, 20)
    );
    let after = counts(&db).await;
    assert_eq!(result.expected_counts, after);
    for (table, changes) in &result.tables {
        let delta = changes.inserted.len() as i64 - changes.deleted.len() as i64;
        assert_eq!(after[table] - before[table], delta, "{table}");
    }
    let sum: usize = result.tables.values().map(|t| t.total()).sum();
    assert_eq!(sum as u64, result.applied);
    // Inserted keys exist, deleted keys are gone, updated rows really changed.
    for key in &result.tables["orders"].inserted {
        let n = query_i64(
            &db,
            &format!(
                "SELECT count(*) FROM shop.orders WHERE order_id = {}",
                key[0].parse::<i64>().unwrap()
            ),
        )
        .await;
        assert_eq!(n, 1);
    }
    for key in &result.tables["order_items"].deleted {
        let (o, l) = (
            key[0].parse::<i64>().unwrap(),
            key[1].parse::<i64>().unwrap(),
        );
        let n = query_i64(
            &db,
            &format!(
                "SELECT count(*) FROM shop.order_items WHERE order_id = {o} AND line_no = {l}"
            ),
        )
        .await;
        assert_eq!(n, 0);
    }
    let updated_products = &result.tables["products"].updated;
    assert_eq!(updated_products.len(), 10);
    let grown = query_i64(
        &db,
        "SELECT count(*) FROM shop.products WHERE (attributes ? 'cdc_rev')",
    )
    .await;
    assert_eq!(grown, 10);
    assert!(result.source_lsn.contains('/'));
}

#[tokio::test]
async fn changes_on_an_unseeded_database_name_the_problem() {
    let db = fresh_db(&source_cluster(), "seed_changes_empty").await;
    let err = seed::apply_changes(
        &db,
        &ChangesRequest {
            count: 10,
            seed: None,
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("load the sample first"), "{err}");
}

#[tokio::test]
async fn wrong_password_unreachable_host_and_missing_database() {
    let cluster = source_cluster();
    let bad = cluster
        .with_dbname("dmsflow")
        .with_user("postgres", "not-the-password");
    let err = seed::load(&bad, &load_req(1, false)).await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::DatabaseAuthFailed, "{err}");
    assert!(!err.to_string().contains("not-the-password"));

    let nowhere = dmsflow::db::ConnectSpec::from_url(
        "postgres://postgres:x@127.0.0.1:9/dmsflow",
        None,
        std::time::Duration::from_secs(2),
    )
    .unwrap();
    let err = seed::load(&nowhere, &load_req(1, false)).await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::DatabaseUnavailable, "{err}");
    assert!(err.to_string().contains("127.0.0.1:9"), "{err}");

    let missing = cluster.with_dbname("no_such_database");
    let err = seed::load(&missing, &load_req(1, false)).await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::DatabaseAuthFailed, "{err}");
    assert!(err.to_string().contains("no_such_database"), "{err}");
}

#[tokio::test]
async fn tls_verify_full_against_the_local_ca_and_a_wrong_ca() {
    let ca = env_or_panic("DMSFLOW_PG_CA");
    let url = env_or_panic("DMSFLOW_SOURCE_URL");
    // Verified TLS to the local cluster, using its throwaway CA.
    let verified = dmsflow::db::ConnectSpec::from_url(
        &format!("{url}?sslmode=verify-full&sslrootcert={ca}"),
        None,
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let client = verified.connect("tls-test").await.unwrap();
    let ssl: bool = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await
        .unwrap()
        .try_get("ssl")
        .unwrap();
    assert!(ssl, "the session must be encrypted");
    // The built-in RDS bundle does not trust the local CA: refused, named as TLS.
    let untrusted = dmsflow::db::ConnectSpec::from_url(
        &format!("{url}?sslmode=verify-full"),
        None,
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let err = untrusted.connect("tls-test").await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::TlsError, "{err}");
    // Host name checked too: the certificate names localhost/127.0.0.1, not 127.0.0.2.
    let wrong_host = dmsflow::db::ConnectSpec::from_url(
        &format!(
            "{}?sslmode=verify-full&sslrootcert={ca}",
            url.replace("127.0.0.1", "127.0.0.2")
        ),
        None,
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let err = wrong_host.connect("tls-test").await.unwrap_err();
    assert!(
        matches!(
            err.error_type(),
            ErrorType::TlsError | ErrorType::DatabaseUnavailable
        ),
        "{err}"
    );
}
