//! Read-only sessions over one consistent snapshot per side.
//!
//! Each side has a lead connection that opens a `REPEATABLE READ READ ONLY`
//! transaction and exports its snapshot, and worker connections that import it
//! (`SET TRANSACTION SNAPSHOT`), so every chunk of every table is read as of the
//! same instant. Every session first runs `sql/validate/session.sql`:
//! `default_transaction_read_only = on` and the settings that fix how values
//! render. A write through any of these connections fails.

use crate::db::{quote_literal, ConnectSpec, DbError};
use std::time::Duration;

const SESSION_SQL: &str = include_str!("../../../../sql/validate/session.sql");
const BEGIN_SQL: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

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
    let timeouts = format!(
        "SET statement_timeout = {}; SET lock_timeout = '30s'; SET idle_in_transaction_session_timeout = 0;",
        statement_timeout.as_millis().max(1)
    );
    client
        .batch_execute(&format!("{SESSION_SQL}\n{timeouts}"))
        .await
        .map_err(spec.query_error("configuring the validator session"))?;
    Ok(client)
}

impl SideSessions {
    /// Lead + `workers` connections sharing one exported snapshot.
    pub async fn open(
        spec: &ConnectSpec,
        side: &str,
        workers: usize,
        statement_timeout: Duration,
    ) -> Result<SideSessions, DbError> {
        let app = format!("dmsflow-validate-{side}");
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
    async fn begin(&mut self) -> Result<(), DbError> {
        self.lead
            .batch_execute(BEGIN_SQL)
            .await
            .map_err(self.spec.query_error("starting the snapshot transaction"))?;
        let row = self
            .lead
            .query_one("SELECT pg_export_snapshot()", &[])
            .await
            .map_err(self.spec.query_error("exporting the snapshot"))?;
        self.snapshot = row.get(0);
        let import = format!(
            "{BEGIN_SQL}; SET TRANSACTION SNAPSHOT {}",
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
    pub async fn refresh(&mut self) -> Result<(), DbError> {
        self.end().await?;
        self.begin().await
    }

    /// Close the transactions (read-only: nothing to commit, nothing kept).
    pub async fn end(&mut self) -> Result<(), DbError> {
        let spec = &self.spec;
        let ends = std::iter::once(&self.lead)
            .chain(self.workers.iter())
            .map(|c| async move {
                c.batch_execute("ROLLBACK")
                    .await
                    .map_err(spec.query_error("ending the snapshot transaction"))
            });
        futures_util::future::try_join_all(ends).await?;
        Ok(())
    }

    pub fn statement_timeout(&self) -> Duration {
        self.statement_timeout
    }
}
