#!/usr/bin/env python3
"""Grade culprit's ranking on folders of incidents that carry a truth.json.

Each incident folder holds its logs and truth.json (incident {start,end} or null,
cause {file, line, accept: [regex...]}, red_herrings [{file, kind, regex}]).

strict: the first cause is a likely cause, the line it is named after (its first
        evidence line) matches an accept regex, and none of its evidence lines is
        a chronic error or an unrelated change.
loose:  some evidence line of some cause matches an accept regex.
quiet:  an incident-free folder yields no likely cause.

Usage: scripts/grade_incidents.py [--bin PATH] [-v] SET_DIR [SET_DIR...]
"""
import json, os, re, subprocess, sys

def main():
    args = sys.argv[1:]
    binary = os.path.join(os.path.dirname(__file__), "..", "target", "release", "culprit")
    verbose = False
    sets = []
    while args:
        a = args.pop(0)
        if a == "--bin":
            binary = args.pop(0)
        elif a == "-v":
            verbose = True
        else:
            sets.append(a)
    strict = loose = total = quiet_ok = quiet_total = 0
    for s in sets:
        dirs = sorted(d for d in os.listdir(s) if os.path.isfile(os.path.join(s, d, "truth.json")))
        for d in dirs:
            path = os.path.join(s, d)
            truth = json.load(open(os.path.join(path, "truth.json")))
            logs = [os.path.join(path, f) for f in sorted(os.listdir(path)) if f != "truth.json"]
            out = subprocess.run([binary, "report", "--format", "json", *logs],
                                 capture_output=True, text=True)
            try:
                findings = json.loads(out.stdout)
            except json.JSONDecodeError:
                print(f"{d}: culprit failed: {out.stderr.strip()[:200]}")
                total += 1
                continue
            causes = findings.get("causes", [])
            first = causes[0] if causes else None
            if truth.get("cause") is None:
                quiet_total += 1
                ok = not any(c["verdict"] == "likely-cause" for c in causes)
                quiet_ok += ok
                head = first["title"] if first else "-"
                print(f"{'PASS' if ok else 'FAIL'} quiet {d}: {head[:100] if not ok else ''}")
                continue
            total += 1
            accept = [re.compile(a) for a in truth["cause"]["accept"]]
            bad = [(h["kind"], h["file"], re.compile(h["regex"])) for h in truth.get("red_herrings", [])
                   if h["kind"] in ("chronic", "unrelated-change")]
            def hits_accept(e):
                return any(a.search(e["text"]) for a in accept)
            def herring(e):
                name = os.path.basename(e["path"])
                return next((k for k, f, r in bad if f == name and r.search(e["text"])), None)
            is_strict = False
            why = ""
            if first is None:
                why = "no cause"
            elif first["verdict"] != "likely-cause":
                why = f"first is {first['verdict']}"
            elif not first["evidence"] or not hits_accept(first["evidence"][0]):
                why = "headline line is not the trigger"
            elif any(herring(e) for e in first["evidence"]):
                why = "evidence has " + next(herring(e) for e in first["evidence"] if herring(e))
            else:
                is_strict = True
            is_loose = any(hits_accept(e) for c in causes for e in c["evidence"])
            strict += is_strict
            loose += is_loose
            head = first["title"][:90] if first else "-"
            print(f"{'PASS' if is_strict else 'FAIL'} {d}: {'' if is_strict else why + ' | '}{head}"
                  f"{'' if is_loose else ' (not in any evidence)'}")
            if verbose and first:
                for e in first["evidence"]:
                    print(f"      {os.path.basename(e['path'])}:{e['line']} {e['text'][:110]}")
    print(f"strict {strict}/{total}, loose {loose}/{total}, quiet {quiet_ok}/{quiet_total}")

main()
