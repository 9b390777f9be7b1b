import GlossCore
import GlossReplay
import GlossStore

/// Where an annotation's passage is now, for `show` and `list`: in an article that was never
/// revised, where its selector says; in a revised one, where anchoring (MERGE.md §17) puts it
/// on the current text, or nowhere (an orphan), with why. Uses the anchors `read` keeps in the
/// projection, computing (and not storing) the others.
enum Placement {
    /// The passage `range` of the current text, with its words and up to 32 code points of
    /// context on each side, found by `stage` (nil: the text was never revised).
    case at(range: Range<Int>, exact: String, before: String, after: String, stage: Anchor.Stage?)
    /// The passage is gone from the revised text.
    case orphan

    /// The placements of annotations, one after another (`list` streams them). An article that
    /// was never revised needs nothing but the selector; a revised one's text and kept anchors
    /// are read once and held while its annotations follow one another, so memory holds one
    /// article's text at most, whatever the ledger.
    final class Finder {
        private let ctx: Context
        private var revised: [Hash32: Bool] = [:]
        private var current: (id: Hash32, text: ArticleText, known: [EventID: Anchor])?
        init(_ ctx: Context) { self.ctx = ctx }

        func placement(of a: AnnotationView) throws -> Placement? {
            guard let sel = a.selector else { return nil }
            guard try isRevised(a.article) else {
                return .at(range: Int(sel.start)..<Int(sel.end), exact: sel.exact, before: sel.prefix, after: sel.suffix, stage: nil)
            }
            let info = try revisedText(a.article)
            switch info.known[a.id] ?? Anchor.locate(sel, in: info.text) {
            case .anchored(let r, let stage):
                return .at(range: r, exact: info.text.slice(r), before: info.text.context(before: r.lowerBound, QuoteMatcher.contextLength),
                           after: info.text.context(after: r.upperBound, QuoteMatcher.contextLength), stage: stage)
            case .orphan:
                return .orphan
            }
        }

        private func isRevised(_ id: Hash32) throws -> Bool {
            if let r = revised[id] { return r }
            guard let view = try reporting({ try ctx.log.article(id) }) else {
                throw CLIError("article \(id.short()) vanished while reading it; try again", .notFound)
            }
            revised[id] = view.isRevised
            return view.isRevised
        }

        private func revisedText(_ id: Hash32) throws -> (id: Hash32, text: ArticleText, known: [EventID: Anchor]) {
            if let c = current, c.id == id { return c }
            let view = try ctx.article(id.hex)
            let c = (id, ArticleText(try ctx.text(of: view)), try reporting { try ctx.log.anchors(of: id) })
            current = c
            return c
        }
    }

    /// How a stage found the passage, said for a person.
    static func describe(_ stage: Anchor.Stage) -> String {
        switch stage {
        case .position: "at the same place in the revised text"
        case .quote: "found again by its quote and context in the revised text"
        case .fuzzy: "re-anchored by approximate match: the revised text words it differently"
        }
    }

    /// Why an orphan is one.
    static func orphanReason(_ sel: TextSelector) -> String {
        "orphaned: \"\(Format.quote(sel.exact, max: 60))\" is gone from the revised text (neither at its place, nor found with its context, nor closely enough elsewhere); `gloss reanchor` re-attaches it"
    }
}
