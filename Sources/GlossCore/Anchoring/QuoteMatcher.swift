/// Turns what a person typed (a quote with optional context, or offsets) into a `TextSelector`
/// on an article. Pure: the same text and request always give the same answer.
public struct QuoteMatcher: Sendable {
    /// How much context each selector records on each side, in code points.
    public static let contextLength = 32

    public let text: ArticleText
    public init(text: ArticleText) { self.text = text }

    /// One place a quote occurs, with what surrounds it, for error messages.
    public struct Place: Sendable, Equatable {
        public let start: Int
        public let end: Int
        public let before: String
        public let after: String
        /// The passage itself.
        public let text: String
    }

    /// Selects the passage `quote`. Exact code-point match first; when there is none, a match that
    /// treats curly and straight quotes, NBSP and space, and dashes as equal; then one by
    /// canonical equivalence (`é` as one code point or two); when there is still none, one where any run of white space in the quote (a line break of `gloss read`'s
    /// wrapping, two spaces) matches any run of white space in the article, the quote's outer
    /// white space ignored. The selector always records the article's own characters.
    /// `prefix`/`suffix` must touch the match; `occurrence` (1-based) picks among what is left.
    /// When nothing matches, the error carries the nearest passages (`nearest`).
    public func select(quote: String, prefix: String? = nil, suffix: String? = nil,
                       occurrence: Int? = nil) throws(AnchorError) -> TextSelector {
        let q = Array(quote.unicodeScalars)
        guard q.contains(where: { !$0.properties.isWhitespace }) else { throw .emptyQuote }
        let pre = prefix.map { Array($0.unicodeScalars) }, suf = suffix.map { Array($0.unicodeScalars) }
        var places = find(q, prefix: pre, suffix: suf, fold: false)
        if places.isEmpty { places = find(q, prefix: pre, suffix: suf, fold: true) }
        if places.isEmpty { places = findCanonical(quote, prefix: prefix, suffix: suffix) }
        if places.isEmpty { places = findSpacing(q, prefix: pre, suffix: suf) }
        guard !places.isEmpty else {
            let anyAtAll = !findSpacing(q, prefix: nil, suffix: nil).isEmpty
            throw .notFound(quote: quote, withoutContext: anyAtAll, nearest: anyAtAll ? [] : nearest(q).map(describe))
        }
        if let occurrence {
            guard occurrence >= 1, occurrence <= places.count else {
                throw .occurrenceOutOfRange(occurrence, count: places.count)
            }
            return try selector(start: places[occurrence - 1].lowerBound, end: places[occurrence - 1].upperBound)
        }
        guard places.count == 1 else {
            throw .ambiguous(quote: quote, places: places.map(describe))
        }
        return try selector(start: places[0].lowerBound, end: places[0].upperBound)
    }

    /// Selects code points `start..<end`; both must be inside the text and on character boundaries.
    public func selector(start: Int, end: Int) throws(AnchorError) -> TextSelector {
        guard start >= 0, end <= text.count, start < end else {
            throw .outOfRange(start: start, end: end, length: text.count)
        }
        for o in [start, end] where !text.isBoundary(o) { throw .splitsCharacter(offset: o) }
        return TextSelector(exact: text.slice(start..<end),
                            prefix: text.context(before: start, Self.contextLength),
                            suffix: text.context(after: end, Self.contextLength),
                            start: UInt32(start), end: UInt32(end))
    }

    private func describe(_ r: Range<Int>) -> Place {
        Place(start: r.lowerBound, end: r.upperBound,
              before: text.context(before: r.lowerBound, 24), after: text.context(after: r.upperBound, 24),
              text: text.slice(r))
    }

    private func find(_ q: [Unicode.Scalar], prefix: [Unicode.Scalar]?, suffix: [Unicode.Scalar]?, fold: Bool) -> [Range<Int>] {
        let t = text.scalars
        guard q.count <= t.count else { return [] }
        let eq: (Unicode.Scalar, Unicode.Scalar) -> Bool = fold ? { Self.fold($0) == Self.fold($1) } : { $0 == $1 }
        func matches(_ pattern: [Unicode.Scalar], at i: Int) -> Bool {
            guard i >= 0, i + pattern.count <= t.count else { return false }
            for k in 0..<pattern.count where !eq(t[i + k], pattern[k]) { return false }
            return true
        }
        var out: [Range<Int>] = []
        for i in 0...(t.count - q.count) where matches(q, at: i) {
            let r = i..<(i + q.count)
            guard text.isBoundary(r.lowerBound), text.isBoundary(r.upperBound) else { continue }
            if let prefix, !matches(prefix, at: i - prefix.count) { continue }
            if let suffix, !matches(suffix, at: r.upperBound) { continue }
            out.append(r)
        }
        return out
    }

    /// The canonical stage: characters compared as Swift compares them, by canonical
    /// equivalence, so a quote typed as "régime" (é one code point) finds "re\u{301}gime" (e and
    /// a combining accent) and the other way round. Offsets stay the article's code points.
    private func findCanonical(_ quote: String, prefix: String?, suffix: String?) -> [Range<Int>] {
        let q = Array(quote), t = characters
        guard !q.isEmpty, q.count <= t.count else { return [] }
        let pre = prefix.map(Array.init), suf = suffix.map(Array.init)
        func matches(_ p: [Character], at i: Int) -> Bool {
            guard i >= 0, i + p.count <= t.count else { return false }
            for k in 0..<p.count where t[i + k].character != p[k] { return false }
            return true
        }
        var out: [Range<Int>] = []
        for i in 0...(t.count - q.count) where matches(q, at: i) {
            if let pre, !matches(pre, at: i - pre.count) { continue }
            if let suf, !matches(suf, at: i + q.count) { continue }
            let end = i + q.count < t.count ? t[i + q.count].offset : text.count
            out.append(t[i].offset..<end)
        }
        return out
    }

    /// The article's characters (grapheme clusters) with the code-point offset of each.
    private var characters: [(character: Character, offset: Int)] {
        var out: [(Character, Int)] = []
        var offset = 0
        for c in text.slice(0..<text.count) {
            out.append((c, offset))
            offset += c.unicodeScalars.count
        }
        return out
    }

    /// A quote (or context) as tokens: a scalar, or a run of white space.
    enum Token: Equatable { case scalar(Unicode.Scalar), space }

    static func tokens(_ s: [Unicode.Scalar]) -> [Token] {
        var out: [Token] = []
        for c in s {
            if c.properties.isWhitespace {
                if out.last != .space { out.append(.space) }
            } else {
                out.append(.scalar(fold(c)))
            }
        }
        return out
    }

    /// The third stage: white-space runs match white-space runs, scalars compared folded.
    private func findSpacing(_ q: [Unicode.Scalar], prefix: [Unicode.Scalar]?, suffix: [Unicode.Scalar]?) -> [Range<Int>] {
        var pattern = Self.tokens(q)
        while pattern.first == .space { pattern.removeFirst() }
        while pattern.last == .space { pattern.removeLast() }
        guard case .scalar(let first)? = pattern.first else { return [] }
        let t = text.scalars
        let pre = prefix.map { Self.tokens($0) }, suf = suffix.map { Self.tokens($0) }
        var out: [Range<Int>] = []
        var i = 0
        while i < t.count {
            defer { i += 1 }
            guard Self.fold(t[i]) == first, let end = matchForward(pattern, at: i) else { continue }
            guard text.isBoundary(i), text.isBoundary(end) else { continue }
            if let pre, !matchBackward(pre, endingAt: i) { continue }
            if let suf, !suf.isEmpty, matchForward(suf, at: end) == nil { continue }
            out.append(i..<end)
        }
        return out
    }

    /// Where `tokens` matched from `i` end, or nil.
    private func matchForward(_ tokens: [Token], at i: Int) -> Int? {
        let t = text.scalars
        var j = i
        for tok in tokens {
            switch tok {
            case .space:
                guard j < t.count, t[j].properties.isWhitespace else { return nil }
                while j < t.count && t[j].properties.isWhitespace { j += 1 }
            case .scalar(let c):
                guard j < t.count, Self.fold(t[j]) == c else { return nil }
                j += 1
            }
        }
        return j
    }

    /// Whether `tokens` match the text just before `i`.
    private func matchBackward(_ tokens: [Token], endingAt i: Int) -> Bool {
        let t = text.scalars
        var j = i
        for tok in tokens.reversed() {
            switch tok {
            case .space:
                guard j > 0, t[j - 1].properties.isWhitespace else { return false }
                while j > 0 && t[j - 1].properties.isWhitespace { j -= 1 }
            case .scalar(let c):
                guard j > 0, Self.fold(t[j - 1]) == c else { return false }
                j -= 1
            }
        }
        return true
    }

    /// Up to three passages that share the most words with `q` (of three letters or more,
    /// case and quote style aside), at least two thirds of them, best first: what to offer when the
    /// quote does not occur.
    func nearest(_ q: [Unicode.Scalar]) -> [Range<Int>] {
        let quoteWords = Self.words(q, offset: 0)
        let wanted = Set(quoteWords.map(\.word))
        guard !wanted.isEmpty else { return [] }
        let found = Self.words(text.scalars, offset: 0)
        // A window as long as the quote's words, and half as long again: the article may have
        // words the quote lacks.
        let span = quoteWords.count + max(1, quoteWords.count / 2)
        var scored: [(score: Int, range: Range<Int>)] = []
        for w in found.indices where wanted.contains(found[w].word) {
            let window = found[w..<min(found.count, w + span)]
            let hits = window.filter { wanted.contains($0.word) }
            let distinct = Set(hits.map(\.word)).count
            guard distinct * 3 >= wanted.count * 2, let last = hits.last else { continue }
            scored.append((distinct, found[w].range.lowerBound..<last.range.upperBound))
        }
        var chosen: [Range<Int>] = []
        for c in scored.sorted(by: { $0.score != $1.score ? $0.score > $1.score : $0.range.lowerBound < $1.range.lowerBound }) {
            guard !chosen.contains(where: { $0.overlaps(c.range) }) else { continue }
            chosen.append(c.range)
            if chosen.count == 3 { break }
        }
        return chosen
    }

    /// The words (letters and digits) of `s`, lowercased and folded, of three scalars or more.
    static func words(_ s: [Unicode.Scalar], offset: Int) -> [(word: String, range: Range<Int>)] {
        var out: [(word: String, range: Range<Int>)] = []
        var start: Int?
        var current = String.UnicodeScalarView()
        func close(_ end: Int) {
            if let b = start, current.count >= 3 { out.append((String(current).lowercased(), (offset + b)..<(offset + end))) }
            start = nil
            current = String.UnicodeScalarView()
        }
        for (i, c) in s.enumerated() {
            if c.properties.isAlphabetic || c.properties.numericType != nil {
                if start == nil { start = i }
                current.append(c)
            } else {
                close(i)
            }
        }
        close(s.count)
        return out
    }

    /// The one-for-one folding used when no exact match exists.
    static func fold(_ c: Unicode.Scalar) -> Unicode.Scalar {
        switch c.value {
        case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032: "'"
        case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033: "\""
        case 0x00A0, 0x2007, 0x202F, 0x2009, 0x200A: " "
        case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212: "-"
        default: c
        }
    }
}

/// Why a passage could not be selected; each case's message says what to do next.
public enum AnchorError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyQuote
    /// `nearest`: passages sharing most of the quote's words, when it occurs nowhere.
    case notFound(quote: String, withoutContext: Bool, nearest: [QuoteMatcher.Place] = [])
    case ambiguous(quote: String, places: [QuoteMatcher.Place])
    case occurrenceOutOfRange(Int, count: Int)
    case outOfRange(start: Int, end: Int, length: Int)
    case splitsCharacter(offset: Int)

    public var description: String {
        switch self {
        case .emptyQuote:
            return "the quote is empty: pass the passage to annotate with --quote"
        case .notFound(let q, let withoutContext, let nearest):
            if withoutContext {
                return "\"\(Self.oneLine(q))\" occurs in the article, but not with that --prefix/--suffix: check the context text, which must touch the quote"
            }
            var s = "\"\(Self.oneLine(q))\" does not occur in the article (line breaks and spacing aside): copy the passage as it is written (`gloss article show` prints the text)"
            if !nearest.isEmpty {
                s += ". The nearest passage\(nearest.count == 1 ? "" : "s"), to quote or to select with --start/--end:"
                for (i, p) in nearest.enumerated() {
                    s += "\n  \(i + 1). [\(p.start)–\(p.end)] …\(Self.oneLine(p.before))[\(Self.oneLine(p.text))]\(Self.oneLine(p.after))…"
                }
            }
            return s
        case .ambiguous(let q, let places):
            var s = "\"\(Self.oneLine(q))\" occurs \(places.count) times; choose one with --occurrence N, or tell them apart with --prefix/--suffix:\n"
            for (i, p) in places.enumerated() {
                s += "  \(i + 1). [\(p.start)–\(p.end)] …\(Self.oneLine(p.before))[\(Self.oneLine(p.text))]\(Self.oneLine(p.after))…\n"
            }
            return String(s.dropLast())
        case .occurrenceOutOfRange(let n, let count):
            return "--occurrence \(n) is out of range: the quote occurs \(count) time\(count == 1 ? "" : "s")"
        case .outOfRange(let start, let end, let length):
            return "offsets \(start)..<\(end) are not a passage of this article: need 0 ≤ start < end ≤ \(length) (code points)"
        case .splitsCharacter(let o):
            return "offset \(o) falls inside a character (between code points of one grapheme): move it to a character boundary"
        }
    }

    static func oneLine(_ s: String) -> String {
        String(s.map { $0.isNewline ? " " : $0 })
    }
}
