#!/usr/bin/env python3
"""Load on a hub: many clients syncing at once with several `gloss serve --store` processes
sharing one PostgreSQL (a throw-away cluster this script starts, pgcluster.py).

Part 1, convergence. C clients, each holding E events of its own two authors (signed in Python,
imported with `gloss bundle import`), allowed on the hub. Round 1: all C run `gloss sync` at the
same moment, client i with process i mod P; round 2: all again, each with the next process.
Every sync must succeed, every client must end with all C×E events and the hub's snapshot
(`gloss hub snapshot` against each client's last printed hash and `gloss snapshot` on a
sample), and `gloss hub verify` must be clean. Prints the wall time of the two rounds against
the CPU floor (every event verified once by each side that stores it, at the rate this machine's
cores verify Ed25519 now); with --check-floor the ratio must be ≤ 1.5.

Part 2 (--scaling 1,2,3): aggregate ingest. K clients (--pushers, 6) each push E events of their
own at the same moment, spread round-robin over P processes on a fresh hub, for each P; and the
same K pushes into one `gloss serve` on a SQLite ledger, in the same run. Prints events/s for
each, the ratios to SQLite, and where the CPU went (serve processes, PostgreSQL backends, both
÷ wall = cores busy) to say what bounds it.

Usage: python3 Tests/system/hub_load.py [--clients C] [--events E] [--processes P]
                                        [--scaling 1,2,3 --pushers K --push-events N] [--check-floor]
Environment: GLOSS_BIN (default .build/debug/gloss). Prints one line per check, `N passed, M failed`.
"""

import argparse
import concurrent.futures
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import systest as st  # noqa: E402
import pgcluster  # noqa: E402
from load import run_all, verify_rate_all_cores  # noqa: E402


def clock_ticks():
    return os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of a process (and its reaped children), from /proc; 0 when gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / clock_ticks()
    except (OSError, IndexError, ValueError):
        return 0.0


def postgres_cpu(cluster):
    """CPU seconds of the cluster's postmaster and every backend now running under it."""
    try:
        with open(os.path.join(cluster.data, "postmaster.pid")) as f:
            master = int(f.readline())
    except (OSError, ValueError):
        return 0.0
    total = cpu_seconds(master)
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == master:
                total += cpu_seconds(int(d))
    return total


class Hub:
    """A fresh hub database with P serve processes, its key the ledger `keyholder`'s."""

    def __init__(self, cluster, work, keyholder, processes):
        self.url = cluster.create_database()
        self.key_path = os.path.join(keyholder, "key")
        st.must(st.gloss("hub", "init", "--store", self.url, "--key", self.key_path), "gloss hub init")
        self.servers = [st.Server(keyholder, work, extra=["--store", self.url, "--key", self.key_path]) for _ in range(processes)]
        self.key = self.servers[0].key

    def allow(self, keys):
        for k in keys:
            st.must(st.gloss("hub", "peer", "allow", k, "--store", self.url), "gloss hub peer allow")

    def status(self):
        r = st.gloss("hub", "status", "--store", self.url, "--json")
        return json.loads(r.out) if r.ok else None

    def snapshot(self):
        r = st.gloss("hub", "snapshot", "--store", self.url, timeout=600)
        return st.last_snapshot_line(r.out) if r.ok else None

    def verify(self):
        v = st.gloss("hub", "verify", "--store", self.url, timeout=600)
        return v.ok and "ok:" in v.out, v.text(300)

    def stop(self):
        return all([s.stop() for s in self.servers])


class Ledger:
    """The same interface over one `gloss serve` on a SQLite ledger, to compare in one run."""

    def __init__(self, work, folder):
        self.folder = folder
        self.servers = [st.Server(folder, work)]
        self.key = self.servers[0].key

    def allow(self, keys):
        for k in keys:
            st.allow(self.folder, k)

    def status(self):
        return {"events": st.frontier_count(self.folder)}

    def snapshot(self):
        return st.snapshot(self.folder)

    def verify(self):
        ok, _, r = st.verify(self.folder, timeout=600)
        return ok, r.text(300)

    def stop(self):
        return all([s.stop() for s in self.servers])


def make_clients(work, prefix, n, n_events, hub_key):
    """n client ledgers of n_events events each (two authors of their own), allowing the hub."""
    paths = [os.path.join(work, f"{prefix}-{i}") for i in range(n)]

    def setup(i):
        fac = st.EventFactory([f"{prefix}-{i}-author-{j}" for j in range(2)], rng_seed=i + 7)
        bundle = st.write_bundle(os.path.join(work, f"{prefix}-{i}.bundle"), fac.events(n_events))
        key = st.init(paths[i])
        st.allow(paths[i], hub_key)
        st.must(st.gloss("--ledger", paths[i], "bundle", "import", bundle), "client import")
        os.remove(bundle)
        return key

    with concurrent.futures.ThreadPoolExecutor(3) as ex:
        keys = list(ex.map(setup, range(n)))
    return paths, keys


def run_spread(ledgers, servers, offset, work, label):
    """`gloss sync` in every ledger at once, ledger i with server (i + offset) mod len(servers)."""
    groups = {}
    for i, led in enumerate(ledgers):
        groups.setdefault((i + offset) % len(servers), []).append((i, led))
    results = [None] * len(ledgers)
    t = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(servers)) as ex:
        futs = {ex.submit(run_all, [led for _, led in members], servers[s].address, servers[s].key, work, f"{label}-{s}"): members
                for s, members in groups.items()}
        for fut, members in futs.items():
            outs, _ = fut.result()
            for (i, _), r in zip(members, outs):
                results[i] = r
    return results, time.monotonic() - t


def part1(res, work, cluster, n_clients, n_events, processes, check_floor, sqlite=False):
    what = "one gloss serve on a SQLite ledger (for comparison)" if sqlite else f"{processes} hub processes on one PostgreSQL"
    print(f"== Part 1: {n_clients} clients × {n_events} events, {what} ==", flush=True)
    keyholder = os.path.join(work, "sqlite-1" if sqlite else "hub-key")
    st.init(keyholder)
    hub = Ledger(work, keyholder) if sqlite else Hub(cluster, work, keyholder, processes)
    clients, keys = make_clients(work, "sqclient" if sqlite else "client", n_clients, n_events, hub.key)
    hub.allow(keys)
    total = n_clients * n_events
    try:
        r1, wall1 = run_spread(clients, hub.servers, 0, work, "round1")
        received1, problems = [], []
        for i, (rc, out) in enumerate(r1):
            s = st.sync_summary(out)
            if rc != 0 or s is None:
                problems.append(f"client {i}: rc {rc}: {out.strip()[-300:]}")
                received1.append(0)
            else:
                received1.append(s[1])
        status = hub.status() or {}
        res.report(not problems and status.get("events") == total,
                   f"round 1: all {n_clients} syncs succeeded in {wall1:.1f} s; the hub holds {status.get('events')} of {total} events",
                   "; ".join(problems[:3]))
        r2, wall2 = run_spread(clients, hub.servers, 1, work, "round2")
        problems = [f"client {i}: rc {rc}: {out.strip()[-300:]}" for i, (rc, out) in enumerate(r2) if rc != 0]
        res.report(not problems, f"round 2 (each client with another process): all {n_clients} syncs succeeded in {wall2:.1f} s",
                   "; ".join(problems[:3]))
        verified = total + sum(total - n_events - r for r in received1)
        rate = verify_rate_all_cores()
        floor = verified / rate
        ratio = (wall1 + wall2) / floor
        res.report(ratio <= 1.5 or not check_floor,
                   f"two rounds in {wall1 + wall2:.1f} s for {verified} verifications; CPU floor {floor:.1f} s "
                   f"({rate:.0f} verifications/s on all cores, measured now): wall ÷ floor = {ratio:.2f}"
                   + (" (target ≤ 1.5)" if check_floor else " (reported; --check-floor holds it to 1.5)"))
        ref = hub.snapshot()
        printed = [st.last_snapshot_line(out) for _, out in r2]
        sample = sorted({0, n_clients - 1, n_clients // 2})
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            counts = list(ex.map(st.frontier_count, clients))
            snaps = list(ex.map(st.snapshot, [clients[i] for i in sample]))
        bad = [i for i, (c, p) in enumerate(zip(counts, printed)) if c != total or p != ref]
        res.report(ref is not None and not bad and all(s == ref for s in snaps),
                   f"the hub and all {n_clients} clients hold {total} events and one snapshot {str(ref)[:16]} "
                   f"(printed by every last sync; `gloss snapshot` on clients {sample})",
                   "" if not bad else f"clients differing: {bad[:10]}")
        ok, text = hub.verify()
        res.report(ok, "the server's log verifies", "" if ok else text)
    finally:
        res.report(hub.stop(), "the server processes stop cleanly on SIGTERM")
    return ratio


def push_all(servers, ledgers, work, label):
    """Every ledger pushes at the same moment, round-robin over `servers`; (ok, wall, serve CPU s)."""
    before = [cpu_seconds(s.pid) for s in servers]
    results, wall = run_spread(ledgers, servers, 0, work, label)
    cpu = sum(cpu_seconds(s.pid) for s in servers) - sum(before)
    ok = all(rc == 0 for rc, _ in results)
    return ok, wall, cpu, [out.strip()[-200:] for rc, out in results if rc != 0]


def part2(res, work, cluster, scaling, pushers, n_events):
    print(f"== Part 2: aggregate ingest, {pushers} clients × {n_events} events pushed at once ==", flush=True)
    total = pushers * n_events
    rows = []
    # SQLite: one gloss serve on a ledger.
    S = os.path.join(work, "sqlite-server")
    st.init(S)
    server = st.Server(S, work)
    clients, keys = make_clients(work, "sq", pushers, n_events, server.key)
    for k in keys:
        st.allow(S, k)
    ok, wall, cpu, fails = push_all([server], clients, work, "sqlite")
    server.stop()
    sqlite_rate = total / wall
    res.report(ok, f"SQLite, 1 process: {total} events in {wall:.2f} s = {sqlite_rate:.0f} events/s "
               f"(serve CPU {cpu:.1f} s = {cpu / wall:.2f} cores)", "; ".join(fails[:2]))
    for p in scaling:
        keyholder = os.path.join(work, f"hub-key-{p}")
        st.init(keyholder)
        hub = Hub(cluster, work, keyholder, p)
        clients, keys = make_clients(work, f"p{p}", pushers, n_events, hub.key)
        hub.allow(keys)
        pg_before = postgres_cpu(cluster)
        started = time.monotonic()
        ok, wall, cpu, fails = push_all(hub.servers, clients, work, f"hub{p}")
        # The serve processes bring the projection (the state as rows) up to the log in the
        # background: when is the state current, as a SQLite ledger's is when sync returns?
        status = hub.status() or {}
        while status.get("projected") != total and time.monotonic() - started < 600:
            time.sleep(0.2)
            status = hub.status() or {}
        current = time.monotonic() - started
        pg = postgres_cpu(cluster) - pg_before
        cpu_all = sum(cpu_seconds(s.pid) for s in hub.servers)
        hub.stop()
        rate = total / wall
        rows.append((p, rate))
        res.report(ok and status.get("events") == total,
                   f"hub, {p} process{'es' if p > 1 else ''}: {total} events in {wall:.2f} s = {rate:.0f} events/s = "
                   f"{rate / sqlite_rate:.2f} × SQLite; CPU: serve {cpu:.1f} s + PostgreSQL {pg:.1f} s = "
                   f"{(cpu + pg) / wall:.2f} of {os.cpu_count()} cores busy",
                   "; ".join(fails[:2]) or ("" if status.get("events") == total else f"the hub holds {status.get('events')}"))
        res.report(status.get("projected") == total,
                   f"hub, {p} process{'es' if p > 1 else ''}: state current (projection caught up) {current:.2f} s after the "
                   f"pushes began = {total / current:.0f} events/s = {total / current / sqlite_rate:.2f} × SQLite "
                   f"(whose sync returns with its state current); serve CPU with the projection {cpu_all:.1f} s",
                   f"projected {status.get('projected')} of {total}")
        if p == scaling[0]:
            t = time.monotonic()
            r = st.gloss("hub", "snapshot", "--rebuild", "--store", hub.url, timeout=600)
            took = time.monotonic() - t
            res.report(r.ok, f"rebuilding the projection of {total} events (hub snapshot --rebuild): {took:.2f} s = "
                       f"{total / took:.0f} events/s = {wall / took:.2f} × the ingest's rate", "" if r.ok else r.text(300))
    if len(rows) > 1:
        base = rows[0][1]
        res.note("scaling: " + ", ".join(f"{p} → {r / base:.2f}×" for p, r in rows) + f" the rate of {rows[0][0]} process")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--events", type=int, default=100)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--scaling", default="")
    ap.add_argument("--pushers", type=int, default=6)
    ap.add_argument("--push-events", type=int, default=2000)
    ap.add_argument("--check-floor", action="store_true")
    ap.add_argument("--fsync", action="store_true", help="the cluster with fsync on (as SQLite's synchronous=FULL)")
    ap.add_argument("--compare-sqlite", action="store_true", help="part 1 also against one gloss serve on SQLite, in the same run")
    a = ap.parse_args()
    st.install_signal_handlers()
    res = st.Results()
    work = st.tempdir("gloss-hub-load-")
    cluster = pgcluster.Cluster(fsync=a.fsync)
    try:
        ratio = part1(res, work, cluster, a.clients, a.events, a.processes, a.check_floor)
        if a.compare_sqlite:
            base = part1(res, work, cluster, a.clients, a.events, 1, False, sqlite=True)
            res.note(f"wall ÷ CPU floor: hub {ratio:.2f}, SQLite {base:.2f}: the hub's ÷ SQLite's = {ratio / base:.2f}")
        if a.scaling:
            part2(res, work, cluster, [int(x) for x in a.scaling.split(",")], a.pushers, a.push_events)
    finally:
        cluster.destroy()
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
