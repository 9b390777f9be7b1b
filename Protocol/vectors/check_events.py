#!/usr/bin/env python3
"""Independent checker for Protocol/vectors/events.json and ed25519.json.

Written from Protocol/EVENTS.md alone (it does not call or read the Swift code): a decoder, an
encoder, a verifier and a small in-memory ledger that applies the storing checks. For every
valid vector it decodes the event, compares every field, recomputes the id, verifies and
re-creates the signature, derives the public key from the seed and re-encodes the bytes; for
every invalid vector it runs the checks in the order of EVENTS.md and expects exactly the
vector's error code; for every erased vector it checks the erased form (EVENTS.md §8.4) against
the whole event (an annotation event, kinds 2–7 or 9, that a valid erasure by its author names),
decodes it as an erased event, verifies it, and checks that it is refused as a whole event. Two
constructed checks cover rules no vector reaches: a header with payloadLength 0 followed by 64
bytes is a whole event with an empty payload (§8.4), and an erasure's count is checked as soon as
it is read (§7.13). For every case of ed25519.json (next to events.json) it checks the
expected answer twice: with the six steps of EVENTS.md §5 written out here, and with OpenSSL.

Usage: python3 Protocol/vectors/check_events.py [path/to/events.json]
Needs only the `cryptography` package. Exits 1 when any vector fails.
"""

import hashlib
import json
import os
import sys
import unicodedata

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# --- EVENTS.md §Limits -----------------------------------------------------------------------
VERSION = 1
MAX_PAYLOAD = 1 << 20
MAX_DEPS = 64
MAX_COUNTER = (1 << 63) - 1
MAX_EVENT = 1 + 32 + 8 + 32 + 8 + 8 + 1 + 32 * MAX_DEPS + 4 + 32 + MAX_PAYLOAD + 64  # 1 050 814
DOMAIN_TAG = b"gloss/event/v1\x00"
CONSENT_TAG = b"gloss/device/link/v1\x00"  # EVENTS.md §7.11: the consent message starts with it
MAX_TITLE, MAX_SOURCE, MAX_TEXT = 1024, 4096, MAX_PAYLOAD - 64
MAX_BODY, MAX_QUOTE, MAX_CONTEXT = 65536, 65536, 1024
MAX_MOTIVATION, MAX_TAG, MAX_TAGS, MAX_EDITORS, MAX_PRED = 64, 128, 64, 16, 64
MAX_ERASED = 1024  # EVENTS.md §7.13: the events an erasure names
SIGNATURE_LENGTH = 64

KIND_NAMES = {
    1: "article.added", 2: "annotation.created", 3: "body.edited", 4: "tags.changed",
    5: "annotation.deleted", 6: "annotation.restored", 7: "motivation.changed",
    8: "article.revised", 9: "annotation.reanchored", 10: "device.linked", 11: "device.revoked",
    12: "annotation.erased",
}
KIND_NUMBERS = {v: k for k, v in KIND_NAMES.items()}
# §8.4, MERGE.md §19.1: only annotation events (kinds 2–7 and 9) are ever erased.
ANNOTATION_EVENT_KINDS = (2, 3, 4, 5, 6, 7, 9)

# EVENTS.md §Tags: Unicode White_Space, and general category Cc.
WHITE_SPACE = set([0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
                  + list(range(0x09, 0x0E)) + list(range(0x2000, 0x200B)))


def is_control(cp):
    return cp <= 0x1F or 0x7F <= cp <= 0x9F


class Refused(Exception):
    """An event refused, with the error code of EVENTS.md."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


# --- Reading -----------------------------------------------------------------------------------
class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def remaining(self):
        return len(self.data) - self.pos

    def take(self, n, what):
        if self.remaining() < n:
            raise Refused("truncated", f"{what}: needs {n} bytes at offset {self.pos}, {self.remaining()} left")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self, what):
        return self.take(1, what)[0]

    def u16(self, what):
        return int.from_bytes(self.take(2, what), "big")

    def u32(self, what):
        return int.from_bytes(self.take(4, what), "big")

    def u64(self, what):
        return int.from_bytes(self.take(8, what), "big")

    def i64(self, what):
        return int.from_bytes(self.take(8, what), "big", signed=True)

    def id(self, what):
        return self.take(32, what)

    def string(self, what, cap):
        n = self.u32(what + " length")
        if n > cap:
            raise Refused("oversize", f"{what} is {n} bytes, the limit is {cap}")
        raw = self.take(n, what)
        try:
            return raw.decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            raise Refused("invalid-utf8", f"{what} is not valid UTF-8")


def decode_header(r):
    version = r.u8("version")
    if version != VERSION:
        raise Refused("unsupported-version", f"version {version}")
    h = {"author": r.id("author")}
    seq = r.u64("seq")
    if not 1 <= seq <= MAX_COUNTER:
        raise Refused("invalid-field", f"seq {seq} out of range")
    h["seq"] = seq
    h["prev"] = r.id("prev") if seq > 1 else None
    lamport = r.u64("lamport")
    if not seq <= lamport <= MAX_COUNTER:
        raise Refused("invalid-field", f"lamport {lamport} out of range {seq}..2^63-1")
    h["lamport"] = lamport
    h["time"] = r.i64("time")
    count = r.u8("deps count")
    if count > MAX_DEPS:
        raise Refused("oversize", f"{count} deps")
    deps = []
    for i in range(count):
        d = r.id(f"deps[{i}]")
        if deps and not deps[-1] < d:
            raise Refused("non-canonical", "deps not strictly ascending")
        if d == h["prev"]:
            raise Refused("non-canonical", "deps repeats prev")
        deps.append(d)
    h["deps"] = deps
    length = r.u32("payload length")
    if length > MAX_PAYLOAD:
        raise Refused("oversize", f"payload of {length} bytes")
    h["payloadLength"] = length
    h["payloadHash"] = r.id("payload hash")
    return h


def decode_event(data, claimed_id=None):
    """EVENTS.md §Verification, steps D1–D6. Returns a dict with header, slices and id."""
    if len(data) > MAX_EVENT:
        raise Refused("oversize", f"event of {len(data)} bytes")
    r = Reader(data)
    header = decode_header(r)
    header_end = r.pos
    payload = r.take(header["payloadLength"], "payload")
    signature = r.take(64, "signature")
    if r.remaining():
        raise Refused("trailing-bytes", f"{r.remaining()} bytes after the signature")
    if hashlib.sha256(payload).digest() != header["payloadHash"]:
        raise Refused("bad-payload-hash", "payload hash mismatch")
    event_id = hashlib.sha256(DOMAIN_TAG + data[:header_end]).digest()
    if claimed_id is not None and claimed_id != event_id:
        raise Refused("bad-id", "claimed id is not the hash of the header")
    return {"header": header, "headerBytes": data[:header_end], "payloadBytes": payload,
            "signature": signature, "id": event_id, "bytes": data}


def decode_erased_event(data, claimed_id=None):
    """EVENTS.md §8.4: an erased event, header ‖ signature. D1, D2, D4, D5, D7 (no payload: no D3,
    D6, D8). Returns the dict of decode_event with `payloadBytes` None and `erased` True."""
    if len(data) > MAX_EVENT:
        raise Refused("oversize", f"event of {len(data)} bytes")
    r = Reader(data)
    header = decode_header(r)
    header_end = r.pos
    signature = r.take(SIGNATURE_LENGTH, "signature")
    if r.remaining():
        raise Refused("trailing-bytes", f"{r.remaining()} bytes after the signature of an erased event")
    event_id = hashlib.sha256(DOMAIN_TAG + data[:header_end]).digest()
    if claimed_id is not None and claimed_id != event_id:
        raise Refused("bad-id", "claimed id is not the hash of the header")
    return {"header": header, "headerBytes": data[:header_end], "payloadBytes": None,
            "signature": signature, "id": event_id, "bytes": data, "erased": True}


def is_erased_form(data):
    """EVENTS.md §8.4 and MERGE.md §13.2: bytes are an erased event exactly when 64 bytes follow
    the header and its payloadLength is not 0 (a whole event has payloadLength + 64 after its
    header; with payloadLength 0 it is a whole event with an empty payload, which fails D8).
    False when the header itself does not decode: the caller's decoder reports that."""
    try:
        r = Reader(data)
        header = decode_header(r)
    except Refused:
        return False
    return r.remaining() == SIGNATURE_LENGTH and header["payloadLength"] != 0


def decode_any_event(data, claimed_id=None):
    """Where erased events are expected (a bundle, a merge case): the erased form when 64 bytes
    follow the header and its payloadLength is not 0 (§8.4), else a whole event."""
    if is_erased_form(data):
        return decode_erased_event(data, claimed_id)
    return decode_event(data, claimed_id)


def check_tag(t):
    if len(t.encode("utf-8")) == 0 or len(t.encode("utf-8")) > MAX_TAG:
        raise Refused("invalid-field", "a tag is 1-128 bytes")
    if any(is_control(ord(c)) for c in t):
        raise Refused("invalid-field", "control character in a tag")
    if ord(t[0]) in WHITE_SPACE or ord(t[-1]) in WHITE_SPACE:
        raise Refused("invalid-field", "tag starts or ends with white space")


def read_tags(r, what):
    n = r.u8(what + " count")
    if n > MAX_TAGS:
        raise Refused("oversize", f"{n} {what}")
    out = []
    for i in range(n):
        t = r.string(f"{what}[{i}]", MAX_TAG)
        check_tag(t)
        if out and not out[-1].encode("utf-8") < t.encode("utf-8"):
            raise Refused("non-canonical", f"{what} not strictly ascending by UTF-8 bytes")
        out.append(t)
    return out


def read_ids(r, what, cap):
    n = r.u8(what + " count")
    if n > cap:
        raise Refused("oversize", f"{n} {what}")
    out = []
    for i in range(n):
        x = r.id(f"{what}[{i}]")
        if out and not out[-1] < x:
            raise Refused("non-canonical", f"{what} not strictly ascending")
        out.append(x)
    return out


def check_motivation(m):
    b = m.encode("utf-8")
    if not (1 <= len(b) <= MAX_MOTIVATION and all(0x61 <= c <= 0x7A for c in b)):
        raise Refused("invalid-field", f"bad motivation {m!r}")


def read_motivation(r):
    m = r.string("motivation", MAX_MOTIVATION)
    check_motivation(m)
    return m


def read_selector(r):
    """EVENTS.md §7.4: the five fields, then the rules (shared by kinds 2 and 9)."""
    exact = r.string("exact", MAX_QUOTE)
    prefix = r.string("prefix", MAX_CONTEXT)
    suffix = r.string("suffix", MAX_CONTEXT)
    start, end = r.u32("start"), r.u32("end")
    if exact == "":
        raise Refused("invalid-field", "empty exact")
    if not (end > start and end - start == len(exact)):  # len(str) counts code points
        raise Refused("invalid-field", "end - start is not the code-point length of exact")
    return dict(exact=exact, prefix=prefix, suffix=suffix, start=start, end=end)


def canonically_equal(a, b):
    """Tags are the same only when their UTF-8 bytes are (EVENTS.md §7.6)."""
    return a.encode("utf-8") == b.encode("utf-8")


def decode_payload(data):
    """EVENTS.md §Payloads: returns the payload in the JSON form of the vectors (ids in hex)."""
    r = Reader(data)
    kind = r.u16("payload kind")
    if kind not in KIND_NAMES:
        return {"kind": f"kind.{kind}", "bodyHex": data[2:].hex()}
    p = {"kind": KIND_NAMES[kind]}
    if kind == 1:
        p["title"] = r.string("title", MAX_TITLE)
        p["source"] = r.string("source", MAX_SOURCE)
        p["text"] = r.string("text", MAX_TEXT)
        if p["text"] == "":
            raise Refused("invalid-field", "empty article text")
    elif kind == 2:
        p["article"] = r.id("article").hex()
        target = r.u8("target kind")
        if target == 0:
            p["target"] = "text"
            p.update(read_selector(r))
        elif target == 1:
            p["target"] = "reply"
            p["replyTo"] = r.id("reply target").hex()
        else:
            raise Refused("invalid-field", f"target kind {target}")
        p["motivation"] = read_motivation(r)
        p["body"] = r.string("body", MAX_BODY)
        p["tags"] = read_tags(r, "tags")
        p["editors"] = [e.hex() for e in read_ids(r, "editors", MAX_EDITORS)]
    elif kind == 4:
        p["annotation"] = r.id("annotation").hex()
        p["add"] = read_tags(r, "add")
        p["remove"] = read_tags(r, "remove")
        p["pred"] = [x.hex() for x in read_ids(r, "pred", MAX_PRED)]
        if not p["add"] and not p["remove"]:
            raise Refused("invalid-field", "tags change adds and removes nothing")
        if any(canonically_equal(a, b) for a in p["add"] for b in p["remove"]):
            raise Refused("invalid-field", "a tag both added and removed")
        if not p["remove"] and p["pred"]:
            raise Refused("invalid-field", "pred without removals")
    elif kind == 8:
        p["article"] = r.id("article").hex()
        p["pred"] = [x.hex() for x in read_ids(r, "pred", MAX_PRED)]
        p["text"] = r.string("text", MAX_TEXT)
        if p["text"] == "":
            raise Refused("invalid-field", "empty revised text")
    elif kind == 9:
        p["annotation"] = r.id("annotation").hex()
        p["pred"] = [x.hex() for x in read_ids(r, "pred", MAX_PRED)]
        p.update(read_selector(r))
    elif kind == 10:  # EVENTS.md §7.11; the consent is verified when replaying, not here
        identity, device = r.id("identity"), r.id("device")
        if identity == device:
            raise Refused("invalid-field", "a device linked to itself")
        p["identity"], p["device"] = identity.hex(), device.hex()
        p["consent"] = r.take(64, "consent").hex()
    elif kind == 11:  # EVENTS.md §7.12
        p["identity"] = r.id("identity").hex()
        p["device"] = r.id("device").hex()
        last = r.u64("lastSeq")
        if last > MAX_COUNTER:
            raise Refused("invalid-field", f"lastSeq {last} over 2^63-1")
        p["lastSeq"] = last
    elif kind == 12:  # EVENTS.md §7.13
        annotation = r.id("annotation")
        p["annotation"] = annotation.hex()
        p["article"] = r.id("article").hex()
        target = r.u8("target kind")
        if target == 0:
            p["target"] = "text"
        elif target == 1:
            p["target"] = "reply"
            p["replyTo"] = r.id("reply target").hex()
        else:
            raise Refused("invalid-field", f"target kind {target}")
        count = r.u16("erased events count")
        if count == 0:
            raise Refused("invalid-field", "an erasure of no event")
        if count > MAX_ERASED:
            raise Refused("oversize", f"{count} erased events")
        events = []
        for i in range(count):
            x = r.id(f"events[{i}]")
            if events and not events[-1] < x:
                raise Refused("non-canonical", "erased events not strictly ascending")
            events.append(x)
        if annotation not in events:
            raise Refused("invalid-field", "the erased events do not include the annotation")
        p["events"] = [x.hex() for x in events]
    else:  # 3, 5, 6, 7
        p["annotation"] = r.id("annotation").hex()
        p["pred"] = [x.hex() for x in read_ids(r, "pred", MAX_PRED)]
        if kind == 3:
            p["body"] = r.string("body", MAX_BODY)
        elif kind == 7:
            p["motivation"] = read_motivation(r)
    if r.remaining():
        raise Refused("trailing-bytes", f"{r.remaining()} bytes after the payload")
    return p


# --- Writing -----------------------------------------------------------------------------------
def w_u8(v): return v.to_bytes(1, "big")
def w_u16(v): return v.to_bytes(2, "big")
def w_u32(v): return v.to_bytes(4, "big")
def w_u64(v): return v.to_bytes(8, "big")
def w_i64(v): return v.to_bytes(8, "big", signed=True)


def w_str(s):
    b = s.encode("utf-8")
    return w_u32(len(b)) + b


def w_tags(tags):
    return w_u8(len(tags)) + b"".join(w_str(t) for t in tags)


def w_ids(ids_hex):
    return w_u8(len(ids_hex)) + b"".join(bytes.fromhex(x) for x in ids_hex)


def w_selector(p):
    return w_str(p["exact"]) + w_str(p["prefix"]) + w_str(p["suffix"]) + w_u32(p["start"]) + w_u32(p["end"])


def encode_payload(p):
    kind = p["kind"]
    if kind.startswith("kind."):
        return w_u16(int(kind[5:])) + bytes.fromhex(p["bodyHex"])
    k = KIND_NUMBERS[kind]
    out = w_u16(k)
    if k == 1:
        out += w_str(p["title"]) + w_str(p["source"]) + w_str(p["text"])
    elif k == 2:
        out += bytes.fromhex(p["article"])
        if p["target"] == "text":
            out += w_u8(0) + w_selector(p)
        else:
            out += w_u8(1) + bytes.fromhex(p["replyTo"])
        out += w_str(p["motivation"]) + w_str(p["body"]) + w_tags(p["tags"]) + w_ids(p["editors"])
    elif k == 4:
        out += bytes.fromhex(p["annotation"]) + w_tags(p["add"]) + w_tags(p["remove"]) + w_ids(p["pred"])
    elif k == 8:
        out += bytes.fromhex(p["article"]) + w_ids(p["pred"]) + w_str(p["text"])
    elif k == 9:
        out += bytes.fromhex(p["annotation"]) + w_ids(p["pred"]) + w_selector(p)
    elif k == 10:
        out += bytes.fromhex(p["identity"]) + bytes.fromhex(p["device"]) + bytes.fromhex(p["consent"])
    elif k == 11:
        out += bytes.fromhex(p["identity"]) + bytes.fromhex(p["device"]) + w_u64(p["lastSeq"])
    elif k == 12:
        out += bytes.fromhex(p["annotation"]) + bytes.fromhex(p["article"])
        if p["target"] == "text":
            out += w_u8(0)
        else:
            out += w_u8(1) + bytes.fromhex(p["replyTo"])
        out += w_u16(len(p["events"])) + b"".join(bytes.fromhex(x) for x in p["events"])
    else:
        out += bytes.fromhex(p["annotation"]) + w_ids(p["pred"])
        if k == 3:
            out += w_str(p["body"])
        elif k == 7:
            out += w_str(p["motivation"])
    return out


def encode_header(author, seq, prev, lamport, time, deps, payload):
    out = w_u8(VERSION) + author + w_u64(seq)
    if prev is not None:
        out += prev
    out += w_u64(lamport) + w_i64(time) + w_u8(len(deps)) + b"".join(deps)
    out += w_u32(len(payload)) + hashlib.sha256(payload).digest()
    return out


# --- Signatures --------------------------------------------------------------------------------
def signature_ok(author, signature, message):
    try:
        Ed25519PublicKey.from_public_bytes(author).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


# EVENTS.md §5, steps 1–6, written out: what OpenSSL 3 accepts, leniencies included. Used for the
# edge cases of ed25519.json, next to `cryptography` (which is OpenSSL itself).
ED_P = 2**255 - 19
ED_L = 2**252 + 27742317777372353535851937790883648493
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P
ED_SQRT_M1 = pow(2, (ED_P - 1) // 4, ED_P)


def ed_add(a, b):
    # Extended coordinates (X, Y, Z, T), RFC 8032 §5.1.4.
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    p_, d2 = ED_P, 2 * ED_D
    aa, bb = (y1 - x1) * (y2 - x2) % p_, (y1 + x1) * (y2 + x2) % p_
    cc, dd = t1 * d2 * t2 % p_, 2 * z1 * z2 % p_
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % p_, g * h % p_, f * g % p_, e * h % p_)


def ed_mul(n, pt):
    out = (0, 1, 1, 0)
    while n:
        if n & 1:
            out = ed_add(out, pt)
        pt = ed_add(pt, pt)
        n >>= 1
    return out


def ed_encode(pt):
    zi = pow(pt[2], ED_P - 2, ED_P)
    x, y = pt[0] * zi % ED_P, pt[1] * zi % ED_P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def ed_decode_lenient(a):
    """Step 3: y mod p (y >= p accepted), the sign bit ignored when x = 0; None when no x."""
    n = int.from_bytes(a, "little")
    sign, y = n >> 255, (n & ((1 << 255) - 1)) % ED_P
    x2 = (y * y - 1) * pow(ED_D * y * y + 1, ED_P - 2, ED_P) % ED_P
    x = pow(x2, (ED_P + 3) // 8, ED_P)
    if (x * x - x2) % ED_P:
        x = x * ED_SQRT_M1 % ED_P
    if (x * x - x2) % ED_P:
        return None
    if x and (x & 1) != sign:
        x = ED_P - x
    return (x, y, 1, x * y % ED_P)


ED_BASE = ed_decode_lenient((4 * pow(5, ED_P - 2, ED_P) % ED_P).to_bytes(32, "little"))


def spec_signature_ok(a, signature, message):
    if len(signature) != 64:                                     # 1
        return False
    r, s = signature[:32], int.from_bytes(signature[32:], "little")
    if s >= ED_L:                                                # 2
        return False
    pt = ed_decode_lenient(a)                                    # 3 (4: no order check)
    if pt is None:
        return False
    k = int.from_bytes(hashlib.sha512(r + a + message).digest(), "little") % ED_L   # 5
    minus_a = ((-pt[0]) % ED_P, pt[1], pt[2], (-pt[3]) % ED_P)
    return ed_encode(ed_add(ed_mul(s, ED_BASE), ed_mul(k, minus_a))) == r       # 6


def consent_message(identity, device):
    """EVENTS.md §7.11: the 85 bytes a device signs to consent to being linked to `identity`."""
    return CONSENT_TAG + identity + device


def consent_ok(identity, device, consent):
    """EVENTS.md §7.11: the consent verifies by the rules of §5, `device` as the key."""
    return spec_signature_ok(device, consent, consent_message(identity, device))


def key_from_seed(seed):
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_bytes(private):
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# --- Storing: EVENTS.md §Verification, steps S1–S9 ---------------------------------------------
class Ledger:
    def __init__(self):
        self.events = {}      # id -> header
        self.by_seq = {}      # (author, seq) -> id
        self.forks = {}       # id -> (author, seq, bytes): fork evidence
        self.forked = set()   # authors with fork evidence

    def append(self, ev):
        """Stores one decoded event or raises Refused with the StoreError code."""
        h = ev["header"]
        if not signature_ok(h["author"], ev["signature"], ev["id"]):
            raise Refused("bad-signature", "signature does not verify")
        if ev["id"] in self.events:
            return "already-had"
        try:
            decode_payload(ev["payloadBytes"])
        except Refused as e:
            raise Refused("invalid-event", str(e))
        if h["author"] in self.forked:
            raise Refused("author-forked", "author has forked")
        if (h["author"], h["seq"]) in self.by_seq:
            self.forks[ev["id"]] = (h["author"], h["seq"], ev["bytes"])
            self.forked.add(h["author"])
            raise Refused("fork", "another event with this author and seq is stored")
        max_lamport = 0
        if h["prev"] is not None:
            parent = self.events.get(h["prev"])
            if parent is None:
                raise Refused("missing-parent", "prev not stored")
            if parent["author"] != h["author"] or parent["seq"] != h["seq"] - 1:
                raise Refused("broken-chain", "prev is not the author's event at seq - 1")
            max_lamport = parent["lamport"]
        for d in h["deps"]:
            parent = self.events.get(d)
            if parent is None:
                raise Refused("missing-parent", "a dep is not stored")
            max_lamport = max(max_lamport, parent["lamport"])
        if h["lamport"] != max_lamport + 1:
            raise Refused("bad-lamport", f"lamport {h['lamport']}, expected {max_lamport + 1}")
        self.events[ev["id"]] = h
        self.by_seq[(h["author"], h["seq"])] = ev["id"]
        return "stored"


def first_error(v):
    """The code of the first check the invalid vector's event fails (EVENTS.md §Test vectors)."""
    data = bytes.fromhex(v["eventHex"])
    claimed = bytes.fromhex(v["claimedID"]) if v.get("claimedID") else None
    try:
        ev = decode_event(data, claimed)
        decode_payload(ev["payloadBytes"])
    except Refused as e:
        return e.code
    if not signature_ok(ev["header"]["author"], ev["signature"], ev["id"]):
        return "bad-signature"
    ledger = Ledger()
    for i, s in enumerate(v.get("stored", [])):
        try:
            ledger.append(decode_event(bytes.fromhex(s)))
        except Refused as e:
            return f"(stored[{i}] refused: {e})"
    try:
        ledger.append(ev)
    except Refused as e:
        return e.code
    return "accepted"


# --- The checks --------------------------------------------------------------------------------
def check_valid(v, ledger):
    problems = []

    def expect(cond, what):
        if not cond:
            problems.append(what)

    data = bytes.fromhex(v["eventHex"])
    try:
        ev = decode_event(data, bytes.fromhex(v["id"]))
        payload = decode_payload(ev["payloadBytes"])
    except Refused as e:
        return [f"refused: {e}"]
    h = ev["header"]
    expect(h["author"].hex() == v["publicKey"], "author is not publicKey")
    fields = {"seq": h["seq"], "lamport": h["lamport"], "time": h["time"], "deps": [d.hex() for d in h["deps"]]}
    if h["prev"] is not None:
        fields["prev"] = h["prev"].hex()
    expect(fields == v["header"], f"header fields {fields} != {v['header']}")
    expect(payload == v["payload"], f"payload fields {payload} != {v['payload']}")
    expect(ev["headerBytes"].hex() == v["headerHex"], "headerHex is not the header slice")
    expect(ev["payloadBytes"].hex() == v["payloadHex"], "payloadHex is not the payload slice")
    expect(ev["signature"].hex() == v["signature"], "signature is not the last 64 bytes")
    expect(hashlib.sha256(DOMAIN_TAG + bytes.fromhex(v["headerHex"])).hexdigest() == v["id"],
           "id is not SHA-256(domain tag ‖ header)")
    expect(signature_ok(h["author"], ev["signature"], ev["id"]), "signature does not verify")
    key = key_from_seed(bytes.fromhex(v["seed"]))
    expect(public_bytes(key).hex() == v["publicKey"], "public key does not derive from the seed")
    # Re-encode from the decoded fields; Ed25519 is deterministic, so the signature must match too.
    p_bytes = encode_payload(payload)
    expect(p_bytes == ev["payloadBytes"], "re-encoded payload differs")
    hdr = encode_header(h["author"], h["seq"], h["prev"], h["lamport"], h["time"], h["deps"], p_bytes)
    expect(hdr == ev["headerBytes"], "re-encoded header differs")
    sig = key.sign(hashlib.sha256(DOMAIN_TAG + hdr).digest())
    expect(sig == ev["signature"], "re-signing gives another signature")
    expect(hdr + p_bytes + sig == data, "re-encoded event differs")
    if payload["kind"] == "device.linked":  # not required by §12, but the vectors' consents are meant to verify
        ident, dev, consent = (bytes.fromhex(payload[k]) for k in ("identity", "device", "consent"))
        expect(len(consent_message(ident, dev)) == 85, "consent message is not 85 bytes")
        expect(consent_ok(ident, dev, consent) and signature_ok(dev, consent, consent_message(ident, dev)),
               "the consent does not verify")
    # The valid vectors form one ledger, in file order.
    try:
        expect(ledger.append(ev) == "stored", "already stored")
    except Refused as e:
        problems.append(f"refused by the ledger after the earlier vectors: {e}")
    return problems


def check_erased(v, valid):
    """EVENTS.md §12, an `erased` entry: the erased form of a valid event (§8.4). `valid` is the
    file's valid entries."""
    problems = []

    def expect(cond, what):
        if not cond:
            problems.append(what)

    data, erased = bytes.fromhex(v["eventHex"]), bytes.fromhex(v["erasedHex"])
    expect(v["eventHex"] in {w["eventHex"] for w in valid}, "eventHex is not one of the valid events")
    try:
        whole = decode_event(data, bytes.fromhex(v["id"]))
        kind = int.from_bytes(whole["payloadBytes"][:2], "big")
    except Refused as e:
        return [f"eventHex refused: {e}"]
    expect(erased == whole["headerBytes"] + whole["signature"], "erasedHex is not header ‖ signature of eventHex")
    expect(whole["header"]["payloadLength"] != 0, "the whole event has payloadLength 0")
    expect(is_erased_form(erased), "erasedHex is not an erased event: 64 bytes after its header, payloadLength not 0")
    # §8.4: only annotation events are ever erased, and a ledger stores an event without its
    # payload only when an erasure names it for that event's author.
    expect(kind in ANNOTATION_EVENT_KINDS, f"the erased event is of kind {kind}, not an annotation event (2–7, 9)")
    expect(any(w["payload"]["kind"] == "annotation.erased" and w["publicKey"] == whole["header"]["author"].hex()
               and v["id"] in w["payload"]["events"] for w in valid),
           "no valid annotation.erased by its author names it")
    try:
        ev = decode_erased_event(erased, bytes.fromhex(v["id"]))
        expect(ev["id"] == whole["id"], "the erased form decodes to another id")
        expect(ev["header"] == whole["header"], "the erased form decodes to another header")
        expect(signature_ok(ev["header"]["author"], ev["signature"], ev["id"]), "signature does not verify")
        expect(spec_signature_ok(ev["header"]["author"], ev["signature"], ev["id"]),
               "signature does not verify by the steps of §5")
        expect(decode_any_event(erased, bytes.fromhex(v["id"])).get("erased"), "not read as an erased event where one is expected")
        expect(not decode_any_event(data, bytes.fromhex(v["id"])).get("erased"), "the whole event read as an erased one")
    except Refused as e:
        problems.append(f"refused as an erased event: {e}")
    try:
        decode_event(erased)
        problems.append("accepted as a whole event")
    except Refused as e:
        expect(e.code == "truncated", f"refused as a whole event with {e.code}, not truncated")
    return problems


def check_count_first():
    """§7.13, constructed: the count is checked as soon as it is read, before any id of `events`:
    1025 with no id after it is `oversize` (not `truncated`), 0 is `invalid-field`."""
    problems = []
    head = w_u16(12) + bytes(32) + bytes(32) + w_u8(0)
    for count, code in ((MAX_ERASED + 1, "oversize"), (0, "invalid-field")):
        try:
            decode_payload(head + w_u16(count))
            problems.append(f"count {count} accepted")
        except Refused as e:
            if e.code != code:
                problems.append(f"count {count}: {e.code}, not {code}")
    return problems


def check_empty_payload(v):
    """§8.4, constructed from an erased entry's header: payloadLength 0 (and the hash of no bytes)
    with 64 bytes after the header is a whole event with an empty payload, not an erased event:
    it passes D1–D7 and fails D8 (`truncated`: no kind to read)."""
    whole = decode_event(bytes.fromhex(v["eventHex"]))
    h = whole["header"]
    header = encode_header(h["author"], h["seq"], h["prev"], h["lamport"], h["time"], h["deps"], b"")
    data = header + whole["signature"]
    problems = []
    if is_erased_form(data):
        problems.append("taken for an erased event")
    try:
        ev = decode_any_event(data)
        if ev.get("erased") or ev["payloadBytes"] != b"":
            problems.append("not decoded as a whole event with an empty payload")
        else:
            decode_payload(ev["payloadBytes"])
            problems.append("its empty payload decodes")
    except Refused as e:
        if e.code != "truncated":
            problems.append(f"refused with {e.code}, not truncated at D8")
    return problems


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "events.json")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    passed = failed = 0

    def report(ok, label, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
        print(f"{'ok  ' if ok else 'FAIL'} {label}" + (f": {detail}" if detail else ""))

    report(doc.get("format") == "gloss-event-vectors-v1" and bytes.fromhex(doc.get("domainTag", "")) == DOMAIN_TAG,
           "file: format and domain tag", "" if doc.get("domainTag") == DOMAIN_TAG.hex() else f"domainTag {doc.get('domainTag')}")
    ledger = Ledger()
    for v in doc["valid"]:
        problems = check_valid(v, ledger)
        report(not problems, f"valid   {v['name']}", "; ".join(problems))
    for v in doc["invalid"]:
        got = first_error(v)
        report(got == v["error"], f"invalid {v['name']} -> {got}", "" if got == v["error"] else f"expected {v['error']}")
    for v in doc.get("erased", []):
        problems = check_erased(v, doc["valid"])
        report(not problems, f"erased  {v['name']}", "; ".join(problems))
    problems = check_count_first()
    report(not problems, "invalid (constructed) annotation.erased: count 1025 then nothing -> oversize, 0 -> invalid-field",
           "; ".join(problems))
    if doc.get("erased"):
        problems = check_empty_payload(doc["erased"][0])
        report(not problems, "erased  (constructed) payloadLength 0 and 64 bytes after the header: a whole event, D8 truncated",
               "; ".join(problems))
    # EVENTS.md §5 and §12: the signature edge cases, by §5's steps and by OpenSSL.
    ed_path = os.path.join(os.path.dirname(os.path.abspath(path)), "ed25519.json")
    with open(ed_path, encoding="utf-8") as f:
        ed = json.load(f)
    report(ed.get("format") == "gloss-ed25519-vectors-v1" and len(ed.get("cases", [])) > 0,
           "ed25519.json: format and cases")
    for c in ed["cases"]:
        a, m, sig = (bytes.fromhex(c[k]) for k in ("publicKey", "message", "signature"))
        by_spec, by_openssl = spec_signature_ok(a, sig, m), signature_ok(a, sig, m)
        ok = by_spec == c["valid"] and by_openssl == c["valid"]
        report(ok, f"ed25519 {c['name']} -> {'valid' if c['valid'] else 'refused'}",
               "" if ok else f"§5 steps say {by_spec}, OpenSSL says {by_openssl} ({c['tests']})")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
