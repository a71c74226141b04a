//! Result documents of the validator: defined in the contract module
//! ([`crate::contract::validate`]), re-exported here for the validator's code.

pub use crate::contract::validate::{
    Check, CheckStatus, ChunkSpec, ColumnDiff, ColumnDiffKind, Differences, Finding, FindingKind,
    PlanChecks, PlanResult, RowDiff, RowDiffKind, Status, TableChecks, TableResult, TablesResult,
    WorkAction, WorkItem,
};
