import GlossCore

/// An article ready to render: its paragraphs, each annotation anchored on the current text
/// (Anchor: position, quote, fuzzy) and numbered in reading order, and the orphans.
/// Shared by the terminal, HTML and Markdown renderers.
public struct ArticleLayout: Sendable {
    /// One highlighted annotation.
    public struct Note: Sendable {
        public let number: Int
        public let annotation: AnnotationView
        public let range: Range<Int>
        public let stage: Anchor.Stage
        /// Live replies, in the total order (a thread flattened, with its depth).
        public let replies: [(AnnotationView, depth: Int)]
    }
    /// A paragraph and its pieces of text, each with the notes covering it.
    public struct Paragraph: Sendable {
        public let range: Range<Int>
        public let segments: [(range: Range<Int>, notes: [Int])]
        /// Notes that start in this paragraph.
        public let notes: [Note]
    }

    public let article: ArticleView
    public let text: ArticleText
    public let paragraphs: [Paragraph]
    public let notes: [Note]
    /// Annotations whose passage could not be found in the current text.
    public let orphans: [AnnotationView]
    /// Erased passage annotations (MERGE.md §19), with the replies others made to them.
    public let erased: [(annotation: AnnotationView, replies: [(AnnotationView, depth: Int)])]
    /// The passage suggested for an orphan, when anchoring found one close but not close enough.
    public let suggestions: [EventID: Anchor.Suggestion]

    /// Live revisions that lost to the current text (a conflict of concurrent revisions, §3.1),
    /// greatest stamp first: shown so that nobody's version is silently dropped.
    public let losingRevisions: [Stamp]

    /// Anchors this layout computed (those not given to it in `known`), for a cache to keep.
    public let computed: [EventID: Anchor]

    /// `annotations`: every annotation of the article (replies and deleted ones included), in
    /// the total order; `text`: its current text; `known`: anchors already computed on this text.
    public init(article: ArticleView, text currentText: String, annotations: [AnnotationView], known: [EventID: Anchor] = [:],
                losingRevisions: [Stamp] = []) {
        self.article = article
        self.losingRevisions = losingRevisions
        let text = ArticleText(currentText)
        self.text = text
        let locator = Anchor.Locator(text)
        var byID: [EventID: AnnotationView] = [:]
        for a in annotations { byID[a.id] = a }
        var anchored: [(AnnotationView, Range<Int>, Anchor.Stage)] = []
        var orphans: [AnnotationView] = []
        var suggestions: [EventID: Anchor.Suggestion] = [:]
        var computed: [EventID: Anchor] = [:]
        for a in annotations where !a.isReply && !a.isDeleted {
            let selectors = a.selectorsNewestFirst
            guard !selectors.isEmpty else { continue }
            let anchor: Anchor
            if let k = known[a.id] { anchor = k } else {
                anchor = locator.locate(selectors)
                computed[a.id] = anchor
            }
            switch anchor {
            case .anchored(let r, let stage): anchored.append((a, r, stage))
            case .orphan(let suggestion):
                orphans.append(a)
                suggestions[a.id] = suggestion
            }
        }
        anchored.sort { $0.1.lowerBound != $1.1.lowerBound ? $0.1.lowerBound < $1.1.lowerBound : $0.0.created < $1.0.created }
        let notes = anchored.enumerated().map { i, x in
            Note(number: i + 1, annotation: x.0, range: x.1, stage: x.2, replies: Self.thread(x.0, byID))
        }
        self.notes = notes
        self.orphans = orphans
        erased = annotations.filter { $0.isErased && !$0.isReply }.map { ($0, Self.thread($0, byID)) }
        self.suggestions = suggestions
        self.computed = computed
        paragraphs = Self.paragraphRanges(text).map { p in
            var cuts: Set<Int> = [p.lowerBound, p.upperBound]
            for n in notes where n.range.overlaps(p) {
                cuts.insert(max(p.lowerBound, n.range.lowerBound)); cuts.insert(min(p.upperBound, n.range.upperBound))
            }
            let sorted = cuts.sorted()
            let segments = zip(sorted, sorted.dropFirst()).map { lo, hi in
                (range: lo..<hi, notes: notes.filter { $0.range.lowerBound <= lo && $0.range.upperBound >= hi }.map(\.number))
            }
            return Paragraph(range: p, segments: segments, notes: notes.filter { p.contains($0.range.lowerBound) })
        }
    }

    /// The conflict of concurrent revisions, said for a reader (nil when there is none); the
    /// names come from `who`, so a renderer escapes the sentence as a whole.
    public func revisionConflict(who: (PublicKey) -> String) -> String? {
        guard !losingRevisions.isEmpty else { return nil }
        let others = losingRevisions.map { "\(who($0.identity))’s (event \($0.id.short()))" }.joined(separator: ", ")
        return "Concurrent revisions: this is the text that wins; \(others) lost and is kept. Print one with "
            + "`gloss article show \(article.id.short()) --revision EVENT`; `gloss revise` replaces them all."
    }

    /// Paragraphs: runs of text separated by blank lines, without their trailing line breaks.
    /// A line break is LF, CR LF or a lone CR (articles saved on Windows or old Macs); a line of
    /// spaces and tabs alone is blank.
    public static func paragraphRanges(_ text: ArticleText) -> [Range<Int>] {
        let t = text.scalars
        var out: [Range<Int>] = []
        var start: Int?
        var i = 0
        while i < t.count {
            if t[i] == "\n" || t[i] == "\r" {
                // The run of line breaks and blanks from here, and how many line breaks it holds.
                var j = i, breaks = 0
                while j < t.count && (t[j] == "\n" || t[j] == "\r" || t[j] == " " || t[j] == "\t") {
                    if t[j] == "\n" || (t[j] == "\r" && (j + 1 == t.count || t[j + 1] != "\n")) { breaks += 1 }
                    j += 1
                }
                if breaks >= 2 || j == t.count {
                    if let s = start { out.append(s..<i); start = nil }
                    i = j
                    continue
                }
            }
            if start == nil && !t[i].properties.isWhitespace { start = i }
            i += 1
        }
        if let s = start { out.append(s..<t.count) }
        return out
    }

    static func thread(_ a: AnnotationView, _ byID: [EventID: AnnotationView], depth: Int = 1) -> [(AnnotationView, depth: Int)] {
        a.replies.compactMap { byID[$0] }.filter { !$0.isDeleted }.flatMap { r in
            [(r, depth: depth)] + thread(r, byID, depth: depth + 1)
        }
    }

    /// Superscript digits for note numbers.
    public static func superscript(_ n: Int) -> String {
        let digits = Array("⁰¹²³⁴⁵⁶⁷⁸⁹")
        return String(String(n).compactMap { $0.wholeNumberValue.map { digits[$0] } })
    }
}
