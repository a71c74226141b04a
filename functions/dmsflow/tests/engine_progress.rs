//! The progress document is one schema for both engines: the checked-in
//! fixtures (a real native poll, a DMS poll) round-trip exactly through the
//! Rust type, which rejects unknown fields, and carry the same fields.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use dmsflow::engine::{EngineKind, Phase, Progress};
use serde_json::Value;
use std::collections::BTreeSet;

const NATIVE: &str = include_str!("fixtures/progress.json");
const DMS: &str = include_str!("fixtures/progress-dms.json");

fn round_trip(text: &str) -> (Value, Progress) {
    let original: Value = serde_json::from_str(text).unwrap();
    let doc: Progress = serde_json::from_value(original.clone()).expect("fixture matches the type");
    let back = serde_json::to_value(&doc).unwrap();
    assert_eq!(
        back, original,
        "deserialize → serialize changed the document"
    );
    (original, doc)
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn fixtures_round_trip_for_both_engines() {
    let (native, n) = round_trip(NATIVE);
    let (dms, d) = round_trip(DMS);
    assert_eq!(n.engine, EngineKind::Native);
    assert_eq!(d.engine, EngineKind::Dms);
    assert_eq!(n.phase, Phase::InSync);
    assert_eq!(n.handle.engine(), EngineKind::Native);
    assert_eq!(d.handle.engine(), EngineKind::Dms);
    // Same schema: same fields at the top, in `tables` and in every table.
    assert_eq!(keys(&native), keys(&dms));
    assert_eq!(keys(&native["tables"]), keys(&dms["tables"]));
    for t in native["table_states"]
        .as_array()
        .unwrap()
        .iter()
        .chain(dms["table_states"].as_array().unwrap())
    {
        assert_eq!(keys(t), keys(&native["table_states"][0]));
    }
    assert_eq!(
        keys(&native),
        [
            "engine",
            "phase",
            "status",
            "full_load_percent",
            "tables",
            "table_states",
            "cdc_lag_seconds",
            "cdc_lag_bytes",
            "in_sync_lag_seconds",
            "last_error",
            "handle",
            "polled_at",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    );
}

#[test]
fn the_type_rejects_drift() {
    let mut v: Value = serde_json::from_str(NATIVE).unwrap();
    v["lag"] = Value::from(1);
    assert!(
        serde_json::from_value::<Progress>(v).is_err(),
        "unknown field accepted"
    );
    let mut v: Value = serde_json::from_str(NATIVE).unwrap();
    v["phase"] = Value::from("running");
    assert!(
        serde_json::from_value::<Progress>(v).is_err(),
        "unknown phase accepted"
    );
    let mut v: Value = serde_json::from_str(DMS).unwrap();
    v["table_states"][0]["state"] = Value::from("Table completed");
    assert!(
        serde_json::from_value::<Progress>(v).is_err(),
        "raw DMS state accepted"
    );
    let mut v: Value = serde_json::from_str(DMS).unwrap();
    v.as_object_mut().unwrap().remove("cdc_lag_bytes");
    assert!(
        serde_json::from_value::<Progress>(v).is_err(),
        "missing field accepted"
    );
}
