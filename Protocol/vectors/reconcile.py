#!/usr/bin/env python3
"""Range-based reconciliation of tip entries, written from Protocol/RECONCILE.md alone.

Standard library only. An entry is a tuple (author: bytes32, seq: int, id: bytes32); a set is
a list of entries sorted by author. `Reconciler(entries)` has `start()`, `receive(body)` (the
reply body, or None), `complete` and `differences` (author -> None for absent, or (seq, id)).
"""
import bisect
import hashlib
import struct

MAX_MESSAGE = 1 << 20          # §9
MAX_RECEIVED = 4096            # §9
MAX_ENTRIES = 1 << 22          # §9
BRANCHING = 32                 # §6.1
LIST_THRESHOLD = 8             # §6.1
GROUP_SIZE = 4                 # §6.1
DEFERRAL = 18                  # §6.3: a FINGERPRINT range ending at ∞
SKIP, FINGERPRINT, LIST, ANSWER = 0, 1, 2, 3
INF = None                     # the bound ∞; other bounds are their prefix (bytes)


class ReconcileError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


def key(bound):
    """The 32-byte key of a finite bound (prefix padded with zeros)."""
    return bound + bytes(32 - len(bound))


def below(author, bound):
    """author < bound (everything is below ∞)."""
    return bound is INF or author < key(bound)


def bound_lt(a, b):
    if a is INF:
        return False
    if b is INF:
        return True
    return key(a) < key(b)


def between(a, b):
    """§4: the shortest bound x with a < x <= b."""
    k = 0
    while k < 31 and a[k] == b[k]:
        k += 1
    return b[:k + 1]


def bound_size(b):
    return 1 if b is INF else 1 + len(b)


def entry_hash(e):
    return hashlib.sha256(e[0] + struct.pack(">Q", e[1]) + e[2]).digest()


class Index:
    def __init__(self, entries):
        self.entries = entries
        self.authors = [e[0] for e in entries]
        self.prefix = [0]
        for e in entries:
            self.prefix.append((self.prefix[-1] + int.from_bytes(entry_hash(e), "big")) % (1 << 256))

    def at(self, bound):
        """Index of the first entry not below `bound`."""
        return len(self.entries) if bound is INF else bisect.bisect_left(self.authors, key(bound))

    def fingerprint(self, i, j):
        s = (self.prefix[j] - self.prefix[i]) % (1 << 256)
        return hashlib.sha256(s.to_bytes(32, "big") + struct.pack(">Q", j - i)).digest()[:16]


def encode_entry(e):
    return e[0] + struct.pack(">Q", e[1]) + e[2]


def mode_size(mode, payload):
    if mode == SKIP:
        return 1
    if mode == FINGERPRINT:
        return 17
    if mode == LIST:
        return 3 + 72 * len(payload)
    bits, bitmap, entries = payload
    return 5 + len(bitmap) + 72 * len(entries)


def encode(ranges):
    out = bytearray()
    for upper, mode, payload in ranges:
        out += b"\xff" if upper is INF else bytes([len(upper)]) + upper
        out.append(mode)
        if mode == FINGERPRINT:
            out += payload
        elif mode == LIST:
            out += struct.pack(">H", len(payload)) + b"".join(encode_entry(e) for e in payload)
        elif mode == ANSWER:
            bits, bitmap, entries = payload
            out += struct.pack(">H", bits) + bitmap + struct.pack(">H", len(entries))
            out += b"".join(encode_entry(e) for e in entries)
    return bytes(out)


class Reader:
    def __init__(self, b):
        self.b, self.o = b, 0

    def take(self, n, what):
        if self.o + n > len(self.b):
            raise ReconcileError("malformed", f"{what}: cut short")
        r = self.b[self.o:self.o + n]
        self.o += n
        return r


def read_entries(r, lower, upper):
    n = struct.unpack(">H", r.take(2, "entry count"))[0]
    if n * 72 > len(r.b) - r.o:
        raise ReconcileError("malformed", f"{n} entries do not fit")
    out = []
    for _ in range(n):
        raw = r.take(72, "entry")
        e = (raw[:32], struct.unpack(">Q", raw[32:40])[0], raw[40:])
        if e[1] == 0:
            raise ReconcileError("malformed", "seq 0")
        if e[0] < key(lower) or not below(e[0], upper):
            raise ReconcileError("malformed", "entry outside its range")
        if out and not out[-1][0] < e[0]:
            raise ReconcileError("malformed", "entries unsorted or repeated")
        out.append(e)
    return out


def decode(body):
    """§3 and the stateless checks of §9: a list of (lower, upper, mode, payload)."""
    if len(body) > MAX_MESSAGE:
        raise ReconcileError("too-large", f"{len(body)} bytes")
    if not body:
        raise ReconcileError("malformed", "empty body")
    r, lower, out = Reader(body), b"", []
    while True:
        n = r.take(1, "bound length")[0]
        if n == 255:
            upper = INF
        elif n > 32:
            raise ReconcileError("malformed", f"bound length {n}")
        else:
            upper = r.take(n, "bound prefix")
            if n and upper[-1] == 0:
                raise ReconcileError("malformed", "bound prefix ends with a zero byte")
        if not bound_lt(lower, upper):
            raise ReconcileError("malformed", "bounds do not increase strictly")
        mode = r.take(1, "mode")[0]
        if mode == SKIP:
            payload = None
        elif mode == FINGERPRINT:
            payload = r.take(16, "fingerprint")
        elif mode == LIST:
            payload = read_entries(r, lower, upper)
        elif mode == ANSWER:
            bits = struct.unpack(">H", r.take(2, "bit count"))[0]
            bitmap = r.take((bits + 7) // 8, "bitmap")
            if bits % 8 and bitmap[-1] & (0xFF >> (bits % 8)):
                raise ReconcileError("malformed", "bitmap padding not zero")
            payload = (bits, bitmap, read_entries(r, lower, upper))
        else:
            raise ReconcileError("malformed", f"unknown mode {mode}")
        out.append((lower, upper, mode, payload))
        if upper is INF:
            break
        lower = upper
    if r.o != len(body):
        raise ReconcileError("malformed", "bytes after the range ending at ∞")
    return out


def make_bitmap(bits):
    out = bytearray((len(bits) + 7) // 8)
    for n, b in enumerate(bits):
        if b:
            out[n // 8] |= 0x80 >> (n % 8)
    return bytes(out)


class Output:
    """§6: ranges being built, adjacent SKIPs merged, with the body size."""

    def __init__(self):
        self.ranges, self.size = [], 0

    def size_with(self, more):
        size = self.size
        last_skip = bool(self.ranges) and self.ranges[-1][1] == SKIP
        last_bound = bound_size(self.ranges[-1][0]) if self.ranges else 0
        for upper, mode, payload in more:
            if mode == SKIP and last_skip:
                size += bound_size(upper) - last_bound
            else:
                size += bound_size(upper) + mode_size(mode, payload)
            last_skip, last_bound = mode == SKIP, bound_size(upper)
        return size

    def add(self, upper, mode, payload=None):
        if mode == SKIP and self.ranges and self.ranges[-1][1] == SKIP:
            self.size += bound_size(upper) - bound_size(self.ranges[-1][0])
            self.ranges[-1] = (upper, SKIP, None)
        else:
            self.size += bound_size(upper) + mode_size(mode, payload)
            self.ranges.append((upper, mode, payload))

    def asks(self):
        return any(m in (FINGERPRINT, LIST) for _, m, _ in self.ranges)


class Reconciler:
    def __init__(self, entries):
        for a, b in zip(entries, entries[1:]):
            assert a[0] < b[0], "entries must be sorted by author"
        self.ix = Index(entries)
        self.differences = {}
        self.complete = False
        self.sent = self.received = 0
        self.pending = []              # (lower, upper) of the LIST ranges last sent

    def split(self, lower, upper, i, j):
        """§6.1"""
        c, es = j - i, self.ix.entries
        if c <= LIST_THRESHOLD:
            return [(upper, LIST, es[i:j])]
        k = min(BRANCHING, (c + GROUP_SIZE - 1) // GROUP_SIZE)
        out = []
        for g in range(k):
            s, e = i + g * c // k, i + (g + 1) * c // k
            b = upper if g == k - 1 else between(es[e - 1][0], es[e][0])
            out.append((b, FINGERPRINT, self.ix.fingerprint(s, e)))
        return out

    def send(self, out):
        self.sent += 1
        self.pending, lower = [], b""
        for upper, mode, _ in out.ranges:
            if mode == LIST:
                self.pending.append((lower, upper))
            lower = upper
        if not out.asks():
            self.complete = True
        return encode(out.ranges)

    def start(self):
        if self.sent or self.received:
            raise ReconcileError("protocol-violation", "already started")
        out = Output()
        for r in self.split(b"", INF, 0, len(self.ix.entries)):
            out.add(*r)
        return self.send(out)

    def note(self, author, tip):
        self.differences[author] = tip
        if len(self.differences) > len(self.ix.entries) + MAX_ENTRIES:
            raise ReconcileError("protocol-violation", "too many authors")

    def compare(self, theirs, i, j):
        es, bits, mine, k = self.ix.entries, [], [], i
        for t in theirs:
            while k < j and es[k][0] < t[0]:
                mine.append(es[k]); k += 1
            if k < j and es[k][0] == t[0]:
                bits.append(es[k] == t)
                if es[k] != t:
                    mine.append(es[k])
                k += 1
            else:
                bits.append(False)
        mine += es[k:j]
        return bits, mine

    def learn_list(self, theirs, i, j):
        es, k = self.ix.entries, i
        for t in theirs:
            while k < j and es[k][0] < t[0]:
                self.note(es[k][0], None); k += 1
            if k < j and es[k][0] == t[0]:
                if es[k] != t:
                    self.note(t[0], (t[1], t[2]))
                k += 1
            else:
                self.note(t[0], (t[1], t[2]))
        while k < j:
            self.note(es[k][0], None); k += 1

    def learn_answer(self, payload, i, j):
        bits, bitmap, theirs = payload
        if bits != j - i:
            raise ReconcileError("protocol-violation", "bit count differs from the entries listed")
        bit = lambda n: bitmap[n // 8] & (0x80 >> (n % 8)) != 0
        es, k = self.ix.entries, i
        for t in theirs:
            while k < j and es[k][0] < t[0]:
                if not bit(k - i):
                    self.note(es[k][0], None)
                k += 1
            if k < j and es[k][0] == t[0]:
                if bit(k - i) or es[k] == t:
                    raise ReconcileError("protocol-violation", "an ANSWER both holds and differs")
                k += 1
            self.note(t[0], (t[1], t[2]))
        while k < j:
            if not bit(k - i):
                self.note(es[k][0], None)
            k += 1

    def check_cover(self, ranges):
        """§7"""
        p = 0
        for lower, upper, mode, _ in ranges:
            while p < len(self.pending) and not bound_lt(lower, self.pending[p][1]):
                p += 1
            hits = p < len(self.pending) and bound_lt(self.pending[p][0], upper)
            if mode == SKIP and hits:
                raise ReconcileError("protocol-violation", "a LISTed range was SKIPped")
            if mode == ANSWER and not (p < len(self.pending) and not bound_lt(lower, self.pending[p][0])
                                       and not bound_lt(self.pending[p][1], upper)):
                raise ReconcileError("protocol-violation", "an ANSWER to a range not LISTed")

    def answer_in_part(self, theirs, i, j, out):
        """§6.3"""
        bits, mine = self.compare(theirs, i, j)
        best, covered = None, 0
        for n in range(1, len(mine)):
            mid = between(mine[n - 1][0], mine[n][0])
            while covered < len(theirs) and below(theirs[covered][0], mid):
                covered += 1
            item = (mid, ANSWER, (covered, make_bitmap(bits[:covered]), mine[:n]))
            if out.size_with([item]) + DEFERRAL > MAX_MESSAGE:
                break
            best = item
        if best:
            out.add(*best)
            out.add(INF, FINGERPRINT, self.ix.fingerprint(self.ix.at(best[0]), len(self.ix.entries)))
        else:
            out.add(INF, FINGERPRINT, self.ix.fingerprint(i, len(self.ix.entries)))

    def receive(self, body):
        if self.complete:
            raise ReconcileError("protocol-violation", "message after completion")
        self.received += 1
        if self.received > MAX_RECEIVED:
            raise ReconcileError("protocol-violation", "too many messages")
        ranges = decode(body)
        self.check_cover(ranges)
        out, cut, n = Output(), False, len(self.ix.entries)
        for lower, upper, mode, payload in ranges:
            i, j = self.ix.at(lower), self.ix.at(upper)
            resp = []
            if mode == SKIP:
                resp = [(upper, SKIP, None)]
            elif mode == FINGERPRINT:
                resp = [(upper, SKIP, None)] if self.ix.fingerprint(i, j) == payload else self.split(lower, upper, i, j)
            elif mode == LIST:
                self.learn_list(payload, i, j)
                if not cut:
                    bits, mine = self.compare(payload, i, j)
                    full = (upper, ANSWER, (len(payload), make_bitmap(bits), mine))
                    if out.size_with([full]) + DEFERRAL <= MAX_MESSAGE:
                        resp = [full]
                    else:
                        self.answer_in_part(payload, i, j, out)
                        cut = True
            else:
                self.learn_answer(payload, i, j)
                resp = [(upper, SKIP, None)]
            if not cut and resp:
                if out.size_with(resp) + DEFERRAL <= MAX_MESSAGE:
                    for r in resp:
                        out.add(*r)
                else:
                    out.add(INF, FINGERPRINT, self.ix.fingerprint(i, n))
                    cut = True
        if not any(m in (FINGERPRINT, LIST) for _, _, m, _ in ranges):
            self.complete, self.pending = True, []
            return None
        return self.send(out)
