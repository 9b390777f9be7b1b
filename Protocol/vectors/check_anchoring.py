#!/usr/bin/env python3
"""Independent check of Protocol/vectors/anchoring.json against Protocol/MERGE.md §17.

Written from the document alone: characters are extended grapheme clusters (the `regex`
module's \\X), equal when their folded forms have the same NFC (`unicodedata`). Prints one line
per case and `N passed, M failed`; exits non-zero when a case fails.
"""
import json
import os
import sys
import unicodedata

try:
    import regex
except ImportError:  # pragma: no cover
    sys.exit("check_anchoring.py needs the regex module (Debian: python3-regex; pip: regex)")

SINGLE_FOLDS = {}
for cps, to in (((0x2018, 0x2019, 0x201A, 0x201B, 0x2032), "'"),
                ((0x201C, 0x201D, 0x201E, 0x201F, 0x2033), '"'),
                ((0x00A0, 0x2007, 0x202F, 0x2009, 0x200A), " "),
                ((0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212), "-")):
    for cp in cps:
        SINGLE_FOLDS[chr(cp)] = to

SELF_SUFFICIENT = 32   # §17.1: a quote this long needs no context
FUZZY_CONTEXT = 8      # §17.3: the least agreeing context of an approximate passage
FUZZY_QUOTE = 4        # §17.3: shorter quotes are not searched approximately
WORK_LIMIT = 20_000_000
PICKS = 16


def characters(s):
    return regex.findall(r"\X", s)


def fold(ch):
    if ch in ("\r\n", "\r"):
        return "\n"
    if len(ch) == 1 and ch in SINGLE_FOLDS:
        return SINGLE_FOLDS[ch]
    return ch


def key(ch):
    return unicodedata.normalize("NFC", fold(ch))


def is_word(ch):
    return bool(ch) and unicodedata.category(ch[0])[0] in "LMN"


def levenshtein(a, b):
    prev = list(range(len(a) + 1))
    for i, y in enumerate(b):
        cur = [i + 1]
        for j, x in enumerate(a, 1):
            cur.append(min(prev[j - 1] + (0 if x == y else 1), prev[j] + 1, cur[j - 1] + 1))
        prev = cur
    return prev[len(a)]


class Search:
    """One selector on one text: §17.1–§17.4."""

    def __init__(self, sel, t_chars, t_keys, off):
        self.sel = sel
        self.tc, self.t, self.off = t_chars, t_keys, off
        self.qc = characters(sel["exact"])
        self.pc = characters(sel["prefix"])
        self.sc = characters(sel["suffix"])
        self.q = [key(c) for c in self.qc]
        self.p = [key(c) for c in self.pc]
        self.s = [key(c) for c in self.sc]
        self.m, self.n = len(self.q), len(self.t)
        self.C = len(self.p) + len(self.s)
        self.origin = sum(1 for k in range(self.n) if off[k] < sel["start"])

    def before(self, lo):
        c = 0
        while c < len(self.p) and c < lo and self.p[len(self.p) - 1 - c] == self.t[lo - 1 - c]:
            c += 1
        return c

    def after(self, hi):
        c = 0
        while c < len(self.s) and hi + c < self.n and self.s[c] == self.t[hi + c]:
            c += 1
        return c

    def passage(self, lo, hi, d):
        b, a = self.before(lo), self.after(hi)
        return {"lo": lo, "hi": hi, "d": d, "before": b, "after": a,
                "score": 2 * (self.m - d) + b + a, "distance": abs(lo - self.origin)}

    @staticmethod
    def rank(p):
        """Smaller is better: greater score, then smaller distance, then smaller lo."""
        return (-p["score"], p["distance"], p["lo"])

    def enough(self, p, need):
        h = max(0, SELF_SUFFICIENT - self.m) // 4
        return (p["before"] + p["after"] >= min(self.C, need)
                and p["before"] >= min(len(self.p), h, p["lo"]) and p["after"] >= min(len(self.s), h, self.n - p["hi"]))

    def sellers(self):
        m, q, t = self.m, self.q, self.t
        Dp, Sp = list(range(m + 1)), [0] * (m + 1)
        records = []
        for i in range(self.n):
            D, S = [0] * (m + 1), [0] * (m + 1)
            D[0], S[0] = 0, i + 1
            c = t[i]
            for j in range(1, m + 1):
                sub = Dp[j - 1] + (0 if q[j - 1] == c else 1)
                sub_start = i if j == 1 else Sp[j - 1]
                skip, skip_start = Dp[j] + 1, Sp[j]
                miss, miss_start = D[j - 1] + 1, S[j - 1]
                if sub <= skip and sub <= miss:
                    D[j], S[j] = sub, sub_start
                elif skip <= miss:
                    D[j], S[j] = skip, skip_start
                else:
                    D[j], S[j] = miss, miss_start
            records.append((D[m], S[m], i + 1))
            Dp, Sp = D, S
        return records

    def widened(self, s, e):
        lo, hi = s, e
        tc, n = self.tc, self.n
        starts_inside = bool(self.pc) and is_word(self.pc[-1]) and is_word(self.qc[0])
        ends_inside = bool(self.sc) and is_word(self.qc[-1]) and is_word(self.sc[0])
        if not starts_inside:
            while 0 < lo < n and is_word(tc[lo - 1]) and is_word(tc[lo]):
                lo -= 1
        if not ends_inside:
            while 0 < hi < n and is_word(tc[hi - 1]) and is_word(tc[hi]):
                hi += 1
        return lo, hi

    def candidates(self):
        m = self.m
        eligible = [r for r in self.sellers() if 4 * r[0] <= m]
        order = sorted(eligible, key=lambda r: (r[0], -(r[2] - r[1]), r[2]))
        picked, out = [], []
        for r in order:
            if len(picked) == PICKS:
                break
            if any(not (r[2] <= ps or r[1] >= pe) for ps, pe in picked):
                continue
            picked.append((r[1], r[2]))
            best = None
            for x in sorted((x for x in eligible if x[1] == r[1]), key=lambda x: x[2]):
                lo, hi = self.widened(x[1], x[2])
                c = self.passage(lo, hi, levenshtein(self.q, self.t[lo:hi]))
                if best is None or self.rank(c) < self.rank(best):
                    best = c
            if not any(o["lo"] == best["lo"] and o["hi"] == best["hi"] for o in out):
                out.append(best)
        return out

    def run(self):
        m, n, off = self.m, self.n, self.off
        exact = [self.passage(i, i + m, 0) for i in range(0, n - m + 1) if self.t[i:i + m] == self.q] if m <= n else []
        taken = [p for p in exact if self.enough(p, max(0, SELF_SUFFICIENT - m))]
        if taken:
            b = min(taken, key=self.rank)
            lo, hi = off[b["lo"]], off[b["hi"]]
            stage = "position" if (lo, hi) == (self.sel["start"], self.sel["end"]) else "quote"
            return {"stage": stage, "start": lo, "end": hi}, None
        pool = list(exact)
        if m >= FUZZY_QUOTE and m * n <= WORK_LIMIT:
            cands = self.candidates()
            taken = [c for c in cands if 4 * c["d"] <= m and self.enough(c, max(FUZZY_CONTEXT, SELF_SUFFICIENT - m))]
            if taken:
                b = min(taken, key=self.rank)
                others = [c["score"] for c in taken if c is not b]
                if not others or 10 * (b["score"] - max(others)) >= m:
                    return {"stage": "fuzzy", "start": off[b["lo"]], "end": off[b["hi"]]}, None
            pool += cands
        near = [p for p in pool if 2 * p["d"] <= m]
        if not near:
            return None, None
        g = min(near, key=self.rank)
        return None, {"start": off[g["lo"]], "end": off[g["hi"]], "alike": m - g["d"], "quoteLength": m,
                      "context": g["before"] + g["after"], "contextLength": self.C}


def anchor(text, selectors):
    tc = characters(text)
    t = [key(c) for c in tc]
    off, o = [], 0
    for c in tc:
        off.append(o)
        o += len(c)
    off.append(o)
    suggestion = None
    for sel in selectors:
        found, g = Search(sel, tc, t, off).run()
        if found:
            return found
        if suggestion is None:
            suggestion = g
    return {"stage": "orphan", **({"suggestion": suggestion} if suggestion else {})}


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "anchoring.json")
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    passed = failed = 0
    for c in cases:
        got = anchor(c["text"], c["selectors"])
        want = {k: v for k, v in c["expected"].items() if v is not None}
        if got == want:
            passed += 1
            print(f"ok    {c['name']}")
        else:
            failed += 1
            print(f"FAIL  {c['name']}: expected {want}, computed {got}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
