//! The registered families, one file each.

mod ansible_firewall;
mod cert_expiry;
mod common;
mod flag_toggle;
mod go_panic_deploy;
mod haproxy_healthcheck;
mod jvm_threads;
mod k8s_configmap_crashloop;
mod kafka_isr;
mod mariadb_max_conn;
mod nginx_upstream_typo;
mod oom_killer;
mod pg_disk_full;
mod pg_killed_backend;
mod provider_outage;
mod puppet_resolv;
mod quiet_day;
mod redis_maxmemory;
mod secret_rotation;

use super::{Baseline, Family};

/// Every family the kit knows, in the order reports list them.
pub const ALL: &[Family] = &[
    Family { name: "flag-toggle", baseline: Baseline::Short, build: flag_toggle::build },
    Family { name: "ansible-firewall", baseline: Baseline::Medium, build: ansible_firewall::build },
    Family { name: "provider-outage", baseline: Baseline::Medium, build: provider_outage::build },
    Family { name: "puppet-resolv", baseline: Baseline::Long, build: puppet_resolv::build },
    Family { name: "cert-expiry", baseline: Baseline::Short, build: cert_expiry::build },
    Family { name: "secret-rotation", baseline: Baseline::Short, build: secret_rotation::build },
    Family { name: "go-panic-deploy", baseline: Baseline::Medium, build: go_panic_deploy::build },
    Family { name: "mariadb-max-conn", baseline: Baseline::Short, build: mariadb_max_conn::build },
    Family { name: "pg-killed-backend", baseline: Baseline::Short, build: pg_killed_backend::build },
    Family { name: "pg-disk-full", baseline: Baseline::Short, build: pg_disk_full::build },
    Family { name: "nginx-upstream-typo", baseline: Baseline::Short, build: nginx_upstream_typo::build },
    Family { name: "oom-killer", baseline: Baseline::Medium, build: oom_killer::build },
    Family { name: "kit-quiet-day", baseline: Baseline::Short, build: quiet_day::build },
    Family { name: "redis-maxmemory", baseline: Baseline::Short, build: redis_maxmemory::build },
    Family { name: "kafka-isr", baseline: Baseline::Medium, build: kafka_isr::build },
    Family { name: "k8s-configmap-crashloop", baseline: Baseline::Short, build: k8s_configmap_crashloop::build },
    Family { name: "jvm-threads", baseline: Baseline::Medium, build: jvm_threads::build },
    Family { name: "haproxy-healthcheck", baseline: Baseline::Short, build: haproxy_healthcheck::build },
];
