//! The registered families, one file each.

mod common;
mod coredns_servfail;
mod cron_backup_io;
mod debug_logging_disk_full;
mod flag_toggle;
mod netplan_mtu;
mod nic_link_flap;
mod ops;
mod sshd_password_off;
mod systemd_nofile;
mod unattended_upgrade;

use super::{Baseline, Family};

/// Every family the kit knows, in the order reports list them.
pub const ALL: &[Family] = &[
    Family { name: "flag-toggle", baseline: Baseline::Short, build: flag_toggle::build },
    Family { name: "nic-link-flap", baseline: Baseline::Medium, build: nic_link_flap::build },
    Family { name: "systemd-nofile", baseline: Baseline::Short, build: systemd_nofile::build },
    Family { name: "debug-logging-disk-full", baseline: Baseline::Short, build: debug_logging_disk_full::build },
    Family { name: "coredns-servfail", baseline: Baseline::Medium, build: coredns_servfail::build },
    Family { name: "cron-backup-io", baseline: Baseline::Medium, build: cron_backup_io::build },
    Family { name: "unattended-upgrade", baseline: Baseline::Short, build: unattended_upgrade::build },
    Family { name: "netplan-mtu", baseline: Baseline::Short, build: netplan_mtu::build },
    Family { name: "sshd-password-off", baseline: Baseline::Short, build: sshd_password_off::build },
];
