//! The registered families, one file each.

mod common;
mod flag_toggle;
mod haproxy_healthcheck;
mod jvm_threads;
mod k8s_configmap_crashloop;
mod kafka_isr;
mod redis_maxmemory;

use super::{Baseline, Family};

/// Every family the kit knows, in the order reports list them.
pub const ALL: &[Family] = &[
    Family { name: "flag-toggle", baseline: Baseline::Short, build: flag_toggle::build },
    Family { name: "redis-maxmemory", baseline: Baseline::Short, build: redis_maxmemory::build },
    Family { name: "kafka-isr", baseline: Baseline::Medium, build: kafka_isr::build },
    Family { name: "k8s-configmap-crashloop", baseline: Baseline::Short, build: k8s_configmap_crashloop::build },
    Family { name: "jvm-threads", baseline: Baseline::Medium, build: jvm_threads::build },
    Family { name: "haproxy-healthcheck", baseline: Baseline::Short, build: haproxy_healthcheck::build },
];
