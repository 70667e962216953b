use super::*;

#[test]
fn similar_messages_share_a_template() {
    let keys = ["abc", "def", "ghi", "jkl", "mno", "pqr", "stu"];
    let mut msgs: Vec<String> = keys.iter().map(|k| format!("token signing failed for key {k}: expired")).collect();
    msgs.insert(3, "connection closed by peer".into());
    let (table, ids) = mine_all(msgs.iter().map(|m| m.as_bytes()));
    assert_eq!(ids[3], ids.iter().copied().find(|&i| i != ids[0]).unwrap());
    assert!(ids.iter().enumerate().all(|(k, &i)| (k == 3) == (i != ids[0])));
    let t = &table.templates[ids[0] as usize];
    assert_eq!(t.text, "token signing failed for key <*> expired");
    assert_eq!(t.count, 7);
    assert!(t.id.starts_with('T') && t.id.len() == 9 && t.id[1..].bytes().all(|c| c.is_ascii_hexdigit()));
}

#[test]
fn a_handful_of_distinct_words_stay_separate_templates() {
    // `VM Paused` and `VM Resumed` are different events; seven user names are one variable.
    let mut msgs = Vec::new();
    for i in 0..6 {
        msgs.push(format!("[instance: {i:08x}-aaaa] VM Paused (Lifecycle Event)"));
        msgs.push(format!("[instance: {i:08x}-bbbb] VM Resumed (Lifecycle Event)"));
        msgs.push(format!("login failed for account {} from 10.0.0.{i}", ["ann", "bob", "cy", "dee", "eve", "fay"][i]));
    }
    let (table, ids) = mine_all(msgs.iter().map(|m| m.as_bytes()));
    let texts: Vec<&str> = ids.iter().map(|&i| table.templates[i as usize].text.as_str()).collect();
    assert_eq!(texts[0], "[instance: <*>] VM Paused (Lifecycle Event)");
    assert_eq!(texts[1], "[instance: <*>] VM Resumed (Lifecycle Event)");
    assert_eq!(texts[2], "login failed for account <*> from <*>");
    assert_eq!(table.templates.len(), 3);
}

#[test]
fn chunked_mining_equals_one_miner() {
    // Same messages cut into chunks at different places: same template per message.
    let msgs: Vec<String> = (0..300)
        .map(|i| match i % 5 {
            0 => format!("user {} logged in from 10.0.{}.{}", ["a", "b", "c", "d", "e", "f"][i % 6], i % 7, i),
            1 => format!("cache miss for key k{i} after {i} ms"),
            2 => format!(
                "worker {} state {}",
                ["alpha", "beta", "gamma", "delta", "eps", "zeta"][i % 6],
                ["up", "down"][i % 2]
            ),
            3 => format!("request {} failed: {}", i, ["timeout", "reset", "refused"][i % 3]),
            _ => "heartbeat ok".to_string(),
        })
        .collect();
    let (whole_table, whole) = mine_all(msgs.iter().map(|m| m.as_bytes()));
    let whole_ids: Vec<&str> = whole.iter().map(|&t| whole_table.templates[t as usize].id.as_str()).collect();
    for size in [1, 7, 64, 299] {
        let mut miners = Vec::new();
        let mut locals = Vec::new();
        for chunk in msgs.chunks(size) {
            let mut m = Miner::new();
            locals.push(chunk.iter().map(|s| m.add(s.as_bytes())).collect::<Vec<_>>());
            miners.push(m);
        }
        let (table, maps) = merge(miners);
        let ids: Vec<&str> = locals
            .iter()
            .zip(&maps)
            .flat_map(|(l, map)| l.iter().map(|&x| table.templates[map[x as usize] as usize].id.as_str()))
            .collect();
        assert_eq!(ids, whole_ids, "chunk size {size}");
        assert_eq!(table.templates, whole_table.templates, "chunk size {size}");
    }
}

#[test]
fn cap_sends_the_rest_to_one_counted_overflow_template() {
    // 200k distinct random lines (no shared structure beyond length) with a cap of 50.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut word = |n: usize| -> String {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (b'a' + (state % 26) as u8) as char
            })
            .collect()
    };
    let lines: Vec<String> = (0..200_000).map(|_| format!("{} {} {}", word(6), word(5), word(7))).collect();
    let mut m = Miner::with_cap(50);
    let local: Vec<u32> = lines.iter().map(|l| m.add(l.as_bytes())).collect();
    assert!(m.shapes() <= 50 * 4 + 1, "shapes kept per chunk are bounded: {}", m.shapes());
    let (table, maps) = merge(vec![m]);
    let ids: Vec<u32> = local.iter().map(|&l| maps[0][l as usize]).collect();
    let overflow: Vec<&Template> = table.templates.iter().filter(|t| t.overflow).collect();
    assert_eq!(overflow.len(), 1);
    assert!(table.templates.len() <= 50 + 1 + 50, "templates: {}", table.templates.len());
    assert!(table.overflow_records > 100_000, "overflow: {}", table.overflow_records);
    assert_eq!(table.overflow_records, overflow[0].count);
    let total: u64 = table.templates.iter().map(|t| t.count).sum();
    assert_eq!(total, 200_000);
    assert!(ids.iter().all(|&t| (t as usize) < table.templates.len()));
}

#[test]
fn empty_and_whitespace_messages() {
    let msgs: [&[u8]; 3] = [b"", b"   ", b"\t"];
    let (table, ids) = mine_all(msgs);
    assert!(ids.iter().all(|&i| i == ids[0]));
    assert_eq!(table.templates[ids[0] as usize].text, "");
}

#[test]
fn a_bare_host_beside_dotted_hosts_is_the_same_variable() {
    // `wpad:80` keeps its word before the port, `www.example.com:80` masks whole: both are a host and port.
    let hosts =
        ["www.example.com:80", "wpad:80", "cdn.example.net:443", "10.1.2.3:8080", "mail.example.org:25", "intranet:80"];
    let msgs: Vec<String> = hosts
        .iter()
        .map(|h| format!("{h} error : could not connect to proxy gw.example.com:5070 - error 11001"))
        .collect();
    let (table, ids) = mine_all(msgs.iter().map(|m| m.as_bytes()));
    assert!(ids.iter().all(|&i| i == ids[0]), "{:?}", table.templates);
    assert_eq!(table.templates[ids[0] as usize].text, "<*> error : could not connect to proxy <*> - error <*>");
}
