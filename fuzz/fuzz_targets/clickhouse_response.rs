//! ClickHouse's HTTP answers as culprit reads them: the status line and headers, then the body
//! as `DESCRIBE TABLE` columns (and the layout found from them), as the time-span row, and as
//! the grouped rows that become sources. The first byte picks line numbers or times for the rows.
//! Nothing may panic; each source holds one non-blank line per counted record.
#![no_main]

use culprit::source::clickhouse::{describe_columns, read_groups, read_head, span_row, Layout, Url};
use culprit::source::Data;
use libfuzzer_sys::fuzz_target;
use std::io::BufRead;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, answer)) = data.split_first() else { return };
    let mut reader = answer;
    if read_head(&mut reader).is_err() {
        return;
    }
    let body = reader.fill_buf().map(<[u8]>::to_vec).unwrap_or_default();
    let url = Url::parse("clickhouse://localhost/db.logs").expect("a valid URL");
    let _ = Layout::find(&describe_columns(&body), &url);
    if let (Some((lo, hi)), rows) = span_row(&body) {
        assert!(rows > 0, "a span {lo}..{hi} without rows");
    }
    let Ok((sources, rows)) = read_groups(&body[..], sel & 1 == 1, "logs", 7) else { return };
    let mut records = 0;
    for (i, source) in sources.iter().enumerate() {
        assert_eq!(source.id, 7 + i as u32);
        let Data::Counted { bytes, counts } = &source.data else { panic!("rows become counted data") };
        let lines = bytes.split(|&c| c == b'\n').filter(|l| !l.is_empty()).count();
        assert_eq!(lines, counts.len(), "one non-blank line per counted record");
        assert!(counts.iter().all(|&c| c >= 1));
        records += counts.len() as u64;
    }
    // A row stands for one record, or two (its group's first and last line).
    assert!(rows <= records && records <= 2 * rows, "{rows} rows gave {records} records");
});
