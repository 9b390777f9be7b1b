import ArgumentParser
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore

struct ArticleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "article", abstract: "Add, list and print articles.",
        subcommands: [Add.self, List.self, Show.self, ReviseCommand.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an article (a UTF-8 text file) to the ledger.",
            discussion: "The article's id is the SHA-256 of its text, so the same text always has the same id. The title defaults to the first line of the text.")

        @OptionGroup var options: LedgerOptions
        @Argument(help: "The article's text: a UTF-8 file, or - for standard input.") var file: String
        @Option(help: "The title (default: the first non-empty line).") var title: String?
        @Option(help: "Where it came from, a URL say (default: the file name).") var source: String?

        func run() throws {
            let ctx = try Context(options)
            // The size first: a file too large is refused before it is read.
            if let size = FileSystem.size(file), size > EventLimits.maxPayload {
                throw CLIError("\(file) is \(Format.bytes(size)); an article (its text, title and source together) can be at most \(Format.bytes(EventLimits.maxPayload)): split it into parts, or keep the part you want to annotate")
            }
            let bytes = try readInput(file, limit: EventLimits.maxPayload)
            let name = file == "-" ? "standard input" : file
            guard !bytes.isEmpty else { throw CLIError("\(name) is empty: an article needs some text") }
            guard var text = String(validating: bytes, as: UTF8.self) else {
                throw CLIError("\(file) is not UTF-8 text: convert it first; if it is Latin-1 or Windows-1252, with `iconv -f WINDOWS-1252 -t UTF-8 \(file) > \(file).utf8`, then add \(file).utf8")
            }
            // A byte-order mark says how the file is encoded; it is not part of the text.
            if text.unicodeScalars.first == "\u{FEFF}" { text = String(text.unicodeScalars.dropFirst()) }
            guard !text.allSatisfy(\.isWhitespace) else { throw CLIError("\(name) holds only white space: an article needs some text") }
            let added = ArticleAdded(title: title ?? AuthoringRules.defaultTitle(text), source: source ?? (file == "-" ? "stdin" : Self.baseName(file)), text: text)
            if let existing = try reporting({ try ctx.log.article(added.articleID) }) {
                // Anyone may become an adder by adding the same text (MERGE.md §3.1), and only
                // adders may revise: someone who received the article by sync adds it too.
                guard try !reporting({ try ctx.log.adders(of: existing.id) }).contains(ctx.myIdentity) else {
                    print("Already in the ledger: \(existing.id.short()) \(existing.title)")
                    return
                }
                try ctx.append([.articleAdded(added)])
                print("Added you as an adder of \(existing.id.short())  \(existing.title) (first added by \(ctx.who(existing.added.author)))")
                print("  you may now revise it: gloss article revise \(existing.id.short()) FILE")
                return
            }
            try ctx.append([.articleAdded(added)])
            print("Added article \(added.articleID.short())  \(added.title)")
            print("  \(ArticleText(text).count) characters; annotate it with: gloss annotate \(added.articleID.short()) --quote …")
        }

        static func baseName(_ path: String) -> String { "file:" + (path.split(separator: "/").last.map(String.init) ?? path) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the articles in the ledger.")
        @OptionGroup var options: LedgerOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let ctx = try Context(options)
            let articles = try reporting { try ctx.log.articles() }
            if json {
                var out = JSONArrayWriter()
                for a in articles {
                    let n = try reporting { try ctx.log.annotationCount(article: a.id) }
                    out.add(.object(["id": .string(a.id.hex), "title": .string(a.title), "source": .string(a.source),
                                     "added": .int(a.added.time), "adder": .string(a.added.identity.hex), "length": .int(Int64(a.length)),
                                     "revised": .bool(a.isRevised), "annotations": .int(Int64(n))]))
                }
                out.finish()
                return
            }
            if articles.isEmpty { print("No articles yet: add one with `gloss article add FILE`."); return }
            for a in articles {
                let n = try reporting { try ctx.log.annotationCount(article: a.id) }
                print("\(a.id.short())  \(a.title)  (\(n) annotation\(n == 1 ? "" : "s"))")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an article's text exactly as stored.",
            discussion: "The current text by default. When adders revised it concurrently, `gloss read` names the revisions that lost; --revision EVENT prints one of them (or any revision of the article).")
        @OptionGroup var options: LedgerOptions
        @Argument(help: "The article id (a unique prefix is enough).") var article: String
        @Option(help: "Print this revision's text instead (an event id or a unique prefix of one).") var revision: String?
        @Flag(help: "Print JSON: the article's fields, its current text and its concurrent revisions.") var json = false

        func run() throws {
            let ctx = try Context(options)
            let a = try ctx.article(article)
            if let revision {
                let event = try IDResolver.resolve(revision, what: "event", hint: "`gloss read \(a.id.short())` names the concurrent revisions") {
                    try ctx.log.ids(withPrefix: $0, limit: $1)
                }
                guard let text = try reporting({ try ctx.log.revisionText(event, of: a.id) }) else {
                    throw CLIError("\(event.short()) is not a revision of article \(a.id.short()); `gloss log` lists the events", .notFound)
                }
                return Console.data(text)
            }
            let text = try ctx.text(of: a)
            guard json else { return Console.data(text) }
            let live = a.isRevised ? try reporting { try ctx.log.liveRevisions(of: a.id) } : []
            JSONArrayWriter.one(.object(["id": .string(a.id.hex), "title": .string(a.title), "source": .string(a.source),
                                         "added": .int(a.added.time), "adder": .string(a.added.identity.hex), "length": .int(Int64(a.length)),
                                         "revised": .bool(a.isRevised), "text": .string(text),
                                         "concurrentRevisions": .array(live.dropFirst().map {
                                             .object(["event": .string($0.id.hex), "author": .string($0.identity.hex), "time": .int($0.time)])
                                         })]))
        }
    }
}
