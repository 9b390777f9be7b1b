import ArgumentParser
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Replay history to a snapshot: the state as of now, or as of an earlier point.",
        discussion: Help.reflow("""
            The json format is canonical (Protocol/MERGE.md): two ledgers holding the same events print
            the same bytes, whatever order the events arrived in. The last line is its SHA-256, the
            snapshot hash. The w3c format is a W3C Web Annotation collection in JSON-LD, which
            `gloss import --format w3c` reads back.

            Points in history: --at EVENT (that event and its causal past), --lamport N (events with
            lamport ≤ N), --before TIME (events written before TIME, e.g. 2026-11-25T12:00Z).
            The state as of now is streamed from the ledger's projection; an earlier point replays the
            events of that point from the log.
            """))

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, w3c }

    @OptionGroup var options: LedgerOptions
    @Argument(help: "Only this article (a unique id prefix).") var article: String?
    @Option(help: "The state as of this event (a unique id prefix): it and its causal past.") var at: String?
    @Option(help: "The state of the events with lamport ≤ N.") var lamport: UInt64?
    @Option(help: "The state of the events written before TIME (ISO 8601, UTC).") var before: String?
    @Option(help: "json (canonical, hashed) or w3c (JSON-LD).") var format: Format = .json
    @Option(help: "Write the snapshot to FILE instead of standard output.") var out: String?
    @Flag(help: "With --out: print the summary as JSON ({file, format, snapshot}).") var json = false

    func validate() throws {
        if [at != nil, lamport != nil, before != nil].filter({ $0 }).count > 1 {
            throw ValidationError("choose one point in history: --at, --lamport or --before")
        }
        if json && out == nil {
            throw ValidationError("--json prints the summary of a snapshot written with --out FILE; without --out the snapshot itself is the JSON on standard output")
        }
        if let before, Timestamp.parse(before) == nil {
            throw ValidationError("--before \(before) is not a time: write 2026-11-25, 2026-11-25T12:00Z or milliseconds since 1970")
        }
    }

    func run() throws {
        if at == nil && lamport == nil && before == nil { return try now() }
        let ledger = try options.open()
        let selection: EventSelection
        if let at {
            selection = .causalPast(of: try IDResolver.resolve(at, what: "event", hint: "`gloss log` lists the events") {
                try ledger.log.ids(withPrefix: $0, limit: $1)
            })
        } else if let lamport {
            selection = .lamport(atMost: lamport)
        } else {
            selection = .before(time: Timestamp.parse(before ?? "") ?? 0)
        }
        guard let past = try reporting({ try ledger.log.replay(selection) }) else {
            throw CLIError("that event is not in this ledger; `gloss log` lists the events", .notFound)
        }
        let articleID: Hash32? = try article.map { prefix in
            try IDResolver.resolve(prefix, what: "article", hint: "`gloss article list` shows the articles (at this point in history)") { p, limit in
                Array(past.state.articleIDs.filter { $0.hex.hasPrefix(p) }.sorted().prefix(limit))
            }
        }
        switch format {
        case .json:
            try emit { write in try past.state.writeSnapshot(to: SnapshotWriter(sink: write), heads: past.heads, eventCount: past.count, article: articleID) }
        case .w3c:
            try emitW3C { visit in try past.state.forEachAnnotation(article: articleID) { a in if !a.isDeleted { try visit(a) } } }
        }
    }

    /// The state as of now, streamed from the projection.
    private func now() throws {
        let ctx = try Context(options)
        let articleID = try article.map { try ctx.article($0).id }
        switch format {
        case .json:
            try emit { write in try ctx.log.writeSnapshot(article: articleID, to: write) }
        case .w3c:
            try emitW3C { visit in try ctx.log.forEachAnnotation(article: articleID) { try visit($0) } }
        }
    }

    /// Writes the snapshot (given piece by piece to `write`) and a newline to --out or standard
    /// output, then the line `snapshot HASH`.
    private func emit(_ body: (_ write: @escaping ([UInt8]) throws -> Void) throws -> Hash32) throws {
        let hash: Hash32
        if let out {
            hash = try reporting { try FileSystem.replace(out) { write in
                let h = try withoutActuallyEscaping(write) { try body($0) }
                try write([10])
                return h
            } }
        } else {
            hash = try reporting { try body { try FileSystem.writeAll(1, $0, "standard output") } }
            try reporting { try FileSystem.writeAll(1, [10], "standard output") }
        }
        if json, let out {
            JSONArrayWriter.one(.object(["file": .string(out), "format": .string("json"), "snapshot": .string(hash.hex)]))
        } else {
            print("snapshot \(hash.hex)")
        }
    }

    private func emitW3C(_ items: ((AnnotationView) throws -> Void) throws -> Void) throws {
        if let out {
            try reporting { try FileSystem.replace(out) { write in
                try withoutActuallyEscaping(write) { w in try W3C.write(items: items) { try w(Array($0.utf8)) } }
                try write([10])
            } }
        } else {
            try reporting {
                try W3C.write(items: items) { try FileSystem.writeAll(1, Array($0.utf8), "standard output") }
                try FileSystem.writeAll(1, [10], "standard output")
            }
        }
    }
}
