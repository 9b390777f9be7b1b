import ArgumentParser
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore
#if canImport(Glibc)
import Glibc
#endif

struct ReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read", abstract: "Read an article in the terminal, highlights marked and notes below each paragraph.",
        discussion: "Colour on a terminal; plain [brackets]ⁿ when piped or with --no-color. Annotations whose passage is gone from a revised text are listed as orphans at the end.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The article (a unique id prefix).") var article: String
    @Flag(help: "Plain text marks instead of colour.") var noColor = false
    @Option(help: "Wrap at this many columns (default: the terminal's width, else 80).") var width: Int?

    func run() throws {
        Console.page()
        let ctx = try Context(options)
        let layout = try ArticleLayout.of(article, ctx)
        let color = !noColor && Console.colourOnStandardOutput
        let renderer = TerminalRenderer(width: width ?? Self.terminalWidth(), color: color, who: ctx.namer)
        Console.styled(renderer.render(layout))
    }

    static func terminalWidth() -> Int {
        var w = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 { return Int(w.ws_col) }
        return Int(Environment.get("COLUMNS") ?? "") ?? 80
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write an article with its annotations as one HTML page or as Markdown.",
        discussion: "HTML: one self-contained page (no network fetches, no scripts), readable on a phone and a desktop. Markdown: each quote as a blockquote with its notes.")
    enum OutputFormat: String, ExpressibleByArgument { case html, markdown }
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The article (a unique id prefix).") var article: String
    @Option(help: "html or markdown.") var format: OutputFormat = .html
    @Option(help: "Write to FILE instead of standard output.") var out: String?

    func run() throws {
        let ctx = try Context(options)
        let layout = try ArticleLayout.of(article, ctx)
        let who = ctx.namer
        let text = format == .html ? HTMLRenderer(who: who).render(layout) : MarkdownRenderer(who: who).render(layout)
        if let out {
            try reporting { try FileSystem.replace(out, Array(text.utf8)) }
            print("Wrote \(out)")
        } else {
            Console.data(text)
        }
    }
}

struct ReviseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revise", abstract: "Record a new version of an article's text; annotations re-anchor onto it.",
        discussion: "Annotations re-anchor in stages (Protocol/MERGE.md §17), each checking the words around the passage: the quote itself where enough of its context agrees (a quote under 32 characters needs the rest of 32 in agreeing context, half on each side; a longer one stands on its own); else an approximate match whose words are at least 75% alike, with at least 8 characters of agreeing context, clearly ahead of any other. Every selector an annotation has had is tried, newest first. Anything else is an orphan, listed by `gloss read` with the nearest passage as a suggestion that `gloss reanchor ID --suggested` takes.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The article (a unique id prefix).") var article: String
    @Argument(help: "The new text: a UTF-8 file.") var file: String

    func run() throws {
        let ctx = try Context(options)
        let a = try ctx.article(article)
        guard try reporting({ try ctx.log.adders(of: a.id) }).contains(ctx.myIdentity) else { throw CLIError("only someone who added this article may revise it; you have not (add the same text with `gloss article add` first, then revise)", .permission) }
        let bytes = try readInput(file)
        guard !bytes.isEmpty else { throw CLIError("\(file) is empty: a revised article needs some text") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw CLIError("\(file) is not UTF-8 text") }
        // Bytes, not String equality: Swift's == treats canonically equivalent texts (é as one
        // code point or as e and a combining accent) as equal, but they are different texts.
        guard Array(text.utf8) != Array(try ctx.text(of: a).utf8) else { print("Nothing to change: that is already the article's text."); return }
        let heads = try reporting { try ctx.log.revisionHeads(of: a.id) }
        try ctx.append([.articleRevised(ArticleRevised(article: a.id, pred: heads, text: text))])
        if heads.count > 1 { print("This revision replaces \(heads.count) concurrent revisions: the conflict is resolved.") }
        let layout = try ArticleLayout.of(a.id.hex, ctx)
        print("Revised \(a.id.short()): \(layout.notes.count) annotation\(layout.notes.count == 1 ? "" : "s") anchored, \(layout.orphans.count) orphaned")
        for o in layout.orphans {
            print("  orphan \(o.id.short()): \"\(Format.quote(o.selector?.exact ?? ""))\""
                  + (layout.suggestions[o.id].map { "; suggested \"\(Format.quote(layout.text.slice($0.range), max: 40))\" (\($0.alikePercent)% alike): gloss reanchor \(o.id.short()) --suggested" } ?? ""))
        }
    }
}

struct ReanchorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reanchor", abstract: "Re-attach an annotation to a passage of the article's current text.",
        discussion: "Name the passage with --quote (and --prefix, --suffix or --occurrence when it occurs more than once), or take the passage `gloss read` and `gloss show` suggest for an orphan with --suggested.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The annotation (a unique id prefix).") var annotation: String
    @Option(help: "The passage, as written in the current text.") var quote: String?
    @Option(help: "Text just before it.") var prefix: String?
    @Option(help: "Text just after it.") var suffix: String?
    @Option(help: "Which occurrence (1 = first).") var occurrence: Int?
    @Flag(help: "Take the passage anchoring suggests for this orphan (shown by `gloss show ID`).") var suggested = false

    func validate() throws {
        guard (quote != nil) != suggested else {
            throw ValidationError(suggested ? "give either --quote or --suggested, not both" : "say which passage: --quote TEXT, or --suggested to take an orphan's suggestion")
        }
        if suggested, prefix != nil || suffix != nil || occurrence != nil {
            throw ValidationError("--prefix, --suffix and --occurrence go with --quote, not with --suggested")
        }
    }

    func run() throws {
        let ctx = try Context(options)
        let a = try ctx.annotation(annotation)
        try ctx.requireMayChange(a)
        guard !a.isReply, let article = try reporting({ try ctx.log.article(a.article) }) else { throw CLIError("\(a.id.short()) is a reply: it has no passage to re-anchor") }
        let text = try ctx.text(of: article)
        let matcher = QuoteMatcher(text: ArticleText(text))
        let sel: TextSelector
        if let quote {
            sel = try reporting { try matcher.select(quote: quote, prefix: prefix, suffix: suffix, occurrence: occurrence) }
        } else {
            switch try Placement.Finder(ctx).placement(of: a) {
            case .orphan(let g?)?:
                sel = try reporting { try matcher.selector(start: g.range.lowerBound, end: g.range.upperBound) }
            case .orphan?:
                throw CLIError("\(a.id.short()) is an orphan with no suggestion: nothing in the current text is close enough. Name the passage with --quote", .badInput)
            case .at(let r, let exact, _, _, let stage)?:
                throw CLIError("\(a.id.short()) is not an orphan: it is anchored on [\(r.lowerBound)–\(r.upperBound)] \"\(Format.quote(exact, max: 60))\"" + (stage == nil ? " (the article was never revised)" : "") + ", so there is no suggestion to take. Name another passage with --quote", .badInput)
            case nil:
                throw CLIError("\(a.id.short()) has no passage to re-anchor")
            }
        }
        let heads = try reporting { try ctx.log.heads(of: a.id, .reanchor) }
        try ctx.append([.annotationReanchored(Reanchored(annotation: a.id, pred: heads, selector: sel))])
        print("Re-anchored \(a.id.short()) on [\(sel.start)–\(sel.end)] \"\(Format.quote(sel.exact))\"")
    }
}

extension ArticleLayout {
    /// The layout of the article whose id starts with `prefix`: only its own rows are read.
    /// On a revised article, anchors computed before on the same text are reused, and new ones
    /// kept for next time (a cache in the projection; failing to keep them fails nothing).
    static func of(_ prefix: String, _ ctx: Context) throws -> ArticleLayout {
        let article = try ctx.article(prefix)
        let known = article.isRevised ? try reporting { try ctx.log.anchors(of: article.id) } : [:]
        let live = article.isRevised ? try reporting { try ctx.log.liveRevisions(of: article.id) } : []
        let layout = ArticleLayout(article: article, text: try ctx.text(of: article), annotations: try ctx.annotations(of: article.id),
                                   known: known, losingRevisions: Array(live.dropFirst()))
        if let hash = article.revisedText { try? ctx.log.saveAnchors(layout.computed, article: article.id, textHash: hash) }
        return layout
    }
}
