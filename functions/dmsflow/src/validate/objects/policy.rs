//! Per-kind policy: which object differences fail the verdict, which only
//! warn, which are not compared. Defaults live on each kind; an override is a
//! list `kind=fail|warn|ignore,…` (`VALIDATE_OBJECT_POLICY`, `--policy`).

use super::kinds::{Policy, KINDS};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("object policy {entry:?}: expected kind=fail|warn|ignore")]
    Malformed { entry: String },
    #[error("object policy: unknown kind {kind:?} (kinds: {known})")]
    UnknownKind { kind: String, known: String },
    #[error("object policy for {kind}: unknown value {value:?} (fail, warn or ignore)")]
    UnknownValue { kind: String, value: String },
}

impl std::str::FromStr for ObjectPolicy {
    type Err = PolicyError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ObjectPolicy::parse(text)
    }
}

/// The policy of every kind after overrides.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectPolicy {
    overrides: BTreeMap<&'static str, Policy>,
}

impl ObjectPolicy {
    /// Parse `triggers=warn, owners=ignore`; empty text means the defaults.
    pub fn parse(text: &str) -> Result<ObjectPolicy, PolicyError> {
        let mut overrides = BTreeMap::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((kind, value)) = entry.split_once('=') else {
                return Err(PolicyError::Malformed {
                    entry: entry.to_owned(),
                });
            };
            let (kind, value) = (kind.trim(), value.trim());
            let Some(known) = KINDS.iter().find(|k| k.name == kind) else {
                return Err(PolicyError::UnknownKind {
                    kind: kind.to_owned(),
                    known: KINDS.iter().map(|k| k.name).collect::<Vec<_>>().join(", "),
                });
            };
            let policy = match value {
                "fail" => Policy::Fail,
                "warn" => Policy::Warn,
                "ignore" => Policy::Ignore,
                _ => {
                    return Err(PolicyError::UnknownValue {
                        kind: kind.to_owned(),
                        value: value.to_owned(),
                    })
                }
            };
            overrides.insert(known.name, policy);
        }
        Ok(ObjectPolicy { overrides })
    }

    /// The policy in force for `kind`.
    pub fn of(&self, kind: &str) -> Policy {
        self.overrides
            .get(kind)
            .copied()
            .or_else(|| {
                KINDS
                    .iter()
                    .find(|k| k.name == kind)
                    .map(|k| k.default_policy)
            })
            .unwrap_or(Policy::Fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_then_overrides() {
        let p = ObjectPolicy::parse("").unwrap();
        assert_eq!(p.of("triggers"), Policy::Fail);
        assert_eq!(p.of("owners"), Policy::Warn);
        let p = ObjectPolicy::parse(" triggers = warn ,owners=ignore").unwrap();
        assert_eq!(p.of("triggers"), Policy::Warn);
        assert_eq!(p.of("owners"), Policy::Ignore);
        assert_eq!(p.of("views"), Policy::Fail);
    }

    #[test]
    fn bad_entries_name_the_problem() {
        assert!(matches!(
            ObjectPolicy::parse("triggers"),
            Err(PolicyError::Malformed { .. })
        ));
        let err = ObjectPolicy::parse("trigers=warn").unwrap_err();
        assert!(err.to_string().contains("trigers") && err.to_string().contains("triggers"));
        assert!(matches!(
            ObjectPolicy::parse("views=maybe"),
            Err(PolicyError::UnknownValue { .. })
        ));
    }
}
