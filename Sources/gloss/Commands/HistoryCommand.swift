import ArgumentParser
import GlossCore
import GlossReplay
import GlossStore

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Every version of an annotation: who changed what, and when, oldest first.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The annotation (a unique id prefix).") var annotation: String
    @Flag(help: "Print JSON: the changes, then the ineffective events.") var json = false

    func run() throws {
        if !json { Console.page() }
        let ctx = try Context(options)
        let a = try ctx.annotation(annotation)
        if json {
            var changes: [JSON] = []
            for stamp in try Self.stamps(a, ctx) {
                guard let e = try reporting({ try ctx.ledger.log.event(stamp.id) }) else { continue }
                let p = try? e.payload()
                var o: [String: JSON] = ["event": .string(stamp.id.hex), "author": .string(stamp.identity.hex), "time": .int(stamp.time),
                                         "lamport": .int(Int64(stamp.lamport)), "kind": .string(p.map { PayloadKind.name($0.kindNumber) } ?? "erased"),
                                         "change": .string(p.map(Self.describe) ?? "(erased)")]
                if let d = stamp.device { o["device"] = .string(d.hex) }
                changes.append(.object(o))
            }
            let ineffective = try reporting { try ctx.log.ineffectiveEvents(target: a.id) }.map { id, why in
                JSON.object(["event": .string(id.hex), "reason": .string(why)])
            }
            JSONArrayWriter.one(.object(["annotation": .string(a.id.hex), "changes": .array(changes), "ineffective": .array(ineffective)]))
            return
        }
        for stamp in try Self.stamps(a, ctx) {
            guard let e = try reporting({ try ctx.ledger.log.event(stamp.id) }) else { continue }
            // The identity, and the device that signed when it is another key of that identity.
            let who = ctx.who(stamp.identity) + (stamp.device.map { " (device \($0.raw.short()))" } ?? "")
            let colour = Console.colourOnStandardOutput
            let head = "\(Format.paint(Format.time(stamp.time), Format.dim, colour))  \(Format.paint(stamp.id.short(), Format.yellow, colour))  \(Format.quote(who, max: 80))"
            // Every piece of ledger text is neutralised by `Format`: the line may carry colours.
            Console.styled(head + "\n    " + ((try? e.payload()).map(Self.describe) ?? "(erased)") + "\n")
        }
        for (id, why) in try reporting({ try ctx.log.ineffectiveEvents(target: a.id) }) {
            print("ineffective \(id.short()): \(why)")
        }
    }

    /// The annotation's history (MERGE.md §7), then, when it was erased, its erasure.
    static func stamps(_ a: AnnotationView, _ ctx: Context) throws -> [Stamp] {
        try reporting { try ctx.log.history(of: a.id) } + (a.erasure.map { [$0.by] } ?? [])
    }

    static func describe(_ p: Payload) -> String {
        switch p {
        case .annotationCreated(let c):
            var s = "created (\(Format.quote(c.motivation)))"
            if case .text(let sel) = c.target { s += " on \"\(Format.quote(sel.exact, max: 50))\"" }
            if case .reply(let parent) = c.target { s += " replying to \(parent.short())" }
            if !c.body.isEmpty { s += ": \"\(Format.quote(c.body, max: 70))\"" }
            if !c.tags.isEmpty { s += " " + Format.tags(c.tags) }
            return s
        case .bodyEdited(let b): return "comment → \"\(Format.quote(b.body, max: 70))\"" + (b.pred.count > 1 ? " (resolving \(b.pred.count) versions)" : "")
        case .motivationChanged(let m): return "motivation → \(Format.quote(m.motivation))"
        case .tagsChanged(let t):
            return Format.quote((t.add.map { "+" + $0 } + t.remove.map { "−" + $0 }).joined(separator: " "), max: 200)
        case .annotationDeleted: return "deleted"
        case .annotationRestored: return "restored"
        case .annotationReanchored(let r): return "re-anchored on \"\(Format.quote(r.selector.exact, max: 50))\" [\(r.selector.start)–\(r.selector.end)]"
        case .annotationErased(let x): return "erased \(x.events.count) event\(x.events.count == 1 ? "" : "s")' payload\(x.events.count == 1 ? "" : "s")"
        case .articleAdded, .articleRevised, .deviceLinked, .deviceRevoked, .unknown: return PayloadKind.name(p.kindNumber)
        }
    }
}
