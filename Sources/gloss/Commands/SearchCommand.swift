import ArgumentParser
import GlossCore
import GlossReplay
import GlossStore

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Find annotations by the words of their quotes, comments and tags.",
        discussion: Help.reflow("""
            Every word must match (case and accents ignored: "etat" finds "État"); results are ranked
            (SQLite FTS5, bm25). Each hit shows its passage (for a reply, the passage of its thread),
            its note and its tags, the matching words in colour on a terminal, in [brackets]
            otherwise. The index is part of
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
        if !json { Console.page() }
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
        let colour = Console.colourOnStandardOutput
        var out = ""
        for (hit, a) in hits {
            let title = (try? log.article(a.article))?.title ?? a.article.short()
            out += "\(a.id.short())  \(Format.quote(title, max: 50))  by \(ctx.who(a.author))" + (a.isDeleted ? "  [deleted]" : "") + "\n"
            if let p = a.parent {
                // A reply is about its thread's passage: show it, and whom it answers.
                var root = try? log.annotation(p)
                for _ in 0..<16 { guard let r = root, let up = r.parent else { break }; root = try? log.annotation(up) }
                out += "    reply to \(p.short())" + (root?.selector.map { ": \"\(Format.quote($0.exact, max: 80))\"" } ?? "") + "\n"
            } else if !hit.quote.isEmpty {
                out += "    passage  " + Self.marked(Format.quote(Self.excerpt(hit.quote, max: 100), max: 110), colour: colour) + "\n"
            }
            if !hit.comment.isEmpty {
                out += "    note     " + Self.marked(Format.quote(Self.excerpt(hit.comment, max: 140), max: 150), colour: colour) + "\n"
            }
            if !hit.tags.isEmpty {
                let tags = hit.tags.split(separator: " ").map { "#" + $0 }.joined(separator: " ")
                out += "    tags     " + Self.marked(tags, colour: colour) + "\n"
            }
        }
        // The text is neutralised here; only the marks become colour.
        Console.styled(out)
    }

    /// Ledger text with its matched words marked: colour on a terminal, [brackets] otherwise.
    /// Everything else in it is neutralised (`TerminalText`).
    static func marked(_ text: String, colour: Bool) -> String {
        TerminalText.neutralised(text, oneLine: true)
            .replacingMarks(open: colour ? "\u{1B}[1;33m" : "[", close: colour ? "\u{1B}[0m" : "]")
    }

    /// Up to about `max` characters of `text` around its first marked word.
    static func excerpt(_ text: String, max: Int) -> String {
        guard text.count > max, let first = text.firstIndex(of: SearchHit.markStart) else { return text }
        let before = text.distance(from: text.startIndex, to: first)
        guard before > max / 3 else { return text }
        return "…" + String(text.dropFirst(before - max / 3))
    }
}

extension String {
    /// The search marks of `SearchHit` replaced by `open` and `close`.
    func replacingMarks(open: String, close: String) -> String {
        var out = ""
        for c in self {
            switch c {
            case SearchHit.markStart: out += open
            case SearchHit.markEnd: out += close
            default: out.append(c)
            }
        }
        return out
    }
}
