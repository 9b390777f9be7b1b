import GlossCore

extension EventLog {
    /// The row just before the first event a peer at `peer` lacks (so reading on from it finds
    /// every such event), or the last row when it lacks nothing. Looks up one row per author,
    /// so a small difference on a large ledger is found without a scan.
    public func startRow(forPeer peer: Frontier) throws(StoreError) -> Int64 {
        try wrap {
            let authors = try db.statement("SELECT author, seq FROM p_tips")
            var missing: [(PublicKey, UInt64)] = []
            while try authors.step() {
                let a = PublicKey(Hash32(authors.blob(0)))
                let theirs = peer.tips[a]?.seq ?? 0
                if theirs < UInt64(authors.int(1)) { missing.append((a, theirs + 1)) }
            }
            authors.reset()
            var start = try lastRowInCall()
            let row = try db.statement("SELECT rowid FROM events WHERE author = ? AND seq = ?")
            for (a, seq) in missing {
                row.reset()
                row.bind(1, blob: a.raw.bytes).bind(2, Int64(seq))
                if try row.step() { start = min(start, row.int(0) - 1) }
            }
            return start
        }
    }

    /// Up to `maxEvents` events after `row` that a peer at `peer` lacks, in stored order
    /// (parents first), stopping before `maxBytes` unless the first event alone is larger.
    /// Returns them, the last row examined, and whether the log had nothing more.
    public func outgoing(after row: Int64, peer: Frontier, maxEvents: Int, maxBytes: Int) throws(StoreError) -> (events: [Event], lastRow: Int64, exhausted: Bool) {
        try wrap {
            let s = try db.statement("SELECT rowid, id, author, seq, bytes FROM events WHERE rowid > ? ORDER BY rowid LIMIT 1024")
            var events: [Event] = []
            var bytes = 0
            var cursor = row
            while true {
                s.reset()
                s.bind(1, cursor)
                var sawRow = false
                while try s.step() {
                    sawRow = true
                    let author = PublicKey(Hash32(s.blob(2)))
                    if peer.covers(author, seq: UInt64(s.int(3))) { cursor = s.int(0); continue }
                    let blob = s.blob(4)
                    if !events.isEmpty && (events.count >= maxEvents || bytes + blob.count > maxBytes) {
                        return (events, cursor, false)
                    }
                    events.append(try Event.decode(stored: blob, id: Hash32(s.blob(1))))
                    bytes += blob.count
                    cursor = s.int(0)
                }
                if !sawRow { return (events, cursor, true) }
            }
        }
    }
}
