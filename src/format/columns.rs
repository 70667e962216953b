//! Header columns: what a text layout writes between its stamp (and level) and the message — a
//! `[thread]`, a `logger:`, a pid, `key=value` fields closed by `|` — learned from a sample so
//! that the message is what the line says.

/// How many header columns are learned at most.
pub const MAX_COLUMNS: usize = 3;

/// The shape of one header column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// `[AsyncDispatcher event handler]`, `[req-38101a0b … - - -]`.
    Bracket,
    /// A logger or tag ending in a colon: `org.apache.hadoop.MRAppMaster:`, `WindowManager:`.
    Logger,
    /// A dotted name without a colon: `nova.osapi_compute.wsgi.server`.
    Dotted,
    /// A number: a pid, a flag.
    Number,
    /// A field ended by `|`: `Step_LSC|`.
    Piped,
    /// Up to three words ended by ` - `: a program's name (`chrome.exe - `, `"Google Chrome" *64 - `).
    Dashed,
    /// `key=value` fields closed by a lone `|`: Ansible's `p=4242 u=deploy n=ansible | `.
    Fields,
}

impl Column {
    /// The column at the start of `rest` and the bytes it takes (with the blanks after it).
    pub(super) fn at(rest: &[u8]) -> Option<(Column, usize)> {
        let word = rest.iter().position(|&c| c == b' ' || c == b'\t').unwrap_or(rest.len());
        let blanks = |n: usize| n + rest[n..].iter().take_while(|&&c| c == b' ' || c == b'\t').count();
        let first = *rest.first()?;
        if first == b'[' {
            let close = rest.iter().take(240).position(|&c| c == b']')?;
            return Some((Column::Bracket, blanks(close + 1)));
        }
        if let Some(bar) = rest[..word].iter().position(|&c| c == b'|').filter(|&b| b > 0) {
            return Some((Column::Piped, bar + 1));
        }
        if let Some(used) = key_value_fields(rest) {
            return Some((Column::Fields, used));
        }
        // Three words at most, then ` - `.
        let mut at = 0;
        for _ in 0..3 {
            let end = at + rest[at..].iter().position(|&c| c == b' ').unwrap_or(rest.len() - at);
            if rest[end..].starts_with(b" - ")
                && end > at
                && !rest[..end].iter().any(|c| matches!(c, b'=' | b'[' | b']'))
            {
                return Some((Column::Dashed, blanks(end + 2)));
            }
            if end >= rest.len() {
                break;
            }
            at = end + 1;
        }
        let name = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'$' | b'-');
        if word > 1 && rest[word - 1] == b':' && rest[..word - 1].iter().all(name) && first.is_ascii_alphabetic() {
            return Some((Column::Logger, blanks(word)));
        }
        if word > 0 && rest[..word].iter().all(u8::is_ascii_digit) && word < rest.len() {
            return Some((Column::Number, blanks(word)));
        }
        if rest[..word].contains(&b'.')
            && rest[..word].iter().all(name)
            && first.is_ascii_alphabetic()
            && word < rest.len()
        {
            return Some((Column::Dotted, blanks(word)));
        }
        None
    }
}

/// The bytes a run of `key=value` tokens and the lone `|` after it take (with the blanks after
/// it), if `rest` starts with one. Only a closing bar makes them a column: `user=bob action=login`
/// alone is what a line says.
fn key_value_fields(rest: &[u8]) -> Option<usize> {
    const MAX_FIELDS: usize = 8;
    let mut at = 0;
    for n in 0..=MAX_FIELDS {
        let end = at + rest[at..].iter().position(|&c| c == b' ').unwrap_or(rest.len() - at);
        let token = &rest[at..end];
        if token == b"|" {
            let used = end + rest[end..].iter().take_while(|&&c| c == b' ').count();
            return (n > 0 && used < rest.len()).then_some(used);
        }
        let eq = token.iter().position(|&c| c == b'=')?;
        let key_ok = eq > 0 && token[..eq].iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
        if !key_ok || eq + 1 == token.len() || end >= rest.len() {
            return None;
        }
        at = end + 1;
    }
    None
}

/// Share of sample lines (in percent) whose column must have one shape for it to be learned.
const COLUMN_SHARE: usize = 90;

/// Learns the header columns after the message start of each sample line.
pub(super) fn learn_header(rests: &[&[u8]]) -> [Option<Column>; MAX_COLUMNS] {
    let mut header = [None; MAX_COLUMNS];
    if rests.len() < 4 {
        return header;
    }
    let mut at: Vec<usize> = vec![0; rests.len()];
    for slot in header.iter_mut() {
        let seen: Vec<Option<(Column, usize)>> =
            rests.iter().zip(&at).map(|(r, &a)| Column::at(r.get(a..).unwrap_or(&[]))).collect();
        let mut best: Option<(Column, usize)> = None;
        for (c, _) in seen.iter().flatten() {
            let n = seen.iter().flatten().filter(|(o, _)| o == c).count();
            if best.is_none_or(|(_, bn)| n > bn) {
                best = Some((*c, n));
            }
        }
        let Some((column, _)) = best.filter(|(_, n)| n * 100 >= rests.len() * COLUMN_SHARE) else { break };
        *slot = Some(column);
        for (a, s) in at.iter_mut().zip(&seen) {
            if let Some((c, used)) = s {
                if *c == column {
                    *a += used;
                }
            }
        }
    }
    header
}
