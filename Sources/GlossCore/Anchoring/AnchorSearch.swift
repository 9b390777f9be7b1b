/// One selector anchored on one text, stage by stage (Protocol/MERGE.md §17.2–§17.5). All
/// lengths, offsets and distances here are in characters of `AnchoringText`; only the result
/// is turned back into code points.
struct AnchorSearch {
    let text: AnchoringText
    let selector: TextSelector
    let q: [Int32], prefix: [Int32], suffix: [Int32]
    /// The character index of the selector's old start.
    let origin: Int
    /// Whether the quote itself began (ended) inside a word: then a passage may too.
    let startsInsideWord: Bool, endsInsideWord: Bool

    init(_ selector: TextSelector, in text: AnchoringText) {
        self.text = text; self.selector = selector
        q = text.keys(of: selector.exact)
        prefix = text.keys(of: selector.prefix)
        suffix = text.keys(of: selector.suffix)
        origin = text.characterIndex(Int(selector.start))
        startsInsideWord = AnchoringText.isWord(selector.prefix, last: true) && AnchoringText.isWord(selector.exact, last: false)
        endsInsideWord = AnchoringText.isWord(selector.exact, last: true) && AnchoringText.isWord(selector.suffix, last: false)
    }

    var m: Int { q.count }
    var n: Int { text.count }
    var contextLength: Int { prefix.count + suffix.count }

    /// A passage considered: characters `lo..<hi`, its edit distance `d` to the quote and its
    /// agreeing context `context`.
    struct Candidate {
        let lo: Int, hi: Int, d: Int, before: Int, after: Int, score: Int, distance: Int
        var context: Int { before + after }
    }

    func candidate(_ lo: Int, _ hi: Int, d: Int) -> Candidate {
        let b = before(lo), a = after(hi)
        return Candidate(lo: lo, hi: hi, d: d, before: b, after: a, score: 2 * (m - d) + b + a, distance: abs(lo - origin))
    }

    /// Whether a candidate has the context a quote of this length needs (§17.1): `total`
    /// characters in all, and a short quote a quarter of its shortfall from 32 on each side
    /// that has context and text to compare it with (about a word for a name), so it is not
    /// taken on one side's words alone; at the very start or end of the text, that side asks
    /// for nothing.
    func hasContext(_ c: Candidate, total: Int) -> Bool {
        let side = max(0, Anchor.selfSufficientQuote - m) / 4
        return c.context >= min(contextLength, total)
            && c.before >= min(prefix.count, side, c.lo) && c.after >= min(suffix.count, side, n - c.hi)
    }

    /// The better of two candidates: the greater score, then the nearer the old start, then the earlier.
    static func better(_ a: Candidate, _ b: Candidate) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.distance != b.distance { return a.distance < b.distance }
        return a.lo < b.lo
    }

    func run() -> Anchor {
        guard m > 0 else { return .orphan(nil) }
        // 1. The quote itself, with enough context for its length.
        var pool: [Candidate] = []
        if m <= n {
            for i in 0...(n - m) where matches(at: i) { pool.append(candidate(i, i + m, d: 0)) }
        }
        let need = max(0, Anchor.selfSufficientQuote - m)
        if let best = pool.filter({ hasContext($0, total: need) }).min(by: Self.better) {
            let r = text.codePoints(best.lo..<best.hi)
            let atOldPlace = r == Int(selector.start)..<Int(selector.end)
            return .anchored(r, atOldPlace ? .position : .quote)
        }
        // 2. An approximate passage, alike enough, with context, and clearly ahead of the next.
        if m >= Anchor.minimumFuzzyQuote, n >= 1, m * n <= Anchor.maximumFuzzyWork {
            let weighed = approximatePassages()
            let needFuzzy = max(Anchor.minimumFuzzyContext, Anchor.selfSufficientQuote - m)
            let taken = weighed.filter { 4 * $0.d <= m && hasContext($0, total: needFuzzy) }
            if let best = taken.min(by: Self.better) {
                let runnerUp = taken.filter { $0.lo != best.lo || $0.hi != best.hi }.map(\.score).max()
                if runnerUp.map({ 10 * (best.score - $0) >= m }) ?? true {
                    return .anchored(text.codePoints(best.lo..<best.hi), .fuzzy)
                }
            }
            pool += weighed
        }
        // 3. An orphan, with the best passage seen when its words are at least half alike.
        guard let s = pool.filter({ 2 * $0.d <= m }).min(by: Self.better) else { return .orphan(nil) }
        return .orphan(Anchor.Suggestion(range: text.codePoints(s.lo..<s.hi), alike: m - s.d, quoteLength: m,
                                         context: s.context, contextLength: contextLength))
    }

    func matches(at i: Int) -> Bool {
        for k in 0..<m where text.keys[i + k] != q[k] { return false }
        return true
    }

    /// How many characters of the prefix, read backwards from its end, are the text just before `lo`.
    func before(_ lo: Int) -> Int {
        var c = 0
        while c < prefix.count, lo - 1 - c >= 0, prefix[prefix.count - 1 - c] == text.keys[lo - 1 - c] { c += 1 }
        return c
    }

    /// How many characters of the suffix, from its start, are the text just after `hi`.
    func after(_ hi: Int) -> Int {
        var c = 0
        while c < suffix.count, hi + c < n, suffix[c] == text.keys[hi + c] { c += 1 }
        return c
    }

    /// The approximate stage's passages (§17.4): Sellers' search gives, for every end, the
    /// passage ending there closest to the quote; the best of them that do not overlap one
    /// another are picked, at most `fuzzyCandidates`. Each pick stands for its start: every
    /// passage from that start to an end whose record has it is widened to whole words and
    /// measured again, and the best of them (score, then nearness, then offset) is the candidate.
    func approximatePassages() -> [Candidate] {
        let ends = sellers()
        let eligible = ends.indices.filter { 4 * ends[$0].d <= m }
        var byStart: [Int: [Int]] = [:]
        for i in eligible { byStart[ends[i].s, default: []].append(i) }
        let order = eligible.sorted { a, b in
            let x = ends[a], y = ends[b]
            if x.d != y.d { return x.d < y.d }
            if x.e - x.s != y.e - y.s { return x.e - x.s > y.e - y.s }
            return x.e < y.e
        }
        var picked: [(s: Int, e: Int)] = []
        var out: [Candidate] = []
        for i in order where picked.count < Anchor.fuzzyCandidates {
            let r = ends[i]
            guard picked.allSatisfy({ r.e <= $0.s || r.s >= $0.e }) else { continue }
            picked.append((r.s, r.e))
            var best: Candidate?
            for j in byStart[r.s] ?? [i] {
                let (lo, hi) = widened(ends[j].s, ends[j].e)
                let c = candidate(lo, hi, d: distance(lo, hi))
                if best.map({ Self.better(c, $0) }) ?? true { best = c }
            }
            guard let best, !out.contains(where: { $0.lo == best.lo && $0.hi == best.hi }) else { continue }
            out.append(best)
        }
        return out
    }

    /// Sellers' approximate substring matching: for each end `e` (1…n), the smallest edit
    /// distance `d` between the quote and a passage `s..<e`, with the tie-breaks of §17.4.
    func sellers() -> [(d: Int, s: Int, e: Int)] {
        var prev = Array(0...m), cur = [Int](repeating: 0, count: m + 1)
        var prevStart = [Int](repeating: 0, count: m + 1), curStart = [Int](repeating: 0, count: m + 1)
        var out: [(d: Int, s: Int, e: Int)] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let c = text.keys[i]
            cur[0] = 0
            curStart[0] = i + 1
            for j in 1...m {
                let sub = prev[j - 1] + (q[j - 1] == c ? 0 : 1)
                let skip = prev[j] + 1
                let miss = cur[j - 1] + 1
                if sub <= skip && sub <= miss { cur[j] = sub; curStart[j] = j == 1 ? i : prevStart[j - 1] }
                else if skip <= miss { cur[j] = skip; curStart[j] = prevStart[j] }
                else { cur[j] = miss; curStart[j] = curStart[j - 1] }
            }
            out.append((cur[m], curStart[m], i + 1))
            swap(&prev, &cur)
            swap(&prevStart, &curStart)
        }
        return out
    }

    /// A passage widened so it does not cut a word, on each side where the quote itself did not
    /// cut one (a quote that began inside a word may be matched inside a word).
    func widened(_ s: Int, _ e: Int) -> (Int, Int) {
        var lo = s, hi = e
        if !startsInsideWord { while lo > 0, lo < n, text.word[lo - 1], text.word[lo] { lo -= 1 } }
        if !endsInsideWord { while hi < n, hi > 0, text.word[hi - 1], text.word[hi] { hi += 1 } }
        return (lo, hi)
    }

    /// The edit distance (Levenshtein, unit costs) between the quote and characters `lo..<hi`.
    func distance(_ lo: Int, _ hi: Int) -> Int {
        var prev = Array(0...m), cur = [Int](repeating: 0, count: m + 1)
        for i in lo..<hi {
            cur[0] = i - lo + 1
            for j in 1...m {
                cur[j] = min(prev[j - 1] + (q[j - 1] == text.keys[i] ? 0 : 1), prev[j] + 1, cur[j - 1] + 1)
            }
            swap(&prev, &cur)
        }
        return prev[m]
    }
}
