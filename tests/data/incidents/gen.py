#!/usr/bin/env python3
"""Hand-made incident fixtures for tests/incidents.rs.

Each incident is a small log bundle in the formats culprit reads, written with
its own names, hosts and wording (not those of the built-in scenario generator),
plus a truth.json naming the trigger line (path:line), or null for a quiet day.

    python3 tests/data/incidents/gen.py      # rewrites every incident folder

Deterministic: a fixed seed per incident, no clock, no environment.
"""

import json
import os
import random
import shutil
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
DAY = datetime(2025, 3, 11, tzinfo=timezone.utc)
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def at(h, m=0, s=0.0):
    return DAY + timedelta(hours=h, minutes=m, seconds=s)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def iso_s(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def clf(t):
    return "%02d/%s/%d:%s +0000" % (t.day, MONTHS[t.month - 1], t.year, t.strftime("%H:%M:%S"))


def syslog_iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%06d+00:00" % t.microsecond


def syslog_bsd(t):
    return "%s %2d %s" % (MONTHS[t.month - 1], t.day, t.strftime("%H:%M:%S"))


def nginx_err(t):
    return t.strftime("%Y/%m/%d %H:%M:%S")


def klog(t, sev):
    return "%s%s %s.%06d" % (sev, t.strftime("%m%d"), t.strftime("%H:%M:%S"), t.microsecond)


def pg(t):
    return t.strftime("%Y-%m-%d %H:%M:%S.") + "%03d UTC" % (t.microsecond // 1000)


class Bundle:
    """Lines per file, written in time order; one line may be marked as the trigger."""

    def __init__(self, name):
        self.name = name
        self.files = {}
        self.trigger = None

    def add(self, path, t, line, trigger=False):
        f = self.files.setdefault(path, [])
        f.append((t, len(f), line))
        if trigger:
            self.trigger = (path, t, line)

    def write(self, note, hosts=None):
        root = os.path.join(HERE, self.name)
        if os.path.isdir(root):
            shutil.rmtree(root)
        truth = {"note": note, "trigger": None}
        for path, lines in sorted(self.files.items()):
            lines.sort(key=lambda x: (x[0], x[1]))
            full = os.path.join(root, "logs", path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as out:
                for n, (t, _, line) in enumerate(lines, 1):
                    out.write(line + "\n")
                    if self.trigger and self.trigger[0] == path and self.trigger[2] == line:
                        truth["trigger"] = {"path": path, "line": n, "text": line, "hosts": hosts or []}
        with open(os.path.join(root, "truth.json"), "w") as out:
            json.dump(truth, out, indent=2)
            out.write("\n")


def ticks(rng, start, end, per_sec):
    """Poisson arrivals between start and end."""
    t = start
    while True:
        t += timedelta(seconds=rng.expovariate(per_sec))
        if t >= end:
            return
        yield t


def access_line(rng, t, method, path, status, size=None):
    ip = "203.0.113.%d" % rng.randint(2, 250)
    ua = rng.choice(["Mozilla/5.0 (X11; Linux x86_64)", "okhttp/4.12.0", "curl/8.5.0", "Mozilla/5.0 (iPhone)"])
    size = size if size is not None else rng.randint(200, 9000)
    return '%s - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s"' % (ip, clf(t), method, path, status, size, ua)


# (a) A payments deploy introduces an exception no rule knows, while a loud cache timeout
# that has been there all day keeps shouting.
def payments_deploy():
    rng = random.Random(101)
    b = Bundle("payments-deploy")
    start, end = at(10, 45), at(12, 45)
    deploy = at(11, 52, 10.0)
    rollback = at(12, 31, 40.0)
    pays = ["pay-1", "pay-2", "pay-3"]
    deployed = {h: deploy + timedelta(seconds=45 * i) for i, h in enumerate(pays)}
    rolled = {h: rollback + timedelta(seconds=40 * i) for i, h in enumerate(pays)}

    def broken(h, t):
        return deployed[h] + timedelta(seconds=50) <= t < rolled[h]

    # Deploy records (JSON lines from the CD tool), routine deploys of other apps too.
    for i, (t, app, ver, host) in enumerate(
        [
            (at(10, 58, 2.0), "ledger", "7.2.0", "ledger-1"),
            (at(11, 17, 31.0), "search-api", "2.0.9", "srch-1"),
            (at(11, 41, 5.0), "ledger", "7.2.1", "ledger-1"),
        ]
    ):
        b.add("cd/deployments.jsonl", t, json.dumps({"ts": iso(t), "event": "deploy.completed", "app": app,
                                                     "version": ver, "target": host, "pipeline": 4400 + i}))
    for i, h in enumerate(pays):
        t = deployed[h] - timedelta(seconds=30)
        b.add("cd/deployments.jsonl", t,
              json.dumps({"ts": iso(t), "event": "deploy.completed", "app": "payments", "version": "3.14.0",
                          "target": h, "pipeline": 4471, "note": "multi-currency rounding"}), trigger=(i == 0))
    for i, h in enumerate(pays):
        t = rolled[h] - timedelta(seconds=20)
        b.add("cd/deployments.jsonl", t,
              json.dumps({"ts": iso(t), "event": "deploy.completed", "app": "payments", "version": "3.13.4",
                          "target": h, "pipeline": 4472, "note": "rollback"}))

    # Payments application logs (JSON lines).
    def app(h, t, level, msg, **kw):
        rec = {"ts": iso(t), "level": level, "service": "payments", "host": h, "msg": msg}
        rec.update(kw)
        b.add("payments/%s.json" % h, t, json.dumps(rec))

    for h in pays:
        for t in (deployed[h], rolled[h]):
            app(h, t + timedelta(seconds=8), "info", "payments service listening on :8080",
                version="3.14.0" if t == deployed[h] else "3.13.4")
        for t in ticks(rng, start, end, 0.07):
            order = "o-%06d" % rng.randint(0, 999999)
            if broken(h, t) and rng.random() < 0.42:
                cur = rng.choice(["JPY", "KRW", "HUF"])
                app(h, t, "error", "charge failed: CurrencyRoundingError: amount %d has 3 decimal places for %s, expected 0"
                    % (rng.randint(100, 90000), cur), order_id=order)
                b.add("gateway/gw-%d.access.log" % rng.randint(1, 2), t + timedelta(milliseconds=30),
                      access_line(rng, t + timedelta(milliseconds=30), "POST", "/v2/charges", 500, 87))
            else:
                app(h, t, "info", "charge captured", order_id=order, amount_cents=rng.randint(100, 90000))
                b.add("gateway/gw-%d.access.log" % rng.randint(1, 2), t + timedelta(milliseconds=30),
                      access_line(rng, t + timedelta(milliseconds=30), "POST", "/v2/charges", 201, 312))
        # The chronic, loud one: the FX-rate cache times out all day, as often during as before.
        for t in ticks(rng, start, end, 0.05):
            app(h, t, "warn", "redis GET fx:rates:%s timed out after 50ms" % rng.choice(["EUR", "USD", "GBP"]),
                cache="fx-cache-2")

    # Other gateway traffic, with a trickle of 5xx all day.
    for t in ticks(rng, start, end, 0.2):
        path = rng.choice(["/v2/cart", "/v2/catalog/items/%d" % rng.randint(1, 9999), "/v2/profile", "/healthz"])
        status = 502 if rng.random() < 0.004 else 200
        b.add("gateway/gw-%d.access.log" % rng.randint(1, 2), t, access_line(rng, t, "GET", path, status))
    b.write("payments 3.14.0 rolled out to pay-1..3 at 11:51:40; charges in JPY/KRW/HUF fail with a new "
            "exception until the rollback at 12:31; the FX cache timeout is chronic", hosts=pays)


# (b) A certificate rotation on one of three proxies breaks its handshakes with the upstream.
def cert_rotation():
    rng = random.Random(202)
    b = Bundle("cert-rotation")
    start, end = at(8, 30), at(10, 0)
    rotate = at(9, 31, 12.2)
    lbs = ["lb-a", "lb-b", "lb-c"]
    bad = "lb-b"

    def sys(t, host, prog, msg, trigger=False):
        b.add("syslog/messages", t, "%s %s %s: %s" % (syslog_iso(t), host, prog, msg), trigger=trigger)

    for h in lbs + ["api-1", "api-2"]:
        t = start + timedelta(minutes=rng.randint(1, 20))
        while t < end:
            sys(t, h, "CRON[%d]" % rng.randint(2000, 9000), "(root) CMD (/usr/local/bin/push-metrics >/dev/null 2>&1)")
            t += timedelta(minutes=15, seconds=rng.randint(0, 20))
    # Routine daily certificate checks everywhere; the real rotation only on lb-b.
    for h in lbs:
        sys(at(8, 40, 5.0 + lbs.index(h)), h, "certmgr[811]", "checked /etc/nginx/tls/upstream-client.pem: 61 days left, nothing to do")
    sys(rotate, bad, "certmgr[811]",
        "rotated certificate /etc/nginx/tls/upstream-client.pem: new serial 4f:1a:9c:02, issuer CN=Example Internal CA G2",
        trigger=True)
    sys(rotate + timedelta(seconds=1.4), bad, "systemd[1]", "Reloading nginx.service - A high performance web server...")
    sys(rotate + timedelta(seconds=1.6), bad, "systemd[1]", "Reloaded nginx.service - A high performance web server.")
    # A red herring: an unrelated change on an API host a few minutes earlier.
    sys(at(9, 24, 40.0), "api-2", "sudo[4410]", "ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/bin/apt-get install -y htop")
    sys(at(9, 24, 52.0), "api-2", "systemd[1]", "Started unattended-upgrades.service - Unattended Upgrades Shutdown.")

    broken_from = rotate + timedelta(seconds=3)
    for h in lbs:
        conn = rng.randint(10000, 90000)
        for t in ticks(rng, start, end, 0.12):
            path = rng.choice(["/api/cart", "/api/items/%d" % rng.randint(1, 5000), "/api/orders", "/static/app.js"])
            upstream = "10.20.0.%d" % rng.choice([11, 12])
            conn += 1
            if h == bad and t >= broken_from and not path.startswith("/static"):
                b.add("%s/error.log" % h, t, '%s [error] 2211#2211: *%d SSL_do_handshake() failed (SSL: error:0A000412:SSL '
                      'routines::sslv3 alert bad certificate:SSL alert number 42) while SSL handshaking to upstream, '
                      'client: 198.51.100.%d, server: shop.example.net, request: "GET %s HTTP/1.1", upstream: '
                      '"https://%s:8443%s", host: "shop.example.net"'
                      % (nginx_err(t), conn, rng.randint(2, 250), path, upstream, path))
                b.add("%s/access.log" % h, t, access_line(rng, t, "GET", path, 502, 157))
            else:
                status = 504 if rng.random() < 0.003 else 200
                if status == 504:
                    b.add("%s/error.log" % h, t, '%s [error] 2211#2211: *%d upstream timed out (110: Connection timed out) '
                          'while reading response header from upstream, client: 198.51.100.%d, server: shop.example.net, '
                          'request: "GET %s HTTP/1.1", upstream: "https://%s:8443%s"'
                          % (nginx_err(t), conn, rng.randint(2, 250), path, upstream, path))
                b.add("%s/access.log" % h, t, access_line(rng, t, "GET", path, status))
        # Chronic warning on every proxy: buffering large responses.
        for t in ticks(rng, start, end, 0.02):
            b.add("%s/error.log" % h, t, "%s [warn] 2211#2211: *%d an upstream response is buffered to a temporary file "
                  "/var/cache/nginx/proxy_temp/3/41/00000%d while reading upstream" % (nginx_err(t), conn, rng.randint(1000, 9999)))
    b.write("lb-b's upstream client certificate rotated at 09:31:12; every upstream handshake from lb-b "
            "fails (502) while lb-a and lb-c stay healthy", hosts=[bad])


# (c) A feature flag raises memory use; the kernel OOM-kills the recommender again and again.
def oom_cascade():
    rng = random.Random(303)
    b = Bundle("oom-cascade")
    start, end = at(13, 30), at(16, 0)
    flag = at(14, 50, 2.0)
    hosts = ["reco-1", "reco-2", "reco-3"]

    def flagline(t, msg, name, old, new, trigger=False):
        b.add("flags/flagd.log", t, 'time=%s level=info component=flagd msg="%s" flag=%s old=%s new=%s actor=%s'
              % (iso_s(t), msg, name, old, new, rng.choice(["mlee", "kpatel", "automation"])), trigger=trigger)

    flagline(at(13, 52, 40.0), "flag updated", "checkout.express_button", "false", "true")
    flagline(at(14, 5, 11.0), "flag updated", "search.synonyms_v3", "10%", "25%")
    flagline(flag, "flag updated", "recommender.embedding_cache_v2", "false", "true", trigger=True)
    flagline(at(15, 36, 0.0), "flag updated", "recommender.embedding_cache_v2", "true", "false")
    recovered = at(15, 37, 0.0)

    def kern(t, host, prog, msg):
        # Classic BSD syslog: no year, no sub-second part.
        b.add("syslog/kern.log", t, "%s %s %s: %s" % (syslog_bsd(t), host, prog, msg))

    # OOM kills: each host every few minutes once memory has grown (reco-2 first).
    kills = {}
    for i, h in enumerate(["reco-2", "reco-1", "reco-3"]):
        t = flag + timedelta(minutes=6 + 2.5 * i, seconds=rng.randint(0, 40))
        while t < recovered:
            kills.setdefault(h, []).append(t)
            t += timedelta(minutes=rng.uniform(5, 8))
    for h, ts in kills.items():
        for t in ts:
            pid = rng.randint(3000, 60000)
            up = rng.randint(100000, 900000)
            kern(t, h, "kernel", "[%d.%06d] recommender invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0" % (up, rng.randint(0, 999999)))
            kern(t + timedelta(milliseconds=5), h, "kernel", "[%d.%06d] Out of memory: Killed process %d (recommender) total-vm:9123456kB, anon-rss:7712345kB, file-rss:0kB, shmem-rss:0kB, UID:998 pgtables:15500kB oom_score_adj:0" % (up, rng.randint(0, 999999), pid))
            kern(t + timedelta(milliseconds=60), h, "systemd[1]", "recommender.service: A process of this unit has been killed by the OOM killer.")
            kern(t + timedelta(seconds=5), h, "systemd[1]", "recommender.service: Scheduled restart job, restart counter is at %d." % (ts.index(t) + 1))
    for h in hosts:
        for t in ticks(rng, start, end, 1 / 600):
            kern(t, h, "kernel", "[%d.%06d] TCP: request_sock_TCP: Possible SYN flooding on port 8443. Sending cookies." % (rng.randint(100000, 900000), rng.randint(0, 999999)))

    def down(h, t):
        # The recommender takes over a minute to load its embeddings again after each kill.
        return any(k <= t < k + timedelta(seconds=75) for k in kills.get(h, []))

    # Recommender (klog) and the storefront's access log in front of it.
    for h in hosts:
        f = "recommender/%s.log" % h
        for t in ticks(rng, start, end, 0.06):
            if down(h, t):
                b.add("web/access.log", t, access_line(rng, t, "GET", "/recs/home?u=%d" % rng.randint(1, 99999), 503, 0))
                continue
            b.add(f, t, "%s    4242 handler.go:88] served recommendations user=%d items=24 took=%dms"
                  % (klog(t, "I"), rng.randint(1, 99999), rng.randint(8, 90)))
            b.add("web/access.log", t, access_line(rng, t, "GET", "/recs/home?u=%d" % rng.randint(1, 99999), 200))
        for t in ticks(rng, start, end, 1 / 90):
            b.add(f, t, "%s    4242 featurestore.go:77] feature lookup miss for item=%d, using defaults"
                  % (klog(t, "E"), rng.randint(1, 50000)))
    for t in ticks(rng, start, end, 0.1):
        path = rng.choice(["/", "/product/%d" % rng.randint(1, 5000), "/cart", "/static/main.css"])
        b.add("web/access.log", t, access_line(rng, t, "GET", path, 200))
    b.write("flag recommender.embedding_cache_v2 turned on at 14:50:02; from 14:56 the kernel OOM-kills "
            "the recommender on every host every few minutes (503s) until the flag is turned off", hosts=hosts)


# (d) A quiet day: a loud chronic error, routine deploys, ordinary noise. No incident.
def quiet_day():
    rng = random.Random(404)
    b = Bundle("quiet-day")
    start, end = at(0, 0), at(4, 0)
    for i in range(4):
        t = at(0, 30 + 55 * i, rng.uniform(0, 50))
        b.add("deploy/deploys.log", t, 'ts=%s level=info msg="deploy finished" app=%s version=1.%d.%d env=prod'
              % (iso_s(t), rng.choice(["catalog", "basket", "mailer"]), 4 + i, rng.randint(0, 9)))
    # The chronic one: a metrics exporter with a stale password, every few seconds all night.
    for t in ticks(rng, start, end, 1 / 10):
        pid = rng.randint(20000, 40000)
        b.add("pg/postgresql.log", t, '%s [%d] FATAL:  password authentication failed for user "metrics_ro"' % (pg(t), pid))
        b.add("pg/postgresql.log", t, '%s [%d] DETAIL:  Connection matched pg_hba.conf line 98: "host all all 10.0.0.0/8 scram-sha-256"' % (pg(t), pid))
    for t in ticks(rng, start, end, 1 / 300):
        b.add("pg/postgresql.log", t, "%s [811] LOG:  checkpoint complete: wrote %d buffers (0.%d%%); 0 WAL file(s) added"
              % (pg(t), rng.randint(10, 900), rng.randint(1, 9)))
    for t in ticks(rng, start, end, 0.2):
        path = rng.choice(["/basket", "/catalog/%d" % rng.randint(1, 800), "/search?q=x", "/account"])
        status = rng.choice([500, 502, 503]) if rng.random() < 0.005 else 200
        b.add("web/frontend.access.log", t, access_line(rng, t, "GET", path, status))
    for t in ticks(rng, start, end, 1 / 120):
        b.add("web/frontend.error.log", t, "%s [error] 911#911: *%d connect() failed (111: Connection refused) while "
              "connecting to upstream, client: 192.0.2.%d, server: shop, request: \"GET /search HTTP/1.1\", upstream: "
              "\"http://10.0.9.4:9200/search\"" % (nginx_err(t), rng.randint(1000, 99999), rng.randint(2, 250)))
    b.write("nothing happened: a chronic database authentication failure, routine deploys, ordinary 5xx noise")


# (e) A certificate rotation known only from an audit record; the proxies' folders name the hosts.
def tls_rotation_audit():
    rng = random.Random(5)
    b = Bundle("tls-rotation-audit")
    start, end = at(8, 30), at(10, 0)
    rotate = at(9, 31, 12.2)
    lbs = ["lb-a", "lb-b", "lb-c"]
    b.add("audit/changes.jsonl", at(8, 50), json.dumps({"time": iso(at(8,50)), "action": "dns.update", "actor": "terraform", "target": "shop.example.net", "detail": "TTL 300 -> 60"}))
    b.add("audit/changes.jsonl", rotate, json.dumps({"time": iso(rotate), "action": "certificate.rotate", "actor": "vault-agent", "target": "lb-b", "detail": "upstream client certificate, new serial 4f:1a:9c:02"}), trigger=True)
    for h in lbs:
        conn = 1000
        for t in ticks(rng, start, end, 0.12):
            path = rng.choice(["/api/cart", "/api/items/%d" % rng.randint(1, 5000), "/api/orders"])
            conn += 1
            if h == "lb-b" and t >= rotate + timedelta(seconds=3):
                b.add("%s/error.log" % h, t, '%s [error] 2211#2211: *%d SSL_do_handshake() failed (SSL: error:0A000412:SSL routines::sslv3 alert bad certificate:SSL alert number 42) while SSL handshaking to upstream, client: 198.51.100.%d, server: shop.example.net, request: "GET %s HTTP/1.1", upstream: "https://10.20.0.11:8443%s", host: "shop.example.net"' % (nginx_err(t), conn, rng.randint(2, 250), path, path))
                b.add("%s/access.log" % h, t, access_line(rng, t, "GET", path, 502, 157))
            else:
                b.add("%s/access.log" % h, t, access_line(rng, t, "GET", path, 200))
        for t in ticks(rng, start, end, 0.02):
            b.add("%s/error.log" % h, t, "%s [warn] 2211#2211: *%d an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/3/41/00000%d while reading upstream" % (nginx_err(t), conn, rng.randint(1000, 9999)))
    b.write("a certificate rotation recorded only in an audit log (target lb-b); the proxies' logs carry no "
            "host names, only their folders do; handshakes to the upstream fail on lb-b alone", hosts=["lb-b"])


# (f) No access log: a database limit lowered through an audit record; the applications' logfmt
# lines say "Too many connections" in an err field; a chronic slow-PDF warning.
def mysql_max_connections():
    rng = random.Random(6)
    b = Bundle("mysql-max-connections")
    start, end = at(6, 0), at(8, 30)
    change = at(7, 40, 3.0)
    apps = ["billing-api-1", "billing-api-2"]
    b.add("audit/dba.jsonl", at(6, 30), json.dumps({"ts": iso(at(6,30)), "event": "user.grant", "db": "billingdb", "actor": "dba-jo", "detail": "GRANT SELECT ON reports.* TO 'bi'@'%'"}))
    b.add("audit/dba.jsonl", change, json.dumps({"ts": iso(change), "event": "parameter.set", "db": "billingdb", "host": "mysql-1", "actor": "dba-jo", "detail": "SET PERSIST max_connections = 40 (was 400)"}), trigger=True)
    for t in ticks(rng, start, end, 1/200):
        b.add("mysql-1/error.log", t, "%sZ 0 [Warning] [MY-010055] [Server] IP address '10.0.3.%d' could not be resolved: Name or service not known" % (t.strftime("%Y-%m-%dT%H:%M:%S.%f"), rng.randint(2,200)))
    for h in apps:
        for t in ticks(rng, start, end, 0.3):
            if t > change + timedelta(seconds=20) and rng.random() < 0.3:
                b.add("billing/%s.log" % h, t, 'ts=%s level=error host=%s svc=billing-api msg="invoice query failed" err="SQLSTATE[HY000] [1040] Too many connections" invoice=%d' % (iso(t), h, rng.randint(1, 99999)))
            else:
                b.add("billing/%s.log" % h, t, 'ts=%s level=info host=%s svc=billing-api msg="invoice rendered" invoice=%d took_ms=%d' % (iso(t), h, rng.randint(1, 99999), rng.randint(5, 80)))
        for t in ticks(rng, start, end, 0.08):
            b.add("billing/%s.log" % h, t, 'ts=%s level=warn host=%s svc=billing-api msg="pdf renderer slow" took_ms=%d' % (iso(t), h, rng.randint(900, 3000)))
    b.write("max_connections lowered on mysql-1 (audit parameter.set); the billing API's logfmt lines say why "
            "in an err field; no access log, the window comes from error records; a slow-PDF warning is chronic")


# (g) Kubernetes: a ConfigMap patch in the API audit log (reads of ConfigMaps all along); the checkout
# pods crash-loop (their JSON lines, the kubelet's klog); the ingress answers 503 for /checkout.
def k8s_configmap():
    rng = random.Random(9)
    b = Bundle("k8s-configmap")
    start, end = at(10, 0), at(12, 0)
    change = at(11, 12, 30.0)
    def audit(t, verb, res, name, code=200, trigger=False):
        b.add("k8s/audit.jsonl", t, json.dumps({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"%08x" % rng.getrandbits(32),"stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/%s/%s" % (res, name),"verb":verb,"user":{"username":rng.choice(["alice@example.com","system:serviceaccount:argocd:argocd-application-controller"])},"objectRef":{"resource":res,"namespace":"shop","name":name},"responseStatus":{"code":code},"requestReceivedTimestamp":iso(t).replace("Z","000Z"),"stageTimestamp":iso(t + timedelta(milliseconds=12)).replace("Z","000Z")}, separators=(",",":")), trigger=trigger)
    for t in ticks(rng, start, end, 1/60):
        audit(t, "get", "configmaps", rng.choice(["cart-config","checkout-config","search-config"]))
    audit(at(10, 40), "patch", "deployments", "search")
    audit(change, "patch", "configmaps", "checkout-config", trigger=True)
    pods = ["checkout-7d9f-abcde", "checkout-7d9f-fghij"]
    nodes = ["node-a1", "node-a2"]
    crash_from = change + timedelta(seconds=40)
    for p, n in zip(pods, nodes):
        f = "checkout/%s.log" % p
        for t in ticks(rng, start, end, 0.1):
            if t >= crash_from:
                continue
            b.add(f, t, json.dumps({"time": iso(t), "level": "info", "pod": p, "msg": "checkout completed", "cart": rng.randint(1, 99999)}))
        t = crash_from + timedelta(seconds=rng.randint(0, 20))
        k = 0
        while t < end:
            b.add(f, t, json.dumps({"time": iso(t), "level": "fatal", "pod": p, "msg": "invalid configuration: payment.timeout: time: unknown unit \"sec\" in duration \"30sec\""}))
            b.add("kubelet/%s.log" % n, t + timedelta(seconds=1), '%s    2211 pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \\"StartContainer\\" for \\"checkout\\" with CrashLoopBackOff: \\"back-off %ds restarting failed container=checkout pod=%s_shop\\"" pod="shop/%s"' % (klog(t + timedelta(seconds=1), "E"), min(300, 10 * 2**k), p, p))
            t += timedelta(seconds=min(300, 10 * 2**k) + 5)
            k += 1
        for t in ticks(rng, start, end, 1/120):
            b.add("kubelet/%s.log" % n, t, '%s    2211 kubelet_volumes.go:160] "Cleaned up orphaned pod volumes dir" podUID="%08x" path="/var/lib/kubelet/pods"' % (klog(t, "I"), rng.getrandbits(32)))
    for t in ticks(rng, start, end, 0.4):
        path = rng.choice(["/checkout", "/cart", "/search?q=a", "/"])
        status = 503 if path == "/checkout" and t >= crash_from + timedelta(seconds=10) else 200
        b.add("ingress/ingress-nginx.log", t, access_line(rng, t, "POST" if path == "/checkout" else "GET", path, status))
    b.write("a ConfigMap patch at 11:12:30 gives the checkout pods a duration they cannot parse; they "
            "crash-loop and the ingress answers 503 for /checkout")


# (h) A DDL statement takes a lock on a hot table (PostgreSQL log); the shipping service's JSON lines
# time out (the reason in an `error` field) and the edge answers 504; a release of another app
# ten minutes before; a chronic connection-reset log line.
def pg_ddl_lock():
    rng = random.Random(11)
    b = Bundle("pg-ddl-lock")
    start, end = at(13, 0), at(15, 0)
    ddl = at(14, 21, 7.0)
    b.add("deploy/releases.log", at(14, 11, 40.0), 'ts=%s level=info msg="release complete" app=search-web version=8.1.0 hosts=web-7,web-8' % iso_s(at(14, 11, 40.0)))
    pgf = "db/postgresql-Tue.log"
    def pgl(t, pid, text, trigger=False):
        b.add(pgf, t, "%s [%d] %s" % (pg(t), pid, text), trigger=trigger)
    for t in ticks(rng, start, end, 1/40):
        pgl(t, rng.randint(2000, 9000), "LOG:  could not receive data from client: Connection reset by peer")
    for t in ticks(rng, start, end, 1/600):
        pgl(t, 811, "LOG:  checkpoint starting: time")
    pgl(ddl, 5120, "LOG:  statement: ALTER TABLE shipments ADD COLUMN carrier_ref text NOT NULL DEFAULT ''", trigger=True)
    locked_until = at(14, 44, 0.0)
    for h in ["ship-1", "ship-2"]:
        for t in ticks(rng, start, end, 0.12):
            if ddl + timedelta(seconds=2) <= t < locked_until and rng.random() < 0.7:
                b.add("shipping/%s.json" % h, t + timedelta(seconds=5), json.dumps({"timestamp": iso(t + timedelta(seconds=5)), "severity": "ERROR", "host": h, "service": "shipping", "message": "update shipment status failed", "error": "pq: canceling statement due to statement timeout"}))
                pid = rng.randint(9000, 20000)
                pgl(t + timedelta(seconds=1), pid, "LOG:  process %d still waiting for RowExclusiveLock on relation 16402 of database 16385 after 1000.%03d ms" % (pid, rng.randint(0, 999)))
                b.add("edge/access.log", t + timedelta(seconds=5), access_line(rng, t + timedelta(seconds=5), "POST", "/shipments/%d/status" % rng.randint(1, 99999), 504, 160))
            else:
                b.add("shipping/%s.json" % h, t, json.dumps({"timestamp": iso(t), "severity": "INFO", "host": h, "service": "shipping", "message": "shipment status updated", "shipment": rng.randint(1, 99999)}))
                b.add("edge/access.log", t, access_line(rng, t, "POST", "/shipments/%d/status" % rng.randint(1, 99999), 200))
    for t in ticks(rng, start, end, 0.25):
        b.add("edge/access.log", t, access_line(rng, t, "GET", rng.choice(["/", "/track/%d" % rng.randint(1, 9999), "/search?q=box"]), 200))
    b.write("ALTER TABLE shipments at 14:21:07 holds a lock the shipping updates wait on until 14:44")

# (i) An nginx reload on one of two proxies points an upstream at a closed port: only symptoms
# (502s and upstream connect errors) follow, no application error; a chronic upstream timeout.
def nginx_reload():
    rng = random.Random(12)
    b = Bundle("nginx-reload")
    start, end = at(16, 0), at(18, 0)
    reload_t = at(17, 5, 33.0)
    proxies = ["px01", "px02"]
    for h in proxies:
        ef = "%s/nginx/error.log" % h
        af = "%s/nginx/access.log" % h
        for t in ticks(rng, start, end, 0.015):
            b.add(ef, t, '%s [error] 77#77: *%d upstream timed out (110: Connection timed out) while reading response header from upstream, client: 192.0.2.%d, server: api.example.com, request: "GET /v1/report HTTP/1.1", upstream: "http://10.8.0.21:9000/v1/report", host: "api.example.com"' % (nginx_err(t), rng.randint(1000, 99999), rng.randint(2, 250)))
        if h == "px02":
            b.add(ef, reload_t, "%s [notice] 77#77: signal process started" % nginx_err(reload_t), trigger=True)
            b.add(ef, reload_t + timedelta(seconds=1), "%s [notice] 78#78: reconfiguring" % nginx_err(reload_t + timedelta(seconds=1)))
        for t in ticks(rng, start, end, 0.3):
            path = rng.choice(["/v1/users/%d" % rng.randint(1, 9999), "/v1/items", "/v1/report"])
            if h == "px02" and t > reload_t + timedelta(seconds=2) and path != "/v1/report":
                b.add(ef, t, '%s [error] 78#78: *%d connect() failed (111: Connection refused) while connecting to upstream, client: 192.0.2.%d, server: api.example.com, request: "GET %s HTTP/1.1", upstream: "http://10.8.0.31:8081%s", host: "api.example.com"' % (nginx_err(t), rng.randint(1000, 99999), rng.randint(2, 250), path, path))
                b.add(af, t, access_line(rng, t, "GET", path, 502, 150))
            else:
                b.add(af, t, access_line(rng, t, "GET", path, 200))
    # Syslog from both proxies: the host names are known.
    for h in proxies:
        for t in ticks(rng, start, end, 1/900):
            b.add("syslog/messages", t, "%s %s CRON[%d]: (root) CMD (run-parts /etc/cron.hourly)" % (syslog_iso(t), h, rng.randint(1000, 9000)))
    b.write("nginx on px02 reloaded at 17:05:33 with an upstream on a closed port; 502s on px02 only", hosts=["px02"])


# (j) Another quiet day: traffic triples from 08:00 (the morning rise) with the same small share
# of 502s, so there are three times as many failures; a routine deploy at 07:56. No incident.
def morning_rise():
    rng = random.Random(21)
    b = Bundle("morning-rise")
    start, end = at(5, 0), at(10, 0)
    b.add("deploy/deploys.log", at(7, 56, 10.0), 'ts=%s level=info msg="deploy finished" app=storefront version=3.3.1 env=prod host=web-2' % iso_s(at(7, 56, 10.0)))
    b.add("deploy/deploys.log", at(6, 12, 10.0), 'ts=%s level=info msg="deploy finished" app=basket version=1.9.0 env=prod host=web-1' % iso_s(at(6, 12, 10.0)))
    t = start
    while t < end:
        rate = 0.3 if t < at(8, 0) else 0.3 + 0.9 * min(1.0, (t - at(8, 0)).total_seconds() / 900)
        t += timedelta(seconds=rng.expovariate(rate))
        h = rng.choice(["web-1", "web-2"])
        path = rng.choice(["/", "/product/%d" % rng.randint(1, 999), "/basket", "/search?q=x"])
        if rng.random() < 0.008:
            b.add("web/%s.access.log" % h, t, access_line(rng, t, "GET", path, 502, 150))
            b.add("app/%s.json" % h, t, json.dumps({"ts": iso(t), "level": "error", "host": h, "service": "storefront", "msg": "upstream catalog returned 502"}))
        else:
            b.add("web/%s.access.log" % h, t, access_line(rng, t, "GET", path, 200))
            if rng.random() < 0.3:
                b.add("app/%s.json" % h, t, json.dumps({"ts": iso(t), "level": "info", "host": h, "service": "storefront", "msg": "page rendered", "took_ms": rng.randint(5, 90)}))
    b.write("nothing happened: more traffic from 08:00, the same 0.8% share of 502s; routine deploys")


# (k) A third quiet day, without access logs: workers log a steady trickle of errors, an hourly
# export job's retry storm, and routine deploys. The storm at 04:00 is like those at 00:00-03:00.
def hourly_retry_storm():
    rng = random.Random(31)
    b = Bundle("hourly-retry-storm")
    start, end = at(0, 0), at(6, 0)
    for i in range(5):
        t = at(0, 50 + 65 * i, rng.uniform(0, 50))
        b.add("deploy/deploys.log", t, 'ts=%s level=info msg="deploy finished" app=worker version=2.%d.0 host=wrk-%d' % (iso_s(t), i, 1 + i % 3))
    for h in ["wrk-1", "wrk-2", "wrk-3"]:
        for t in ticks(rng, start, end, 0.05):
            b.add("workers/%s.log" % h, t, 'ts=%s level=info host=%s msg="job done" job=%d took_ms=%d' % (iso(t), h, rng.randint(1, 10**6), rng.randint(10, 900)))
        for t in ticks(rng, start, end, 1/120):
            b.add("workers/%s.log" % h, t, 'ts=%s level=error host=%s msg="job failed" err="upstream returned 500" job=%d' % (iso(t), h, rng.randint(1, 10**6)))
        for hh in range(6):
            t0 = at(hh, 0, 5)
            for k in range(rng.randint(8, 15)):
                t = t0 + timedelta(seconds=k * 2)
                b.add("workers/%s.log" % h, t, 'ts=%s level=error host=%s msg="report export failed" err="s3: SlowDown: please reduce your request rate" attempt=%d' % (iso(t), h, k + 1))
    b.write("nothing happened: an hourly retry storm like every hour before, a trickle of job errors, routine deploys")


# (l) A fleet-wide playbook rewrites chrony.conf on every host in the morning (one occasion, seven
# lines); two hours later the same kind of playbook edits the resolver config on two of four
# inventory hosts, whose lookups then fail. The earlier run must not make the later one "routine".
def resolver_playbook():
    rng = random.Random(12)
    b = Bundle("resolver-playbook")
    start, end = at(7, 30), at(10, 30)
    inv = ["stock-1", "stock-2", "stock-3", "stock-4"]
    bad = ["stock-2", "stock-4"]
    fleet = inv + ["picker-1", "picker-2", "edge-w"]
    for k, h in enumerate(fleet):
        t = at(7, 50, 4.0 + 6 * k)
        b.add("ops/playbooks.log", t, 'time=%s level=info actor=ansible run=r-301 playbook=ntp.yml host=%s task="template chrony.conf" changed=true msg="config file changed"' % (iso(t), h))
    change = at(9, 40, 6.5)
    for k, h in enumerate(bad):
        t = change + timedelta(seconds=14 * k)
        b.add("ops/playbooks.log", t, 'time=%s level=info actor=ansible run=r-377 playbook=dns.yml host=%s task="template resolved.conf" changed=true msg="config file changed"' % (iso(t), h), trigger=(k == 0))
    broken_from = change + timedelta(seconds=35)
    for h in inv:
        for t in ticks(rng, start, end, 0.08):
            if h in bad and t >= broken_from and rng.random() < 0.8:
                b.add("%s/stock.log" % h, t, 'time=%s level=error host=%s msg="stock lookup failed" err="dial tcp: lookup db-stock.internal on 127.0.0.53:53: server misbehaving"' % (iso(t), h))
            else:
                b.add("%s/stock.log" % h, t, 'time=%s level=info host=%s msg="stock lookup" sku=%d took_ms=%d' % (iso(t), h, rng.randint(1, 90000), rng.randint(2, 40)))
        # Chronic on every host: a cache that refuses now and then.
        for t in ticks(rng, start, end, 0.03):
            b.add("%s/stock.log" % h, t, 'time=%s level=error host=%s msg="cache write refused" err="OOM command not allowed when used memory > maxmemory"' % (iso(t), h))
    for t in ticks(rng, start, end, 0.3):
        failing = t >= broken_from + timedelta(seconds=2) and rng.random() < 0.4
        b.add("edge-w/access.log", t, access_line(rng, t, "GET", "/stock/%d" % rng.randint(1, 90000), 502 if failing else 200))
    b.write("a resolver config change on stock-2 and stock-4 at 09:40:06 breaks their lookups; a fleet-wide "
            "chrony playbook two hours before is one earlier occasion, not a routine", hosts=[bad[0]])


# (m) A canary deploy known only from a deploy pipeline's JSON audit record fails a share of quotes
# on one host; the rollout to the rest 40 minutes later makes it much worse. The incident starts at
# the canary, not at the bigger step. Log-rotation timers run on every host all day.
def canary_audit():
    rng = random.Random(13)
    b = Bundle("canary-audit")
    start, end = at(9, 0), at(11, 30)
    hosts = ["quote-1", "quote-2", "quote-3", "quote-4"]
    canary, promote = at(10, 5, 12.0), at(10, 46, 0.0)
    b.add("pipeline/audit.jsonl", at(9, 1, 30.0), json.dumps({"ts": iso(at(9, 1, 30.0)), "actor": "pipeline", "action": "deploy", "service": "catalog", "version": "7.2.0", "hosts": ["cat-1", "cat-2"]}))
    b.add("pipeline/audit.jsonl", canary, json.dumps({"ts": iso(canary), "actor": "pipeline", "action": "deploy", "service": "quote", "version": "3.4.0", "stage": "canary", "hosts": ["quote-4"]}), trigger=True)
    b.add("pipeline/audit.jsonl", promote, json.dumps({"ts": iso(promote), "actor": "pipeline", "action": "deploy", "service": "quote", "version": "3.4.0", "stage": "promote", "hosts": hosts[:3]}))
    for h in hosts:
        for hh in range(9, 12):
            t = at(hh, 12 + hosts.index(h), 1.0)
            b.add("%s/syslog" % h, t, "%s %s systemd[1]: Starting Rotate log files..." % (syslog_bsd(t), h))
            b.add("%s/syslog" % h, t + timedelta(seconds=3), "%s %s systemd[1]: logrotate.service: Deactivated successfully." % (syslog_bsd(t + timedelta(seconds=3)), h))
        new_from = canary + timedelta(seconds=40) if h == "quote-4" else promote + timedelta(seconds=60)
        for t in ticks(rng, start, end, 0.1):
            if t >= new_from and rng.random() < 0.45:
                b.add("%s/quote.log" % h, t, json.dumps({"ts": iso(t), "level": "error", "service": "quote", "host": h, "msg": "quote failed", "error": "java.lang.ArithmeticException: Non-terminating decimal expansion; no exact representable decimal result."}))
                b.add("gw/access.log", t, access_line(rng, t, "POST", "/v1/quotes", 500, 88))
            else:
                b.add("%s/quote.log" % h, t, json.dumps({"ts": iso(t), "level": "info", "service": "quote", "host": h, "msg": "quote served", "took_ms": rng.randint(3, 60)}))
                b.add("gw/access.log", t, access_line(rng, t, "POST", "/v1/quotes", 200))
        # Chronic: an exchange-rate feed that rate-limits all day.
        for t in ticks(rng, start, end, 0.02):
            b.add("%s/quote.log" % h, t, json.dumps({"ts": iso(t), "level": "error", "service": "quote", "host": h, "msg": "fx refresh failed", "error": "429 Too Many Requests"}))
    b.write("quote 3.4.0 deployed to the canary quote-4 at 10:05:12 (pipeline audit record); a share of its quotes "
            "fail from 10:05:52, and far more once it is promoted at 10:46", hosts=["quote-4"])


# (n) The proxy's upstream certificate expires: its own error log says so at the first 502, with no
# change anywhere. A client service logs its failed calls a few seconds later and louder; the log
# rotation timer that ran shortly before is housekeeping.
def proxy_cert_expiry():
    rng = random.Random(14)
    b = Bundle("proxy-cert-expiry")
    start, end = at(12, 0), at(14, 30)
    expiry = at(13, 30, 0.0)
    proxies = ["px-1", "px-2"]
    for h in proxies:
        for hh in range(12, 15):
            t = at(hh, 21 + proxies.index(h), 5.0)
            b.add("%s/syslog" % h, t, "%s %s systemd[1]: Starting Rotate log files..." % (syslog_bsd(t), h))
        conn = 5000
        for t in ticks(rng, start, end, 0.15):
            conn += 1
            if t >= expiry:
                b.add("%s/error.log" % h, t, '%s [error] 3121#3121: *%d upstream SSL certificate verify error: (10:certificate has expired) while SSL handshaking to upstream, client: 198.51.100.%d, server: pay.example.org, request: "POST /v2/charge HTTP/1.1", upstream: "https://10.40.0.%d:443/v2/charge"' % (nginx_err(t), conn, rng.randint(2, 250), rng.choice([21, 22])), trigger=(h == "px-1" and not b.trigger))
                b.add("%s/access.log" % h, t, access_line(rng, t, "POST", "/v2/charge", 502, 157))
            else:
                b.add("%s/access.log" % h, t, access_line(rng, t, "POST", "/v2/charge", 200))
        for t in ticks(rng, start, end, 0.02):
            b.add("%s/error.log" % h, t, "%s [warn] 3121#3121: *%d an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/1/22/000%d while reading upstream" % (nginx_err(t), conn, rng.randint(1000, 9999)))
    # The client service: a trickle of retried failures all along, a flood from a few seconds after.
    for h in ["wallet-1", "wallet-2"]:
        for t in ticks(rng, start, end, 0.002):
            b.add("%s/wallet.log" % h, t, 'time=%s level=error host=%s msg="charge failed: upstream returned 503" attempt=1' % (iso(t), h))
        for t in ticks(rng, expiry + timedelta(seconds=4), end, 0.25):
            b.add("%s/wallet.log" % h, t, 'time=%s level=error host=%s msg="charge failed: upstream returned 502" attempt=%d' % (iso(t), h, rng.randint(1, 3)))
    b.write("the proxies' upstream certificate expired at 13:30:00: their error logs say so with the first 502; "
            "the wallet's louder failures follow 4 s later", hosts=["px-1"])


# (o) A thumbnail service's deploy eight minutes earlier leaves a trickle of new errors on its own
# hosts; then a config change lowers the ledger's connection pool on two of three hosts, and their
# requests fail. Nothing the ledger logs names the thumbnail service.
def earlier_deploy_elsewhere():
    rng = random.Random(15)
    b = Bundle("earlier-deploy-elsewhere")
    start, end = at(12, 0), at(14, 30)
    herring, change = at(13, 20, 0.0), at(13, 28, 30.0)
    ledgers, bad = ["led-1", "led-2", "led-3"], ["led-1", "led-2"]
    b.add("pipeline/audit.jsonl", herring, json.dumps({"ts": iso(herring), "actor": "pipeline", "action": "deploy", "service": "thumbs", "version": "2.8.0", "hosts": ["th-1", "th-2"]}))
    b.add("pipeline/audit.jsonl", change, json.dumps({"ts": iso(change), "actor": "ops-bot", "action": "config.update", "service": "ledger", "key": "db.pool.max", "old": 50, "new": 5, "hosts": bad}), trigger=True)
    for h in ["th-1", "th-2"]:
        for t in ticks(rng, start, end, 0.05):
            b.add("%s/thumbs.log" % h, t, json.dumps({"time": iso(t), "level": "info", "service": "thumbs", "host": h, "msg": "thumbnail rendered", "ms": rng.randint(20, 300)}))
            b.add("gw/access.log", t, access_line(rng, t, "GET", "/v1/thumbs/%d" % rng.randint(1000, 99999), 200))
        for t in ticks(rng, herring + timedelta(seconds=40), end, 1 / 150.0):
            b.add("%s/thumbs.log" % h, t, json.dumps({"time": iso(t), "level": "error", "service": "thumbs", "host": h, "msg": "sprite sheet rebuild failed", "error": "image too large for atlas"}))
    for k in range(3):
        t = herring + timedelta(seconds=20 + 2 * k)
        b.add("gw/access.log", t, access_line(rng, t, "GET", "/v1/thumbs/%d" % rng.randint(1000, 99999), 502, 157))
    for h in ledgers:
        fail_from = change + timedelta(seconds=15) if h in bad else end
        for t in ticks(rng, start, end, 0.12):
            path = rng.choice(["/v1/entries", "/v1/entries", "/v1/balance"])
            method = "POST" if path == "/v1/entries" else "GET"
            if t >= fail_from and rng.random() < 0.4:
                b.add("%s/ledger.log" % h, t, 'time=%s level=error service=ledger host=%s msg="request failed" path=%s err="acquire connection: timeout after 2s (pool max 5)"' % (iso(t), h, path))
                b.add("gw/access.log", t, access_line(rng, t, method, path, 503, 96))
            else:
                b.add("%s/ledger.log" % h, t, 'time=%s level=info service=ledger host=%s msg="request served" path=%s ms=%d' % (iso(t), h, path, rng.randint(4, 80)))
                b.add("gw/access.log", t, access_line(rng, t, method, path, 200))
        # The same timeouts, rarely, on a normal morning.
        for t in [at(12, 17, 3.0 + ledgers.index(h)), at(12, 51, 40.0 + ledgers.index(h))]:
            b.add("%s/ledger.log" % h, t, 'time=%s level=error service=ledger host=%s msg="request failed" path=/v1/entries err="acquire connection: timeout after 2s (pool max 50)"' % (iso(t), h))
        # Chronic: an audit sink that has been down all day, louder than the failures.
        for t in ticks(rng, start, end, 0.05):
            b.add("%s/ledger.log" % h, t, 'time=%s level=error service=ledger host=%s msg="audit sink unavailable" err="dial tcp 10.9.0.4:5140: connect: connection refused"' % (iso(t), h))
    b.write("ledger's db pool lowered from 50 to 5 on led-1 and led-2 at 13:28:30; their requests fail from 13:28:45. "
            "The thumbs deploy at 13:20 leaves a trickle of its own errors and touches nothing the ledger uses", hosts=bad)


# (p) The bank's API slows down with no change on our side: the payout service logs failed calls
# from 15:10:05, retries hold the 5xx off until 15:11:20. A reporting service deployed ten minutes
# earlier logs a trickle of new warnings and errors of its own.
def bank_api_degraded():
    rng = random.Random(16)
    b = Bundle("bank-api-degraded")
    start, end = at(13, 0), at(16, 0)
    herring, degrade, visible = at(15, 0, 10.0), at(15, 10, 5.0), at(15, 11, 20.0)
    b.add("deploys/audit.jsonl", herring, json.dumps({"ts": iso(herring), "actor": "argocd", "action": "deploy", "service": "reports", "version": "4.1.0", "hosts": ["rep-1", "rep-2"]}))
    for h in ["rep-1", "rep-2"]:
        for t in ticks(rng, start, end, 0.03):
            b.add("%s/reports.log" % h, t, json.dumps({"@timestamp": iso(t), "level": "INFO", "service": "reports", "host": h, "message": "report generated", "rows": rng.randint(10, 5000)}))
        for t in ticks(rng, herring + timedelta(seconds=50), end, 1 / 150.0):
            b.add("%s/reports.log" % h, t, json.dumps({"@timestamp": iso(t), "level": "ERROR", "service": "reports", "host": h, "message": "export to warehouse failed, will retry", "error": "schema field missing: region"}))
    first = True
    for h in ["po-1", "po-2"]:
        for t in ticks(rng, start, end, 0.15):
            if t >= degrade and rng.random() < 0.7:
                line = json.dumps({"@timestamp": iso(t), "level": "ERROR", "service": "payout", "host": h, "message": "bank gateway call failed", "error": "context deadline exceeded (Client.Timeout exceeded while awaiting headers)", "attempt": rng.randint(1, 3)})
                b.add("%s/payout.log" % h, t, line, trigger=first)
                first = False
                status = 502 if t >= visible and rng.random() < 0.8 else 200
                b.add("edge/access.log", t, access_line(rng, t, "POST", "/v1/payouts", status, 140 if status == 502 else None))
            else:
                b.add("%s/payout.log" % h, t, json.dumps({"@timestamp": iso(t), "level": "INFO", "service": "payout", "host": h, "message": "payout accepted", "ms": rng.randint(40, 400)}))
                b.add("edge/access.log", t, access_line(rng, t, "POST", "/v1/payouts", 200))
        # Chronic: a currency cache that misses all day.
        for t in ticks(rng, start, end, 0.04):
            b.add("%s/payout.log" % h, t, json.dumps({"@timestamp": iso(t), "level": "ERROR", "service": "payout", "host": h, "message": "fx cache refresh failed", "error": "redis: nil"}))
    b.write("the bank's API times out from 15:10:05 with no change of ours; payouts fail visibly from 15:11:20. "
            "The reports deploy at 15:00:10 leaves only a trickle of its own errors", hosts=["po-1", "po-2"])


# (q) A flag turns on an off-heap cache on two of four hosts; it leaks buffers (the JVM's leak
# detector logs "release() was not called" as errors) until the kernel OOM-kills the service there.
# The leak reports use a change word in a method name: they are errors, not changes.
def flag_buffer_leak():
    rng = random.Random(17)
    b = Bundle("flag-buffer-leak")
    start, end = at(8, 0), at(10, 30)
    flag = at(9, 40, 20.0)
    hosts, bad = ["fd-1", "fd-2", "fd-3", "fd-4"], ["fd-3", "fd-4"]
    b.add("flags/audit.jsonl", at(8, 20, 5.0), json.dumps({"ts": iso(at(8, 20, 5.0)), "actor": "ana.r", "action": "flag.update", "flag": "feed.ranker_v2", "change": {"rollout_percent": [10, 25]}}))
    b.add("flags/audit.jsonl", flag, json.dumps({"ts": iso(flag), "actor": "li.w", "action": "flag.update", "flag": "feed.media_cache", "change": {"enabled": [False, True]}, "segment_members": bad}), trigger=True)

    def java(h, t, level, thread, logger, msg):
        b.add("%s/feed.log" % h, t, "%s,%03d %s [%s] %s: %s" % (t.strftime("%Y-%m-%d %H:%M:%S"), t.microsecond // 1000, level, thread, logger, msg))

    kills = {}
    for i, h in enumerate(bad):
        t = flag + timedelta(minutes=6 + 2 * i, seconds=rng.randint(0, 30))
        while t < end:
            kills.setdefault(h, []).append(t)
            t += timedelta(minutes=rng.uniform(7, 9))
    for h in hosts:
        for t in ticks(rng, start, end, 0.1):
            if any(k <= t < k + timedelta(seconds=40) for k in kills.get(h, [])):
                b.add("lb/access.log", t, access_line(rng, t, "GET", "/v1/feed?page=%d" % rng.randint(1, 9), 502, 150))
                continue
            java(h, t, "INFO", "dw-%d - GET /v1/feed" % rng.randint(1, 200), "c.f.FeedResource", "feed served items=%d took=%dms" % (rng.randint(5, 40), rng.randint(5, 90)))
            b.add("lb/access.log", t, access_line(rng, t, "GET", "/v1/feed?page=%d" % rng.randint(1, 9), 200))
        if h in bad:
            for t in ticks(rng, flag + timedelta(seconds=80), end, 1 / 150.0):
                java(h, t, "ERROR", "dw-%d - GET /v1/feed" % rng.randint(1, 200), "i.n.u.ResourceLeakDetector", "LEAK: ByteBuf.release() was not called before it's garbage-collected.")
        # Chronic: an event publisher that times out all day on every host.
        for t in ticks(rng, start, end, 0.04):
            java(h, t, "ERROR", "kafka-producer", "c.f.EventPublisher", "impression publish failed: Expiring 12 record(s) for impressions-3: 30012 ms has passed since batch creation")
        for t in kills.get(h, []):
            pid = rng.randint(3000, 60000)
            b.add("%s/syslog" % h, t, "%s %s kernel: Memory cgroup out of memory: Killed process %d (java) total-vm:9812345kB, anon-rss:6291456kB, file-rss:0kB, shmem-rss:0kB, UID:997 pgtables:14000kB oom_score_adj:0" % (syslog_bsd(t), h, pid))
            b.add("%s/syslog" % h, t + timedelta(seconds=1), "%s %s systemd[1]: feed.service: Main process exited, code=killed, status=9/KILL" % (syslog_bsd(t + timedelta(seconds=1)), h))
    b.write("flag feed.media_cache turned on for fd-3 and fd-4 at 09:40:20; leak reports from 09:41:40 and OOM "
            "kills from 09:46 on those hosts", hosts=bad)


# (r) A disk on the database host stops completing I/O: the kernel logs it 40 s before the app's
# first failures; systemd then logs that it stopped the crashed database. The stop is the crash's
# echo, not a change that caused the app's connection errors.
def disk_fault_db_stop():
    rng = random.Random(18)
    b = Bundle("disk-fault-db-stop")
    start, end = at(14, 0), at(16, 0)
    fault = at(15, 12, 43.0)
    crash = fault + timedelta(seconds=39)
    b.add("dbh-2/kern.log", fault, "%s dbh-2 kernel: [2895841.218000] nvme nvme1: I/O 712 QID 5 timeout, aborting" % syslog_bsd(fault), trigger=True)
    for k, d in enumerate([0.4, 1.1, 31.0, 31.2]):
        t = fault + timedelta(seconds=d)
        msg = "nvme nvme1: I/O %d QID 5 timeout, aborting" % (713 + k) if d < 30 else "I/O error, dev nvme1n1, sector %d op 0x1:(WRITE) flags 0x8800 phys_seg 4 prio class 2" % rng.randint(10 ** 8, 10 ** 9)
        b.add("dbh-2/kern.log", t, "%s dbh-2 kernel: [%d.%06d] %s" % (syslog_bsd(t), 2895841 + int(d), rng.randint(0, 999999), msg))
    t = fault + timedelta(seconds=32)
    b.add("dbh-2/kern.log", t, "%s dbh-2 kernel: [2895873.100000] EXT4-fs error (device nvme1n1p1): ext4_journal_check_start:83: comm mysqld: Detected aborted journal" % syslog_bsd(t))
    b.add("dbh-2/syslog", crash, "%s dbh-2 systemd[1]: mysql.service: Main process exited, code=killed, status=6/ABRT" % syslog_bsd(crash))
    b.add("dbh-2/syslog", crash + timedelta(seconds=1), "%s dbh-2 systemd[1]: Stopped mysql.service - MySQL Community Server." % syslog_bsd(crash + timedelta(seconds=1)))
    for h in ["dbh-1", "dbh-2"]:
        for hh in range(14, 16):
            for mm in range(0, 60, 10):
                t = at(hh, mm, 1.0)
                b.add("%s/syslog" % h, t, "%s %s CRON[%d]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)" % (syslog_bsd(t), h, rng.randint(1000, 60000)))
        # Chronic: firewall noise on every host.
        for t in ticks(rng, start, end, 0.2):
            b.add("%s/kern.log" % h, t, "%s %s kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.%d DST=10.20.3.%d PROTO=TCP SPT=%d DPT=23" % (syslog_bsd(t), h, rng.randint(2, 250), rng.randint(2, 40), rng.randint(1024, 65535)))
    for h in ["app-1", "app-2", "app-3"]:
        for t in ticks(rng, start, end, 0.12):
            shard2 = rng.random() < 0.5
            if shard2 and t >= crash - timedelta(seconds=3):
                b.add("%s/app.log" % h, t, json.dumps({"time": iso(t), "level": "error", "service": "listings", "host": h, "msg": "query failed", "err": "(2003, \"Can't connect to MySQL server on 'dbh-2' (111)\")"}))
                b.add("lb/access.log", t, access_line(rng, t, "GET", "/listings/%d" % rng.randint(1000, 9999), 500, 80))
            else:
                b.add("%s/app.log" % h, t, json.dumps({"time": iso(t), "level": "info", "service": "listings", "host": h, "msg": "listing served", "ms": rng.randint(3, 60)}))
                b.add("lb/access.log", t, access_line(rng, t, "GET", "/listings/%d" % rng.randint(1000, 9999), 200))
    b.write("the data disk of dbh-2 stops completing I/O at 15:12:43; mysqld crashes at 15:13:22 and systemd "
            "reports it stopped; the app cannot connect to dbh-2 from 15:13:19", hosts=["dbh-2"])


# (s) A database password is rotated; two of four hosts pick up the new one after a short burst of
# errors, the other two keep the old one and fail for half an hour. The first host to log the
# error is one that recovers: the cause's evidence must come from the hosts that keep failing.
def stale_credentials():
    rng = random.Random(19)
    b = Bundle("stale-credentials")
    start, end = at(10, 0), at(14, 45)
    rotation = at(14, 0, 3.0)
    hosts = ["stock-1", "stock-2", "stock-3", "stock-4"]
    b.add("audit/rotator.jsonl", rotation, json.dumps({"time": iso(rotation), "job": "rotate-db-creds", "action": "password.rotate", "role": "svc_stock", "db": "pg-stock-1"}))
    first = {"stock-1": rotation + timedelta(seconds=17), "stock-2": rotation + timedelta(seconds=40), "stock-3": rotation + timedelta(seconds=11), "stock-4": rotation + timedelta(seconds=13)}
    until = {"stock-1": rotation + timedelta(minutes=2, seconds=30), "stock-2": rotation + timedelta(minutes=3), "stock-3": at(14, 31), "stock-4": at(14, 31)}
    for h in hosts:
        def err(t, trigger=False):
            b.add("%s/app.log" % h, t, json.dumps({"level": 50, "time": int(t.timestamp() * 1000), "hostname": h, "err": {"type": "DatabaseError", "message": "password authentication failed for user \"svc_stock\""}, "msg": "query failed"}), trigger=trigger)
            b.add("lb/haproxy.log", t, access_line(rng, t, "GET", "/v1/stock/SKU-%d" % rng.randint(10000, 99999), 500, 90))
        err(first[h], trigger=(h == "stock-3"))
        for t in ticks(rng, start, end, 0.1):
            if first[h] < t < until[h] and rng.random() < 0.5:
                err(t)
            else:
                b.add("%s/app.log" % h, t, json.dumps({"level": 30, "time": int(t.timestamp() * 1000), "hostname": h, "msg": "request completed", "responseTime": rng.randint(3, 90)}))
                b.add("lb/haproxy.log", t, access_line(rng, t, "GET", "/v1/stock/SKU-%d" % rng.randint(10000, 99999), 200))
        # Chronic: a supplier feed that 404s all day.
        for t in ticks(rng, start, end, 0.03):
            b.add("%s/app.log" % h, t, json.dumps({"level": 50, "time": int(t.timestamp() * 1000), "hostname": h, "err": {"type": "HTTPError", "message": "Response code 404 (Not Found)"}, "msg": "supplier feed failed"}))
    b.write("svc_stock's password rotated at 14:00:03; stock-1 and stock-2 pick it up within 3 minutes, stock-3 and "
            "stock-4 keep the old one and fail until 14:31. stock-1 logs the error first in file order, stock-3 first in time",
            hosts=["stock-3", "stock-4"])


# (t) A batch job runs for the first time at 02:00 and saturates the database: statement timeouts
# and refused connections 80 s later, 5xx at the proxy. Nothing names the job; only time ties them.
# Hourly and ten-minute cron jobs ran all night: they are a schedule, not news.
def first_cron_run():
    rng = random.Random(20)
    b = Bundle("first-cron-run")
    start, end = at(22, 0) - timedelta(days=1), at(2, 40)
    job = at(2, 0, 1.5)
    slow = job + timedelta(seconds=80)
    for h in ["batch-1", "api-1", "api-2"]:
        t = start + timedelta(minutes=(["batch-1", "api-1", "api-2"].index(h)))
        t = t.replace(minute=0, second=1)
        while t < end:
            b.add("%s/syslog" % h, t, "%s %s CRON[%d]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)" % (syslog_iso(t), h, rng.randint(1000, 90000)))
            if t.minute == 17:
                b.add("%s/syslog" % h, t, "%s %s CRON[%d]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)" % (syslog_iso(t), h, rng.randint(1000, 90000)))
            t += timedelta(minutes=1) if t.minute in (16,) else timedelta(minutes=10) if t.minute not in (10,) else timedelta(minutes=7)
    b.add("batch-1/syslog", job, "%s batch-1 CRON[88123]: (billing) CMD (/opt/billing/bin/settle-ledgers --full --workers 16 >> /var/log/billing/settle.log 2>&1)" % syslog_iso(job), trigger=True)
    pid = 90000
    for t in ticks(rng, start, end, 0.05):
        pid += 1
        b.add("db/postgresql.log", t, "%s [%d] LOG:  checkpoint starting: time" % (pg(t), 1871) if rng.random() < 0.05 else "%s [%d] billing@billing LOG:  duration: %d.%03d ms  statement: SELECT 1" % (pg(t), pid, rng.randint(1, 9), rng.randint(0, 999)))
    for t in ticks(rng, slow, end, 0.3):
        pid += 1
        b.add("db/postgresql.log", t, "%s [%d] billing_api@billing ERROR:  canceling statement due to statement timeout" % (pg(t), pid))
    for h in ["api-1", "api-2"]:
        for t in ticks(rng, start, end, 0.2):
            if t >= slow and rng.random() < 0.35:
                b.add("%s/api.log" % h, t, 'level=error ts=%s caller=invoices.go:131 msg="query failed" route=/v1/invoices err="context deadline exceeded"' % iso(t))
                b.add("proxy/access.log", t, access_line(rng, t, "GET", "/v1/invoices/%d" % rng.randint(1000, 99999), 504, 0))
            else:
                b.add("%s/api.log" % h, t, 'level=info ts=%s caller=invoices.go:88 msg="request served" route=/v1/invoices took_ms=%d' % (iso(t), rng.randint(3, 80)))
                b.add("proxy/access.log", t, access_line(rng, t, "GET", "/v1/invoices/%d" % rng.randint(1000, 99999), 200))
        # Chronic: webhooks that fail all night.
        for t in ticks(rng, start, end, 0.02):
            b.add("%s/api.log" % h, t, 'level=error ts=%s caller=webhooks.go:52 msg="webhook delivery failed" status=410' % iso(t))
    b.write("settle-ledgers runs for the first time at 02:00:01 on batch-1 and saturates the database; statement "
            "timeouts from 02:01:21 and 504s at the proxy. The sysstat and hourly cron jobs are a schedule", hosts=["batch-1"])


# (u) The database volume fills: disk-usage warnings climb for an hour on the database host, then
# mysqld cannot write (errno 28). The API's writes time out 20 s later and the proxy returns 504s.
# The API has logged a warning with the same kind of timeout all day (a slow search backend): the
# timeouts are an echo of the database, and the chronic warnings must not give them an early onset.
def volume_full_timeouts():
    rng = random.Random(21)
    b = Bundle("volume-full-timeouts")
    start, end = at(6, 0), at(9, 30)
    full = at(8, 41, 12.0)
    echo = full + timedelta(seconds=20)
    for k, t in enumerate(ticks(rng, at(7, 40), end, 1 / 300.0)):
        pct = min(99, 86 + k)
        b.add("sql-a/syslog", t, "%s sql-a volcheck[%d]: %s: /srv/mysql at %d%% (threshold 85%%)" % (syslog_bsd(t), rng.randint(2000, 60000), "CRITICAL" if pct >= 95 else "WARNING", pct))
    seq = 3301
    for t in ticks(rng, start, end, 1 / 90.0):
        b.add("sql-a/mysqld.err", t, "%s %d [Note] [MY-010914] [Server] Aborted connection %d to db: 'shop' user: 'ro' host: '10.8.1.%d' (Got an error reading communication packets)." % (t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z", rng.randint(10, 900), rng.randint(1000, 9999), rng.randint(2, 60)))
    b.add("sql-a/mysqld.err", full, "%s 27 [ERROR] [MY-000035] [Server] Disk is full writing './binlog.%06d' (OS errno 28 - No space left on device). Waiting for someone to free space... Retry in 60 secs." % (full.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z", seq), trigger=True)
    for t in ticks(rng, full + timedelta(seconds=2), end, 1 / 60.0):
        b.add("sql-a/mysqld.err", t, "%s 0 [ERROR] [MY-012639] [InnoDB] Write to file ./ib_logfile1 failed at offset %d, 16384 bytes should have been written, only 0 were written. Operating system error number 28." % (t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z", rng.randint(10 ** 6, 10 ** 8)))
    for h in ["cart-1", "cart-2", "cart-3"]:
        for t in ticks(rng, start, end, 0.15):
            if t >= echo and rng.random() < 0.3:
                b.add("%s/cart.log" % h, t, 'ts=%s level=error caller=store/cart.go:77 msg="save failed" op=PUT err="context deadline exceeded"' % iso(t))
                b.add("edge/access.log", t, access_line(rng, t, "PUT", "/api/cart/%d" % rng.randint(1000, 99999), 504, 0))
            else:
                b.add("%s/cart.log" % h, t, 'ts=%s level=info caller=http/mw.go:40 msg="handled" op=GET status=200 took=%dms' % (iso(t), rng.randint(3, 90)))
                b.add("edge/access.log", t, access_line(rng, t, "GET", "/api/cart/%d" % rng.randint(1000, 99999), 200))
        # Chronic: the search backend is slow all day; the API falls back with a warning (one of
        # them a few seconds before the disk fills).
        chronic = list(ticks(rng, start, end, 1 / 120.0)) + ([full - timedelta(seconds=9)] if h == "cart-2" else [])
        for t in chronic:
            b.add("%s/cart.log" % h, t, 'ts=%s level=warn caller=search/client.go:58 msg="suggestions unavailable, using cache" err="dial tcp 10.9.4.%d:9200: i/o timeout"' % (iso(t), rng.randint(2, 9)))
    b.write("the mysql volume on sql-a fills (warnings from 07:40); mysqld cannot write from 08:41:17; the cart "
            "API's writes time out from 08:41:37 and the edge returns 504s. The search timeouts are chronic", hosts=["sql-a"])


def haproxy_ts(t):
    return "%02d/%s/%d:%s.%03d" % (t.day, MONTHS[t.month - 1], t.year, t.strftime("%H:%M:%S"), t.microsecond // 1000)


# (v) HAProxy, logging through syslog, is the only proxy: its HTTP log lines carry the status
# before the request. A playbook changes the backend's health check; every check fails, all
# servers go down and pages get 503 <NOSRV> while static files keep working. The app servers'
# PHP notices and a slow static backend are chronic.
def haproxy_check_change():
    rng = random.Random(22)
    b = Bundle("haproxy-check-change")
    start, end = at(13, 0), at(15, 30)
    push = at(14, 38, 4.5)
    reload_t = push + timedelta(seconds=3)
    down = reload_t + timedelta(seconds=7)
    apps = ["app-1", "app-2", "app-3"]
    pid = 3120

    def hap(t, msg, p=None):
        b.add("lb-a/haproxy.log", t, "%s lb-a haproxy[%d]: %s" % (syslog_bsd(t), p or pid, msg))

    b.add("ops/playbooks.log", at(13, 20), 'time=%s level=info actor=ansible run=r-88 playbook=motd.yml host=lb-a task="template motd" changed=true msg="config file changed"' % iso(at(13, 20)))
    b.add("ops/playbooks.log", push, 'time=%s level=info actor=ansible run=r-91 playbook=haproxy.yml host=lb-a task="template haproxy.cfg" changed=true msg="config file changed"' % iso(push), trigger=True)
    b.add("lb-a/syslog", reload_t, "%s lb-a systemd[1]: Reloading HAProxy Load Balancer..." % syslog_bsd(reload_t))
    for i, h in enumerate(apps):
        t = down + timedelta(seconds=i * 1.3)
        hap(t, "Server pool_app/%s is DOWN, reason: Layer7 wrong status, code: 404, info: \"Not Found\", check duration: 2ms. %d active and 0 backup servers left." % (h, 2 - i), pid + 1)
    hap(down + timedelta(seconds=3), "backend pool_app has no server available!", pid + 1)
    for t in ticks(rng, start, end, 0.6):
        client = "198.51.100.%d:%d" % (rng.randint(2, 250), rng.randint(20000, 60000))
        p = pid + 1 if t >= reload_t else pid
        if rng.random() < 0.3:
            path = rng.choice(["/assets/app.css", "/assets/logo.svg", "/assets/app.js"])
            slow = rng.random() < 0.02
            status, srv, timers = (504, "pool_static/st-1", "0/0/1/-1/30001") if slow else (200, "pool_static/st-%d" % rng.randint(1, 2), "0/0/0/2/3")
            hap(t, '%s [%s] www~ %s %s %d %d - - %s 12/12/1/0/0 0/0 "GET %s HTTP/1.1"' % (client, haproxy_ts(t), srv, timers, status, rng.randint(300, 90000), "sH--" if slow else "----", path), p)
            continue
        path = rng.choice(["/", "/cart", "/item/%d" % rng.randint(1, 9000), "/search?q=lamp"])
        if t >= down + timedelta(seconds=3):
            hap(t, '%s [%s] www~ pool_app/<NOSRV> 0/-1/-1/-1/0 503 217 - - SC-- 14/14/3/0/0 0/0 "GET %s HTTP/1.1"' % (client, haproxy_ts(t), path), p)
        else:
            h = rng.choice(apps)
            hap(t, '%s [%s] www~ pool_app/%s 0/0/1/%d/%d 200 %d - - ---- 12/12/2/1/0 0/0 "GET %s HTTP/1.1"' % (client, haproxy_ts(t), h, rng.randint(5, 90), rng.randint(95, 120), rng.randint(2000, 40000), path), p)
    for h in apps:
        for t in ticks(rng, start, end, 1 / 40.0):
            b.add("%s/php-error.log" % h, t, "[%s] PHP Warning:  Undefined array key \"utm_source\" in /srv/shop/src/Tracking.php on line %d" % (t.strftime("%d-%b-%Y %H:%M:%S UTC"), rng.choice([41, 58])))
    b.write("a playbook changes lb-a's health check at 14:38:04; every check fails, all app servers are "
            "marked down and pages get 503 <NOSRV> from 14:38:17; PHP warnings and slow static files are chronic",
            hosts=["lb-a"])


if __name__ == "__main__":
    payments_deploy()
    cert_rotation()
    oom_cascade()
    quiet_day()
    tls_rotation_audit()
    mysql_max_connections()
    k8s_configmap()
    pg_ddl_lock()
    nginx_reload()
    morning_rise()
    hourly_retry_storm()
    resolver_playbook()
    canary_audit()
    proxy_cert_expiry()
    earlier_deploy_elsewhere()
    bank_api_degraded()
    flag_buffer_leak()
    disk_fault_db_stop()
    stale_credentials()
    first_cron_run()
    volume_full_timeouts()
    haproxy_check_change()
