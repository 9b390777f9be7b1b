import GlossCore
import GlossReplay
import GlossStore
import NIOCore
import PostgresNIO

/// The whole log replayed, as a ledger's `replay(.all)` gives it.
public struct HubReplay: Sendable {
    public let state: FastReplay
    public let heads: [EventID]
    public let count: Int
}

/// What `gloss hub verify` found wrong.
public struct HubProblem: Sendable, CustomStringConvertible {
    public let event: EventID?
    public let message: String
    public var description: String { event.map { "event \($0.hex): \(message)" } ?? message }
}

extension HubLog {
    /// `body` on one connection inside a REPEATABLE READ READ ONLY transaction: every read
    /// sees one moment of the log, however many appends other processes make meanwhile.
    func reading<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(HubError) -> T {
        try await db.run(what, timeout: .seconds(3600)) { client in
            try await client.withConnection { c in
                try await c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                do {
                    let r = try await body(c)
                    try await c.exec("COMMIT")
                    return r
                } catch {
                    try? await c.exec("ROLLBACK")
                    throw error
                }
            }
        }
    }

    /// Replays every event in storage order (the merge is order-free: MERGE.md §15), so the
    /// snapshot is the one any ledger holding the same events gives. The rows are streamed
    /// page by page; what is held is the replay's state.
    public func replay() async throws(HubError) -> HubReplay {
        try await reading("replaying the hub's log") { c in try await Self.replay(on: c) }
    }

    /// The replay of the rows up to position `through`, with the log's maps, in the caller's snapshot.
    static func replay(on c: PostgresConnection, through: Int64 = .max) async throws -> HubReplay {
        let (devices, erasures) = try await Self.loadMaps(on: c)
        var state = FastReplay()
        state.devices = devices
        state.erasures = erasures
        var heads = HeadsOfSelection()
        try await Self.forEachRow(on: c, through: through) { r in
            guard r.id.count == 32 else { return }
            let id = Hash32(r.id)
            r.bytes.withUnsafeBytes { b in
                heads.add(id, b)
                state.apply(id: id, bytes: b)
            }
        }
        return HubReplay(state: state, heads: heads.heads, count: state.applied)
    }

    /// Checks every stored row as `gloss verify` checks a ledger's: its bytes against its id,
    /// signature and integrity tag, its chain (EventVerifier over storage order), the tips
    /// table against the log, fork evidence (listed), and every append-only trigger present
    /// and enabled.
    public func verify() async throws(HubError) -> (events: Int, problems: [HubProblem]) {
        let triggers = try await triggerProblems()
        let (count, problems) = try await reading("verifying the hub's log") { c in
            var problems: [HubProblem] = []
            var verifier = EventVerifier(facts: ChainFacts())
            var tips: [PublicKey: (UInt64, EventID)] = [:]
            var count = 0
            try await Self.forEachRow(on: c) { r in
                count += 1
                switch StoredRowCheck.check(bytes: r.bytes, idColumn: r.id, tag: r.tag) {
                case .failure(let d):
                    problems.append(HubProblem(event: r.id.count == 32 ? Hash32(r.id) : nil, message: d.message))
                case .success(let e):
                    if e.author.raw.bytes != r.author || Int64(clamping: e.header.seq) != r.seq {
                        problems.append(HubProblem(event: e.id, message: "its author or seq column does not match its signed header"))
                    }
                    let payloadValid = e.isErased || (try? e.payload()) != nil
                    if case .refuse(let why) = verifier.check(e, signatureValid: true, payloadValid: payloadValid) {
                        problems.append(HubProblem(event: e.id, message: why.message))
                        verifier.assumeStored(e)
                    }
                    if (tips[e.author]?.0 ?? 0) < e.header.seq { tips[e.author] = (e.header.seq, e.id) }
                }
            }
            let recorded = try await Self.frontier(on: c)
            for (author, tip) in tips where recorded.tips[author]?.seq != tip.0 || recorded.tips[author]?.id != tip.1 {
                problems.append(HubProblem(event: tip.1, message: "the tips table does not name author \(author.hex)'s newest event (seq \(tip.0))"))
            }
            for author in recorded.tips.keys where tips[author] == nil {
                problems.append(HubProblem(event: nil, message: "the tips table names author \(author.hex), who has no event here"))
            }
            for (author, seqs) in try await Self.forkedSeqs(on: c) {
                problems.append(HubProblem(event: nil, message: "author \(author.raw.short()) forked its chain at seq \(seqs.map(String.init).joined(separator: ", ")): both events are kept as evidence and its further events are refused"))
            }
            return (count, problems)
        }
        return (count, triggers + problems)
    }

    /// The seqs of each author's fork evidence, as a ledger's `forkedAuthors`.
    static func forkedSeqs(on q: some Querier) async throws -> [(PublicKey, [UInt64])] {
        var out: [PublicKey: Set<UInt64>] = [:]
        for try await (a, s) in try await q.rows("SELECT author, seq FROM forks").decode((ByteBuffer, Int64).self) {
            if let h = a.hash { out[PublicKey(h), default: []].insert(UInt64(max(0, s))) }
        }
        return out.map { ($0.key, $0.value.sorted()) }.sorted { $0.0 < $1.0 }
    }

    /// Each append-only trigger that is missing or disabled (the database's owner can do both).
    public func triggerProblems() async throws(HubError) -> [HubProblem] {
        let present: [String: String] = try await db.run("reading the triggers") { client in
            var out: [String: String] = [:]
            for try await (name, enabled) in try await client.query("""
                SELECT t.tgname::text, t.tgenabled::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                WHERE NOT t.tgisinternal AND c.relname IN ('events', 'forks', 'erasure_notices', 'erasures')
                """).decode((String, String).self) { out[name] = enabled }
            return out
        }
        var problems: [HubProblem] = []
        for (table, names) in HubSchema.triggers.sorted(by: { $0.key < $1.key }) {
            for name in names {
                switch present[name] {
                case nil: problems.append(HubProblem(event: nil, message: "the trigger \(name) on \(table) is missing: the log is not protected against changes"))
                case "O"?, "A"?: continue
                default: problems.append(HubProblem(event: nil, message: "the trigger \(name) on \(table) is disabled: the log is not protected against changes (ALTER TABLE \(table) ENABLE TRIGGER \(name))"))
                }
            }
        }
        return problems
    }

    /// The serve processes connected to the hub's database now (by application name).
    public func serveProcesses() async throws(HubError) -> [String] {
        try await db.run("listing connections") { client in
            var out: Set<String> = []
            for try await name in try await client.query(
                "SELECT application_name::text FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'gloss serve%'"
            ).decode(String.self) { out.insert(name) }
            return out.sorted()
        }
    }
}

extension HubLog {
    /// Every event the hub holds as a bundle (EVENTS.md §11), in storage order, each row
    /// checked before it leaves as a ledger's export does; two passes so the count written
    /// first is the count that follows. Returns how many were written.
    public func exportBundle(to sink: @escaping @Sendable ([UInt8]) throws -> Void) async throws(HubError) -> Int {
        try await reading("exporting the hub's log") { c in
            let peer = Frontier()
            var counting = RelayFilter()
            var count = 0
            try await Self.forEachRow(on: c) { r in
                if RelayRow.relayable(idColumn: r.id, authorColumn: r.author, seq: r.seq, tag: r.tag, bytes: { r.bytes }, peer: peer, filter: &counting) != nil { count += 1 }
            }
            let writer = try Bundle.Writer(count: count, sink: sink)
            var filter = RelayFilter()
            try await Self.forEachRow(on: c) { r in
                if let e = RelayRow.relayable(idColumn: r.id, authorColumn: r.author, seq: r.seq, tag: r.tag, bytes: { r.bytes }, peer: peer, filter: &filter) {
                    try writer.add(e)
                }
            }
            try writer.finish()
            return count
        }
    }
}
