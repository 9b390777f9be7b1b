#!/usr/bin/env python3
"""Checks Protocol/vectors/reconcile.json with reconcile.py, an implementation written from
Protocol/RECONCILE.md: every message byte for byte, what each side learns, and a few refusals.
Prints one line per check and `N passed, M failed`; exits non-zero on any failure."""
import hashlib
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reconcile as rc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok    {name}")
    else:
        failed += 1
        print(f"FAIL  {name} {detail}")


def author(k):
    return hashlib.sha256(b"gloss/reconcile/vector/author" + struct.pack(">I", k)).digest()


def entry(k, bump=False, fork=False):
    s = 1 + k % 5 + (1 if bump else 0)
    i = hashlib.sha256(b"gloss/reconcile/vector/id" + struct.pack(">IQB", k, s, 1 if fork else 0)).digest()
    return (author(k), s, i)


def side(n, edits):
    es = [entry(k, k in edits["bump"], k in edits["fork"]) for k in range(n) if k not in edits["drop"]]
    return sorted(es)


def text(d):
    return {a.hex(): "absent" if t is None else f"{t[0]}:{t[1].hex()}" for a, t in d.items()}


def refuses(entries, body, code):
    try:
        rc.Reconciler(entries).receive(body)
    except rc.ReconcileError as e:
        return e.code == code
    return False


vectors = json.load(open(os.path.join(HERE, "reconcile.json")))
for case in vectors["cases"]:
    a, b = side(case["authors"], case["initiator"]), side(case["authors"], case["responder"])
    ini, res = rc.Reconciler(a), rc.Reconciler(b)
    got = [ini.start()]
    while True:
        reply = (res if len(got) % 2 else ini).receive(got[-1])
        if reply is None:
            break
        got.append(reply)
    want = case["messages"]
    check(f"{case['name']}: {len(want)} messages", len(got) == len(want), f"got {len(got)}")
    for n, (g, w) in enumerate(zip(got, want)):
        who = "initiator" if n % 2 == 0 else "responder"
        check(f"{case['name']}: message {n + 1} ({who}, {len(w) // 2} bytes)", g.hex() == w)
    check(f"{case['name']}: both sides complete", ini.complete and res.complete)
    check(f"{case['name']}: initiator's differences", text(ini.differences) == case["initiatorDifferences"])
    check(f"{case['name']}: responder's differences", text(res.differences) == case["responderDifferences"])
    # Truth, computed directly from the two sets.
    da, db = {e[0]: e for e in a}, {e[0]: e for e in b}
    truth = {k.hex(): ("absent" if k not in db else f"{db[k][1]}:{db[k][2].hex()}")
             for k in set(da) | set(db) if da.get(k) != db.get(k)}
    check(f"{case['name']}: differences are the true ones", truth == case["initiatorDifferences"])

# Refusals (§9), against the small case's responder.
small = side(vectors["cases"][0]["authors"], vectors["cases"][0]["responder"])
check("refuses an empty body", refuses(small, b"", "malformed"))
check("refuses a body not ending at ∞", refuses(small, bytes([1, 0x80, 0]), "malformed"))
check("refuses bytes after ∞", refuses(small, bytes([255, 0, 0]), "malformed"))
check("refuses unsorted bounds", refuses(small, bytes([1, 0x80, 0, 1, 0x40, 0, 255, 0]), "malformed"))
check("refuses a bound prefix ending in zero", refuses(small, bytes([2, 0x80, 0, 0, 255, 0]), "malformed"))
check("refuses an oversized entry count", refuses(small, bytes([255, 2, 0xFF, 0xFF]), "malformed"))
check("refuses an ANSWER to nothing listed", refuses(small, bytes([255, 3, 0, 0, 0, 0]), "protocol-violation"))
check("refuses a body over 1 MiB", refuses(small, bytes(rc.MAX_MESSAGE + 1), "too-large"))
r = rc.Reconciler(small)
body = bytes([255, 1]) + bytes([9]) * 16
code = None
for _ in range(rc.MAX_RECEIVED + 1):
    try:
        r.receive(body)
    except rc.ReconcileError as e:
        code = e.code
        break
check("refuses endless rounds", code == "protocol-violation" and r.received == rc.MAX_RECEIVED + 1)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
