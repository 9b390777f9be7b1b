/// Where an annotation's passage is in an article's current text (Protocol/MERGE.md
/// §Anchoring): found in stages, and a pure function of the selector and the text, so every
/// peer anchors alike.
public enum Anchor: Sendable, Equatable {
    /// The passage, in code points, and the stage that found it.
    case anchored(Range<Int>, Stage)
    /// Not found well enough: shown as an orphan, never silently moved.
    case orphan

    public enum Stage: String, Sendable { case position, quote, fuzzy }

    /// Fuzzy matches must score at least 0.75 (1 − edit distance ÷ quote length: 4·d ≤ m)…
    public static let minimumFuzzyScore = 0.75
    /// …and beat the best match elsewhere by 0.1 (10·(runner-up d − best d) ≥ m). Both are
    /// checked in integers, so every peer decides alike.
    public static let fuzzyMargin = 0.1
    /// The fuzzy stage costs text × quote steps; above this it is skipped (an orphan), so a
    /// hostile giant quote cannot stall a reader.
    public static let maximumFuzzyWork = 20_000_000
    /// An exact quote found elsewhere must share at least this many code points of context
    /// (before and after together) with the selector, unless the selector has less.
    public static let minimumContext = 6

    public static func locate(_ s: TextSelector, in text: ArticleText) -> Anchor {
        let quote = Array(s.exact.unicodeScalars)
        let t = text.scalars
        let start = Int(s.start), end = Int(s.end)
        // 1. The stored position, if the quote is still there (folding quotes, spaces, dashes).
        if end <= t.count, start < end, end - start == quote.count, text.isBoundary(start), text.isBoundary(end),
           matches(quote, t, at: start) {
            return .anchored(start..<end, .position)
        }
        // 2. The exact quote elsewhere, best context first, then nearest the old position.
        let prefix = Array(s.prefix.unicodeScalars), suffix = Array(s.suffix.unicodeScalars)
        var best: (score: Int, distance: Int, at: Int)?
        if quote.count <= t.count {
            for i in 0...(t.count - quote.count) where matches(quote, t, at: i) {
                guard text.isBoundary(i), text.isBoundary(i + quote.count) else { continue }
                let score = commonSuffix(prefix, t, before: i) + commonPrefix(suffix, t, after: i + quote.count)
                let candidate = (score, abs(i - start), i)
                if best == nil || candidate.0 > best!.score || (candidate.0 == best!.score && candidate.1 < best!.distance) {
                    best = candidate
                }
            }
        }
        if let best, best.score >= min(minimumContext, prefix.count + suffix.count) {
            return .anchored(best.at..<(best.at + quote.count), .quote)
        }
        // 3. A fuzzy match that clears the minimum and beats the runner-up by the margin.
        if let f = fuzzy(quote, text) { return .anchored(f, .fuzzy) }
        return .orphan
    }

    static func matches(_ q: [Unicode.Scalar], _ t: [Unicode.Scalar], at i: Int) -> Bool {
        guard i >= 0, i + q.count <= t.count else { return false }
        for k in 0..<q.count where QuoteMatcher.fold(t[i + k]) != QuoteMatcher.fold(q[k]) { return false }
        return true
    }

    static func commonSuffix(_ p: [Unicode.Scalar], _ t: [Unicode.Scalar], before i: Int) -> Int {
        var n = 0
        while n < p.count, i - n - 1 >= 0, QuoteMatcher.fold(p[p.count - 1 - n]) == QuoteMatcher.fold(t[i - n - 1]) { n += 1 }
        return n
    }

    static func commonPrefix(_ s: [Unicode.Scalar], _ t: [Unicode.Scalar], after i: Int) -> Int {
        var n = 0
        while n < s.count, i + n < t.count, QuoteMatcher.fold(s[n]) == QuoteMatcher.fold(t[i + n]) { n += 1 }
        return n
    }

    /// Approximate substring search (Sellers): the smallest edit distance between the quote and
    /// any passage, in O(text × quote). Returns the best passage if it is good and unambiguous.
    static func fuzzy(_ q: [Unicode.Scalar], _ text: ArticleText) -> Range<Int>? {
        let t = text.scalars
        let m = q.count
        guard m >= 4, !t.isEmpty, m * t.count <= maximumFuzzyWork else { return nil }
        let qf = q.map(QuoteMatcher.fold)
        // prev[j]/cur[j]: distance of q[0..<j] to the best passage ending here; starts[j]: where it starts.
        var prev = Array(0...m), cur = [Int](repeating: 0, count: m + 1)
        var prevStart = [Int](repeating: 0, count: m + 1), curStart = [Int](repeating: 0, count: m + 1)
        var ends: [(distance: Int, start: Int, end: Int)] = []
        for i in 0..<t.count {
            let c = QuoteMatcher.fold(t[i])
            cur[0] = 0
            curStart[0] = i + 1
            for j in 1...m {
                let sub = prev[j - 1] + (qf[j - 1] == c ? 0 : 1)
                let del = prev[j] + 1
                let ins = cur[j - 1] + 1
                if sub <= del && sub <= ins { cur[j] = sub; curStart[j] = j == 1 ? i : prevStart[j - 1] }
                else if del <= ins { cur[j] = del; curStart[j] = prevStart[j] }
                else { cur[j] = ins; curStart[j] = curStart[j - 1] }
            }
            ends.append((cur[m], curStart[m], i + 1))
            swap(&prev, &cur)
            swap(&prevStart, &curStart)
        }
        // Smallest distance; among equals the longest passage, then the earliest.
        guard let best = ends.min(by: {
            if $0.distance != $1.distance { return $0.distance < $1.distance }
            if $0.end - $0.start != $1.end - $1.start { return $0.end - $0.start > $1.end - $1.start }
            return $0.end < $1.end
        }) else { return nil }
        // The runner-up: the best passage that does not overlap the winner (none: distance m).
        let runner = ends.filter { $0.end <= best.start || $0.start >= best.end }.map(\.distance).min() ?? m
        guard 4 * best.distance <= m, 10 * (runner - best.distance) >= m else { return nil }
        // Snap to character boundaries.
        var lo = max(0, best.start), hi = min(t.count, best.end)
        while lo > 0 && !text.isBoundary(lo) { lo -= 1 }
        while hi < t.count && !text.isBoundary(hi) { hi += 1 }
        return lo < hi ? lo..<hi : nil
    }
}
