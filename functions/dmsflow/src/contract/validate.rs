//! `validate-tables`: its event, and the result documents of the validator
//! (`plan` and `table`/`tables`), with every closed set of words an enum.

use crate::contract::map::{check_run_name, ItemRef};
use crate::contract::seed::ChangesResult;
use crate::events::{parse_event, split_tag, EventError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// A closed set of words on the wire: `as_str`, `Display`, `parse`, and
/// comparison with a `&str`.
macro_rules! words {
    ($(#[$meta:meta])* $name:ident, { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The variant named `text`, if any.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

    };
}

words!(
    /// What a [`Finding`] says about its object.
    FindingKind, {
        /// On the source, not on the target.
        Missing = "missing",
        /// On the target, not on the source.
        Extra = "extra",
        /// On both sides, not the same.
        Different = "different",
        /// The target holds a shortened value (LOB lengths).
        Truncated = "truncated",
        /// A target sequence behind the source's.
        Behind = "behind",
        /// A replication slot not in use.
        Inactive = "inactive",
        /// An index the target cannot use.
        Invalid = "invalid",
        /// A row the CDC burst deleted that is still on the target.
        NotDeleted = "not-deleted",
    }
);

words!(
    /// How one row differs.
    RowDiffKind, {
        /// On the source, not on the target.
        Missing = "missing",
        /// On the target, not on the source.
        Extra = "extra",
        /// On both sides with different values.
        Changed = "changed",
        /// Present a different number of times (key-less tables).
        Duplicate = "duplicate",
    }
);

words!(
    /// How one column of a row differs.
    ColumnDiffKind, {
        /// Different values.
        Value = "value",
        /// The target holds a prefix of the source's value.
        Truncated = "truncated",
        /// A whole row of a key-less table (only the source side is shown).
        Row = "row",
    }
);

words!(
    /// What a plan's work item asks `validate-tables` to do.
    WorkAction, {
        /// `{"action": "table", "table": …, "chunk": …}`.
        Table = "table",
    }
);

/// What to do when a target sequence is behind the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SequencePolicy {
    /// A lagging sequence makes the table `different` (cut-over would fail).
    Fail,
    /// Reported, but the table can still be `identical` (during CDC, before
    /// sequences are synced at cut-over).
    Warn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Identical,
    Different,
    Error,
    /// No row is known to differ, but some rows kept changing through every
    /// re-check (hot rows during CDC): not a failure, not a clean bill.
    Unverified,
}

impl Status {
    /// The worse of two statuses (error > different > unverified > identical).
    pub fn worst(self, other: Status) -> Status {
        use Status::*;
        match (self, other) {
            (Error, _) | (_, Error) => Error,
            (Different, _) | (_, Different) => Different,
            (Unverified, _) | (_, Unverified) => Unverified,
            _ => Identical,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Identical => "identical",
            Status::Different => "different",
            Status::Error => "error",
            Status::Unverified => "unverified",
        }
    }
}

// ------------------------------------------- validating while CDC runs (live)

/// How differences are treated: `live` (CDC may be running: differing rows
/// are re-checked at a source WAL position, rows still changing are
/// unverified) or `at_rest` (the source is quiet, e.g. at cut-over: no
/// re-checks, every difference is final).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValidationMode {
    #[default]
    Live,
    AtRest,
}

impl ValidationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationMode::Live => "live",
            ValidationMode::AtRest => "at_rest",
        }
    }
}

/// What the re-checks of differing rows waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecheckBasis {
    /// The target had applied the source WAL position of each source read
    /// (the replication slot's `confirmed_flush_lsn`).
    Position,
    /// No slot position was available: a settle delay before each re-check.
    Settle,
    /// At rest: no re-checks.
    None,
}

/// Rows neither identical nor different: they kept changing on the source
/// through every re-check (hot rows).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Unverified {
    pub count: u64,
    /// Why they are unverified; `None` when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The first few keys (primary-key values as text).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sample: Vec<Vec<String>>,
}

/// How the rows that differed in the snapshot pass were re-checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecheckSummary {
    pub basis: RecheckBasis,
    /// The replication slot whose position was waited for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    /// Rows that differed at first and matched on a re-check (in flight).
    pub settled_rows: u64,
    /// One sentence: what was waited for, and why when it fell back.
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    Error,
    Skipped,
}

impl CheckStatus {
    /// A status a person must look at: warn, fail or error.
    pub fn is_flagged(self) -> bool {
        matches!(
            self,
            CheckStatus::Warn | CheckStatus::Fail | CheckStatus::Error
        )
    }
}

/// One check's outcome: a status, one human sentence, and structured findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Check {
    pub status: CheckStatus,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

impl Check {
    pub fn pass(message: impl Into<String>) -> Check {
        Check {
            status: CheckStatus::Pass,
            message: message.into(),
            findings: Vec::new(),
        }
    }

    pub fn skipped(message: impl Into<String>) -> Check {
        Check {
            status: CheckStatus::Skipped,
            message: message.into(),
            findings: Vec::new(),
        }
    }

    pub fn error(message: impl Into<String>) -> Check {
        Check {
            status: CheckStatus::Error,
            message: message.into(),
            findings: Vec::new(),
        }
    }

    /// Pass when there are no findings, else `status_if_any`.
    pub fn from_findings(
        findings: Vec<Finding>,
        status_if_any: CheckStatus,
        ok: &str,
        what: &str,
    ) -> Check {
        if findings.is_empty() {
            Check::pass(ok)
        } else {
            Check {
                status: status_if_any,
                message: format!("{} {what}", findings.len()),
                findings,
            }
        }
    }

    pub fn table_status(&self) -> Status {
        match self.status {
            CheckStatus::Pass | CheckStatus::Warn | CheckStatus::Skipped => Status::Identical,
            CheckStatus::Fail => Status::Different,
            CheckStatus::Error => Status::Error,
        }
    }
}

/// A named problem: which object, what is wrong, and the two sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub kind: FindingKind,
    pub object: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Finding {
    pub fn new(kind: impl Into<FindingKind>, object: impl Into<String>) -> Finding {
        Finding {
            kind: kind.into(),
            object: object.into(),
            source: None,
            target: None,
            detail: None,
        }
    }

    pub fn sides(mut self, source: Option<String>, target: Option<String>) -> Finding {
        self.source = source;
        self.target = target;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Finding {
        self.detail = Some(detail.into());
        self
    }
}

/// The per-table checks, in the order a person reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TableChecks {
    pub columns: Check,
    pub constraints: Check,
    pub indexes: Check,
    pub sequences: Check,
    pub row_count: Check,
    pub checksum: Check,
    pub lob_lengths: Check,
}

impl TableChecks {
    pub fn all_skipped(reason: &str) -> TableChecks {
        TableChecks {
            columns: Check::skipped(reason),
            constraints: Check::skipped(reason),
            indexes: Check::skipped(reason),
            sequences: Check::skipped(reason),
            row_count: Check::skipped(reason),
            checksum: Check::skipped(reason),
            lob_lengths: Check::skipped(reason),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Check)> {
        [
            ("columns", &self.columns),
            ("constraints", &self.constraints),
            ("indexes", &self.indexes),
            ("sequences", &self.sequences),
            ("row_count", &self.row_count),
            ("checksum", &self.checksum),
            ("lob_lengths", &self.lob_lengths),
        ]
        .into_iter()
    }

    /// The checks whose status is flagged (warn, fail, error).
    pub fn flagged(&self) -> impl Iterator<Item = (&'static str, &Check)> {
        self.iter().filter(|(_, c)| c.status.is_flagged())
    }

    pub fn status(&self) -> Status {
        self.iter()
            .map(|(_, c)| c.table_status())
            .fold(Status::Identical, Status::worst)
    }
}

/// One column that differs in one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ColumnDiff {
    pub column: String,
    /// The values as PostgreSQL renders them (`NULL` is JSON null); long values
    /// are shortened with their length; masked columns read `***`.
    pub source: Option<String>,
    pub target: Option<String>,
    pub kind: ColumnDiffKind,
    /// Where two non-NULL values first differ (not for masked columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_difference: Option<FirstDifference>,
}

words!(
    /// What the positions of a [`FirstDifference`] count.
    PositionUnit, {
        /// Bytes of the value itself (bytea), not of its hex text.
        Bytes = "bytes",
        /// Characters of the value's text (every other type).
        Characters = "characters",
    }
);

/// The first position at which two values differ, and both values' lengths,
/// in the value's own units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FirstDifference {
    pub unit: PositionUnit,
    /// 0-based, as `get_byte` counts bytes; the shorter value's length when
    /// one value is a prefix of the other.
    pub offset: u64,
    pub source_length: u64,
    pub target_length: u64,
}

/// One row that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RowDiff {
    /// Primary-key values as text; `None` for tables without a primary key.
    pub key: Option<Vec<String>>,
    pub kind: RowDiffKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnDiff>,
    /// For key-less tables: how many times the row is on each side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_count: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Differences {
    /// Every differing row found (the sample may be shorter).
    pub count: u64,
    pub sample: Vec<RowDiff>,
}

/// A slice of a large table, for fan-out across invocations: a range of the
/// leading primary-key column, `[lower, upper)`, open where `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChunkSpec {
    pub index: u32,
    pub count: u32,
    pub key_column: String,
    #[serde(default)]
    pub lower: Option<i64>,
    #[serde(default)]
    pub upper: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TableResult {
    pub table: String,
    pub chunk: Option<ChunkSpec>,
    pub status: Status,
    pub source_rows: Option<i64>,
    pub target_rows: Option<i64>,
    pub checks: TableChecks,
    pub differences: Differences,
    /// Re-checks made because chunks differed (rows in flight during CDC).
    pub rechecks: u32,
    /// Chunks that differed at first and matched on a re-check.
    pub settled_chunks: u32,
    /// Why the table could not be fully compared.
    pub error: Option<String>,
    pub seconds: f64,
    /// Rows still changing through every re-check (live mode).
    #[serde(default)]
    pub unverified: Unverified,
    /// How differing rows were re-checked; `None` when nothing differed.
    #[serde(default)]
    pub recheck: Option<RecheckSummary>,
}

/// Result of `validate-tables` for a set of tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TablesResult {
    pub status: Status,
    /// The schemas compared.
    pub schemas: Vec<String>,
    pub tables: Vec<TableResult>,
    pub rows_compared: i64,
    pub seconds: f64,
    #[serde(default)]
    pub mode: ValidationMode,
    /// Unverified rows over every table.
    #[serde(default)]
    pub unverified_rows: u64,
}

/// Database-level checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanChecks {
    pub table_set: Check,
    pub enums: Check,
    /// Every sequence of the schema: definitions, and the value of those no
    /// column draws from (a column's sequence is judged with its table).
    #[serde(default = "not_compared")]
    pub sequences: Check,
    /// Views, materialized views, functions, triggers, domains, types,
    /// extensions, row-level security, partitions, privileges, owners: one
    /// check per kind, by kind name.
    #[serde(default)]
    pub objects: std::collections::BTreeMap<String, Check>,
    pub replication_slots: Check,
    pub cdc_proof: Option<Check>,
}

fn not_compared() -> Check {
    Check::skipped("not compared")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkItem {
    pub action: WorkAction,
    pub table: String,
    pub chunk: Option<ChunkSpec>,
}

/// Result of `validate-tables {"action":"plan"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlanResult {
    pub status: Status,
    /// The schemas compared.
    pub schemas: Vec<String>,
    pub checks: PlanChecks,
    pub work: Vec<WorkItem>,
    pub source_rows_estimate: i64,
    pub seconds: f64,
}

impl PlanChecks {
    /// Every database-level check by name, in the order a person reads them.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Check)> {
        [
            ("table_set", &self.table_set),
            ("enums", &self.enums),
            ("sequences", &self.sequences),
        ]
        .into_iter()
        .chain(self.objects.iter().map(|(k, c)| (k.as_str(), c)))
        .chain([("replication_slots", &self.replication_slots)])
        .chain(self.cdc_proof.iter().map(|c| ("cdc_proof", c)))
    }

    pub fn status(&self) -> Status {
        self.iter()
            .map(|(_, c)| c.table_status())
            .fold(Status::Identical, Status::worst)
    }
}

// ------------------------------------------------------------------ the event

/// Settings an event may override for one run (fields of every action).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunOverrides {
    #[serde(default)]
    pub rechecks: Option<u32>,
    #[serde(default)]
    pub settle_seconds: Option<u64>,
    /// `fail` (default) or `warn`: how a target sequence behind the source counts.
    #[serde(default)]
    pub sequences: Option<SequencePolicy>,
    /// `live` (default) or `at_rest` (no re-checks, every difference final).
    #[serde(default)]
    pub mode: Option<ValidationMode>,
    /// The migration's replication slot on the source, whose position the
    /// re-checks wait for (overrides VALIDATE_REPLICATION_SLOT).
    #[serde(default)]
    pub slot: Option<String>,
}

impl RunOverrides {
    const FIELDS: [&'static str; 5] = ["rechecks", "settle_seconds", "sequences", "mode", "slot"];

    /// Take the override fields out of an event body and parse them on their
    /// own: inside a `flatten`ed struct serde loses the path of an error, and
    /// the error must name the field.
    fn take_from(body: &mut Value) -> Result<Self, EventError> {
        let Value::Object(map) = body else {
            return Ok(RunOverrides::default());
        };
        let fields: serde_json::Map<String, Value> = Self::FIELDS
            .iter()
            .filter_map(|f| map.remove(*f).map(|v| ((*f).to_owned(), v)))
            .collect();
        parse_event(Value::Object(fields))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    #[serde(default)]
    pub tables: Option<Vec<String>>,
    #[serde(default)]
    pub changes: Option<ChangesResult>,
    /// The execution name: the plan and its work items go to S3 under it and
    /// the result is a `PlanSummary` (the Distributed Map); without it the
    /// whole `PlanResult` is returned.
    #[serde(default)]
    pub run: Option<String>,
    #[serde(flatten)]
    pub overrides: RunOverrides,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OneTableRequest {
    pub table: String,
    #[serde(default)]
    pub chunk: Option<ChunkSpec>,
    /// The Map item this is (run and position): the full result goes to S3
    /// and the result is an `ItemSummary`; without it the whole `TablesResult`.
    #[serde(default)]
    pub item: Option<ItemRef>,
    #[serde(flatten)]
    pub overrides: RunOverrides,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManyTablesRequest {
    pub tables: Vec<String>,
    #[serde(flatten)]
    pub overrides: RunOverrides,
}

/// The `validate-tables` event (tag `action`). Parsed by [`ValidateEvent::from_value`]
/// (errors keep their field path); the serde derive gives its schema.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum ValidateEvent {
    Plan(PlanRequest),
    Table(OneTableRequest),
    Tables(ManyTablesRequest),
}

impl ValidateEvent {
    pub fn overrides(&self) -> &RunOverrides {
        match self {
            ValidateEvent::Plan(r) => &r.overrides,
            ValidateEvent::Table(r) => &r.overrides,
            ValidateEvent::Tables(r) => &r.overrides,
        }
    }

    pub fn from_value(value: Value) -> Result<Self, EventError> {
        let (action, mut rest) = split_tag(value, "action", &["plan", "table", "tables"])?;
        let overrides = RunOverrides::take_from(&mut rest)?;
        let mut event = match action.as_str() {
            "plan" => ValidateEvent::Plan(parse_event(rest)?),
            "table" => ValidateEvent::Table(parse_event(rest)?),
            _ => ValidateEvent::Tables(parse_event(rest)?),
        };
        match &mut event {
            ValidateEvent::Plan(r) => r.overrides = overrides,
            ValidateEvent::Table(r) => r.overrides = overrides,
            ValidateEvent::Tables(r) => r.overrides = overrides,
        }
        if let ValidateEvent::Tables(r) = &event {
            if r.tables.is_empty() {
                return Err(EventError::invalid(
                    "tables",
                    "must name at least one table",
                ));
            }
        }
        match &event {
            ValidateEvent::Plan(PlanRequest { run: Some(run), .. }) => check_run_name("run", run)?,
            ValidateEvent::Table(OneTableRequest {
                item: Some(item), ..
            }) => check_run_name("item.run", &item.run)?,
            _ => {}
        }
        if let ValidateEvent::Table(OneTableRequest { chunk: Some(c), .. }) = &event {
            if c.count == 0 || c.index >= c.count {
                return Err(EventError::invalid(
                    "chunk.index",
                    format!("must be below chunk.count ({})", c.count),
                ));
            }
        }
        Ok(event)
    }
}

#[cfg(test)]
mod live_tests {
    use super::*;

    #[test]
    fn mode_and_slot_parse_on_every_action() {
        let e = ValidateEvent::from_value(serde_json::json!({
            "action": "tables", "tables": ["a"], "mode": "at_rest", "slot": "sub_x"
        }))
        .unwrap();
        let ValidateEvent::Tables(r) = e else {
            panic!("tables")
        };
        assert_eq!(
            (r.overrides.mode, r.overrides.slot.as_deref()),
            (Some(ValidationMode::AtRest), Some("sub_x"))
        );
        let e = ValidateEvent::from_value(serde_json::json!({"action": "plan", "mode": "live"}));
        assert!(matches!(
            e,
            Ok(ValidateEvent::Plan(PlanRequest {
                overrides: RunOverrides {
                    mode: Some(ValidationMode::Live),
                    ..
                },
                ..
            }))
        ));
        assert!(
            ValidateEvent::from_value(serde_json::json!({"action": "plan", "mode": "rest"}))
                .is_err()
        );
    }

    #[test]
    fn unverified_ranks_between_identical_and_different() {
        use Status::*;
        assert_eq!(Identical.worst(Unverified), Unverified);
        assert_eq!(Unverified.worst(Different), Different);
        assert_eq!(Error.worst(Unverified), Error);
        assert_eq!(serde_json::to_value(Unverified).unwrap(), "unverified");
        assert_eq!(
            serde_json::to_value(ValidationMode::AtRest).unwrap(),
            "at_rest"
        );
    }
}
