#!/usr/bin/env python3
"""Crash campaign: SIGKILL gloss in the middle of its writes, and check that nothing breaks.

Campaign A, bulk import. A bundle of E valid events (several authors, Python-signed) is
imported K times into a copy of a ledger (alternately an empty one and one that already holds a
fifth of the bundle), and each import is killed with SIGKILL after a random delay between 0 and
the measured duration of one full import. Then: the ledger opens, `gloss verify` is clean,
SQLite's integrity_check is ok, the event count is exactly the count before or the count before
plus every new event (an import is one transaction: all or nothing), and importing again
completes, leaving the same snapshot as an import that was never interrupted.

Campaign B, large sync. A server ledger holds E events; each round, a client ledger holding new
events of its own syncs with it (both directions move), and either the client (`gloss sync`) or
the server (`gloss serve`) is SIGKILLed at a random moment of the transfer, alternately. Then:
both ledgers pass `gloss verify` and integrity_check, neither lost events (counts never
decrease), the server (restarted if it was killed) serves again, and the next sync completes and
moves exactly the missing events, with `0 already here` and already=0 on the server's log line
(nothing acknowledged is sent again); both ledgers end with the same snapshot hash.

Concurrent writers. Two processes each run 30 `gloss annotate` on the same ledger at the same
time (one author: the two chains must be serialized, not forked), then two `gloss bundle import`
of disjoint bundles by different authors run in parallel while a third process annotates.
Every command must succeed and `gloss verify` must be clean.

Usage: python3 Tests/system/crash_campaign.py [--kills K] [--events E] [--seed S]
       (defaults K=5 per campaign, E=3000; the full run is --kills 20 --events 20000)
Environment: GLOSS_BIN (default .build/debug/gloss). Needs the `cryptography` package.
Prints one line per kill/case and `N passed, M failed`; exits 1 when any fails.
"""

import argparse
import os
import random
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import systest as st  # noqa: E402


# --- Campaign A: bulk import ---------------------------------------------------------------------
def campaign_import(res, work, rng, kills, n_events):
    print(f"== Campaign A: SIGKILL during `gloss bundle import` of {n_events} events ==", flush=True)
    fac = st.EventFactory([f"import-author-{i}" for i in range(4)], rng_seed=rng.random())
    events = fac.events(n_events)
    full = st.write_bundle(os.path.join(work, "full.bundle"), events)
    part_n = n_events // 5
    part = st.write_bundle(os.path.join(work, "part.bundle"), events[:part_n])

    empty = os.path.join(work, "base-empty")
    st.init(empty)
    partial = os.path.join(work, "base-partial")
    st.init(partial)
    st.must(st.gloss("--ledger", partial, "bundle", "import", part), "import of the partial bundle")

    # One full import, timed, without a kill: the reference snapshot and the kill window.
    ref = os.path.join(work, "reference")
    st.copy_ledger(empty, ref)
    p = st.popen(["--ledger", ref, "bundle", "import", full])
    t = time.monotonic()
    try:
        rc = p.wait(300)
    except subprocess.TimeoutExpired:
        rc = None
    duration = time.monotonic() - t
    ok, count, _ = st.verify(ref)
    ref_snap = st.snapshot(ref)
    if not res.report(rc == 0 and ok and count == n_events and ref_snap,
                      f"A: reference import of {n_events} events",
                      f"{duration:.2f} s, snapshot {ref_snap and ref_snap[:16]}" if rc == 0 and ok and count == n_events
                      else f"rc {rc}, verify ok={ok} count={count}"):
        return 0, 0
    st.shutil.rmtree(ref, ignore_errors=True)

    survived = 0
    k = attempts = 0
    while k < kills and attempts < kills * 4:
        attempts += 1
        base, before = (empty, 0) if k % 2 == 0 else (partial, part_n)
        led = os.path.join(work, f"import-kill-{k + 1}")
        st.copy_ledger(base, led)
        delay = rng.uniform(0, duration)
        p = st.popen(["--ledger", led, "bundle", "import", full])
        time.sleep(delay)
        if p.poll() is not None:
            # It finished first: no kill happened. Check it and draw another moment.
            p.wait()
            ok, count, _ = st.verify(led)
            if p.returncode != 0 or not ok or count != n_events:
                res.report(False, f"A: import finished before the kill at {delay:.3f} s",
                           f"rc {p.returncode}, verify ok={ok}, count {count}")
            st.shutil.rmtree(led, ignore_errors=True)
            continue
        p.kill()
        p.wait(10)
        k += 1
        problems = []
        ok, count, vr = st.verify(led)
        if not ok:
            problems.append(f"gloss verify is not clean after the kill: {vr!r}")
        integ = st.integrity(led)
        if integ != "ok":
            problems.append(f"integrity_check: {integ}")
        fc = st.frontier_count(led)
        if count not in (before, n_events):
            problems.append(f"{count} events after the kill: neither {before} (nothing) nor {n_events} (all)")
        if fc != count:
            problems.append(f"frontier says {fc} events, verify {count}")
        again = st.gloss("--ledger", led, "bundle", "import", full, timeout=300)
        m = re.search(r"Imported (\d+) new events? from .* \((\d+) already here\)", again.out)
        if not again.ok or not m:
            problems.append(f"importing again failed: {again!r}")
        elif count is not None and (int(m.group(1)), int(m.group(2))) != (n_events - count, count):
            problems.append(f"importing again: {m.group(0)}; expected {n_events - count} new, {count} already here")
        ok2, count2, vr2 = st.verify(led)
        if not ok2 or count2 != n_events:
            problems.append(f"after importing again: verify ok={ok2}, {count2} events (expected {n_events}): {vr2.text(200)}")
        snap = st.snapshot(led)
        if snap != ref_snap:
            problems.append(f"snapshot {snap} differs from the uninterrupted import's {ref_snap}")
        what = "nothing" if count == before else ("everything" if count == n_events else f"{count}")
        if res.report(not problems, f"A kill {k}/{kills}: SIGKILL after {delay:.3f} s of {duration:.2f} s "
                      f"({'empty' if before == 0 else f'{before} already held'}): stored {what}, verify clean, re-import ok",
                      "; ".join(problems)):
            survived += 1
        st.shutil.rmtree(led, ignore_errors=True)
    if k < kills:
        res.report(False, "A: kills", f"only {k} of {kills} imports were still running at the kill moment")
    return survived, k


# --- Campaign B: large sync ----------------------------------------------------------------------
class SyncWorld:
    """A pristine server ledger of E events (the client's key allowed), copied anew for each
    round, and a client template (the allowed key, the server's key allowed); each round's client
    is a copy of the template holding E/4 new events of a new author, so both directions move a
    lot and a kill of either side lands in the middle of its writes."""

    def __init__(self, work, rng, n_events):
        self.work, self.rng, self.n = work, rng, n_events
        self.pristine = os.path.join(work, "server-pristine")
        self.server_key = st.init(self.pristine)
        fac = st.EventFactory([f"server-author-{i}" for i in range(4)], rng_seed=rng.random())
        b = st.write_bundle(os.path.join(work, "server.bundle"), fac.events(n_events))
        st.must(st.gloss("--ledger", self.pristine, "bundle", "import", b, timeout=300), "server import")
        os.remove(b)
        self.template = os.path.join(work, "client-template")
        self.client_key = st.init(self.template)
        st.allow(self.pristine, self.client_key)
        st.allow(self.template, self.server_key)
        self.S = os.path.join(work, "server")
        self.server = None
        self.round = 0
        self.upload = max(100, n_events // 4)

    def fresh_server(self):
        """Stops the server, lays the pristine ledger anew and serves it."""
        if self.server is not None:
            self.server.stop()
        st.shutil.rmtree(self.S, ignore_errors=True)
        st.copy_ledger(self.pristine, self.S)
        self.start_server()

    def start_server(self):
        self.server = st.Server(self.S, self.work, ["--idle-timeout", "10"])
        if self.server.key != self.server_key:
            raise RuntimeError("the server's key changed")

    def fresh_client(self):
        self.round += 1
        c = os.path.join(self.work, f"client-{self.round}")
        st.copy_ledger(self.template, c)
        fac = st.EventFactory([f"client-{self.round}-author-{i}" for i in range(2)], rng_seed=self.rng.random())
        b = st.write_bundle(os.path.join(self.work, f"client-{self.round}.bundle"), fac.events(self.upload))
        st.must(st.gloss("--ledger", c, "bundle", "import", b, timeout=300), "client import")
        os.remove(b)
        return c

    def start_sync(self, client):
        out = open(os.path.join(self.work, f"sync-{self.round}-{time.monotonic_ns()}.out"), "w+b")
        p = st.popen(["--ledger", client, "sync", self.server.address, "--expect-key", self.server_key],
                     stdout=out, stderr=subprocess.STDOUT)
        return p, out


def ledger_bytes(ledger):
    total = 0
    for name in ("ledger.sqlite", "ledger.sqlite-wal"):
        try:
            total += os.path.getsize(os.path.join(ledger, name))
        except OSError:
            pass
    return total


def read_out(f):
    f.flush()
    f.seek(0)
    t = f.read().decode("utf-8", "replace")
    f.close()
    return t


def wait_new_session_line(server, before, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = server.session_lines()
        if len(lines) > before:
            return lines[before]
        time.sleep(0.02)
    return None


def campaign_sync(res, work, rng, kills, n_events):
    print(f"== Campaign B: SIGKILL during `gloss sync` ({n_events} events down, {max(100, n_events // 4)} up; "
          f"client and server alternately) ==", flush=True)
    w = SyncWorld(work, rng, n_events)
    E, U = n_events, w.upload
    final = E + U

    # Calibration: one uninterrupted sync. The transfer starts when either ledger first grows and
    # ends when the server logs the session; kills are drawn uniformly between the two (and, for
    # half of the server kills, within the part where the server's ledger grows: its own writes).
    w.fresh_server()
    c = w.fresh_client()
    lines0 = len(w.server.session_lines())
    c0, s0 = ledger_bytes(c), ledger_bytes(w.S)
    p, out = w.start_sync(c)
    t = time.monotonic()
    transfer = first = up_first = up_last = None
    last_s = s0
    while time.monotonic() - t < 300 and p.poll() is None:
        now = time.monotonic() - t
        cb, sb = ledger_bytes(c), ledger_bytes(w.S)
        if first is None and (cb != c0 or sb != s0):
            first = now
        if sb != last_s and transfer is None:
            up_first = now if up_first is None else up_first
            up_last, last_s = now, sb
        if transfer is None and len(w.server.session_lines()) > lines0:
            transfer = now
        time.sleep(0.002)
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(10)
    text = read_out(out)
    wall = time.monotonic() - t
    transfer = transfer or wall
    first = min(first if first is not None else 0.0, transfer * 0.5)
    up_first = up_first if up_first is not None else first
    up_last = max(up_last if up_last is not None else transfer, up_first + 0.01)
    summ = st.sync_summary(text)
    expect = (U, E, E, 0)
    good = p.returncode == 0 and summ == expect and st.snapshot(c) == st.snapshot(w.S)
    if not res.report(good, f"B: reference sync, {E} events down and {U} up",
                      f"transfer from {first:.2f} s to {transfer:.2f} s (the server writes from {up_first:.2f} s "
                      f"to {up_last:.2f} s), whole command {wall:.2f} s" if good
                      else f"rc {p.returncode}, summary {summ}, expected {expect}: {text[-400:]}"):
        w.server.kill()
        return 0, 0, {}
    st.shutil.rmtree(c, ignore_errors=True)

    survived = 0
    k = attempts = 0
    by_victim = {"client": 0, "server": 0}
    while k < kills and attempts < kills * 4:
        attempts += 1
        victim = "client" if k % 2 == 0 else "server"
        w.fresh_server()
        client = w.fresh_client()
        c_before, s_before = U, E
        problems = []
        in_upload = victim == "server" and rng.random() < 0.5
        delay = rng.uniform(up_first, up_last) if in_upload else rng.uniform(first, transfer)
        lines0 = len(w.server.session_lines())
        p, out = w.start_sync(client)
        time.sleep(delay)
        if p.poll() is not None:
            text = read_out(out)
            if p.returncode != 0:
                res.report(False, f"B: a sync that finished before the kill at {delay:.3f} s failed", text[-400:])
            st.shutil.rmtree(client, ignore_errors=True)
            continue
        k += 1
        if victim == "client":
            p.kill()
            p.wait(10)
            text = read_out(out)
            # The server notices the dead client and ends (and logs) that session.
            if wait_new_session_line(w.server, lines0, 15) is None:
                problems.append("the server did not end the session of the killed client within 15 s")
        else:
            w.server.kill()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                problems.append("gloss sync did not end within 30 s of the server's death")
                p.kill()
                p.wait(10)
            text = read_out(out)
            if p.returncode == 0 and st.sync_summary(text) is None:
                problems.append(f"gloss sync exited 0 without a summary after the server's death: {text[-300:]}")
            elif p.returncode != 0 and not text.strip():
                problems.append("gloss sync failed without a word after the server's death")
        # Both ledgers open and are sound, and neither lost anything.
        c_ok, c_after, c_run = st.verify(client)
        s_ok, s_after, s_run = st.verify(w.S)
        if not c_ok:
            problems.append(f"client verify after the kill: {c_run!r}")
        if not s_ok:
            problems.append(f"server verify after the kill: {s_run!r}")
        for name, led in (("client", client), ("server", w.S)):
            integ = st.integrity(led)
            if integ != "ok":
                problems.append(f"{name} integrity_check: {integ}")
        if c_after is not None and c_after < c_before:
            problems.append(f"the client lost events: {c_before} before the kill, {c_after} after")
        if s_after is not None and s_after < s_before:
            problems.append(f"the server lost events: {s_before} before the kill, {s_after} after")
        if victim == "server":
            # What the client says it stored before the server died must be there.
            summ = st.sync_summary(text)
            if summ and c_after is not None and c_after < c_before + summ[2]:
                problems.append(f"the client reported {summ[2]} new events stored but holds {c_after - c_before}")
        # The server (restarted if it was killed) serves; the next sync completes and moves exactly
        # what is missing: nothing acknowledged is sent again.
        if victim == "client":
            if not w.server.alive():
                problems.append(f"the server died when its client was killed: {w.server.log()[-400:]}")
                w.start_server()
        else:
            w.start_server()
        lines1 = len(w.server.session_lines())
        r = st.gloss("--ledger", client, "sync", w.server.address, "--expect-key", w.server_key, timeout=300)
        summ = st.sync_summary(r.out)
        expect = None
        if c_after is not None and s_after is not None:
            expect = (U - (s_after - s_before), E - (c_after - c_before), E - (c_after - c_before), 0)
        if not r.ok or summ is None:
            problems.append(f"the next sync failed: {r!r}")
        elif expect is not None and summ != expect:
            problems.append(f"the next sync: sent {summ[0]}, received {summ[1]} ({summ[2]} new, {summ[3]} already here); "
                            f"expected sent {expect[0]}, received {expect[1]} ({expect[2]} new, 0 already here)")
        line = wait_new_session_line(w.server, lines1, 10)
        if line is None:
            problems.append("no session log line on the server for the next sync")
        elif "outcome=ok" not in line or " already=0 " not in line:
            problems.append(f"server log of the next sync: {line[line.find('peer='):][:200]}")
        cf, sf = st.frontier_count(client), st.frontier_count(w.S)
        if cf != final or sf != final:
            problems.append(f"after the next sync: client {cf} events, server {sf}, expected {final}")
        cs, ss = st.snapshot(client), st.snapshot(w.S)
        if cs is None or cs != ss:
            problems.append(f"snapshots differ: client {cs}, server {ss}")
        printed = st.last_snapshot_line(r.out)
        if printed is not None and printed != cs:
            problems.append(f"gloss sync printed snapshot {printed}, gloss snapshot says {cs}")
        said = ""
        if victim == "server":
            lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
            said = f" (gloss sync exit {p.returncode}: {lines[0][:90] if lines else 'no output'})"
        got_down = (c_after - c_before) if c_after is not None else "?"
        got_up = (s_after - s_before) if s_after is not None else "?"
        if res.report(not problems, f"B kill {k}/{kills}: SIGKILL the {victim} after {delay:.3f} s "
                      f"({'while the server writes, ' if in_upload else ''}transfer {first:.2f}-{transfer:.2f} s): {got_down}/{E} down and {got_up}/{U} up were stored; "
                      f"resumed with nothing re-sent, snapshots equal{said}", "; ".join(problems)):
            survived += 1
            by_victim[victim] += 1
        st.shutil.rmtree(client, ignore_errors=True)
    if k < kills:
        res.report(False, "B: kills", f"only {k} of {kills} syncs were still running at the kill moment")
    w.server.stop()
    return survived, k, by_victim


# --- Concurrent writers --------------------------------------------------------------------------
def annotate_loop(ledger, article, writer, n, starts, results, barrier):
    barrier.wait(30)
    for i in range(n):
        s = starts[i]
        r = st.gloss("--ledger", ledger, "annotate", article, "--start", str(s), "--end", str(s + 5),
                     "--comment", f"writer {writer}, note {i + 1}", "--tag", f"w{writer}", timeout=60)
        results.append((writer, i, r))


def concurrent_writers(res, work, rng, n_events):
    print("== Concurrent writers on one ledger ==", flush=True)
    led = os.path.join(work, "shared")
    st.init(led)
    art = os.path.join(work, "article.txt")
    with open(art, "w") as f:
        f.write(" ".join(st.WORDS) * 4 + "\n")
    r = st.must(st.gloss("--ledger", led, "article", "add", art), "article add")
    m = re.search(r"Added article ([0-9a-f]+)", r.out)
    article = m.group(1)
    n = 30

    def run_writers(label, extra=None):
        results = []
        barrier = threading.Barrier(2 + (1 if extra else 0))
        threads = [threading.Thread(target=annotate_loop,
                                    args=(led, article, wtr, n, [rng.randrange(0, 400) for _ in range(n)], results, barrier))
                   for wtr in (1, 2)]
        extra_result = []
        if extra:
            threads.append(threading.Thread(target=extra, args=(barrier, extra_result)))
        t = time.monotonic()
        for th in threads:
            th.start()
        for th in threads:
            th.join(600)
        return results, extra_result, time.monotonic() - t

    # 1. Two processes, 30 `gloss annotate` each, same ledger, same author, at the same time.
    before = st.frontier_count(led)
    results, _, took = run_writers("annotate")
    failed = [r for (_, _, r) in results if not r.ok]
    ok, count, vr = st.verify(led)
    problems = []
    if len(results) != 2 * n:
        problems.append(f"only {len(results)} of {2 * n} commands ran")
    if failed:
        problems.append(f"{len(failed)} commands failed, e.g. {failed[0]!r}")
    if not ok:
        problems.append(f"verify: {vr!r}")
    if count != before + 2 * n:
        problems.append(f"{count} events, expected {before + 2 * n}")
    front = st.gloss("--ledger", led, "frontier").out.strip()
    if front.count(":") != 2 or not front.split(":")[1] == str(before + 2 * n):
        problems.append(f"the author's chain is not 1…{before + 2 * n}: frontier {front[:200]}")
    lst = st.gloss("--ledger", led, "list", "--json")
    for wtr in (1, 2):
        got = lst.out.count(f"writer {wtr}, note ")
        if got != n:
            problems.append(f"`gloss list` shows {got} annotations of writer {wtr}, expected {n}")
    res.report(not problems, f"two processes × {n} `gloss annotate` at once on one ledger: {2 * n} events, "
               f"one chain, verify clean ({took:.1f} s)", "; ".join(problems))

    # 2. Two bundle imports of disjoint author sets in parallel, while a third process annotates.
    half = max(200, n_events // 2)
    bundles = []
    for j in (1, 2):
        fac = st.EventFactory([f"parallel-{j}-author-{i}" for i in range(2)], rng_seed=rng.random())
        bundles.append(st.write_bundle(os.path.join(work, f"parallel-{j}.bundle"), fac.events(half)))
    before = st.frontier_count(led)
    import_results = []

    def importer(bundle):
        def go(barrier, out):
            barrier.wait(30)
            out.append(st.gloss("--ledger", led, "bundle", "import", bundle, timeout=300))
        return go

    results = []
    barrier = threading.Barrier(3)
    threads = [threading.Thread(target=importer(b), args=(barrier, import_results)) for b in bundles]
    threads.append(threading.Thread(target=annotate_loop,
                                    args=(led, article, 3, n, [rng.randrange(0, 400) for _ in range(n)], results, barrier)))
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(900)
    took = time.monotonic() - t
    problems = []
    bad = [r for r in import_results if not r.ok] + [r for (_, _, r) in results if not r.ok]
    if len(import_results) != 2 or len(results) != n:
        problems.append(f"{len(import_results)} imports and {len(results)} annotates finished")
    if bad:
        problems.append(f"{len(bad)} commands failed, e.g. {bad[0]!r}")
    for r in import_results:
        if r.ok and f"Imported {half} new" not in r.out:
            problems.append(f"unexpected import output: {r.out.strip()[:200]}")
    ok, count, vr = st.verify(led)
    if not ok:
        problems.append(f"verify: {vr!r}")
    if count != before + 2 * half + n:
        problems.append(f"{count} events, expected {before + 2 * half + n}")
    res.report(not problems, f"two parallel `gloss bundle import` of {half} events each (disjoint authors) "
               f"+ {n} `gloss annotate`: all succeed, verify clean ({took:.1f} s)", "; ".join(problems))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=5, help="kills per campaign (default 5; full run 20)")
    ap.add_argument("--events", type=int, default=3000, help="events in the bundle / on the server (default 3000; full 20000)")
    ap.add_argument("--seed", type=int, default=None, help="random seed (printed; reuse it to reproduce a run)")
    args = ap.parse_args()
    st.install_signal_handlers()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    res = st.Results()
    started = time.monotonic()
    print(f"gloss: {st.GLOSS}; seed {seed}; {args.kills} kills per campaign; {args.events} events", flush=True)
    if not os.access(st.GLOSS, os.X_OK):
        print(f"no gloss binary at {st.GLOSS} (set GLOSS_BIN)")
        print("0 passed, 1 failed")
        return 1
    work = st.tempdir("gloss-crash-")
    a = b = (0, 0)
    by_victim = {}
    try:
        try:
            os.mkdir(os.path.join(work, "a"))
            a = campaign_import(res, os.path.join(work, "a"), rng, args.kills, args.events)
        except Exception as e:  # a campaign that cannot run is a failure, not a crash of the script
            res.report(False, "campaign A could not run", f"{type(e).__name__}: {e}")
        try:
            os.mkdir(os.path.join(work, "b"))
            s, k, by_victim = campaign_sync(res, os.path.join(work, "b"), rng, args.kills, args.events)
            b = (s, k)
        except Exception as e:
            res.report(False, "campaign B could not run", f"{type(e).__name__}: {e}")
        try:
            os.mkdir(os.path.join(work, "c"))
            concurrent_writers(res, os.path.join(work, "c"), rng, args.events)
        except Exception as e:
            res.report(False, "concurrent writers could not run", f"{type(e).__name__}: {e}")
    finally:
        st.cleanup()
    print(f"kills survived: campaign A (bulk import) {a[0]}/{a[1]}; campaign B (sync) {b[0]}/{b[1]}"
          + (f" (client killed {by_victim.get('client', 0)}, server killed {by_victim.get('server', 0)})" if by_victim else "")
          + f"; seed {seed}; {time.monotonic() - started:.1f} s", flush=True)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
