import Foundation
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore
import GlossSync
import Testing
import GlossTestSupport

/// The projection (the state kept in SQLite as events are stored) against the reference replay
/// of MERGE.md (`LedgerState`): random histories delivered in random orders and batch splits,
/// through every way events enter a ledger, and after every batch the projection's snapshot
/// must equal the replay's of the same events, byte for byte.
@Suite struct ProjectionPropertyTests {
    /// The projection's snapshot bytes and hash (streamed), of the whole ledger or one article.
    static func projected(_ log: EventLog, article: Hash32? = nil) throws -> (bytes: [UInt8], hash: Hash32) {
        var bytes: [UInt8] = []
        let hash = try log.writeSnapshot(article: article) { bytes.append(contentsOf: $0) }
        return (bytes, hash)
    }

    /// Fails the test with the first differing bytes when the projection and the replay differ.
    static func expectAgrees(_ log: EventLog, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let events = try log.allEvents()
        let reference = Snapshot(events: events)
        // The fast replay of the log, too.
        let fast = try #require(try log.replay(.all))
        var fastBytes: [UInt8] = []
        _ = try fast.state.writeSnapshot(to: SnapshotWriter { fastBytes.append(contentsOf: $0) }, heads: fast.heads, eventCount: fast.count)
        #expect(fastBytes == reference.bytes, "\(label): the fast replay differs from the reference", sourceLocation: sourceLocation)
        #expect(fast.state.ineffective.count == LedgerState.replay(events).ineffective.count, "\(label): ineffective events", sourceLocation: sourceLocation)
        let mine = try projected(log)
        guard mine.bytes != reference.bytes else {
            #expect(mine.hash == reference.hash, sourceLocation: sourceLocation)
            return
        }
        let common = min(mine.bytes.count, reference.bytes.count)
        let i = (0..<common).first { mine.bytes[$0] != reference.bytes[$0] } ?? common
        func around(_ b: [UInt8]) -> String { String(decoding: b[max(0, i - 150)..<min(b.count, i + 150)], as: UTF8.self) }
        Issue.record("\(label): the projection differs from the replay at byte \(i)\nprojection: …\(around(mine.bytes))…\nreplay:     …\(around(reference.bytes))…",
                     sourceLocation: sourceLocation)
    }

    static func history(seed: UInt64, steps: Int) -> HistoryGenerator {
        var g = HistoryGenerator(seed: seed)
        g.run(steps: steps)
        return g
    }

    @Test func theHistoryHasEveryCase() throws {
        let g = Self.history(seed: 42, steps: 400)
        let state = LedgerState.replay(g.events)
        let reasons = state.ineffective.values
        #expect(reasons.contains { $0.contains("may not change") }, "a change by someone who may not")
        #expect(reasons.contains { $0.contains("own author as an editor") }, "an author naming itself")
        #expect(reasons.contains { $0.contains("no passage to re-anchor") }, "a reanchor of a reply")
        #expect(reasons.contains { $0.contains("may revise") }, "a revision by a non-adder")
        #expect(state.unknownKinds > 0, "unknown kinds")
        #expect(state.annotations.values.contains { !$0.body.conflicts.isEmpty }, "a conflict")
        #expect(state.articles.values.contains { $0.isRevised }, "a revised article")
        #expect(state.articles.values.contains { $0.adders.count > 1 }, "several adders of one text")
        #expect(state.annotations.values.contains { $0.reanchors != nil }, "a reanchor")
        #expect(state.annotations.values.contains { $0.isDeleted }, "a deletion")
    }

    /// Bundle imports in random orders and random batch sizes; checked after every batch.
    @Test(arguments: [1 as UInt64, 2, 3, 4])
    func bundlesInAnyOrderAgreeAfterEveryBatch(seed: UInt64) throws {
        let dir = try TempDir()
        let g = Self.history(seed: seed, steps: 300)
        var rng = SeededRandom(seed: seed &* 31)
        let reference = Snapshot(events: g.events)
        for n in 0..<3 {
            let order = HistoryGenerator.randomTopologicalOrder(g.events, &rng)
            let log = try EventLog(path: "\(dir.path)/b\(n).sqlite", create: true)
            var i = 0
            while i < order.count {
                let k = Int.random(in: 1...60, using: &rng)
                // A batch may repeat events already held: they are skipped, not applied twice.
                let again = i > 0 && Bool.random(using: &rng) ? [order[Int.random(in: 0..<i, using: &rng)]] : []
                _ = try BundleExchange.import(Bundle.encode(again + Array(order[i..<min(order.count, i + k)])), into: log)
                try Self.expectAgrees(log, "seed \(seed), order \(n), after \(i + k) events")
                i += k
            }
            #expect(try Self.projected(log).hash == reference.hash)
            // One article's snapshot too.
            for article in Set(LedgerState.replay(g.events).articles.keys) {
                #expect(try Self.projected(log, article: article).bytes == Snapshot(events: g.events, article: article).bytes)
            }
        }
    }

    static func deviceHistory(seed: UInt64, steps: Int) -> HistoryGenerator {
        var g = HistoryGenerator(seed: seed)
        g.devices = true
        g.run(steps: steps)
        return g
    }

    /// The device histories hold the cases that matter: effective links and revocations,
    /// refused device events, events void by a revocation, annotations by a linked device.
    @Test func theDeviceHistoryHasEveryCase() throws {
        let state = LedgerState.replay(Self.deviceHistory(seed: 5, steps: 500).events)
        #expect(!state.devices.links.isEmpty, "a device linked")
        #expect(!state.devices.revocations.isEmpty, "a device revoked")
        #expect(state.devices.ineffective.values.contains { $0.contains("consent") }, "a consent that does not verify")
        #expect(state.devices.ineffective.values.contains { $0.contains("not a device") }, "a signer outside the identity")
        #expect(state.ineffective.values.contains { $0.contains("after its revocation") }, "an event void by a revocation")
        #expect(state.annotations.values.contains { $0.created.device != nil }, "an annotation by a linked device")
    }

    /// A ledger that received `events` in a random order, by bundles of random sizes up to
    /// `maxBatch`, the projection checked against the replays after every one.
    static func importedInRandomBatches(_ events: [Event], path: String, maxBatch: Int, _ rng: inout SeededRandom, _ label: String,
                                        sourceLocation: SourceLocation = #_sourceLocation) throws -> EventLog {
        let order = HistoryGenerator.randomTopologicalOrder(events, &rng)
        let log = try EventLog(path: path, create: true)
        var i = 0
        while i < order.count {
            let k = Int.random(in: 1...maxBatch, using: &rng)
            _ = try BundleExchange.import(Bundle.encode(Array(order[i..<min(order.count, i + k)])), into: log)
            try expectAgrees(log, "\(label), after \(i + k) events", sourceLocation: sourceLocation)
            i += k
        }
        return log
    }

    /// Histories where authors link one another as devices of one identity and revoke devices
    /// (MERGE.md §18), delivered in random orders and batches: the device map is a function of
    /// the set, so the projection (rebuilt when a batch changes the map), the fast replay and
    /// the reference agree after every batch, and every order ends in one snapshot.
    @Test(arguments: [5 as UInt64, 6, 7, 8])
    func devicesAndRevocationsInAnyOrderAgree(seed: UInt64) throws {
        let dir = try TempDir()
        let g = Self.deviceHistory(seed: seed, steps: 260)
        let reference = Snapshot(events: g.events)
        var rng = SeededRandom(seed: seed &* 131)
        for n in 0..<3 {
            let log = try Self.importedInRandomBatches(g.events, path: "\(dir.path)/d\(n).sqlite", maxBatch: 40, &rng,
                                                       "devices, seed \(seed), order \(n)")
            #expect(try Self.projected(log).hash == reference.hash, "seed \(seed), order \(n)")
        }
    }

    /// Histories with devices and erasures, in random orders and batches: after every batch the
    /// projection (whose log now holds erased events as header and signature only) agrees with
    /// the reference replay of the whole events, so erasing never depends on a payload; and no
    /// erased payload is left in the log.
    @Test(arguments: [11 as UInt64, 12, 13])
    func erasuresInAnyOrderAgree(seed: UInt64) throws {
        let dir = try TempDir()
        var g = HistoryGenerator(seed: seed)
        g.devices = true
        g.erasures = true
        g.run(steps: 300)
        let reference = Snapshot(events: g.events)
        let state = LedgerState.replay(g.events)
        var rng = SeededRandom(seed: seed &* 977)
        for n in 0..<2 {
            let log = try Self.importedInRandomBatches(g.events, path: "\(dir.path)/e\(n).sqlite", maxBatch: 50, &rng,
                                                       "erasures, seed \(seed), order \(n)")
            #expect(try Self.projected(log).hash == reference.hash, "seed \(seed), order \(n)")
            let held = try log.allEvents()
            for e in held where state.erasures.erasedEvents[e.id] != nil {
                #expect(e.isErased, "seed \(seed): erased event \(e.id.short()) still holds its payload")
            }
            #expect(held.contains { $0.isErased } == !state.erasures.erasedEvents.isEmpty)
        }
    }

    @Test func theErasureHistoryHasEveryCase() throws {
        var g = HistoryGenerator(seed: 11)
        g.devices = true
        g.erasures = true
        g.run(steps: 500)
        let state = LedgerState.replay(g.events)
        #expect(state.annotations.values.contains { $0.erasure != nil && !$0.isReply }, "an erased passage annotation")
        #expect(state.annotations.values.contains { $0.erasure != nil && !$0.replies.isEmpty }, "an erased annotation with replies")
        #expect(state.erasures.ineffective.values.contains { $0.contains("is not the author") }, "someone else's erasure")
        #expect(state.ineffective.values.contains { $0.contains("was erased") }, "a change of an erased annotation")
    }

    /// Events stored one at a time in the order of `append` (the path a sync batch takes, one
    /// event per batch: the worst case for waiting and waking).
    @Test func oneEventAtATimeAgrees() throws {
        let dir = try TempDir()
        let g = Self.history(seed: 77, steps: 250)
        var rng = SeededRandom(seed: 9)
        let log = try EventLog(path: "\(dir.path)/one.sqlite", create: true)
        for (i, e) in HistoryGenerator.randomTopologicalOrder(g.events, &rng).enumerated() {
            try log.append([e])
            if i % 10 == 0 { try Self.expectAgrees(log, "after \(i + 1) events") }
        }
        try Self.expectAgrees(log, "at the end")
    }

    /// Two ledgers holding different parts of the history sync through the real session (in
    /// memory, real SQLite); both projections must equal the replay of everything.
    @Test func syncIngestAgrees() throws {
        let dir = try TempDir()
        let g = Self.history(seed: 5, steps: 300)
        var rng = SeededRandom(seed: 11)
        let order = HistoryGenerator.randomTopologicalOrder(g.events, &rng)
        let a = try LocalSyncSide(path: dir.path + "/a.sqlite"), b = try LocalSyncSide(path: dir.path + "/b.sqlite")
        // Causally closed parts: prefixes of two different parent-first orders.
        _ = try BundleExchange.import(Bundle.encode(Array(order.prefix(order.count * 2 / 3))), into: a.log)
        let other = HistoryGenerator.randomTopologicalOrder(g.events, &rng)
        _ = try BundleExchange.import(Bundle.encode(Array(other.prefix(order.count / 2))), into: b.log)
        try a.begin(role: .client, allow: [b.key.publicKey], window: 2)
        try b.begin(role: .server, allow: [a.key.publicKey], window: 2)
        LocalSyncSide.exchange(a, b)
        #expect(a.failure == nil && b.failure == nil)
        let union = Set(order.prefix(order.count * 2 / 3).map(\.id)).union(other.prefix(order.count / 2).map(\.id))
        #expect(try a.log.count() == union.count && b.log.count() == union.count)
        try Self.expectAgrees(a.log, "client")
        try Self.expectAgrees(b.log, "server")
        #expect(try Self.projected(a.log).hash == Self.projected(b.log).hash)
    }

    /// The ledger's own author writes through `appendOwn` (reading heads and registers from the
    /// projection, as the commands do) while other authors' events arrive by bundle.
    @Test func ownAppendsInterleavedWithImportsAgree() throws {
        let dir = try TempDir()
        let g = Self.history(seed: 8, steps: 200)
        var rng = SeededRandom(seed: 13)
        let order = HistoryGenerator.randomTopologicalOrder(g.events, &rng)
        let key = SigningKey()
        let log = try EventLog(path: dir.path + "/own.sqlite", create: true)
        var i = 0
        var t: Int64 = 1000
        while i < order.count {
            let k = Int.random(in: 1...40, using: &rng)
            _ = try BundleExchange.import(Bundle.encode(Array(order[i..<min(order.count, i + k)])), into: log)
            i += k
            // A few own events on what the projection shows.
            var payloads: [Payload] = []
            var ids: [EventID] = []
            try log.forEachAnnotation(includeDeleted: true) { ids.append($0.id) }
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                t += 1
                guard let id = ids.randomElement(using: &rng), let a = try log.annotation(id) else { break }
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: payloads.append(.annotationCreated(AnnotationCreated(article: a.article, target: .reply(to: a.id), motivation: "replying", body: "own \(t)", tags: [])))
                case 1: payloads.append(.bodyEdited(BodyEdited(annotation: a.id, pred: try log.heads(of: a.id, .body), body: "own edit \(t)")))
                case 2: payloads.append(.tagsChanged(TagsChanged(annotation: a.id, add: ["own"], remove: [], pred: [])))
                case 3:
                    let change = StateChange(annotation: a.id, pred: try log.heads(of: a.id, .deleted))
                    payloads.append(a.isDeleted ? .annotationRestored(change) : .annotationDeleted(change))
                default:
                    if let tag = a.tags.first {
                        payloads.append(.tagsChanged(TagsChanged(annotation: a.id, add: [], remove: [tag], pred: try log.tagAdditions(a.id, tag: tag))))
                    }
                }
            }
            if !payloads.isEmpty { _ = try log.appendOwn(key: key, payloads: payloads, time: t) }
            try Self.expectAgrees(log, "after \(i) imported events")
        }
    }

    /// A projection that is missing, stale (events appended behind it) or of another format is
    /// caught up or rebuilt on open, and then agrees with the log.
    @Test func aStaleOrForeignProjectionIsRepairedOnOpen() throws {
        let dir = try TempDir()
        let g = Self.history(seed: 21, steps: 150)
        let path = dir.path + "/r.sqlite"
        let log = try EventLog(path: path, create: true)
        _ = try BundleExchange.import(Bundle.encode(Array(g.events.prefix(100))), into: log)
        let raw = try SQLiteConnection(path: path, create: false)
        // Behind: the projection of the first 70 rows, then 30 rows appended by a gloss that kept
        // no projection (an older version): they are applied on open.
        let behind = try EventLog(path: dir.path + "/behind.sqlite", create: true)
        _ = try BundleExchange.import(Bundle.encode(Array(try log.allEvents().prefix(70))), into: behind)
        let rawBehind = try SQLiteConnection(path: dir.path + "/behind.sqlite", create: false)
        try rawBehind.execute("ATTACH '\(path)' AS full; INSERT INTO events SELECT * FROM full.events WHERE rowid > 70; DELETE FROM heads; INSERT INTO heads SELECT * FROM full.heads; DETACH full")
        var reopened = try EventLog(path: dir.path + "/behind.sqlite")
        #expect(reopened.projectionRepair == .caughtUp(events: 30))
        try Self.expectAgrees(reopened, "caught up")
        // Another format: rebuilt on open.
        _ = log
        try raw.execute("UPDATE projection SET format = 999")
        reopened = try EventLog(path: path)
        guard case .rebuilt(let n, _) = reopened.projectionRepair else { Issue.record("not rebuilt: \(reopened.projectionRepair)"); return }
        #expect(n == 100)
        try Self.expectAgrees(reopened, "after a format change")
        // Missing (a ledger made before the projection existed).
        try raw.execute("DROP TABLE projection")
        reopened = try EventLog(path: path)
        guard case .rebuilt = reopened.projectionRepair else { Issue.record("not rebuilt: \(reopened.projectionRepair)"); return }
        // A row it claims that the log does not hold (the file was swapped under it).
        try raw.execute("UPDATE projection SET last_id = zeroblob(32)")
        reopened = try EventLog(path: path)
        guard case .rebuilt = reopened.projectionRepair else { Issue.record("not rebuilt: \(reopened.projectionRepair)"); return }
        _ = try BundleExchange.import(Bundle.encode(g.events), into: reopened)
        try Self.expectAgrees(reopened, "after the rest arrived")
    }

    /// A ledger as the previous version of gloss left it (schema 4: checkpoints, a separate
    /// search index, no projection) opens, is migrated and gets its projection, unasked.
    @Test func aLedgerOfThePreviousVersionUpgradesOnOpen() throws {
        let dir = try TempDir()
        let g = Self.history(seed: 31, steps: 120)
        let path = dir.path + "/old.sqlite"
        let log = try EventLog(path: path, create: true)
        _ = try BundleExchange.import(Bundle.encode(g.events), into: log)
        let raw = try SQLiteConnection(path: path, create: false)
        for t in ["projection", "p_articles", "p_adders", "p_revisions", "p_annotations", "p_writes", "p_replaced", "p_tags",
                  "p_untagged", "p_history", "p_ineffective", "p_search", "p_search_dirty", "p_tips", "p_anchors"] {
            try raw.execute("DROP TABLE IF EXISTS \(t)")
        }
        try raw.execute("""
            DROP TABLE erasures;
            DROP TABLE erasure_notices;
            DROP INDEX events_erasures;
            DROP TRIGGER events_erased_insert;
            DROP TRIGGER events_append_only_update;
            CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'gloss: the event log is append-only; events cannot be changed'); END;
            DROP INDEX events_devices;
            DROP INDEX events_lamport;
            ALTER TABLE events DROP COLUMN tag;
            CREATE TABLE checkpoints(upto INTEGER PRIMARY KEY, event_count INTEGER NOT NULL, last_id BLOB NOT NULL,
                format INTEGER NOT NULL, state BLOB NOT NULL, state_hash BLOB NOT NULL, created INTEGER NOT NULL);
            CREATE VIRTUAL TABLE search USING fts5(quote, comment, tags, annotation UNINDEXED, article UNINDEXED,
                author UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');
            INSERT INTO settings(key, value) VALUES ('checkpoint.every', '1000');
            PRAGMA user_version = 4;
            """)
        var announced: (Int, Bool)?
        let upgraded = try EventLog(path: path, willRepair: { announced = ($0, $1) })
        guard case .rebuilt(let n, _) = upgraded.projectionRepair else { Issue.record("not rebuilt: \(upgraded.projectionRepair)"); return }
        #expect(n == g.events.count)
        #expect(announced?.0 == g.events.count && announced?.1 == true, "the caller is told before the rebuild")
        try Self.expectAgrees(upgraded, "upgraded")
        let reader = try SQLiteConnection(path: path, create: false)
        let version = try reader.statement("PRAGMA user_version")
        _ = try version.step()
        #expect(version.int(0) >= 6)
        let old = try reader.statement("SELECT count(*) FROM sqlite_master WHERE name IN ('checkpoints', 'search')")
        _ = try old.step()
        #expect(old.int(0) == 0, "the checkpoint blobs and the old index are gone")

        #expect(try upgraded.setting("checkpoint.every") == nil)
        // Its rows have no integrity tags: they are relayed after a full signature check.
        let exported = try BundleExchange.export(upgraded, since: nil, to: { _ in })
        #expect(exported.count == g.events.count && exported.quarantined.isEmpty)
    }
}
