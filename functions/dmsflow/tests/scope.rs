//! The selection on a database we did not design (the legacy fixture: four
//! schemas, a partitioned table, key-less tables): every user schema by
//! default, `--schema` / `--exclude-schema` narrowing it, qualified and
//! partition names in `--tables`, and a selection with no table an error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::legacy::{legacy_pair, Copy};
use dmsflow::scope::Scope;
use dmsflow::validate::model::Status;
use dmsflow::validate::{ValidateOptions, Validator};
use dmsflow::ErrorType;

fn options(scope: Scope) -> ValidateOptions {
    ValidateOptions {
        scope,
        rechecks: 0,
        settle: std::time::Duration::ZERO,
        ..Default::default()
    }
}

fn names(result: &dmsflow::validate::model::TablesResult) -> Vec<&str> {
    result.tables.iter().map(|t| t.table.as_str()).collect()
}

/// No `--schema`: every user schema, tables named `schema.table`, and
/// dmsflow's own staging schema left out.
#[tokio::test]
async fn by_default_every_user_schema_is_compared() {
    let (source, target) = legacy_pair("scope_default", Copy::Full).await;
    let marker = dmsflow::contract::seed::STAGING_MARKER.replace('\'', "''");
    let staging = format!(
        "CREATE SCHEMA shop_staging; CREATE TABLE shop_staging.t (id int PRIMARY KEY);
         COMMENT ON SCHEMA shop_staging IS '{marker}';"
    );
    common::exec(&source, &staging).await;
    let (plan, result) = Validator::new(source.clone(), target.clone(), options(Scope::default()))
        .run(None, None)
        .await
        .unwrap();
    assert_eq!(plan.schemas, ["audit", "public", "sales", "stock", "util"]);
    assert_eq!(plan.status, Status::Identical, "{plan:#?}");
    assert_eq!(result.status, Status::Identical, "{result:#?}");
    let tables = names(&result);
    for expected in ["audit.log", "sales.orders", "sales.payments", "stock.items"] {
        assert!(tables.contains(&expected), "{expected} in {tables:?}");
    }
    // Partitions are compared once, at their root.
    assert!(
        !tables.iter().any(|t| t.starts_with("sales.payments_")),
        "{tables:?}"
    );

    // A difference in a schema nobody named is found, and named.
    common::exec(&target, "UPDATE stock.items SET sku = sku || 'x' WHERE item_id = (SELECT min(item_id) FROM stock.items);").await;
    let (_, result) = Validator::new(source.clone(), target.clone(), options(Scope::default()))
        .run(None, None)
        .await
        .unwrap();
    assert_eq!(result.status, Status::Different);
    let different: Vec<&str> = result
        .tables
        .iter()
        .filter(|t| t.status == Status::Different)
        .map(|t| t.table.as_str())
        .collect();
    assert_eq!(different, ["stock.items"]);
}

/// `--tables` takes `schema.table`, an unambiguous bare name, and a partition.
#[tokio::test]
async fn tables_are_named_qualified_bare_or_as_a_partition() {
    let (source, target) = legacy_pair("scope_tables", Copy::Full).await;
    common::exec(&target, "DELETE FROM sales.payments_2026_02 WHERE ctid = (SELECT min(ctid) FROM sales.payments_2026_02);").await;
    let validator = Validator::new(source.clone(), target.clone(), options(Scope::default()));
    let asked = ["sales.orders", "items", "sales.payments_2026_02"].map(String::from);
    let (plan, result) = validator.run(Some(&asked), None).await.unwrap();
    let work: Vec<&str> = plan.work.iter().map(|w| w.table.as_str()).collect();
    assert_eq!(work.len(), 3, "{work:?}");
    let mut tables = names(&result);
    tables.sort_unstable();
    assert_eq!(
        tables,
        ["sales.orders", "sales.payments_2026_02", "stock.items"]
    );
    let partition = result
        .tables
        .iter()
        .find(|t| t.table == "sales.payments_2026_02")
        .unwrap();
    assert_eq!(partition.status, Status::Different, "{partition:#?}");
    assert_eq!(
        partition.source_rows.unwrap() - partition.target_rows.unwrap(),
        1
    );

    let err = validator
        .run(Some(&["nowhere.orders".to_owned()]), None)
        .await
        .unwrap_err();
    assert_eq!(
        dmsflow::error::Classify::error_type(&err),
        ErrorType::UnknownTable
    );
    assert!(err.to_string().contains("nowhere.orders"), "{err}");
}

/// `--schema` and `--exclude-schema` narrow the selection; a schema that is
/// not there, and a selection without tables, are errors, never IDENTICAL.
#[tokio::test]
async fn schemas_narrow_the_selection_and_an_empty_one_is_an_error() {
    let (source, target) = legacy_pair("scope_narrow", Copy::Full).await;
    let scope = Scope {
        schemas: vec![],
        exclude: vec!["audit".into(), "public".into(), "util".into()],
    };
    let (plan, result) = Validator::new(source.clone(), target.clone(), options(scope))
        .run(None, None)
        .await
        .unwrap();
    assert_eq!(plan.schemas, ["sales", "stock"]);
    assert!(names(&result).iter().all(|t| !t.starts_with("audit.")));
    assert_eq!(result.status, Status::Identical, "{result:#?}");

    // One schema: the names are bare, as they always were.
    let (_, result) = Validator::new(
        source.clone(),
        target.clone(),
        options(Scope::only(&["stock"])),
    )
    .run(None, None)
    .await
    .unwrap();
    assert!(names(&result).contains(&"items"), "{:?}", names(&result));

    let err = Validator::new(
        source.clone(),
        target.clone(),
        options(Scope::only(&["sales", "nope"])),
    )
    .run(None, None)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    assert_eq!(
        dmsflow::error::Classify::error_type(&err),
        ErrorType::UnknownTable
    );

    // `util` holds functions and types only.
    let err = Validator::new(
        source.clone(),
        target.clone(),
        options(Scope::only(&["util"])),
    )
    .run(None, None)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("nothing was compared"), "{err}");
}

/// The CDC proof finds the burst's tables (named within the sample's schema)
/// when the run names tables `schema.table` because another schema has some.
#[tokio::test]
async fn the_cdc_proof_follows_qualified_names() {
    let (source, target) = common::identical_pair("scope_cdc").await;
    for side in [&source, &target] {
        common::exec(
            side,
            "CREATE SCHEMA extra; CREATE TABLE extra.t (id int PRIMARY KEY);",
        )
        .await;
    }
    let changes = dmsflow::seed::apply_changes(
        &source,
        &dmsflow::seed::ChangesRequest {
            count: 20,
            seed: Some(7),
        },
    )
    .await
    .unwrap();
    let (plan, _) = Validator::new(source.clone(), target.clone(), options(Scope::default()))
        .run(None, Some(&changes))
        .await
        .unwrap();
    let proof = plan.checks.cdc_proof.as_ref().expect("a CDC proof");
    // The target never got the burst: keys are missing, tables are not.
    assert_eq!(
        proof.status,
        dmsflow::contract::validate::CheckStatus::Fail,
        "{proof:#?}"
    );
    assert!(!proof.findings.is_empty());
    for f in &proof.findings {
        let detail = f.detail.as_deref().unwrap_or("");
        assert!(!detail.contains("absent on a side"), "{f:#?}");
    }
    assert!(
        plan.work.iter().any(|w| w.table == "shop.orders"),
        "{:?}",
        plan.work
    );
}
