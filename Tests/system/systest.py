"""Shared helpers of the system tests in Tests/system/ (crash_campaign.py, load.py).

Runs the real `gloss` binary (GLOSS_BIN, default .build/debug/gloss of this repository) on
temporary ledgers, only on 127.0.0.1. Everything is bounded in time: every subprocess.run has a
timeout, every socket a timeout, every Popen is registered and killed (SIGKILL) at exit, even
on failure or SIGTERM/SIGINT. Events are built and signed in Python with the encoder of
Protocol/vectors/check_events.py (written from Protocol/EVENTS.md), so no gloss code is
trusted to make the test data.
"""

import atexit
import hashlib
import os
import random
import re
import select
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
VECTORS = os.path.join(REPO, "Protocol", "vectors")
sys.path.insert(0, VECTORS)
import check_events as ce  # noqa: E402
import peer  # noqa: E402  (the independent sync peer of Protocol/vectors)

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

GLOSS = os.environ.get("GLOSS_BIN") or os.path.join(REPO, ".build", "debug", "gloss")
HOST = "127.0.0.1"
T0 = 1_764_000_000_000


# --- Results ------------------------------------------------------------------------------------
class Results:
    """One line per case; `N passed, M failed` at the end."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []

    def report(self, ok, label, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(f"{label}: {detail}")
        print(f"{'ok  ' if ok else 'FAIL'} {label}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def note(self, text):
        print(f"     {text}", flush=True)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0


# --- Processes ----------------------------------------------------------------------------------
_PROCS = []      # every Popen started, killed at exit
_TEMPS = []      # temporary folders, removed at exit


def _cleanup():
    for p in _PROCS:
        if p.poll() is None:
            try:
                p.kill()
            except OSError:
                pass
    for p in _PROCS:
        try:
            p.wait(5)
        except (subprocess.TimeoutExpired, OSError):
            pass
        for f in (p.stdout, p.stderr):
            try:
                if f:
                    f.close()
            except OSError:
                pass
    del _PROCS[:]
    for d in _TEMPS:
        shutil.rmtree(d, ignore_errors=True)
    del _TEMPS[:]


atexit.register(_cleanup)


def install_signal_handlers():
    """SIGTERM / SIGINT / SIGHUP end the script through sys.exit, so that `finally` and atexit
    kill the servers and clients and remove the temporary folders."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, handler)


def cleanup():
    _cleanup()


def tempdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    _TEMPS.append(d)
    return d


def wait_binary():
    """The binary may be rebuilt under us: wait (at most 120 s) until it exists and its size and
    time have not changed for a second."""
    deadline = time.monotonic() + 120
    last = None
    while time.monotonic() < deadline:
        try:
            st = os.stat(GLOSS)
            cur = (st.st_size, st.st_mtime_ns)
        except OSError:
            cur = None
        if cur is not None and cur == last and os.access(GLOSS, os.X_OK):
            return True
        last = cur
        time.sleep(1)
    return False


def popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw):
    """Starts `gloss args…`, registered for the final cleanup. Retries when exec fails (the binary
    being replaced)."""
    for attempt in range(4):
        try:
            p = subprocess.Popen([GLOSS, *args], stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, **kw)
            _PROCS.append(p)
            return p
        except OSError:
            if attempt == 3:
                raise
            wait_binary()


class Run:
    """The result of one finished gloss command."""

    def __init__(self, args, rc, out, err, seconds):
        self.args, self.rc, self.out, self.err, self.seconds = args, rc, out, err, seconds

    @property
    def ok(self):
        return self.rc == 0

    def text(self, limit=600):
        t = (self.out + self.err).strip()
        return t if len(t) <= limit else "…" + t[-limit:]

    def __repr__(self):
        return f"gloss {' '.join(self.args)} -> rc {self.rc}: {self.text(300)}"


def gloss(*args, timeout=120, retry=True):
    """Runs `gloss args…` to the end (bounded by `timeout`). A run that fails strangely — exec
    fails, or killed by a signal we did not send — is retried after the binary is stable again,
    with a note on stderr, so a real crash that repeats is still seen."""
    for attempt in range(3):
        t = time.monotonic()
        try:
            r = subprocess.run([GLOSS, *args], capture_output=True, text=True, timeout=timeout,
                               stdin=subprocess.DEVNULL)
        except OSError as e:
            if not retry or attempt == 2:
                return Run(args, -999, "", f"could not run gloss: {e}", time.monotonic() - t)
            wait_binary()
            continue
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
            return Run(args, -1000, out, err + f"\n[timed out after {timeout} s]", time.monotonic() - t)
        res = Run(args, r.returncode, r.stdout, r.stderr, time.monotonic() - t)
        if r.returncode >= 0 or not retry or attempt == 2:
            return res
        print(f"     note: gloss {' '.join(args[:3])}… died of signal {-r.returncode}; retrying once the binary is stable",
              file=sys.stderr, flush=True)
        wait_binary()
    return res


# --- Ledgers ------------------------------------------------------------------------------------
def must(r, what):
    if not r.ok:
        raise RuntimeError(f"{what} failed: {r!r}")
    return r


def init(ledger):
    must(gloss("--ledger", ledger, "init"), f"gloss init {ledger}")
    return must(gloss("--ledger", ledger, "whoami"), "gloss whoami").out.strip()


def allow(ledger, key):
    must(gloss("--ledger", ledger, "peer", "allow", key), "gloss peer allow")


VERIFY_RE = re.compile(r"ok: (\d+) events? verified")


def verify(ledger, timeout=300):
    """(ok, event count or None, Run). ok: exit 0 and `ok: N events verified`."""
    r = gloss("--ledger", ledger, "verify", timeout=timeout)
    m = VERIFY_RE.search(r.out)
    return (r.ok and m is not None), (int(m.group(1)) if m else None), r


def frontier_count(ledger):
    """Σ seq over `gloss frontier` = the number of events held (each author's chain is 1…seq)."""
    r = gloss("--ledger", ledger, "frontier")
    if not r.ok:
        return None
    total = 0
    for entry in re.split(r"[,\s]+", r.out.strip()):
        if entry:
            total += int(entry.split(":")[1])
    return total


def snapshot(ledger, timeout=300):
    r = gloss("--ledger", ledger, "snapshot", timeout=timeout)
    lines = r.out.strip().splitlines()
    if r.ok and lines and lines[-1].startswith("snapshot "):
        return lines[-1].split()[1]
    return None


def integrity(ledger):
    """SQLite's own PRAGMA integrity_check, opened read-only (it modifies nothing)."""
    path = os.path.join(ledger, "ledger.sqlite")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            rows = con.execute("PRAGMA integrity_check").fetchall()
        finally:
            con.close()
        return "; ".join(r[0] for r in rows)
    except sqlite3.Error as e:
        return f"sqlite error: {e}"


def copy_ledger(src, dst):
    shutil.copytree(src, dst)


SUMMARY_RE = re.compile(r"sent (\d+) events?, received (\d+) \((\d+) new, (\d+) already here\)")


def sync_summary(text):
    """(sent, received, new, already) from `gloss sync` output, or None."""
    m = SUMMARY_RE.search(text)
    return tuple(int(x) for x in m.groups()) if m else None


def last_snapshot_line(text):
    lines = [ln for ln in text.strip().splitlines() if ln.startswith("snapshot ")]
    return lines[-1].split()[1] if lines else None


# --- The server ---------------------------------------------------------------------------------
class Server:
    """`gloss serve --listen 127.0.0.1:0 …` on a ledger; stderr (the session log) to a file."""

    def __init__(self, ledger, workdir, extra=()):
        self.ledger = ledger
        self.err_path = os.path.join(workdir, f"serve-{os.getpid()}-{time.monotonic_ns()}.err")
        self.extra = list(extra)
        self.proc = None
        self.peak_hwm_kib = 0
        for attempt in range(3):
            try:
                self._start()
                return
            except RuntimeError:
                self.kill()
                if attempt == 2:
                    raise
                wait_binary()

    def _start(self):
        self.err = open(self.err_path, "ab")
        self.proc = popen(["--ledger", self.ledger, "serve", "--listen", f"{HOST}:0", *self.extra],
                          stdout=subprocess.PIPE, stderr=self.err)
        line = b""
        deadline = time.monotonic() + 20
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise RuntimeError(f"gloss serve printed no address in 20 s: {line!r}")
            c = os.read(self.proc.stdout.fileno(), 1)
            if not c:
                raise RuntimeError(f"gloss serve exited: {line!r} {self.log()[-800:]}")
            line += c
        m = re.search(rb"Serving (.+) on ([0-9.]+):(\d+) as ([0-9a-f]{64})", line)
        if not m:
            raise RuntimeError(f"unexpected first line from gloss serve: {line!r}")
        self.port = int(m.group(3))
        self.key = m.group(4).decode()
        self.address = f"{HOST}:{self.port}"

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.err_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def session_lines(self):
        return [ln for ln in self.log().splitlines() if " session " in ln and "outcome=" in ln]

    def status_kib(self, field):
        """VmHWM / VmRSS of the server in KiB, from /proc/PID/status."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for ln in f:
                    if ln.startswith(field + ":"):
                        return int(ln.split()[1])
        except (OSError, ValueError):
            return None
        return None

    def sample(self):
        v = self.status_kib("VmHWM")
        if v:
            self.peak_hwm_kib = max(self.peak_hwm_kib, v)
        return v

    def kill(self):
        """SIGKILL, then reap."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self._reap()

    def stop(self):
        """SIGTERM (a clean stop), SIGKILL after 10 s. Returns True when it stopped on SIGTERM."""
        clean = True
        if self.proc is not None and self.proc.poll() is None:
            self.sample()
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                clean = False
                self.proc.kill()
        self._reap()
        return clean

    def _reap(self):
        if self.proc is not None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
            try:
                self.proc.stdout.close()
            except OSError:
                pass
        try:
            self.err.close()
        except (OSError, AttributeError):
            pass


# --- Events -------------------------------------------------------------------------------------
WORDS = ("ledger annotation passage comment article quote margin reader author event signed chain "
         "offline sync merge replay snapshot history reply edit tag delete restore frontier batch "
         "window credit peer server client handshake transcript seal nonce lamport sequence").split()


def seed_of(name):
    return hashlib.sha256(b"gloss/system-test/" + name.encode()).digest()


class Author:
    def __init__(self, name):
        self.name = name
        self.key = Ed25519PrivateKey.from_private_bytes(seed_of(name))
        self.public = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.seq = 0
        self.tip = None        # id of the last event
        self.lamport = 0       # lamport of the last event
        self.annotations = []  # [annotation id, last body value id]


def _sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


class EventFactory:
    """Valid events (EVENTS.md) of several authors that refer to each other: articles,
    annotations on passages of them, comment edits, tag changes and replies, with deps on other
    authors' events so that the set is a real causal graph (lamport = 1 + max(parents))."""

    def __init__(self, names, rng_seed=1):
        self.authors = [Author(n) for n in names]
        self.rng = random.Random(rng_seed)
        self.lamport_of = {}     # id -> lamport
        self.articles = []       # (article id = SHA-256 of the text, event id, text)
        self.all_annotations = []  # (annotation id, article id)
        self.count = 0

    def _emit(self, a, payload, refs=()):
        deps = sorted({r for r in refs if r is not None and r != a.tip and r in self.lamport_of})
        deps = deps[:64]
        lam = max([a.lamport] + [self.lamport_of[d] for d in deps]) + 1
        a.seq += 1
        p = ce.encode_payload(payload)
        header = ce.encode_header(a.public, a.seq, a.tip, lam, T0 + 1000 * self.count, deps, p)
        eid = hashlib.sha256(ce.DOMAIN_TAG + header).digest()
        ev = header + p + a.key.sign(eid)
        a.tip, a.lamport = eid, lam
        self.lamport_of[eid] = lam
        self.count += 1
        return ev, eid

    def _article(self, a):
        rng = self.rng
        text = "\n".join(_sentence(rng, rng.randint(6, 14)) for _ in range(rng.randint(3, 8))) + "\n"
        text = f"{a.name} #{a.seq + 1}: " + text
        ev, eid = self._emit(a, {"kind": "article.added", "title": f"Notes of {a.name} {a.seq + 1}",
                                 "source": "system-test", "text": text})
        self.articles.append((hashlib.sha256(text.encode("utf-8")).digest(), eid, text))
        return ev

    def next_event(self, i):
        rng = self.rng
        a = self.authors[i % len(self.authors)]
        if a.seq == 0 or not self.articles or rng.random() < 0.05:
            return self._article(a)
        r = rng.random()
        if r < 0.45 or not a.annotations:
            art_id, art_event, text = rng.choice(self.articles[-50:])
            start = rng.randrange(0, len(text) - 5)
            end = min(len(text), start + rng.randint(1, 40))
            exact = text[start:end]
            payload = {"kind": "annotation.created", "article": art_id.hex(), "target": "text",
                       "exact": exact, "prefix": text[max(0, start - 32):start], "suffix": text[end:end + 32],
                       "start": start, "end": end, "motivation": rng.choice(["commenting", "highlighting", "questioning"]),
                       "body": _sentence(rng, rng.randint(0, 12)), "tags": sorted({rng.choice(WORDS) for _ in range(rng.randint(0, 3))}),
                       "editors": []}
            ev, eid = self._emit(a, payload, refs=[art_event])
            a.annotations.append([eid, eid])
            self.all_annotations.append((eid, art_id))
            return ev
        if r < 0.70:
            ann = rng.choice(a.annotations[-20:])
            ev, eid = self._emit(a, {"kind": "body.edited", "annotation": ann[0].hex(), "pred": [ann[1].hex()],
                                     "body": _sentence(rng, rng.randint(1, 12))}, refs=[ann[1]])
            ann[1] = eid
            return ev
        if r < 0.85:
            ann = rng.choice(a.annotations[-20:])
            ev, _ = self._emit(a, {"kind": "tags.changed", "annotation": ann[0].hex(),
                                   "add": [rng.choice(WORDS) + "-x"], "remove": [], "pred": []}, refs=[ann[0]])
            return ev
        target, art_id = rng.choice(self.all_annotations[-100:])
        ev, eid = self._emit(a, {"kind": "annotation.created", "article": art_id.hex(), "target": "reply",
                                 "replyTo": target.hex(), "motivation": "replying", "body": _sentence(rng, rng.randint(1, 10)),
                                 "tags": [], "editors": []}, refs=[target])
        a.annotations.append([eid, eid])
        self.all_annotations.append((eid, art_id))
        return ev

    def events(self, n):
        return [self.next_event(i) for i in range(n)]


def bundle_bytes(events):
    """MERGE.md §13.2: magic ‖ u64 count ‖ (u32 length ‖ event)* ‖ SHA-256 of all before."""
    body = b"gloss-bundle-v1\n" + struct.pack(">Q", len(events)) + b"".join(struct.pack(">I", len(e)) + e for e in events)
    return body + hashlib.sha256(body).digest()


def write_bundle(path, events):
    with open(path, "wb") as f:
        f.write(bundle_bytes(events))
    return path


# --- Raw TCP ------------------------------------------------------------------------------------
def hello_frame():
    """A valid client HELLO frame (SYNC.md §4), as the independent peer builds it."""
    hs = peer.Handshake(peer.ROLE_CLIENT, os.urandom(32))
    return hs.hello_frame()


def connect(port, timeout=5.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setblocking(False)
    return s
