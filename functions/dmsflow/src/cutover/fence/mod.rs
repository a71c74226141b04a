//! Step 2: fence the writers on the source, and undo it exactly.
//!
//! Each mode is a file: [`none`] (the operator stopped the application; a
//! quiet window proves it), [`roles`] (NOLOGIN, sessions terminated),
//! [`read_only`] (the database's default made read-only, sessions
//! terminated). What a fence changes is recorded in a [`FenceRecord`] as it
//! goes, so a fence that fails half-way is undone as far as it got. The
//! request is checked before anything changes: a role that is a superuser,
//! the role dmsflow runs as, or unknown is refused (it could not be fenced,
//! or fencing it would cut dmsflow off). Whatever the mode, the selection's row
//! changes are counted when the fence holds, and [`still_holds`] aborts the
//! cut-over when they moved since (a writer the fence did not stop).

pub mod none;
pub mod read_only;
pub mod roles;

use super::session::{single_column, Db};
use super::CutoverError;
use crate::contract::cutover::{CutoverRequest, FenceMode, FenceRecord};
use crate::query;
use crate::sql::Query;
use std::time::Duration;

const ROW_CHANGES: Query = query!("cutover/row_changes.sql");

struct Changes(i64);
single_column!(Changes, "changes");

/// Row changes the statistics know of in the tables of `schemas`.
pub async fn row_changes(db: &Db<'_>, schemas: &[String]) -> Result<i64, CutoverError> {
    let Changes(n) = db
        .one(
            &ROW_CHANGES,
            &[&schemas],
            "counting the selection's row changes",
        )
        .await?;
    Ok(n)
}

fn refused(reason: String) -> CutoverError {
    CutoverError::Refused { reason }
}

/// Refuse a request that cannot be fenced as asked; nothing is changed.
pub async fn check(source: &Db<'_>, request: &CutoverRequest) -> Result<(), CutoverError> {
    let roles = &request.fence_roles;
    match request.fence {
        FenceMode::None if !roles.is_empty() => {
            return Err(refused(format!(
                "--fence none fences no role, yet roles were named ({}): use --fence roles or read-only",
                roles.join(", ")
            )))
        }
        FenceMode::Roles if roles.is_empty() => {
            return Err(refused(
                "--fence roles needs at least one --fence-role".into(),
            ))
        }
        _ => {}
    }
    roles::check_roles(source, roles).await.map(|_| ())
}

/// Apply the fence, recording what changed in `record`; the detail for the timeline.
pub async fn apply(
    source: &Db<'_>,
    request: &CutoverRequest,
    schemas: &[String],
    record: &mut FenceRecord,
) -> Result<String, CutoverError> {
    let detail = match request.fence {
        FenceMode::None => {
            none::quiet_window(
                source,
                schemas,
                Duration::from_secs(request.quiet_seconds),
                record,
            )
            .await?
        }
        FenceMode::Roles => roles::fence(source, &request.fence_roles, record).await?,
        FenceMode::ReadOnly => read_only::fence(source, &request.fence_roles, record).await?,
    };
    if request.fence != FenceMode::None {
        record.row_changes_at_fence = row_changes(source, schemas).await?;
    }
    Ok(detail)
}

/// Undo exactly what `record` says was changed; the detail for the timeline.
pub async fn release(source: &Db<'_>, record: &FenceRecord) -> Result<String, CutoverError> {
    let mut done = Vec::new();
    if let Some(previous) = &record.read_only_before {
        done.push(read_only::restore(source, previous).await?);
    }
    if let Some(roles) = roles::restore(source, &record.roles).await? {
        done.push(roles);
    }
    if done.is_empty() {
        done.push("nothing was fenced".into());
    }
    Ok(done.join("; "))
}

/// Abort when the selection's tables changed since the fence took hold.
pub async fn still_holds(
    source: &Db<'_>,
    schemas: &[String],
    record: &FenceRecord,
) -> Result<(), CutoverError> {
    let now = row_changes(source, schemas).await?;
    if now != record.row_changes_at_fence {
        return Err(CutoverError::Abort {
            step: "fence",
            reason: format!(
                "{} row change(s) in schema(s) {} on the source since the fence: a writer the fence did not stop is still writing",
                now - record.row_changes_at_fence,
                schemas.join(", ")
            ),
        });
    }
    Ok(())
}

/// The statements that undo `record`, for a person when dmsflow cannot.
pub fn undo_by_hand(dbname: &str, record: &FenceRecord) -> String {
    let mut out: Vec<String> = roles::undo_statements(&record.roles);
    if let Some(previous) = &record.read_only_before {
        out.push(read_only::undo_statement(dbname, previous));
    }
    if out.is_empty() {
        "nothing to undo".into()
    } else {
        out.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::cutover::FencedRole;

    #[test]
    fn undo_by_hand_restores_only_what_was_changed_with_quoted_names() {
        let record = FenceRecord {
            roles: vec![
                FencedRole {
                    role: "App Writer".into(),
                    could_login: true,
                    sessions_terminated: 2,
                },
                FencedRole {
                    role: "already_nologin".into(),
                    could_login: false,
                    sessions_terminated: 0,
                },
            ],
            read_only_before: Some(Some("off".into())),
            row_changes_at_fence: 0,
        };
        let undo = undo_by_hand("my db", &record);
        assert_eq!(
            undo,
            "ALTER ROLE \"App Writer\" LOGIN; ALTER DATABASE \"my db\" SET default_transaction_read_only = 'off';"
        );
        let reset = FenceRecord {
            read_only_before: Some(None),
            ..FenceRecord::default()
        };
        assert_eq!(
            undo_by_hand("shop", &reset),
            "ALTER DATABASE \"shop\" RESET default_transaction_read_only;"
        );
        assert_eq!(
            undo_by_hand("shop", &FenceRecord::default()),
            "nothing to undo"
        );
    }
}
