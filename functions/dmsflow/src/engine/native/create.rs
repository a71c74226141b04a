//! Creating the subscription so that nothing waits on itself and the source
//! password is in no statement that can fail on a connection problem:
//!
//! 1. the slot is created on the source from dmsflow's own connection
//!    (`CREATE SUBSCRIPTION … create_slot` in the source's own cluster waits
//!    for its own transaction forever — PostgreSQL documents this);
//! 2. `CREATE SUBSCRIPTION … WITH (connect = false)` with a connection string
//!    *without* the password, and its marker comment;
//! 3. the password goes in with `ALTER SUBSCRIPTION … CONNECTION`, which only
//!    parses the string (it cannot fail on host or password), after asking the
//!    server not to log this session's statements (superusers only; refused
//!    elsewhere, then the result says so);
//! 4. `ENABLE`, then `REFRESH PUBLICATION WITH (copy_data = true)`: the first
//!    statement that reaches the source from the target server; its text holds
//!    no password. When it cannot connect, that is a configuration error (not
//!    retried) and everything created here is removed again.

use super::catalog::{CREATE_SLOT, DROP_SLOT};
use super::session::Session;
use super::{NativeEngine, NativeError};
use crate::db::{quote_ident, quote_literal};
use crate::engine::EngineError;
use crate::query;
use crate::sql::Query;

const QUIET_LOGGING: Query = query!("engine/native_quiet_logging.sql");
const RESET_LOGGING: Query = query!("engine/native_reset_logging.sql");

impl NativeEngine {
    /// Slot and subscription; on failure both are removed again. Returns notes.
    pub(super) async fn create_subscription(
        &self,
        source: &Session<'_>,
        target: &Session<'_>,
        marker: &str,
    ) -> Result<Vec<String>, EngineError> {
        let s = &self.settings;
        source
            .run(
                &CREATE_SLOT,
                &[&s.subscription],
                &format!("creating replication slot {}", s.subscription),
            )
            .await?;
        match self.subscribe(target, marker).await {
            Ok(notes) => Ok(notes),
            Err(e) => {
                self.undo_subscription(source, target).await;
                Err(e)
            }
        }
    }

    async fn subscribe(
        &self,
        target: &Session<'_>,
        marker: &str,
    ) -> Result<Vec<String>, EngineError> {
        let s = &self.settings;
        let sub = quote_ident(&s.subscription);
        let sslroot = s.source_sslrootcert.as_deref();
        let without_password = self
            .source
            .with_user(&self.source.user, "")
            .libpq_conninfo(&s.source_sslmode, sslroot);
        target
            .ddl(
                &format!(
                    "CREATE SUBSCRIPTION {sub} CONNECTION {} PUBLICATION {} \
                     WITH (connect = false, slot_name = {})",
                    quote_literal(&without_password),
                    quote_ident(&s.publication),
                    quote_literal(&s.subscription),
                ),
                &format!("creating subscription {}", s.subscription),
            )
            .await?;
        target
            .ddl(
                &format!("COMMENT ON SUBSCRIPTION {sub} IS {}", quote_literal(marker)),
                "marking the subscription as this migration's",
            )
            .await?;
        let mut notes = vec![format!(
            "replication slot {} created on the source; subscription {} created on the target",
            s.subscription, s.subscription
        )];
        let quiet = target.client.query(QUIET_LOGGING.text(), &[]).await.is_ok();
        if !quiet {
            notes.push(format!(
                "the target would not let this session turn off statement logging (superuser only): if its log_statement is ddl or all, the server log holds the source password from ALTER SUBSCRIPTION {} CONNECTION; rotate that log or the password",
                s.subscription
            ));
        }
        let conninfo = self.source.libpq_conninfo(&s.source_sslmode, sslroot);
        // The only statement with the password; never logged by dmsflow, and
        // errors carry PostgreSQL's message, not the statement.
        let with_password = target
            .ddl(
                &format!(
                    "ALTER SUBSCRIPTION {sub} CONNECTION {}",
                    quote_literal(&conninfo)
                ),
                &format!("setting the connection of subscription {}", s.subscription),
            )
            .await;
        if quiet {
            let _ = target.client.batch_execute(RESET_LOGGING.text()).await;
        }
        with_password?;
        target
            .ddl(
                &format!("ALTER SUBSCRIPTION {sub} ENABLE"),
                "enabling the subscription",
            )
            .await?;
        self.refresh_publication(target, &sub).await?;
        tracing::info!(subscription = %s.subscription, publication = %s.publication, sslmode = %s.source_sslmode, "subscription created");
        notes.push(format!(
            "copying the tables (copy_data = true; the target server connects with sslmode={})",
            s.source_sslmode
        ));
        Ok(notes)
    }

    /// `REFRESH PUBLICATION` with a copy of the tables it adds: the first
    /// statement that makes the target server connect to the source.
    pub(super) async fn refresh_publication(
        &self,
        target: &Session<'_>,
        quoted_subscription: &str,
    ) -> Result<(), EngineError> {
        target
            .client
            .batch_execute(&format!(
                "ALTER SUBSCRIPTION {quoted_subscription} REFRESH PUBLICATION WITH (copy_data = true)"
            ))
            .await
            .map_err(|e| self.refresh_error(target, e))
    }

    /// A refresh the target server could not connect for is a configuration
    /// error (host, port, password, TLS): retrying changes nothing.
    pub(super) fn refresh_error(
        &self,
        target: &Session<'_>,
        e: tokio_postgres::Error,
    ) -> EngineError {
        let server_says_no_connection =
            e.as_db_error().is_some() && e.code().is_some_and(|c| c.code().starts_with("08"));
        if server_says_no_connection {
            NativeError::SubscriberCannotConnect {
                subscription: self.settings.subscription.clone(),
                sslmode: self.settings.source_sslmode.clone(),
                source: e,
            }
            .into()
        } else {
            target.spec.query_error(format!(
                "refreshing subscription {}",
                self.settings.subscription
            ))(e)
            .into()
        }
    }

    /// Best effort: remove the subscription (without touching the source
    /// through it) and the slot this start created.
    async fn undo_subscription(&self, source: &Session<'_>, target: &Session<'_>) {
        let s = &self.settings;
        let sub = quote_ident(&s.subscription);
        for step in [
            format!("ALTER SUBSCRIPTION {sub} DISABLE"),
            format!("ALTER SUBSCRIPTION {sub} SET (slot_name = NONE)"),
            format!("DROP SUBSCRIPTION IF EXISTS {sub}"),
        ] {
            if let Err(e) = target.client.batch_execute(&step).await {
                tracing::warn!(subscription = %s.subscription, error = %e, "undoing the subscription");
            }
        }
        match self.wait_slot_released(source, &s.subscription).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(slot = %s.subscription, "slot still in use while undoing"),
            Err(e) => tracing::warn!(slot = %s.subscription, error = %e, "waiting for the slot"),
        }
        if let Err(e) = source
            .run(&DROP_SLOT, &[&s.subscription], "dropping the slot again")
            .await
        {
            tracing::warn!(slot = %s.subscription, error = %e, "undoing the slot");
        }
    }
}
