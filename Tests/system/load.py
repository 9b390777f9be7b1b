#!/usr/bin/env python3
"""Load test: many clients syncing with one `gloss serve` at once, and clients that say nothing.

Part 1, concurrent syncs. One server ledger; C client ledgers, each holding E events of its own
authors (signed in Python and imported with `gloss bundle import`); every client is allowed on
the server and allows the server's key. All C clients run `gloss sync` at the same moment (C
processes); then each syncs once more (again all at once), so that everyone has everything. Every
sync must succeed with nothing received twice (`0 already here`, already=0 on the server's log
lines), every ledger must end with the same events (`gloss frontier`) and the same snapshot hash
(the hash each client's last `gloss sync` printed after storing everything, checked against
`gloss snapshot` on the server and a sample of clients: a replay per ledger would cost as much
again), the server's ledger must pass `gloss verify`, and the
server's peak RSS (VmHWM from /proc/PID/status) must stay under 256 MiB. Prints the wall time of
the C concurrent syncs and the peak RSS.

Part 2, silent clients. The server runs with `--max-sessions 5 --idle-timeout 3`; 5 TCP
connections take every slot, first silent ones (they send nothing), then trickling ones (one byte
of a valid HELLO per second). Each time: (a) a 6th, real client is refused at once with the clear
"busy" refusal (the server sends ERROR overloaded in clear instead of HELLO; `gloss sync` exits
non-zero and says so); (b) the server cuts the silent ones off after the idle timeout (3 s) and the
trickling ones at the handshake deadline (10 s, or the idle timeout if shorter), however the bytes trickle; (c) right after, a real
client syncs fine: silent clients block others no longer than the timeouts.

Usage: python3 Tests/system/load.py [--clients C] [--events E]
       (defaults C=50, E=200; the full run is --clients 50 --events 1000)
Environment: GLOSS_BIN (default .build/debug/gloss). Needs the `cryptography` package.
Prints one line per case and `N passed, M failed`; exits 1 when any fails.
"""

import argparse
import concurrent.futures
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import systest as st  # noqa: E402
import peer  # noqa: E402

RSS_LIMIT_MIB = 256
MAX_SESSIONS = 5
IDLE = 3
HANDSHAKE_DEADLINE = min(10, IDLE)  # the server's handshake deadline: 10 s, or the idle timeout if shorter


class Sampler(threading.Thread):
    """Samples the server's VmHWM every 50 ms (the high-water mark, so nothing is missed between
    samples as long as the process lives)."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.stop_flag = threading.Event()

    def run(self):
        while not self.stop_flag.is_set() and self.server.alive():
            self.server.sample()
            self.stop_flag.wait(0.05)

    def stop(self):
        self.stop_flag.set()
        self.join(5)
        self.server.sample()


def run_all(ledgers, address, key, work, label, timeout=3600):
    """Starts `gloss sync` in every ledger at the same moment; returns ([(rc, output)], wall seconds)."""
    outs, procs = [], []
    t = time.monotonic()
    for i, led in enumerate(ledgers):
        f = open(os.path.join(work, f"{label}-{i}.out"), "w+b")
        outs.append(f)
        procs.append(st.popen(["--ledger", led, "sync", address, "--expect-key", key], stdout=f, stderr=subprocess.STDOUT))
    deadline = t + timeout
    for p in procs:
        try:
            p.wait(max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)
    wall = time.monotonic() - t
    results = []
    for p, f in zip(procs, outs):
        f.seek(0)
        results.append((p.returncode, f.read().decode("utf-8", "replace")))
        f.close()
    return results, wall


def failure_summary(results, session_lines):
    """How the failed syncs failed, grouped: what the clients said and what the server logged."""
    from collections import Counter
    said = Counter()
    for rc, out in results:
        if rc == 0 and st.sync_summary(out) is not None:
            continue
        if rc is not None and rc < 0:
            first = next((ln for ln in out.splitlines() if ln.strip()), "")
            said[f"crashed with signal {-rc}: {first.strip()[:140]}"] += 1
            continue
        m = re.search(r"failed: (.*)", out)
        said[(m.group(1) if m else (out.strip().splitlines() or ["(no output)"])[-1])[:160]] += 1
    logged = Counter()
    for ln in session_lines:
        m = re.search(r"outcome=failed reason=(.*)", ln)
        if m:
            logged[m.group(1)[:140]] += 1
    parts = []
    if said:
        parts.append(f"{sum(said.values())} of {len(results)} clients failed: "
                     + "; ".join(f"{n}× {r!r}" for r, n in said.most_common()))
    if logged:
        parts.append("the server logged " + "; ".join(f"{n}× {r!r}" for r, n in logged.most_common()))
    return " — ".join(parts)


def part1(res, work, n_clients, n_events):
    print(f"== Part 1: {n_clients} clients with {n_events} events each sync with one server at once ==", flush=True)
    S = os.path.join(work, "server")
    server_key = st.init(S)
    clients = [os.path.join(work, f"client-{i}") for i in range(n_clients)]

    t = time.monotonic()
    bundles = []
    for i in range(n_clients):
        fac = st.EventFactory([f"load-{i}-author-{j}" for j in range(2)], rng_seed=i)
        bundles.append(st.write_bundle(os.path.join(work, f"client-{i}.bundle"), fac.events(n_events)))

    def setup(i):
        key = st.init(clients[i])
        st.allow(clients[i], server_key)
        st.must(st.gloss("--ledger", clients[i], "bundle", "import", bundles[i]), "client import")
        os.remove(bundles[i])
        return key

    with concurrent.futures.ThreadPoolExecutor(3) as ex:
        keys = list(ex.map(setup, range(n_clients)))
    for k in keys:
        st.allow(S, k)
    res.note(f"setup: {n_clients} client ledgers of {n_events} events, all allowed ({time.monotonic() - t:.1f} s)")

    total = n_clients * n_events
    server = st.Server(S, work)
    sampler = Sampler(server)
    sampler.start()
    try:
        # Round 1: all at once.
        r1, wall1 = run_all(clients, server.address, server.key, work, "round1")
        sampler.server.sample()
        problems = []
        received1 = []
        for i, (rc, out) in enumerate(r1):
            summ = st.sync_summary(out)
            if rc != 0 or summ is None:
                problems.append(f"client {i}: rc {rc}: {out.strip()[-300:]}")
                received1.append(None)
                continue
            sent, received, new, already = summ
            received1.append(received)
            if sent != n_events or new != received or already != 0:
                problems.append(f"client {i}: sent {sent} (expected {n_events}), received {received} ({new} new, {already} already here)")
        lines = server.session_lines()
        bad_lines = [ln for ln in lines if "outcome=ok" not in ln or " already=0 " not in ln]
        if len(lines) != n_clients or bad_lines:
            problems.append(f"{len(lines)} session lines on the server (expected {n_clients}); "
                            f"{len(bad_lines)} not ok or with already>0, e.g. {bad_lines[:1]}")
        res.report(not problems, f"round 1: {n_clients} concurrent `gloss sync`, {n_events} events up each: all ok, "
                   f"nothing received twice; wall time {wall1:.2f} s",
                   "" if not problems else failure_summary(r1, lines) + " — e.g. " + "; ".join(problems[:3]) +
                   (f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""))
        s_count = st.frontier_count(S)
        res.report(s_count == total, f"the server holds all {total} events after round 1", f"it holds {s_count}")

        # Round 2: everyone syncs once more (at once): everyone gets everything.
        r2, wall2 = run_all(clients, server.address, server.key, work, "round2")
        problems = []
        printed = []
        for i, (rc, out) in enumerate(r2):
            summ = st.sync_summary(out)
            if rc != 0 or summ is None:
                problems.append(f"client {i}: rc {rc}: {out.strip()[-300:]}")
                printed.append(None)
                continue
            sent, received, new, already = summ
            printed.append(st.last_snapshot_line(out))
            if s_count == total and received1[i] is not None:
                # The server held everything before this round: exactly what the client lacked comes down.
                want = total - n_events - received1[i]
                if sent != 0 or received != want or new != received or already != 0:
                    problems.append(f"client {i}: sent {sent}, received {received} ({new} new, {already} already here); "
                                    f"expected sent 0, received {want} (0 already here)")
            elif new != received or already != 0:
                problems.append(f"client {i}: received {received} ({new} new, {already} already here)")
        lines = server.session_lines()[n_clients:]
        bad_lines = [ln for ln in lines if "outcome=ok" not in ln or " already=0 " not in ln]
        if len(lines) != n_clients or bad_lines:
            problems.append(f"{len(lines)} session lines (expected {n_clients}); {len(bad_lines)} not ok/already>0, e.g. {bad_lines[:1]}")
        res.report(not problems, f"round 2: {n_clients} concurrent `gloss sync` again: everyone receives what it "
                   f"lacks, nothing twice ({wall2:.2f} s)",
                   "" if not problems else failure_summary(r2, lines) + " — e.g. " + "; ".join(problems[:3]) +
                   (f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""))

        # Same events and same snapshot everywhere. Each client's last `gloss sync` printed its
        # snapshot hash after storing everything (nothing changes after it); `gloss snapshot` is run
        # on the server and on a sample of clients to check those printed hashes are the real ones.
        t = time.monotonic()
        sample = sorted({0, n_clients - 1} | set(range(0, n_clients, max(1, n_clients // 4))))
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            counts = list(ex.map(st.frontier_count, [S] + clients))
            snaps = list(ex.map(st.snapshot, [S] + [clients[i] for i in sample]))
        ref = snaps[0]
        problems = []
        if ref is None:
            problems.append("no snapshot from the server")
        differ = [i for i, s in zip(sample, snaps[1:]) if s != ref]
        if differ:
            problems.append(f"`gloss snapshot` differs from the server's in clients {differ}")
        printed_differ = [i for i, s in enumerate(printed) if s != ref]
        if printed_differ:
            problems.append(f"{len(printed_differ)} clients ended round 2 with another snapshot: {printed_differ[:10]}")
        wrong_counts = [i - 1 for i, c in enumerate(counts) if c != total]
        if wrong_counts:
            problems.append(f"{len(wrong_counts)} ledgers do not hold {total} events (index -1 = server): {wrong_counts[:10]}")
        res.report(not problems, f"server and all {n_clients} clients: {total} events each, one snapshot "
                   f"{(ref or '?')[:16]} (checked with `gloss snapshot` on the server and clients {sample}; "
                   f"{time.monotonic() - t:.1f} s)", "; ".join(problems))
        ok, count, vr = st.verify(S)
        res.report(ok and count == total, "the server's ledger verifies", "" if ok else vr.text(300))
        sampler.stop()
        peak = server.peak_hwm_kib / 1024
        res.report(0 < peak <= RSS_LIMIT_MIB, f"server peak RSS (VmHWM) {peak:.1f} MiB (limit {RSS_LIMIT_MIB} MiB)",
                   "" if peak else "could not read /proc/PID/status")
    finally:
        sampler.stop()
        clean = server.stop()
    res.report(clean, "the server stops cleanly on SIGTERM", "" if clean else "it had to be killed")
    return S, clients, wall1, server.peak_hwm_kib / 1024


# --- Part 2 --------------------------------------------------------------------------------------
class Hog:
    """A TCP connection that takes a session slot: silent, or trickling one byte a second of a
    valid HELLO frame. Records when the server's HELLO arrived and when the server closed."""

    def __init__(self, port, trickle):
        self.t0 = time.monotonic()
        self.sock = st.connect(port)
        self.trickle = trickle
        self.data = hello_frame_bytes() if trickle else b""
        self.sent = 0
        self.next_send = self.t0
        self.received = b""
        self.closed_at = None
        self.how = None

    def step(self, now):
        if self.closed_at is not None:
            return
        if self.trickle and now >= self.next_send and self.sent < len(self.data):
            try:
                self.sock.send(self.data[self.sent:self.sent + 1])
                self.sent += 1
            except (BrokenPipeError, ConnectionResetError) as e:
                self._closed(now, type(e).__name__)
                return
            except BlockingIOError:
                pass
            self.next_send += 1.0
        try:
            chunk = self.sock.recv(65536)
        except BlockingIOError:
            return
        except (ConnectionResetError, OSError) as e:
            self._closed(now, type(e).__name__)
            return
        if not chunk:
            self._closed(now, "EOF")
        else:
            self.received += chunk

    def _closed(self, now, how):
        self.closed_at = now - self.t0
        self.how = how
        try:
            self.sock.close()
        except OSError:
            pass

    def got_hello(self):
        """The server's first frame was a HELLO (a session slot was given)."""
        return len(self.received) >= 5 and self.received[4] == peer.T_HELLO

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def hello_frame_bytes():
    return st.hello_frame()


class Driver(threading.Thread):
    """Steps the hogs continuously in the background (so they keep trickling and their close
    times are seen while the main thread runs `gloss sync`)."""

    def __init__(self, hogs):
        super().__init__(daemon=True)
        self.hogs = hogs
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()

    def run(self):
        while not self.stop_flag.is_set():
            with self.lock:
                now = time.monotonic()
                for h in self.hogs:
                    h.step(now)
                socks = [h.sock for h in self.hogs if h.closed_at is None]
            if not socks:
                self.stop_flag.wait(0.02)
                continue
            try:
                select.select(socks, [], [], 0.02)
            except (OSError, ValueError):
                pass

    def wait_until(self, cond, until):
        while time.monotonic() < until:
            with self.lock:
                if cond():
                    return True
            time.sleep(0.01)
        with self.lock:
            return cond()

    def stop(self):
        self.stop_flag.set()
        self.join(5)
        for h in self.hogs:
            h.close()


def raw_first_frame(port, timeout=5.0):
    """Connects, reads the first frame the server sends and whether it then closes: (msg, closed)."""
    s = socket.create_connection((st.HOST, port), timeout=timeout)
    try:
        buf = b""
        deadline = time.monotonic() + timeout
        closed = False
        while time.monotonic() < deadline:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            buf += chunk
        if len(buf) < 4 or len(buf) < 4 + int.from_bytes(buf[:4], "big"):
            return None, closed
        return peer.decode_message(buf[4:4 + int.from_bytes(buf[:4], "big")]), closed
    finally:
        s.close()


def sync_once(client, server, timeout=60):
    return st.gloss("--ledger", client, "sync", server.address, "--expect-key", server.key, timeout=timeout)


def server_sockets(server):
    """How many sockets the server process holds (the listener, sessions, refused connections)."""
    n = 0
    try:
        for fd in os.listdir(f"/proc/{server.pid}/fd"):
            try:
                if os.readlink(f"/proc/{server.pid}/fd/{fd}").startswith("socket:"):
                    n += 1
            except OSError:
                pass
    except OSError:
        return None
    return n


def part2(res, work, S, client):
    print(f"== Part 2: --max-sessions {MAX_SESSIONS} --idle-timeout {IDLE}: silent and trickling connections ==", flush=True)
    server = st.Server(S, work, ["--max-sessions", str(MAX_SESSIONS), "--idle-timeout", str(IDLE)])
    try:
        base_sockets = server_sockets(server)
        # The client first catches up, so that later syncs move nothing and their time is the session's.
        r = sync_once(client, server, timeout=300)
        res.report(r.ok, f"a real client syncs with the idle server ({r.seconds:.1f} s)", "" if r.ok else r.text(300))
        for kind in ("silent", "trickling"):
            limit = IDLE if kind == "silent" else HANDSHAKE_DEADLINE
            log0 = len(server.log())
            hogs = [Hog(server.port, kind == "trickling") for _ in range(MAX_SESSIONS)]
            start = min(h.t0 for h in hogs)
            drv = Driver(hogs)
            drv.start()
            try:
                last_close, sixth = part2_round(res, server, client, kind, limit, hogs, start, drv, work)
            finally:
                drv.stop()
            # (c) once they are cut off, a real client is served at once.
            r = sync_once(client, server, timeout=30)
            ok = r.ok and st.sync_summary(r.out) is not None
            m = re.search(r"Synced with \S+ at \S+ in ([0-9.]+) s", r.out)
            session = float(m.group(1)) if m else None
            res.report(ok and session is not None and session <= 2,
                       f"{kind}: then a real client syncs fine at {time.monotonic() - start:.1f} s (session "
                       f"{session if session is not None else '?'} s; the slots freed at {last_close:.1f} s)",
                       "" if ok else r.text(300))
            report_sixth(res, kind, *sixth)
            log = server.log()[log0:]
            timeouts = sum(1 for ln in log.splitlines() if "outcome=failed" in ln and "idle-timeout" in ln)
            res.report(timeouts >= MAX_SESSIONS, f"{kind}: the server logged {timeouts} sessions ended by idle-timeout",
                       log[-600:] if timeouts < MAX_SESSIONS else "")
        time.sleep(0.5)
        left = server_sockets(server)
        res.report(left == base_sockets, f"the server holds {left} sockets at the end, as many as when it started "
                   f"({base_sockets}): refused and timed-out connections are closed",
                   "" if left == base_sockets else f"{(left or 0) - (base_sockets or 0)} sockets left behind (refused connections never closed?)")
        res.report(server.alive(), "the server is still serving after part 2",
                   "" if server.alive() else server.log()[-400:])
    finally:
        server.stop()


def part2_round(res, server, client, kind, limit, hogs, start, drv, work):
    problems = []
    if not drv.wait_until(lambda: all(h.got_hello() for h in hogs), time.monotonic() + 2):
        problems.append(f"only {sum(h.got_hello() for h in hogs)} of {MAX_SESSIONS} connections got a HELLO")
    # (a) a 6th real client is refused at once, in clear, with "busy" (run in the background: if it
    # hangs, the timeline of the hogs goes on).
    out = open(os.path.join(work, f"sixth-{kind}.out"), "w+b")
    t6 = time.monotonic()
    sixth = st.popen(["--ledger", client, "sync", server.address, "--expect-key", server.key],
                     stdout=out, stderr=subprocess.STDOUT)
    t = time.monotonic()
    msg, closed = raw_first_frame(server.port, timeout=2)
    if not (isinstance(msg, peer.Error) and msg.code_name == "overloaded" and "busy" in msg.message and closed):
        problems.append(f"a raw connection got {msg!r}, closed={closed} within {time.monotonic() - t:.1f} s "
                        f"(expected a clear ERROR overloaded saying busy, then close)")
    try:
        sixth.wait(max(0.1, t6 + 3 - time.monotonic()))
        took6 = time.monotonic() - t6
        _SIXTH_END[t6] = time.monotonic()
    except subprocess.TimeoutExpired:
        took6 = None
    if took6 is None:
        problems.append("a 6th `gloss sync` got no answer within 3 s (not refused: it waits)")
    res.report(not problems, f"{kind}: 5 connections hold every slot; a 6th client is refused at once with "
               f"ERROR overloaded in clear", "; ".join(problems))
    if kind == "trickling" and HANDSHAKE_DEADLINE > IDLE + 1.5:
        # Bytes keep arriving, so the idle timeout does not end them: at IDLE + 1.5 s they still hold the slots.
        drv.wait_until(lambda: False, start + IDLE + 1.5)
        with drv.lock:
            held = sum(h.closed_at is None for h in hogs)
        msg, closed = raw_first_frame(server.port, timeout=2)
        refused = isinstance(msg, peer.Error) and msg.code_name == "overloaded"
        res.report(held == MAX_SESSIONS and refused,
                   f"trickling: all {held} still connected at {IDLE + 1.5:.1f} s (past the idle timeout: bytes keep "
                   f"arriving) and still refusing others",
                   f"{held} connected; a new connection got {msg!r}, closed={closed}")
    # (b) the server cuts them off by the timeout.
    drv.wait_until(lambda: all(h.closed_at is not None for h in hogs), start + limit + 5)
    problems = []
    with drv.lock:
        times = sorted(h.closed_at for h in hogs if h.closed_at is not None)
        sent = [h.sent for h in hogs]
    if len(times) != MAX_SESSIONS:
        problems.append(f"{MAX_SESSIONS - len(times)} connections still open {limit + 5} s after they started")
    lo, hi = limit - 0.5, limit + 2.0
    early_late = [f"{x:.2f}" for x in times if not lo <= x <= hi]
    if early_late:
        problems.append(f"closed at {early_late} s, outside {lo}…{hi} s")
    if kind == "trickling" and any(n >= len(hogs[0].data) for n in sent):
        problems.append("a trickled HELLO was complete before the deadline (the test is too slow)")
    res.report(not problems, f"{kind}: the server closed all {MAX_SESSIONS} at "
               f"{', '.join(f'{x:.1f}' for x in times)} s "
               f"({'idle timeout' if kind == 'silent' else 'handshake deadline'} {limit} s"
               f"{'; ' + str(min(sent)) + '-' + str(max(sent)) + ' bytes trickled each' if kind == 'trickling' else ''})",
               "; ".join(problems))
    return (max(times) if times else float("nan")), (sixth, out, t6)


_SIXTH_END = {}


def sixth_end(t6):
    return _SIXTH_END.get(t6, time.monotonic()) - t6


def report_sixth(res, kind, sixth, out, t6):
    """The 6th client's own account: refused at once, non-zero, saying busy."""
    try:
        sixth.wait(max(0.1, t6 + 15 - time.monotonic()))
        took6 = sixth_end(t6)
    except subprocess.TimeoutExpired:
        sixth.kill()
        sixth.wait(5)
        took6 = None
    out.seek(0)
    said = out.read().decode("utf-8", "replace").strip()
    out.close()
    busy = sixth.returncode not in (0, None) and "busy" in said.lower()
    res.report(busy and took6 is not None and took6 < 3,
               f"{kind}: the 6th `gloss sync` exits non-zero saying busy "
               f"({'after %.1f s' % took6 if took6 is not None else 'no end in 15 s'}): {said.splitlines()[0][:160] if said else '(nothing)'}",
               "" if busy and took6 is not None and took6 < 3 else f"rc {sixth.returncode}" + ("" if busy else "; it does not say busy"))


def first_line(r):
    lines = [ln.strip() for ln in (r.out + r.err).strip().splitlines() if ln.strip()]
    return lines[0][:110] if lines else "(no output)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50, help="client ledgers syncing at once (default 50)")
    ap.add_argument("--events", type=int, default=200, help="events of its own in each client (default 200; full 1000)")
    ap.add_argument("--part", choices=("1", "2", "all"), default="all", help=argparse.SUPPRESS)
    args = ap.parse_args()
    st.install_signal_handlers()
    res = st.Results()
    started = time.monotonic()
    print(f"gloss: {st.GLOSS}; {args.clients} clients × {args.events} events", flush=True)
    if not os.access(st.GLOSS, os.X_OK):
        print(f"no gloss binary at {st.GLOSS} (set GLOSS_BIN)")
        print("0 passed, 1 failed")
        return 1
    work = st.tempdir("gloss-load-")
    wall = peak = None
    try:
        S = clients = None
        try:
            if args.part in ("1", "all"):
                S, clients, wall, peak = part1(res, work, args.clients, args.events)
        except Exception as e:
            res.report(False, "part 1 could not run", f"{type(e).__name__}: {e}")
        try:
            if args.part == "1":
                raise StopIteration
            if S is None:
                S = os.path.join(work, "server2")
                st.init(S)
            c = os.path.join(work, "part2-client")
            ck = st.init(c)
            st.allow(S, ck)
            st.allow(c, st.gloss("--ledger", S, "whoami").out.strip())
            part2(res, work, S, c)
        except StopIteration:
            pass
        except Exception as e:
            res.report(False, "part 2 could not run", f"{type(e).__name__}: {e}")
    finally:
        st.cleanup()
    print(f"figures: {args.clients} concurrent syncs in {wall:.2f} s; server peak RSS {peak:.1f} MiB; "
          f"{time.monotonic() - started:.1f} s in all" if wall is not None else
          f"figures: part 1 did not finish; {time.monotonic() - started:.1f} s in all", flush=True)
    return res.finish()


if __name__ == "__main__":
    sys.exit(main())
