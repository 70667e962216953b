//! The registered families, one file each.

mod ansible_firewall;
mod cert_expiry;
mod common;
mod coredns_servfail;
mod cron_backup_io;
mod debug_logging_disk_full;
mod flag_toggle;
mod go_panic_deploy;
mod haproxy_healthcheck;
mod jvm_threads;
mod k8s_configmap_crashloop;
mod kafka_isr;
mod mariadb_max_conn;
mod netplan_mtu;
mod nginx_upstream_typo;
mod nic_link_flap;
mod oom_killer;
mod ops;
mod pg_disk_full;
mod pg_killed_backend;
mod provider_outage;
mod puppet_resolv;
mod quiet_day;
mod redis_maxmemory;
mod secret_rotation;
mod sshd_password_off;
mod systemd_nofile;
mod unattended_upgrade;

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
    Family { name: "nic-link-flap", baseline: Baseline::Medium, build: nic_link_flap::build },
    Family { name: "systemd-nofile", baseline: Baseline::Short, build: systemd_nofile::build },
    Family { name: "debug-logging-disk-full", baseline: Baseline::Short, build: debug_logging_disk_full::build },
    Family { name: "coredns-servfail", baseline: Baseline::Medium, build: coredns_servfail::build },
    Family { name: "cron-backup-io", baseline: Baseline::Medium, build: cron_backup_io::build },
    Family { name: "unattended-upgrade", baseline: Baseline::Short, build: unattended_upgrade::build },
    Family { name: "netplan-mtu", baseline: Baseline::Short, build: netplan_mtu::build },
    Family { name: "sshd-password-off", baseline: Baseline::Short, build: sshd_password_off::build },
    Family { name: "redis-maxmemory", baseline: Baseline::Short, build: redis_maxmemory::build },
    Family { name: "kafka-isr", baseline: Baseline::Medium, build: kafka_isr::build },
    Family { name: "k8s-configmap-crashloop", baseline: Baseline::Short, build: k8s_configmap_crashloop::build },
    Family { name: "jvm-threads", baseline: Baseline::Medium, build: jvm_threads::build },
    Family { name: "haproxy-healthcheck", baseline: Baseline::Short, build: haproxy_healthcheck::build },
];
