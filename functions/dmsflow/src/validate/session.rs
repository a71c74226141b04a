//! Read-only sessions over one consistent snapshot per side.
//!
//! Each side has a lead connection that opens a `REPEATABLE READ READ ONLY`
//! transaction and exports its snapshot, and worker connections that import it
//! (`SET TRANSACTION SNAPSHOT`), so every chunk of every table is read as of the
//! same instant. Every session first runs `sql/validate/session.sql`:
//! `default_transaction_read_only = on` and the settings that fix how values
//! render. A write through any of these connections fails.

use super::rows::ReadError;
use super::sides::{Side, Sides};
use crate::db::{quote_literal, ConnectSpec, DbError};
use crate::sql::{self, query, FromRow, Query, RowError};
use std::time::Duration;

const SESSION: Query = query!("validate/session.sql");
const BEGIN: Query = query!("validate/begin_snapshot.sql");
const END: Query = query!("validate/end_snapshot.sql");
const EXPORT_SNAPSHOT: Query = query!("validate/export_snapshot.sql");

struct ExportedSnapshot {
    snapshot: String,
}

impl FromRow for ExportedSnapshot {
    fn from_row(row: &tokio_postgres::Row, query: &'static str) -> Result<Self, RowError> {
        Ok(ExportedSnapshot {
            snapshot: sql::get(row, query, "snapshot")?,
        })
    }
}

/// Connections of one side, all in the same snapshot.
#[derive(Debug)]
pub struct SideSessions {
    pub spec: ConnectSpec,
    pub lead: tokio_postgres::Client,
    pub workers: Vec<tokio_postgres::Client>,
    pub snapshot: String,
    statement_timeout: Duration,
}

/// Open one read-only session (settings applied, no transaction yet).
pub async fn open_session(
    spec: &ConnectSpec,
    application_name: &str,
    statement_timeout: Duration,
) -> Result<tokio_postgres::Client, DbError> {
    let client = spec.connect(application_name).await?;
    // A lock held by someone else is waited for at most this long (half a
    // statement's time, so the error names the lock), then that table is
    // `error`.
    let lock_timeout = (statement_timeout / 2).min(Duration::from_secs(30));
    let timeouts = format!(
        "SET statement_timeout = {}; SET lock_timeout = {}; SET idle_in_transaction_session_timeout = 0;",
        statement_timeout.as_millis().max(1),
        lock_timeout.as_millis().max(1)
    );
    client
        .batch_execute(&format!("{}\n{timeouts}", SESSION.text()))
        .await
        .map_err(spec.query_error("configuring the validator session"))?;
    Ok(client)
}

impl SideSessions {
    /// Lead + `workers` connections sharing one exported snapshot.
    pub async fn open(
        spec: &ConnectSpec,
        side: Side,
        workers: usize,
        statement_timeout: Duration,
    ) -> Result<SideSessions, ReadError> {
        let app = format!("dmsflow-validate-{}", side.as_str());
        let lead = open_session(spec, &app, statement_timeout).await?;
        let mut connecting = Vec::new();
        for _ in 0..workers.max(1) {
            connecting.push(open_session(spec, &app, statement_timeout));
        }
        let workers = futures_util::future::try_join_all(connecting).await?;
        let mut sessions = SideSessions {
            spec: spec.clone(),
            lead,
            workers,
            snapshot: String::new(),
            statement_timeout,
        };
        sessions.begin().await?;
        Ok(sessions)
    }

    /// Start a new snapshot on every connection (the lead exports, workers import).
    async fn begin(&mut self) -> Result<(), ReadError> {
        self.lead
            .batch_execute(BEGIN.text())
            .await
            .map_err(self.spec.query_error("starting the snapshot transaction"))?;
        let row = self
            .lead
            .query_one(EXPORT_SNAPSHOT.text(), &[])
            .await
            .map_err(self.spec.query_error("exporting the snapshot"))?;
        self.snapshot = ExportedSnapshot::from_row(&row, EXPORT_SNAPSHOT.name)?.snapshot;
        let import = format!(
            "{};\nSET TRANSACTION SNAPSHOT {}",
            BEGIN.text().trim_end(),
            quote_literal(&self.snapshot)
        );
        let spec = &self.spec;
        let imports = self.workers.iter().map(|w| {
            let import = import.clone();
            async move {
                w.batch_execute(&import)
                    .await
                    .map_err(spec.query_error("importing the snapshot"))
            }
        });
        futures_util::future::try_join_all(imports).await?;
        Ok(())
    }

    /// End the current snapshot and take a new one (for re-checks during CDC).
    pub async fn refresh(&mut self) -> Result<(), ReadError> {
        self.end().await?;
        self.begin().await
    }

    /// Close the transactions (read-only: nothing to commit, nothing kept).
    pub async fn end(&mut self) -> Result<(), DbError> {
        let spec = &self.spec;
        let ends = std::iter::once(&self.lead)
            .chain(self.workers.iter())
            .map(|c| async move {
                c.batch_execute(END.text())
                    .await
                    .map_err(spec.query_error("ending the snapshot transaction"))
            });
        futures_util::future::try_join_all(ends).await?;
        Ok(())
    }

    pub fn statement_timeout(&self) -> Duration {
        self.statement_timeout
    }

    /// One statement on the lead connection, its error naming `context`.
    pub async fn query_one(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        context: &str,
    ) -> Result<tokio_postgres::Row, DbError> {
        self.lead
            .query_one(sql, params)
            .await
            .map_err(self.spec.query_error(context))
    }

    /// [`SideSessions::query_one`] for any number of rows.
    pub async fn query(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        context: &str,
    ) -> Result<Vec<tokio_postgres::Row>, DbError> {
        self.lead
            .query(sql, params)
            .await
            .map_err(self.spec.query_error(context))
    }
}

const SAVEPOINT: &str = "SAVEPOINT dmsflow_step";
const RELEASE: &str = "RELEASE SAVEPOINT dmsflow_step";
const ROLLBACK_TO: &str = "ROLLBACK TO SAVEPOINT dmsflow_step";

/// Run `step` on `client` inside a savepoint. A statement that fails (a lock
/// or statement timeout on one table) aborts only the savepoint: rolled back,
/// the connection's transaction — and its snapshot, which belongs to the
/// transaction — serves the next table, which passes or fails on its own.
pub async fn in_savepoint<T, E, Fut>(
    client: &tokio_postgres::Client,
    spec: &ConnectSpec,
    step: Fut,
) -> Result<T, E>
where
    E: From<DbError>,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    client
        .batch_execute(SAVEPOINT)
        .await
        .map_err(spec.query_error("setting a savepoint"))?;
    match step.await {
        Ok(value) => {
            client
                .batch_execute(RELEASE)
                .await
                .map_err(spec.query_error("releasing a savepoint"))?;
            Ok(value)
        }
        Err(e) => {
            // If this fails too the connection is gone; the step's error is
            // the one that names the cause.
            let _ = client.batch_execute(ROLLBACK_TO).await;
            Err(e)
        }
    }
}

/// Both sides' sessions, opened at once.
pub async fn open_both(
    specs: Sides<&ConnectSpec>,
    workers: usize,
    statement_timeout: Duration,
) -> Result<Sides<SideSessions>, ReadError> {
    specs
        .try_both(|side, spec| SideSessions::open(spec, side, workers, statement_timeout))
        .await
}

/// Close both sides' transactions; a failure here changes no verdict.
pub async fn end_both(sessions: &mut Sides<SideSessions>) {
    sessions.both_mut(|_, s| s.end()).await;
}

const DATABASE_IDENTITY: Query = query!("validate/database_identity.sql");

/// Which database a session is in (cluster and database).
#[derive(Debug, Clone, PartialEq, Eq)]
struct DatabaseIdentity {
    system_identifier: String,
    database_oid: i64,
}

impl FromRow for DatabaseIdentity {
    fn from_row(row: &tokio_postgres::Row, query: &'static str) -> Result<Self, RowError> {
        Ok(DatabaseIdentity {
            system_identifier: sql::get(row, query, "system_identifier")?,
            database_oid: sql::get(row, query, "database_oid")?,
        })
    }
}

/// Refuse to compare a database with itself (same cluster and same database
/// oid): every check would pass whatever the data. Two databases of one
/// cluster are different databases and stay allowed.
pub async fn refuse_same_database(
    sessions: &Sides<SideSessions>,
) -> Result<(), super::ValidateError> {
    let identities = sessions
        .try_both(|_, s| async move {
            let row = s
                .query_one(
                    DATABASE_IDENTITY.text(),
                    &[],
                    "reading the database identity",
                )
                .await?;
            Ok::<_, ReadError>(DatabaseIdentity::from_row(&row, DATABASE_IDENTITY.name)?)
        })
        .await?;
    if identities.source == identities.target {
        return Err(super::ValidateError::SameDatabase {
            system_identifier: identities.source.system_identifier,
            database_oid: identities.source.database_oid,
        });
    }
    Ok(())
}
