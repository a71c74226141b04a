//! `stop`: drop the subscription, its slots and the publication — only what
//! the marker proves is this migration's. Ownership is checked for every
//! object before anything is dropped.

use super::catalog::{LeftoverSlot, Subscription, DROP_SLOT, LEFTOVER_SLOTS};
use super::ownership::mismatch;
use super::session::Session;
use super::NativeEngine;
use crate::db::quote_ident;
use crate::engine::{ActionResult, EngineError, Outcome};

const MANUAL: &str = "If it really is left over from this migration, drop it by hand.";

impl NativeEngine {
    /// Refuse before dropping anything that is not provably ours. Returns
    /// whether an orphaned slot of ours (no subscription) is to be dropped.
    async fn check_ownership(
        &self,
        source: &Session<'_>,
        sub: Option<&Subscription>,
        marker: &str,
    ) -> Result<bool, EngineError> {
        let s = &self.settings;
        let publication = self.publication_marker(source).await?;
        if let Some(sub) = sub {
            if let Some(why) = mismatch(sub.marker.as_deref(), marker) {
                return Err(self.not_ours(
                    format!("subscription {}", s.subscription),
                    &self.target,
                    why,
                    MANUAL,
                ));
            }
        }
        let publication_ours = match &publication {
            Some(found) => match mismatch(found.as_deref(), marker) {
                None => true,
                Some(why) => {
                    return Err(self.not_ours(
                        format!("publication {}", s.publication),
                        &self.source,
                        why,
                        MANUAL,
                    ))
                }
            },
            None => false,
        };
        if sub.is_some() {
            return Ok(false);
        }
        let slot = self.slot(source, &s.subscription).await?;
        if !slot.present {
            return Ok(false);
        }
        let why = if !publication_ours {
            Some(format!(
                "there is no subscription {} on this target and no publication {} with this migration's marker",
                s.subscription, s.publication
            ))
        } else if slot.database.as_deref() != Some(self.source.dbname.as_str()) {
            Some(format!("it belongs to database {:?}", slot.database))
        } else if slot.plugin.as_deref() != Some("pgoutput") {
            Some(format!("its plugin is {:?}, not pgoutput", slot.plugin))
        } else if slot.active && !self.wait_slot_released(source, &s.subscription).await? {
            Some(format!(
                "a walsender (pid {}) is using it: another subscriber streams from it",
                slot.active_pid
                    .map_or_else(|| "?".to_owned(), |p| p.to_string())
            ))
        } else {
            None
        };
        match why {
            Some(why) => Err(self.not_ours(
                format!("replication slot {}", s.subscription),
                &self.source,
                why,
                MANUAL,
            )),
            None => Ok(true),
        }
    }

    /// Disable and drop the subscription; when the target server cannot
    /// drop the slot through the source, detach it (dropped from here then).
    async fn drop_subscription(
        &self,
        source: &Session<'_>,
        target: &Session<'_>,
        sub: &Subscription,
        notes: &mut Vec<String>,
    ) -> Result<(), EngineError> {
        let s = &self.settings;
        let ident = quote_ident(&s.subscription);
        if sub.enabled {
            target
                .ddl(
                    &format!("ALTER SUBSCRIPTION {ident} DISABLE"),
                    "disabling the subscription",
                )
                .await?;
        }
        // DROP SUBSCRIPTION drops the slot through a connection to the
        // source, which fails while the walsender still holds it.
        if let Some(slot) = &sub.slot_name {
            if !self.wait_slot_released(source, slot).await? {
                tracing::warn!(slot = %slot, "walsender still holds the slot; dropping anyway");
            }
        }
        match target
            .client
            .batch_execute(&format!("DROP SUBSCRIPTION {ident}"))
            .await
        {
            Ok(()) => notes.push(format!("subscription {} dropped", s.subscription)),
            Err(e) => {
                tracing::warn!(error = %e, "DROP SUBSCRIPTION could not drop the remote slot; detaching it");
                target
                    .ddl(
                        &format!("ALTER SUBSCRIPTION {ident} SET (slot_name = NONE); DROP SUBSCRIPTION {ident}"),
                        "dropping the subscription",
                    )
                    .await?;
                notes.push(format!(
                    "subscription {} dropped (its slot was detached: {})",
                    s.subscription,
                    crate::error::error_chain(&e)
                ));
            }
        }
        Ok(())
    }

    /// Drop the slots a subscription of ours leaves: `slot` and, with the
    /// subscription's oid, its table-copy slots.
    async fn drop_leftover_slots(
        &self,
        source: &Session<'_>,
        slot: &str,
        oid: Option<&String>,
        notes: &mut Vec<String>,
    ) -> Result<bool, EngineError> {
        let leftovers: Vec<LeftoverSlot> = source
            .rows(
                &LEFTOVER_SLOTS,
                &[&slot, &oid],
                "looking for leftover replication slots",
            )
            .await?;
        let mut acted = false;
        for left in leftovers {
            if !self.wait_slot_released(source, &left.name).await? {
                return Err(EngineError::Slot {
                    slot: left.name,
                    endpoint: self.source.endpoint(),
                    problem: format!(
                        "is still in use (walsender pid {}) after the subscription was dropped: another subscriber uses a slot of this name; not dropped",
                        left.active_pid.map_or_else(|| "?".to_owned(), |p| p.to_string())
                    ),
                });
            }
            source
                .run(
                    &DROP_SLOT,
                    &[&left.name],
                    &format!("dropping replication slot {}", left.name),
                )
                .await?;
            tracing::info!(slot = %left.name, "leftover replication slot dropped");
            notes.push(format!(
                "replication slot {} dropped from the source",
                left.name
            ));
            acted = true;
        }
        Ok(acted)
    }

    pub(super) async fn stop_locked(
        &self,
        source: &Session<'_>,
        target: &Session<'_>,
    ) -> Result<ActionResult, EngineError> {
        let s = &self.settings;
        let marker = self.marker(target).await?;
        let sub = self.subscription(target).await?;
        let orphan_slot_ours = self.check_ownership(source, sub.as_ref(), &marker).await?;
        let slot = sub
            .as_ref()
            .and_then(|x| x.slot_name.clone())
            .unwrap_or_else(|| s.subscription.clone());
        let mut notes = Vec::new();
        let mut acted = false;
        if let Some(sub) = &sub {
            self.drop_subscription(source, target, sub, &mut notes)
                .await?;
            acted = true;
        }
        let oid_text = sub.as_ref().map(|x| x.oid.to_string());
        if sub.is_some() || orphan_slot_ours {
            acted |= self
                .drop_leftover_slots(source, &slot, oid_text.as_ref(), &mut notes)
                .await?;
        }
        if self.publication_marker(source).await?.is_some() {
            source
                .ddl(
                    &format!("DROP PUBLICATION IF EXISTS {}", quote_ident(&s.publication)),
                    "dropping the publication",
                )
                .await?;
            notes.push(format!("publication {} dropped", s.publication));
            acted = true;
        }
        // Verify: a forgotten slot keeps WAL on the source until its disk is full.
        let left: Vec<LeftoverSlot> = source
            .rows(
                &LEFTOVER_SLOTS,
                &[&slot, &oid_text],
                "verifying no replication slot is left",
            )
            .await?;
        if let Some(row) = left.into_iter().next() {
            if sub.is_some() || orphan_slot_ours {
                return Err(EngineError::Slot {
                    slot: row.name,
                    endpoint: self.source.endpoint(),
                    problem: "is still there after stop".into(),
                });
            }
        }
        notes.push(format!(
            "no replication slot {slot} of this migration left on the source"
        ));
        let outcome = if acted {
            Outcome::Stopped
        } else {
            Outcome::AlreadyStopped
        };
        Ok(self.result("stop", outcome, notes.join("; ")))
    }
}
