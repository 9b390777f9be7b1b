import Foundation
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore
import Testing

@Suite struct CheckpointTests {
    /// A ledger with a few hundred events from three authors.
    static func ledger(_ dir: TempDir, steps: Int = 300) throws -> EventLog {
        let (events, _) = try MergePropertyTests.history(seed: 5, steps: steps, dir: dir)
        let log = try EventLog(path: dir.path + "/cp.sqlite", create: true)
        _ = try BundleExchange.import(Bundle.encode(events), into: log)
        return log
    }

    func snapshotHash(_ l: LoadedState, _ log: EventLog) throws -> Hash32 {
        Snapshot(state: l.state, heads: try log.heads(), eventCount: l.eventCount).hash
    }

    @Test func checkpointPlusTailEqualsFullReplay() throws {
        let dir = try TempDir()
        let log = try Self.ledger(dir)
        let full = try StateLoader.load(log, useCheckpoints: false, writeCheckpoint: false)
        try log.setSetting(StateLoader.everySetting, "50")
        let first = try StateLoader.load(log)  // replays all, stores a checkpoint
        #expect(first.checkpointRow == nil)
        // More events arrive (a tail), including ones with low lamports from a late peer.
        let other = try TempDir()
        let (more, _) = try MergePropertyTests.history(seed: 6, steps: 120, dir: other)
        _ = try BundleExchange.import(Bundle.encode(more), into: log)
        let withCheckpoint = try StateLoader.load(log, writeCheckpoint: false)
        #expect(withCheckpoint.checkpointRow != nil, "the checkpoint was used")
        #expect(withCheckpoint.tailCount == more.count)
        let fullAgain = try StateLoader.load(log, useCheckpoints: false, writeCheckpoint: false)
        #expect(try snapshotHash(withCheckpoint, log) == snapshotHash(fullAgain, log))
        #expect(try snapshotHash(fullAgain, log) != snapshotHash(full, log))
        #expect(StateCodec.encode(withCheckpoint.state) == StateCodec.encode(fullAgain.state))
    }

    @Test func aCheckpointThatDoesNotMatchIsIgnored() throws {
        let dir = try TempDir()
        let log = try Self.ledger(dir)
        try log.setSetting(StateLoader.everySetting, "10")
        let truth = try snapshotHash(try StateLoader.load(log), log)
        let raw = try SQLiteConnection(path: dir.path + "/cp.sqlite", create: false)
        // A flipped byte in the state: its hash no longer matches.
        try raw.execute("UPDATE checkpoints SET state = CAST(zeroblob(length(state)) AS BLOB)")
        var l = try StateLoader.load(log, writeCheckpoint: false)
        #expect(l.checkpointRow == nil && l.rejectedCheckpoints == 1)
        #expect(try snapshotHash(l, log) == truth)
        // A forged checkpoint whose hash matches but that claims the wrong frontier.
        try raw.execute("DELETE FROM checkpoints")
        try log.saveCheckpoint(upto: 5, format: StateCodec.format, state: StateCodec.encode(LedgerState()))
        try raw.execute("UPDATE checkpoints SET event_count = 4")
        l = try StateLoader.load(log, writeCheckpoint: false)
        #expect(l.checkpointRow == nil && l.rejectedCheckpoints == 1)
        // A checkpoint of another format.
        try raw.execute("UPDATE checkpoints SET event_count = 5, format = 999")
        l = try StateLoader.load(log, writeCheckpoint: false)
        #expect(l.checkpointRow == nil)
        #expect(try snapshotHash(l, log) == truth)
    }

    @Test func stateCodecRoundTrips() throws {
        let dir = try TempDir()
        let log = try Self.ledger(dir, steps: 200)
        let s = try StateLoader.load(log, useCheckpoints: false).state
        let bytes = StateCodec.encode(s)
        #expect(StateCodec.encode(try StateCodec.decode(bytes)) == bytes)
        #expect(throws: DecodeError.self) { try StateCodec.decode(Array(bytes.dropLast())) }
    }
}
