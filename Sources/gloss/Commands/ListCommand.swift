import ArgumentParser
import GlossCore
import GlossReplay

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List annotations, oldest first.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "Only this article (a unique id prefix).") var article: String?
    @Option(help: "Only annotations with this tag.") var tag: String?
    @Flag(help: "Include deleted annotations.") var all = false
    @Flag(help: "Print a JSON array instead of text.") var json = false

    func run() throws {
        if !json { Console.page() }
        let ctx = try Context(options)
        let articleID = try article.map { try ctx.article($0).id }
        // Streamed: one annotation in memory at a time, whatever the size of the ledger.
        var count = 0
        let places = Placement.Finder(ctx)
        var out = json ? JSONArrayWriter() : nil
        let colour = Console.colourOnStandardOutput
        try reporting {
            try ctx.log.forEachAnnotation(article: articleID, includeDeleted: all, tag: tag) { a in
                if out != nil {
                    out?.add(a.json)
                } else {
                    let line = Self.line(a, ctx, try places.placement(of: a), colour: colour)
                    if colour { Console.styled(line + "\n") } else { print(line) }
                }
                count += 1
            }
        }
        if let out { out.finish(); return }
        if count == 0 { print("No annotations\(tag.map { " tagged \"\($0)\"" } ?? "").") }
    }

    /// One annotation on one line; every piece of ledger text in it is neutralised (`Format`),
    /// so it may be printed with colours (`Console.styled`).
    static func line(_ a: AnnotationView, _ ctx: Context, _ place: Placement?, colour: Bool = false) -> String {
        if let x = a.erasure {
            var s = "\(Format.paint(a.id.short(), Format.yellow, colour))  " + Format.paint("[erased by \(Format.quote(ctx.who(x.by.identity), max: 80)), \(Format.time(x.by.time))]", Format.red, colour)
            if let p = a.parent { s += "  ↳ reply to \(p.short())" }
            return s + Format.paint("  by \(Format.quote(ctx.who(a.author), max: 80))", Format.dim, colour)
        }
        var s = "\(Format.paint(a.id.short(), Format.yellow, colour))  \(Format.quote(a.motivation))"
        if let sel = a.selector {
            switch place {
            case .orphan(let g)?:
                s += "  \"\(Format.quote(sel.exact, max: 40))\" " + Format.paint("[orphan]", Format.red, colour)
                    + (g.map { "  suggested \"\(Format.quote($0.exact, max: 30))\" (\($0.alikePercent)% alike)" } ?? "")
            case .at(_, let exact, let before, let after, _)? where sel.exact.count < 25:
                // A short quote (one of twenty "Putin"s) shows the words around it.
                let b = String(String.UnicodeScalarView(before.unicodeScalars.suffix(16)))
                let e = String(String.UnicodeScalarView(after.unicodeScalars.prefix(16)))
                s += "  …\(Format.quote(b, max: 16))[\(Format.quote(exact, max: 40))]\(Format.quote(e, max: 16))…"
            case .at(_, let exact, _, _, _)?:
                s += "  \"\(Format.quote(exact, max: 40))\""
            case nil:
                s += "  \"\(Format.quote(sel.exact, max: 40))\""
            }
        }
        if let p = a.parent { s += "  ↳ reply to \(p.short())" }
        if !a.body.isEmpty { s += "  — \(Format.quote(a.body, max: 50))" }
        if !a.tags.isEmpty { s += "  " + Format.tags(a.tags) }
        s += Format.paint("  by \(Format.quote(ctx.who(a.author), max: 80))", Format.dim, colour)
        if a.isDeleted { s += "  " + Format.paint("[deleted]", Format.red, colour) }
        if a.hasConflict { s += "  " + Format.paint("[conflict]", Format.red, colour) }
        return s
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one annotation: passage, comment, tags, replies, conflicts.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The annotation (a unique id prefix).") var annotation: String
    @Flag(help: "Print JSON: the annotation as `list --json` gives it, with `placement` and `repliesShown`.") var json = false

    func run() throws {
        if !json { Console.page() }
        let ctx = try Context(options)
        let a = try ctx.annotation(annotation)
        if json {
            guard case .object(var o) = a.json else { return }
            o["placement"] = try Placement.Finder(ctx).placement(of: a)?.json ?? .null
            var replies: [JSON] = []
            for id in a.replies {
                if let r = try reporting({ try ctx.log.annotation(id) }), !r.isDeleted { replies.append(r.json) }
            }
            o["repliesShown"] = .array(replies)
            JSONArrayWriter.one(.object(o))
            return
        }
        let article = try reporting { try ctx.log.article(a.article) }
        let colour = Console.colourOnStandardOutput
        // Only Gloss's own words on this line (the id is hex): it may carry colours.
        let head = "annotation " + Format.paint(a.id.hex, Format.yellow, colour) + (a.isDeleted ? "  " + Format.paint("[deleted]", Format.red, colour) : "")
        if colour { Console.styled(head + "\n") } else { print(head) }
        print("article    \(a.article.short())  \(article?.title ?? "")")
        print("author     \(ctx.who(a.author))")
        if let d = a.device { print("device     \(d.hex)") }
        print("created    \(Format.time(a.created.time))   modified \(Format.time(a.modified.time))")
        if let x = a.erasure {
            print("erased     by \(ctx.who(x.by.identity)) at \(Format.time(x.by.time)) (event \(x.by.id.short())): its text is gone from this ledger")
            if let p = a.parent { print("reply to   \(p.short())") }
            try printReplies(a, ctx)
            return
        }
        print("motivation \(a.motivation)")
        if let s = a.selector {
            switch try Placement.Finder(ctx).placement(of: a) {
            case .at(let r, let exact, let before, let after, let stage)?:
                print("passage    [\(r.lowerBound)–\(r.upperBound)] \(Format.tail(before))[\(exact)]\(Format.quote(after, max: 30))")
                if let stage {
                    print("           \(Placement.describe(stage))" + (exact == s.exact ? "" : "; it was \"\(Format.quote(s.exact, max: 60))\" at [\(s.start)–\(s.end)]"))
                }
            case .orphan(let suggested)?:
                print("passage    \(Placement.orphanReason(s))")
                print("           it was [\(s.start)–\(s.end)] \(Format.tail(s.prefix))[\(s.exact)]\(Format.quote(s.suffix, max: 30))")
                if let suggested { print("           \(Placement.describe(suggested, id: a.id))") }
            case nil:
                break
            }
        }
        if let p = a.parent { print("reply to   \(p.short())") }
        if !a.tags.isEmpty { print("tags       \(Format.tags(a.tags))") }
        if !a.editors.isEmpty { print("editors    \(a.editors.map { $0.raw.short(8) }.joined(separator: ", "))") }
        print("comment    \(Self.indented(a.body, by: 11))")
        let versions = a.bodyLive
        if versions.count > 1 {
            print("")
            print("\(versions.count) concurrent versions of the comment (the first is shown; `gloss edit` resolves them):")
            for v in versions {
                print("  - \"\(Format.quote(v.value, max: 70))\"  by \(ctx.who(v.stamp.author)) at \(Format.time(v.stamp.time))")
            }
        }
        try printReplies(a, ctx)
    }

    private func printReplies(_ a: AnnotationView, _ ctx: Context) throws {
        guard !a.replies.isEmpty else { return }
        print("")
        print("replies:")
        for id in a.replies {
            guard let r = try reporting({ try ctx.log.annotation(id) }), !r.isDeleted else { continue }
            print("  \(r.id.short())  \(ctx.who(r.author)): " + (r.isErased ? "[erased]" : Self.indented(r.body, by: 16)))
        }
    }

    /// A multi-line text whose later lines line up under its first (a note cannot pass for
    /// another field or another reply).
    static func indented(_ text: String, by n: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + String(repeating: " ", count: n))
    }
}
