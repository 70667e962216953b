//! What host operations leave in logs, shared by the Linux-host families: an Ansible play's
//! banners and per-host results, and systemd restarting a unit.

use super::super::{FileId, Level, Mark, Rec, Scene, SECOND};
use culprit::time::Millis;

/// An Ansible banner as `ansible-playbook` prints it: the title padded with stars to 80 columns.
pub fn banner(title: &str) -> String {
    let stars = 79usize.saturating_sub(title.len()).max(3);
    format!("{title} {}", "*".repeat(stars))
}

/// One line of an Ansible `log_path` file.
pub fn ansible(s: &mut Scene, file: FileId, t: Millis, pid: u32, msg: String) -> Mark {
    s.once(file, Rec::new(t, "", "ansible", Level::Info, msg).pid(pid))
}

/// A task's banner at `t` and, from a second later, `changed: [host]` for each host; returns the
/// banner's mark.
pub fn ansible_task(s: &mut Scene, file: FileId, t: Millis, pid: u32, task: &str, hosts: &[String]) -> Mark {
    let mark = ansible(s, file, t, pid, banner(&format!("TASK [{task}]")));
    for (i, h) in hosts.iter().enumerate() {
        ansible(s, file, t + SECOND + i as i64 * 300, pid, format!("changed: [{h}]"));
    }
    mark
}

/// The recap that ends a play, one line per host.
pub fn ansible_recap(s: &mut Scene, file: FileId, t: Millis, pid: u32, hosts: &[String], ok: u32, changed: u32) {
    ansible(s, file, t, pid, banner("PLAY RECAP"));
    for h in hosts {
        let counts =
            format!("ok={ok:<4} changed={changed:<4} unreachable=0    failed=0    skipped=0    rescued=0    ignored=0");
        ansible(s, file, t, pid, format!("{h:<26}: {counts}"));
    }
}

/// How systemd names a unit in its job lines: 249 and later print `unit.service - Description`,
/// older versions only the description.
#[derive(Clone, Copy)]
pub struct Systemd {
    pub names_units: bool,
}

impl Systemd {
    pub fn job(self, verb: &str, unit: &str, descr: &str, dots: &str) -> String {
        if self.names_units {
            format!("{verb} {unit}.service - {descr}{dots}")
        } else {
            format!("{verb} {descr}{dots}")
        }
    }

    /// `systemctl restart unit` on `host` from `t`: Stopping, Deactivated, Stopped, Started.
    pub fn restart(self, s: &mut Scene, file: FileId, host: &str, t: Millis, unit: &str, descr: &str) {
        let lines = [
            (0, self.job("Stopping", unit, descr, "...")),
            (200, format!("{unit}.service: Deactivated successfully.")),
            (210, self.job("Stopped", unit, descr, ".")),
            (230, self.job("Started", unit, descr, ".")),
        ];
        for (dt, msg) in lines {
            s.once(file, Rec::new(t + dt, host, "systemd", Level::Info, msg).pid(1));
        }
    }

    /// A oneshot unit (name, description) a timer starts: Starting, Deactivated, Finished.
    pub fn oneshot(
        self,
        s: &mut Scene,
        file: FileId,
        host: &str,
        t: Millis,
        (unit, descr): (&str, &str),
        took: Millis,
    ) {
        s.once(file, Rec::new(t, host, "systemd", Level::Info, self.job("Starting", unit, descr, "...")).pid(1));
        let done = format!("{unit}.service: Deactivated successfully.");
        s.once(file, Rec::new(t + took, host, "systemd", Level::Info, done).pid(1));
        s.once(
            file,
            Rec::new(t + took + 2, host, "systemd", Level::Info, self.job("Finished", unit, descr, ".")).pid(1),
        );
    }
}
