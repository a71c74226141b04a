//! Step 4: the final validation at rest over the whole selection: the
//! validator's at-rest mode (no re-checks, every difference final).

use super::CutoverError;
use crate::contract::cutover::FinalValidation;
use crate::contract::validate::{PlanResult, Status, TablesResult, ValidationMode};
use crate::db::ConnectSpec;
use crate::validate::{SequencePolicy, ValidateOptions, Validator};

/// Every table of the selection compared once, at rest: the
/// writers are fenced and the drain is done, so a difference is a
/// difference. Sequences only warn here: they are synced in the next step
/// (and checked there), as neither engine moves them.
pub async fn final_validation(
    source: &ConnectSpec,
    target: &ConnectSpec,
    options: &ValidateOptions,
) -> Result<FinalValidation, CutoverError> {
    let options = ValidateOptions {
        mode: ValidationMode::AtRest,
        rechecks: 0,
        sequence_policy: SequencePolicy::Warn,
        ..options.clone()
    };
    let validator = Validator::new(source.clone(), target.clone(), options);
    let (plan, tables) = validator.run(None, None).await?;
    Ok(summary(&plan, &tables))
}

/// What the cut-over keeps of a validation: the verdict and every problem.
fn summary(plan: &PlanResult, tables: &TablesResult) -> FinalValidation {
    let mut problems: Vec<String> = plan
        .checks
        .iter()
        .filter(|(_, c)| c.table_status() != Status::Identical)
        .map(|(name, c)| format!("{name}: {}", c.message))
        .collect();
    for t in tables
        .tables
        .iter()
        .filter(|t| t.status != Status::Identical)
    {
        let flagged: Vec<String> = t
            .checks
            .flagged()
            .filter(|(_, c)| c.table_status() != Status::Identical)
            .map(|(name, c)| format!("{name}: {}", c.message))
            .collect();
        let detail = match &t.error {
            Some(e) => e.clone(),
            None => flagged.join("; "),
        };
        problems.push(format!("table {} {}: {detail}", t.table, t.status.as_str()));
    }
    FinalValidation {
        status: plan.status.worst(tables.status),
        tables: tables.tables.len(),
        rows_compared: tables.rows_compared,
        seconds: plan.seconds + tables.seconds,
        problems,
    }
}
