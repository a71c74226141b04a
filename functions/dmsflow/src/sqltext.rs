//! Splitting our own SQL files into statements (quote-, comment- and
//! dollar-quote-aware), so the loader can run each statement where it belongs.

/// Split SQL text into statements, without the trailing `;` and with comments
/// dropped. Only for SQL shipped in `sql/`, never for input.
pub fn statements(sql: &str) -> Vec<String> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'\'' | b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == c {
                        if bytes.get(i + 1) == Some(&c) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i = (i + 1).min(bytes.len());
                current.push_str(&sql[start..i]);
                continue;
            }
            b'$' => {
                // $tag$ ... $tag$
                if let Some(end_tag) = sql[i + 1..].find('$') {
                    let tag = &sql[i..i + 1 + end_tag + 1];
                    if tag[1..tag.len() - 1]
                        .chars()
                        .all(|ch| ch.is_alphanumeric() || ch == '_')
                    {
                        if let Some(close) = sql[i + tag.len()..].find(tag) {
                            let end = i + tag.len() + close + tag.len();
                            current.push_str(&sql[i..end]);
                            i = end;
                            continue;
                        }
                    }
                }
            }
            b';' => {
                let stmt = current.trim();
                if !stmt.is_empty() {
                    out.push(stmt.to_owned());
                }
                current.clear();
                i += 1;
                continue;
            }
            _ => {}
        }
        // Copy one UTF-8 character.
        let ch_len = utf8_len(c);
        current.push_str(&sql[i..(i + ch_len).min(sql.len())]);
        i += ch_len;
    }
    let stmt = current.trim();
    if !stmt.is_empty() {
        out.push(stmt.to_owned());
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// The table a DDL statement of ours is about: `CREATE TABLE t`, `ALTER TABLE t`,
/// `CREATE [UNIQUE] INDEX i ON t`.
pub fn statement_table(stmt: &str) -> Option<String> {
    let words: Vec<&str> = stmt.split_whitespace().collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let name_after = |idx: usize| {
        words
            .get(idx)
            .map(|w| w.trim_matches(|c| c == '(' || c == '"').to_owned())
    };
    match upper.as_slice() {
        [a, b, ..] if a == "CREATE" && b == "TABLE" => name_after(2),
        [a, b, ..] if a == "ALTER" && b == "TABLE" => name_after(2),
        [a, ..] if a == "CREATE" && upper.iter().any(|w| w == "INDEX") => {
            let on = upper.iter().position(|w| w == "ON")?;
            let mut idx = on + 1;
            if upper.get(idx).map(String::as_str) == Some("ONLY") {
                idx += 1;
            }
            name_after(idx)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_respecting_quotes_comments_and_dollar_quotes() {
        let sql = "-- c;omment\nCREATE TABLE a (x text DEFAULT ';');\n/* ; */ SELECT \"we;ird\";\nDO $$ BEGIN PERFORM 1; END $$;\nSELECT 'it''s; fine'";
        let s = statements(sql);
        assert_eq!(s.len(), 4, "{s:?}");
        assert_eq!(s[0], "CREATE TABLE a (x text DEFAULT ';')");
        assert_eq!(s[1], "SELECT \"we;ird\"");
        assert_eq!(s[2], "DO $$ BEGIN PERFORM 1; END $$");
        assert_eq!(s[3], "SELECT 'it''s; fine'");
    }

    #[test]
    fn finds_the_table() {
        assert_eq!(
            statement_table("CREATE TABLE orders (\n x int)").as_deref(),
            Some("orders")
        );
        assert_eq!(
            statement_table("ALTER TABLE order_items ADD CONSTRAINT p PRIMARY KEY (a)").as_deref(),
            Some("order_items")
        );
        assert_eq!(
            statement_table("CREATE INDEX i ON products USING gin (tags)").as_deref(),
            Some("products")
        );
        assert_eq!(
            statement_table("CREATE UNIQUE INDEX i ON ONLY t (x)").as_deref(),
            Some("t")
        );
        assert_eq!(statement_table("SET search_path = shop"), None);
    }

    #[test]
    fn every_sample_ddl_statement_names_a_sample_table() {
        let tables: Vec<&str> = crate::sample::Table::ALL.iter().map(|t| t.name()).collect();
        // No CREATE SCHEMA or SET search_path either: the files name no
        // schema, the seeder decides where they run (DB_SCHEMA).
        for file in [
            crate::query!("schema/pre_data.sql"),
            crate::query!("schema/post_data.sql"),
        ] {
            for stmt in statements(file.text()) {
                if stmt.to_ascii_uppercase().starts_with("CREATE TYPE") {
                    continue;
                }
                let table = statement_table(&stmt).unwrap_or_default();
                assert!(
                    tables.contains(&table.as_str()),
                    "unclassified statement: {stmt}"
                );
            }
        }
    }
}
