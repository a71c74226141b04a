//! How differing rows are shown: column by column, long values around their
//! first difference (bytea in bytes of the value, everything else in
//! characters), rows of key-less tables with their copy counts, masked
//! columns as `***`.

use super::super::model::{ColumnDiff, RowDiff};
use super::super::sides::Sides;
use super::plan::TablePlan;
use crate::contract::validate::{ColumnDiffKind, FirstDifference, PositionUnit, RowDiffKind};
use std::fmt::Write as _;

/// Values whose text is longer are shown by an excerpt and their length.
const LIMIT: usize = 200;

/// A value in the units it is counted in: the bytes of a bytea (decoded from
/// its hex text), the characters of every other value's text.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Units {
    Bytes(Vec<u8>),
    Chars(Vec<char>),
}

impl Units {
    /// `text` as PostgreSQL renders it; a bytea whose text is not hex
    /// (`bytea_output = escape`) is counted in characters.
    fn of(text: &str, bytea: bool) -> Units {
        match bytea.then(|| decode_hex(text)).flatten() {
            Some(bytes) => Units::Bytes(bytes),
            None => Units::Chars(text.chars().collect()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Units::Bytes(b) => b.len(),
            Units::Chars(c) => c.len(),
        }
    }

    fn unit(&self) -> PositionUnit {
        match self {
            Units::Bytes(_) => PositionUnit::Bytes,
            Units::Chars(_) => PositionUnit::Characters,
        }
    }

    /// How many units both share from the start (`None`: not comparable).
    fn common_prefix(&self, other: &Units) -> Option<usize> {
        match (self, other) {
            (Units::Bytes(a), Units::Bytes(b)) => Some(prefix(a, b)),
            (Units::Chars(a), Units::Chars(b)) => Some(prefix(a, b)),
            _ => None,
        }
    }

    /// Units `[start, end)` as text: bytes in hex, characters as they are.
    fn slice(&self, start: usize, end: usize) -> String {
        match self {
            Units::Bytes(b) => b[start..end].iter().fold(String::new(), |mut s, x| {
                let _ = write!(s, "{x:02x}");
                s
            }),
            Units::Chars(c) => c[start..end].iter().collect(),
        }
    }

    /// `[start, end)` around `at`: for bytes 16 before and 32 after, for
    /// characters 40 before and 80 after.
    fn window(&self, at: usize) -> (usize, usize) {
        let (before, after) = match self {
            Units::Bytes(_) => (16, 32),
            Units::Chars(_) => (40, 80),
        };
        let start = at.saturating_sub(before).min(self.len());
        (start, (at + after).min(self.len()))
    }

    /// `10 bytes` / `10 characters`.
    fn length(&self) -> String {
        format!("{} {}", self.len(), self.unit())
    }

    /// The excerpt `[start, end)` marked where it is cut (`\x` starts a
    /// bytea shown from its first byte).
    fn excerpt(&self, start: usize, end: usize) -> String {
        let head = match (self, start) {
            (Units::Bytes(_), 0) => "\\x",
            (_, 0) => "",
            _ => "…",
        };
        let tail = if end < self.len() { "…" } else { "" };
        format!("{head}{}{tail}", self.slice(start, end))
    }
}

fn prefix<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    a.iter().zip(b.iter()).take_while(|(x, y)| x == y).count()
}

/// The bytes of a bytea's hex text (`\x0a1b…`), `None` if it is not one.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let hex = text.strip_prefix("\\x")?.as_bytes();
    if hex.len() % 2 != 0 {
        return None;
    }
    hex.chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(pair, 16).ok()
        })
        .collect()
}

/// Where `a` and `b` first differ, in their own units.
fn first_difference(a: &Units, b: &Units) -> Option<FirstDifference> {
    let offset = a.common_prefix(b)?;
    Some(FirstDifference {
        unit: a.unit(),
        offset: offset as u64,
        source_length: a.len() as u64,
        target_length: b.len() as u64,
    })
}

/// Describe a changed row column by column.
pub fn column_diffs(
    plan: &TablePlan,
    source: &[Option<String>],
    target: &[Option<String>],
    masked: &dyn Fn(&str) -> bool,
) -> Vec<ColumnDiff> {
    let mut out = Vec::new();
    for (i, (name, _)) in plan.columns.iter().enumerate() {
        let s = source.get(i).cloned().flatten();
        let t = target.get(i).cloned().flatten();
        if s == t {
            continue;
        }
        let bytea = plan.bytea_columns.contains(name);
        out.push(column_diff(name, s, t, bytea, masked(name)));
    }
    out
}

/// One differing column: both values around their first difference.
fn column_diff(
    name: &str,
    s: Option<String>,
    t: Option<String>,
    bytea: bool,
    masked: bool,
) -> ColumnDiff {
    let (source, target, kind, first) = match (&s, &t) {
        (Some(a), Some(b)) => {
            let (ua, ub) = (Units::of(a, bytea), Units::of(b, bytea));
            let first = first_difference(&ua, &ub);
            let truncated = first
                .as_ref()
                .is_some_and(|f| f.offset == f.target_length && f.target_length < f.source_length);
            let kind = if truncated {
                ColumnDiffKind::Truncated
            } else {
                ColumnDiffKind::Value
            };
            let (x, y) = around_first_difference(a, b, bytea);
            (Some(x), Some(y), kind, first)
        }
        _ => (
            s.map(|v| shorten(&v, bytea)),
            t.map(|v| shorten(&v, bytea)),
            ColumnDiffKind::Value,
            None,
        ),
    };
    let hide = |v: Option<String>| v.map(|_| "***".to_owned());
    let (source, target, first) = if masked {
        (hide(source), hide(target), None)
    } else {
        (source, target, first)
    };
    ColumnDiff {
        column: name.to_owned(),
        source,
        target,
        kind,
        first_difference: first,
    }
}

/// Long values are shown by their start and their length (bytes of a
/// bytea, characters otherwise).
pub fn shorten(value: &str, bytea: bool) -> String {
    if value.chars().count() <= LIMIT {
        return value.to_owned();
    }
    let units = Units::of(value, bytea);
    // About 120 characters of text either way (a byte is two hex digits).
    let end = match units {
        Units::Bytes(_) => 60.min(units.len()),
        Units::Chars(_) => 120.min(units.len()),
    };
    format!("{} ({})", units.excerpt(0, end), units.length())
}

/// Two long values are shown around their first differing unit, so a
/// one-byte change deep inside a 40 KB bytea or a 64 KB text is visible:
/// `…<excerpt>… (40000 bytes; first difference at byte 20000)`.
pub fn around_first_difference(a: &str, b: &str, bytea: bool) -> (String, String) {
    if a.chars().count() <= LIMIT && b.chars().count() <= LIMIT {
        return (a.to_owned(), b.to_owned());
    }
    let (ua, ub) = (Units::of(a, bytea), Units::of(b, bytea));
    // Not comparable (one bytea text not hex): count both in characters.
    let (ua, ub) = match ua.common_prefix(&ub) {
        Some(_) => (ua, ub),
        None => (Units::of(a, false), Units::of(b, false)),
    };
    let at = ua.common_prefix(&ub).unwrap_or(0);
    let unit = match ua {
        Units::Bytes(_) => "byte",
        Units::Chars(_) => "character",
    };
    let show = |v: &Units| {
        let (start, end) = v.window(at);
        format!(
            "{} ({}; first difference at {unit} {at})",
            v.excerpt(start, end),
            v.length()
        )
    };
    (show(&ua), show(&ub))
}

/// A RowDiff for a key diff, with columns when both rows are at hand.
pub fn row_diff(key: Vec<String>, kind: RowDiffKind, columns: Vec<ColumnDiff>) -> RowDiff {
    RowDiff {
        key: Some(key),
        kind,
        columns,
        source_count: None,
        target_count: None,
    }
}

/// A row of a key-less table present a different number of times per side:
/// its values once (kind `row`, in `source`) and how many copies each side
/// holds.
pub fn counted_row(
    plan: &TablePlan,
    values: Vec<Option<String>>,
    counts: Sides<i64>,
    masked: &dyn Fn(&str) -> bool,
) -> RowDiff {
    let columns = plan
        .columns
        .iter()
        .zip(values)
        .map(|((name, _), v)| ColumnDiff {
            column: name.clone(),
            source: if masked(name) {
                v.as_ref().map(|_| "***".into())
            } else {
                v.as_deref()
                    .map(|v| shorten(v, plan.bytea_columns.contains(name)))
            },
            target: None,
            kind: ColumnDiffKind::Row,
            first_difference: None,
        })
        .collect();
    RowDiff {
        key: None,
        kind: match (counts.source, counts.target) {
            (_, 0) => RowDiffKind::Missing,
            (0, _) => RowDiffKind::Extra,
            _ => RowDiffKind::Duplicate,
        },
        columns,
        source_count: Some(counts.source),
        target_count: Some(counts.target),
    }
}

/// A counted row as text: `(a=1, b=x): 1 copy on the source, 2 on the
/// target` (`None` for keyed rows).
pub fn counted_row_text(d: &RowDiff) -> Option<String> {
    let (s, t) = (d.source_count?, d.target_count?);
    let values: Vec<String> = d
        .columns
        .iter()
        .filter(|c| c.kind == ColumnDiffKind::Row)
        .map(|c| format!("{}={}", c.column, c.source.as_deref().unwrap_or("NULL")))
        .collect();
    let copies = if s == 1 { "copy" } else { "copies" };
    Some(format!(
        "({}): {s} {copies} on the source, {t} on the target",
        values.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_positioned_in_characters() {
        let a = format!("{}X{}", "é".repeat(200), "b".repeat(300));
        let b = format!("{}Y{}", "é".repeat(200), "b".repeat(300));
        let (x, y) = around_first_difference(&a, &b, false);
        assert_ne!(x, y);
        assert!(
            x.contains('X')
                && y.contains('Y')
                && x.contains("(501 characters; first difference at character 200)"),
            "{x}"
        );
        let d = column_diff("c", Some(a), Some(b), false, false);
        let f = d.first_difference.unwrap();
        assert_eq!(
            (f.unit, f.offset, f.source_length, f.target_length),
            (PositionUnit::Characters, 200, 501, 501)
        );
    }

    #[test]
    fn long_byteas_are_positioned_in_bytes_of_the_value() {
        let hex = |bytes: &[u8]| {
            let mut s = "\\x".to_owned();
            for b in bytes {
                let _ = write!(s, "{b:02x}");
            }
            s
        };
        let a = vec![0xabu8; 1000];
        let mut b = a.clone();
        b[500] = 0x01;
        let (x, y) = around_first_difference(&hex(&a), &hex(&b), true);
        assert!(
            x.ends_with("(1000 bytes; first difference at byte 500)"),
            "{x}"
        );
        assert!(
            y.starts_with(&format!("…{}01{}…", "ab".repeat(16), "ab".repeat(31))),
            "{y}"
        );
        let d = column_diff("c", Some(hex(&a)), Some(hex(&b[..400])), true, false);
        assert_eq!(d.kind, ColumnDiffKind::Truncated);
        let f = d.first_difference.unwrap();
        assert_eq!(
            (f.unit, f.offset, f.source_length, f.target_length),
            (PositionUnit::Bytes, 400, 1000, 400)
        );
    }

    #[test]
    fn masked_columns_show_no_position() {
        let d = column_diff("c", Some("a".into()), Some("b".into()), false, true);
        assert_eq!(d.source.as_deref(), Some("***"));
        assert_eq!(d.first_difference, None);
    }

    #[test]
    fn shorten_counts_characters_or_bytes() {
        let long = "é".repeat(300);
        assert!(shorten(&long, false).ends_with("(300 characters)"));
        let bytea = format!("\\x{}", "00".repeat(300));
        let s = shorten(&bytea, true);
        assert!(
            s.starts_with("\\x0000") && s.ends_with("… (300 bytes)"),
            "{s}"
        );
    }
}
