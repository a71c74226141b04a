//! `start`: check everything first (schema, tables, replica identity, whose
//! objects these are, empty target tables), then create or extend.

use super::catalog::{PublishedTable, SourceTable};
use super::ownership::mismatch;
use super::session::Session;
use super::{
    NativeEngine, NativeError, Plan, TableRef, PUBLICATION_TABLES, SOURCE_TABLES, TABLES_WITH_ROWS,
    TARGET_TABLES,
};
use crate::db::quote_ident;
use crate::engine::{ActionResult, EngineError, Outcome};
use std::collections::BTreeSet;

impl NativeEngine {
    /// The schemas of the scope, resolved on the source, each present on the target.
    async fn schemas(
        &self,
        source: &Session<'_>,
        target: &Session<'_>,
    ) -> Result<Vec<String>, EngineError> {
        let schemas =
            crate::scope::resolve(&source.client, source.spec, &self.settings.scope).await?;
        for schema in &schemas {
            if !Self::schema_exists(target, schema).await? {
                return Err(EngineError::SchemaMissing {
                    schema: schema.clone(),
                    side: "target",
                    endpoint: target.spec.endpoint(),
                    hint: ": create it there first (seed-source {\"mode\":\"schema\"}, or dmsflow seed --schema-only for the sample; for any database: pg_dump --schema-only of the source)",
                });
            }
        }
        Ok(schemas)
    }

    /// Source tables to publish, refused when one lacks a replica identity
    /// or the target lacks it.
    async fn tables(
        &self,
        source: &Session<'_>,
        target: &Session<'_>,
    ) -> Result<Vec<TableRef>, EngineError> {
        let schemas = self.schemas(source, target).await?;
        let found: Vec<SourceTable> = source
            .rows(&SOURCE_TABLES, &[&schemas], "listing the tables to publish")
            .await?;
        if found.is_empty() {
            return Err(EngineError::NoTables {
                schema: schemas.join(", "),
                endpoint: self.source.endpoint(),
            });
        }
        let no_identity: Vec<String> = found
            .iter()
            .filter(|t| !t.has_replica_identity)
            .map(|t| format!("{}.{}", t.schema, t.name))
            .collect();
        if !no_identity.is_empty() {
            return Err(EngineError::NoReplicaIdentity {
                tables: no_identity.join(", "),
            });
        }
        let on_target: BTreeSet<String> = target
            .column(
                &TARGET_TABLES,
                &[&schemas],
                "table_name",
                "listing the target's tables",
            )
            .await?
            .into_iter()
            .collect();
        let tables: Vec<TableRef> = found
            .into_iter()
            .map(|t| TableRef {
                schema: t.schema,
                name: t.name,
            })
            .collect();
        let missing: Vec<String> = tables
            .iter()
            .map(TableRef::to_string)
            .filter(|t| !on_target.contains(t))
            .collect();
        if !missing.is_empty() {
            return Err(EngineError::TablesMissing {
                schema: schemas.join(", "),
                endpoint: self.target.endpoint(),
                tables: missing.join(", "),
            });
        }
        Ok(tables)
    }

    /// Everything `start` checks before it changes anything.
    async fn plan(&self, source: &Session<'_>, target: &Session<'_>) -> Result<Plan, EngineError> {
        let s = &self.settings;
        let tables = self.tables(source, target).await?;
        let marker = self.marker(target).await?;
        let subscription = self.subscription(target).await?;
        if let Some(sub) = &subscription {
            if !sub.publications.iter().any(|p| p == &s.publication) {
                return Err(EngineError::InvalidState {
                    what: format!("subscription {} on {}", s.subscription, self.target.endpoint()),
                    state: format!("subscribed to {:?}", sub.publications),
                    reason: format!(
                        "it does not subscribe to publication {}: refusing to change someone else's subscription",
                        s.publication
                    ),
                });
            }
            if let Some(why) = mismatch(sub.marker.as_deref(), &marker) {
                return Err(self.not_ours(
                    format!("subscription {}", s.subscription),
                    &self.target,
                    why,
                    "Use other names (NATIVE_SUBSCRIPTION / --subscription).",
                ));
            }
        }
        let publication = self.publication_marker(source).await?;
        if let Some(found) = &publication {
            if let Some(why) = mismatch(found.as_deref(), &marker) {
                return Err(self.not_ours(
                    format!("publication {}", s.publication),
                    &self.source,
                    why,
                    "Use other names (NATIVE_PUBLICATION / --publication).",
                ));
            }
        }
        let published: BTreeSet<(String, String)> = source
            .rows::<PublishedTable>(
                &PUBLICATION_TABLES,
                &[&s.publication],
                "reading the publication",
            )
            .await?
            .into_iter()
            .filter_map(|t| Some((t.schema?, t.table?)))
            .collect();
        let new_tables: Vec<TableRef> = tables
            .iter()
            .filter(|t| !published.contains(&(t.schema.clone(), t.name.clone())))
            .cloned()
            .collect();
        if subscription.is_none() {
            self.refuse_foreign_slot(source).await?;
        }
        let to_copy = if subscription.is_some() {
            &new_tables
        } else {
            &tables
        };
        self.refuse_rows(target, to_copy).await?;
        Ok(Plan {
            tables,
            marker,
            subscription,
            publication_exists: publication.is_some(),
            new_tables,
        })
    }

    /// A slot of the subscription's name with no subscription: someone else's
    /// or left over; never reused.
    async fn refuse_foreign_slot(&self, source: &Session<'_>) -> Result<(), EngineError> {
        let s = &self.settings;
        let slot = self.slot(source, &s.subscription).await?;
        if !slot.present {
            return Ok(());
        }
        Err(EngineError::Slot {
            slot: s.subscription.clone(),
            endpoint: self.source.endpoint(),
            problem: format!(
                "already exists ({}, retaining {} bytes of WAL) but subscription {} does not exist on the target: another subscription may own it. If it is left over from an earlier run, remove it with `dmsflow replicate stop` (or SELECT pg_drop_replication_slot('{}') on the source)",
                if slot.active { "in use" } else { "inactive" },
                slot.retained_bytes.unwrap_or(0),
                s.subscription,
                s.subscription
            ),
        })
    }

    /// The copy goes only into empty tables.
    async fn refuse_rows(
        &self,
        target: &Session<'_>,
        tables: &[TableRef],
    ) -> Result<(), EngineError> {
        if tables.is_empty() {
            return Ok(());
        }
        let schemas: Vec<&str> = tables.iter().map(|t| t.schema.as_str()).collect();
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        let with_rows: Vec<String> = target
            .column(
                &TABLES_WITH_ROWS,
                &[&schemas, &names],
                "table_name",
                "checking the target tables are empty",
            )
            .await?;
        if with_rows.is_empty() {
            return Ok(());
        }
        Err(NativeError::TargetNotEmpty {
            endpoint: self.target.endpoint(),
            tables: with_rows.join(", "),
        }
        .into())
    }

    pub(super) async fn start_locked(
        &self,
        source: &Session<'_>,
        target: &Session<'_>,
    ) -> Result<ActionResult, EngineError> {
        let s = &self.settings;
        let plan = self.plan(source, target).await?;
        let mut notes = Vec::new();
        let created_publication = !plan.publication_exists;
        self.publish(source, &plan, &mut notes).await?;
        let outcome = match &plan.subscription {
            Some(sub) => {
                self.resume(target, sub.enabled, !plan.new_tables.is_empty(), &mut notes)
                    .await?
            }
            None => match self.create_subscription(source, target, &plan.marker).await {
                Ok(more) => {
                    notes.extend(more);
                    Outcome::Created
                }
                Err(e) => {
                    if created_publication {
                        let drop =
                            format!("DROP PUBLICATION IF EXISTS {}", quote_ident(&s.publication));
                        if let Err(undo) = source.ddl(&drop, "dropping the publication again").await
                        {
                            tracing::warn!(error = %undo, "undoing the publication");
                        }
                    }
                    return Err(e);
                }
            },
        };
        Ok(self.result("start", outcome, notes.join("; ")))
    }

    /// Create the publication (with its marker), or add tables that appeared since.
    async fn publish(
        &self,
        source: &Session<'_>,
        plan: &Plan,
        notes: &mut Vec<String>,
    ) -> Result<(), EngineError> {
        let s = &self.settings;
        let publication = quote_ident(&s.publication);
        if !plan.publication_exists {
            let list: Vec<String> = plan.tables.iter().map(TableRef::quoted).collect();
            source
                .ddl(
                    &format!(
                        "CREATE PUBLICATION {publication} FOR TABLE {} WITH (publish_via_partition_root = true); COMMENT ON PUBLICATION {publication} IS {}",
                        list.join(", "),
                        crate::db::quote_literal(&plan.marker)
                    ),
                    &format!("creating publication {} (needs ownership of the tables)", s.publication),
                )
                .await?;
            tracing::info!(publication = %s.publication, tables = plan.tables.len(), "publication created");
            notes.push(format!(
                "publication {} created on the source with {} tables",
                s.publication,
                plan.tables.len(),
            ));
        } else if !plan.new_tables.is_empty() {
            let list: Vec<String> = plan.new_tables.iter().map(TableRef::quoted).collect();
            source
                .ddl(
                    &format!(
                        "ALTER PUBLICATION {publication} ADD TABLE {}",
                        list.join(", ")
                    ),
                    "adding tables to the publication",
                )
                .await?;
            notes.push(format!(
                "added {} new table(s) to publication {}: {}",
                plan.new_tables.len(),
                s.publication,
                plan.new_tables
                    .iter()
                    .map(TableRef::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        } else {
            notes.push(format!("publication {} already there", s.publication));
        }
        Ok(())
    }

    /// An existing subscription: enable it again, copy tables that appeared.
    async fn resume(
        &self,
        target: &Session<'_>,
        enabled: bool,
        grew: bool,
        notes: &mut Vec<String>,
    ) -> Result<Outcome, EngineError> {
        let s = &self.settings;
        let sub = quote_ident(&s.subscription);
        let mut outcome = Outcome::Existing;
        if !enabled {
            target
                .ddl(
                    &format!("ALTER SUBSCRIPTION {sub} ENABLE"),
                    "enabling the subscription",
                )
                .await?;
            notes.push(format!("subscription {} enabled again", s.subscription));
            outcome = Outcome::Resumed;
        } else {
            notes.push(format!(
                "subscription {} already exists and is enabled; nothing duplicated",
                s.subscription
            ));
        }
        if grew {
            self.refresh_publication(target, &sub).await?;
            notes.push("subscription refreshed: the new tables are being copied".into());
        }
        Ok(outcome)
    }
}
