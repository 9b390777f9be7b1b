#!/usr/bin/env python3
"""An independent Gloss sync peer, written from Protocol/SYNC.md alone.

Two uses:

* `python3 Protocol/vectors/peer.py [path/to/sync.json]` checks the handshake vector
  (SYNC.md §13): from the fixed identity seeds, ephemeral keys and nonces it rebuilds both HELLO
  frames, the shared secret, the transcript, both keys and both sealed AUTH frames, opens them
  again, prints one line per check and `N passed, M failed`, and exits 1 when any fails.

* As a library (see Protocol/vectors/hostile_peers.py): `Peer.connect(host, port, seed)` opens a
  TCP connection; `handshake()` runs HELLO/AUTH as the client; `send(msg)` / `recv()` move
  sealed messages; `seal(msg)` builds a sealed frame without sending it (it uses up a counter);
  `send_raw(bytes)` puts any bytes on the wire; `sync(...)` runs a whole well-behaved session.
  Messages are the small classes below (Hello, Auth, Frontier, Batch, Ack, Done, Error, Ping).
  `make_event(...)` builds and signs an event per EVENTS.md (with the encoder of
  check_events.py).

Needs only the `cryptography` package. Every socket operation has a timeout.
"""

import hashlib
import json
import os
import socket
import sys
import time

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_events  # noqa: E402  (the event encoder and decoder of EVENTS.md)
import reconcile  # noqa: E402  (range reconciliation of RECONCILE.md)

# --- SYNC.md §3 and §11: constants ----------------------------------------------------------------
VERSION = 1
MAGIC = b"GLOSSYNC"
MAX_FRAME = 2 * 1024 * 1024
TAG_SIZE = 16
MAX_BATCH_EVENTS = 512
MAX_BATCH_BYTES = 1024 * 1024
DEFAULT_WINDOW = 8
MAX_WINDOW = 16
MAX_FRONTIER_ENTRIES = 1 << 20
MAX_ERROR_MESSAGE = 4096
MAX_EVENT = check_events.MAX_EVENT
FEATURE_WATCH = 1
FEATURE_EVIDENCE = 2
FEATURE_RANGES = 4
FEATURE_ERASURES = 8

TRANSCRIPT_TAG = b"gloss/sync/v1/transcript\x00"
AUTH_TAG = b"gloss/sync/v1/auth\x00"
KEYS_INFO = b"gloss/sync/v1/keys"
ROLE_CLIENT, ROLE_SERVER = 1, 2

T_HELLO, T_AUTH, T_FRONTIER, T_BATCH, T_ACK, T_DONE, T_ERROR, T_PING, T_EVIDENCE, T_RANGES, T_ERASURE = range(1, 12)

ERROR_CODES = {
    1: "malformed", 2: "frame-too-large", 3: "truncated", 4: "unsupported-version",
    5: "bad-handshake", 6: "not-allowed", 7: "unexpected-key", 8: "decrypt-failed",
    9: "protocol-violation", 10: "invalid-event", 11: "idle-timeout", 12: "overloaded",
    13: "shutting-down", 14: "internal-error",
}
ERROR_NUMBERS = {v: k for k, v in ERROR_CODES.items()}


class SyncFailure(Exception):
    """A session ended badly, with the SYNC.md error name."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


# --- SYNC.md §4: messages -------------------------------------------------------------------------
def u16(v): return v.to_bytes(2, "big")
def u32(v): return v.to_bytes(4, "big")
def u64(v): return v.to_bytes(8, "big")


class Msg:
    name = "?"

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __repr__(self):
        fields = ", ".join(f"{k}={v.hex() if isinstance(v, bytes) else v!r}" for k, v in self.__dict__.items())
        return f"{self.name}({fields})"


class Hello(Msg):
    name = "HELLO"

    def __init__(self, version, features, ephemeral, nonce, magic=MAGIC):
        self.version, self.features, self.ephemeral, self.nonce, self.magic = version, features, ephemeral, nonce, magic

    def encode(self):
        return bytes([T_HELLO]) + self.magic + u16(self.version) + u32(self.features) + self.ephemeral + self.nonce


class Auth(Msg):
    name = "AUTH"

    def __init__(self, identity, signature):
        self.identity, self.signature = identity, signature

    def encode(self):
        return bytes([T_AUTH]) + self.identity + self.signature


def encode_tips(tips):
    """tips: list of (author bytes, seq int, id bytes); written sorted by author."""
    tips = sorted(tips, key=lambda t: t[0])
    return u32(len(tips)) + b"".join(a + u64(s) + i for a, s, i in tips)


class Frontier(Msg):
    name = "FRONTIER"

    def __init__(self, window, tips):
        self.window, self.tips = window, list(tips)

    def encode(self):
        return bytes([T_FRONTIER]) + u16(self.window) + encode_tips(self.tips)


class Batch(Msg):
    name = "BATCH"

    def __init__(self, number, events):
        self.number, self.events = number, list(events)

    def encode(self):
        return bytes([T_BATCH]) + u32(self.number) + u16(len(self.events)) + b"".join(u32(len(e)) + e for e in self.events)


class Ack(Msg):
    name = "ACK"

    def __init__(self, number, stored, already, tips):
        self.number, self.stored, self.already, self.tips = number, stored, already, list(tips)

    def encode(self):
        return bytes([T_ACK]) + u32(self.number) + u32(self.stored) + u32(self.already) + encode_tips(self.tips)


class Done(Msg):
    name = "DONE"

    def __init__(self, sent):
        self.sent = sent

    def encode(self):
        return bytes([T_DONE]) + u64(self.sent)


class Error(Msg):
    name = "ERROR"

    def __init__(self, code, message):
        self.code, self.message = code, message

    @property
    def code_name(self):
        return ERROR_CODES.get(self.code, "internal-error")  # SYNC.md §4: an unknown code reads as 14

    def encode(self):
        b = self.message.encode("utf-8")[:MAX_ERROR_MESSAGE]
        return bytes([T_ERROR]) + u16(self.code) + u32(len(b)) + b


class Ping(Msg):
    name = "PING"

    def encode(self):
        return bytes([T_PING])


class Evidence(Msg):
    """SYNC.md §7.1: one signed event of an author whose chain forks from the receiver's."""
    name = "EVIDENCE"

    def __init__(self, event):
        self.event = event

    def encode(self):
        return bytes([T_EVIDENCE]) + u32(len(self.event)) + self.event


class Erasure(Msg):
    """SYNC.md §7.3: an erasure notice, ahead of the erased events it lets the receiver hold."""
    name = "ERASURE"

    def __init__(self, notice):
        self.notice = notice

    def encode(self):
        return bytes([T_ERASURE]) + u32(len(self.notice)) + self.notice


def notice(erasure, links=()):
    """SYNC.md §7.3: u8 n ‖ n × (u32 length ‖ event), the erasure first."""
    events = [erasure] + list(links)
    return bytes([len(events)]) + b"".join(u32(len(e)) + e for e in events)


def erased_form(data):
    """EVENTS.md §8.4: an event without its payload, header ‖ signature."""
    e = check_events.decode_event(data)
    return data[:len(data) - 64 - e["header"]["payloadLength"]] + data[-64:]


class Ranges(Msg):
    """SYNC.md §7.2: one step of range reconciliation; the body is RECONCILE.md's."""
    name = "RANGES"

    def __init__(self, body):
        self.body = body

    def encode(self):
        return bytes([T_RANGES]) + self.body


class _R:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def remaining(self):
        return len(self.data) - self.pos

    def take(self, n, what):
        if self.remaining() < n:
            raise SyncFailure("malformed", f"{what}: needs {n} bytes, {self.remaining()} left")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def int(self, n, what):
        return int.from_bytes(self.take(n, what), "big")


def _read_tips(r):
    n = r.int(4, "entry count")
    if n > MAX_FRONTIER_ENTRIES or n * 72 > r.remaining():
        raise SyncFailure("malformed", f"{n} frontier entries do not fit the frame")
    tips = []
    for i in range(n):
        t = (r.take(32, "author"), r.int(8, "seq"), r.take(32, "id"))
        if t[1] < 1:
            raise SyncFailure("malformed", f"entry {i}: seq 0")
        if tips and not tips[-1][0] < t[0]:
            raise SyncFailure("malformed", "frontier entries not strictly ascending by author")
        tips.append(t)
    return tips


def decode_message(body):
    """SYNC.md §4: one frame body (plaintext) to a message; raises SyncFailure."""
    r = _R(body)
    t = r.int(1, "type")
    if t == T_HELLO:
        magic = r.take(8, "magic")
        if magic != MAGIC:
            raise SyncFailure("malformed", "wrong magic")
        m = Hello(r.int(2, "version"), r.int(4, "features"), r.take(32, "ephemeral"), r.take(32, "nonce"))
    elif t == T_AUTH:
        m = Auth(r.take(32, "identity"), r.take(64, "signature"))
    elif t == T_FRONTIER:
        m = Frontier(r.int(2, "window"), _read_tips(r))
    elif t == T_BATCH:
        number = r.int(4, "batch number")
        count = r.int(2, "event count")
        if not 1 <= count <= MAX_BATCH_EVENTS:
            raise SyncFailure("protocol-violation", f"a batch of {count} events")
        events = []
        for i in range(count):
            n = r.int(4, "event length")
            if n > MAX_EVENT:
                raise SyncFailure("invalid-event", f"event {i + 1} of batch {number} is {n} bytes")
            events.append(r.take(n, "event"))
        m = Batch(number, events)
    elif t == T_ACK:
        m = Ack(r.int(4, "batch number"), r.int(4, "stored"), r.int(4, "already had"), _read_tips(r))
    elif t == T_DONE:
        m = Done(r.int(8, "sent"))
    elif t == T_ERROR:
        code = r.int(2, "code")
        n = r.int(4, "message length")
        if n > MAX_ERROR_MESSAGE:
            raise SyncFailure("malformed", f"an error message of {n} bytes")
        try:
            text = r.take(n, "message").decode("utf-8")
        except UnicodeDecodeError:
            raise SyncFailure("malformed", "error message is not UTF-8")
        m = Error(code, text)
    elif t == T_PING:
        m = Ping()
    elif t == T_RANGES:
        m = Ranges(r.take(r.remaining(), "ranges"))
    elif t == T_EVIDENCE:
        n = r.int(4, "event length")
        if n > MAX_EVENT:
            raise SyncFailure("invalid-event", f"an EVIDENCE event of {n} bytes")
        m = Evidence(r.take(n, "event"))
    elif t == T_ERASURE:
        m = Erasure(r.take(r.int(4, "notice length"), "notice"))
    else:
        raise SyncFailure("malformed", f"unknown message type {t}")
    if r.remaining():
        raise SyncFailure("malformed", f"{r.remaining()} bytes after a {m.name}")
    return m


# --- SYNC.md §5 and §6: handshake and sealing -----------------------------------------------------
def frame(body):
    """A clear frame: u32 length, then the body."""
    return u32(len(body)) + body


def nonce_for(counter):
    return b"\x00\x00\x00\x00" + u64(counter)


class FrameCipher:
    """One direction of a session: ChaCha20-Poly1305, nonce = 4 zero bytes ‖ u64 BE counter,
    AAD = the frame's 4 length bytes, tag appended, the length counting ciphertext + tag."""

    def __init__(self, key):
        self.aead = ChaCha20Poly1305(key)
        self.counter = 0

    def seal(self, plaintext):
        length = u32(len(plaintext) + TAG_SIZE)
        sealed = self.aead.encrypt(nonce_for(self.counter), plaintext, length)
        self.counter += 1
        return length + sealed

    def open(self, length, sealed):
        if len(sealed) < TAG_SIZE:
            raise SyncFailure("decrypt-failed", "a sealed frame shorter than its tag")
        try:
            plain = self.aead.decrypt(nonce_for(self.counter), sealed, length)
        except InvalidTag:
            raise SyncFailure("decrypt-failed", f"frame {self.counter} failed authentication")
        self.counter += 1
        return plain


def ed25519_key(seed):
    return Ed25519PrivateKey.from_private_bytes(seed)


def ed25519_public(private):
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def x25519_public(private):
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verify_ed25519(public, signature, message):
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


def transcript_hash(client_hello_body, server_hello_body):
    return hashlib.sha256(TRANSCRIPT_TAG + client_hello_body + server_hello_body).digest()


def session_keys(shared, transcript):
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=transcript, info=KEYS_INFO).derive(shared)
    return okm[:32], okm[32:]


def auth_message(role, transcript):
    return AUTH_TAG + bytes([role]) + transcript


def x25519_shared(private, peer_public):
    """Raises SyncFailure(bad-handshake) for a low-order peer key (all-zero result)."""
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(peer_public))
    except ValueError:
        raise SyncFailure("bad-handshake", "the peer's X25519 key is invalid")
    if shared == bytes(32):
        raise SyncFailure("bad-handshake", "the peer's X25519 key is of low order")
    return shared


class Handshake:
    """The key schedule of one side, without sockets (used by the vector check and by Peer)."""

    def __init__(self, role, identity_seed, ephemeral_private=None, nonce=None, features=0, version=VERSION):
        self.role = role
        self.identity = ed25519_key(identity_seed)
        self.identity_public = ed25519_public(self.identity)
        self.ephemeral = X25519PrivateKey.from_private_bytes(ephemeral_private or os.urandom(32))
        self.nonce = nonce if nonce is not None else os.urandom(32)
        self.hello = Hello(version, features, x25519_public(self.ephemeral), self.nonce)
        self.hello_body = self.hello.encode()
        self.send_cipher = self.receive_cipher = None
        self.transcript = self.shared = self.keys = None

    def hello_frame(self):
        return frame(self.hello_body)

    def receive_hello(self, peer_body):
        """Derives everything from the peer's HELLO body; returns our sealed AUTH frame."""
        self.accept_hello(peer_body)
        return self.send_cipher.seal(self.auth().encode())

    def auth(self, role=None):
        """Our AUTH message (signed for `role`, by default our own role)."""
        sig = self.identity.sign(auth_message(role or self.role, self.transcript))
        return Auth(self.identity_public, sig)

    def accept_hello(self, peer_body):
        """SYNC.md §5.2: checks the peer's HELLO body and derives the shared secret, transcript
        and both ciphers (nothing is sealed yet)."""
        m = decode_message(peer_body)
        if not isinstance(m, Hello):
            raise SyncFailure("protocol-violation", f"{m.name} where HELLO was due")
        if m.version != VERSION:
            raise SyncFailure("unsupported-version", f"peer speaks version {m.version}")
        self.peer_hello = m
        self.shared = x25519_shared(self.ephemeral, m.ephemeral)
        ch, sh = (self.hello_body, peer_body) if self.role == ROLE_CLIENT else (peer_body, self.hello_body)
        self.transcript = transcript_hash(ch, sh)
        self.keys = session_keys(self.shared, self.transcript)
        c2s, s2c = self.keys
        self.send_cipher = FrameCipher(c2s if self.role == ROLE_CLIENT else s2c)
        self.receive_cipher = FrameCipher(s2c if self.role == ROLE_CLIENT else c2s)

    def check_auth(self, m):
        """Verifies the peer's AUTH; returns its identity key."""
        if not isinstance(m, Auth):
            raise SyncFailure("protocol-violation", f"{m.name} where AUTH was due")
        peer_role = ROLE_SERVER if self.role == ROLE_CLIENT else ROLE_CLIENT
        if not verify_ed25519(m.identity, m.signature, auth_message(peer_role, self.transcript)):
            raise SyncFailure("bad-handshake", "the peer's AUTH signature does not verify")
        return m.identity


# --- Events (EVENTS.md, through check_events.py) -------------------------------------------------
def make_event(seed, seq, prev, lamport, time_ms, deps, payload):
    """Builds and signs an event; returns (bytes, id). `payload` is bytes or a check_events dict."""
    if isinstance(payload, dict):
        payload = check_events.encode_payload(payload)
    key = ed25519_key(seed)
    author = ed25519_public(key)
    header = check_events.encode_header(author, seq, prev, lamport, time_ms, sorted(deps), payload)
    eid = hashlib.sha256(check_events.DOMAIN_TAG + header).digest()
    return header + payload + key.sign(eid), eid


def article(title, text, source=""):
    return {"kind": "article.added", "title": title, "source": source, "text": text}


def event_info(data):
    """(author, seq, id) of an event's bytes (decoded per EVENTS.md D1–D7)."""
    e = check_events.decode_event(data)
    return e["header"]["author"], e["header"]["seq"], e["id"]


# --- A peer over TCP ------------------------------------------------------------------------------
class Closed(Exception):
    """The other side closed the connection (cleanly, or by reset)."""


class Peer:
    def __init__(self, sock, handshake, timeout=5.0):
        self.sock = sock
        self.hs = handshake
        self.timeout = timeout
        self.buffer = b""
        self.peer_key = None
        self.received = []  # every message received, in order (for tests)
        sock.settimeout(timeout)

    @classmethod
    def connect(cls, host, port, seed, timeout=5.0, role=ROLE_CLIENT, **handshake_args):
        sock = socket.create_connection((host, port), timeout=timeout)
        return cls(sock, Handshake(role, seed, **handshake_args), timeout)

    # Raw bytes and frames.
    def send_raw(self, data):
        self.sock.sendall(data)

    def _fill(self, n, deadline):
        while len(self.buffer) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out waiting for the peer")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError) as e:
                raise Closed(f"reset: {e}")
            if not chunk:
                if self.buffer:
                    raise Closed(f"closed in the middle of a frame ({len(self.buffer)} bytes)")
                raise Closed("closed")
            self.buffer += chunk

    def recv_frame(self, timeout=None):
        """(length bytes, body) of the next frame; raises Closed at end of stream, socket.timeout."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        self._fill(4, deadline)
        n = int.from_bytes(self.buffer[:4], "big")
        if n > MAX_FRAME:
            raise SyncFailure("frame-too-large", f"a frame of {n} bytes")
        self._fill(4 + n, deadline)
        length, body = self.buffer[:4], self.buffer[4:4 + n]
        self.buffer = self.buffer[4 + n:]
        return length, body

    def recv_clear(self, timeout=None):
        length, body = self.recv_frame(timeout)
        m = decode_message(body)
        self.received.append(m)
        return m

    def recv(self, timeout=None):
        """The next sealed message, opened and decoded."""
        length, body = self.recv_frame(timeout)
        m = decode_message(self.hs.receive_cipher.open(length, body))
        self.received.append(m)
        return m

    def seal(self, msg):
        """A sealed frame of `msg` under the next send counter (not sent)."""
        return self.hs.send_cipher.seal(msg.encode() if isinstance(msg, Msg) else msg)

    def send(self, msg):
        data = self.seal(msg)
        self.send_raw(data)
        return data

    # The handshake, as the client (SYNC.md §5).
    def send_hello(self):
        self.send_raw(self.hs.hello_frame())

    def exchange_hellos(self):
        """Sends our HELLO, reads the server's (clear) and derives the keys; sends no AUTH.
        Returns the server's HELLO. Raises SyncFailure on a clear ERROR."""
        self.send_hello()
        length, body = self.recv_frame()
        m = decode_message(body)
        self.received.append(m)
        if isinstance(m, Error):
            raise SyncFailure(m.code_name, f"the peer refused: {m.message}")
        self.hs.accept_hello(body)
        return m

    def handshake(self, expect_key=None):
        """HELLO and AUTH; returns the server's key. Raises SyncFailure on an ERROR or a bad AUTH."""
        self.exchange_hellos()
        self.send(self.hs.auth())
        m = self.recv()
        if isinstance(m, Error):
            raise SyncFailure(m.code_name, f"the peer refused: {m.message}")
        key = self.hs.check_auth(m)
        if expect_key is not None and key != expect_key:
            self.send(Error(ERROR_NUMBERS["unexpected-key"], "the client expected another server key"))
            raise SyncFailure("unexpected-key", f"server key {key.hex()}")
        self.peer_key = key
        return key

    def read_until_closed(self, timeout=5.0):
        """Reads (and opens, when keys are agreed) frames until the peer closes.
        Returns (messages, closed: bool, note)."""
        deadline = time.monotonic() + timeout
        out = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return out, False, "still open"
            try:
                length, body = self.recv_frame(left)
            except Closed as e:
                return out, True, str(e)
            except socket.timeout:
                return out, False, "still open"
            try:
                if self.hs.receive_cipher is not None:
                    body = self.hs.receive_cipher.open(length, body)
                m = decode_message(body)
            except SyncFailure as e:
                out.append(("undecodable", e.code))
                continue
            self.received.append(m)
            out.append(m)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # A whole well-behaved session (SYNC.md §7–§9).
    def sync(self, events=(), frontier=(), window=DEFAULT_WINDOW, expect_key=None, timeout=10.0, evidence=(), twins=None,
             ranges=False):
        """Handshake, then send `events` (bytes, parents first) in batches within the peer's window,
        acknowledge every batch received, DONE, and wait for the server to close.
        `frontier`: the tips this side claims, [(author, seq, id)]. Returns a dict of what happened.
        With the evidence feature (SYNC.md §7.1): `evidence` are events sent as EVIDENCE right
        after the FRONTIER (forks this side found); `twins` maps an author's key to this side's
        event sent back when the peer's EVIDENCE for that author arrives (once per author), and
        the session ends only after the peer's EVIDENCE for every author we sent one for.
        With `ranges` (both HELLOs set FEATURE_RANGES, SYNC.md §7.2) the FRONTIER carries no
        entries and `frontier` is reconciled by RANGES (reconcile.py); batches wait for the end
        of it, and result["differences"] holds what the server holds where the two differ."""
        deadline = time.monotonic() + timeout
        self.handshake(expect_key)
        rec = None
        if ranges:
            self.send(Frontier(window, []))
            rec = reconcile.Reconciler(sorted(frontier))
            self.send(Ranges(rec.start()))
        else:
            self.send(Frontier(window, frontier))
        twins = dict(twins or {})
        evidence_sent, awaiting = set(), set()
        for e in evidence:
            a = event_info(e)[0]
            self.send(Evidence(e))
            evidence_sent.add(a)
            awaiting.add(a)
        events = list(events)
        batches = []
        while events:
            b, size = [], 0
            while events and len(b) < MAX_BATCH_EVENTS and (not b or size + len(events[0]) <= MAX_BATCH_BYTES):
                size += len(events[0])
                b.append(events.pop(0))
            batches.append(b)
        peer_window = None
        next_batch, unacked, done_sent, peer_done, sent_events = 1, 0, False, False, 0
        expected = 1
        result = {"received": [], "acks": [], "sent_batches": len(batches), "evidence": []}
        while True:
            if peer_window is not None and (rec is None or rec.complete):
                while batches and unacked < peer_window:
                    b = batches.pop(0)
                    self.send(Batch(next_batch, b))
                    sent_events += len(b)
                    next_batch += 1
                    unacked += 1
                if not batches and unacked == 0 and not done_sent:
                    self.send(Done(sent_events))
                    done_sent = True
            if done_sent and peer_done and not awaiting:
                break
            left = deadline - time.monotonic()
            if left <= 0:
                raise SyncFailure("idle-timeout", "the session did not finish in time")
            m = self.recv(left)
            if isinstance(m, Error):
                raise SyncFailure(m.code_name, f"the peer refused: {m.message}")
            if isinstance(m, Frontier):
                if peer_window is not None:
                    raise SyncFailure("protocol-violation", "a second FRONTIER")
                peer_window = min(max(m.window, 1), MAX_WINDOW)
                result["peer_frontier"] = m.tips
            elif isinstance(m, Batch):
                if m.number != expected:
                    raise SyncFailure("protocol-violation", f"batch {m.number}, expected {expected}")
                expected += 1
                tips = {}
                for e in m.events:
                    a, s, i = event_info(e)
                    if s > tips.get(a, (0,))[0]:
                        tips[a] = (s, i)
                    result["received"].append(e)
                self.send(Ack(m.number, len(m.events), 0, [(a, s, i) for a, (s, i) in tips.items()]))
            elif isinstance(m, Ack):
                if unacked == 0 or m.number != next_batch - unacked:
                    raise SyncFailure("protocol-violation", f"ACK {m.number}")
                unacked -= 1
                result["acks"].append(m)
            elif isinstance(m, Done):
                peer_done = True
            elif isinstance(m, Ping):
                pass
            elif isinstance(m, Ranges):
                if rec is None:
                    raise SyncFailure("protocol-violation", "RANGES in a session without them")
                try:
                    reply = rec.receive(m.body)
                except reconcile.ReconcileError as e:
                    raise SyncFailure("malformed", f"RANGES: {e}")
                if reply is not None:
                    self.send(Ranges(reply))
                if rec.complete:
                    result["differences"] = dict(rec.differences)
            elif isinstance(m, Evidence):
                a = event_info(m.event)[0]
                result["evidence"].append(m.event)
                awaiting.discard(a)
                if a not in evidence_sent and a in twins:
                    self.send(Evidence(twins[a]))
                    evidence_sent.add(a)
            else:
                raise SyncFailure("protocol-violation", f"a {m.name}")
        # Both DONEs are exchanged: the server closes; so do we.
        _, closed, _ = self.read_until_closed(max(0.5, min(3.0, deadline - time.monotonic())))
        result["server_closed"] = closed
        self.close()
        return result


# --- The vector check (SYNC.md §13) ---------------------------------------------------------------
def check_vector(v):
    """Yields (ok, label, detail) for each check of sync.json."""
    h = lambda k: bytes.fromhex(v[k])  # noqa: E731
    client = Handshake(ROLE_CLIENT, h("clientIdentitySeed"), h("clientEphemeralPrivate"), h("clientNonce"), features=0)
    server = Handshake(ROLE_SERVER, h("serverIdentitySeed"), h("serverEphemeralPrivate"), h("serverNonce"), features=FEATURE_WATCH)

    def eq(label, got, want):
        return (got == want, label, "" if got == want else f"got {got.hex()}, want {want.hex()}")

    yield eq("client HELLO frame", client.hello_frame(), h("clientHelloFrame"))
    yield eq("server HELLO frame", server.hello_frame(), h("serverHelloFrame"))
    client_auth = client.receive_hello(h("serverHelloFrame")[4:])
    server_auth = server.receive_hello(h("clientHelloFrame")[4:])
    yield eq("shared secret (client side)", client.shared, h("sharedSecret"))
    yield eq("shared secret (server side)", server.shared, h("sharedSecret"))
    yield eq("transcript", client.transcript, h("transcript"))
    yield eq("transcript (server side)", server.transcript, h("transcript"))
    yield eq("client-to-server key", client.keys[0], h("clientToServerKey"))
    yield eq("server-to-client key", client.keys[1], h("serverToClientKey"))
    yield eq("client AUTH frame", client_auth, h("clientAuthFrame"))
    yield eq("server AUTH frame", server_auth, h("serverAuthFrame"))
    # Open each AUTH frame with the other side's receive cipher and verify it.
    for label, frame_hex, receiver, seed_key in (("client AUTH opens and verifies", "clientAuthFrame", server, "clientIdentitySeed"),
                                                 ("server AUTH opens and verifies", "serverAuthFrame", client, "serverIdentitySeed")):
        f = h(frame_hex)
        try:
            m = decode_message(receiver.receive_cipher.open(f[:4], f[4:]))
            key = receiver.check_auth(m)
            want = ed25519_public(ed25519_key(h(seed_key)))
            yield (key == want, label, "" if key == want else f"identity {key.hex()}")
        except SyncFailure as e:
            yield (False, label, str(e))
    alice = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    yield (client.identity_public.hex() == alice, "client identity is RFC 8032 TEST 1 (Alice)", client.identity_public.hex())


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "sync.json")
    with open(path, encoding="utf-8") as f:
        v = json.load(f)
    passed = failed = 0
    try:
        checks = list(check_vector(v))
    except (SyncFailure, KeyError, ValueError) as e:
        checks = [(False, "vector", f"{type(e).__name__}: {e}")]
    for ok, label, detail in checks:
        passed, failed = passed + ok, failed + (not ok)
        print(f"{'ok  ' if ok else 'FAIL'} {label}" + (f": {detail}" if detail and not ok else ""))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
