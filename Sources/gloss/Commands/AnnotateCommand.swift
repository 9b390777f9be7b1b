import ArgumentParser
import GlossCore
import GlossLedger
import GlossReplay

/// The W3C Web Annotation motivations, the ones the CLI accepts.
enum Motivation {
    static let all = AuthoringRules.motivations

    static func check(_ m: String) throws -> String {
        guard all.contains(m) else {
            throw CLIError("\"\(m)\" is not a W3C motivation; use one of: \(all.joined(separator: ", "))", .usage)
        }
        return m
    }
}

struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Highlight or comment on a passage of an article.",
        discussion: Help.reflow("""
            Choose the passage by its text (--quote), exactly as written in the article; curly
            quotes, dashes and non-breaking spaces may also be typed as plain quotes, hyphens and
            spaces, and a line break or a run of spaces (a passage copied from `gloss read`) as one
            space.
            When the quote occurs more than once, tell the places apart with --prefix/--suffix
            (text just before/after it) or --occurrence N. Or give code-point offsets with
            --start and --end.

            Example, on the seed article of `make demo` (its id starts with 6d1e):
              gloss annotate 6d1e --quote Putin --suffix " ordered it" --comment "Why?"
            """))

    @OptionGroup var options: LedgerOptions
    @Argument(help: "The article id (a unique prefix is enough).") var article: String
    @Option(help: "The passage to annotate, as written in the article.") var quote: String?
    @Option(help: "Text just before the passage, to tell repeated quotes apart.") var prefix: String?
    @Option(help: "Text just after the passage, to tell repeated quotes apart.") var suffix: String?
    @Option(help: "Which occurrence of the quote (1 = first).") var occurrence: Int?
    @Option(help: "Start offset, in Unicode code points.") var start: Int?
    @Option(help: "End offset (exclusive), in Unicode code points.") var end: Int?
    @Option(help: "Your comment (- reads it from standard input).") var comment: String?
    @Option(name: .customLong("tag"), help: "A tag (repeat for several).") var tags: [String] = []
    @Option(help: "W3C motivation (default: commenting with a comment, else highlighting).") var motivation: String?
    @Option(name: .customLong("editor"), help: "Public key of someone else allowed to edit it (repeatable).") var editors: [String] = []

    func validate() throws {
        if quote == nil && (start == nil || end == nil) {
            throw ValidationError("choose the passage: --quote TEXT, or --start N --end M")
        }
        if quote != nil && (start != nil || end != nil) {
            throw ValidationError("give either --quote or --start/--end, not both")
        }
        if quote == nil && (prefix != nil || suffix != nil || occurrence != nil) {
            throw ValidationError("--prefix, --suffix and --occurrence go with --quote")
        }
    }

    func run() throws {
        let comment = try CommentText.resolve(self.comment)
        if let comment { _ = try CommentText.check(comment, hint: "write something with --comment, or leave it out to highlight the passage") }
        let m = try Motivation.check(motivation ?? (comment == nil ? "highlighting" : "commenting"))
        let ctx = try Context(options)
        let art = try ctx.article(article)
        let matcher = QuoteMatcher(text: ArticleText(try ctx.text(of: art)))
        let selector = try reporting {
            if let quote {
                return try matcher.select(quote: quote, prefix: prefix, suffix: suffix, occurrence: occurrence)
            }
            return try matcher.selector(start: start ?? 0, end: end ?? 0)
        }
        let keys = try editors.map { hex in
            guard let k = PublicKey(hex: hex) else { throw CLIError("--editor \(hex) is not a public key (64 hex digits, as `gloss whoami` prints)", .usage) }
            return k
        }
        let created = AnnotationCreated(article: art.id, target: .text(selector), motivation: m,
                                        body: comment ?? "", tags: tags, editors: keys.filter { $0 != ctx.me })
        let event = try ctx.append([.annotationCreated(created)])[0]
        print("Annotated \(event.id.short())  [\(selector.start)–\(selector.end)] \"\(Format.quote(selector.exact))\"")
    }
}
