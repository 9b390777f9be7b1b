import GlossCore
import GlossReplay
import GlossStore

/// A ledger's replayed state, and how it was obtained.
public struct LoadedState: Sendable {
    public let state: LedgerState
    /// Events in the log (all of them are in `state`).
    public let eventCount: Int
    /// The row the checkpoint covered, when one was used.
    public let checkpointRow: Int64?
    /// Events replayed on top of the checkpoint (or from nothing).
    public let tailCount: Int
    /// Checkpoints that did not match the log and were ignored.
    public let rejectedCheckpoints: Int
}

/// Opens a ledger's state: the newest checkpoint that matches the log, plus the events after
/// it; writes a new checkpoint when the tail has grown past the `checkpoint.every` setting.
public enum StateLoader {
    public static let everySetting = "checkpoint.every"
    public static let defaultEvery = 1000

    public static func every(_ log: EventLog) throws(StoreError) -> Int {
        Int(try log.setting(everySetting) ?? "") ?? defaultEvery
    }

    public static func load(_ log: EventLog, useCheckpoints: Bool = true, writeCheckpoint: Bool = true) throws(StoreError) -> LoadedState {
        var state = LedgerState()
        var from: Int64 = 0
        var rejected = 0
        var used: Int64?
        if useCheckpoints {
            let (cp, bad) = try log.latestValidCheckpoint(format: StateCodec.format)
            rejected = bad
            if let cp, let decoded = try? StateCodec.decode(cp.state) {
                state = decoded
                from = cp.upto
                used = cp.upto
            } else if cp != nil {
                rejected += 1
            }
        }
        var tailCount = 0
        let last = try log.forEachEvent(afterRow: from) { e in
            state.apply(e)
            tailCount += 1
        }
        if writeCheckpoint, tailCount >= max(1, try every(log)) {
            // A checkpoint is a cache: failing to write one must not fail the command.
            try? log.saveCheckpoint(upto: last, format: StateCodec.format, state: StateCodec.encode(state))
        }
        return LoadedState(state: state, eventCount: state.applied, checkpointRow: used,
                           tailCount: tailCount, rejectedCheckpoints: rejected)
    }
}
