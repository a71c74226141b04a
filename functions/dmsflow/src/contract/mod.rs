//! The contract of the five functions, as typed data: every event, result,
//! progress document, error type and environment variable.
//!
//! [`document`] renders it as the machine-readable contract checked in at
//! `contract/dmsflow.contract.json` (JSON Schemas of events and results, the
//! error types, the environment variables); the state machine tests, the
//! Terraform checks, the README table and docs/contracts.md read that file or
//! are generated from it. `make contract` regenerates all of them; the tests
//! in [`files`] fail when one is stale.

pub mod cutover;
pub mod engine;
pub mod env;
pub mod errors;
pub mod files;
pub mod map;
pub mod report;
pub mod seed;
pub mod validate;

use env::{Value as EnvValue, ENV_VARS, ONE_OF};
use errors::ErrorType;
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

/// The contract format's version (bump on a breaking change of its layout).
pub const FORMAT_VERSION: u32 = 1;

/// One function's event and results, by type name.
struct FunctionContract {
    name: &'static str,
    event: &'static str,
    /// The event's tag field (`mode`, `action`), if its shape depends on one.
    tag: Option<&'static str>,
    /// Result type per tag value; `*` when the function has one result type.
    results: &'static [(&'static str, &'static str)],
}

const FUNCTIONS: &[FunctionContract] = &[
    FunctionContract {
        name: "seed-source",
        event: "SeedEvent",
        tag: Some("mode"),
        results: &[
            ("load", "LoadResult"),
            ("changes", "ChangesResult"),
            ("schema", "SchemaResult"),
        ],
    },
    FunctionContract {
        name: "start-task",
        event: "StartTaskEvent",
        tag: Some("action"),
        results: &[
            ("start", "ActionResult"),
            ("stop", "ActionResult"),
            ("sync-sequences", "SequencesResult"),
            ("assess", "AssessReport"),
            ("cutover", "CutoverResult"),
        ],
    },
    FunctionContract {
        name: "poll-task",
        event: "PollEvent",
        tag: None,
        results: &[("*", "Progress")],
    },
    FunctionContract {
        name: "validate-tables",
        event: "ValidateEvent",
        tag: Some("action"),
        results: &[
            ("plan", "PlanResult"),
            ("table", "TablesResult"),
            ("tables", "TablesResult"),
        ],
    },
    FunctionContract {
        name: "report",
        event: "ReportEvent",
        tag: None,
        results: &[("*", "ReportSummary")],
    },
];

/// Every event and result type, by name: a self-contained JSON Schema each.
pub fn schemas() -> Map<String, Value> {
    fn schema<T: JsonSchema>() -> Value {
        serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null)
    }
    let mut out = Map::new();
    let mut add = |name: &str, value: Value| {
        out.insert(name.to_owned(), value);
    };
    add("SeedEvent", schema::<seed::SeedEvent>());
    add("LoadResult", schema::<seed::LoadResult>());
    add("ChangesResult", schema::<seed::ChangesResult>());
    add("SchemaResult", schema::<seed::SchemaResult>());
    add("StartTaskEvent", schema::<engine::StartTaskEvent>());
    add("ActionResult", schema::<engine::ActionResult>());
    add("SequencesResult", schema::<engine::SequencesResult>());
    add("AssessReport", schema::<engine::AssessReport>());
    add("CutoverResult", schema::<cutover::CutoverResult>());
    add("Handle", schema::<engine::Handle>());
    add("PollEvent", schema::<engine::PollEvent>());
    add("Progress", schema::<engine::Progress>());
    add("ValidateEvent", schema::<validate::ValidateEvent>());
    add("ChunkSpec", schema::<validate::ChunkSpec>());
    add("PlanResult", schema::<validate::PlanResult>());
    add("TablesResult", schema::<validate::TablesResult>());
    add("PlanSummary", schema::<map::PlanSummary>());
    add("ItemSummary", schema::<map::ItemSummary>());
    add("ReportEvent", schema::<report::ReportEvent>());
    add("ReportSummary", schema::<report::ReportSummary>());
    add("Report", schema::<report::Report>());
    add(
        "ExecutionStatusChange",
        schema::<report::ExecutionStatusChange>(),
    );
    add(
        "FailureReportResult",
        schema::<report::FailureReportResult>(),
    );
    add("ErrorType", schema::<ErrorType>());
    out
}

fn functions_json() -> Value {
    let mut out = Map::new();
    for f in FUNCTIONS {
        let env: Vec<&str> = ENV_VARS
            .iter()
            .filter(|v| v.functions.iter().any(|g| g.name() == f.name))
            .map(|v| v.name)
            .collect();
        let results: Map<String, Value> = f
            .results
            .iter()
            .map(|(tag, ty)| ((*tag).to_owned(), json!(ty)))
            .collect();
        out.insert(
            f.name.to_owned(),
            json!({"event": f.event, "tag": f.tag, "results": results, "env": env}),
        );
    }
    Value::Object(out)
}

fn errors_json() -> Value {
    ErrorType::ALL
        .iter()
        .map(|t| json!({"name": t.as_str(), "transient": t.is_transient(), "meaning": t.meaning()}))
        .collect()
}

fn env_json() -> Value {
    let mut out = Map::new();
    for v in ENV_VARS {
        let names = |fs: &[env::Function]| fs.iter().map(|f| f.name()).collect::<Vec<_>>();
        let mut entry = json!({
            "functions": names(v.functions),
            "required_by": names(v.required_by),
            "type": v.type_name(),
            "default": v.default_json(),
            "computed_default": v.computed_default,
            "description": v.description,
        });
        match v.value {
            EnvValue::Integer(i) => {
                entry["minimum"] = json!(i.min);
                entry["maximum"] = json!(i.max);
            }
            EnvValue::Number(n) => {
                entry["minimum"] = json!(n.min);
                entry["maximum"] = json!(n.max);
            }
            EnvValue::Choice(c) => entry["allowed"] = json!(c.allowed),
            EnvValue::Text(_) | EnvValue::List(_) => {}
        }
        out.insert(v.name.to_owned(), entry);
    }
    Value::Object(out)
}

/// The whole machine-readable contract (`contract/dmsflow.contract.json`).
pub fn document() -> Value {
    let one_of: Vec<Value> = ONE_OF
        .iter()
        .map(|(f, vars)| json!({"function": f.name(), "variables": vars}))
        .collect();
    json!({
        "$comment": "Generated from functions/dmsflow/src/contract by `make contract`; do not edit.",
        "format_version": FORMAT_VERSION,
        "functions": functions_json(),
        "errors": errors_json(),
        "env": env_json(),
        "env_one_of": one_of,
        "schemas": schemas(),
    })
}

/// The contract file's text: pretty JSON, one trailing newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}
