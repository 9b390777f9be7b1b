import GlossCore

/// A stored checkpoint: an opaque state (its encoding belongs to GlossReplay) covering exactly
/// the events in rows 1…`upto` of the log.
public struct StoredCheckpoint: Sendable {
    public let upto: Int64
    public let eventCount: Int
    public let lastID: EventID
    public let format: Int
    public let state: [UInt8]
}

extension EventLog {
    /// Stores a checkpoint of the state after rows 1…`upto`. Older checkpoints are kept: a newest
    /// one that no longer matches the log is skipped for the next older one that does.
    public func saveCheckpoint(upto: Int64, format: Int, state: [UInt8]) throws(StoreError) {
        try wrap {
            try db.transaction {
                let s = try db.statement("SELECT count(*), (SELECT id FROM events WHERE rowid = ?) FROM events WHERE rowid <= ?")
                s.bind(1, upto).bind(2, upto)
                guard try s.step(), !s.isNull(1) else { throw StoreError(.io, "no event at row \(upto) to checkpoint") }
                let count = s.int(0), last = s.blob(1)
                try db.statement("INSERT OR REPLACE INTO checkpoints(upto, event_count, last_id, format, state, state_hash, created) VALUES (?, ?, ?, ?, ?, ?, ?)")
                    .bind(1, upto).bind(2, count).bind(3, blob: last).bind(4, Int64(format))
                    .bind(5, blob: state).bind(6, blob: SHA256.hash(state).bytes).bind(7, Clock.nowMillis()).run()
            }
        }
    }

    /// The newest checkpoint that still matches the log and is intact, in format `format`.
    /// A checkpoint whose event count, last id, format or state hash does not match is skipped
    /// (never trusted); `rejected` says how many were.
    public func latestValidCheckpoint(format: Int) throws(StoreError) -> (checkpoint: StoredCheckpoint?, rejected: Int) {
        try wrap {
            let s = try db.statement("SELECT upto, event_count, last_id, format, state, state_hash FROM checkpoints ORDER BY upto DESC")
            let check = try db.statement("SELECT count(*), (SELECT id FROM events WHERE rowid = ?) FROM events WHERE rowid <= ?")
            var rejected = 0
            while try s.step() {
                let upto = s.int(0)
                check.reset()
                check.bind(1, upto).bind(2, upto)
                _ = try check.step()
                let state = s.blob(4)
                guard Int(s.int(3)) == format, !check.isNull(1), check.int(0) == s.int(1),
                      check.blob(1) == s.blob(2), SHA256.hash(state).bytes == s.blob(5) else {
                    rejected += 1
                    continue
                }
                return (StoredCheckpoint(upto: upto, eventCount: Int(s.int(1)), lastID: Hash32(s.blob(2)),
                                         format: format, state: state), rejected)
            }
            return (nil, rejected)
        }
    }

    /// The row of the newest event (0 when empty).
    public func lastRow() throws(StoreError) -> Int64 {
        try wrap {
            let s = try db.statement("SELECT coalesce(max(rowid), 0) FROM events")
            _ = try s.step()
            return s.int(0)
        }
    }
}
