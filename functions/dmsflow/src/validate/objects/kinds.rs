//! The object kinds compared beyond tables, columns, constraints and indexes:
//! each with its catalog query, what a difference means by default, and how
//! to create what is missing. AWS DMS creates none of them.

use crate::sql::{query, Query};

/// What a difference of a kind does to the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// The target is not identical.
    Fail,
    /// Reported, the verdict stands.
    Warn,
    /// Not compared (said so in the result).
    Ignore,
}

/// One kind of object.
#[derive(Debug, Clone, Copy)]
pub struct ObjectKind {
    /// Stable name: result keys, policy configuration (`triggers=warn`).
    pub name: &'static str,
    /// Singular, for messages: "trigger sales.orders.orders_audit missing".
    pub noun: &'static str,
    pub query: Query,
    pub default_policy: Policy,
    /// How an operator creates what is missing on the target.
    pub remedy: &'static str,
    /// Properties reported under another kind (compared there, not here).
    pub ignored: &'static [&'static str],
    /// Whether an object missing or extra is reported here (false for
    /// properties of objects whose existence another check reports).
    pub existence: bool,
}

const POST_DATA: &str = "AWS DMS does not create it: apply `pg_dump --section=post-data --schema=SCHEMA` of the source to the target";
const PRE_DATA: &str = "AWS DMS does not create it: apply `pg_dump --section=pre-data --schema=SCHEMA` of the source to the target (objects that already exist are reported by psql and left as they are)";

pub const KINDS: &[ObjectKind] = &[
    ObjectKind {
        name: "views",
        noun: "view",
        query: query!("validate/objects/views.sql"),
        default_policy: Policy::Fail,
        remedy: PRE_DATA,
        ignored: &[],
        existence: true,
    },
    ObjectKind {
        name: "materialized_views",
        noun: "materialized view",
        query: query!("validate/objects/materialized_views.sql"),
        default_policy: Policy::Fail,
        remedy: "AWS DMS does not create it: create it from the source definition (`pg_dump --section=pre-data`) and populate it with `REFRESH MATERIALIZED VIEW` (`pg_dump --section=post-data` holds the refresh)",
        ignored: &[],
        existence: true,
    },
    ObjectKind {
        name: "functions",
        noun: "function",
        query: query!("validate/objects/functions.sql"),
        default_policy: Policy::Fail,
        remedy: PRE_DATA,
        ignored: &[],
        existence: true,
    },
    ObjectKind {
        name: "triggers",
        noun: "trigger",
        query: query!("validate/objects/triggers.sql"),
        default_policy: Policy::Fail,
        remedy: "AWS DMS does not create it (and a trigger enabled on the target fires again for every replicated change): create it after cut-over from `pg_dump --section=post-data`; `ALTER TABLE … ENABLE/DISABLE TRIGGER` to match the source's state",
        ignored: &[],
        existence: true,
    },
    ObjectKind {
        name: "domains",
        noun: "domain",
        query: query!("validate/objects/domains.sql"),
        default_policy: Policy::Fail,
        remedy: PRE_DATA,
        ignored: &[],
        existence: true,
    },
    ObjectKind {
        name: "types",
        noun: "type",
        query: query!("validate/objects/types.sql"),
        default_policy: Policy::Fail,
        remedy: PRE_DATA,
        ignored: &[],
        existence: true,
    },
    ObjectKind {
        name: "extensions",
        noun: "extension",
        query: query!("validate/objects/extensions.sql"),
        default_policy: Policy::Fail,
        remedy: "create it on the target with `CREATE EXTENSION name WITH SCHEMA schema VERSION 'v'` (on RDS it must be in the supported list of the target's engine version)",
        ignored: &[],
        existence: true,
    },
    ObjectKind {
        name: "row_security",
        noun: "row-level security of",
        query: query!("validate/objects/policies.sql"),
        default_policy: Policy::Fail,
        remedy: POST_DATA,
        ignored: &[],
        existence: true,
    },
    ObjectKind {
        name: "partitions",
        noun: "partition",
        query: query!("validate/objects/partitions.sql"),
        default_policy: Policy::Fail,
        remedy: PRE_DATA,
        ignored: &[],
        existence: true,
    },
    ObjectKind {
        name: "privileges",
        noun: "privileges on",
        query: query!("validate/objects/privileges.sql"),
        default_policy: Policy::Fail,
        remedy: "grant them on the target as on the source (`pg_dump --section=pre-data` and `--section=post-data` carry the GRANTs; the roles must exist on the target: `pg_dumpall --roles-only`)",
        ignored: &["owner"],
        existence: false,
    },
    ObjectKind {
        name: "owners",
        noun: "owner of",
        query: query!("validate/objects/privileges.sql"),
        default_policy: Policy::Warn,
        remedy: "`ALTER … OWNER TO` the source's owner on the target, if the application relies on it (owners often differ between accounts on purpose)",
        ignored: &["grants"],
        existence: false,
    },
];

/// The kind with this name.
pub fn kind(name: &str) -> Option<&'static ObjectKind> {
    KINDS.iter().find(|k| k.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_queries_have_the_three_columns() {
        let mut names: Vec<_> = KINDS.iter().map(|k| k.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
        for k in KINDS {
            for column in ["AS identity", "AS schema_name", "AS attributes"] {
                assert!(k.query.text.contains(column), "{}: {column}", k.query.name);
            }
        }
    }
}
