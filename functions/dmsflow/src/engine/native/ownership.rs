//! What proves an object on the source or target is this migration's: a
//! marker comment on the publication and on the subscription naming
//! dmsflow, both names and the target (system identifier and database oid).
//! Another target's `stop` with the same names computes another marker, so
//! it cannot take a live migration's slot or publication for its own.

use super::catalog::Identity;
use super::NativeSettings;

/// The comment dmsflow puts on what it creates for this migration.
pub(super) fn marker(settings: &NativeSettings, target: &Identity) -> String {
    format!(
        "dmsflow-native migration: publication={} subscription={} target={}/{}",
        settings.publication, settings.subscription, target.system_identifier, target.database_oid
    )
}

/// Why `found` is not `wanted` (None: it is ours).
pub(super) fn mismatch(found: Option<&str>, wanted: &str) -> Option<String> {
    match found {
        Some(m) if m == wanted => None,
        Some(m) if m.starts_with("dmsflow-native migration:") => Some(format!(
            "its marker says {m:?}: another dmsflow migration (another target database, or other names)"
        )),
        Some(m) => Some(format!("its comment is {m:?}, not a dmsflow marker")),
        None => Some("it has no dmsflow marker comment".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_name_the_target() {
        let s = NativeSettings::new(crate::scope::Scope::only(&["shop"]));
        let a = Identity {
            system_identifier: "7".into(),
            database_oid: 1,
        };
        let b = Identity {
            database_oid: 2,
            ..a.clone()
        };
        let ma = marker(&s, &a);
        assert!(mismatch(Some(&ma), &ma).is_none());
        let why = mismatch(Some(&ma), &marker(&s, &b)).unwrap();
        assert!(why.contains("another dmsflow migration"), "{why}");
        assert!(mismatch(None, &ma).unwrap().contains("no dmsflow marker"));
        assert!(mismatch(Some("mine"), &ma).unwrap().contains("\"mine\""));
    }
}
