//! How differing rows are shown: column by column, long values around their
//! first difference, masked columns as `***`.

use super::super::model::{ColumnDiff, RowDiff};
use super::plan::TablePlan;
use crate::contract::validate::{ColumnDiffKind, RowDiffKind};

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
        let kind = match (&s, &t) {
            (Some(a), Some(b)) if b.len() < a.len() && a.starts_with(b.as_str()) => {
                ColumnDiffKind::Truncated
            }
            _ => ColumnDiffKind::Value,
        };
        let (s, t) = if masked(name) {
            (s.map(|_| "***".to_owned()), t.map(|_| "***".to_owned()))
        } else if let (Some(a), Some(b)) = (&s, &t) {
            let (a, b) = around_first_difference(a, b);
            (Some(a), Some(b))
        } else {
            (s.map(|v| shorten(&v)), t.map(|v| shorten(&v)))
        };
        out.push(ColumnDiff {
            column: name.clone(),
            source: s,
            target: t,
            kind,
        });
    }
    out
}

/// Long values are shown by their start and their length.
pub fn shorten(value: &str) -> String {
    const LIMIT: usize = 200;
    if value.len() <= LIMIT {
        return value.to_owned();
    }
    let mut cut = 120;
    while !value.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} bytes)", &value[..cut], value.len())
}

/// Two long values are shown around their first differing byte, so a one-byte
/// change deep inside a 64 KB text is visible.
pub fn around_first_difference(a: &str, b: &str) -> (String, String) {
    const LIMIT: usize = 200;
    if a.len() <= LIMIT && b.len() <= LIMIT {
        return (a.to_owned(), b.to_owned());
    }
    let mut at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while at > 0 && !(a.is_char_boundary(at) && b.is_char_boundary(at)) {
        at -= 1;
    }
    let window = |v: &str| {
        let mut start = at.saturating_sub(40);
        while start > 0 && !v.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (at + 80).min(v.len());
        while end < v.len() && !v.is_char_boundary(end) {
            end += 1;
        }
        format!(
            "{}{}{} ({} bytes; first difference at byte {at})",
            if start > 0 { "…" } else { "" },
            &v[start..end],
            if end < v.len() { "…" } else { "" },
            v.len()
        )
    };
    (window(a), window(b))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_show_where_they_differ() {
        let a = format!("{}X{}", "é".repeat(200), "b".repeat(300));
        let b = format!("{}Y{}", "é".repeat(200), "b".repeat(300));
        let (x, y) = around_first_difference(&a, &b);
        assert_ne!(x, y);
        assert!(
            x.contains("X") && y.contains("Y") && x.contains("first difference at byte 400"),
            "{x}"
        );
    }

    #[test]
    fn shorten_keeps_char_boundaries() {
        let long = "é".repeat(300);
        let s = shorten(&long);
        assert!(s.contains("600 bytes"));
    }
}
