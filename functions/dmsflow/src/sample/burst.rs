//! The values of a CDC burst (mode `changes`): how many rows of each kind, and
//! the new and edited values, all drawn from one seeded [`Rng`] so a burst
//! seed gives the same burst. Like the load, the values are the ones that
//! break migrations: quotes, commas, tabs, non-ASCII, NULL next to '', LOBs.
//!
//! The draws happen in a fixed order (deletes, updates, inserts, as the seeder
//! applies them); reordering calls changes which rows a given seed touches.

use super::Rng;

/// A burst of `count` changes: about 40% inserts, 40% updates, 20% deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BurstShape {
    pub inserts: i64,
    pub updates: i64,
    pub deletes: i64,
}

impl BurstShape {
    pub fn of(count: i64) -> Self {
        let inserts = count * 4 / 10;
        let updates = count * 4 / 10;
        BurstShape {
            inserts,
            updates,
            deletes: count - inserts - updates,
        }
    }

    /// The updates of the `index`-th of `tables` tables (the remainder goes
    /// to the first ones).
    pub fn update_share(&self, index: usize, tables: usize) -> i64 {
        let tables = i64::try_from(tables.max(1)).unwrap_or(1);
        let index = i64::try_from(index).unwrap_or(i64::MAX);
        self.updates / tables + i64::from(index < self.updates % tables)
    }
}

/// Pick a start key so that `need` rows from it fit under `max`.
pub fn start_key(rng: &mut Rng, max: i64, need: i64) -> i64 {
    let span = (max - need).max(1);
    rng.range(1, span)
}

/// The edit applied to each updated product: a paragraph appended (or padded
/// past 64 KB), a nested jsonb width, one more tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductEdit {
    pub paragraph: String,
    /// A decimal, sent as numeric.
    pub width: String,
    pub tag: String,
}

pub fn product_edit(rng: &mut Rng, seed: u64) -> ProductEdit {
    let paragraph = format!(" CDC edit {seed}: \"quoted\", a|b, 'x', tab\there; ünïcödé.");
    let width = format!("{}.{}", rng.range(1, 300), rng.below(100));
    let tag = format!("cdc-{}", rng.below(1000));
    ProductEdit {
        paragraph,
        width,
        tag,
    }
}

/// The note an updated order gets when its notes were ''.
pub fn order_note(seed: u64) -> String {
    format!("changed by burst {seed}, with a \"quote\" and a comma,")
}

/// New customers, column by column (the statement unnests the arrays).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCustomers {
    pub refs: Vec<String>,
    pub emails: Vec<String>,
    pub names: Vec<String>,
    pub phones: Vec<Option<String>>,
    pub opt_in: Vec<bool>,
}

pub fn new_customers(rng: &mut Rng, seed: u64, n: usize) -> NewCustomers {
    let mut c = NewCustomers::default();
    for i in 0..n {
        let a = rng.next_u64();
        let b = rng.next_u64();
        c.refs.push(format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        ));
        c.emails.push(format!("cdc.{seed}.{i}@example.com"));
        c.names.push(format!("Zoë O'Brien-{i}"));
        c.phones.push(match i % 3 {
            0 => None,
            1 => Some(String::new()),
            _ => Some(format!("+49 30 {}", rng.range(1_000_000, 9_999_999))),
        });
        c.opt_in.push(i % 2 == 0);
    }
    c
}

/// New orders: candidate customer ids (the statement takes the first existing
/// customer at or after each), cities and notes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewOrders {
    pub customer_picks: Vec<i64>,
    pub cities: Vec<String>,
    pub notes: Vec<Option<String>>,
}

pub fn new_orders(rng: &mut Rng, max_customer: i64, n: usize) -> NewOrders {
    NewOrders {
        customer_picks: (0..n).map(|_| rng.range(1, max_customer)).collect(),
        cities: (0..n)
            .map(|i| ["Kraków", "Zürich", "Dublin"][i % 3].to_owned())
            .collect(),
        notes: (0..n)
            .map(|i| match i % 3 {
                0 => None,
                1 => Some(String::new()),
                _ => Some("leave at the door, \"please\"".to_owned()),
            })
            .collect(),
    }
}

/// Two lines for each new order: candidate product ids, quantities and
/// discounts (decimals, sent as numeric).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewOrderLines {
    pub orders: Vec<i64>,
    pub lines: Vec<i16>,
    pub product_picks: Vec<i64>,
    pub quantities: Vec<i32>,
    pub discounts: Vec<String>,
}

pub fn new_order_lines(rng: &mut Rng, order_ids: &[i64], max_product: i64) -> NewOrderLines {
    let mut l = NewOrderLines::default();
    for order in order_ids {
        for line in 1..=2i16 {
            l.orders.push(*order);
            l.lines.push(line);
            l.product_picks.push(rng.range(1, max_product));
            l.quantities
                .push(i32::try_from(rng.range(1, 4)).unwrap_or(1));
            let discount =
                ["0.0000", "0.0500", "0.3333"][usize::try_from(rng.below(3)).unwrap_or(0)];
            l.discounts.push(discount.to_owned());
        }
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hundred_changes_split_forty_forty_twenty_over_four_tables() {
        let shape = BurstShape::of(100);
        assert_eq!((shape.inserts, shape.updates, shape.deletes), (40, 40, 20));
        let shares: Vec<i64> = (0..4).map(|i| shape.update_share(i, 4)).collect();
        assert_eq!(shares, [10, 10, 10, 10]);
        let odd = BurstShape::of(7);
        assert_eq!((odd.inserts, odd.updates, odd.deletes), (2, 2, 3));
        let shares: Vec<i64> = (0..4).map(|i| odd.update_share(i, 4)).collect();
        assert_eq!(shares, [1, 1, 0, 0]);
    }

    #[test]
    fn the_same_seed_draws_the_same_burst() {
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            let start = start_key(&mut rng, 200, 10);
            let edit = product_edit(&mut rng, seed);
            let customers = new_customers(&mut rng, seed, 5);
            let orders = new_orders(&mut rng, 50, 3);
            let lines = new_order_lines(&mut rng, &[201, 202, 203], 100);
            (start, edit, customers, orders, lines)
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        let (start, _, customers, orders, lines) = draw(7);
        assert!((1..=190).contains(&start));
        assert_eq!(customers.phones[0], None);
        assert_eq!(customers.phones[1].as_deref(), Some(""));
        assert!(orders.customer_picks.iter().all(|c| (1..=50).contains(c)));
        assert_eq!(lines.lines, [1, 2, 1, 2, 1, 2]);
        assert!(lines.product_picks.iter().all(|p| (1..=100).contains(p)));
    }
}
