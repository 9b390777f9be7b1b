import ArgumentParser
import GlossCore
import GlossReplay
import GlossStore

/// Taking back what one wrote: the payloads of an annotation's creation and of its author's own
/// changes leave every ledger that receives the erasure (MERGE.md §19).
struct EraseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase", abstract: "Erase your annotation: its text leaves this ledger's file, and every peer's that syncs.",
        discussion: Help.reflow("""
            `gloss delete` hides an annotation, but its text stays in every ledger for ever.
            `gloss erase` appends a signed erasure naming the annotation's creation and your own
            changes of it: every ledger that holds the erasure removes those payloads from its
            SQLite file (header and signature stay, so every chain still verifies), shows the
            annotation as erased, by you, then, and never sends the text again. Replies and edits
            by others stay theirs, shown under the erased annotation.

            It cannot be undone. What it cannot reach: copies outside a ledger file (backups,
            exported bundles, HTML or W3C exports), and a peer that copied the text before
            receiving the erasure and does not run gloss (SECURITY.md says more). Only the
            annotation's author may erase it, from any of their devices; --yes confirms.
            """))
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The annotation (a unique id prefix).") var annotation: String
    @Flag(help: "Confirm: erasing cannot be undone.") var yes = false

    func run() throws {
        let ctx = try Context(options)
        let a = try ctx.annotation(annotation)
        guard a.author == ctx.myIdentity else {
            throw CLIError("annotation \(a.id.short()) is \(ctx.who(a.author))'s: only its author may erase it (from any of their devices). Delete hides it for everyone: gloss delete \(a.id.short())", .permission)
        }
        let named = try ownEvents(of: a, ctx)
        guard !named.isEmpty else {
            print("Annotation \(a.id.short()) is already erased, with every change of yours to it.")
            return
        }
        guard yes else {
            let what = a.isErased ? "\(named.count) more change\(named.count == 1 ? "" : "s") of yours to erased annotation \(a.id.short())"
                                  : "annotation \(a.id.short()) (\"\(Format.quote(a.isReply ? a.body : a.selector?.exact ?? "", max: 50))\") and \(named.count - 1) change\(named.count == 2 ? "" : "s") of yours to it"
            throw CLIError("this would erase \(what). Erasing cannot be undone: run again with --yes", .usage)
        }
        // At most 1024 events an erasure (EVENTS.md §7.13): more make several, each naming the annotation.
        let others = named.filter { $0 != a.id }
        let size = AnnotationErased.maxEvents - 1
        let chunks = others.isEmpty ? [[]] : stride(from: 0, to: others.count, by: size).map { Array(others[$0..<min(others.count, $0 + size)]) }
        try ctx.append(chunks.map { .annotationErased(AnnotationErased(annotation: a.id, article: a.article, replyTo: a.parent, events: [a.id] + $0)) })
        let compacted = ctx.log.compactAfterErasure()
        print("Erased annotation \(a.id.short()): the payloads of \(named.count) event\(named.count == 1 ? "" : "s") are gone from this ledger's file (their headers and signatures stay, so every chain still verifies).")
        if !compacted {
            print("Another process (gloss serve or gloss web?) is reading this ledger, so its write-ahead log still holds old pages; they are cleared when it stops, or run gloss verify later.")
        }
        print("Sync to spread the erasure: every peer that receives it removes the text too.")
    }

    /// The creation (unless already erased) and every change of the annotation by this identity
    /// whose payload this ledger still holds.
    private func ownEvents(of a: AnnotationView, _ ctx: Context) throws -> [EventID] {
        var ids: [EventID] = []
        var candidates = try reporting { try ctx.log.history(of: a.id) }.map(\.id)
        candidates += try reporting { try ctx.log.ineffectiveEvents(target: a.id) }.map(\.event)
        for id in [a.id] + candidates where !ids.contains(id) {
            guard let e = try reporting({ try ctx.log.event(id) }), !e.isErased,
                  ctx.devices.identity(of: e.author) == ctx.myIdentity else { continue }
            ids.append(id)
        }
        return ids
    }
}
