//! SQL text for ClickHouse: identifiers are back-quoted and values single-quoted with every
//! special byte escaped, so no column name, table name or value can end its token early.
//! Numbers enter queries only as Rust integers.

/// A back-quoted identifier: `` `a``b` `` for ``a`b``; backslashes and control bytes escaped.
pub fn ident(name: &str) -> String {
    quoted(name, '`')
}

/// A single-quoted string literal.
pub fn string(value: &str) -> String {
    quoted(value, '\'')
}

/// `db`.`table`.
pub fn table(database: &str, table: &str) -> String {
    format!("{}.{}", ident(database), ident(table))
}

fn quoted(s: &str, quote: char) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '`' => out.push_str("\\`"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Decodes one field of ClickHouse's TabSeparated output (`\t`, `\n`, `\\`, … and `\N` for NULL).
pub fn tsv_field(raw: &[u8]) -> Vec<u8> {
    if raw == b"\\N" {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c == b'\\' && i + 1 < raw.len() {
            i += 1;
            out.push(match raw[i] {
                b't' => b'\t',
                b'n' => b'\n',
                b'r' => b'\r',
                b'0' => 0,
                b'b' => 8,
                b'f' => 12,
                b'a' => 7,
                b'v' => 11,
                other => other,
            });
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal tokenizer of ClickHouse's quoting rules: returns the quoted tokens' decoded text
    /// and whatever lies outside them. A hostile name must come back as exactly one token.
    fn tokens(sql: &str) -> (Vec<String>, String) {
        let mut quoted = Vec::new();
        let mut outside = String::new();
        let mut chars = sql.chars();
        while let Some(c) = chars.next() {
            if c == '`' || c == '\'' {
                let mut tok = String::new();
                loop {
                    match chars.next() {
                        Some('\\') => match chars.next() {
                            Some('n') => tok.push('\n'),
                            Some('t') => tok.push('\t'),
                            Some('r') => tok.push('\r'),
                            Some('0') => tok.push('\0'),
                            Some('x') => {
                                let hex: String = chars.by_ref().take(2).collect();
                                tok.push(char::from(u8::from_str_radix(&hex, 16).unwrap()));
                            }
                            Some(o) => tok.push(o),
                            None => panic!("dangling escape in {sql}"),
                        },
                        Some(q) if q == c => break,
                        Some(o) => tok.push(o),
                        None => panic!("unterminated token in {sql}"),
                    }
                }
                quoted.push(tok);
            } else {
                outside.push(c);
            }
        }
        (quoted, outside)
    }

    #[test]
    fn hostile_names_and_values_stay_one_token() {
        let hostile = [
            "logs` WHERE 1 = 1; DROP TABLE x; --",
            "x' OR '1'='1",
            "a\\` UNION ALL SELECT password FROM system.users --",
            "tab\there\nnewline\0nul\x1bescape",
            "ends with backslash\\",
            "``''\\\\",
        ];
        for h in hostile {
            let sql = format!("SELECT {} FROM {} WHERE {} = {}", ident(h), table("db", h), ident("c"), string(h));
            let (quoted, outside) = tokens(&sql);
            assert_eq!(quoted, vec![h, "db", h, "c", h], "{sql}");
            assert_eq!(outside, "SELECT  FROM . WHERE  = ", "{sql}");
            assert!(!sql.contains('\n') && !sql.contains('\0'), "{sql:?}");
        }
    }

    #[test]
    fn tsv_fields_decode() {
        assert_eq!(tsv_field(b"a\\tb\\nc\\\\d\\'e"), b"a\tb\nc\\d'e");
        assert_eq!(tsv_field(b"\\N"), b"");
        assert_eq!(tsv_field(b"trailing\\"), b"trailing\\");
    }
}
