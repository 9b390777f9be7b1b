import GlossCore
import GlossReplay
import GlossStore
import NIOCore
import PostgresNIO

/// What became of a batch offered to the hub.
public enum HubAppend: Sendable, Equatable {
    case stored(AppendResult)
    /// Refused, nothing of it stored (the peer's fault); `fork`: kept as fork evidence.
    case refused(String, fork: Bool)
}

/// A batch refused inside the append transaction: thrown to roll it back.
private struct RefusedBatch: Error {
    let message: String
    /// The batch's events at a forked seat, kept as evidence after the rollback.
    let evidence: [Event]
}

extension HubLog {
    /// Verifies and appends `events` in one transaction: all of them, or none (the rules of a
    /// ledger's `append`: EVENTS.md §8–10, MERGE.md §19). Every write holds the hub's append
    /// lock, so processes appending at once are decided one after the other, each seeing what
    /// the others committed; the unique keys on id and (author, seq) hold underneath. A
    /// conflict or a lost connection is retried (an append is idempotent by id).
    /// `notices`: erasures carried with the events (a bundle's own), kept first. `inOrder`:
    /// the events are parents first already and are stored in that order (a migration keeps
    /// the ledger's storage order, so the hub's bundle is the ledger's byte for byte);
    /// otherwise they are sorted by stamp, as a ledger's group commit does.
    public func append(_ events: [Event], notices: [ErasureNotice] = [], signaturesChecked: Bool = false, inOrder: Bool = false) async throws(HubError) -> HubAppend {
        if !signaturesChecked, let bad = SignatureCheck.firstInvalid(events) {
            return .refused("event \(bad.id.short()) by \(bad.author.raw.short()) has a bad signature", fork: false)
        }
        let ordered = inOrder ? events : events.sorted { Stamp($0) < Stamp($1) }
        var attempt = 0
        while true {
            do {
                let (answer, cut) = try await gate.inside { () async throws(HubError) -> (HubAppend, Bool) in
                    try await self.db.run("storing \(events.count) events", timeout: .seconds(60)) { client in
                        try await self.appendOnce(ordered, notices: notices, client: client)
                    }
                }
                if cut { await compact() }
                if case .stored(let r) = answer, !r.stored.isEmpty { projectSoon() }
                return answer
            } catch let e as HubError where (e.code == .conflict || e.code == .unavailable) && attempt < 4 && !Task.isCancelled {
                // Idempotent by id: a retry after an ambiguous commit finds the events held.
                attempt += 1
                do { try await Task.sleep(for: .milliseconds(Int.random(in: 10...30) << attempt)) } catch { throw e }
            } catch let e as HubError {
                throw e
            } catch {
                throw HubError(.database, "storing \(events.count) events: \(error)")
            }
        }
    }

    /// One attempt: the decision and the writes in one transaction under the append lock.
    /// Returns the answer and whether payloads were cut (then the table is vacuumed after).
    private func appendOnce(_ ordered: [Event], notices: [ErasureNotice], client: PostgresClient) async throws -> (HubAppend, Bool) {
        do {
            return try await client.withTransaction(logger: sqlLogger) { c in
                try await c.exec("SET LOCAL lock_timeout = '30s'")
                try await c.exec("SELECT pg_advisory_xact_lock(\(HubSchema.appendLock))")
                for n in notices {
                    try await c.exec("INSERT INTO erasure_notices(id, bytes, received) VALUES (\(n.erasure.id.buffer), \(ByteBuffer(bytes: n.encoded)), \(Clock.nowMillis())) ON CONFLICT (id) DO NOTHING")
                }
                return try await self.decideAndWrite(ordered, on: c)
            }
        } catch {
            // PostgresNIO wraps what the transaction's closure threw.
            guard let refused = (error as? PostgresTransactionError)?.closureError as? RefusedBatch ?? error as? RefusedBatch else { throw error }
            if !refused.evidence.isEmpty { try await recordForks(refused.evidence, client: client) }
            return (.refused(refused.message, fork: !refused.evidence.isEmpty), false)
        }
    }

    private func decideAndWrite(_ ordered: [Event], on c: PostgresConnection) async throws -> (HubAppend, Bool) {
        var verifier = EventVerifier(facts: try await Self.chainFacts(for: ordered, on: c))
        let (devices, map) = try await maps(on: c)
        let authority = try await stubAuthority(devices: devices, map: map, on: c)
        var result = AppendResult()
        var rows: [(event: Event, kind: Int32)] = []
        var stubs: [(target: EventID, erasure: EventID)] = []
        var touched = false
        for e in ordered {
            let erasure = e.isErased || !authority.isEmpty ? try authority.erasure(of: e) : nil
            if e.isErased && erasure == nil {
                throw RefusedBatch(message: "event \(e.id.short()) arrived without its payload, and no erasure this hub holds names it", evidence: [])
            }
            let payload = e.isErased ? nil : try? e.payload()
            switch verifier.check(e, signatureValid: true, payloadValid: e.isErased || payload != nil) {
            case .alreadyStored:
                result.alreadyHad += 1
                continue
            case .refuse(let r):
                var evidence: [Event] = []
                if case .fork = r.code, let forked = ordered.first(where: { $0.id == r.event }) {
                    evidence = ordered.filter { $0.author == forked.author && $0.header.seq == forked.header.seq }
                }
                throw RefusedBatch(message: r.message, evidence: evidence)
            case .store:
                break
            }
            let kind = e.isErased ? 0 : e.payloadKind
            if let erasure {
                // Held without its payload: the erasure is recorded first (the triggers require
                // it), and a payload that came along is not stored at all.
                stubs.append((e.id, erasure))
                rows.append((e.erased, Int32(kind)))
                authority.staged[e.id] = e.erased
            } else {
                rows.append((e, Int32(kind)))
                authority.staged[e.id] = e
            }
            if PayloadKind.isDevice(kind) || kind == PayloadKind.annotationErased.rawValue || erasure != nil || map.named.contains(e.id) {
                touched = true
            }
            result.stored.append(e.id)
        }
        guard !rows.isEmpty else { return (.stored(result), false) }
        if !stubs.isEmpty {
            let t = stubs.map(\.target.buffer), x = stubs.map(\.erasure.buffer)
            try await c.exec("INSERT INTO erasures(target, erasure) SELECT * FROM unnest(\(t)::bytea[], \(x)::bytea[]) ON CONFLICT (target) DO NOTHING")
        }
        try await Self.insertRows(rows, on: c)
        var cut = 0
        if touched {
            // The maps may have changed (a link, a revocation, an erasure, an event one names):
            // payloads an effective erasure now removes go, and other processes read them again.
            let now = try await Self.loadMaps(on: c)
            cut = try await Self.cutErasedPayloads(now.erasures, on: c)
            try await Self.dropErasedFromProjection(now: now.erasures, before: map, on: c)
            try await c.exec("INSERT INTO settings(key, value) VALUES ('maps.version', '1') ON CONFLICT (key) DO UPDATE SET value = (settings.value::bigint + 1)::text")
        }
        return (.stored(result), cut > 0)
    }

    /// Inserts accepted rows in the order decided (parents first), so `pos` follows it, and
    /// moves each author's tip.
    static func insertRows(_ rows: [(event: Event, kind: Int32)], on c: some Querier) async throws {
        let ids = rows.map(\.event.id.buffer), authors = rows.map(\.event.author.raw.buffer)
        let seqs = rows.map { Int64(clamping: $0.event.header.seq) }, lamports = rows.map { Int64(clamping: $0.event.header.lamport) }
        let times = rows.map(\.event.header.time), kinds = rows.map(\.kind)
        let bytes = rows.map { ByteBuffer(bytes: $0.event.bytes) }, tags = rows.map { ByteBuffer(bytes: StoredRowCheck.tag(of: $0.event)) }
        try await c.exec("""
            INSERT INTO events(id, author, seq, lamport, time, kind, bytes, tag)
            SELECT id, author, seq, lamport, time, kind, bytes, tag FROM unnest(\(ids)::bytea[], \(authors)::bytea[], \(seqs)::int8[],
              \(lamports)::int8[], \(times)::int8[], \(kinds)::int4[], \(bytes)::bytea[], \(tags)::bytea[])
              WITH ORDINALITY AS t(id, author, seq, lamport, time, kind, bytes, tag, ord) ORDER BY ord
            """)
        var tips: [PublicKey: Event] = [:]
        for r in rows where (tips[r.event.author]?.header.seq ?? 0) < r.event.header.seq { tips[r.event.author] = r.event }
        let ta = tips.keys.map(\.raw.buffer), ts = tips.values.map { Int64(clamping: $0.header.seq) }, ti = tips.values.map(\.id.buffer)
        try await c.exec("""
            INSERT INTO hub_tips(author, seq, id) SELECT * FROM unnest(\(ta)::bytea[], \(ts)::int8[], \(ti)::bytea[])
            ON CONFLICT (author) DO UPDATE SET seq = excluded.seq, id = excluded.id WHERE excluded.seq > hub_tips.seq
            """)
    }

    /// The facts `EventVerifier` needs for a batch, in three queries: the held events among its
    /// ids and parents, the held events at its (author, seq) seats, the authors refused for forking.
    static func chainFacts(for events: [Event], on c: some Querier) async throws -> ChainFacts {
        var facts = ChainFacts()
        let lookup = ChainFacts.Lookup(events)
        let seats = lookup.seats
        let ids = lookup.ids.map(\.buffer)
        for try await (i, a, s, l) in try await c.rows("SELECT id, author, seq, lamport FROM events WHERE id = ANY(\(ids))").decode((ByteBuffer, ByteBuffer, Int64, Int64).self) {
            guard let id = i.hash, let author = a.hash else { continue }
            facts.stored[id] = ChainFacts.Stored(author: PublicKey(author), seq: UInt64(max(0, s)), lamport: UInt64(max(0, l)))
        }
        let sa = seats.keys.map(\.raw.buffer), lo = seats.values.map { Int64(clamping: $0.lowerBound) }, hi = seats.values.map { Int64(clamping: $0.upperBound) }
        for try await (a, s, i) in try await c.rows("""
            SELECT e.author, e.seq, e.id FROM unnest(\(sa)::bytea[], \(lo)::int8[], \(hi)::int8[]) AS w(author, lo, hi)
              JOIN events e ON e.author = w.author AND e.seq BETWEEN w.lo AND w.hi
            """).decode((ByteBuffer, Int64, ByteBuffer).self) {
            guard let author = a.hash, let id = i.hash else { continue }
            facts.seats[ChainFacts.Seat(author: PublicKey(author), seq: UInt64(max(0, s)))] = id
        }
        for try await a in try await c.rows("SELECT DISTINCT author FROM forks").decode(ByteBuffer.self) {
            if let h = a.hash { facts.forked.insert(PublicKey(h)) }
        }
        return facts
    }

    /// The batch's stub authority: the maps, the kept notices whose erasure is not in the log,
    /// and the held annotations those notices name (read before deciding: nothing blocks).
    private func stubAuthority(devices: DeviceMap, map: ErasureMap, on c: some Querier) async throws -> HeldStubAuthority {
        var notices: [ErasureNotice] = []
        for try await b in try await c.rows("SELECT n.bytes FROM erasure_notices n WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = n.id) ORDER BY n.id").decode(ByteBuffer.self) {
            if let n = try? ErasureNotice.decode(b.array, verified: true) { notices.append(n) }
        }
        let held = notices.isEmpty ? [:] : try await Self.events(notices.map(\.content.annotation.buffer), on: c)
        return HeldStubAuthority(devices: devices, map: map, notices: notices, prefetched: held)
    }

    /// Removes the payload of every held event an effective erasure names (keeping
    /// header ‖ signature), recording each in `erasures`, which the update trigger requires.
    static func cutErasedPayloads(_ map: ErasureMap, on c: some Querier) async throws -> Int {
        guard !map.erasedEvents.isEmpty else { return 0 }
        let targets = map.erasedEvents.keys.map(\.buffer)
        var whole: [(EventID, Event)] = []
        for try await (i, b) in try await c.rows("""
            SELECT id, bytes FROM events WHERE id = ANY(\(targets)) AND length(bytes) > gloss_header_length(bytes, seq) + 64 ORDER BY id
            """).decode((ByteBuffer, ByteBuffer).self) {
            guard let id = i.hash, let e = try? Event.decode(stored: b.array, id: id), !e.isErased else { continue }
            whole.append((id, e))
        }
        for (id, e) in whole {
            guard let erasure = map.erasedEvents[id] else { continue }
            try await c.exec("INSERT INTO erasures(target, erasure) VALUES (\(id.buffer), \(erasure.buffer)) ON CONFLICT (target) DO NOTHING")
            try await c.exec("UPDATE events SET bytes = \(ByteBuffer(bytes: e.erased.bytes)) WHERE id = \(id.buffer)")
        }
        return whole.count
    }

    /// Keeps events as fork evidence, under the append lock; how many were new.
    @discardableResult
    func recordForks(_ events: [Event], client: PostgresClient) async throws -> Int {
        try await client.withTransaction(logger: sqlLogger) { c in
            try await c.exec("SELECT pg_advisory_xact_lock(\(HubSchema.appendLock))")
            var n = 0
            for e in events {
                for try await _ in try await c.rows("""
                    INSERT INTO forks(id, author, seq, bytes, detected_at)
                    SELECT \(e.id.buffer), \(e.author.raw.buffer), \(Int64(clamping: e.header.seq)), \(ByteBuffer(bytes: e.bytes)), \(Clock.nowMillis())
                    WHERE NOT EXISTS (SELECT 1 FROM events WHERE id = \(e.id.buffer))
                    ON CONFLICT (id) DO NOTHING RETURNING id
                    """).decode(ByteBuffer.self) { n += 1 }
            }
            return n
        }
    }

    /// Checks a peer's event offered as fork evidence (signature, payload, another event held
    /// at its author and seq) and keeps it; from then on the author is refused here.
    public func recordEvidence(_ e: Event) async throws(HubError) -> EvidenceVerdict {
        guard e.hasValidSignature else { return .refused("event \(e.id.short()) has a bad signature") }
        guard (try? e.payload()) != nil else { return .refused("event \(e.id.short()) has a payload that does not decode") }
        guard let twin = try await forkTwins(of: [(e.author, e.header.seq, e.id)]).first else {
            return .refused("this hub holds no other event of author \(e.author.raw.short()) at seq \(e.header.seq): event \(e.id.short()) is not evidence of a fork here")
        }
        let new = try await gate.inside { () async throws(HubError) -> Int in
            try await self.db.run("keeping fork evidence", timeout: .seconds(60)) { client in try await self.recordForks([e], client: client) }
        }
        return .recorded(new: new > 0, twin: twin)
    }

    /// Keeps an erasure received ahead of its place in the log (SYNC.md §7.3), after checking
    /// its signature and its links'. Throws `.refused` for a notice that does not verify.
    public func recordNotice(_ bytes: [UInt8]) async throws(HubError) {
        let notice: ErasureNotice
        do { notice = try ErasureNotice.decode(bytes) } catch {
            throw HubError(.refused, "an erasure notice was refused: \(error.description)")
        }
        try await gate.inside { () async throws(HubError) in try await self.db.run("keeping an erasure notice", timeout: .seconds(60)) { client in
            try await client.withTransaction(logger: sqlLogger) { c in
                try await c.exec("SELECT pg_advisory_xact_lock(\(HubSchema.appendLock))")
                try await c.exec("INSERT INTO erasure_notices(id, bytes, received) VALUES (\(notice.erasure.id.buffer), \(ByteBuffer(bytes: notice.encoded)), \(Clock.nowMillis())) ON CONFLICT (id) DO NOTHING")
            }
        } }
    }

    /// After payloads were cut: rewrites the events table (`VACUUM FULL`), so the removed bytes
    /// are in none of its files; a plain VACUUM leaves freed space unzeroed in the pages.
    /// Appends and reads wait for the rewrite (an exclusive lock; erasures are rare). PostgreSQL's
    /// write-ahead log, archives and replicas keep the bytes until recycled (SECURITY.md §7.3).
    func compact() async {
        do {
            try await gate.inside { () async throws(HubError) in
                try await self.db.run("rewriting the events table after an erasure", timeout: .seconds(600)) { client in
                    try await client.withConnection { c in
                        try await Self.awaitNewerSnapshots(on: c)
                        try await c.exec("VACUUM FULL events")
                    }
                }
            }
            logger.info("erasure: the events table was rewritten; the erased payloads are in none of its files")
        } catch {
            logger.error("after an erasure the events table could not be rewritten (the erased bytes may stay in its files until VACUUM FULL events): \(error)")
        }
    }

    /// Before a rewrite after an erasure: the rewrite keeps a row version some open snapshot
    /// may still see (any backend's, in any database), or that a transaction still running
    /// began before (its xid holds the horizon back even between its snapshots), so wait, a
    /// few seconds at most, until every snapshot and transaction is newer than now.
    static func awaitNewerSnapshots(on c: PostgresConnection) async throws {
        var cut = ""
        for try await x in try await c.rows("SELECT (txid_current() % 4294967296)::text").decode(String.self) { cut = x }
        for _ in 0..<100 {
            var older: Int64 = 0
            for try await n in try await c.rows("""
                SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()
                  AND (age(backend_xmin) >= age(\(unescaped: "'\(cut)'")::xid) OR age(backend_xid) >= age(\(unescaped: "'\(cut)'")::xid))
                """).decode(Int64.self) { older = n }
            if older == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// `StubAuthority` over what an append read before deciding: the annotations kept notices
/// name, and the rows the batch has staged so far (SQLite's lookups see its own uncommitted
/// rows the same way).
final class HeldStubAuthority {
    var staged: [EventID: Event] = [:]
    private let prefetched: [EventID: Event]
    private var rule: StubAuthority!

    init(devices: DeviceMap, map: ErasureMap, notices: [ErasureNotice], prefetched: [EventID: Event]) {
        self.prefetched = prefetched
        rule = StubAuthority(devices: devices, map: map, notices: notices, held: { [unowned self] in self.staged[$0] ?? self.prefetched[$0] })
    }

    var isEmpty: Bool { rule.isEmpty }
    func erasure(of e: Event) throws -> EventID? { try rule.erasure(of: e) }
}
