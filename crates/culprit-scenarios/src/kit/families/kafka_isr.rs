//! A Kafka broker's log volume stalls (NVMe command timeouts in its kernel log). It still leads
//! its partitions but serves its followers too slowly: it shrinks every ISR it leads to itself,
//! refuses `acks=all` appends below `min.insync.replicas`, and the producers' batches for those
//! partitions expire. No change is involved. Consumer groups rebalance all day long.

use crate::kit::{FileId, Fmt, Level, Rec, Scene, MINUTE, SECOND};
use culprit::time::Millis;

const TOPICS: [&str; 4] = ["orders", "payments", "clickstream", "shipment-events"];
const GROUPS: [&str; 3] = ["order-processor", "fraud-scoring", "search-indexer"];

pub fn build(s: &mut Scene) {
    let brokers = s.hosts("kafka", 3);
    let producers = {
        let n = s.rng.range(2, 4) as usize;
        s.hosts("checkout", n)
    };
    let consumer_host = s.hosts("worker", 1).remove(0);
    let topic = *s.rng.pick(&TOPICS);
    let partitions = s.rng.range(6, 12) as usize;
    // Broker ids 1..=3; the stalled one is the leader of every third partition.
    let stalled = s.rng.range(1, 3) as usize;
    let stalled_host = brokers[stalled - 1].clone();
    let led: Vec<usize> = (0..partitions).filter(|p| p % 3 == stalled - 1).collect();
    let kernel_log = s.rng.chance(0.65);
    // Newer clients expire after delivery.timeout.ms (120 s), older ones after request.timeout.ms.
    let (expiry_ms, suffix) = if s.rng.chance(0.5) { (120_000, "") } else { (30_000, " plus linger time") };

    let server = s.file("server.log", Fmt::KafkaLog4j);
    let kern = if kernel_log { Some(s.file("kern.log", Fmt::SyslogBsd)) } else { None };
    let app_fmt = if s.rng.chance(0.5) { Fmt::SpringBoot } else { Fmt::Logstash };
    let producer_log = s.file("checkout-service.log", app_fmt.clone());
    let consumer_fmt = if s.rng.chance(0.5) { Fmt::SpringBoot } else { app_fmt };
    let consumer_log = s.file("order-worker.log", consumer_fmt);

    let (start, trigger, end) = (s.start, s.trigger, s.end);
    // The follower lag reaches replica.lag.time.max.ms (30 s by default) before the ISR shrinks.
    let shrink_at = trigger + s.between(30 * SECOND, 40 * SECOND);
    let recovered = if s.rng.chance(0.5) { Some(trigger + s.between(5 * MINUTE, 8 * MINUTE)) } else { None };
    let stall_end = recovered.unwrap_or(end + 1);
    let first_expiry = shrink_at + expiry_ms;

    // The stalled volume in the broker's kernel log.
    let cause_kernel = kern.map(|k| {
        let dev = *s.rng.pick(&["nvme1", "nvme2"]);
        let first = s.once(
            k,
            kernel(
                trigger,
                &stalled_host,
                &format!("nvme {dev}: I/O {} QID {} timeout, aborting", 100 + stalled * 7, 2),
            ),
        );
        let mut t = trigger + s.between(200, 2 * SECOND);
        while t < stall_end.min(end) {
            let io = s.rng.range(1, 1023);
            let qid = s.rng.range(1, 8);
            s.once(k, kernel(t, &stalled_host, &format!("nvme {dev}: I/O {io} QID {qid} timeout, aborting")));
            if s.rng.chance(0.4) {
                s.once(k, kernel(t + 3, &stalled_host, &format!("nvme {dev}: Abort status: 0x0")));
            }
            t += s.between(2 * SECOND, 15 * SECOND);
        }
        if trigger + 125 * SECOND < stall_end.min(end) {
            let pid = s.pid();
            let at = trigger + s.between(121 * SECOND, 125 * SECOND);
            s.once(
                k,
                kernel(
                    at,
                    &stalled_host,
                    &format!("INFO: task data-plane-kafk:{pid} blocked for more than 120 seconds."),
                ),
            );
        }
        first
    });

    // The stalled broker's server.log: routine segment rolls and group coordination, then the ISR
    // shrinks and the appends below min.insync.replicas.
    let bid = stalled;
    s.every(server, start, end, 3.0, move |rng, t| {
        let p = rng.range(0, partitions as i64 - 1);
        let offset = rng.range(1_000_000, 90_000_000);
        let msg = if rng.chance(0.5) {
            format!(
                "[ProducerStateManager partition={topic}-{p}] Wrote producer snapshot at offset {offset} with 0 producer ids in {} ms.",
                rng.range(1, 9)
            )
        } else {
            format!(
                "[LocalLog partition={topic}-{p}, dir=/var/lib/kafka/data] Rolled new log segment at offset {offset} in {} ms.",
                rng.range(1, 12)
            )
        };
        let logger = if msg.starts_with("[Producer") { "kafka.log.ProducerStateManager" } else { "kafka.log.LocalLog" };
        if t >= trigger && t < stall_end {
            return None;
        }
        Some(Rec::new(t, "", logger, Level::Info, msg))
    });
    rebalances(s, server, bid);
    let mut shrink_marks = Vec::new();
    for (i, &p) in led.iter().enumerate() {
        let others: Vec<usize> = (1..=3).filter(|&b| b != bid).collect();
        let isr = [bid, others[0], others[1]].map(|b| b.to_string()).join(",");
        let hw = s.rng.range(1_000_000, 90_000_000);
        let msg = format!(
            "[Partition {topic}-{p} broker={bid}] Shrinking ISR from {isr} to {bid}. Leader: (highWatermark: {hw}, endOffset: {}). \
             Out of sync replicas: (brokerId: {}, endOffset: {hw}, lastCaughtUpTimeMs: {}) (brokerId: {}, endOffset: {hw}, lastCaughtUpTimeMs: {}).",
            hw + s.rng.range(40, 900),
            others[0],
            trigger - s.rng.range(0, 400),
            others[1],
            trigger - s.rng.range(0, 400),
        );
        shrink_marks.push(
            s.once(server, Rec::new(shrink_at + i as Millis * 3, "", "kafka.cluster.Partition", Level::Info, msg)),
        );
    }
    let led_for_errors = led.clone();
    s.every(server, shrink_at, stall_end, 40.0, move |rng, t| {
        let p = *rng.pick(&led_for_errors);
        Some(Rec::new(
            t,
            "",
            "kafka.server.ReplicaManager",
            Level::Error,
            format!(
                "[ReplicaManager broker={bid}] Error processing append operation on partition {topic}-{p}\n\
                 org.apache.kafka.common.errors.NotEnoughReplicasException: The size of the current ISR Set({bid}) is \
                 insufficient to satisfy the min.isr requirement of 2 for partition {topic}-{p}"
            ),
        ))
    });
    s.herring(server, "consequence", "NotEnoughReplicasException|Error processing append operation");
    if let Some(at) = recovered {
        for &p in &led {
            let others: Vec<usize> = (1..=3).filter(|&b| b != bid).collect();
            for (k, o) in others.iter().enumerate() {
                let isr_from = if k == 0 { bid.to_string() } else { format!("{bid},{}", others[0]) };
                let msg =
                    format!("[Partition {topic}-{p} broker={bid}] Expanding ISR from {isr_from} to {isr_from},{o}",);
                let t = at + s.between(SECOND, 20 * SECOND);
                s.once(server, Rec::new(t, "", "kafka.cluster.Partition", Level::Info, msg));
            }
        }
    }

    // Producers: every send acknowledged, until the batches for the stalled leader's partitions expire.
    let ppid = s.pid();
    for host in producers.clone() {
        let led = led.clone();
        s.every(producer_log, start, end, 50.0, move |rng, t| {
            let p = rng.range(0, partitions as i64 - 1) as usize;
            let id = rng.hex_string(12);
            let stuck = t >= first_expiry && t < stall_end + expiry_ms && led.contains(&p);
            let rec = if stuck {
                let n = rng.range(1, 40);
                let waited = expiry_ms + rng.range(2, 30);
                Rec::new(
                    t,
                    &host,
                    "checkout",
                    Level::Error,
                    format!(
                        "Failed to publish order event {id} to {topic}\n\
                         org.apache.kafka.common.errors.TimeoutException: Expiring {n} record(s) for {topic}-{p}:{waited} ms has passed since batch creation{suffix}"
                    ),
                )
            } else {
                Rec::new(t, &host, "checkout", Level::Info, format!("Published order event {id} to {topic}-{p}"))
            };
            Some(
                rec.pid(ppid)
                    .kv("thread", format!("kafka-producer-network-thread | producer-{}", rng.range(1, 3)))
                    .kv("logger", "com.example.checkout.events.OrderEventPublisher"),
            )
        });
    }
    s.herring(producer_log, "consequence", "Expiring \\d+ record\\(s\\)");

    // The consumer side: rebalances and failed auto-commits all day long (chronic, unrelated).
    let cpid = s.pid();
    let group = *s.rng.pick(&GROUPS);
    let ch = consumer_host.clone();
    s.every(consumer_log, start, end, 4.0, move |rng, t| {
        let client = format!("consumer-{group}-{}", rng.range(1, 4));
        let p = rng.range(0, partitions as i64 - 1);
        let (level, msg, logger) = match rng.below(3) {
            0 => (
                Level::Warn,
                format!(
                    "[Consumer clientId={client}, groupId={group}] Synchronous auto-commit of offsets {{{topic}-{p}=OffsetAndMetadata{{offset={}, leaderEpoch={}, metadata=''}}}} failed: Offset commit cannot be completed since the consumer is not part of an active group for auto partition assignment; it is likely that the consumer was kicked out of the group.",
                    rng.range(1_000_000, 90_000_000),
                    rng.range(3, 30)
                ),
                "o.a.k.c.c.internals.ConsumerCoordinator",
            ),
            1 => (
                Level::Info,
                format!("[Consumer clientId={client}, groupId={group}] Request joining group due to: group is already rebalancing"),
                "o.a.k.c.c.internals.ConsumerCoordinator",
            ),
            _ => (
                Level::Info,
                format!("Processed order batch of {} records from {topic}-{p}", rng.range(1, 500)),
                "c.e.worker.OrderBatchListener",
            ),
        };
        Some(
            Rec::new(t, &ch, "order-worker", level, msg)
                .pid(cpid)
                .kv("thread", format!("org.springframework.kafka.KafkaListenerEndpointContainer#0-0-C-{}", rng.range(1, 3)))
                .kv("logger", logger),
        )
    });
    s.herring(consumer_log, "chronic", "Synchronous auto-commit of offsets|group is already rebalancing");

    let shrink_re = format!(r"\[Partition {topic}-\d+ broker={bid}\] Shrinking ISR from [\d,]+ to {bid}\.");
    let accept: Vec<String> = vec![r"nvme\d: I/O \d+ QID \d+ timeout".to_string(), shrink_re];
    let accept: Vec<&str> = accept.iter().map(String::as_str).collect();
    let cause = cause_kernel.unwrap_or(shrink_marks[0]);
    s.cause(cause, "storage", &accept);
    s.incident(shrink_at, stall_end.min(end));
    s.description = format!(
        "Kafka broker {bid} ({stalled_host}) {} and fell behind serving its followers: ~30 s later it shrank the ISR \
         of every {topic} partition it leads ({} of {partitions}) to itself (server.log) and refused acks=all appends \
         with NotEnoughReplicasException; the checkout producers ({} hosts) then expired batches for those partitions \
         after {} s{}. No change is involved. Red herrings: consumer-group rebalances and failed auto-commits all day \
         (order-worker.log), routine segment rolls.",
        if kernel_log {
            "saw its log volume stall (NVMe command timeouts in kern.log)"
        } else {
            "had its log volume stall"
        },
        led.len(),
        producers.len(),
        expiry_ms / 1000,
        if recovered.is_some() { "; the volume recovered and the ISR expanded again" } else { "" },
    );
}

fn kernel(t: Millis, host: &str, msg: &str) -> Rec {
    Rec::new(t, host, "kernel", Level::Warn, msg)
}

/// The group coordinator on this broker: groups rebalance every few minutes (members time out
/// and rejoin), a steady INFO churn.
fn rebalances(s: &mut Scene, server: FileId, bid: usize) {
    let (start, end) = (s.start, s.end);
    let mut generation = s.rng.range(20, 400);
    let mut t = start + s.between(5 * SECOND, 2 * MINUTE);
    while t < end {
        let group = *s.rng.pick(&GROUPS);
        let part = s.rng.range(0, 49);
        let member = format!("consumer-{group}-{}-{}", s.rng.range(1, 4), s.rng.hex_string(8));
        s.once(
            server,
            Rec::new(
                t,
                "",
                "kafka.coordinator.group.GroupCoordinator",
                Level::Info,
                format!(
                    "[GroupCoordinator {bid}]: Preparing to rebalance group {group} in state PreparingRebalance with old \
                     generation {generation} (__consumer_offsets-{part}) (reason: removing member {member} on heartbeat expiration)"
                ),
            ),
        );
        generation += 1;
        let members = s.rng.range(2, 6);
        let stable = t + s.between(3 * SECOND, 10 * SECOND);
        s.once(
            server,
            Rec::new(
                stable,
                "",
                "kafka.coordinator.group.GroupCoordinator",
                Level::Info,
                format!("[GroupCoordinator {bid}]: Stabilized group {group} generation {generation} (__consumer_offsets-{part}) with {members} members"),
            ),
        );
        t += s.between(40 * SECOND, 4 * MINUTE);
    }
    s.herring(server, "chronic", "Preparing to rebalance group|Stabilized group");
}
