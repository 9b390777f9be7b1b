import GlossCore
import GlossHub
import GlossReplay
import GlossStore
import GlossTestSupport
import Testing

/// The hub's log against a real PostgreSQL: the same decisions as a SQLite ledger (random
/// histories with devices and erasures give the reference snapshot), the database's own
/// append-only rules, and several processes appending at once.
@Suite(.serialized) struct HubLogTests {
    static func chain(_ key: SigningKey, _ n: Int, from prev: Event? = nil, body: UInt8 = 1) -> [Event] {
        signedChain(key, n, after: prev, body: [body])
    }

    @Test(arguments: [3, 21] as [UInt64])
    func randomHistoriesInRandomBatchesGiveTheReferenceSnapshot(seed: UInt64) async throws {
        let hub = try await TestHub.make()
        var g = HistoryGenerator(seed: seed)
        g.devices = true
        g.erasures = true
        g.run(steps: 250)
        let reference = Snapshot(events: g.events)
        let state = LedgerState.replay(g.events)
        var rng = SeededRandom(seed: seed &* 31)
        let ordered = HistoryGenerator.randomTopologicalOrder(g.events, &rng)
        var i = 0
        var stored = 0
        // The projection is brought up to the log now and then, by this process or another,
        // so devices and erasures arriving later make it rebuild.
        let other = try hub.secondLog()
        var projections = 0, rebuilds = 0
        while i < ordered.count {
            let n = Int.random(in: 1...40, using: &rng)
            let batch = Array(ordered[i..<min(ordered.count, i + n)])
            // Now and then a batch offered twice: the second time, all already held.
            let answer = try await hub.log.append(batch)
            guard case .stored(let r) = answer else { Issue.record("seed \(seed): batch at \(i) refused: \(answer)"); break }
            stored += r.stored.count
            if Int.random(in: 0..<8, using: &rng) == 0 {
                #expect(try await hub.log.append(batch) == .stored(AppendResult(stored: [], alreadyHad: batch.count)))
            }
            if Bool.random(using: &rng) {
                let (_, rebuilt) = try await (Bool.random(using: &rng) ? hub.log : other).project()
                projections += 1
                if rebuilt { rebuilds += 1 }
            }
            i += n
        }
        // The first catch-up builds the rows; a later rebuild is a device or erasure arriving.
        #expect(projections > 3 && rebuilds > 1, "seed \(seed): \(projections) catch-ups, \(rebuilds) rebuilds")
        #expect(stored == g.events.count)
        let replay = try await hub.log.replay()
        #expect(try replay.state.snapshotHash(heads: replay.heads, eventCount: replay.count) == reference.hash, "seed \(seed)")
        let verified = try await hub.log.verify()
        #expect(verified.problems.isEmpty, "\(verified.problems)")
        #expect(verified.events == g.events.count)
        // The projection's snapshot is the reference's, byte for byte.
        let bytes = ByteBox()
        let projected = try await other.writeProjectedSnapshot(to: { bytes.append($0) })
        #expect(projected.hash == reference.hash && projected.events == g.events.count, "seed \(seed): the projection's snapshot")
        #expect(bytes.bytes == reference.bytes)
        #expect(try await hub.log.projectionProblems().isEmpty)
        #expect(try await hub.log.projectionStatus() == HubProjectionStatus(projected: g.events.count, logged: g.events.count, current: true))
        await other.db.close()
        // Every payload an effective erasure removes is gone from the hub's rows.
        let held = try await hub.log.events(Array(state.erasures.erasedEvents.keys))
        for (id, e) in held { #expect(e.isErased, "seed \(seed): erased event \(id.short()) still holds its payload") }
        #expect(held.count == state.erasures.erasedEvents.count)
        await hub.close()
    }

    @Test func theDatabaseRefusesEveryChangeButAnErasuresCut() async throws {
        let hub = try await TestHub.make()
        let key = SigningKey()
        let events = Self.chain(key, 2)
        #expect(try await hub.log.append(events) == .stored(AppendResult(stored: events.map(\.id))))
        let id = "'\\x\(events[0].id.hex)'::bytea"
        for (what, sql) in [
            ("delete", "DELETE FROM events WHERE id = \(id)"),
            ("update a column", "UPDATE events SET time = 5 WHERE id = \(id)"),
            ("update the bytes", "UPDATE events SET bytes = bytes || '\\x00'::bytea WHERE id = \(id)"),
            ("cut without an erasure", "UPDATE events SET bytes = substring(bytes FROM 1 FOR 94) || substring(bytes FROM length(bytes) - 63) WHERE id = \(id)"),
            ("truncate", "TRUNCATE events CASCADE"),
            ("an erasure nothing names", "INSERT INTO erasures(target, erasure) VALUES (\(id), \(id))"),
        ] {
            #expect(throws: (any Error).self, "\(what) was allowed") { try hub.sql(sql) }
        }
        #expect(try hub.sql("SELECT count(*) FROM events").trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        #expect(try await hub.log.verify().problems.isEmpty)
        // A trigger disabled by the database's owner is reported.
        try hub.sql("ALTER TABLE events DISABLE TRIGGER events_update")
        let problems = try await hub.log.triggerProblems()
        #expect(problems.count == 1 && problems[0].message.contains("events_update on events is disabled"), "\(problems)")
        // Initialising again changes nothing; another key is refused.
        #expect(try await hub.log.initialize(key: hub.key.publicKey) == .unchanged)
        await #expect(throws: HubError.self) { _ = try await hub.log.initialize(key: SigningKey().publicKey) }
        await #expect(throws: HubError.self) { _ = try await hub.log.checkReady(key: SigningKey().publicKey) }
        await hub.close()
    }

    @Test func refusalsStoreNothingAndForksAreKeptAsEvidence() async throws {
        let hub = try await TestHub.make()
        let a = SigningKey()
        let chain = Self.chain(a, 3)
        // A missing parent: nothing of the batch is stored.
        guard case .refused(let why, fork: false) = try await hub.log.append([chain[0], chain[2]]) else { Issue.record("accepted a gap"); return }
        #expect(why.contains("does not hold"))
        #expect(try await hub.log.counts().events == 0)
        // A bad signature.
        var bytes = chain[0].bytes
        bytes[bytes.count - 1] ^= 1
        let forged = try Event.decode(bytes)
        guard case .refused(_, fork: false) = try await hub.log.append([forged]) else { Issue.record("accepted a bad signature"); return }
        // A fork: the second event at seq 1 is kept as evidence, the author refused after.
        _ = try await hub.log.append(Array(chain[0...1]))
        let twin = Self.chain(a, 1, body: 2)[0]
        guard case .refused(_, fork: true) = try await hub.log.append([twin]) else { Issue.record("fork not refused"); return }
        #expect(try await hub.log.forkedFrom() == [a.publicKey: 1])
        #expect(throws: (any Error).self, "fork evidence was deleted") { try hub.sql("DELETE FROM forks") }
        #expect(throws: (any Error).self, "fork evidence was changed") { try hub.sql("UPDATE forks SET seq = 2") }
        guard case .refused(_, fork: false) = try await hub.log.append([chain[2]]) else { Issue.record("a forked author accepted"); return }
        #expect(try await hub.log.forkTwins(of: [(a.publicKey, 1, twin.id)]).map(\.id) == [chain[0].id])
        await hub.close()
    }

    /// Two processes (two pools) appending for one author at once, many times over: never two
    /// events at one seq in the log; the loser's event is kept as fork evidence (or was the
    /// same event, already held).
    @Test func racingWritersNeverStoreTwoEventsAtOneSeq() async throws {
        let hub = try await TestHub.make()
        let other = try hub.secondLog()
        var forks = 0, same = 0
        for round in 0..<60 {
            let key = SigningKey()
            let mine = Self.chain(key, 3, body: 1)
            let theirs = round % 3 == 0 ? mine : Self.chain(key, 3, body: 2)
            async let x = hub.log.append(mine)
            async let y = other.append(theirs)
            let (ax, ay) = try await (x, y)
            let count = try hub.sql("SELECT count(*) FROM events WHERE author = '\\x\(key.publicKey.hex)'::bytea").trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(count == "3", "round \(round): \(count) events stored for three seats")
            switch (ax, ay) {
            case (.stored(let r), .stored(let s)):
                #expect(mine == theirs && r.stored.count + s.stored.count == 3, "round \(round): both stored different events")
                same += 1
            case (.stored, .refused(_, fork: true)), (.refused(_, fork: true), .stored):
                #expect(mine != theirs)
                #expect(try await hub.log.forkedFrom()[key.publicKey] == 1, "round \(round): the evidence was not kept")
                forks += 1
            default:
                Issue.record("round \(round): \(ax) / \(ay)")
            }
        }
        #expect(forks == 40 && same == 20)
        // Verify finds nothing wrong but the forty forks, each listed as evidence.
        let problems = try await hub.log.verify().problems
        #expect(problems.count == 40 && problems.allSatisfy { $0.message.contains("forked its chain at seq 1") }, "\(problems.prefix(3))")
        await other.db.close()
        await hub.close()
    }

    /// A reader paging through the log while two processes append must see every event: rows
    /// become visible in the order of their positions (the append lock), never one skipped.
    @Test func aReaderPagingDuringAppendsMissesNothing() async throws {
        let hub = try await TestHub.make()
        let other = try hub.secondLog()
        let a = Self.chain(SigningKey(), 200), b = Self.chain(SigningKey(), 200)
        async let wa: Void = {
            for i in stride(from: 0, to: 200, by: 5) { _ = try await hub.log.append(Array(a[i..<(i + 5)])) }
        }()
        async let wb: Void = {
            for i in stride(from: 0, to: 200, by: 5) { _ = try await other.append(Array(b[i..<(i + 5)])) }
        }()
        var seen: Set<EventID> = []
        var cursor: Int64 = 0
        var filter = RelayFilter()
        while seen.count < 400 {
            let page = try await hub.log.outgoing(after: cursor, peer: Frontier(), filter: &filter, maxEvents: 7, maxBytes: 1 << 20)
            for e in page.events { #expect(seen.insert(e.id).inserted) }
            cursor = page.lastPos
            if page.events.isEmpty { try await Task.sleep(for: .milliseconds(2)) }
        }
        _ = try await (wa, wb)
        #expect(seen == Set((a + b).map(\.id)))
        await other.db.close()
        await hub.close()
    }

    @Test func anUnreachableDatabaseSaysTryAgain() async throws {
        let port = try ThrowawayPostgres.freePort()
        let log = HubLog(HubDatabase(url: try HubURL("postgres://gloss@127.0.0.1:\(port)/none?sslmode=disable"), connections: 2))
        do {
            _ = try await log.frontier()
            Issue.record("a closed port answered")
        } catch {
            #expect(error.code == .unavailable, "\(error)")
            #expect(error.message.lowercased().contains("try again") && error.message.contains("connection refused"), "\(error)")
        }
        await log.db.close()
    }

    @Test func urlsAreParsedAndPasswordsNeverShown() throws {
        let u = try HubURL("postgres://ann:s3cret@db.example:6543/gloss?sslmode=require", environment: [:])
        #expect(u.user == "ann" && u.password == "s3cret" && u.host == "db.example" && u.port == 6543 && u.database == "gloss" && u.tls == .require)
        #expect(!u.description.contains("s3cret"))
        #expect(try HubURL("postgresql://h/d", environment: ["PGPASSWORD": "pw", "PGUSER": "bob"]).password == "pw")
        #expect(try HubURL("postgres:///d?host=/run/pg", environment: [:]).socketFolder == "/run/pg")
        for bad in ["mysql://h/d", "postgres://h/", "postgres://h/d?sslmode=maybe", "postgres://h/d?colour=red", "postgres://u:pw@h:99999/d"] {
            #expect(throws: HubURL.Invalid.self, "\(bad)") { try HubURL(bad, environment: [:]) }
        }
        do { _ = try HubURL("mysql://u:hidden@h/d", environment: [:]) } catch { #expect(!error.description.contains("hidden")) }
        #expect(try HubURL("postgres://h/d?password=pw2&user=carl", environment: [:]).password == "pw2")
        do { _ = try HubURL("postgres://h/d?password=hunter2&colour=red", environment: [:]) } catch {
            #expect(!error.description.contains("hunter2"), "\(error)")
        }
    }
}
