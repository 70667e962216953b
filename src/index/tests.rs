use super::*;
use crate::source::{Data, Source};

fn source(id: u32, name: &str, text: &str) -> Source {
    Source {
        id,
        path: PathBuf::from(name),
        stream: crate::source::stream_name(std::path::Path::new(name)),
        data: Data::Owned(text.as_bytes().to_vec()),
        mtime: None,
        warnings: Vec::new(),
    }
}

fn build(text: &str, chunk_size: usize) -> Index {
    let opts = IndexOptions { chunk_size, year: Some(2024), ..Default::default() };
    Index::build(vec![source(0, "app.log", text)], Vec::new(), RuleSet::empty(), &opts)
}

#[test]
fn continuation_lines_join_their_record() {
    let text = "2024-01-22T15:30:01Z ERROR boom\n  at foo.bar(Baz.java:1)\n  at x\n2024-01-22T15:30:02Z INFO ok\r\n";
    let idx = build(text, 1 << 20);
    assert_eq!(idx.records.len(), 2);
    assert_eq!(idx.inputs[0].lines, 4);
    assert_eq!(idx.record_bytes(0), b"2024-01-22T15:30:01Z ERROR boom\n  at foo.bar(Baz.java:1)\n  at x");
    assert_eq!(idx.line_of(1), 4);
    assert_eq!(idx.first_line(1), b"2024-01-22T15:30:02Z INFO ok");
}

#[test]
fn unparsed_lines_are_kept_and_counted() {
    let text = "garbage first\n2024-01-22T15:30:01Z INFO a\nnot a log line\n2024-01-22T15:30:03Z INFO b";
    let idx = build(text, 1 << 20);
    assert_eq!(idx.records.len(), 4);
    assert_eq!(idx.inputs[0].unparsed, 2);
    assert_eq!(idx.inputs[0].untimed, 2);
    assert_eq!(idx.first_line(3), b"2024-01-22T15:30:03Z INFO b");
}

#[test]
fn year_rollover_across_new_year() {
    let text = "Dec 31 23:59:58 h app: a\nJan  1 00:00:01 h app: b\n";
    let opts = IndexOptions { year: Some(2023), ..Default::default() };
    let idx = Index::build(vec![source(0, "syslog", text)], Vec::new(), RuleSet::empty(), &opts);
    assert_eq!(idx.records.ts(0), crate::time::civil_to_millis(2023, 12, 31, 23, 59, 58, 0));
    assert_eq!(idx.records.ts(1), crate::time::civil_to_millis(2024, 1, 1, 0, 0, 1, 0));
}

fn columns(idx: &Index) -> Vec<(u64, usize, u32, Millis, crate::format::Level, String)> {
    (0..idx.records.len())
        .map(|i| {
            (
                idx.records.offset(i),
                idx.records.byte_len(i),
                idx.line_of(i),
                idx.records.ts(i),
                idx.records.level(i),
                idx.hosts.get(idx.records.host(i)).to_string(),
            )
        })
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Parallel chunked indexing equals one sequential chunk, for any bytes and chunk size.
    #[test]
    fn chunked_equals_sequential(
        lines in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::string::string_regex("2024-01-22T15:[0-5][0-9]:[0-5][0-9]Z (INFO|ERROR) [a-z ]{0,20}").unwrap(),
                proptest::string::string_regex("  at [a-z.]{0,10}").unwrap(),
                proptest::string::string_regex("[ -~]{0,30}").unwrap(),
                proptest::string::string_regex("Jan 22 15:30:0[0-9] h[0-9] svc\\[1\\]: [a-z]{0,8}").unwrap(),
            ],
            0..60,
        ),
        crlf in proptest::bool::ANY,
        chunk in 1usize..200,
    ) {
        let sep = if crlf { "\r\n" } else { "\n" };
        let text = lines.join(sep);
        let whole = build(&text, 1 << 30);
        let parts = build(&text, chunk);
        proptest::prop_assert_eq!(columns(&whole), columns(&parts));
    }
}

#[test]
fn one_file_per_host_layouts_name_their_hosts() {
    use std::path::Path;
    let paths = [
        "logs/lb-a/error.log",
        "logs/lb-b/error.log",
        "logs/lb-c/access.log",
        "logs/gateway/gw-1.access.log",
        "logs/gateway/gw-2.access.log",
        "logs/auth/app.log",
        "logs/orders/app.log",
        "logs/syslog/messages",
    ];
    let got = per_host_names(paths.iter().map(Path::new));
    assert_eq!(got.get(&0).map(String::as_str), Some("lb-a"));
    assert_eq!(got.get(&1).map(String::as_str), Some("lb-b"));
    // Alone with its file name: nothing says its folder is a host.
    assert_eq!(got.get(&2), None);
    assert_eq!(got.get(&3).map(String::as_str), Some("gw-1"));
    assert_eq!(got.get(&4).map(String::as_str), Some("gw-2"));
    // Folders named after services are not hosts.
    assert_eq!(got.get(&5), None);
    assert_eq!(got.get(&6), None);
    assert_eq!(got.get(&7), None);
    assert!(host_like("web01") && host_like("ip-10-0-0-7") && host_like("lb-a"));
    assert!(!host_like("nginx") && !host_like("orders") && !host_like("2025-03-11") && !host_like("a"));
}

/// Line numbers are derived from marks and newline counts; a plain count from the file start
/// must agree, across sources, blank lines, continuations, CRLF and many marks.
#[test]
fn derived_line_numbers_match_a_plain_count() {
    let mut text = String::new();
    for i in 0..700 {
        match i % 7 {
            0 => text.push('\n'),
            1 => text.push_str("  at frame\r\n"),
            _ => text.push_str(&format!("2024-01-22T15:30:{:02}Z INFO line {i}\r\n", i % 60)),
        }
    }
    let opts = IndexOptions { chunk_size: 997, year: Some(2024), ..Default::default() };
    let sources = vec![source(0, "a.log", &text), source(1, "b.log", "\n\nnot a log\n"), source(2, "c.log", &text)];
    let idx = Index::build(sources, Vec::new(), RuleSet::empty(), &opts);
    assert!(idx.records.len() > 2 * LINE_MARK * 4);
    for i in 0..idx.records.len() {
        let src = &idx.sources[idx.records.source(i) as usize];
        let before = &src.bytes()[..idx.records.offset(i) as usize];
        let plain = 1 + before.iter().filter(|&&c| c == b'\n').count() as u32;
        assert_eq!(idx.line_of(i), plain, "record {i}");
    }
    assert_eq!(idx.records.source_range(1).map(|r| r.len()), Some(1));
}

#[test]
fn the_message_is_reparsed_from_the_line() {
    let idx = build("2024-01-22T15:30:01Z ERROR pool exhausted\nplain words\n", 1 << 20);
    assert_eq!(idx.message(0), b"pool exhausted");
    assert_eq!(idx.message(1), b"plain words");
}

/// Host ids are 16-bit in the index: past the interner's cap, hosts share the overflow name
/// and every record is still indexed.
#[test]
fn hosts_past_the_id_range_share_the_overflow_name() {
    let n = intern::MAX_NAMES + 5000;
    let mut text = String::with_capacity(n * 60);
    for i in 0..n {
        text.push_str(&format!("{{\"ts\":\"2024-01-22T15:30:01Z\",\"host\":\"h{i}\",\"msg\":\"x\"}}\n"));
    }
    let opts = IndexOptions { year: Some(2024), mine_patterns: false, ..Default::default() };
    let idx = Index::build(vec![source(0, "app.json", &text)], Vec::new(), RuleSet::empty(), &opts);
    assert_eq!(idx.records.len(), n);
    assert!(idx.hosts.len() <= u16::MAX as usize);
    assert_eq!(idx.hosts.get(idx.records.host(0)), "h0");
    assert_eq!(idx.hosts.get(idx.records.host(n - 1)), intern::OVERFLOW_NAME);
    assert_eq!(idx.line_of(n - 1), n as u32);
}

/// Rails writes `FATAL -- : [request-id]` and the exception on the lines below: such a record's
/// template, and its rule, come from its first continuation line that says something.
#[test]
fn a_record_blank_but_for_tags_takes_its_message_from_its_continuation() {
    let text = "\
F, [2025-01-28T21:44:20.217774 #3877] FATAL -- : [7a5da87a-a11c-4f53-ba65-0f1150e22235]   
[7a5da87a-a11c-4f53-ba65-0f1150e22235]   
[7a5da87a-a11c-4f53-ba65-0f1150e22235] ActionController::RoutingError (No route matches [GET] \"/wp-login.php\"):
F, [2025-01-28T21:44:21.994625 #3883] FATAL -- : [cc59339b-ceb5-4217-b808-353627e310f1]   
[cc59339b-ceb5-4217-b808-353627e310f1] ActiveRecord::ConnectionNotEstablished (connection to server at \"10.9.1.10\", port 5432 failed: Connection refused
F, [2025-01-28T21:44:22.100000 #3883] FATAL -- : [dd01339b-ceb5-4217-b808-353627e310f1]   
I, [2025-01-28T21:44:23.100000 #3883]  INFO -- : [ee02339b-ceb5-4217-b808-353627e310f1] Completed 200 OK in 5ms
";
    let opts = IndexOptions { year: Some(2025), ..Default::default() };
    let rules = RuleSet::builtin().expect("built-in rules");
    let idx = Index::build(vec![source(0, "production.log", text)], Vec::new(), rules, &opts);
    assert_eq!(idx.records.len(), 4);
    let template = |i: usize| idx.templates.templates[idx.records.template(i) as usize].text.clone();
    assert!(template(0).starts_with("ActionController::RoutingError"), "{}", template(0));
    assert!(template(1).starts_with("ActiveRecord::ConnectionNotEstablished"), "{}", template(1));
    assert_ne!(idx.records.template(0), idx.records.template(1));
    // No continuation: the record keeps its own (blank) message.
    assert!(!template(2).contains("Connection"), "{}", template(2));
    assert_ne!(idx.records.rule(1), crate::rules::NO_RULE, "the continuation's text is judged by the rules");
}

/// The kubelet names container logs `POD_NAMESPACE_CONTAINER-ID.log`: the container is the
/// service (one per deployment, not one per pod) and the pod is where the lines ran.
#[test]
fn container_logs_are_named_by_container_and_pod() {
    let id = "0123456789abcdef".repeat(4);
    let cri = "2024-01-22T15:30:01.000000000Z stderr F panic: runtime error\n";
    let sources = vec![
        source(0, &format!("/var/log/containers/cart-7d9f8-abcde_shop_cart-{id}.log"), cri),
        source(1, "/var/log/containers/cart-7d9f8-fghij_shop_cart.log", cri),
        source(2, "/var/log/pods/shop_cart-7d9f8-klmno_0f0e/cart/0.log", cri),
        source(3, "/srv/logs/backup_daily_Run.log", "2024-01-22T15:30:01Z error: disk\n"),
        // `kubectl logs POD > POD.log`: the Deployment's pod name says the workload and the pod.
        source(4, "/tmp/incident/cart-7d9f8b6c4-x2k9p.log", cri),
    ];
    let opts = IndexOptions { year: Some(2024), ..Default::default() };
    let idx = Index::build(sources, Vec::new(), RuleSet::empty(), &opts);
    let service =
        |sid: u32| idx.services.get(idx.records.service(idx.records.source_range(sid).unwrap().start)).to_string();
    let host = |sid: u32| idx.hosts.get(idx.records.host(idx.records.source_range(sid).unwrap().start)).to_string();
    assert_eq!((service(0), host(0)), ("cart".to_string(), "cart-7d9f8-abcde".to_string()));
    assert_eq!((service(1), host(1)), ("cart".to_string(), "cart-7d9f8-fghij".to_string()));
    assert_eq!(service(2), "cart", "a numbered file is named by its folder");
    // Upper case is no Kubernetes name: an ordinary file name with underscores stays as it is.
    assert_eq!(service(3), "backup_daily_Run");
    assert_eq!((service(4), host(4)), ("cart".to_string(), "cart-7d9f8b6c4-x2k9p".to_string()));
    assert_eq!(container_log_name("a_b_c-d"), Some(("a", "b", "c-d")));
    assert_eq!(container_log_name("a_b"), None);
    // A Deployment's pod name: its workload; names that merely have dashes are not pods.
    assert_eq!(super::pod_workload("ledger-3f5fb8dd6-b7fbc"), Some("ledger"));
    assert_eq!(super::pod_workload("search-api-7d9f8b6c4-x2k9p"), Some("search-api"));
    assert_eq!(super::pod_workload("auth-server-proxy"), None);
    assert_eq!(super::pod_workload("web-bcdfghj-x2k9p"), None);
    assert_eq!(super::pod_workload("orders-2"), None);
}

/// Rows of an aggregate (a ClickHouse group each) carry their line counts into the index (the
/// signals' side is `analysis::tests::signals_count_the_lines_a_record_stands_for`).
#[test]
fn counted_rows_weigh_what_they_stand_for() {
    let text =
        "2024-01-22T15:30:01Z ERROR disk full\n\n2024-01-22T15:30:02Z ERROR disk full\n2024-01-22T15:30:03Z INFO ok\n";
    let mut src = source(0, "app.log", text);
    src.data = Data::Counted { bytes: text.as_bytes().to_vec(), counts: vec![40, 2, 5] };
    let opts = IndexOptions { year: Some(2024), ..Default::default() };
    let idx = Index::build(vec![src], Vec::new(), RuleSet::empty(), &opts);
    let weights: Vec<u32> = (0..idx.records.len()).map(|i| idx.records.weight(i)).collect();
    assert_eq!(weights, vec![40, 2, 5]);
    assert_eq!(idx.inputs[0].records, 47);
    // Plain bytes weigh one line a record.
    assert_eq!(build(text, 1 << 20).records.weight(0), 1);
}

#[test]
fn a_host_inside_a_file_name_is_found_between_separators() {
    let known = |n: &str| ["worker-6", "worker", "db-1"].iter().position(|h| *h == n).map(|i| i as u32 + 1);
    assert_eq!(host_within_name("dpkg-worker-6", known), Some(1), "the longest known name");
    assert_eq!(host_within_name("db-1_slow", known), Some(3));
    // Only between separators: `xworker-6` and `db-10` name no known host.
    assert_eq!(host_within_name("dpkg-xworker-6x", known), None);
    assert_eq!(host_within_name("db-10", known), None);
}
