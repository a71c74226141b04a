//! Mode `changes`: a CDC burst applied in one transaction, reporting every key
//! it inserted, updated or deleted (the proof obligations for the target).
//! The values come from [`crate::sample::burst`]; this file runs them, one
//! function per kind of change.

use super::catalog::{all, exact_counts, locked_transaction, one, schema_exists};
use super::{ChangesRequest, ChangesResult, NumericText, SampleSchema, SeedError, TableChanges};
use crate::db::ConnectSpec;
use crate::sample::burst::{self, BurstShape};
use crate::sample::{Rng, Table, DEFAULT_SEED};
use crate::sql::{self, from_row, query, FromRow, Query, RowError};
use std::collections::BTreeMap;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, Transaction};

/// Apply a CDC burst to the sample in `schema` and report every key.
pub async fn apply_changes_in(
    spec: &ConnectSpec,
    schema: &SampleSchema,
    req: &ChangesRequest,
) -> Result<ChangesResult, SeedError> {
    let seed = req.seed.unwrap_or_else(clock_seed);
    let mut client = spec.connect("dmsflow-seed").await?;
    let tx = locked_transaction(&mut client, spec, "starting the change transaction").await?;
    if !schema_exists(&tx, spec, schema).await? {
        return Err(SeedError::NotSeeded {
            schema: schema.name().into(),
            endpoint: spec.endpoint(),
        });
    }
    tx.batch_execute(&schema.set_local_search_path())
        .await
        .map_err(spec.query_error("setting the search path"))?;
    let keys: MaxKeys = one(&tx, spec, &MAX_KEYS, &[], "reading the largest keys").await?;
    let mut burst = Burst {
        tx: &tx,
        spec,
        seed,
        rng: Rng::new(seed),
        keys,
        tables: BTreeMap::new(),
    };
    let shape = BurstShape::of(i64::try_from(req.count).unwrap_or(i64::MAX));
    // Deletes first, so no key is both inserted and deleted by one burst.
    let deleted = burst.delete(shape.deletes).await?;
    let updated = burst.update(&shape).await?;
    let inserted = burst.insert(shape.inserts).await?;
    let tables = burst.tables;
    let expected_counts = exact_counts(&tx, spec).await?;
    tx.commit()
        .await
        .map_err(spec.query_error("committing the burst"))?;
    let context = "reading the WAL position";
    let position: BurstPosition = one(&client, spec, &BURST_POSITION, &[], context).await?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(ChangesResult {
        mode: "changes".into(),
        schema: schema.name().into(),
        seed,
        requested: req.count,
        applied: count(inserted + updated + deleted),
        inserted: count(inserted),
        updated: count(updated),
        deleted: count(deleted),
        tables,
        expected_counts,
        source_lsn: position.source_lsn,
        committed_at: position.committed_at,
    })
}

/// A random burst seed when none is asked for (reported in the result).
fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(DEFAULT_SEED)
}

/// The largest keys, to pick change targets from (0 for an empty table).
struct MaxKeys {
    customer: i64,
    product: i64,
    order: i64,
}

const MAX_KEYS: Query = query!("seed/max_keys.sql");

from_row! { MaxKeys { customer = "max_customer", product = "max_product", order = "max_order" } }

/// Where the committed burst left the source.
struct BurstPosition {
    source_lsn: String,
    committed_at: String,
}

const BURST_POSITION: Query = query!("seed/burst_position.sql");

from_row! { BurstPosition { source_lsn, committed_at } }

/// The key of a changed row of a one-column-key table (column `k1`).
struct SingleKey(String);

const INSERT_CUSTOMERS: Query = query!("seed/change_insert_customers.sql");
const INSERT_ORDERS: Query = query!("seed/change_insert_orders.sql");
const UPDATE_PRODUCTS: Query = query!("seed/change_update_products.sql");
const UPDATE_ORDERS: Query = query!("seed/change_update_orders.sql");
const UPDATE_INVENTORY: Query = query!("seed/change_update_inventory.sql");
const UPDATE_CUSTOMERS: Query = query!("seed/change_update_customers.sql");

impl FromRow for SingleKey {
    fn from_row(row: &Row, query: &'static str) -> Result<Self, RowError> {
        Ok(SingleKey(sql::get(row, query, "k1")?))
    }
}

/// The key of a changed order line (`k1` order, `k2` line).
struct PairKey(String, String);

const DELETE_ORDER_ITEMS: Query = query!("seed/change_delete_order_items.sql");
const INSERT_ORDER_ITEMS: Query = query!("seed/change_insert_order_items.sql");

impl FromRow for PairKey {
    fn from_row(row: &Row, query: &'static str) -> Result<Self, RowError> {
        Ok(PairKey(
            sql::get(row, query, "k1")?,
            sql::get(row, query, "k2")?,
        ))
    }
}

/// A row deleted with its order: the table, and a key of one or two columns.
struct DeletedKey {
    table_name: String,
    key: Vec<String>,
}

const DELETE_ORDERS: Query = query!("seed/change_delete_orders.sql");

impl FromRow for DeletedKey {
    fn from_row(row: &Row, query: &'static str) -> Result<Self, RowError> {
        let k1: String = sql::get(row, query, "k1")?;
        let k2: Option<String> = sql::get(row, query, "k2")?;
        Ok(DeletedKey {
            table_name: sql::get(row, query, "table_name")?,
            key: std::iter::once(k1).chain(k2).collect(),
        })
    }
}

/// Recomputes the totals of the new orders from their lines.
const ORDER_TOTALS: Query = query!("seed/change_order_totals.sql");

/// One burst in progress: its transaction, RNG and the keys changed so far.
struct Burst<'t> {
    tx: &'t Transaction<'t>,
    spec: &'t ConnectSpec,
    seed: u64,
    rng: Rng,
    keys: MaxKeys,
    tables: BTreeMap<String, TableChanges>,
}

impl Burst<'_> {
    fn changes_of(&mut self, table: &str) -> &mut TableChanges {
        self.tables.entry(table.to_owned()).or_default()
    }

    /// Run a change statement and read its rows as `T`.
    async fn run<T: FromRow>(
        &self,
        query: &Query,
        params: &[&(dyn ToSql + Sync)],
        what: &str,
    ) -> Result<Vec<T>, SeedError> {
        all(self.tx, self.spec, query, params, what).await
    }

    /// `count` deletes: a quarter as whole orders (with their lines), the
    /// rest as last lines of multi-line orders. The rows deleted.
    async fn delete(&mut self, count: i64) -> Result<i64, SeedError> {
        let max_order = self.keys.order;
        let orders = count / 4;
        let mut deleted = 0i64;
        if orders > 0 && max_order > 0 {
            let start = burst::start_key(&mut self.rng, max_order, orders * 2);
            let rows: Vec<DeletedKey> = self
                .run(&DELETE_ORDERS, &[&start, &orders], "deleting orders")
                .await?;
            for row in rows {
                self.changes_of(&row.table_name).deleted.push(row.key);
                deleted += 1;
            }
        }
        let lines = count - deleted;
        if lines > 0 && max_order > 0 {
            let start = burst::start_key(&mut self.rng, max_order, lines * 2);
            let rows: Vec<PairKey> = self
                .run(
                    &DELETE_ORDER_ITEMS,
                    &[&start, &lines],
                    "deleting order lines",
                )
                .await?;
            deleted += rows.len() as i64;
            let keys = rows.into_iter().map(|PairKey(o, l)| vec![o, l]);
            self.changes_of(Table::OrderItems.name())
                .deleted
                .extend(keys);
        }
        Ok(deleted)
    }

    /// Updates spread over four tables (products get the LOB and jsonb edits).
    async fn update(&mut self, shape: &BurstShape) -> Result<i64, SeedError> {
        let targets = [
            (Table::Products, self.keys.product),
            (Table::Orders, self.keys.order),
            (Table::Inventory, self.keys.product),
            (Table::Customers, self.keys.customer),
        ];
        let mut updated = 0i64;
        for (i, (table, max)) in targets.into_iter().enumerate() {
            let share = shape.update_share(i, targets.len());
            if share == 0 || max == 0 {
                continue;
            }
            let start = burst::start_key(&mut self.rng, max, share);
            let keys = self.update_table(table, start, share).await?;
            updated += keys.len() as i64;
            let keys = keys.into_iter().map(|SingleKey(k)| vec![k]);
            self.changes_of(table.name()).updated.extend(keys);
        }
        Ok(updated)
    }

    /// Update `share` rows of `table` from key `start` on.
    async fn update_table(
        &mut self,
        table: Table,
        start: i64,
        share: i64,
    ) -> Result<Vec<SingleKey>, SeedError> {
        let what = format!("updating {}", table.name());
        match table {
            Table::Products => {
                let edit = burst::product_edit(&mut self.rng, self.seed);
                let width = NumericText(edit.width);
                let params: [&(dyn ToSql + Sync); 5] =
                    [&start, &share, &edit.paragraph, &width, &edit.tag];
                self.run(&UPDATE_PRODUCTS, &params, &what).await
            }
            Table::Orders => {
                let note = burst::order_note(self.seed);
                self.run(&UPDATE_ORDERS, &[&start, &share, &note], &what)
                    .await
            }
            Table::Inventory => self.run(&UPDATE_INVENTORY, &[&start, &share], &what).await,
            _ => self.run(&UPDATE_CUSTOMERS, &[&start, &share], &what).await,
        }
    }

    /// Inserts: new orders with two lines each (3 rows), the rest new customers.
    async fn insert(&mut self, count: i64) -> Result<i64, SeedError> {
        let new_orders = if self.keys.customer > 0 && self.keys.product > 0 {
            count / 3
        } else {
            0
        };
        let new_customers = count - new_orders * 3;
        let mut inserted = 0i64;
        if new_customers > 0 {
            inserted += self.insert_customers(new_customers).await?;
        }
        if new_orders > 0 {
            inserted += self.insert_orders(new_orders).await?;
        }
        Ok(inserted)
    }

    async fn insert_customers(&mut self, count: i64) -> Result<i64, SeedError> {
        let n = usize::try_from(count).unwrap_or(0);
        let c = burst::new_customers(&mut self.rng, self.seed, n);
        let params: [&(dyn ToSql + Sync); 5] = [&c.refs, &c.emails, &c.names, &c.phones, &c.opt_in];
        let keys: Vec<SingleKey> = self
            .run(&INSERT_CUSTOMERS, &params, "inserting customers")
            .await?;
        let inserted = keys.len() as i64;
        let keys = keys.into_iter().map(|SingleKey(k)| vec![k]);
        self.changes_of(Table::Customers.name())
            .inserted
            .extend(keys);
        Ok(inserted)
    }

    /// New orders, two lines each, then the orders' totals from their lines.
    async fn insert_orders(&mut self, count: i64) -> Result<i64, SeedError> {
        let n = usize::try_from(count).unwrap_or(0);
        let o = burst::new_orders(&mut self.rng, self.keys.customer, n);
        let params: [&(dyn ToSql + Sync); 3] = [&o.customer_picks, &o.cities, &o.notes];
        let keys: Vec<SingleKey> = self
            .run(&INSERT_ORDERS, &params, "inserting orders")
            .await?;
        let order_ids: Vec<i64> = keys.iter().filter_map(|k| k.0.parse().ok()).collect();
        let mut inserted = keys.len() as i64;
        let keys = keys.into_iter().map(|SingleKey(k)| vec![k]);
        self.changes_of(Table::Orders.name()).inserted.extend(keys);

        let l = burst::new_order_lines(&mut self.rng, &order_ids, self.keys.product);
        let discounts: Vec<NumericText> = l.discounts.into_iter().map(NumericText).collect();
        let params: [&(dyn ToSql + Sync); 5] = [
            &l.orders,
            &l.lines,
            &l.product_picks,
            &l.quantities,
            &discounts,
        ];
        let lines: Vec<PairKey> = self
            .run(&INSERT_ORDER_ITEMS, &params, "inserting order lines")
            .await?;
        inserted += lines.len() as i64;
        let keys = lines.into_iter().map(|PairKey(o, l)| vec![o, l]);
        self.changes_of(Table::OrderItems.name())
            .inserted
            .extend(keys);
        self.tx
            .execute(ORDER_TOTALS.text(), &[&order_ids])
            .await
            .map_err(self.spec.query_error("updating order totals"))?;
        Ok(inserted)
    }
}
