//! Fence `read-only`: the database's default becomes read-only transactions
//! (`ALTER DATABASE … SET default_transaction_read_only = on`; its own
//! previous setting recorded and restored exactly), then the listed roles'
//! sessions are terminated so they reconnect under the new default.

use super::roles::{check_roles, terminate};
use crate::contract::cutover::FenceRecord;
use crate::cutover::session::{single_column, Db};
use crate::cutover::CutoverError;
use crate::db::{quote_ident, quote_literal};
use crate::query;
use crate::sql::Query;

const DATABASE_READ_ONLY: Query = query!("cutover/database_read_only.sql");

struct Previous(Option<String>);
single_column!(Previous, "previous");

pub async fn fence(
    source: &Db<'_>,
    roles: &[String],
    record: &mut FenceRecord,
) -> Result<String, CutoverError> {
    check_roles(source, roles).await?;
    let Previous(previous) = source
        .one(
            &DATABASE_READ_ONLY,
            &[],
            "reading the database's default_transaction_read_only",
        )
        .await?;
    // Recorded first: a failure half-way is undone as far as it got.
    record.read_only_before = Some(previous);
    let db = quote_ident(&source.spec.dbname);
    source
        .ddl(
            &format!("ALTER DATABASE {db} SET default_transaction_read_only = on"),
            "making the database read-only",
        )
        .await?;
    let terminated = terminate(source, roles).await?.len();
    Ok(format!(
        "database {} read-only by default, {terminated} session(s) of {} terminated",
        source.spec.dbname,
        if roles.is_empty() {
            "no role".to_owned()
        } else {
            roles.join(", ")
        }
    ))
}

/// The database's own setting as it was (reset when it had none).
pub async fn restore(source: &Db<'_>, previous: &Option<String>) -> Result<String, CutoverError> {
    source
        .ddl(
            &undo_statement(&source.spec.dbname, previous),
            "restoring the database's default_transaction_read_only",
        )
        .await?;
    Ok(match previous {
        Some(v) => format!("default_transaction_read_only back to {v}"),
        None => "default_transaction_read_only reset".into(),
    })
}

pub fn undo_statement(dbname: &str, previous: &Option<String>) -> String {
    let db = quote_ident(dbname);
    match previous {
        Some(v) => format!(
            "ALTER DATABASE {db} SET default_transaction_read_only = {};",
            quote_literal(v)
        ),
        None => format!("ALTER DATABASE {db} RESET default_transaction_read_only;"),
    }
}
