import ArgumentParser
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Replay history to a snapshot: the state as of now, or as of an earlier point.",
        discussion: """
            The json format is canonical (Protocol/MERGE.md): two ledgers holding the same events print
            the same bytes, whatever order the events arrived in. The last line is its SHA-256, the
            snapshot hash. The w3c format is a W3C Web Annotation collection in JSON-LD, which
            `gloss import --format w3c` reads back.

            Points in history: --at EVENT (that event and its causal past), --lamport N (events with
            lamport ≤ N), --before TIME (events written before TIME, e.g. 2026-11-25T12:00Z).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, w3c }

    @OptionGroup var options: LedgerOptions
    @Argument(help: "Only this article (a unique id prefix).") var article: String?
    @Option(help: "The state as of this event (a unique id prefix): it and its causal past.") var at: String?
    @Option(help: "The state of the events with lamport ≤ N.") var lamport: UInt64?
    @Option(help: "The state of the events written before TIME (ISO 8601, UTC).") var before: String?
    @Option(help: "json (canonical, hashed) or w3c (JSON-LD).") var format: Format = .json
    @Option(help: "Write the snapshot to FILE instead of standard output.") var out: String?

    func validate() throws {
        if [at != nil, lamport != nil, before != nil].filter({ $0 }).count > 1 {
            throw ValidationError("choose one point in history: --at, --lamport or --before")
        }
        if let before, Timestamp.parse(before) == nil {
            throw ValidationError("--before \(before) is not a time: write 2026-11-25, 2026-11-25T12:00Z or milliseconds since 1970")
        }
    }

    func run() throws {
        let ledger = try options.open()
        let state: LedgerState, heads: [EventID], count: Int
        if at == nil && lamport == nil && before == nil {
            let loaded = try reporting { try StateLoader.load(ledger.log) }
            state = loaded.state
            heads = try reporting { try ledger.log.heads() }
            count = loaded.eventCount
        } else {
            let all = try reporting { try ledger.log.allEvents() }
            let selection: EventSelection
            if let at {
                selection = .causalPast(of: try IDResolver.resolve(at, among: all.map(\.id), what: "event", hint: "`gloss log` lists the events"))
            } else if let lamport {
                selection = .lamport(atMost: lamport)
            } else {
                selection = .before(time: Timestamp.parse(before ?? "") ?? 0)
            }
            let chosen = selection.select(all) ?? []
            state = LedgerState.replay(chosen)
            heads = EventSelection.heads(chosen)
            count = chosen.count
        }
        let articleID: Hash32? = try article.map { prefix in
            try IDResolver.resolve(prefix, among: Array(state.articles.keys), what: "article", hint: "`gloss article list` shows the articles (at this point in history)")
        }
        switch format {
        case .json:
            let snap = Snapshot(state: state, heads: heads, eventCount: count, article: articleID)
            try emit(snap.bytes + [10])
            print("snapshot \(snap.hash.hex)")
        case .w3c:
            try emit(Array(W3C.collection(state, article: articleID).serialized(pretty: true).utf8) + [10])
        }
    }

    private func emit(_ bytes: [UInt8]) throws {
        if let out {
            try reporting { try FileSystem.replace(out, bytes) }
        } else {
            print(String(decoding: bytes.dropLast(), as: UTF8.self))
        }
    }
}
