//! What validate shows of a difference, against two real PostgreSQL clusters
//! (issue 10, item 5): a bytea positioned in bytes of the value, a duplicated
//! row of a key-less table with its copy counts, enum labels.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

mod common;

use common::*;
use dmsflow::contract::validate::{ColumnDiffKind, PositionUnit, RowDiffKind};
use dmsflow::db::ConnectSpec;
use dmsflow::validate::data::render::counted_row_text;
use dmsflow::validate::model::{CheckStatus, PlanResult, Status, TableResult, TablesResult};
use dmsflow::validate::{ValidateOptions, Validator};
use std::time::Duration;

fn options() -> ValidateOptions {
    ValidateOptions {
        scope: dmsflow::scope::Scope::only(&["pics"]),
        rechecks: 0,
        settle: Duration::from_millis(100),
        ..ValidateOptions::default()
    }
}

/// `<name>_src` and `<name>_tgt`, both with `ddl` applied.
async fn pair(name: &str, ddl: &str) -> (ConnectSpec, ConnectSpec) {
    let (sc, tc) = (source_cluster(), target_cluster());
    let (sn, tn) = (format!("{name}_src"), format!("{name}_tgt"));
    let (s, t) = tokio::join!(fresh_db(&sc, &sn), fresh_db(&tc, &tn));
    tokio::join!(exec(&s, ddl), exec(&t, ddl));
    (s, t)
}

async fn validate(s: &ConnectSpec, t: &ConnectSpec) -> (PlanResult, TablesResult) {
    tokio::time::timeout(
        Duration::from_secs(120),
        Validator::new(s.clone(), t.clone(), options()).run(None, None),
    )
    .await
    .expect("validate within 120 s")
    .unwrap()
}

fn table<'a>(r: &'a TablesResult, name: &str) -> &'a TableResult {
    r.tables
        .iter()
        .find(|t| t.table == name)
        .unwrap_or_else(|| panic!("no result for {name}: {r:#?}"))
}

#[tokio::test]
async fn a_bytea_changed_at_byte_20000_is_positioned_in_bytes_of_the_value() {
    // 40,000 bytes of a repeating pattern (a "picture").
    let ddl = "CREATE SCHEMA pics;
               CREATE TABLE pics.photo (id int PRIMARY KEY, body bytea);
               INSERT INTO pics.photo SELECT 1, string_agg(set_byte('\\x00'::bytea, 0, g % 251), ''::bytea ORDER BY g) FROM generate_series(0, 39999) g;";
    let (s, t) = pair("vp_bytea", ddl).await;
    exec(
        &t,
        "UPDATE pics.photo SET body = set_byte(body, 20000, (get_byte(body, 20000) + 1) % 256)",
    )
    .await;
    let (_, result) = validate(&s, &t).await;
    let r = table(&result, "photo");
    assert_eq!(r.status, Status::Different, "{r:#?}");
    let d = &r.differences.sample[0];
    assert_eq!(
        (d.kind, d.key.clone()),
        (RowDiffKind::Changed, Some(vec!["1".to_owned()]))
    );
    let c = d
        .columns
        .iter()
        .find(|c| c.column == "body")
        .expect("body differs");
    assert_eq!(c.kind, ColumnDiffKind::Value);
    let f = c
        .first_difference
        .as_ref()
        .expect("position of the difference");
    assert_eq!(
        (f.unit, f.offset, f.source_length, f.target_length),
        (PositionUnit::Bytes, 20000, 40000, 40000),
        "{c:#?}"
    );
    // Both sides shown around byte 20,000 in hex: 16 bytes before, 32 after.
    let byte = |i: u32| format!("{:02x}", i % 251);
    let before: String = (19984..20000).map(byte).collect();
    let source = c.source.as_deref().unwrap();
    let target = c.target.as_deref().unwrap();
    assert!(
        source.starts_with(&format!("…{before}{}", byte(20000)))
            && source.ends_with("… (40000 bytes; first difference at byte 20000)"),
        "{source}"
    );
    assert!(
        // Byte 20,000 was raised by one: 20000 % 251 + 1 == 20001 % 251.
        target.starts_with(&format!("…{before}{}", byte(20001))),
        "{target}"
    );
}

#[tokio::test]
async fn a_long_text_is_positioned_in_characters() {
    let ddl = "CREATE SCHEMA pics;
               CREATE TABLE pics.caption (id int PRIMARY KEY, body text);
               INSERT INTO pics.caption VALUES (1, repeat('é', 3000) || 'X' || repeat('b', 500));";
    let (s, t) = pair("vp_text", ddl).await;
    exec(&t, "UPDATE pics.caption SET body = replace(body, 'X', 'Y')").await;
    let (_, result) = validate(&s, &t).await;
    let c = &table(&result, "caption").differences.sample[0].columns[0];
    let f = c.first_difference.as_ref().expect("position");
    assert_eq!(
        (f.unit, f.offset, f.source_length),
        (PositionUnit::Characters, 3000, 3501),
        "{c:#?}"
    );
    assert!(
        c.target
            .as_deref()
            .unwrap()
            .ends_with("(3501 characters; first difference at character 3000)"),
        "{c:#?}"
    );
}

#[tokio::test]
async fn a_duplicated_row_of_a_keyless_table_is_shown_with_its_copy_counts() {
    let ddl = "CREATE SCHEMA pics;
               CREATE TABLE pics.tags (photo int, tag text);
               INSERT INTO pics.tags VALUES (1, 'sea'), (1, 'sky'), (2, 'sea');";
    let (s, t) = pair("vp_dup", ddl).await;
    exec(&s, "INSERT INTO pics.tags VALUES (1, 'sky')").await;
    let (_, result) = validate(&s, &t).await;
    let r = table(&result, "tags");
    assert_eq!(
        (r.status, r.differences.count),
        (Status::Different, 1),
        "{r:#?}"
    );
    let d = &r.differences.sample[0];
    assert_eq!(
        (d.kind, d.key.clone(), d.source_count, d.target_count),
        (RowDiffKind::Duplicate, None, Some(2), Some(1))
    );
    let values: Vec<(&str, Option<&str>)> = d
        .columns
        .iter()
        .map(|c| (c.column.as_str(), c.source.as_deref()))
        .collect();
    assert_eq!(values, vec![("photo", Some("1")), ("tag", Some("sky"))]);
    assert_eq!(
        counted_row_text(d).as_deref(),
        Some("(photo=1, tag=sky): 2 copies on the source, 1 on the target")
    );
}

#[tokio::test]
async fn enum_differences_show_both_sides_labels() {
    let ddl = "CREATE SCHEMA pics;
               CREATE TYPE pics.rating AS ENUM ('bad', 'ok', 'good');
               CREATE TYPE pics.unused AS ENUM ('a', 'b');
               CREATE TABLE pics.review (id int PRIMARY KEY, r pics.rating);";
    let (s, t) = pair("vp_enum", ddl).await;
    exec(
        &t,
        "ALTER TYPE pics.rating ADD VALUE 'great'; ALTER TYPE pics.unused RENAME VALUE 'b' TO 'c'",
    )
    .await;
    let (plan, _) = validate(&s, &t).await;
    let check = &plan.checks.enums;
    assert_eq!(check.status, CheckStatus::Fail, "{check:#?}");
    let finding = |object: &str| {
        check
            .findings
            .iter()
            .find(|f| f.object == object)
            .unwrap_or_else(|| panic!("no finding for {object}: {check:#?}"))
    };
    let rating = finding("type pics.rating");
    assert_eq!(
        (rating.source.as_deref(), rating.target.as_deref()),
        (Some("bad, ok, good"), Some("bad, ok, good, great"))
    );
    assert_eq!(
        rating.detail.as_deref(),
        Some("label(s) 'great' only on the target")
    );
    // An enum no column uses is compared too.
    let unused = finding("type pics.unused");
    assert_eq!(
        unused.detail.as_deref(),
        Some("label(s) 'b' missing on the target; label(s) 'c' only on the target")
    );
}
