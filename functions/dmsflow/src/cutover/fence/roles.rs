//! Fence `roles`: each listed role that can log in gets NOLOGIN (its
//! previous `rolcanlogin` recorded, restored exactly on unfence; a role that
//! could not log in is left alone), then the roles' sessions in this
//! database are terminated and their absence verified.

use crate::contract::cutover::{FenceRecord, FencedRole};
use crate::cutover::session::{single_column, Db};
use crate::cutover::CutoverError;
use crate::db::quote_ident;
use crate::query;
use crate::sql::{get, FromRow, Query, RowError};
use tokio_postgres::Row;

const ROLE_STATE: Query = query!("cutover/role_state.sql");
const TERMINATE: Query = query!("cutover/terminate_sessions.sql");
const REMAINING: Query = query!("cutover/remaining_sessions.sql");

/// How long a terminated session may take to go, in milliseconds.
const TERMINATE_WAIT_MS: i64 = 5_000;

#[derive(Debug)]
pub struct RoleState {
    pub role: String,
    pub superuser: bool,
    pub can_login: bool,
    pub is_self: bool,
}

impl FromRow for RoleState {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(RoleState {
            role: get(row, q, "role")?,
            superuser: get(row, q, "superuser")?,
            can_login: get(row, q, "can_login")?,
            is_self: get(row, q, "is_self")?,
        })
    }
}

struct Terminated {
    role: String,
    terminated: bool,
}

impl FromRow for Terminated {
    fn from_row(row: &Row, q: &'static str) -> Result<Self, RowError> {
        Ok(Terminated {
            role: get(row, q, "role")?,
            terminated: get(row, q, "terminated")?,
        })
    }
}

struct Sessions(i64);
single_column!(Sessions, "sessions");

/// Every role exists, is not a superuser (NOLOGIN does not hold one back)
/// and is not the role dmsflow runs as; else `Refused`.
pub async fn check_roles(
    source: &Db<'_>,
    roles: &[String],
) -> Result<Vec<RoleState>, CutoverError> {
    let found: Vec<RoleState> = source
        .rows(&ROLE_STATE, &[&roles], "reading the fence roles")
        .await?;
    let mut problems = Vec::new();
    for name in roles {
        match found.iter().find(|r| &r.role == name) {
            None => problems.push(format!("role {name:?} does not exist on the source")),
            Some(r) if r.superuser => problems.push(format!(
                "role {name:?} is a superuser: it ignores NOLOGIN and read-only defaults, dmsflow cannot fence it"
            )),
            Some(r) if r.is_self => problems.push(format!(
                "role {name:?} is the role dmsflow connects as (and the subscription streams as): fencing it would cut the cut-over off"
            )),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(CutoverError::Refused {
            reason: problems.join("; "),
        })
    }
}

/// Terminate the roles' sessions in this database and verify none is left;
/// the role of each terminated session.
pub async fn terminate(source: &Db<'_>, roles: &[String]) -> Result<Vec<String>, CutoverError> {
    let done: Vec<Terminated> = source
        .rows(
            &TERMINATE,
            &[&roles, &TERMINATE_WAIT_MS],
            "terminating the fenced roles' sessions",
        )
        .await?;
    let Sessions(left) = source
        .one(&REMAINING, &[&roles], "counting the fenced roles' sessions")
        .await?;
    if left > 0 || done.iter().any(|t| !t.terminated) {
        let stuck: Vec<&str> = done
            .iter()
            .filter(|t| !t.terminated)
            .map(|t| t.role.as_str())
            .collect();
        return Err(CutoverError::Abort {
            step: "fence",
            reason: format!(
                "{left} session(s) of the fenced roles are still connected after {TERMINATE_WAIT_MS} ms (not terminated: {})",
                stuck.join(", ")
            ),
        });
    }
    Ok(done.into_iter().map(|t| t.role).collect())
}

pub async fn fence(
    source: &Db<'_>,
    roles: &[String],
    record: &mut FenceRecord,
) -> Result<String, CutoverError> {
    let states = check_roles(source, roles).await?;
    for state in &states {
        if state.can_login {
            // Recorded first: a failure half-way is undone as far as it got.
            record.roles.push(FencedRole {
                role: state.role.clone(),
                could_login: true,
                sessions_terminated: 0,
            });
            source
                .ddl(
                    &format!("ALTER ROLE {} NOLOGIN", quote_ident(&state.role)),
                    &format!("fencing role {}", state.role),
                )
                .await?;
        } else {
            record.roles.push(FencedRole {
                role: state.role.clone(),
                could_login: false,
                sessions_terminated: 0,
            });
        }
    }
    let terminated = terminate(source, roles).await?;
    for role in &mut record.roles {
        role.sessions_terminated = terminated.iter().filter(|r| **r == role.role).count() as i64;
    }
    Ok(format!(
        "role(s) {} NOLOGIN, {} session(s) terminated",
        roles.join(", "),
        terminated.len()
    ))
}

/// LOGIN again for each role that could log in before; `None` when no role was fenced.
pub async fn restore(
    source: &Db<'_>,
    roles: &[FencedRole],
) -> Result<Option<String>, CutoverError> {
    let mut restored = Vec::new();
    for role in roles.iter().filter(|r| r.could_login) {
        source
            .ddl(
                &format!("ALTER ROLE {} LOGIN", quote_ident(&role.role)),
                &format!("unfencing role {}", role.role),
            )
            .await?;
        restored.push(role.role.as_str());
    }
    Ok((!restored.is_empty()).then(|| format!("role(s) {} LOGIN again", restored.join(", "))))
}

pub fn undo_statements(roles: &[FencedRole]) -> Vec<String> {
    roles
        .iter()
        .filter(|r| r.could_login)
        .map(|r| format!("ALTER ROLE {} LOGIN;", quote_ident(&r.role)))
        .collect()
}
