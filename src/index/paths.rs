//! What a log file's path says: the host inside its name, the kubelet's container-log names, and
//! file names that say nothing about the program that wrote them.

/// `feed-api.log` → `feed-api`: a log file's extension says nothing about its service.
/// File names that say how a program logs, not which program it is (`app.log`, `stdout`,
/// `current` of runit): such a file is named by its folder.
pub(super) const GENERIC_FILE_STEMS: &[&str] = &[
    "app",
    "application",
    "main",
    "server",
    "service",
    "output",
    "out",
    "stdout",
    "stderr",
    "current",
    "console",
    "log",
    "logs",
    "messages",
    "debug",
    "info",
    "error",
    "errors",
    "trace",
    "combined",
    "all",
    "access",
    "audit",
];

/// A known host named inside a file's name between `-`, `_` or its ends (`dpkg-worker-6` →
/// `worker-6`), the longest when several are: tools that write one file per host put a prefix
/// or suffix around the host (`dpkg-HOST.log`, `HOST-slow.log`).
pub(super) fn host_within_name(stem: &str, lookup: impl Fn(&str) -> Option<u32>) -> Option<u32> {
    const MIN_HOST_LEN: usize = 3;
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(stem.match_indices(['-', '_']).flat_map(|(i, _)| [i, i + 1]))
        .chain(std::iter::once(stem.len()))
        .collect();
    let mut best: Option<(usize, u32)> = None;
    for (a, &start) in bounds.iter().enumerate().step_by(2) {
        for &end in bounds[a + 1..].iter().step_by(2) {
            let part = &stem[start..end];
            if part.len() < MIN_HOST_LEN || part.len() == stem.len() || best.is_some_and(|(l, _)| l >= part.len()) {
                continue;
            }
            if let Some(h) = lookup(part) {
                best = Some((part.len(), h));
            }
        }
    }
    best.map(|(_, h)| h)
}

/// `POD_NAMESPACE_CONTAINER-ID` (the kubelet's `/var/log/containers/` names, the container id
/// optional): (pod, namespace, container). Each part is a Kubernetes name (lower-case letters,
/// digits, `-` and `.`), so ordinary file names with underscores rarely qualify.
pub fn container_log_name(stem: &str) -> Option<(&str, &str, &str)> {
    let mut parts = stem.split('_');
    let (pod, namespace, rest) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let container = match rest.rsplit_once('-') {
        Some((name, id)) if id.len() == 64 && id.bytes().all(|c| c.is_ascii_hexdigit()) => name,
        _ => rest,
    };
    let k8s_name = |n: &str| {
        !n.is_empty()
            && n.len() <= 253
            && n.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
            && n.as_bytes()[0].is_ascii_alphanumeric()
    };
    (k8s_name(pod) && k8s_name(namespace) && k8s_name(container)).then_some((pod, namespace, container))
}

/// `WORKLOAD-TEMPLATEHASH-SUFFIX`, the name a Deployment gives its pods (`ledger-7d9f8b6c4-x2k9p`,
/// what `kubectl logs POD > POD.log` leaves behind): the workload. The template hash is 6 to 10
/// lower-case letters and digits with at least one digit, the suffix 5 of them; a name such as
/// `auth-server-proxy` does not qualify.
pub fn pod_workload(stem: &str) -> Option<&str> {
    let (rest, suffix) = stem.rsplit_once('-')?;
    let (workload, hash) = rest.rsplit_once('-')?;
    let token = |t: &str| t.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let hash_ok = (6..=10).contains(&hash.len()) && token(hash) && hash.bytes().any(|c| c.is_ascii_digit());
    let suffix_ok = suffix.len() == 5 && token(suffix);
    let workload_ok = workload.len() >= 2
        && workload.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
        && workload.as_bytes()[0].is_ascii_lowercase();
    (hash_ok && suffix_ok && workload_ok).then_some(workload)
}

pub(super) fn without_log_extension(name: &str) -> Option<&str> {
    let (stem, ext) = name.rsplit_once('.')?;
    (matches!(ext, "log" | "json" | "jsonl" | "ndjson" | "txt" | "out" | "err") && !stem.is_empty()).then_some(stem)
}
