import ArgumentParser
import GlossCore
import GlossReplay
import GlossStore

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Find annotations by the words of their quotes, comments and tags.",
        discussion: Help.reflow("""
            Every word must match (case and accents ignored: "etat" finds "État"); results are ranked
            (SQLite FTS5, bm25) and shown with the matching words in [brackets]. The index is part of
            the ledger's projection, kept up to date as every event is stored.
            """))
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The words to find.") var query: [String]
    @Option(help: "Only this article (a unique id prefix).") var article: String?
    @Option(help: "Only annotations with this tag.") var tag: String?
    @Option(help: "Only annotations by this author (a key prefix).") var author: String?
    @Flag(help: "Include deleted annotations.") var all = false
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let ctx = try Context(options)
        let log = ctx.log
        if let author, !author.allSatisfy(\.isHexDigit) {
            throw CLIError("--author \(author) is not a key prefix: give the first hex digits of the author's public key", .usage)
        }
        let filter = SearchFilter(article: try article.map { try ctx.article($0).id }, tag: tag, authorPrefix: author, includeDeleted: all)
        let hits = try reporting { try log.search(query.joined(separator: " "), filter: filter, limit: 200) }.compactMap { hit -> (SearchHit, AnnotationView)? in
            guard let a = try? log.annotation(hit.annotation) else { return nil }
            return (hit, a)
        }
        if json {
            Console.data(JSON.array(hits.map { hit, a in
                .object(["annotation": a.json, "context": .string(hit.context)])
            }).serialized(pretty: true) + "\n")
            if hits.isEmpty { throw ExitCode(ExitStatus.found.rawValue) }
            return
        }
        // As grep: no hit is exit status 1 (ExitStatus.found), so scripts can test for one.
        if hits.isEmpty { throw CLIError("no annotation matches \"\(query.joined(separator: " "))\"", .found) }
        for (hit, a) in hits {
            let title = (try? log.article(a.article))?.title ?? a.article.short()
            print("\(a.id.short())  \(Format.quote(title, max: 40))  by \(ctx.who(a.author))")
            print("    \(Format.quote(hit.context, max: 100))")
        }
    }
}
