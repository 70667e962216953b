//! A Go service panics on requests after its deploy. The deploy is in ArgoCD's logfmt log and the
//! nodes' kubelet journal (node names); the panics are in the new pods' CRI container logs (pod
//! names). Another application's sync minutes before is unrelated.

use super::common::{edge_traffic, request_id};
use crate::kit::{FileId, Fmt, Level, Rec, Scene, MINUTE, SECOND};

pub fn build(s: &mut Scene) {
    let svc = *s.rng.pick(&["cart", "pricing", "inventory"]);
    let nodes = s.hosts("ip-node", 3);
    let old_rs = s.rng.hex_string(9);
    let new_rs = s.rng.hex_string(9);
    let pods = s.rng.range(2, 3) as usize;
    let old_pods: Vec<String> = (0..pods).map(|_| format!("{svc}-{old_rs}-{}", s.rng.hex_string(5))).collect();
    let new_pods: Vec<String> = (0..pods).map(|_| format!("{svc}-{new_rs}-{}", s.rng.hex_string(5))).collect();
    let version = format!("v1.{}.{}", s.rng.range(4, 19), s.rng.range(0, 9));
    let rev = s.rng.hex_string(7);
    let argocd = s.file("argocd-application-controller.log", Fmt::Logfmt);
    let kubelet = s.file("nodes-journal.log", Fmt::JournalShortIso);
    let ingress = s.file("ingress-nginx.log", Fmt::Cri(Box::new(Fmt::NginxAccess)));
    let (start, trigger, end) = (s.start, s.trigger, s.end);
    let rolled_back = trigger + s.between(4 * MINUTE, 8 * MINUTE);
    let other = trigger - s.between(3 * MINUTE, 9 * MINUTE);
    let swap = trigger + 20 * SECOND;

    let sync = |s: &mut Scene, t, app: &str, rev: &str| {
        let a = format!("argocd/{app}");
        let first = s.once(
            argocd,
            Rec::new(t, "", "argocd", Level::Info, format!("Initiated automated sync to '{rev}'"))
                .kv("application", a.clone())
                .kv("dest-namespace", "shop"),
        );
        s.once(
            argocd,
            Rec::new(t + 3 * SECOND, "", "argocd", Level::Info, "Updated sync status: OutOfSync -> Synced")
                .kv("application", a.clone())
                .kv("dest-namespace", "shop"),
        );
        s.once(
            argocd,
            Rec::new(t + 5 * SECOND, "", "argocd", Level::Info, format!("Sync operation to {rev} succeeded"))
                .kv("application", a)
                .kv("dest-namespace", "shop"),
        );
        first
    };
    let other_rev = s.rng.hex_string(7);
    sync(s, other, "notifications", &other_rev);
    let cause = sync(s, trigger, svc, &rev);
    s.herring(argocd, "unrelated-change", "application=argocd/notifications");
    // Routine reconciliation lines.
    let svc_app = format!("argocd/{svc}");
    s.every(argocd, start, end, 2.0, move |rng, t| {
        let app = if rng.chance(0.5) { svc_app.clone() } else { "argocd/notifications".to_string() };
        Some(
            Rec::new(t, "", "argocd", Level::Info, "Reconciliation completed")
                .kv("application", app)
                .kv("time_ms", rng.range(40, 400)),
        )
    });

    // kubelet on the nodes: new pods start with the new image, old ones stop; the rollback reverses it.
    for (i, (old, new)) in old_pods.iter().zip(&new_pods).enumerate() {
        let node = nodes[i % nodes.len()].clone();
        let t = trigger + 6 * SECOND + i as i64 * 4 * SECOND;
        let kpid = 1200 + i as u32;
        let kl =
            |s: &mut Scene, t, msg: String| s.once(kubelet, Rec::new(t, &node, "kubelet", Level::Info, msg).pid(kpid));
        kl(
            s,
            t,
            format!("I{} {kpid} kubelet.go:2421] \"SyncLoop ADD\" source=\"api\" pods=[\"shop/{new}\"]", klog_stamp(t)),
        );
        kl(s, t + 1500, format!("I{} {kpid} kuberuntime_manager.go:1021] \"Container image pulled\" image=\"registry.example.com/shop/{svc}:{version}\" pod=\"shop/{new}\"", klog_stamp(t + 1500)));
        kl(s, swap + i as i64 * 3 * SECOND, format!("I{} {kpid} kuberuntime_container.go:779] \"Killing container with a grace period\" pod=\"shop/{old}\" containerName=\"{svc}\" gracePeriod=30", klog_stamp(swap)));
    }

    // The pods: old ones serve until swapped out, new ones panic on a share of requests until the rollback.
    let mut pod_files: Vec<FileId> = Vec::new();
    for (i, pod) in old_pods.iter().chain(&new_pods).enumerate() {
        let is_new = i >= pods;
        let f = s.file(&format!("{pod}_shop_{svc}.log"), Fmt::Cri(Box::new(Fmt::Zap)));
        if is_new {
            pod_files.push(f);
        }
        let (from, to) =
            if is_new { (trigger + 8 * SECOND, rolled_back) } else { (start, swap + i as i64 * 3 * SECOND) };
        let pod_name = pod.clone();
        s.every(f, from, to, 40.0, move |rng, t| {
            let rec = if is_new && rng.chance(0.45) {
                let peer = format!("10.42.{}.{}:{}", rng.range(0, 3), rng.range(2, 250), rng.range(30000, 60000));
                Rec::new(t, &pod_name, svc, Level::Error, format!("http: panic serving {peer}: runtime error: invalid memory address or nil pointer dereference\ngoroutine {} [running]:\nnet/http.(*conn).serve.func1()\n\t/usr/local/go/src/net/http/server.go:1947 +0xbe\npanic({{0x1a2b3c0?, 0x2c4d5e0?}})\n\t/usr/local/go/src/runtime/panic.go:785 +0x132\nexample.com/shop/{svc}/internal/api.(*Handler).Quote(0xc000182000, {{0x1e3f4a8, 0xc0004a6000}}, 0xc00051e000)\n\t/src/internal/api/quote.go:88 +0x1d4", rng.range(100, 9000))).own(Fmt::GoLog)
            } else {
                Rec::new(t, &pod_name, svc, Level::Info, "request handled").kv("path", "/v1/quote").kv("status", 200).kv("request_id", request_id(rng))
            };
            Some(rec)
        });
    }
    // After the rollback, the old replica set comes back (new pods of the old version).
    let back = format!("{svc}-{old_rs}-{}", s.rng.hex_string(5));
    let fb = s.file(&format!("{back}_shop_{svc}.log"), Fmt::Cri(Box::new(Fmt::Zap)));
    s.every(fb, rolled_back + 5 * SECOND, end, 40.0, move |rng, t| {
        Some(
            Rec::new(t, &back, svc, Level::Info, "request handled")
                .kv("path", "/v1/quote")
                .kv("status", 200)
                .kv("request_id", request_id(rng)),
        )
    });
    let rb_rev = s.rng.hex_string(7);
    sync(s, rolled_back, svc, &rb_rev);
    for f in &pod_files {
        s.herring(*f, "consequence", "http: panic serving");
    }
    let onset = trigger + 8 * SECOND;
    edge_traffic(s, ingress, "ingress", 100.0, ("GET", "/v1/quote"), 0.4, move |rng, t| {
        if t >= onset && t < rolled_back && rng.chance(0.45) {
            502
        } else {
            200
        }
    });
    s.herring(ingress, "consequence", r#"" 502 \d+ ""#);

    s.cause(
        cause,
        "deploy",
        &[&format!("Initiated automated sync to '{rev}'.*application=argocd/{svc}"), &format!("{svc}:{version}")],
    );
    s.incident(onset, rolled_back);
    s.description = format!(
        "ArgoCD synced {svc} to revision {rev} (image {svc}:{version}); the new pods (CRI logs {}) panicked on \
         about half of the /v1/quote requests ('http: panic serving … nil pointer dereference') and the ingress \
         answered 502 until the application was rolled back. The deploy names nodes (kubelet journal) while the \
         errors name pods. Red herrings: an ArgoCD sync of notifications minutes before (unrelated change); the \
         panics and 502s (consequences).",
        new_pods.join(", ")
    );
}

/// klog's `MMDD hh:mm:ss.uuuuuu` stamp (kubelet writes it inside the journal message).
fn klog_stamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().format("%m%d %H:%M:%S%.6f").to_string()
}
