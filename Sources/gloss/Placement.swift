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
    /// The passage is gone from the revised text; anchoring's suggestion, when it has one.
    case orphan(Suggested?)

    /// An orphan's suggested passage (MERGE.md §17.5): its range and words, how alike its
    /// words are (whole percent) and how much context agrees.
    struct Suggested {
        let range: Range<Int>
        let exact: String
        let alikePercent: Int
        let context: Int, contextOf: Int
    }

    /// The placements of annotations, one after another (`list` streams them). An article that
    /// was never revised needs nothing but the selector; a revised one's text and kept anchors
    /// are read once and held while its annotations follow one another, so memory holds one
    /// article's text at most, whatever the ledger.
    final class Finder {
        private let ctx: Context
        private var revised: [Hash32: Bool] = [:]
        private var current: (id: Hash32, locator: Anchor.Locator, known: [EventID: Anchor])?
        init(_ ctx: Context) { self.ctx = ctx }

        func placement(of a: AnnotationView) throws -> Placement? {
            guard let sel = a.selector else { return nil }
            guard try isRevised(a.article) else {
                return .at(range: Int(sel.start)..<Int(sel.end), exact: sel.exact, before: sel.prefix, after: sel.suffix, stage: nil)
            }
            let info = try revisedText(a.article)
            let text = info.locator.text
            switch info.known[a.id] ?? info.locator.locate(a.selectorsNewestFirst) {
            case .anchored(let r, let stage):
                return .at(range: r, exact: text.slice(r), before: text.context(before: r.lowerBound, QuoteMatcher.contextLength),
                           after: text.context(after: r.upperBound, QuoteMatcher.contextLength), stage: stage)
            case .orphan(let g):
                return .orphan(g.map { Suggested(range: $0.range, exact: text.slice($0.range), alikePercent: $0.alikePercent,
                                                 context: $0.context, contextOf: $0.contextLength) })
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

        private func revisedText(_ id: Hash32) throws -> (id: Hash32, locator: Anchor.Locator, known: [EventID: Anchor]) {
            if let c = current, c.id == id { return c }
            let view = try ctx.article(id.hex)
            let c = (id, Anchor.Locator(ArticleText(try ctx.text(of: view))), try reporting { try ctx.log.anchors(of: id) })
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
        "orphaned: \"\(Format.quote(sel.exact, max: 60))\" is gone from the revised text (not found with enough of its context, nor closely enough elsewhere); `gloss reanchor` re-attaches it"
    }

    /// An orphan's suggestion, said for a person, with the command that takes it.
    static func describe(_ g: Suggested, id: EventID) -> String {
        "suggested [\(g.range.lowerBound)–\(g.range.upperBound)] \"\(Format.quote(g.exact, max: 60))\": words \(g.alikePercent)% alike, \(g.context) of \(g.contextOf) context characters agree; `gloss reanchor \(id.short()) --suggested` takes it"
    }
}
