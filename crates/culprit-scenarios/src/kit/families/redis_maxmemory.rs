//! An operator lowers Redis's `maxmemory` below the memory in use (`CONFIG SET`, through an
//! Ansible ad-hoc playbook or by hand under sudo); with `noeviction`, every write the cart
//! service sends is refused with `OOM command not allowed`. Minutes earlier the same operator set
//! another key the same way (an unrelated change); Redis snapshots to disk all the time.

use super::common::{access, ssh_scanner};
use crate::kit::{Fmt, Level, Rec, Scene, MINUTE, SECOND};
use crate::rng::Rng;
use culprit::time::Millis;

/// Keys an operator tunes with CONFIG SET that do not touch memory: (key, value).
const HARMLESS_KEYS: [(&str, &str); 4] =
    [("slowlog-log-slower-than", "5000"), ("timeout", "300"), ("latency-monitor-threshold", "100"), ("hz", "20")];

/// The cart service's Redis client library, which decides how a refused write is reported.
#[derive(Clone, Copy)]
enum Client {
    Jedis,
    Ioredis,
    RedisPy,
}

const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";

/// How the change reaches Redis: an Ansible run or a sudo'ed redis-cli.
#[derive(Clone, Copy)]
enum Channel {
    Ansible,
    Sudo,
}

pub fn build(s: &mut Scene) {
    let cache = s.hosts("cache", 1).remove(0);
    let app_hosts = {
        let n = s.rng.range(2, 4) as usize;
        s.hosts("cart", n)
    };
    let edge = s.hosts("lb", 1).remove(0);
    let client = match s.rng.below(3) {
        0 => Client::Jedis,
        1 => Client::Ioredis,
        _ => Client::RedisPy,
    };
    let channel = if s.rng.chance(0.5) { Channel::Ansible } else { Channel::Sudo };
    let app_fmt = match client {
        Client::Jedis => {
            if s.rng.chance(0.5) {
                Fmt::SpringBoot
            } else {
                Fmt::Logstash
            }
        }
        Client::Ioredis => Fmt::Pino,
        Client::RedisPy => Fmt::PythonLogging,
    };
    let redis = s.file("redis-server.log", Fmt::Redis);
    let app = s.file("cart-service.log", app_fmt);
    let ops = match channel {
        Channel::Ansible => s.file("ansible.log", Fmt::Ansible),
        Channel::Sudo => s.file("auth.log", Fmt::SyslogBsd),
    };
    let access_log = s.file("access.log", Fmt::NginxAccess);

    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let onset = trigger + s.between(200, 3 * SECOND);
    let restored = if s.rng.chance(0.6) { Some(trigger + s.between(3 * MINUTE, 7 * MINUTE)) } else { None };
    let failing_until = restored.unwrap_or(end + 1);
    let used_gb = s.rng.range(5, 11);
    let old_gb = used_gb + s.rng.range(4, 8);
    let new_gb = s.rng.range(1, used_gb - 2);
    let (herring_key, herring_value) = *s.rng.pick(&HARMLESS_KEYS);
    let herring_at = trigger - s.between(90 * SECOND, (trigger - start - 20 * SECOND).min(9 * MINUTE));
    let operator = *s.rng.pick(&["jmoreau", "tnakamura", "oadeyemi", "rkaur"]);
    let redis_pid = s.pid();

    // Redis snapshots after enough changes, all day long: the BGSAVE cycle (chronic, harmless).
    let save_every = s.rng.range(2, 5) as f64;
    let mut t = start + s.between(10 * SECOND, 90 * SECOND);
    while t < end {
        bgsave(s, redis, &cache, redis_pid, t);
        t += s.between((save_every as Millis) * MINUTE - 20 * SECOND, (save_every as Millis) * MINUTE + 20 * SECOND);
    }
    s.herring(redis, "chronic", "Background saving|DB saved on disk|changes in \\d+ seconds");
    // A pub/sub consumer that falls behind now and then: Redis drops it (a loud chronic warning).
    if s.rng.chance(0.6) {
        let rh = cache.clone();
        s.every(redis, start, end, 0.7, move |rng, t| {
            let msg = format!(
                "Client id={} addr=10.0.{}.{}:{} laddr=10.0.0.5:6379 fd={} name= age={} idle=0 flags=P db=0 sub=1 psub=0 \
                 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 obl=0 oll={} omem={} tot-mem={} events=rw cmd=subscribe \
                 user=default redir=-1 scheduled to be closed ASAP for overcoming of output buffer limits.",
                rng.range(1000, 99999),
                rng.range(1, 9),
                rng.range(10, 250),
                rng.range(30000, 65000),
                rng.range(9, 400),
                rng.range(5, 9000),
                rng.range(200, 4000),
                rng.range(8_400_000, 40_000_000),
                rng.range(8_400_000, 40_000_000),
            );
            Some(Rec::new(t, &rh, "redis", Level::Warn, msg).pid(redis_pid))
        });
        s.herring(redis, "chronic", "for overcoming of output buffer limits");
    }

    // The two CONFIG SETs: the harmless one first, then maxmemory.
    let ops_pid = s.pid();
    let config_set = |s: &mut Scene, at: Millis, key: &str, value: &str| match channel {
        Channel::Ansible => {
            let task = format!("redis : set {key} at runtime");
            let run = [format!("PLAY [cache] {}", "*".repeat(60)), format!("TASK [{task}] {}", "*".repeat(50))];
            for (i, line) in run.iter().enumerate() {
                s.once(
                    ops,
                    Rec::new(at - (3 - i as Millis) * SECOND, "", "ansible", Level::Info, line.clone()).pid(ops_pid),
                );
            }
            let result = format!(
                "changed: [{cache}] => {{\"changed\": true, \"cmd\": [\"redis-cli\", \"CONFIG\", \"SET\", \"{key}\", \"{value}\"], \
                 \"delta\": \"0:00:00.00{}\", \"rc\": 0, \"stderr\": \"\", \"stderr_lines\": [], \"stdout\": \"OK\", \"stdout_lines\": [\"OK\"]}}",
                s.rng.range(2, 9)
            );
            let mark = s.once(ops, Rec::new(at, "", "ansible", Level::Info, result).pid(ops_pid));
            s.once(
                ops,
                Rec::new(at + SECOND, "", "ansible", Level::Info, format!("PLAY RECAP {}", "*".repeat(60)))
                    .pid(ops_pid),
            );
            s.once(
                ops,
                Rec::new(
                    at + SECOND,
                    "",
                    "ansible",
                    Level::Info,
                    format!("{cache} : ok=2 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"),
                )
                .pid(ops_pid),
            );
            mark
        }
        Channel::Sudo => {
            let pid = s.pid();
            let cmd = format!(
                "{operator} : TTY=pts/{} ; PWD=/home/{operator} ; USER=root ; COMMAND=/usr/bin/redis-cli CONFIG SET {key} {value}",
                s.rng.range(0, 3)
            );
            let mark = s.once(ops, Rec::new(at, &cache, "sudo", Level::Notice, cmd));
            s.once(
                ops,
                Rec::new(
                    at,
                    &cache,
                    "sudo",
                    Level::Info,
                    format!("pam_unix(sudo:session): session opened for user root(uid=0) by {operator}(uid=1001)"),
                )
                .pid(pid),
            );
            s.once(
                ops,
                Rec::new(at + 40, &cache, "sudo", Level::Info, "pam_unix(sudo:session): session closed for user root")
                    .pid(pid),
            );
            mark
        }
    };
    config_set(s, herring_at, herring_key, herring_value);
    let cause = config_set(s, trigger, "maxmemory", &format!("{new_gb}gb"));
    if let Some(at) = restored {
        config_set(s, at, "maxmemory", &format!("{old_gb}gb"));
    }
    // Redis warns at once that the new limit is below what it holds.
    s.once(
        redis,
        Rec::new(
            trigger + 1,
            &cache,
            "redis",
            Level::Warn,
            "WARNING: the new maxmemory value set via CONFIG SET is smaller than the current memory usage. This will \
             result in keys eviction and/or inability to accept new write commands depending on the maxmemory-policy.",
        )
        .pid(redis_pid),
    );

    // The cart service: reads always work, writes are refused while the limit is too low.
    let write_share = 0.3 + 0.4 * s.rng.unit();
    let app_pid = s.pid();
    let kind = client;
    for host in app_hosts.clone() {
        let per_min = 30.0 + 40.0 * s.rng.unit();
        s.every(app, start, end, per_min, move |rng, t| {
            let cart = format!("cart:{}", rng.hex_string(12));
            let write = rng.chance(write_share);
            if write && t >= onset && t < failing_until {
                Some(refused(rng, &kind, t, &host, app_pid, &cart))
            } else {
                let what = if write { "cart updated" } else { "cart loaded" };
                let rec = Rec::new(t, &host, "cart-service", Level::Info, format!("{what} key={cart}"))
                    .pid(app_pid)
                    .kv("duration_ms", rng.range(1, 30));
                Some(rec)
            }
        });
    }
    s.herring(app, "consequence", "command not allowed when used memory");

    let eh = edge.clone();
    s.every(access_log, start, end, 120.0, move |rng, t| {
        let roll = rng.unit();
        let (method, path, status) = if roll < write_share * 0.5 {
            let failing = t >= onset && t < failing_until;
            ("POST", "/api/cart/items".to_string(), if failing { 500 } else { 200 })
        } else if roll < 0.5 {
            ("GET", "/api/cart".to_string(), 200)
        } else if roll < 0.53 {
            ("GET", format!("/{}", rng.pick(&["wp-admin/", ".git/config", "favicon.ico"])), 404)
        } else {
            ("GET", format!("/api/products/{}", rng.range(100, 9999)), 200)
        };
        Some(access(rng, t, &eh, method, &path, status))
    });
    s.herring(access_log, "consequence", r#""POST /api/cart/items HTTP/1.1" 500 "#);
    if matches!(channel, Channel::Sudo) {
        ssh_scanner(s, ops, std::slice::from_ref(&cache), 4.0);
    }

    let key_re = regex::escape(herring_key);
    s.herring(
        ops,
        "unrelated-change",
        &format!(r#"(?i)config\W{{1,6}}set\W{{1,6}}{key_re}\b|set {key_re} at runtime"#),
    );
    s.cause(
        cause,
        "database",
        &[
            r#"(?i)config\W{1,6}set\W{1,6}maxmemory\b"#,
            r"set maxmemory at runtime",
            r"new maxmemory value set via CONFIG SET",
        ],
    );
    s.incident(onset, failing_until.min(end));
    s.description = format!(
        "{} set Redis's maxmemory on {cache} from {old_gb}gb to {new_gb}gb while it held about {used_gb}gb \
         ({}); with noeviction every write of the cart service ({} hosts, {}) failed with \"{OOM}\"{}. \
         Red herrings: an earlier CONFIG SET {herring_key} {herring_value} by the same route; Redis's periodic \
         background saves and dropped pub/sub clients; 500s at the edge as consequences.",
        if matches!(channel, Channel::Ansible) { "An Ansible run" } else { "An operator under sudo" },
        if matches!(channel, Channel::Ansible) { "ansible.log" } else { "auth.log" },
        app_hosts.len(),
        app_fmt_label(&kind),
        if restored.is_some() { ", until the old limit was restored" } else { "" },
    );
}

fn app_fmt_label(kind: &Client) -> &'static str {
    match kind {
        Client::Jedis => "Java with Jedis",
        Client::Ioredis => "Node.js with ioredis",
        Client::RedisPy => "Python with redis-py",
    }
}

/// One BGSAVE cycle as Redis logs it: the parent forks, the child saves and reports, the parent
/// collects it.
fn bgsave(s: &mut Scene, file: crate::kit::FileId, host: &str, pid: u32, at: Millis) {
    let child = s.pid();
    let changes = *s.rng.pick(&[100, 10000]);
    let secs = if changes == 100 { 300 } else { 60 };
    let took = s.between(300, 4 * SECOND);
    let cow = s.rng.range(1, 40);
    let lines: [(Millis, u32, &str, String); 5] = [
        (0, pid, "M", format!("{changes} changes in {secs} seconds. Saving...")),
        (2, pid, "M", format!("Background saving started by pid {child}")),
        (took, child, "C", "DB saved on disk".to_string()),
        (took + 1, child, "C", format!("Fork CoW for RDB: current {cow} MB, peak {cow} MB, average {} MB", cow / 2)),
        (took + 90, pid, "M", "Background saving terminated with success".to_string()),
    ];
    for (dt, p, role, msg) in lines {
        s.once(file, Rec::new(at + dt, host, "redis", Level::Notice, msg).pid(p).kv("role", role));
    }
}

/// The cart service's record of one refused write, as its client library reports it.
fn refused(rng: &mut Rng, kind: &Client, t: Millis, host: &str, pid: u32, cart: &str) -> Rec {
    match kind {
        Client::Jedis => Rec::new(
            t,
            host,
            "cart-service",
            Level::Error,
            format!(
                "Failed to update {cart}\nredis.clients.jedis.exceptions.JedisDataException: {OOM}\n\
                 \tat redis.clients.jedis.Protocol.processError(Protocol.java:105)\n\
                 \tat redis.clients.jedis.Protocol.process(Protocol.java:162)\n\
                 \tat redis.clients.jedis.Connection.executeCommand(Connection.java:123)\n\
                 \tat com.example.cart.CartStore.save(CartStore.java:58)"
            ),
        )
        .pid(pid)
        .kv("thread", format!("http-nio-8080-exec-{}", rng.range(1, 40)))
        .kv("logger", "com.example.cart.CartStore"),
        Client::Ioredis => Rec::new(t, host, "cart-service", Level::Error, "failed to update cart")
            .pid(pid)
            .kv("key", cart)
            .kv("err", format!("ReplyError: {OOM}")),
        Client::RedisPy => Rec::new(
            t,
            host,
            "cart.store",
            Level::Error,
            format!("failed to update {cart}: redis.exceptions.OutOfMemoryError: command not allowed when used memory > 'maxmemory'."),
        ),
    }
}
