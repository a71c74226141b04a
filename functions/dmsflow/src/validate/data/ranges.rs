//! Splitting a table into chunks: integer-key ranges that line up across
//! sides, or physical block ranges.

use super::plan::{BlockRange, KeyRange};

/// Split `[lo, hi]` into `n` ranges; the first and last are open so rows outside
/// the bounds seen at planning time still fall in a chunk.
pub fn key_ranges(lo: i64, hi: i64, n: usize) -> Vec<KeyRange> {
    let n = n.max(1);
    if n == 1 || hi <= lo {
        return vec![(None, None)];
    }
    let span = (i128::from(hi) - i128::from(lo) + 1) as u128;
    let width = span.div_ceil(n as u128).max(1);
    let mut out = Vec::with_capacity(n);
    let mut start: i128 = i128::from(lo);
    for i in 0..n {
        let end = start + width as i128;
        let lower = if i == 0 {
            None
        } else {
            i64::try_from(start).ok()
        };
        let upper = if i == n - 1 || end > i128::from(hi) {
            None
        } else {
            i64::try_from(end).ok()
        };
        out.push((lower, upper));
        if upper.is_none() {
            break;
        }
        start = end;
    }
    out
}

/// Split `blocks` into `n` block ranges, the last open.
pub fn block_ranges(blocks: i64, n: usize) -> Vec<BlockRange> {
    let n = n.max(1) as i64;
    if blocks <= 0 || n == 1 {
        return vec![(0, None)];
    }
    let width = ((blocks + n - 1) / n).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while start < blocks {
        let end = start + width;
        out.push((start, if end >= blocks { None } else { Some(end) }));
        start = end;
    }
    if out.is_empty() {
        out.push((0, None));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ranges_cover_everything_with_open_ends() {
        let r = key_ranges(1, 100, 4);
        assert_eq!(
            r,
            vec![
                (None, Some(26)),
                (Some(26), Some(51)),
                (Some(51), Some(76)),
                (Some(76), None)
            ]
        );
        assert_eq!(key_ranges(5, 5, 3), vec![(None, None)]);
        let r = key_ranges(i64::MIN, i64::MAX, 3);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].0, None);
        assert_eq!(r[2].1, None);
        // More chunks than values: stops early, still open at the end.
        let r = key_ranges(1, 3, 10);
        assert_eq!(r.last().map(|x| x.1), Some(None));
        assert!(r.len() <= 3);
    }

    #[test]
    fn block_ranges_cover_everything() {
        assert_eq!(
            block_ranges(10, 3),
            vec![(0, Some(4)), (4, Some(8)), (8, None)]
        );
        assert_eq!(block_ranges(0, 3), vec![(0, None)]);
    }
}
