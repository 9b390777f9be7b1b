/// Where an annotation's passage is in an article's current text (Protocol/MERGE.md §17):
/// found in stages that each check the selector's context, and a pure function of the
/// annotation's selectors and the text, so every peer anchors alike.
public enum Anchor: Sendable, Equatable {
    /// The passage, in code points, and the stage that found it.
    case anchored(Range<Int>, Stage)
    /// Not found well enough: shown as an orphan, never silently moved; with the best passage
    /// that was considered and refused, when there was one worth showing.
    case orphan(Suggestion?)

    public enum Stage: String, Sendable { case position, quote, fuzzy }

    /// The passage an orphan's selectors came closest to, refused because its words or its
    /// context differ too much (§17.5). A reader shows it; `gloss reanchor --suggested` takes it.
    public struct Suggestion: Sendable, Equatable {
        /// Code points of the current text.
        public let range: Range<Int>
        /// Characters of the quote the passage matches (the quote's length less the edit
        /// distance), of `quoteLength`.
        public let alike: Int, quoteLength: Int
        /// Characters of context that agree, of `contextLength` (prefix and suffix together).
        public let context: Int, contextLength: Int

        public init(range: Range<Int>, alike: Int, quoteLength: Int, context: Int, contextLength: Int) {
            self.range = range; self.alike = alike; self.quoteLength = quoteLength
            self.context = context; self.contextLength = contextLength
        }

        /// How alike the words are, in whole percent (rounded down).
        public var alikePercent: Int { quoteLength > 0 ? 100 * max(0, alike) / quoteLength : 0 }
    }

    /// A quote of this many characters or more stands on its own; a shorter one needs the
    /// difference in agreeing context characters (a 5-character name needs 27).
    public static let selfSufficientQuote = 32
    /// An approximate match needs at least this much agreeing context (or all the selector has).
    public static let minimumFuzzyContext = 8
    /// Quotes shorter than this are found exactly or not at all.
    public static let minimumFuzzyQuote = 4
    /// The approximate stage costs text × quote steps; above this it is skipped, so a hostile
    /// giant quote cannot stall a reader.
    public static let maximumFuzzyWork = 20_000_000
    /// At most this many approximate passages are weighed (the best ones, not overlapping).
    public static let fuzzyCandidates = 16

    /// Anchors an annotation that has had `selectors`, newest first (the one in force, earlier
    /// re-anchorings, the creation's): the first that anchors decides; when none does, the
    /// orphan keeps the suggestion of the first selector that has one.
    public static func locate(_ selectors: [TextSelector], in text: AnchoringText) -> Anchor {
        if let first = selectors.first, let here = atStoredPlace(first, in: text.text) { return here }
        var suggestion: Suggestion?
        for s in selectors {
            switch AnchorSearch(s, in: text).run() {
            case .anchored(let r, let stage): return .anchored(r, stage)
            case .orphan(let found): if suggestion == nil { suggestion = found }
            }
        }
        return .orphan(suggestion)
    }

    /// Anchors one selector (a convenience for callers with one text and one annotation).
    public static func locate(_ selector: TextSelector, in text: ArticleText) -> Anchor {
        Locator(text).locate([selector])
    }

    /// The shortcut of §17.2, on code points alone: the selector's quote is at its stored offsets
    /// and its whole prefix and suffix are the text around it, each span starting and ending
    /// on character boundaries. No passage can then score higher or lie nearer, so this is the
    /// result the stages would give (stage `position`), found without keying the text: the
    /// common case of an article never revised, or a passage the revision left alone.
    public static func atStoredPlace(_ s: TextSelector, in text: ArticleText) -> Anchor? {
        let t = text.scalars
        let start = Int(s.start), end = Int(s.end)
        let p = Array(s.prefix.unicodeScalars), q = Array(s.suffix.unicodeScalars)
        guard start < end, end <= t.count, start >= p.count, end + q.count <= t.count,
              text.isBoundary(start - p.count), text.isBoundary(start), text.isBoundary(end), text.isBoundary(end + q.count),
              t[start..<end].elementsEqual(s.exact.unicodeScalars),
              t[(start - p.count)..<start].elementsEqual(p), t[end..<(end + q.count)].elementsEqual(q) else { return nil }
        return .anchored(start..<end, .position)
    }

    /// Anchors the annotations of one text, keying the text (`AnchoringText`) only when one of
    /// them is not at its stored place.
    public final class Locator {
        public let text: ArticleText
        private var keyed: AnchoringText?
        public init(_ text: ArticleText) { self.text = text }

        public func locate(_ selectors: [TextSelector]) -> Anchor {
            if let first = selectors.first, let here = Anchor.atStoredPlace(first, in: text) { return here }
            let k = keyed ?? AnchoringText(text)
            keyed = k
            return Anchor.locate(selectors, in: k)
        }
    }

    public var isOrphan: Bool { if case .orphan = self { true } else { false } }
}
