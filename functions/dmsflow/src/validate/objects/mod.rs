//! Secondary objects compared by identity and normalised definition: views,
//! materialized views, functions, triggers, domains, types, extensions,
//! row-level security, privileges, owners, partitions. One catalog query per
//! kind (`sql/validate/objects/`), every query with the same three columns, so
//! one comparison serves them all and a new kind is one entry in [`kinds`].

pub mod kinds;
pub mod policy;

use crate::sql::{self, FromRow, RowError};
use kinds::ObjectKind;
use std::collections::BTreeMap;
use tokio_postgres::GenericClient;

/// Reading one kind's catalog failed.
#[derive(Debug, thiserror::Error)]
pub enum ObjectsError {
    #[error("{query} failed")]
    Query {
        query: &'static str,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error(transparent)]
    Row(#[from] RowError),
}

/// Every object of `kind` in `schemas`, as one side's catalogs say.
pub async fn read<C: GenericClient + Sync>(
    client: &C,
    kind: &ObjectKind,
    schemas: &[String],
) -> Result<Vec<ObjectRow>, ObjectsError> {
    let rows = client
        .query(kind.query.text, &[&schemas])
        .await
        .map_err(|source| ObjectsError::Query {
            query: kind.query.name,
            source,
        })?;
    Ok(sql::rows(&rows, &kind.query)?)
}

/// One object as a catalog query describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    /// Unique within its kind: `sales.orders.orders_audit`, `util.f(integer)`.
    pub identity: String,
    pub schema: String,
    /// The compared properties, by name (a NULL property is `None`).
    pub attributes: BTreeMap<String, Option<String>>,
}

impl FromRow for ObjectRow {
    fn from_row(row: &tokio_postgres::Row, query: &'static str) -> Result<Self, RowError> {
        let text: String = sql::get(row, query, "attributes")?;
        Ok(ObjectRow {
            identity: sql::get(row, query, "identity")?,
            schema: sql::get(row, query, "schema_name")?,
            attributes: parse_attributes(&text),
        })
    }
}

/// The attributes column is a jsonb object rendered as text: scalars are kept
/// as their text (strings unquoted), nested values as JSON text.
fn parse_attributes(text: &str) -> BTreeMap<String, Option<String>> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) else {
        return BTreeMap::from([("attributes".to_owned(), Some(text.to_owned()))]);
    };
    map.into_iter()
        .map(|(k, v)| {
            let value = match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s),
                other => Some(other.to_string()),
            };
            (k, value)
        })
        .collect()
}

/// How one object differs between the sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectDiff {
    /// On the source, not on the target; with the source's properties.
    Missing {
        identity: String,
        source: BTreeMap<String, Option<String>>,
    },
    /// On the target only.
    Extra {
        identity: String,
        target: BTreeMap<String, Option<String>>,
    },
    /// On both, one property differs (one diff per differing property).
    Different {
        identity: String,
        property: String,
        source: Option<String>,
        target: Option<String>,
    },
}

impl ObjectDiff {
    pub fn identity(&self) -> &str {
        match self {
            ObjectDiff::Missing { identity, .. }
            | ObjectDiff::Extra { identity, .. }
            | ObjectDiff::Different { identity, .. } => identity,
        }
    }
}

/// Compare two sides' objects of one kind. `ignored` properties (e.g. owners
/// when their policy is off) are not compared. Output is ordered by identity.
pub fn compare(source: &[ObjectRow], target: &[ObjectRow], ignored: &[&str]) -> Vec<ObjectDiff> {
    let src: BTreeMap<&str, &ObjectRow> = source.iter().map(|o| (o.identity.as_str(), o)).collect();
    let tgt: BTreeMap<&str, &ObjectRow> = target.iter().map(|o| (o.identity.as_str(), o)).collect();
    let mut out = Vec::new();
    for (identity, s) in &src {
        let Some(t) = tgt.get(identity) else {
            out.push(ObjectDiff::Missing {
                identity: (*identity).to_owned(),
                source: s.attributes.clone(),
            });
            continue;
        };
        for (property, s_value) in &s.attributes {
            if ignored.contains(&property.as_str()) {
                continue;
            }
            let t_value = t.attributes.get(property).cloned().flatten();
            if *s_value != t_value {
                out.push(ObjectDiff::Different {
                    identity: (*identity).to_owned(),
                    property: property.clone(),
                    source: s_value.clone(),
                    target: t_value,
                });
            }
        }
    }
    for (identity, t) in &tgt {
        if !src.contains_key(identity) {
            out.push(ObjectDiff::Extra {
                identity: (*identity).to_owned(),
                target: t.attributes.clone(),
            });
        }
    }
    out.sort_by(|a, b| a.identity().cmp(b.identity()));
    out
}

/// One line per property, for showing an object that is on one side only.
pub fn describe(attributes: &BTreeMap<String, Option<String>>) -> String {
    attributes
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}: {v}"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(identity: &str, attrs: &[(&str, Option<&str>)]) -> ObjectRow {
        ObjectRow {
            identity: identity.into(),
            schema: "s".into(),
            attributes: attrs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
                .collect(),
        }
    }

    #[test]
    fn missing_extra_and_each_differing_property() {
        let s = [
            row("s.a", &[("definition", Some("x")), ("enabled", Some("O"))]),
            row("s.b", &[("definition", Some("y"))]),
        ];
        let t = [
            row("s.a", &[("definition", Some("x")), ("enabled", Some("D"))]),
            row("s.c", &[("definition", Some("z"))]),
        ];
        let diffs = compare(&s, &t, &[]);
        assert_eq!(diffs.len(), 3);
        assert_eq!(
            diffs[0],
            ObjectDiff::Different {
                identity: "s.a".into(),
                property: "enabled".into(),
                source: Some("O".into()),
                target: Some("D".into()),
            }
        );
        assert!(matches!(&diffs[1], ObjectDiff::Missing { identity, .. } if identity == "s.b"));
        assert!(matches!(&diffs[2], ObjectDiff::Extra { identity, .. } if identity == "s.c"));
    }

    #[test]
    fn ignored_properties_and_null_versus_absent() {
        let s = [row("o", &[("owner", Some("app")), ("bound", None)])];
        let t = [row("o", &[("owner", Some("postgres"))])];
        assert!(compare(&s, &t, &["owner"]).is_empty());
        assert_eq!(compare(&s, &t, &[]).len(), 1);
    }

    #[test]
    fn attributes_parse_scalars_as_text() {
        let a = parse_attributes(r#"{"definition": "CREATE", "n": 3, "none": null}"#);
        assert_eq!(a["definition"].as_deref(), Some("CREATE"));
        assert_eq!(a["n"].as_deref(), Some("3"));
        assert_eq!(a["none"], None);
    }
}
