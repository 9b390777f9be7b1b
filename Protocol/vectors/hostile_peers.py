#!/usr/bin/env python3
"""Hostile peers against a real `gloss serve` (Protocol/SYNC.md).

Starts `gloss serve --listen 127.0.0.1:0` on a temporary ledger and, with the independent peer
of peer.py over real TCP, runs one well-behaved session and then one hostile session per case.
For each hostile case it checks that

* the server closes the connection (and, where SYNC.md says so, sends the right ERROR first);
* nothing of the offending batch is stored (`gloss log` and `gloss frontier` before and after);
* the server writes a log line about it on standard error (`outcome=failed reason=NAME`);
* the server is still alive and a real `gloss sync --expect-key` from another ledger succeeds.

Prints one line per case and `N passed, M failed`; exits 1 when any case fails.

With --hub the server is a hub instead (`gloss serve --store postgres://…` on a throw-away
PostgreSQL cluster the script starts, Tests/system/pgcluster.py): the same cases, the same
expectations, with `gloss hub status | frontier | verify` as the server's log, frontier and verify.

Usage: python3 Protocol/vectors/hostile_peers.py [--hub]
Environment: GLOSS_BIN (default: .build/debug/gloss of this repository). Needs `cryptography`.
"""

import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import peer  # noqa: E402
from peer import Ack, Auth, Batch, Done, Error, Frontier, Hello, Ping  # noqa: E402,F401

GLOSS = os.environ.get("GLOSS_BIN") or os.path.join(REPO, ".build", "debug", "gloss")
HUB = None          # with --hub: the hub's database URL (the server ledger's key is the hub's)
IDLE = 2            # the server's --idle-timeout, seconds
RSS_LIMIT_MIB = 100
VERBOSE = os.environ.get("HOSTILE_VERBOSE") == "1"   # also print the server's log line of passing cases
HOST = "127.0.0.1"


def seed_of(name):
    return hashlib.sha256(b"gloss/hostile/" + name.encode()).digest()


def pub_of(seed):
    return peer.ed25519_public(peer.ed25519_key(seed))


PY_SEED = seed_of("allowed peer")          # the identity the server allows
STRANGER_SEED = seed_of("stranger")        # an identity it does not
T0 = 1_764_000_000_000


def gloss(*args, timeout=30):
    return subprocess.run([GLOSS, *args], capture_output=True, text=True, timeout=timeout)


def retry_gloss(*args, timeout=30):
    """The binary may be rebuilt under us now and then: retry a strange failure once or twice."""
    for attempt in range(3):
        try:
            r = gloss(*args, timeout=timeout)
        except OSError:
            time.sleep(3)
            continue
        if r.returncode in (0, 1) or attempt == 2:
            return r
        time.sleep(3)
    return r


# --- The server ---------------------------------------------------------------------------------
class Server:
    def __init__(self, ledger, workdir):
        self.ledger = ledger
        self.err_path = os.path.join(workdir, f"serve-{int(time.time() * 1000)}.err")
        self.err = open(self.err_path, "wb")
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        ledger = self.ledger
        where = ["serve", "--store", HUB, "--key", os.path.join(ledger, "key")] if HUB else ["--ledger", ledger, "serve"]
        self.proc = subprocess.Popen([GLOSS, *where, "--listen", f"{HOST}:0",
                                      "--idle-timeout", str(IDLE)],
                                     stdout=subprocess.PIPE, stderr=self.err, stdin=subprocess.DEVNULL)
        line = b""
        deadline = time.monotonic() + 15
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise RuntimeError(f"gloss serve printed no address in 15 s: {line!r}")
            c = self.proc.stdout.read1(1) if hasattr(self.proc.stdout, "read1") else os.read(self.proc.stdout.fileno(), 1)
            if not c:
                raise RuntimeError(f"gloss serve exited: {line!r} {self.log()[-2000:]}")
            line += c
        m = re.search(rb"Serving (.+) on ([0-9.]+):(\d+) as ([0-9a-f]{64})", line)
        if not m:
            raise RuntimeError(f"unexpected first line from gloss serve: {line!r}")
        self.port = int(m.group(3))
        self.key = bytes.fromhex(m.group(4).decode())

    def alive(self):
        return self.proc.poll() is None

    def log(self):
        self.err.flush()
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def offset(self):
        return len(self.log())

    def wait_session_line(self, offset, timeout=5.0):
        """The first session log line written after `offset` (waits for it), or None."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log()[offset:].splitlines():
                if "session " in line and "outcome=" in line:
                    return line
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    def rss_mib(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def stop(self):
        if getattr(self, "proc", None) is None:
            self.err.close()
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        try:
            self.proc.stdout.close()
        except OSError:
            pass
        self.err.close()


# --- The world: a server ledger, a well-behaved other ledger --------------------------------------
class World:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="gloss-hostile-")
        self.S = os.path.join(self.tmp, "server")
        self.O = os.path.join(self.tmp, "other")
        for d in (self.S, self.O):
            r = retry_gloss("--ledger", d, "init")
            if r.returncode != 0:
                raise RuntimeError(f"gloss init failed: {r.stderr}")
        self.other_key = retry_gloss("--ledger", self.O, "whoami").stdout.strip()
        for k in (self.other_key, pub_of(PY_SEED).hex()):
            r = retry_gloss("--ledger", self.S, "peer", "allow", k)
            if r.returncode != 0:
                raise RuntimeError(f"gloss peer allow failed: {r.stderr}")
        art = os.path.join(self.tmp, "article.txt")
        with open(art, "w") as f:
            f.write("A server-side article.\nIt exists so that the server has something to send.\n")
        r = retry_gloss("--ledger", self.S, "article", "add", art)
        if r.returncode != 0:
            raise RuntimeError(f"gloss article add failed: {r.stderr}")
        if HUB:
            # The hub, with the server ledger's key, its events and its allow-list.
            for args in (("hub", "init", "--store", HUB, "--key", os.path.join(self.S, "key")),
                         ("hub", "migrate", self.S, "--store", HUB),
                         *(("hub", "peer", "allow", k, "--store", HUB) for k in (self.other_key, pub_of(PY_SEED).hex()))):
                r = retry_gloss(*args)
                if r.returncode != 0:
                    raise RuntimeError(f"gloss {' '.join(args[:2])} failed: {r.stderr}")
        self.server = Server(self.S, self.tmp)

    def restart_if_dead(self):
        if not self.server.alive():
            self.server.stop()
            self.server = Server(self.S, self.tmp)
            return True
        return False

    def log_count(self):
        if HUB:
            return json.loads(retry_gloss("hub", "status", "--store", HUB, "--json").stdout)["events"]
        r = retry_gloss("--ledger", self.S, "log")
        return len([line for line in r.stdout.splitlines() if line.strip()]) - 1  # minus the header

    def frontier(self):
        if HUB:
            return retry_gloss("hub", "frontier", "--store", HUB).stdout.strip()
        return retry_gloss("--ledger", self.S, "frontier").stdout.strip()

    def verify_problems(self):
        """What `gloss verify` (or `gloss hub verify`) finds wrong with the server's log; None when clean."""
        if HUB:
            v = retry_gloss("hub", "verify", "--store", HUB)
            return None if v.returncode == 0 and "ok:" in v.stdout else (v.stdout + v.stderr).strip()[-300:]
        v = retry_gloss("--ledger", self.S, "verify")
        return None if v.returncode == 0 and "ok:" in v.stdout else v.stdout.strip()[-300:]

    def verify_output(self):
        """`gloss verify` of the server's log (`gloss hub verify` with --hub), as run."""
        return retry_gloss("hub", "verify", "--store", HUB) if HUB else retry_gloss("--ledger", self.S, "verify")

    def add_article(self, path):
        """An article written by the server's own key (through its ledger, then into the hub)."""
        r = retry_gloss("--ledger", self.S, "article", "add", path)
        if r.returncode == 0 and HUB:
            r = retry_gloss("hub", "migrate", self.S, "--store", HUB)
        return r

    def frontier_tips(self):
        tips = []
        for entry in re.split(r"[,\s]+", self.frontier()):
            if entry:
                k, s, i = entry.split(":")
                tips.append((bytes.fromhex(k), int(s), bytes.fromhex(i)))
        return sorted(tips)

    def well_behaved_sync(self):
        try:
            r = gloss("--ledger", self.O, "sync", f"{HOST}:{self.server.port}", "--expect-key", self.server.key.hex(), timeout=30)
        except subprocess.TimeoutExpired:
            return False, "gloss sync did not finish in 30 s"
        ok = r.returncode == 0 and "Synced with" in r.stdout
        return ok, "" if ok else f"gloss sync failed (rc {r.returncode}): {(r.stdout + r.stderr).strip()[-400:]}"

    def connect(self, seed=PY_SEED, timeout=5.0, **kw):
        return peer.Peer.connect(HOST, self.server.port, seed, timeout=timeout, **kw)

    def established(self, seed=PY_SEED, claim_all=True):
        """A peer past the handshake that has sent its FRONTIER (claiming everything the server
        holds, so the server has nothing to send it)."""
        p = self.connect(seed)
        p.handshake(expect_key=self.server.key)
        p.send(Frontier(peer.DEFAULT_WINDOW, self.frontier_tips() if claim_all else []))
        return p

    def close(self):
        try:
            self.server.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


# --- Events ---------------------------------------------------------------------------------------
def ev(author_name, seq, prev=None, lamport=None, deps=(), text=None, payload=None, time_ms=None):
    seed = seed_of(author_name)
    if payload is None:
        payload = peer.article(f"{author_name} {seq}", text or f"Text {seq} of {author_name}.\n")
    return peer.make_event(seed, seq, prev, lamport if lamport is not None else seq, time_ms if time_ms is not None else T0 + seq * 1000,
                           list(deps), payload)


def flip_bit(b, index, bit=0):
    b = bytearray(b)
    b[index] ^= 1 << bit
    return bytes(b)


def names(msgs):
    return [m.name if hasattr(m, "name") else str(m) for m in msgs]


def errors_in(msgs):
    return [m for m in msgs if isinstance(m, Error)]


def expect_error(msgs, code_name, problems, contains=None):
    errs = errors_in(msgs)
    if not any(e.code_name == code_name for e in errs):
        problems.append(f"expected an ERROR {code_name} from the server, got {names(msgs)}"
                        + (f" {[(e.code_name, e.message) for e in errs]}" if errs else ""))
    elif contains and not any(contains in e.message for e in errs):
        problems.append(f"the ERROR does not say {contains!r}: {[e.message for e in errs]}")


def expect_closed(p, problems, timeout=5.0):
    msgs, closed, note = p.read_until_closed(timeout)
    if not closed:
        problems.append(f"the server did not close the connection within {timeout} s ({note})")
    return msgs


# --- Cases ----------------------------------------------------------------------------------------
# Each case returns a list of problems (empty = its own checks passed); the runner adds the
# common checks. `reason` is the error name expected on the server's log line.

def case_positive(w):
    problems = []
    a1, a1id = ev("positive-alice", 1, text="The quick brown fox jumps over the lazy dog.\n")
    article_id = hashlib.sha256("The quick brown fox jumps over the lazy dog.\n".encode()).hexdigest()
    ann = {"kind": "annotation.created", "article": article_id, "target": "text", "exact": "quick",
           "prefix": "The ", "suffix": " brown", "start": 4, "end": 9, "motivation": "commenting",
           "body": "a comment from the Python peer", "tags": ["python"], "editors": []}
    # The identity's own chain: seq 1 article, seq 2 annotation on it.
    p1, p1id = peer.make_event(PY_SEED, 1, None, 1, T0 + 1000, [], peer.article("Fox", "The quick brown fox jumps over the lazy dog.\n"))
    p2, p2id = peer.make_event(PY_SEED, 2, p1id, 2, T0 + 2000, [], ann)
    # Another author's event that depends on it (deps, lamport 3).
    q1, q1id = ev("positive-quinn", 1, lamport=3, deps=[p2id], text="An article written after reading the comment.\n")
    server_had = w.log_count()
    p = w.connect()
    r = p.sync([p1, p2, q1, a1], expect_key=w.server.key)
    if not r.get("server_closed"):
        problems.append("the server did not close the connection after both DONEs")
    if len(r["acks"]) != 1:
        problems.append(f"expected 1 ACK, got {len(r['acks'])}")
    else:
        ack = r["acks"][0]
        want = sorted([(pub_of(PY_SEED), 2, p2id), (pub_of(seed_of("positive-quinn")), 1, q1id),
                       (pub_of(seed_of("positive-alice")), 1, a1id)])
        if (ack.number, ack.stored, ack.already, ack.tips) != (1, 4, 0, want):
            problems.append(f"unexpected ACK {ack}")
    if len(r["received"]) != server_had:
        problems.append(f"the server sent {len(r['received'])} events, it holds {server_had}")
    v = w.verify_problems()
    if v is not None:
        problems.append(f"gloss verify is not clean: {v}")
    return problems


def case_garbage(w):
    problems = []
    p = w.connect()
    p.send_raw(b"\x00\x00\x00\x20" + b"\xee" + os.urandom(31))
    msgs = expect_closed(p, problems)
    if errors_in(msgs):
        problems.append(f"no ERROR is due before keys are agreed, got {msgs}")
    return problems


def case_http(w):
    problems = []
    p = w.connect()
    p.send_raw(b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n")
    expect_closed(p, problems)
    return problems


def case_over_cap(w):
    problems = []
    p = w.established()
    p.send_raw(peer.u32(peer.MAX_FRAME + 1) + bytes(4096))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "frame-too-large", problems)
    return problems


def case_truncated(w):
    problems = []
    e, _ = ev("truncated", 1)
    p = w.established()
    f = p.seal(Batch(1, [e]))
    p.send_raw(f[:len(f) // 2])
    p.sock.shutdown(socket.SHUT_WR)
    expect_closed(p, problems)
    return problems


def case_wrong_version(w):
    problems = []
    p = w.connect()
    p.send_raw(peer.frame(Hello(2, 0, peer.x25519_public(p.hs.ephemeral), os.urandom(32)).encode()))
    msgs, closed, note = p.read_until_closed(5)  # clear frames: no keys were agreed
    if not closed:
        problems.append(f"the server did not close the connection ({note})")
    if names(msgs) != ["HELLO", "ERROR"]:
        problems.append(f"expected HELLO then a clear ERROR, got {msgs}")
    expect_error(msgs, "unsupported-version", problems, contains="version 2")
    return problems


def case_bad_auth(w):
    problems = []
    p = w.connect()
    p.exchange_hellos()
    # A valid signature, but for the server's role: not what a client must sign.
    p.send(p.hs.auth(role=peer.ROLE_SERVER))
    msgs = expect_closed(p, problems)
    if any(isinstance(m, Frontier) for m in msgs):
        problems.append("the server sent its FRONTIER to an unauthenticated peer")
    expect_error(msgs, "bad-handshake", problems)
    return problems


def case_unknown_key(w):
    problems = []
    p = w.connect(STRANGER_SEED)
    p.handshake(expect_key=w.server.key)
    msgs = expect_closed(p, problems)
    if any(isinstance(m, Frontier) for m in msgs):
        problems.append("the server sent its FRONTIER to a key it does not allow")
    expect_error(msgs, "not-allowed", problems, contains=f"gloss peer allow {pub_of(STRANGER_SEED).hex()}")
    if msgs and not isinstance(msgs[0], Error):
        problems.append(f"the first message after AUTH should be the ERROR, got {names(msgs)}")
    return problems


def batch_case(events):
    """A case that sends one BATCH of `events` and expects ERROR invalid-event and a close."""
    def run(w):
        problems = []
        p = w.established()
        p.send(Batch(1, events() if callable(events) else events))
        msgs = expect_closed(p, problems)
        expect_error(msgs, "invalid-event", problems)
        return problems
    return run


def bad_signature_events():
    return bad_signature_events_for("badsig")


def tampered_header_events():
    a, aid = ev("tampered", 1)
    b, _ = ev("tampered", 2, prev=aid)
    # seq 2: prev present, so `time` is at offset 1+32+8+32+8 = 81; the id changes, the signature does not.
    return [a, flip_bit(b, 81 + 7)]


def tampered_payload_events():
    a, aid = ev("tampered-payload", 1)
    b, _ = ev("tampered-payload", 2, prev=aid)
    return [a, flip_bit(b, 126 + 10)]  # a payload byte: the payload hash no longer matches


def seq_gap_events():
    a, aid = ev("gap", 1)
    c, _ = ev("gap", 3, prev=aid, lamport=3)  # seq 3 whose prev is seq 1 (lamport ≥ seq, so it decodes)
    return [a, c]


def foreign_prev_events(w):
    tips = w.frontier_tips()
    other_author, other_seq, other_id = tips[0]
    a, _ = ev("foreign-prev", 1)
    c, _ = ev("foreign-prev", 2, prev=other_id, lamport=other_seq + 5)
    return [a, c]


def missing_deps_events():
    v, _ = ev("orphan-neighbour", 1)
    o, _ = ev("orphan", 1, lamport=7, deps=[hashlib.sha256(b"an event nobody has").digest()])
    return [v, o]


def case_foreign_prev(w):
    return batch_case(lambda: foreign_prev_events(w))(w)


def case_pipelined_after_refused(w):
    """A compliant sender may pipeline batches (window 8). When batch 1 is refused, the session is
    over: batch 2, sent before the refusal could be seen, must not be stored either."""
    problems = []
    p = w.established()
    f1 = p.seal(Batch(1, bad_signature_events_for("pipelined-bad")))
    c, _ = ev("pipelined-innocent", 1)
    f2 = p.seal(Batch(2, [c]))
    p.send_raw(f1 + f2)
    msgs = expect_closed(p, problems)
    expect_error(msgs, "invalid-event", problems)
    return problems


def bad_signature_events_for(name):
    a, aid = ev(name, 1)
    b, _ = ev(name, 2, prev=aid)
    return [a, flip_bit(b, len(b) - 10)]


def case_fork(w):
    """Batch 1 stores author F's seq 1; batch 2 brings another seq 1 of F: a fork."""
    problems = []
    f1, _ = ev("forker", 1, text="One version.\n")
    f1b, _ = ev("forker", 1, text="Another version.\n")
    p = w.established()
    p.send(Batch(1, [f1]))
    try:
        while not isinstance(p.recv(), Ack):
            pass
    except (peer.Closed, socket.timeout, peer.SyncFailure) as e:
        problems.append(f"no ACK for the first (valid) batch: {e}")
        return problems
    p.send(Batch(2, [f1b]))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "invalid-event", problems, contains="fork")
    v = w.verify_output()
    if "forked" not in v.stdout:
        problems.append(f"gloss verify does not report the fork evidence: {v.stdout.strip()[-300:]}")
    return problems


def case_fork_in_one_batch(w):
    problems = []
    g1, _ = ev("twin-forker", 1, text="Twin one.\n")
    g1b, _ = ev("twin-forker", 1, text="Twin two.\n")
    p = w.established()
    p.send(Batch(1, [g1, g1b]))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "invalid-event", problems, contains="fork")
    return problems


def setup_frontier_fork(w):
    z1, _ = ev("frontier-forker", 1, text="The server's version.\n")
    p = w.connect()
    p.sync([z1], frontier=w.frontier_tips(), expect_key=w.server.key)


def case_frontier_fork(w):
    """The peer's FRONTIER names author Z at the server's tip seq with another id: a fork that
    SYNC.md §7 says is reported and not exchanged. The session itself succeeds."""
    problems = []
    z1b, z1bid = ev("frontier-forker", 1, text="The peer's version.\n")
    tips = [t for t in w.frontier_tips() if t[0] != pub_of(seed_of("frontier-forker"))]
    tips.append((pub_of(seed_of("frontier-forker")), 1, z1bid))
    p = w.connect()
    try:
        r = p.sync([], frontier=tips, expect_key=w.server.key)
    except (peer.SyncFailure, peer.Closed, socket.timeout) as e:
        problems.append(f"the session failed: {e}")
        return problems
    if r["received"]:
        problems.append(f"the server sent {len(r['received'])} events to a peer that claims everything")
    return problems


# Forks over sync with the evidence feature (SYNC.md §7.1): one author's key on two devices.
def evidence_peer(w):
    return w.connect(features=peer.FEATURE_EVIDENCE)


def others(w, name):
    """The server's tips, without author `name` (the caller says what it holds of that one)."""
    return [t for t in w.frontier_tips() if t[0] != pub_of(seed_of(name))]


def expect_evidence(r, want_id, problems):
    got = [event_info_id(e) for e in r.get("evidence", [])]
    if want_id not in got:
        problems.append(f"the server did not send its own event {want_id.hex()[:16]} as EVIDENCE (got {[g.hex()[:16] for g in got]})")


def event_info_id(e):
    return peer.event_info(e)[2]


def setup_evidence_equal(w):
    e1, _ = ev("evidence-equal", 1, text="The server's version.\n")
    w.connect().sync([e1], frontier=w.frontier_tips(), expect_key=w.server.key)


def case_evidence_equal(w):
    """The peer's chain of E forks from the server's at seq 1, both of length 1: each side sends
    its seq 1 as EVIDENCE and keeps the other's; nothing else of E moves."""
    problems = []
    _, mine_id = ev("evidence-equal", 1, text="The server's version.\n")
    e1b, e1bid = ev("evidence-equal", 1, text="The peer's version.\n")
    author = pub_of(seed_of("evidence-equal"))
    r = evidence_peer(w).sync([], frontier=others(w, "evidence-equal") + [(author, 1, e1bid)], expect_key=w.server.key,
                              evidence=[e1b], twins={author: e1b})
    expect_evidence(r, mine_id, problems)
    return problems + evidence_kept(w, "evidence-equal")


def setup_evidence_server_longer(w):
    x1, x1id = ev("evidence-long-server", 1, text="Server one.\n")
    x2, _ = ev("evidence-long-server", 2, prev=x1id, text="Server two.\n")
    w.connect().sync([x1, x2], frontier=w.frontier_tips(), expect_key=w.server.key)


def case_evidence_server_longer(w):
    """The server holds X at seq 1 and 2, the peer another seq 1: the server finds the fork by
    looking up its own seq 1, sends it as EVIDENCE, and withholds its seq 2."""
    problems = []
    x1, x1id = ev("evidence-long-server", 1, text="Server one.\n")
    _, x2id = ev("evidence-long-server", 2, prev=x1id, text="Server two.\n")
    x1b, x1bid = ev("evidence-long-server", 1, text="The peer's seq 1.\n")
    author = pub_of(seed_of("evidence-long-server"))
    r = evidence_peer(w).sync([], frontier=others(w, "evidence-long-server") + [(author, 1, x1bid)], expect_key=w.server.key,
                              twins={author: x1b})
    expect_evidence(r, x1id, problems)
    if any(event_info_id(e) == x2id for e in r["received"]):
        problems.append("the server sent its seq 2, which names a seq 1 the peer does not hold")
    return problems + evidence_kept(w, "evidence-long-server")


def setup_evidence_peer_longer(w):
    y1, _ = ev("evidence-long-peer", 1, text="Server one.\n")
    w.connect().sync([y1], frontier=w.frontier_tips(), expect_key=w.server.key)


def case_evidence_peer_longer(w):
    """The server holds Y at seq 1, the peer another seq 1 and a seq 2: the peer (which holds
    the longer chain) finds the fork, sends its seq 1 as EVIDENCE and not its branch; the
    server keeps it and answers with its own seq 1."""
    problems = []
    _, y1id = ev("evidence-long-peer", 1, text="Server one.\n")
    y1b, y1bid = ev("evidence-long-peer", 1, text="The peer's seq 1.\n")
    _, y2bid = ev("evidence-long-peer", 2, prev=y1bid, text="The peer's seq 2.\n")
    author = pub_of(seed_of("evidence-long-peer"))
    r = evidence_peer(w).sync([], frontier=others(w, "evidence-long-peer") + [(author, 2, y2bid)], expect_key=w.server.key,
                              evidence=[y1b], twins={author: y1b})
    expect_evidence(r, y1id, problems)
    return problems + evidence_kept(w, "evidence-long-peer")


def evidence_kept(w, name):
    v = w.verify_output()
    short = pub_of(seed_of(name)).hex()[:8]
    if f"author {short}" not in v.stdout or "forked" not in v.stdout:
        return [f"gloss verify does not list the fork evidence of {name}: {v.stdout.strip()[-300:]}"]
    return []


def case_evidence_not_a_fork(w):
    """EVIDENCE of an event the server holds itself is no evidence of anything: refused."""
    problems = []
    z1, _ = ev("frontier-forker", 1, text="The server's version.\n")
    p = evidence_peer(w)
    p.handshake(expect_key=w.server.key)
    p.send(Frontier(peer.DEFAULT_WINDOW, w.frontier_tips()))
    p.send(peer.Evidence(z1))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "invalid-event", problems, contains="not evidence of a fork")
    return problems


def case_evidence_bad_signature(w):
    problems = []
    z1b, _ = ev("frontier-forker", 1, text="A forged version.\n")
    p = evidence_peer(w)
    p.handshake(expect_key=w.server.key)
    p.send(Frontier(peer.DEFAULT_WINDOW, w.frontier_tips()))
    p.send(peer.Evidence(flip_bit(z1b, len(z1b) - 3)))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "invalid-event", problems, contains="bad signature")
    return problems


def case_evidence_twice(w):
    """EVIDENCE is sent once per author per session: a second one is refused (and not checked)."""
    problems = []
    e1b, _ = ev("evidence-equal", 1, text="The peer's version.\n")
    p = evidence_peer(w)
    p.handshake(expect_key=w.server.key)
    p.send(Frontier(peer.DEFAULT_WINDOW, w.frontier_tips()))
    p.send(peer.Evidence(e1b))
    p.send(peer.Evidence(e1b))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "protocol-violation", problems, contains="second EVIDENCE")
    return problems


def case_evidence_unannounced(w):
    """EVIDENCE from a peer whose HELLO did not set the evidence feature."""
    problems = []
    z1b, _ = ev("frontier-forker", 1, text="The peer's version.\n")
    p = w.established()
    p.send(peer.Evidence(z1b))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "protocol-violation", problems)
    return problems


# Erasure (SYNC.md §7.3, EVENTS.md §8.4): events without their payloads, and the notices that
# let a receiver hold them so.
def erasure_event(author_name, seq, annotation_id, named, prev=None):
    payload = {"kind": "annotation.erased", "annotation": annotation_id.hex(), "article": hashlib.sha256(b"anything").hexdigest(),
               "target": "text", "events": sorted(x.hex() for x in named)}
    return ev(author_name, seq, prev=prev, payload=payload)


def erasures_peer(w):
    p = w.connect(features=peer.FEATURE_ERASURES)
    p.handshake(expect_key=w.server.key)
    p.send(Frontier(peer.DEFAULT_WINDOW, w.frontier_tips()))
    return p


def case_erased_without_erasure(w):
    """An event without its payload that no erasure names: the batch is refused, nothing stored."""
    problems = []
    a1, _ = ev("stubber", 1)
    p = erasures_peer(w)
    p.send(Batch(1, [peer.erased_form(a1)]))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "invalid-event", problems, contains="without its payload")
    return problems


def case_erasure_unannounced(w):
    """ERASURE from a peer whose HELLO did not set the erasures feature."""
    problems = []
    a1, a1_id = ev("stubber", 1)
    x, _ = erasure_event("stubber", 2, a1_id, [a1_id], prev=a1_id)
    p = w.established()
    p.send(peer.Erasure(peer.notice(x)))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "protocol-violation", problems, contains="ERASURE")
    return problems


def case_erasure_bad_signature(w):
    """An ERASURE whose erasure's signature does not verify: refused, nothing kept."""
    problems = []
    a1, a1_id = ev("stubber", 1)
    x, _ = erasure_event("stubber", 2, a1_id, [a1_id], prev=a1_id)
    p = erasures_peer(w)
    p.send(peer.Erasure(peer.notice(flip_bit(x, len(x) - 3))))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "invalid-event", problems, contains="signature")
    return problems


def case_erasure_not_an_erasure(w):
    """An ERASURE whose first event is an article, not an annotation.erased."""
    problems = []
    a1, _ = ev("stubber", 1)
    p = erasures_peer(w)
    p.send(peer.Erasure(peer.notice(a1)))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "invalid-event", problems, contains="annotation.erased")
    return problems


def case_erasure_of_someone_else(w):
    """A valid notice by one key naming another key's event: that event still may not come
    without its payload (only its author's identity may erase it)."""
    problems = []
    v1, v1_id = ev("erasure-victim", 1)
    x, _ = erasure_event("mallory-eraser", 1, v1_id, [v1_id])
    p = erasures_peer(w)
    p.send(peer.Erasure(peer.notice(x)))
    p.send(Batch(1, [peer.erased_form(v1)]))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "invalid-event", problems, contains="without its payload")
    return problems


# Reconciliation by RANGES (SYNC.md §7.2, RECONCILE.md), reconcile.py on the Python side.
def case_ranges_positive(w):
    """The peer asks for RANGES, claims every tip of the server but one author's, and brings one
    event of its own: each side learns exactly the differences and sends exactly those events."""
    problems = []
    tips = w.frontier_tips()
    missing_author, missing_seq, missing_id = tips[0]
    r1, r1id = ev("ranges-peer", 1, text="Reconciled by ranges.\n")
    p = w.connect(features=peer.FEATURE_RANGES | peer.FEATURE_EVIDENCE)
    mine = sorted(tips[1:] + [(pub_of(seed_of("ranges-peer")), 1, r1id)])
    r = p.sync([r1], frontier=mine, expect_key=w.server.key, ranges=True)
    d = r.get("differences")
    if d is None:
        problems.append("the reconciliation never completed")
        return problems
    want = {missing_author: (missing_seq, missing_id), pub_of(seed_of("ranges-peer")): None}
    if d != want:
        problems.append(f"differences {{{', '.join(k.hex()[:8] + ': ' + str(v) for k, v in d.items())}}} "
                        f"!= the true ones {{{', '.join(k.hex()[:8] + ': ' + str(v) for k, v in want.items())}}}")
    got = [event_info_id(e) for e in r["received"]]
    if len(got) != missing_seq or any(peer.event_info(e)[0] != missing_author for e in r["received"]):
        problems.append(f"the server sent {len(got)} events; the peer lacked the {missing_seq} of one author")
    if not r["acks"] or r["acks"][0].stored != 1:
        problems.append(f"the peer's own event was not stored: {r['acks']}")
    return problems


def case_ranges_malformed(w):
    problems = []
    p = w.connect(features=peer.FEATURE_RANGES)
    p.handshake(expect_key=w.server.key)
    p.send(Frontier(peer.DEFAULT_WINDOW, []))
    p.send(peer.Ranges(b"\x07garbage that is no range"))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "malformed", problems, contains="RANGES")
    return problems


def case_ranges_unannounced(w):
    problems = []
    p = w.established()
    p.send(peer.Ranges(b"\xff\x00"))
    msgs = expect_closed(p, problems)
    expect_error(msgs, "protocol-violation", problems)
    return problems


def case_missing_deps(w):
    return batch_case(missing_deps_events)(w)


def case_silent(w):
    problems = []
    p = w.established()
    t = time.monotonic()
    msgs = expect_closed(p, problems, timeout=IDLE + 4)
    took = time.monotonic() - t
    expect_error(msgs, "idle-timeout", problems)
    if took < IDLE - 0.5:
        problems.append(f"closed after {took:.1f} s, before the idle timeout of {IDLE} s")
    return problems


def case_silent_before_hello(w):
    problems = []
    p = w.connect()
    msgs = expect_closed(p, problems, timeout=IDLE + 4)
    if names(msgs) != ["HELLO"]:
        problems.append(f"expected only the server's HELLO, got {names(msgs)}")
    return problems


class FloodState:
    big = None
    small = None


def setup_flood(w):
    big, _ = ev("flood-big", 1, text="x" * (1024 * 1024 - 256))
    small, _ = ev("flood-small", 1, text="s")
    p = w.connect()
    p.sync([big, small], frontier=w.frontier_tips(), expect_key=w.server.key)
    FloodState.big, FloodState.small = big, small


def case_flood(w):
    """Never reads, never stops: 1 MiB batches for 2 s (memory must stay bounded; a receiver
    cannot tell these from a compliant sender), then small batches far beyond the window."""
    problems = []
    srv = w.server
    before = srv.rss_mib()
    peak = before or 0
    p = w.established()
    n, closed_by, t0 = 1, None, time.monotonic()
    try:
        while time.monotonic() - t0 < 2.0:
            p.send(Batch(n, [FloodState.big]))
            n += 1
            peak = max(peak, srv.rss_mib() or 0)
        t1 = time.monotonic()
        while time.monotonic() - t1 < 8.0:
            p.send_raw(b"".join(p.seal(Batch(n + i, [FloodState.small])) for i in range(64)))
            n += 64
            peak = max(peak, srv.rss_mib() or 0)
        problems.append(f"the server was still reading after {n - 1} batches and 10 s of flooding")
    except (BrokenPipeError, ConnectionResetError, socket.timeout) as e:
        closed_by = type(e).__name__
    peak = max(peak, srv.rss_mib() or 0)
    msgs = expect_closed(p, problems, timeout=5)
    after = srv.rss_mib()
    if peak > RSS_LIMIT_MIB or (after or 0) > RSS_LIMIT_MIB:
        problems.append(f"server memory {before:.0f} MiB before, peak {peak:.0f}, after {after:.0f}: over {RSS_LIMIT_MIB} MiB")
    case_flood.note = f"{n - 1} batches sent; RSS {before:.0f} -> peak {peak:.0f} -> {after:.0f} MiB; ended by {closed_by or 'EOF'}"
    if errors_in(msgs):
        expect_error(msgs, "protocol-violation", problems)
    return problems


def case_flipped_bit(w):
    problems = []
    e, _ = ev("flipped", 1)
    p = w.established()
    f = p.seal(Batch(1, [e]))
    p.send_raw(flip_bit(f, 4 + 20, 3))
    msgs = expect_closed(p, problems)
    if errors_in(msgs):
        problems.append(f"SYNC.md §6: no ERROR after decrypt-failed, got {errors_in(msgs)}")
    return problems


def case_flipped_length(w):
    """A bit flipped in the 4 length bytes (the AAD): the frame is cut short and fails to open."""
    problems = []
    e, _ = ev("flipped-length", 1)
    p = w.established()
    f = p.seal(Batch(1, [e]))
    bad = peer.u32(len(f) - 4 - 8) + f[4:]  # claims 8 bytes fewer; the rest is stray bytes
    p.send_raw(bad)
    expect_closed(p, problems)
    return problems


def case_replayed(w):
    problems = []
    e, _ = ev("replayed", 1)
    p = w.established()
    f = p.seal(Batch(1, [e]))
    p.send_raw(f)
    try:
        while not isinstance(p.recv(), Ack):
            pass
    except (peer.Closed, socket.timeout, peer.SyncFailure) as ex:
        problems.append(f"no ACK for the original batch: {ex}")
        return problems
    p.send_raw(f)  # the same sealed frame again
    msgs = expect_closed(p, problems)
    if errors_in(msgs):
        problems.append(f"SYNC.md §6: no ERROR after decrypt-failed, got {errors_in(msgs)}")
    return problems


def case_reordered(w):
    problems = []
    e1, _ = ev("reordered-1", 1)
    e2, _ = ev("reordered-2", 1)
    p = w.established()
    f1 = p.seal(Batch(1, [e1]))
    f2 = p.seal(Batch(2, [e2]))
    p.send_raw(f2 + f1)
    expect_closed(p, problems)
    return problems


class OldSession:
    frame = None


def setup_older_session(w):
    e, _ = ev("older-session", 1)
    off = w.server.offset()
    p = w.established()
    OldSession.frame = p.seal(Batch(1, [e]))  # sealed with counter 2 of that session, never sent
    p.close()
    w.server.wait_session_line(off)


def case_older_session(w):
    problems = []
    p = w.established()  # AUTH and FRONTIER used counters 0 and 1: the next is 2, as in the old one
    p.send_raw(OldSession.frame)
    expect_closed(p, problems)
    return problems


def case_live(w):
    """Live mode (SYNC.md §10): after both DONEs the server keeps the session; an event appended
    to its ledger by another process arrives as the next BATCH; PINGs keep the session alive; a
    close after that is a clean end."""
    problems = []
    p = w.connect(features=peer.FEATURE_WATCH)
    p.handshake(expect_key=w.server.key)
    if not (p.received[0].features & peer.FEATURE_WATCH):
        problems.append("the server's HELLO does not offer live mode")
    p.send(Frontier(peer.DEFAULT_WINDOW, w.frontier_tips()))
    got_done = False
    deadline = time.monotonic() + 5
    while not got_done and time.monotonic() < deadline:
        m = p.recv()
        got_done = isinstance(m, Done)
    p.send(Done(0))
    # Caught up: the server must not close. Keep it alive with PINGs for 1.5 idle periods.
    t = time.monotonic()
    while time.monotonic() - t < IDLE * 1.5:
        p.send(Ping())
        try:
            m = p.recv(timeout=0.4)
            if not isinstance(m, Ping):  # a keepalive is fine (SYNC.md §10); anything else is not
                problems.append(f"unexpected {m} while caught up")
        except socket.timeout:
            pass
        except peer.Closed:
            problems.append("the server closed a live session that was caught up and pinging")
            return problems
    art = os.path.join(w.tmp, "live.txt")
    with open(art, "w") as f:
        f.write("Appended while a live peer is connected.\n")
    r = w.add_article(art)
    if r.returncode != 0:
        problems.append(f"gloss article add failed: {r.stderr}")
        return problems
    batch = None
    t = time.monotonic()
    while batch is None and time.monotonic() - t < 3:
        p.send(Ping())
        try:
            m = p.recv(timeout=0.4)
        except socket.timeout:
            continue
        if isinstance(m, Batch):
            batch = m
        elif not isinstance(m, Ping):
            problems.append(f"unexpected {m}")
    if batch is None:
        problems.append("the event appended on the server did not arrive within 3 s")
        return problems
    if batch.number != 1 or len(batch.events) != 1 or b"Appended while a live peer" not in batch.events[0]:
        problems.append(f"unexpected live batch {batch}")
    a, sq, i = peer.event_info(batch.events[0])
    p.send(Ack(batch.number, 1, 0, [(a, sq, i)]))
    time.sleep(0.2)
    p.close()
    return problems


HOSTILE_TEXT = "boom \x1b[2J\x1b]0;pwned\x07 \x1b[31mred \u202eevil\u202c \x9b31m"


def case_hostile_error_text(w):
    """A peer's ERROR text is data: the server logs it with every control and bidirectional
    override shown as text, never as bytes a terminal would act on."""
    problems = []
    off = w.server.offset()
    p = w.established()
    p.send(Error(14, HOSTILE_TEXT))
    expect_closed(p, problems)
    line = w.server.wait_session_line(off, timeout=5.0) or ""
    logged = w.server.log()[off:]
    bad = [c for c in logged if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
           or 0x202a <= ord(c) <= 0x202e or 0x2066 <= ord(c) <= 0x2069]
    if bad:
        problems.append(f"the server's log holds raw control characters: {sorted(set(hex(ord(c)) for c in bad))}")
    if "\\x1b[2J" not in line or "U+202E" not in line:
        problems.append(f"the peer's text is not shown visibly on the log line: {line.strip()[-300:]}")
    return problems


# (name, function, expected server reason or "ok", expected stored delta, setup or None)
CASES = [
    ("positive: the Python peer syncs 4 valid events", case_positive, "ok", 4, None),
    ("live mode: a new server event arrives as a BATCH", case_live, "ok", 1, None),
    ("garbage bytes", case_garbage, "malformed", 0, None),
    ("garbage: an HTTP request", case_http, "frame-too-large", 0, None),
    ("a frame over the 2 MiB cap", case_over_cap, "frame-too-large", 0, None),
    ("a truncated frame, then close", case_truncated, "truncated", 0, None),
    ("HELLO with version 2 (clear refusal)", case_wrong_version, "unsupported-version", 0, None),
    ("AUTH with a bad signature (server role)", case_bad_auth, "bad-handshake", 0, None),
    ("an unknown client key", case_unknown_key, "not-allowed", 0, None),
    ("a batch with a bad event signature", batch_case(bad_signature_events), "invalid-event", 0, None),
    ("a tampered event (header changed: id no longer signed)", batch_case(tampered_header_events), "invalid-event", 0, None),
    ("a tampered event (payload changed)", batch_case(tampered_payload_events), "invalid-event", 0, None),
    ("a broken chain: seq 3 after seq 1", batch_case(seq_gap_events), "invalid-event", 0, None),
    ("a broken chain: prev is another author's event", case_foreign_prev, "invalid-event", 0, None),
    ("a fork across two batches", case_fork, "invalid-event", 1, None),
    ("a fork inside one batch", case_fork_in_one_batch, "invalid-event", 0, None),
    ("a fork announced in FRONTIER (logged, not exchanged)", case_frontier_fork, "ok+fork", 0, setup_frontier_fork),
    ("a fork at equal seqs, exchanged as EVIDENCE", case_evidence_equal, "ok+evidence", 0, setup_evidence_equal),
    ("a fork where the server's branch is longer", case_evidence_server_longer, "ok+evidence", 0, setup_evidence_server_longer),
    ("a fork where the peer's branch is longer", case_evidence_peer_longer, "ok+evidence", 0, setup_evidence_peer_longer),
    ("EVIDENCE of an event the server holds (no fork)", case_evidence_not_a_fork, "invalid-event", 0, None),
    ("EVIDENCE with a bad signature", case_evidence_bad_signature, "invalid-event", 0, None),
    ("EVIDENCE without the evidence feature", case_evidence_unannounced, "protocol-violation", 0, None),
    ("the same EVIDENCE twice", case_evidence_twice, "protocol-violation", 0, None),
    ("a peer that reconciles by RANGES", case_ranges_positive, "ok", 1, None),
    ("a malformed RANGES", case_ranges_malformed, "malformed", 0, None),
    ("RANGES without the ranges feature", case_ranges_unannounced, "protocol-violation", 0, None),
    ("an event whose deps never arrive", case_missing_deps, "invalid-event", 0, None),
    ("a batch pipelined after a refused batch", case_pipelined_after_refused, "invalid-event", 0, None),
    ("a silent peer after the handshake", case_silent, "idle-timeout", 0, None),
    ("a silent peer before HELLO", case_silent_before_hello, "idle-timeout", 0, None),
    ("a peer that never stops sending", case_flood, "protocol-violation", 0, setup_flood),
    ("a flipped bit in a sealed frame", case_flipped_bit, "decrypt-failed", 0, None),
    ("a flipped bit in a sealed frame's length", case_flipped_length, "decrypt-failed", 0, None),
    ("a replayed frame", case_replayed, "decrypt-failed", 1, None),
    ("a reordered frame", case_reordered, "decrypt-failed", 0, None),
    ("a frame from an older session", case_older_session, "decrypt-failed", 0, setup_older_session),
    ("an ERROR whose text holds escape sequences and bidi overrides", case_hostile_error_text, "internal-error", 0, None),
    ("an event without its payload that no erasure names", case_erased_without_erasure, "invalid-event", 0, None),
    ("ERASURE without the erasures feature", case_erasure_unannounced, "protocol-violation", 0, None),
    ("an ERASURE whose erasure has a bad signature", case_erasure_bad_signature, "invalid-event", 0, None),
    ("an ERASURE that holds no erasure", case_erasure_not_an_erasure, "invalid-event", 0, None),
    ("a notice by one key for another key's event", case_erasure_of_someone_else, "invalid-event", 0, None),
]


def run_case(w, name, fn, reason, delta, setup):
    problems = []
    if setup:
        setup(w)
    count0, front0 = w.log_count(), w.frontier()
    off = w.server.offset()
    try:
        problems += fn(w)
    except Exception as e:  # a case that could not even run is a failure, with its reason
        problems.append(f"{type(e).__name__}: {e} [{traceback.format_exc(limit=3).strip().splitlines()[-2].strip()}]")
    line = w.server.wait_session_line(off, timeout=IDLE + 4)
    if line is None:
        problems.append("no session log line on the server's stderr")
    elif reason == "ok":
        if "outcome=ok" not in line:
            problems.append(f"the server's log line is not ok: {line.strip()}")
    elif reason == "ok+evidence":
        if "outcome=ok" not in line:
            problems.append(f"the server's log line is not ok: {line.strip()}")
        if "fork recorded" not in w.server.log()[off:]:
            problems.append("the server does not log the fork evidence it recorded")
    elif reason == "ok+fork":
        if "outcome=ok" not in line:
            problems.append(f"the server's log line is not ok: {line.strip()}")
        if not re.search(r"fork|disagree", w.server.log()[off:], re.I):
            problems.append(f"the server does not log the fork it was shown (log: {line.strip()[-160:]})")
    elif f"outcome=failed reason={reason}:" not in line:
        problems.append(f"expected reason={reason} on the log line: {line.strip()[-300:]}")
    count1, front1 = w.log_count(), w.frontier()
    if count1 != count0 + delta:
        problems.append(f"the log went from {count0} to {count1} events, expected {count0 + delta}")
    if delta == 0 and front1 != front0:
        problems.append("the frontier changed")
    if not w.server.alive():
        problems.append(f"the server died (exit {w.server.proc.returncode}): {w.server.log()[-500:]}")
        w.restart_if_dead()
    else:
        ok, detail = w.well_behaved_sync()
        if not ok:
            problems.append(f"a well-behaved peer is no longer served: {detail}")
    return problems, line


def main():
    global HUB
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops the server
    cluster = None
    if "--hub" in sys.argv[1:]:
        sys.path.insert(0, os.path.join(REPO, "Tests", "system"))
        import pgcluster  # noqa: E402
        cluster = pgcluster.Cluster()
        HUB = cluster.create_database()
    if not os.access(GLOSS, os.X_OK):
        print(f"no gloss binary at {GLOSS} (set GLOSS_BIN)")
        return 2
    started = time.monotonic()
    passed = failed = 0
    w = None
    try:
        w = World()
        print(f"server {w.server.key.hex()[:16]} on {HOST}:{w.server.port}, idle timeout {IDLE} s")
        for name, fn, reason, delta, setup in CASES:
            t = time.monotonic()
            try:
                problems, line = run_case(w, name, fn, reason, delta, setup)
            except Exception as e:
                problems, line = [f"the case could not be run: {type(e).__name__}: {e}"], None
                if w.restart_if_dead():
                    problems.append("the server had died")
            note = getattr(fn, "note", "")
            took = time.monotonic() - t
            if problems:
                failed += 1
                print(f"FAIL {name} ({took:.1f} s)")
                for pr in problems:
                    print(f"       - {pr}")
                if line:
                    print(f"       server: {line.strip()[-300:]}")
            else:
                passed += 1
                print(f"ok   {name} ({took:.1f} s){': ' + note if note else ''}")
                if VERBOSE and line:
                    print(f"       server: {line.strip()[line.find('outcome='):][:300]}")
    except Exception as e:
        failed += 1
        print(f"FAIL setup: {type(e).__name__}: {e}")
    finally:
        if w is not None:
            w.close()
        if cluster is not None:
            cluster.destroy()
    print(f"({time.monotonic() - started:.1f} s)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
