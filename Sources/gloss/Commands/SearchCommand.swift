import ArgumentParser
import GlossCore
import GlossReplay
import GlossStore

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Find annotations by the words of their quotes, comments and tags.",
        discussion: """
            Every word must match (case and accents ignored: "etat" finds "État"); results are ranked
            (SQLite FTS5, bm25) and shown with the matching words in [brackets]. The index is a
            projection of the log, rebuilt from it whenever the log has changed since.
            """)
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The words to find.") var query: [String]
    @Option(help: "Only this article (a unique id prefix).") var article: String?
    @Option(help: "Only annotations with this tag.") var tag: String?
    @Option(help: "Only annotations by this author (a key prefix).") var author: String?
    @Flag(help: "Include deleted annotations.") var all = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let ctx = try Context(options)
        let log = ctx.ledger.log
        if try !reporting({ try log.searchIsCurrent() }) {
            let entries = ctx.state.annotations(includeDeleted: true).map {
                SearchEntry(annotation: $0.id, article: $0.article, author: $0.author, quote: $0.selector?.exact ?? "",
                            comment: $0.body.value, tags: $0.tags.tags)
            }
            try reporting { try log.rebuildSearch(entries) }
        }
        let articleID = try article.map { try ctx.article($0).id }
        let authorPrefix = author?.lowercased()
        let hits = try reporting { try log.search(query.joined(separator: " "), limit: 200) }.compactMap { hit -> (SearchHit, AnnotationState)? in
            guard let a = ctx.state.annotations[hit.annotation] else { return nil }
            if !all && a.isDeleted { return nil }
            if let articleID, a.article != articleID { return nil }
            if let tag, !a.tags.tags.contains(tag) { return nil }
            if let authorPrefix, !a.author.hex.hasPrefix(authorPrefix) { return nil }
            return (hit, a)
        }
        if json {
            print(JSON.array(hits.map { hit, a in
                .object(["annotation": a.json, "context": .string(hit.context)])
            }).serialized(pretty: true))
            return
        }
        if hits.isEmpty { print("No annotation matches \"\(query.joined(separator: " "))\"."); return }
        for (hit, a) in hits {
            let title = ctx.state.articles[a.article]?.title ?? a.article.short()
            print("\(a.id.short())  \(Format.quote(title, max: 40))  by \(ctx.who(a.author))")
            print("    \(Format.quote(hit.context, max: 100))")
        }
    }
}
