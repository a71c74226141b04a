//! The sample DDL (`sql/schema`) and how a load spreads it: which statement
//! runs on which loader connection, and which tables each connection loads.

use crate::sample::Table;
use crate::sql::{query, Query};
use crate::sqltext::{statement_table, statements};
use std::collections::BTreeMap;

/// Types and tables, unqualified (run under the sample's search path).
pub(crate) const PRE_DATA: Query = query!("schema/pre_data.sql");
/// Keys, indexes and foreign keys, unqualified.
pub(crate) const POST_DATA: Query = query!("schema/post_data.sql");

/// Parallel loader connections (two streams keep two cores busy).
pub(crate) const LOAD_WORKERS: usize = 2;

/// The sample DDL, split so each statement runs where it belongs: types in the
/// setup, a table's CREATE and its keys/indexes on the connection loading it,
/// foreign keys in the final transaction (they need both tables).
#[derive(Debug, Default)]
pub(crate) struct LoadPlan {
    pub setup: Vec<String>,
    pub create: BTreeMap<String, Vec<String>>,
    pub post: BTreeMap<String, Vec<String>>,
    pub foreign_keys: Vec<String>,
}

impl LoadPlan {
    pub fn new() -> Self {
        let mut plan = LoadPlan::default();
        for stmt in statements(PRE_DATA.text()) {
            match statement_table(&stmt) {
                Some(table) => plan.create.entry(table).or_default().push(stmt),
                None => plan.setup.push(stmt),
            }
        }
        for stmt in statements(POST_DATA.text()) {
            let table = statement_table(&stmt);
            match table {
                Some(table) if !stmt.to_ascii_uppercase().contains("FOREIGN KEY") => {
                    plan.post.entry(table).or_default().push(stmt)
                }
                _ => plan.foreign_keys.push(stmt),
            }
        }
        plan
    }

    /// A table's statements in `part` (`create` or `post`).
    pub fn of(part: &BTreeMap<String, Vec<String>>, table: Table) -> impl Iterator<Item = &String> {
        part.get(table.name()).into_iter().flatten()
    }
}

/// Does this foreign-key statement only involve tables in `tables`?
pub(crate) fn fk_within(stmt: &str, tables: &[Table]) -> bool {
    let names: Vec<&str> = tables.iter().map(|t| t.name()).collect();
    let referencing = statement_table(stmt);
    let words: Vec<&str> = stmt.split_whitespace().collect();
    let referenced = words
        .iter()
        .position(|w| w.eq_ignore_ascii_case("REFERENCES"))
        .and_then(|i| words.get(i + 1))
        .map(|w| w.trim_matches(|c| c == '(' || c == '"'));
    match (referencing, referenced) {
        (Some(a), Some(b)) => names.contains(&a.as_str()) && names.contains(&b),
        _ => false,
    }
}

/// Relative cost of loading a table (rows × width), to balance the workers.
fn load_weight(table: Table) -> u32 {
    match table {
        Table::Products => 10,
        Table::Orders | Table::OrderItems => 6,
        Table::Inventory | Table::Customers => 1,
        Table::Categories => 0,
    }
}

/// The tables each of `workers` connections loads, heaviest first to the lightest.
pub(crate) fn assign_workers(workers: usize) -> Vec<Vec<Table>> {
    let mut tables = Table::ALL.to_vec();
    tables.sort_by_key(|t| std::cmp::Reverse(load_weight(*t)));
    let mut groups: Vec<(u32, Vec<Table>)> = vec![(0, Vec::new()); workers.max(1)];
    for t in tables {
        if let Some(lightest) = groups.iter_mut().min_by_key(|(w, _)| *w) {
            lightest.0 += load_weight(t);
            lightest.1.push(t);
        }
    }
    groups
        .into_iter()
        .map(|(_, g)| g)
        .filter(|g| !g.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statement_has_one_place_and_each_foreign_key_one_connection() {
        let plan = LoadPlan::new();
        assert_eq!(plan.setup.len(), 1, "only the enum type: {:?}", plan.setup);
        assert_eq!(plan.create.len(), Table::ALL.len());
        assert_eq!(plan.foreign_keys.len(), 6);
        let groups = assign_workers(LOAD_WORKERS);
        let mut all: Vec<Table> = groups.iter().flatten().copied().collect();
        all.sort_by_key(|t| t.name());
        assert_eq!(all.len(), Table::ALL.len(), "each table loaded once");
        for fk in &plan.foreign_keys {
            let by = groups.iter().filter(|g| fk_within(fk, g)).count();
            assert!(by <= 1, "{fk}");
        }
    }
}
