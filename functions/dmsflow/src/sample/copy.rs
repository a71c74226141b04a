//! A writer for PostgreSQL's binary COPY format.
//!
//! Rows are encoded straight into a byte buffer (no per-value `ToSql` boxing),
//! which is what lets the seed keep up with `pgbench -i` while producing far
//! richer rows. Format: <https://www.postgresql.org/docs/15/sql-copy.html>.

/// Days between 1970-01-01 and 2000-01-01, PostgreSQL's timestamp epoch.
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;
const TEXT_OID: i32 = 25;

#[derive(Debug, Default)]
pub struct CopyBuf {
    pub buf: Vec<u8>,
}

impl CopyBuf {
    pub fn with_capacity(n: usize) -> Self {
        CopyBuf {
            buf: Vec::with_capacity(n),
        }
    }

    /// The 19-byte file header.
    pub fn header(&mut self) {
        self.buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        self.buf.extend_from_slice(&0i32.to_be_bytes()); // flags
        self.buf.extend_from_slice(&0i32.to_be_bytes()); // header extension length
    }

    /// The end-of-data marker.
    pub fn trailer(&mut self) {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
    }

    pub fn row(&mut self, fields: i16) {
        self.buf.extend_from_slice(&fields.to_be_bytes());
    }

    pub fn null(&mut self) {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
    }

    fn len_prefix(&mut self, len: usize) {
        // Field lengths are bounded by what we generate (well under 1 GB).
        let len = i32::try_from(len).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
    }

    pub fn i16(&mut self, v: i16) {
        self.len_prefix(2);
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn i32(&mut self, v: i32) {
        self.len_prefix(4);
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn i64(&mut self, v: i64) {
        self.len_prefix(8);
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn bool(&mut self, v: bool) {
        self.len_prefix(1);
        self.buf.push(u8::from(v));
    }

    /// text, varchar, char(n), and enum labels all travel as UTF-8 bytes.
    pub fn text(&mut self, v: &str) {
        self.len_prefix(v.len());
        self.buf.extend_from_slice(v.as_bytes());
    }

    pub fn opt_text(&mut self, v: Option<&str>) {
        match v {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    pub fn uuid(&mut self, v: &[u8; 16]) {
        self.len_prefix(16);
        self.buf.extend_from_slice(v);
    }

    /// timestamptz from microseconds since the Unix epoch (UTC).
    pub fn timestamptz(&mut self, unix_micros: i64) {
        self.i64(unix_micros - PG_EPOCH_UNIX_MICROS);
    }

    pub fn opt_timestamptz(&mut self, v: Option<i64>) {
        match v {
            Some(t) => self.timestamptz(t),
            None => self.null(),
        }
    }

    /// jsonb: a version byte (1) followed by the JSON text.
    pub fn jsonb(&mut self, json: &str) {
        self.len_prefix(json.len() + 1);
        self.buf.push(1);
        self.buf.extend_from_slice(json.as_bytes());
    }

    /// A one-dimensional text[] without NULL elements.
    pub fn text_array(&mut self, items: &[&str]) {
        if items.is_empty() {
            self.len_prefix(12);
            self.buf.extend_from_slice(&0i32.to_be_bytes()); // ndim
            self.buf.extend_from_slice(&0i32.to_be_bytes()); // has nulls
            self.buf.extend_from_slice(&TEXT_OID.to_be_bytes());
            return;
        }
        let payload: usize = items.iter().map(|s| 4 + s.len()).sum();
        self.len_prefix(20 + payload);
        self.buf.extend_from_slice(&1i32.to_be_bytes()); // ndim
        self.buf.extend_from_slice(&0i32.to_be_bytes()); // has nulls
        self.buf.extend_from_slice(&TEXT_OID.to_be_bytes());
        let n = i32::try_from(items.len()).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&n.to_be_bytes()); // dimension size
        self.buf.extend_from_slice(&1i32.to_be_bytes()); // lower bound
        for item in items {
            self.len_prefix(item.len());
            self.buf.extend_from_slice(item.as_bytes());
        }
    }

    /// numeric from a plain decimal string (`-123.4500`). Digits travel in base
    /// 10000; `dscale` keeps the written number of fraction digits, so trailing
    /// zeros survive exactly as a text COPY would keep them.
    pub fn numeric(&mut self, decimal: &str) {
        let encoded = encode_numeric(decimal);
        self.len_prefix(encoded.len());
        self.buf.extend_from_slice(&encoded);
    }

    pub fn opt_numeric(&mut self, v: Option<&str>) {
        match v {
            Some(s) => self.numeric(s),
            None => self.null(),
        }
    }
}

/// Encode a decimal string in numeric's binary send format. The input comes
/// from our own generator: optional '-', digits, optional '.', digits.
pub fn encode_numeric(decimal: &str) -> Vec<u8> {
    let (negative, unsigned) = match decimal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, decimal),
    };
    let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let int_part = int_part.trim_start_matches('0');
    let dscale = frac_part.len();

    // Left-pad the integer part and right-pad the fraction to groups of 4.
    let int_pad = (4 - int_part.len() % 4) % 4;
    let frac_pad = (4 - frac_part.len() % 4) % 4;
    let mut digits_str =
        String::with_capacity(int_pad + int_part.len() + frac_part.len() + frac_pad);
    digits_str.extend(std::iter::repeat_n('0', int_pad));
    digits_str.push_str(int_part);
    let int_groups = digits_str.len() / 4;
    digits_str.push_str(frac_part);
    digits_str.extend(std::iter::repeat_n('0', frac_pad));

    let mut groups: Vec<i16> = digits_str
        .as_bytes()
        .chunks(4)
        .map(|c| {
            c.iter()
                .fold(0i16, |acc, d| acc * 10 + i16::from(d.saturating_sub(b'0')))
        })
        .collect();
    let mut weight = i16::try_from(int_groups).unwrap_or(i16::MAX) - 1;
    // Strip leading zero groups (each moves the weight down) and trailing ones.
    let leading = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading);
    weight -= i16::try_from(leading).unwrap_or(0);
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let sign: u16 = if negative && !groups.is_empty() {
        0x4000
    } else {
        0
    };

    let mut out = Vec::with_capacity(8 + 2 * groups.len());
    out.extend_from_slice(&i16::try_from(groups.len()).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&u16::try_from(dscale).unwrap_or(0).to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(b: &[u8]) -> Vec<i16> {
        b.chunks(2)
            .map(|c| i16::from_be_bytes([c[0], c[1]]))
            .collect()
    }

    #[test]
    fn numeric_layout() {
        // 12345.678 -> groups [1, 2345, 6780], weight 1, dscale 3
        assert_eq!(
            words(&encode_numeric("12345.678")),
            vec![3, 1, 0, 3, 1, 2345, 6780]
        );
        // 0.0001 -> [1], weight -1
        assert_eq!(words(&encode_numeric("0.0001")), vec![1, -1, 0, 4, 1]);
        // 0.00 -> zero with dscale 2
        assert_eq!(words(&encode_numeric("0.00")), vec![0, 0, 0, 2]);
        // -10000 -> [1], weight 1, negative
        assert_eq!(words(&encode_numeric("-10000")), vec![1, 1, 0x4000, 0, 1]);
        // 0.000012345 -> groups [0000,1234,5000] strip leading -> [1234, 5000], weight -2
        assert_eq!(
            words(&encode_numeric("0.000012345")),
            vec![2, -2, 0, 9, 1234, 5000]
        );
    }
}
