//! The schema the sample lives in: the configured `DB_SCHEMA`, never a name
//! written into the SQL. The files in `sql/schema` and `sql/seed` use
//! unqualified names and run under `search_path` set here; statements built in
//! Rust quote the name. Nothing else decides where the sample goes.

use super::SeedError;
use crate::db::quote_ident;

/// `DB_SCHEMA`'s default, and the schema of the `seed::load`-style shorthands.
pub const DEFAULT_SCHEMA: &str = "shop";

/// PostgreSQL's identifier limit (NAMEDATALEN - 1): longer names are silently
/// truncated by the server, and then no longer match the catalog.
const MAX_IDENTIFIER_BYTES: usize = 63;
/// Appended to the schema name to name where a load is built before the swap.
const STAGING_SUFFIX: &str = "_dmsflow_load";

/// A valid schema name for the sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleSchema(String);

impl SampleSchema {
    /// Any name PostgreSQL keeps as written: not empty, at most 63 bytes.
    pub fn new(name: &str) -> Result<Self, SeedError> {
        let reason = if name.is_empty() {
            Some("it is empty")
        } else if name.len() > MAX_IDENTIFIER_BYTES {
            Some("it is longer than 63 bytes")
        } else if name.contains('\0') {
            Some("it contains a NUL character")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(SeedError::SchemaName {
                schema: name.to_owned(),
                reason,
            }),
            None => Ok(SampleSchema(name.to_owned())),
        }
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    /// The name as a quoted identifier.
    pub fn quoted(&self) -> String {
        quote_ident(&self.0)
    }

    /// `schema.table`, both quoted.
    pub fn table(&self, table: &str) -> String {
        format!("{}.{}", self.quoted(), quote_ident(table))
    }

    /// Where a load into this schema is built: the name plus a suffix, the
    /// name cut (on a character boundary) so the whole fits 63 bytes.
    pub fn staging(&self) -> SampleSchema {
        let mut cut = self
            .0
            .len()
            .min(MAX_IDENTIFIER_BYTES - STAGING_SUFFIX.len());
        while !self.0.is_char_boundary(cut) {
            cut -= 1;
        }
        SampleSchema(format!("{}{STAGING_SUFFIX}", &self.0[..cut]))
    }

    /// The statement that makes the unqualified names of `sql/` resolve here
    /// for the rest of the transaction (pg_catalog stays implicitly first).
    pub fn set_local_search_path(&self) -> String {
        format!("SET LOCAL search_path = {}", self.quoted())
    }
}

impl Default for SampleSchema {
    fn default() -> Self {
        SampleSchema(DEFAULT_SCHEMA.to_owned())
    }
}

impl std::fmt::Display for SampleSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_keeps_the_historic_name_and_fits_the_identifier_limit() {
        assert_eq!(
            SampleSchema::default().staging().name(),
            "shop_dmsflow_load"
        );
        let long = "ß".repeat(31); // 62 bytes
        let staging = SampleSchema::new(&long).map(|s| s.staging());
        let staging = staging.map(|s| s.name().to_owned()).unwrap_or_default();
        assert!(staging.len() <= MAX_IDENTIFIER_BYTES, "{staging}");
        assert!(staging.ends_with(STAGING_SUFFIX) && staging.starts_with("ßß"));
    }

    #[test]
    fn names_are_quoted_and_bad_names_refused() {
        let odd = SampleSchema::new("My \"App\"").map(|s| s.table("orders"));
        assert_eq!(odd.ok().as_deref(), Some("\"My \"\"App\"\"\".\"orders\""));
        for bad in ["", &"x".repeat(64), "a\0b"] {
            assert!(
                matches!(SampleSchema::new(bad), Err(SeedError::SchemaName { .. })),
                "{bad:?}"
            );
        }
    }
}
