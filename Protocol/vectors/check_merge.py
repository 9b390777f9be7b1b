#!/usr/bin/env python3
"""Independent checker for Protocol/vectors/merge.json.

Written from Protocol/MERGE.md (it does not call or read the Swift code). For every case it
decodes the events with the decoder of check_events.py (EVENTS.md), applies the case's
selection (MERGE.md §10), computes the state from the *set* of selected events by the
declarative rules of MERGE.md §3–§7, writes the canonical snapshot JSON (§11) and compares its
bytes and SHA-256 (§12) with the case's. As a check of §9 (replay is commutative) it also runs
the incremental algorithm with waiting targets over several arrival orders (the file's, its
reverse, and random orders that need not put parents first) and requires the same bytes. The
device map of MERGE.md §18 is a function of the set, so both replays compute it from the selected
events first (passes to a fixpoint, §18.2) and then read identities and void events from it.
Erasure (MERGE.md §19) is likewise a function of the set (its erasures, the headers of the events
they name, the kinds of those held whole, and the device map): both replays compute the erasure
map after the device map and before replaying. Only annotation events (kinds 2–7 and 9, or held
erased) are ever erased, so both maps are read from payloads that are always held. A void event
is absent first, erased or not (§19.2). A case's events may be erased events (header ‖ signature,
EVENTS.md §8.4: 64 bytes after the header and a payloadLength that is not 0).

Usage: python3 Protocol/vectors/check_merge.py [path/to/merge.json]
Needs what check_events.py needs (the `cryptography` package, for its import only).
Exits 1 when any case fails.
"""

import hashlib
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_events import Refused, consent_ok, decode_any_event, decode_payload  # noqa: E402  (EVENTS.md decoder)

FORMAT = "gloss-snapshot-v1"
FORMAT_DEVICES = "gloss-snapshot-v2"  # §11.2: when the selection holds a kind 10, 11 or 12 event
DEVICE_KINDS = ("device.linked", "device.revoked")
V2_KIND_NUMBERS = (10, 11, 12)
ANNOTATION_EVENT_KINDS = (2, 3, 4, 5, 6, 7, 9)  # §19.1: the only kinds an erasure erases
CHANGE_KINDS = ("body.edited", "tags.changed", "annotation.deleted", "annotation.restored", "motivation.changed",
                "annotation.reanchored")
SELECTOR_FIELDS = ("exact", "prefix", "suffix", "start", "end")


# --- Events (EVENTS.md) and the total order (MERGE.md §2) -------------------------------------
class Ev:
    def __init__(self, raw):
        d = decode_any_event(raw)  # whole, or erased (EVENTS.md §8.4: 64 bytes after the header, payloadLength ≠ 0)
        h = d["header"]
        self.id = d["id"]
        self.author = h["author"]
        self.seq = h["seq"]
        self.lamport = h["lamport"]
        self.time = h["time"]
        self.parents = ([h["prev"]] if h["prev"] is not None else []) + h["deps"]
        self.stamp = (self.lamport, self.author, self.id)  # bytes compare lexicographically, unsigned
        payload = d["payloadBytes"]
        self.held_erased = payload is None  # held without its payload: its kind cannot be read
        try:
            p = decode_payload(payload) if payload is not None else None
        except Refused:
            p = None  # MERGE.md §1: does not decode -> no effect
        self.p = p
        self.kind = p["kind"] if p else None
        # The kind can be read only from a payload that is held (§19.1); None for an erased event.
        self.kind_number = int.from_bytes(payload[:2], "big") if payload is not None and len(payload) >= 2 else None

    def is_annotation_event(self):
        """§19.1: of kind 2–7 or 9 when its kind can be read; an event held erased is presumed one."""
        return self.held_erased or self.kind_number in ANNOTATION_EVENT_KINDS


def bx(h):
    return bytes.fromhex(h)


# --- Selections and heads (MERGE.md §10) -------------------------------------------------------
def select(events, selection):
    ordered = sorted(events, key=lambda e: e.stamp)
    what, _, arg = selection.partition(":")
    if what == "all":
        return ordered
    if what == "lamport":
        n = int(arg)
        return [e for e in ordered if e.lamport <= n]
    if what == "before":
        t, kept, out = int(arg), set(), []
        for e in ordered:
            if e.time < t and all(p in kept for p in e.parents):
                kept.add(e.id)
                out.append(e)
        return out
    if what == "at":
        by_id = {e.id: e for e in events}
        target = bx(arg)
        if target not in by_id:
            return None
        past, stack = {target}, [target]
        while stack:
            e = by_id.get(stack.pop())
            for p in (e.parents if e else []):
                if p not in past:
                    past.add(p)
                    stack.append(p)
        return [e for e in ordered if e.id in past]
    raise ValueError(f"unknown selection {selection!r}")


def heads(events):
    named = set()
    for e in events:
        named.update(e.parents)
    return sorted(e.id for e in events if e.id not in named)


# --- Identities and devices (MERGE.md §18): computed from the set's device events first -------
class DeviceMap:
    """§18.1: identity(K) for every key, cut(K) for revoked keys, and which device events took
    effect (linkedBy, revokedBy)."""

    def __init__(self):
        self.links = {}       # device key -> identity (effective links only)
        self.cuts = {}        # key -> lastSeq of its effective revocation with the lowest lastSeq
        self.linked_by = {}   # device key -> its linking event
        self.revoked_by = {}  # key -> its revocation (the one that set the cut)
        self.took_effect = []  # the device events that took effect, in the total order

    def identity(self, key):
        return self.links.get(key, key)

    def void(self, e):
        """§18.1: an event other than kinds 10 and 11 signed after its key's cut; never an erasure
        (§19.1). An event held erased is judged by its header: its kind cannot be read, so it is
        never exempt as kinds 10–12 are (§19.2, void first)."""
        return (e.kind not in DEVICE_KINDS and e.kind != "annotation.erased"
                and e.author in self.cuts and e.seq > self.cuts[e.author])

    def devices_json(self):
        out = []
        for k in sorted(set(self.links) | set(self.cuts)):
            o = {"device": k.hex(), "identity": self.identity(k).hex()}
            if k in self.cuts:
                o["lastSeq"] = self.cuts[k]
            if k in self.linked_by:
                o["linkedBy"] = self.linked_by[k].id.hex()
            out.append(o)
        return out


def is_self_revocation(e):
    return e.kind == "device.revoked" and bx(e.p["device"]) == e.author


_consents = {}  # event id -> whether its consent verifies (EVENTS.md §7.11, by the rules of §5)


def consent_verifies(e):
    if e.id not in _consents:
        _consents[e.id] = consent_ok(bx(e.p["identity"]), bx(e.p["device"]), bx(e.p["consent"]))
    return _consents[e.id]


def device_pass(device_events, void):
    """§18.2 step 1: one pass over the device events in the total order, skipping `void`."""
    m = DeviceMap()
    identities_with_devices = set()
    for e in device_events:
        if e.id in void:
            continue
        signer = e.author
        if signer in m.cuts and e.seq > m.cuts[signer] and not is_self_revocation(e):
            continue  # signed after its device's revocation (so far)
        ident, dev = bx(e.p["identity"]), bx(e.p["device"])
        if m.identity(signer) != ident:
            continue  # its signer is not a device of identity I
        if e.kind == "device.linked":
            if not consent_verifies(e):
                continue  # the consent does not verify
            if dev in m.cuts:
                continue  # was revoked and cannot be linked again
            if dev in m.links:
                continue  # is already linked: the first link in the total order wins
            if dev in identities_with_devices:
                continue  # is an identity with devices of its own
            m.links[dev] = ident
            m.linked_by[dev] = e
            identities_with_devices.add(ident)
        else:
            last = e.p["lastSeq"]
            if m.identity(dev) != ident:
                continue  # is not a device of identity I
            if dev in m.cuts and m.cuts[dev] <= last:
                continue  # is already revoked: a revocation can only lower a cut
            m.cuts[dev] = last
            m.revoked_by[dev] = e
        m.took_effect.append(e)
    return m


def device_map(events):
    """§18.2: passes to a fixpoint. A function of the set's device events alone."""
    device_events = sorted({e.id: e for e in events if e.kind in DEVICE_KINDS}.values(), key=lambda e: e.stamp)
    void = set()
    while True:
        m = device_pass(device_events, void)
        late = [e for e in m.took_effect
                if not is_self_revocation(e) and e.author in m.cuts and e.seq > m.cuts[e.author]]
        if not late:
            return m
        void.update(e.id for e in late)


# --- Erasure (MERGE.md §19): computed from the set's erasures, headers and device map ----------
class ErasureMap:
    """§19.1: which events are erased, and the erased annotations with the first effective
    erasure naming each as `annotation` (which gives its article, replyTo and `erased`)."""

    def __init__(self):
        self.erased = set()      # ids of the erased events of the set
        self.annotations = {}    # erased annotation id -> its first effective erasure naming it

    def no_effect(self, e):
        """§19.2: an erased event's payload has no effect, and neither has an event held without
        its payload that no effective erasure erases."""
        return e.id in self.erased or e.held_erased


def erasure_map(events, dm):
    """§19.1: a function of the set. Every erasure is judged by its own fields, the event it names
    as `annotation` (its header, and its kind when held whole), and the device map `dm`; erasures
    are never void. Only annotation events are erased (kinds 2–7 and 9, or held erased)."""
    by_id = {e.id: e for e in events}
    em = ErasureMap()
    for x in sorted((e for e in by_id.values() if e.kind == "annotation.erased"), key=lambda e: e.stamp):
        a = by_id.get(bx(x.p["annotation"]))
        if a is None:
            continue  # its annotation is not in the ledger (yet)
        if not a.held_erased and a.kind != "annotation.created":
            continue  # a is not an annotation (its kind can be read: held whole)
        signer = dm.identity(x.author)
        if signer != dm.identity(a.author):
            continue  # its signer is not the author of the annotation
        for n in x.p["events"]:
            e = by_id.get(bx(n))
            if e is not None and dm.identity(e.author) == signer and e.is_annotation_event():
                em.erased.add(e.id)  # never anyone else's events, never kinds 1, 8, 10–12
        em.annotations.setdefault(a.id, x)  # the first effective erasure naming it, in the total order
    return em


class Ann:
    """An annotation of the replay: a creation's decoded fields, or, for an erased annotation
    (§19.2), its creation's header with the article and replyTo of its first effective erasure."""

    def __init__(self, c, erasure=None):
        self.c, self.erasure = c, erasure
        self.id, self.author, self.stamp, self.time, self.lamport = c.id, c.author, c.stamp, c.time, c.lamport
        src = erasure.p if erasure is not None else c.p
        self.article, self.target, self.reply_to = src["article"], src["target"], src.get("replyTo")
        self.editors = [] if erasure is not None else c.p["editors"]


# --- Replay, declarative (MERGE.md §3–§4): a function of the set -------------------------------
def article_id(e):
    return hashlib.sha256(e.p["text"].encode("utf-8")).digest()


def authorized(e, a, dm):
    """MERGE.md §4: a change by the identity of the annotation's author or of one of its editors
    (§18.3); a reanchor never of a reply; never a change of an erased annotation (§19.2)."""
    if a.erasure is not None:
        return False  # was erased
    if e.kind == "annotation.reanchored" and a.target == "reply":
        return False
    who = dm.identity(e.author)
    return who == dm.identity(a.author) or any(who == dm.identity(bx(k)) for k in a.editors)


def replay_set(events, dm, em):
    """Returns (articles, annotations, changes, replies, revisions, device map): the effective
    facts of the set, with `dm` the set's device map (§18) and `em` its erasure map (§19)."""
    events = {e.id: e for e in events}.values()  # a set: one event per id
    # §19.2, void first: a void event (§18.1) is absent whether or not it is erased.
    events = [e for e in events if not dm.void(e)]
    # §19.2: the erased annotations, from their creations' headers (held whole or not).
    erased_anns = [Ann(e, em.annotations[e.id]) for e in events if e.id in em.annotations]
    events = [e for e in events if not em.no_effect(e)]  # §19.2: erased, or held without payload
    articles, adders = {}, {}
    for e in events:
        if e.kind == "article.added":
            aid = article_id(e)
            adders.setdefault(aid, set()).add(dm.identity(e.author))  # §3: every addition's author's identity
            if aid not in articles or e.stamp < articles[aid].stamp:
                articles[aid] = e
    created = {e.id: Ann(e) for e in events if e.kind == "annotation.created"}
    created.update({a.id: a for a in erased_anns})

    def admissible(c):  # the rules that do not involve the parent
        return bx(c.article) in articles and c.author.hex() not in c.editors

    children = {}
    for c in created.values():
        if c.target == "reply":
            children.setdefault(bx(c.reply_to), []).append(c)
    # Least fixed point: passage annotations that are admissible, then replies whose parent is
    # effective and names the same article.
    effective = {c.id: c for c in created.values() if c.target == "text" and admissible(c)}
    frontier = list(effective)
    while frontier:
        pid = frontier.pop()
        for c in children.get(pid, []):
            if c.id not in effective and admissible(c) and c.article == effective[pid].article:
                effective[c.id] = c
                frontier.append(c.id)
    changes = {a: [] for a in effective}
    for e in events:
        if e.kind in CHANGE_KINDS:
            a = effective.get(bx(e.p["annotation"]))
            if a is not None and authorized(e, a, dm):
                changes[a.id].append(e)
    replies = {a: [c for c in children.get(a, []) if c.id in effective] for a in effective}
    # §3.1: the revisions of an article of the set by one of its adders (the identity of the author
    # of any of its additions, not only the first).
    revisions = {aid: [e for e in events if e.kind == "article.revised" and bx(e.p["article"]) == aid
                       and dm.identity(e.author) in adders[aid]]
                 for aid in articles}
    return articles, effective, changes, replies, revisions, dm


# --- Replay, incremental with waiting (MERGE.md §8–§9): any arrival order ---------------------------
def replay_incremental(order, dm, em):
    """`dm` is the device map of the whole set (§18: a function of the set, computed before §3–§8;
    an implementation that caches the state recomputes when a device event changes it), and `em`
    its erasure map (§19, likewise)."""
    articles, effective, changes, replies, waiting = {}, {}, {}, {}, {}
    adders = {}  # article id -> identities of the authors of its additions seen so far (§3; only grows)
    revised = {}  # article id -> every revision of it seen, whoever wrote it (§9: the adders may grow)

    def wait(target, e):
        waiting.setdefault(target, []).append(e)

    def wake(target):
        for e in waiting.pop(target, []):
            apply(e)

    def apply(e):
        if dm.void(e):
            return  # §18.1, and §19.2 void first: treated as absent, erased or not
        if e.id in em.annotations:  # §19.2: an erased annotation, from its creation's header
            return place(Ann(e, em.annotations[e.id]))
        if em.no_effect(e):
            return  # §19.2: erased, or held without its payload
        if e.kind == "article.added":
            aid = article_id(e)
            adders.setdefault(aid, set()).add(dm.identity(e.author))
            if aid in articles:
                if e.stamp < articles[aid].stamp:
                    articles[aid] = e
                return
            articles[aid] = e
            wake(aid)
        elif e.kind == "annotation.created":
            place(Ann(e))
        elif e.kind in CHANGE_KINDS:
            a = effective.get(bx(e.p["annotation"]))
            if a is None:
                return wait(bx(e.p["annotation"]), e)
            if authorized(e, a, dm):
                changes[a.id].append(e)
        elif e.kind == "article.revised":
            aid = bx(e.p["article"])
            if aid not in articles:
                return wait(aid, e)
            revised.setdefault(aid, []).append(e)
        # device events (already in `dm`), erasures (already in `em`), unknown kinds and
        # undecodable payloads: skipped

    def place(a):
        """An annotation (a creation, or an erased annotation of §19.2) waits for its article,
        then, a reply, for its parent."""
        if bx(a.article) not in articles:
            return wait(bx(a.article), a.c)
        if a.target == "reply":
            parent = bx(a.reply_to)
            if parent not in effective:
                return wait(parent, a.c)
            if effective[parent].article != a.article:
                return  # rejected
        if a.author.hex() in a.editors:
            return  # rejected
        if a.target == "reply":
            replies[bx(a.reply_to)].append(a)
        effective[a.id], changes[a.id], replies[a.id] = a, [], []
        wake(a.id)

    seen = set()
    for e in order:
        if e.id not in seen:  # each event applied once
            seen.add(e.id)
            apply(e)
    # Which revisions write the text is decided against the adders of the whole set (§3.1), when
    # the register is read, not when a revision arrives.
    revisions = {aid: [e for e in revised.get(aid, []) if dm.identity(e.author) in adders[aid]] for aid in articles}
    return articles, effective, changes, replies, revisions, dm


# --- Registers, tag set, annotation state (MERGE.md §5–§7, §11.4) -------------------------------------
def register(creation, initial, writes):
    """writes: [(event, value)]. Returns (winner value, conflicts [(event, value)]). With
    creation None, a register without an initial write (§5): None when it has no write."""
    versions = ([(creation, initial)] if creation is not None else []) + writes
    if not versions:
        return None, []
    replaced = set()
    for e, _ in writes:
        replaced.update(bx(x) for x in e.p["pred"])
    live = sorted((v for v in versions if v[0].id not in replaced), key=lambda v: v[0].stamp, reverse=True)
    if not live:
        return max(versions, key=lambda v: v[0].stamp)[1], []
    return live[0][1], live[1:]


def tag_set(creation, tag_events):
    added = {(t.encode("utf-8"), creation.id) for t in creation.p["tags"]}
    removed = set()
    for e in tag_events:
        added |= {(t.encode("utf-8"), e.id) for t in e.p["add"]}
        removed |= {(t.encode("utf-8"), bx(p)) for t in e.p["remove"] for p in e.p["pred"]}
    return sorted({t for t, _ in added - removed})  # bytes sort = UTF-8 byte order


def erased_annotation_json(a, replies, dm):
    """§11.4: the object of an erased annotation (§19.2)."""
    x = a.erasure
    o = {
        "id": a.id.hex(), "article": a.article, "author": dm.identity(a.author).hex(),
        "created": a.time, "lamport": a.lamport,
        "replies": [r.id.hex() for r in sorted(replies, key=lambda e: e.stamp)],
        "erased": {"at": x.time, "by": dm.identity(x.author).hex(), "event": x.id.hex()},
    }
    if dm.identity(a.author) != a.author:
        o["device"] = a.author.hex()
    if a.target == "reply":
        o["replyTo"] = a.reply_to
    return o


def annotation_json(a, changes, replies, dm):
    if a.erasure is not None:
        return erased_annotation_json(a, replies, dm), False
    c = a.c
    by = lambda kind: [e for e in changes if e.kind == kind]  # noqa: E731
    body, body_conf = register(c, c.p["body"], [(e, e.p["body"]) for e in by("body.edited")])
    motiv, motiv_conf = register(c, c.p["motivation"], [(e, e.p["motivation"]) for e in by("motivation.changed")])
    deleted, _ = register(c, False, [(e, e.kind == "annotation.deleted")
                                     for e in changes if e.kind in ("annotation.deleted", "annotation.restored")])
    tags = tag_set(c, by("tags.changed"))
    reanchored, _ = register(None, None, [(e, {k: e.p[k] for k in SELECTOR_FIELDS}) for e in by("annotation.reanchored")])
    last = max([c] + changes, key=lambda e: e.stamp)
    o = {
        "id": c.id.hex(), "article": c.p["article"], "author": dm.identity(c.author).hex(),
        "created": c.time, "modified": last.time, "lamport": c.lamport,
        "motivation": motiv, "body": body, "tags": [t.decode("utf-8") for t in tags], "deleted": deleted,
        "replies": [r.id.hex() for r in sorted(replies, key=lambda e: e.stamp)],
        "editors": list(c.p["editors"]),
    }
    if dm.identity(c.author) != c.author:  # §11.4: signed by a linked device
        o["device"] = c.author.hex()
    if c.p["target"] == "text":
        o["selector"] = {k: c.p[k] for k in SELECTOR_FIELDS}
        if reanchored is not None:
            o["reanchored"] = reanchored
    else:
        o["replyTo"] = c.p["replyTo"]
    if body_conf:
        o["bodyConflicts"] = [{"body": v, "author": dm.identity(e.author).hex(), "event": e.id.hex()}
                              for e, v in body_conf]
    if motiv_conf:
        o["motivationConflicts"] = [{"motivation": v, "author": dm.identity(e.author).hex(), "event": e.id.hex()}
                                    for e, v in motiv_conf]
    return o, deleted


def snapshot(facts, selected, article=None):
    articles, effective, changes, replies, revisions, dm = facts
    arts = []
    for aid in sorted(articles):
        if article is None or aid == article:
            e = articles[aid]
            # §3.1: the text register has no initial write; the original text when it has none.
            text, _ = register(None, None, [(r, r.p["text"]) for r in revisions[aid]])
            o = {"id": aid.hex(), "title": e.p["title"], "source": e.p["source"],
                 "length": len(text if text is not None else e.p["text"]),  # Python str length = code points
                 "addedBy": dm.identity(e.author).hex(), "added": e.time}
            if text is not None:
                o["revisedText"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
            arts.append(o)
    anns = [annotation_json(c, changes[c.id], replies[c.id], dm)[0]
            for c in sorted(effective.values(), key=lambda e: e.stamp)
            if article is None or bx(c.article) == article]
    doc = {"format": FORMAT, "events": len({e.id for e in selected}),
           "heads": [h.hex() for h in heads(selected)], "articles": arts, "annotations": anns}
    if any(e.kind_number in V2_KIND_NUMBERS for e in selected):  # §11.2: effective or not
        doc["format"] = FORMAT_DEVICES
        doc["devices"] = dm.devices_json()  # not affected by the article filter
    return canonical(doc).encode("utf-8")


# --- Canonical JSON (MERGE.md §11.1) -----------------------------------------------------------
ESC = {0x22: '\\"', 0x5C: "\\\\", 0x08: "\\b", 0x0C: "\\f", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


def canonical_string(s):
    out = bytearray(b'"')
    for b in s.encode("utf-8"):
        if b in ESC:
            out += ESC[b].encode()
        elif b < 0x20:
            out += b"\\u%04x" % b
        else:
            out.append(b)
    out += b'"'
    return out.decode("utf-8")


def canonical(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return canonical_string(v)
    if isinstance(v, list):
        return "[" + ",".join(canonical(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode("utf-8"))
        return "{" + ",".join(canonical_string(k) + ":" + canonical(v[k]) for k in keys) + "}"
    raise TypeError(type(v))


# --- The checks --------------------------------------------------------------------------------
def check_case(c, rng):
    problems = []
    events = [Ev(bx(h)) for h in c["events"]]
    ids = {e.id for e in events}
    if any(p not in ids for e in events for p in e.parents):
        problems.append("the case's events are not causally closed")
    chosen = select(events, c["selection"])
    if chosen is None:
        return [f"selection {c['selection']} names an unknown event"], 0
    article = bx(c["article"]) if c.get("article") else None
    dm = device_map(chosen)
    got = snapshot(replay_set(chosen, dm, erasure_map(chosen, dm)), chosen, article)
    want = c["snapshot"].encode("utf-8")
    if got != want:
        i = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]), min(len(got), len(want)))
        problems.append(f"snapshot differs at byte {i}: got …{got[max(0, i - 40):i + 40]!r}… want …{want[max(0, i - 40):i + 40]!r}…")
    if hashlib.sha256(got).hexdigest() != c["hash"]:
        problems.append(f"hash {hashlib.sha256(got).hexdigest()} != {c['hash']}")
    if hashlib.sha256(want).hexdigest() != c["hash"]:
        problems.append("the case's hash is not SHA-256 of its snapshot")
    # §9: the incremental algorithm gives the same bytes in any arrival order.
    orders = [chosen, list(reversed(chosen))] + [rng.sample(chosen, len(chosen)) for _ in range(4)]
    for n, order in enumerate(orders):
        # §18, §19: the device map and the erasure map are functions of the set, so they are computed
        # from the whole selection first; each order gets its own computation, from the events in
        # that order.
        dm = device_map(order)
        if snapshot(replay_incremental(order, dm, erasure_map(order, dm)), chosen, article) != got:
            problems.append(f"incremental replay in arrival order #{n} gives other bytes")
    return problems, len(chosen)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "merge.json")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    passed = failed = 0
    rng = random.Random(20261125)
    if doc.get("format") != "gloss-merge-vectors-v1":
        print(f"FAIL file: format {doc.get('format')!r}")
        failed += 1
    for c in doc["cases"]:
        try:
            problems, n = check_case(c, rng)
        except (Refused, KeyError, ValueError) as e:
            problems, n = [f"error: {e}"], 0
        label = f"{c['name']} [{c['selection']}{', article ' + c['article'][:12] if c.get('article') else ''}; {n} of {len(c['events'])} events]"
        if problems:
            failed += 1
            print(f"FAIL {label}: " + "; ".join(problems))
        else:
            passed += 1
            print(f"ok   {label} {c['hash'][:16]}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
