import Foundation
import GlossCore
import GlossHub
import GlossReplay
import GlossTestSupport
import Synchronization
import Testing

/// The projection (the hub's state as rows in PostgreSQL) when several processes bring it up to
/// the log at once, while others append, and when its rows are damaged.
@Suite(.serialized) struct HubProjectionTests {
    static func history(seed: UInt64, steps: Int) -> HistoryGenerator {
        var g = HistoryGenerator(seed: seed)
        g.run(steps: steps)
        return g
    }

    /// Two processes append and two catch the projection up, all at once: the projection ends
    /// at the reference snapshot, each event applied once (the projection's lock).
    @Test func catchUpsRacingAppendsEndAtTheReference() async throws {
        let hub = try await TestHub.make()
        let g = Self.history(seed: 17, steps: 500)
        let reference = Snapshot(events: g.events)
        var rng = SeededRandom(seed: 5)
        let ordered = HistoryGenerator.randomTopologicalOrder(g.events, &rng)
        // Parents first within each writer's half: the second half waits for the first.
        let half = ordered.count / 2
        let writers = [hub.log, try hub.secondLog()]
        let projectors = [try hub.secondLog(), try hub.secondLog()]
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for (n, chunk) in stride(from: 0, to: half, by: 25).map({ Array(ordered[$0..<min(half, $0 + 25)]) }).enumerated() {
                    let answer = try await writers[n % 2].append(chunk)
                    guard case .stored = answer else { Issue.record("refused: \(answer)"); return }
                }
                for (n, chunk) in stride(from: half, to: ordered.count, by: 25).map({ Array(ordered[$0..<min(ordered.count, $0 + 25)]) }).enumerated() {
                    let answer = try await writers[n % 2].append(chunk)
                    guard case .stored = answer else { Issue.record("refused: \(answer)"); return }
                }
            }
            for p in projectors {
                group.addTask { for _ in 0..<15 { try await p.project() } }
            }
            try await group.waitForAll()
        }
        let projected = try await projectors[0].writeProjectedSnapshot(to: { _ in })
        #expect(projected.hash == reference.hash && projected.events == g.events.count)
        #expect(try hub.sql("SELECT count(*) FROM p_heads").trimmingCharacters(in: .whitespacesAndNewlines) == "\(EventSelection.heads(g.events).count)")
        for l in writers.dropFirst() + projectors { await l.db.close() }
        await hub.close()
    }

    /// Rows changed behind the hub's back are found by verify and mended by a rebuild; a row
    /// that does not decode is an error naming the rebuild, never a crash.
    @Test func aDamagedProjectionIsFoundAndRebuilt() async throws {
        let hub = try await TestHub.make()
        let g = Self.history(seed: 23, steps: 200)
        let reference = Snapshot(events: g.events)
        let answer = try await hub.log.append(g.events)
        guard case .stored(let r) = answer, r.stored.count == g.events.count else { Issue.record("\(answer)"); return }
        #expect(try await hub.log.writeProjectedSnapshot(to: { _ in }).hash == reference.hash)
        #expect(try await hub.log.projectionProblems().isEmpty)

        // Every annotation given the first one's state: a different snapshot.
        try hub.sql("UPDATE p_annotations SET state = (SELECT state FROM p_annotations ORDER BY id LIMIT 1)")
        let problems = try await hub.log.projectionProblems()
        #expect(problems.count == 1 && problems[0].message.contains("--rebuild"), "\(problems)")
        try await hub.log.invalidateProjection()
        #expect(try await hub.log.writeProjectedSnapshot(to: { _ in }).hash == reference.hash)
        #expect(try await hub.log.projectionProblems().isEmpty)

        // A row that does not decode.
        try hub.sql("UPDATE p_articles SET state = '\\x0102'::bytea")
        await #expect(throws: HubError.self) { _ = try await hub.log.writeProjectedSnapshot(to: { _ in }) }
        do { _ = try await hub.log.writeProjectedSnapshot(to: { _ in }) } catch {
            #expect("\(error)".contains("does not decode") && "\(error)".contains("--rebuild"), "\(error)")
        }
        // hub verify reports it as a problem, not a failure of its own.
        let unreadable = try await hub.log.projectionProblems()
        #expect(unreadable.count == 1 && unreadable[0].message.contains("cannot be read") && unreadable[0].message.contains("--rebuild"), "\(unreadable)")
        try await hub.log.invalidateProjection()
        #expect(try await hub.log.writeProjectedSnapshot(to: { _ in }).hash == reference.hash)
        await hub.close()
    }
}

extension HubProjectionTests {
    /// A hub made by the gloss before the projection (schema 1) is refused by serve and status
    /// until `hub init` upgrades it; the upgrade builds the projection from the log it holds.
    @Test func aSchemaOneHubIsUpgradedAndProjected() async throws {
        let hub = try await TestHub.make()
        let g = Self.history(seed: 29, steps: 120)
        guard case .stored = try await hub.log.append(g.events) else { Issue.record("refused"); return }
        try hub.sql("DROP TABLE hub_projection, p_articles, p_annotations, p_waiting, p_rejected, p_heads; UPDATE hub_meta SET value = '1' WHERE key = 'schema'")
        do { _ = try await hub.log.checkReady(); Issue.record("a schema-1 hub was accepted") } catch {
            #expect("\(error)".contains("run `gloss hub init` to upgrade it to \(HubSchema.version)"), "\(error)")
        }
        #expect(try await hub.log.initialize(key: hub.key.publicKey) == .upgraded(from: 1))
        #expect(try await hub.log.checkReady() == hub.key.publicKey)
        #expect(try await hub.log.projectionStatus() == HubProjectionStatus(projected: 0, logged: g.events.count, current: false))
        #expect(try await hub.log.writeProjectedSnapshot(to: { _ in }).hash == Snapshot(events: g.events).hash)
        await hub.close()
    }
}

extension HubProjectionTests {
    /// An erasure drops the erased annotation's row in its own transaction and marks the table
    /// for a rewrite; a rewrite a reader blocks (past the lock timeout) is tried again by the
    /// next catch-up, until the table is rewritten (a new file) and the mark cleared.
    /// On a cluster of its own: the reader's old snapshot would keep other tests' erased rows
    /// through their rewrites (a snapshot in any database of a cluster holds back VACUUM).
    @Test func anErasureRewritesTheAnnotationsTableEvenAfterABlockedTry() async throws {
        let cluster = try ThrowawayPostgres(fsync: false)
        defer { cluster.destroy() }
        let hub = try await TestHub.make(cluster: cluster)
        var g = HistoryGenerator(seed: 31)
        g.erasures = true
        g.run(steps: 300)
        guard let first = g.events.firstIndex(where: { $0.payloadKind == PayloadKind.annotationErased.rawValue }) else {
            Issue.record("the history has no erasure"); return
        }
        guard case .stored = try await hub.log.append(Array(g.events[..<first])) else { Issue.record("refused"); return }
        try await hub.log.project()
        func sql(_ q: String) throws -> String { try hub.sql(q).trimmingCharacters(in: .whitespacesAndNewlines) }
        let file = try sql("SELECT pg_relation_filepath('p_annotations')")
        guard case .stored = try await hub.log.append(Array(g.events[first...])) else { Issue.record("refused"); return }
        #expect(try Int(sql("SELECT compact FROM hub_projection")) ?? 0 > 0, "the erasure did not mark the table")

        // A reader holds the table until told to let go.
        try hub.sql("CREATE TABLE release_reader(x int)")
        let done = Mutex(false)
        let holder = "BEGIN; LOCK TABLE p_annotations IN ACCESS SHARE MODE; DO $$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM release_reader) LOOP PERFORM pg_sleep(0.1); END LOOP; END $$; COMMIT;"
        Thread.detachNewThread { _ = try? hub.sql(holder); done.withLock { $0 = true } }
        let held = "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'p_annotations' AND l.granted"
        for _ in 0..<100 where try sql(held) == "0" { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try sql(held) != "0", "the reader never took its lock")
        try await hub.log.project()
        #expect(try sql("SELECT pg_relation_filepath('p_annotations')") == file, "rewritten under a reader's lock")
        #expect(try Int(sql("SELECT compact FROM hub_projection")) ?? 0 > 0, "the mark went without a rewrite")

        try hub.sql("INSERT INTO release_reader VALUES (1)")
        for _ in 0..<100 where !done.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(100)) }
        try await hub.log.project()
        #expect(try sql("SELECT pg_relation_filepath('p_annotations')") != file, "the table was not rewritten once free")
        #expect(try sql("SELECT compact FROM hub_projection") == "0")
        #expect(try await hub.log.writeProjectedSnapshot(to: { _ in }).hash == Snapshot(events: g.events).hash)
        await hub.close()
    }
}
