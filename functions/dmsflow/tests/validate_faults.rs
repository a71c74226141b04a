//! Faults and hostile inputs against the validator, on real PostgreSQL: it
//! refuses to compare a database with itself, an empty comparison, a forged
//! chunk; it runs no user-defined cast; a table locked by someone else fails
//! alone while the others are still compared.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::error::{Classify, ErrorType};
use dmsflow::validate::model::{CheckStatus, ChunkSpec, Status, TablesResult};
use dmsflow::validate::{TableRequest, ValidateError, ValidateOptions, Validator};
use std::time::Duration;

fn options() -> ValidateOptions {
    ValidateOptions {
        chunk_rows: 64,
        rechecks: 0,
        settle: Duration::from_millis(100),
        ..ValidateOptions::default()
    }
}

fn status_of(result: &TablesResult, name: &str) -> Status {
    result
        .tables
        .iter()
        .find(|t| t.table == name)
        .unwrap_or_else(|| panic!("no result for {name}"))
        .status
}

#[tokio::test]
async fn the_same_database_on_both_sides_is_refused() {
    let db = sample_db(&source_cluster(), "vf_same_src").await;
    let err = Validator::new(db.clone(), db.clone(), options())
        .run(None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ValidateError::SameDatabase { .. }), "{err:?}");
    assert_eq!(err.error_type(), ErrorType::ConfigError);
    assert!(err.to_string().contains("same database"), "{err}");
    // The same database reached under another role is still the same one.
    exec(&db, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vf_plain') THEN CREATE ROLE vf_plain LOGIN PASSWORD 'plain-pass'; END IF; END $$;
               GRANT USAGE ON SCHEMA shop TO vf_plain; GRANT SELECT ON ALL TABLES IN SCHEMA shop TO vf_plain;").await;
    let plain = db.with_user("vf_plain", "plain-pass");
    let err = Validator::new(db.clone(), plain, options())
        .plan(None, None)
        .await
        .unwrap_err();
    assert!(matches!(err, ValidateError::SameDatabase { .. }), "{err:?}");
    // Two databases of one cluster are two databases: compared as usual.
    let other = sample_db(&source_cluster(), "vf_same_other").await;
    let (_, result) = Validator::new(db, other, options())
        .run(None, None)
        .await
        .unwrap();
    assert_eq!(result.status, Status::Identical, "{result:#?}");
}

#[tokio::test]
async fn comparing_no_table_is_an_error_not_identical() {
    let s = fresh_db(&source_cluster(), "vf_empty_src").await;
    let t = fresh_db(&target_cluster(), "vf_empty_tgt").await;
    exec(&s, "CREATE SCHEMA shop").await;
    exec(&t, "CREATE SCHEMA shop").await;
    let v = Validator::new(s, t, options());
    let err = v.run(None, None).await.unwrap_err();
    assert!(
        matches!(err, ValidateError::NothingToCompare { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("nothing was compared"), "{err}");
    assert_eq!(err.error_type(), ErrorType::UnknownTable);
    // An empty request list for `validate` is the same.
    let err = v.validate(&[]).await.unwrap_err();
    assert!(
        matches!(err, ValidateError::NothingToCompare { .. }),
        "{err:?}"
    );
    // A selection that names no table, on a schema that has tables.
    let (s, t) = identical_pair("vf_empty_sel").await;
    let err = Validator::new(s, t, options())
        .plan(Some(&[]), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ValidateError::NothingToCompare { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_forged_chunk_is_rejected_naming_it() {
    let (s, t) = identical_pair("vf_chunk").await;
    let v = Validator::new(s, t, options());
    let forged = |lower, upper, index, count| TableRequest {
        table: "orders".into(),
        chunk: Some(ChunkSpec {
            index,
            count,
            key_column: "order_id".into(),
            lower,
            upper,
        }),
    };
    let err = v
        .validate(&[forged(Some(100), Some(50), 2, 4)])
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), ErrorType::InvalidEvent, "{err}");
    let text = err.to_string();
    assert!(
        text.contains("chunk 2 of orders") && text.contains("[100, 50)"),
        "{text}"
    );
    let err = v
        .validate(&[forged(Some(7), Some(7), 0, 1)])
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), ErrorType::InvalidEvent, "{err}");
    let err = v.validate(&[forged(None, None, 3, 3)]).await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::InvalidEvent, "{err}");
    // A real chunk still works.
    let r = v
        .validate(&[forged(Some(1), Some(100), 0, 2)])
        .await
        .unwrap();
    assert_eq!(r.status, Status::Identical, "{r:#?}");
    assert_eq!(r.tables[0].source_rows, Some(99));
}

/// A composite column and a user-defined cast of it to text that fails loudly
/// (and tries to write) whenever it runs.
const HOSTILE_CAST: &str = "
    CREATE TABLE shop.cast_calls (at timestamptz DEFAULT now());
    CREATE TYPE shop.pair AS (a int, b text);
    ALTER TABLE shop.categories ADD COLUMN pair shop.pair;
    UPDATE shop.categories SET pair = ROW(category_id, name)::shop.pair;
    CREATE FUNCTION shop.pair_to_text(p shop.pair) RETURNS text LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO shop.cast_calls DEFAULT VALUES;
        RAISE EXCEPTION 'the user-defined cast ran';
    END $$;
    CREATE CAST (shop.pair AS text) WITH FUNCTION shop.pair_to_text(shop.pair);";

#[tokio::test]
async fn a_user_defined_cast_is_never_invoked() {
    let (s, t) = identical_pair("vf_cast").await;
    exec(&s, HOSTILE_CAST).await;
    exec(&t, HOSTILE_CAST).await;
    // The cast is real: `::text` runs it.
    let client = s.connect("dmsflow-test").await.unwrap();
    let ran = client
        .query_one("SELECT pair::text FROM shop.categories LIMIT 1", &[])
        .await
        .unwrap_err();
    assert!(
        format!("{ran:?}").contains("user-defined cast ran"),
        "{ran:?}"
    );

    let (_, result) = Validator::new(s.clone(), t.clone(), options())
        .run(None, None)
        .await
        .unwrap();
    assert_eq!(result.status, Status::Identical, "{result:#?}");
    for side in [&s, &t] {
        assert_eq!(
            query_i64(side, "SELECT count(*) FROM shop.cast_calls").await,
            0
        );
    }
    // And the column is compared exactly: one member changed is found.
    exec(
        &t,
        "UPDATE shop.categories SET pair = ROW(999, name)::shop.pair WHERE category_id = 3",
    )
    .await;
    let (_, result) = Validator::new(s, t, options())
        .run(None, None)
        .await
        .unwrap();
    let r = result
        .tables
        .iter()
        .find(|t| t.table == "categories")
        .unwrap();
    assert_eq!(r.status, Status::Different, "{r:#?}");
    assert_eq!(r.differences.count, 1);
    let d = &r.differences.sample[0];
    assert_eq!(d.key, Some(vec!["3".to_owned()]));
    assert_eq!(d.columns.len(), 1, "{d:?}");
    assert_eq!(d.columns[0].column, "pair");
    assert!(
        d.columns[0].target.as_deref().unwrap().starts_with("(999,"),
        "{d:?}"
    );
}

#[tokio::test]
async fn a_locked_table_fails_alone_and_the_others_are_compared() {
    let (s, t) = identical_pair("vf_lock").await;
    // Another session holds ACCESS EXCLUSIVE on one table for the whole run.
    let holder = t.connect("dmsflow-test-lock").await.unwrap();
    holder
        .batch_execute("BEGIN; LOCK TABLE shop.customers IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let opts = ValidateOptions {
        // One worker pair: every table on the same connections.
        workers: 1,
        statement_timeout: Duration::from_secs(2),
        ..options()
    };
    let started = std::time::Instant::now();
    let (_, result) = Validator::new(s, t, opts).run(None, None).await.unwrap();
    holder.batch_execute("ROLLBACK").await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(60), "bounded wait");
    assert_eq!(result.status, Status::Error, "{result:#?}");
    let locked = result
        .tables
        .iter()
        .find(|t| t.table == "customers")
        .unwrap();
    assert_eq!(locked.status, Status::Error, "{locked:#?}");
    let cause = locked.error.as_deref().unwrap();
    assert!(cause.contains("lock timeout"), "{cause}");
    for other in [
        "categories",
        "products",
        "inventory",
        "orders",
        "order_items",
    ] {
        assert_eq!(
            status_of(&result, other),
            Status::Identical,
            "{other}: {result:#?}"
        );
    }
    assert_eq!(locked.checks.checksum.status, CheckStatus::Error);
}

/// A base type whose output function a user wrote (here an internal function
/// under a user's name), used inside a composite column.
const USER_OUTPUT: &str = "
    CREATE TYPE shop.myint;
    CREATE FUNCTION shop.myint_in(cstring) RETURNS shop.myint LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
    CREATE FUNCTION shop.myint_out(shop.myint) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
    CREATE TYPE shop.myint (INPUT = shop.myint_in, OUTPUT = shop.myint_out,
                            INTERNALLENGTH = 4, PASSEDBYVALUE, ALIGNMENT = int4);
    CREATE TYPE shop.wrapped AS (v shop.myint);
    ALTER TABLE shop.inventory ADD COLUMN wrapped shop.wrapped;";

#[tokio::test]
async fn a_column_that_needs_user_code_is_an_error_naming_it() {
    let (s, t) = identical_pair("vf_userout").await;
    exec(&s, USER_OUTPUT).await;
    exec(&t, USER_OUTPUT).await;
    let (_, result) = Validator::new(s, t, options())
        .run(None, None)
        .await
        .unwrap();
    let r = result
        .tables
        .iter()
        .find(|t| t.table == "inventory")
        .unwrap();
    assert_eq!(r.status, Status::Error, "{r:#?}");
    let cause = r.error.as_deref().unwrap();
    assert!(
        cause.contains("column wrapped") && cause.contains("shop.myint_out"),
        "{cause}"
    );
    assert_eq!(r.checks.checksum.status, CheckStatus::Error);
    assert_eq!(status_of(&result, "orders"), Status::Identical);
}
