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
    }

    /// Selects the passage `quote`. Exact code-point match first; when there is none, a match that
    /// treats curly and straight quotes, NBSP and space, and dashes as equal (the selector then
    /// records the article's own characters). `prefix`/`suffix` must touch the match; `occurrence`
    /// (1-based) picks among what is left.
    public func select(quote: String, prefix: String? = nil, suffix: String? = nil,
                       occurrence: Int? = nil) throws(AnchorError) -> TextSelector {
        let q = Array(quote.unicodeScalars)
        guard !q.isEmpty else { throw .emptyQuote }
        var places = find(q, prefix: prefix.map { Array($0.unicodeScalars) }, suffix: suffix.map { Array($0.unicodeScalars) }, fold: false)
        if places.isEmpty {
            places = find(q, prefix: prefix.map { Array($0.unicodeScalars) }, suffix: suffix.map { Array($0.unicodeScalars) }, fold: true)
        }
        guard !places.isEmpty else {
            let anyAtAll = !find(q, prefix: nil, suffix: nil, fold: true).isEmpty
            throw .notFound(quote: quote, withoutContext: anyAtAll)
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
              before: text.context(before: r.lowerBound, 24), after: text.context(after: r.upperBound, 24))
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
    case notFound(quote: String, withoutContext: Bool)
    case ambiguous(quote: String, places: [QuoteMatcher.Place])
    case occurrenceOutOfRange(Int, count: Int)
    case outOfRange(start: Int, end: Int, length: Int)
    case splitsCharacter(offset: Int)

    public var description: String {
        switch self {
        case .emptyQuote:
            return "the quote is empty: pass the passage to annotate with --quote"
        case .notFound(let q, let withoutContext):
            return withoutContext
                ? "\"\(q)\" occurs in the article, but not with that --prefix/--suffix: check the context text, which must touch the quote"
                : "\"\(q)\" does not occur in the article: copy the passage as it is written (`gloss article show` prints the text)"
        case .ambiguous(let q, let places):
            var s = "\"\(q)\" occurs \(places.count) times; choose one with --occurrence N, or tell them apart with --prefix/--suffix:\n"
            for (i, p) in places.enumerated() {
                s += "  \(i + 1). [\(p.start)–\(p.end)] …\(Self.oneLine(p.before))[\(q)]\(Self.oneLine(p.after))…\n"
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
