//! Pieces several families share: web traffic, client addresses, user names, common chronic noise.

use super::super::{FileId, Level, Rec, Scene};
use crate::scenario::rng::Rng;
use crate::time::Millis;

pub const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "okhttp/4.12.0",
];

pub fn client(rng: &mut Rng) -> String {
    format!("{}.{}.{}.{}", rng.pick(&[81, 92, 176, 203]), rng.range(1, 254), rng.range(1, 254), rng.range(1, 254))
}

pub fn request_id(rng: &mut Rng) -> String {
    rng.hex_string(16)
}

/// An nginx/HAProxy access record (rendered by `Fmt::NginxAccess` or `Fmt::HaproxyHttp`).
pub fn access(rng: &mut Rng, t: Millis, host: &str, method: &str, path: &str, status: u16) -> Rec {
    let bytes = if status >= 500 { rng.range(150, 560) } else { rng.range(200, 9000) };
    Rec::new(t, host, "haproxy", Level::Info, "")
        .pid(1873)
        .kv("client", client(rng))
        .kv("method", method)
        .kv("path", path)
        .kv("status", status)
        .kv("bytes", bytes)
        .kv("agent", *rng.pick(&AGENTS))
        .kv("ms", rng.range(3, 90))
}

/// An ssh scanner trying invalid users on `hosts`, steady over the whole span (a chronic herring).
pub fn ssh_scanner(s: &mut Scene, file: FileId, hosts: &[String], per_min: f64) {
    let (from, to) = (s.start, s.end);
    let hosts = hosts.to_vec();
    s.every(file, from, to, per_min, move |rng, t| {
        let user = *rng.pick(&["admin", "oracle", "test", "ubuntu", "git", "postgres", "user1", "support"]);
        let ip = format!(
            "{}.{}.{}.{}",
            rng.pick(&[45, 61, 103, 185, 193]),
            rng.range(1, 254),
            rng.range(1, 254),
            rng.range(1, 254)
        );
        let host = rng.pick(&hosts).clone();
        Some(
            Rec::new(
                t,
                &host,
                "sshd",
                Level::Info,
                format!("Invalid user {user} from {ip} port {}", rng.range(30000, 65000)),
            )
            .pid(rng.range(2000, 60000) as u32),
        )
    });
    s.herring(file, "chronic", r"sshd\[\d+\]: Invalid user \S+ from [\d.]+ port \d+");
}
