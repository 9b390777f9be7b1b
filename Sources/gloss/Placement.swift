import GlossCore
import GlossReplay
import GlossStore

/// Where an annotation's passage is now, for `show` and `list`: in an article that was never
/// revised, where its selector says; in a revised one, where anchoring (MERGE.md §17) puts it
/// on the current text, or nowhere (an orphan), with why. Uses the anchors `read` keeps in the
/// projection, computing (and not storing) the others.
enum Placement {
    /// The passage `range` of the current text, found by `stage` (nil: the text was never revised).
    case at(range: Range<Int>, text: ArticleText, stage: Anchor.Stage?)
    /// The passage is gone from the revised text.
    case orphan

    /// The placements of one article's annotations, computed once per article.
    final class Finder {
        private let ctx: Context
        private var articles: [Hash32: (text: ArticleText, revised: Bool, known: [EventID: Anchor])] = [:]
        init(_ ctx: Context) { self.ctx = ctx }

        func placement(of a: AnnotationView) throws -> Placement? {
            guard let sel = a.selector else { return nil }
            let info = try article(a.article)
            guard info.revised else {
                return .at(range: Int(sel.start)..<Int(sel.end), text: info.text, stage: nil)
            }
            switch info.known[a.id] ?? Anchor.locate(sel, in: info.text) {
            case .anchored(let r, let stage): return .at(range: r, text: info.text, stage: stage)
            case .orphan: return .orphan
            }
        }

        private func article(_ id: Hash32) throws -> (text: ArticleText, revised: Bool, known: [EventID: Anchor]) {
            if let a = articles[id] { return a }
            guard let view = try reporting({ try ctx.log.article(id) }) else {
                throw CLIError("article \(id.short()) vanished while reading it; try again", .notFound)
            }
            let known = view.isRevised ? try reporting { try ctx.log.anchors(of: id) } : [:]
            let a = (ArticleText(try ctx.text(of: view)), view.isRevised, known)
            articles[id] = a
            return a
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
