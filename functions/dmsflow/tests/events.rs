//! Every example event in `events/` parses into its function's input type,
//! survives a round trip where the type serializes, and is strict: the same
//! event with one unknown field is refused, naming the field.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use dmsflow::events::EventError;
use dmsflow::handlers::poll_task::PollEvent;
use dmsflow::handlers::start_task::StartTaskEvent;
use dmsflow::handlers::validate::ValidateEvent;
use dmsflow::report::ReportEvent;
use dmsflow::seed::SeedEvent;
use serde_json::Value;
use std::path::Path;

/// Parse with the function's own parser; returns the re-serialized event
/// where the type can serialize.
fn parse_as(function: &str, event: Value) -> Result<Option<Value>, EventError> {
    Ok(match function {
        "seed-source" => Some(serde_json::to_value(SeedEvent::from_value(event)?).unwrap()),
        "start-task" => {
            StartTaskEvent::from_value(event)?;
            None
        }
        "poll-task" => {
            PollEvent::from_value(event)?;
            None
        }
        "validate-tables" => {
            ValidateEvent::from_value(event)?;
            None
        }
        "report" => {
            Some(serde_json::to_value(dmsflow::events::parse_event::<ReportEvent>(event)?).unwrap())
        }
        other => panic!("events/ has an example for unknown function {other}"),
    })
}

fn function_of(file: &str) -> &'static str {
    [
        "seed-source",
        "start-task",
        "poll-task",
        "validate-tables",
        "report",
    ]
    .into_iter()
    .find(|f| file.starts_with(&format!("{f}-")))
    .unwrap_or_else(|| panic!("{file}: example names must start with the function name"))
}

/// Every field of `small` is in `big` with the same value (defaults may add more).
fn contained(small: &Value, big: &Value) -> bool {
    match (small, big) {
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .all(|(k, v)| b.get(k).is_some_and(|w| contained(v, w))),
        (Value::Null, Value::Null) => true,
        (Value::Null, _) => true,
        (a, b) => a == b,
    }
}

#[test]
fn every_example_event_round_trips_and_is_strict() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        if !file.ends_with(".json") {
            continue;
        }
        let function = function_of(&file);
        seen.insert(function);
        let event: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{file}: not JSON: {e}"));
        let back = parse_as(function, event.clone()).unwrap_or_else(|e| panic!("{file}: {e}"));
        if let Some(back) = back {
            assert!(
                contained(&event, &back),
                "{file}: round trip lost fields: {event} -> {back}"
            );
            parse_as(function, back)
                .unwrap_or_else(|e| panic!("{file}: re-serialized event refused: {e}"));
        }
        let mut typo = event.clone();
        typo.as_object_mut()
            .unwrap()
            .insert("unexpected_field".into(), Value::Bool(true));
        let err = parse_as(function, typo)
            .expect_err(&format!("{file}: an unknown field must be refused"));
        assert!(
            err.to_string().contains("unexpected_field"),
            "{file}: {err}"
        );
    }
    assert_eq!(seen.len(), 5, "an example for every function: {seen:?}");
}
