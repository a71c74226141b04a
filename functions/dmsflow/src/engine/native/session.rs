//! One connection of the engine: opened within a bound, every statement under
//! `statement_timeout` / `lock_timeout`, errors naming the server and the step.

use super::catalog::column;
use super::NativeError;
use crate::db::{ConnectSpec, DbError};
use crate::engine::EngineError;
use crate::query;
use crate::sql::{rows, FromRow, Query};
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::Client;

const SESSION_LIMITS: Query = query!("engine/native_session_limits.sql");

/// Bounds on waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Any statement (slot creation waits for the source's running transactions).
    pub statement_timeout: Duration,
    /// Any lock, including the engine's own advisory lock.
    pub lock_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            statement_timeout: Duration::from_secs(120),
            lock_timeout: Duration::from_secs(10),
        }
    }
}

pub(crate) struct Session<'a> {
    pub client: Client,
    pub spec: &'a ConnectSpec,
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

fn millis(d: Duration) -> String {
    format!("{}ms", d.as_millis().max(1))
}

/// Connect (TCP, TLS and authentication within the connect timeout plus 5 s:
/// tokio-postgres bounds only the TCP connect), then set the session's
/// statement, lock and idle-in-transaction timeouts.
pub(crate) async fn connect_bounded(
    spec: &ConnectSpec,
    app: &str,
    limits: Limits,
) -> Result<Client, EngineError> {
    let bound = spec.connect_timeout + Duration::from_secs(5);
    let client = tokio::time::timeout(bound, spec.connect(app))
        .await
        .map_err(|_| NativeError::ConnectTimeout {
            endpoint: spec.endpoint(),
            seconds: bound.as_secs(),
        })??;
    client
        .query_one(
            SESSION_LIMITS.text(),
            &[
                &millis(limits.statement_timeout),
                &millis(limits.lock_timeout),
            ],
        )
        .await
        .map_err(spec.query_error("setting the session's statement and lock timeouts"))?;
    Ok(client)
}

impl<'a> Session<'a> {
    /// Connect (TCP, TLS and authentication within the connect timeout plus
    /// 5 s: tokio-postgres bounds only the TCP connect), then set the limits.
    pub async fn open(
        spec: &'a ConnectSpec,
        app: &str,
        limits: Limits,
    ) -> Result<Session<'a>, EngineError> {
        let client = connect_bounded(spec, app, limits).await?;
        Ok(Session { client, spec })
    }

    fn error(&self, context: &str) -> impl FnOnce(tokio_postgres::Error) -> DbError + '_ {
        self.spec.query_error(context.to_owned())
    }

    pub async fn rows<T: FromRow>(
        &self,
        q: &Query,
        params: Params<'_>,
        context: &str,
    ) -> Result<Vec<T>, EngineError> {
        let found = self
            .client
            .query(q.text(), params)
            .await
            .map_err(self.error(context))?;
        Ok(rows(&found, q).map_err(NativeError::from)?)
    }

    pub async fn opt<T: FromRow>(
        &self,
        q: &Query,
        params: Params<'_>,
        context: &str,
    ) -> Result<Option<T>, EngineError> {
        Ok(self.rows(q, params, context).await?.into_iter().next())
    }

    /// The first column of each row.
    pub async fn column<T>(
        &self,
        q: &Query,
        params: Params<'_>,
        name: &'static str,
        context: &str,
    ) -> Result<Vec<T>, EngineError>
    where
        T: for<'r> tokio_postgres::types::FromSql<'r>,
    {
        let found = self
            .client
            .query(q.text(), params)
            .await
            .map_err(self.error(context))?;
        let mut out = Vec::with_capacity(found.len());
        for row in &found {
            out.push(column(row, q, name).map_err(NativeError::from)?);
        }
        Ok(out)
    }

    /// Run a query for its effect.
    pub async fn run(
        &self,
        q: &Query,
        params: Params<'_>,
        context: &str,
    ) -> Result<(), EngineError> {
        self.client
            .query(q.text(), params)
            .await
            .map_err(self.error(context))?;
        Ok(())
    }

    /// A statement built from quoted names (DDL takes no parameters).
    pub async fn ddl(&self, sql: &str, context: &str) -> Result<(), EngineError> {
        self.client
            .batch_execute(sql)
            .await
            .map_err(self.error(context))?;
        Ok(())
    }
}
