#!/usr/bin/env python3
"""Upstream for the real-server integration tests (stdlib only).

    upstream.py PORT LOG_PATH HOST_NAME

Routes:
  /ok            200
  /secret        401
  /slow?s=N      sleeps N seconds, then 200 (nginx's proxy_read_timeout turns it into a 504)
  /login?user=U  checks the database with `psql` (env UPSTREAM_PSQL, UPSTREAM_PG_*); 200 or 503;
                 UPSTREAM_PG_SQL, when set, is the statement (with %s for the user)
  /order?item=N  inserts an order into MariaDB with its client (env UPSTREAM_MYSQL,
                 UPSTREAM_MY_*); 200 or 503
  POST /upload   reads the body; 201
  anything else  404

UPSTREAM_SERVICE names the service in the log (default "auth").

Every request is logged as one JSON line {ts, level, msg, host, service, ...} to LOG_PATH,
the way a small auth service would log.
"""
import datetime
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PORT = int(sys.argv[1])
LOG_PATH = sys.argv[2]
HOST_NAME = sys.argv[3]
LOCK = threading.Lock()
LOG = open(LOG_PATH, "a", buffering=1, encoding="utf-8")
SQL = os.environ.get("UPSTREAM_PG_SQL", "select count(*) from sessions where login = '%s'")


def log(level, msg, **fields):
    now = datetime.datetime.now(datetime.timezone.utc)
    rec = {
        "ts": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": level,
        "msg": msg,
        "host": HOST_NAME,
        "service": os.environ.get("UPSTREAM_SERVICE", "auth"),
    }
    rec.update(fields)
    with LOCK:
        LOG.write(json.dumps(rec) + "\n")


def check_database(user):
    """Runs one query as the application role; returns (ok, first error line)."""
    env = dict(os.environ)
    env["PGPASSWORD"] = os.environ.get("UPSTREAM_PG_PASSWORD", "")
    env["PGCONNECT_TIMEOUT"] = "3"
    cmd = [
        os.environ.get("UPSTREAM_PSQL", "psql"),
        "-X", "-q", "-A", "-t",
        "-h", "127.0.0.1",
        "-p", os.environ.get("UPSTREAM_PG_PORT", "5432"),
        "-U", os.environ.get("UPSTREAM_PG_USER", "app"),
        "-d", os.environ.get("UPSTREAM_PG_DB", "app"),
        "-c", SQL % user.replace("'", "''"),
    ]
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=8)
    except subprocess.TimeoutExpired:
        return False, "database timeout after 8 s"
    if p.returncode == 0:
        return True, ""
    err = (p.stderr.strip().splitlines() or ["psql exit %d" % p.returncode])[0]
    return False, err


def place_order(item):
    """Inserts one order with the MariaDB client; returns (ok, first error line)."""
    cmd = [
        os.environ.get("UPSTREAM_MYSQL", "mariadb"),
        "--no-defaults", "--connect-timeout=3",
        "-h", "127.0.0.1",
        "-P", os.environ.get("UPSTREAM_MY_PORT", "3306"),
        "-u", os.environ.get("UPSTREAM_MY_USER", "app"),
        "-p" + os.environ.get("UPSTREAM_MY_PASSWORD", ""),
        "shop",
        "-e", "insert into orders(item) values (%d)" % item,
    ]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=8)
    except subprocess.TimeoutExpired:
        return False, "database timeout after 8 s"
    if p.returncode == 0:
        return True, ""
    # Without a terminal the client frames the failed statement in dashes; the error is the ERROR line.
    lines = p.stderr.strip().splitlines()
    err = next((l for l in lines if l.startswith("ERROR")), lines[0] if lines else "mariadb exit %d" % p.returncode)
    return False, err


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def answer(self, start, result, ok_msg, fail_msg, **fields):
        """Logs and answers the outcome (ok, error) of one database call: 200, or 503 with the error."""
        ok, err = result
        ms = int((time.monotonic() - start) * 1000)
        if ok:
            log("info", ok_msg, duration_ms=ms, status=200, **fields)
            self.reply(200, "ok\n")
        else:
            log("error", fail_msg + ": database error: " + err, duration_ms=ms, status=503, **fields)
            self.reply(503, "try later\n")

    def do_GET(self):
        url = urlparse(self.path)
        q = parse_qs(url.query)
        start = time.monotonic()
        if url.path == "/ok":
            log("info", "request served", path=url.path, status=200)
            self.reply(200, "ok\n")
        elif url.path == "/secret":
            log("warn", "unauthorised request", path=url.path, status=401)
            self.reply(401, "no\n")
        elif url.path == "/slow":
            time.sleep(float(q.get("s", ["3"])[0]))
            log("info", "slow request served", path=url.path, status=200)
            self.reply(200, "late\n")
        elif url.path == "/login":
            user = q.get("user", ["anonymous"])[0]
            self.answer(start, check_database(user), "login ok", "login failed", user=user)
        elif url.path == "/order":
            item = int(q.get("item", ["0"])[0])
            self.answer(start, place_order(item), "order placed", "order failed", item=item)
        else:
            log("info", "not found", path=url.path, status=404)
            self.reply(404, "not found\n")

    def do_POST(self):
        url = urlparse(self.path)
        size = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(size)
        if url.path == "/upload":
            log("info", "upload stored", path=url.path, bytes=len(body), status=201)
            self.reply(201, "stored\n")
        else:
            log("info", "not found", path=url.path, status=404)
            self.reply(404, "not found\n")

    def log_message(self, *args):
        pass  # the JSON log above is the only log


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    server.daemon_threads = True
    log("info", "upstream listening", port=PORT)
    server.serve_forever()
