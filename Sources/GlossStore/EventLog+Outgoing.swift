import GlossCore

extension EventLog {
    /// The row just before the first event a peer at `peer` lacks (so reading on from it finds
    /// every such event), or the last row when it lacks nothing. Looks up one row per author,
    /// so a small difference on a large ledger is found without a scan. Rows of `forkedFrom`
    /// authors from their fork seq on are included, so a relay filter sees them (and withholds
    /// their children).
    public func startRow(forPeer peer: Frontier, forkedFrom: [PublicKey: UInt64] = [:]) throws(StoreError) -> Int64 {
        try wrap {
            let authors = try db.statement("SELECT author, seq FROM p_tips")
            var missing: [(PublicKey, UInt64)] = []
            while try authors.step() {
                let a = PublicKey(Hash32(authors.blob(0)))
                let theirs = peer.tips[a]?.seq ?? 0
                var from = theirs == .max ? theirs : theirs + 1
                if let f = forkedFrom[a] { from = min(from, f) }
                if from <= UInt64(authors.int(1)) { missing.append((a, from)) }
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
    /// Each row is checked before it leaves (`StoredRowCheck`) and passed through `filter`, which
    /// withholds damaged rows, forked branches and their descendants (see `RelayFilter`).
    /// Returns the events, the last row examined, and whether the log had nothing more.
    public func outgoing(after row: Int64, peer: Frontier, filter: inout RelayFilter,
                         maxEvents: Int, maxBytes: Int) throws(StoreError) -> (events: [Event], lastRow: Int64, exhausted: Bool) {
        try wrap {
            let s = try db.statement("SELECT rowid, id, author, seq, bytes, tag FROM events WHERE rowid > ? ORDER BY rowid LIMIT 1024")
            var events: [Event] = []
            var bytes = 0
            var cursor = row
            while true {
                s.reset()
                s.bind(1, cursor)
                var sawRow = false
                while try s.step() {
                    sawRow = true
                    // A row that does not fit is read again by the next call (admitting an
                    // event changes nothing in the filter, so that is safe).
                    guard let e = try relayable(s, peer: peer, filter: &filter) else { cursor = s.int(0); continue }
                    if !events.isEmpty && (events.count >= maxEvents || bytes + e.bytes.count > maxBytes) {
                        return (events, cursor, false)
                    }
                    events.append(e)
                    bytes += e.bytes.count
                    cursor = s.int(0)
                }
                if !sawRow { return (events, cursor, true) }
            }
        }
    }

    /// Calls `body` with every event a ledger at `frontier` lacks (all when nil), in stored
    /// order, through `filter` as `outgoing` does.
    public func forEachRelayable(notCoveredBy frontier: Frontier?, filter: inout RelayFilter, _ body: (Event) throws -> Void) throws {
        let peer = frontier ?? Frontier()
        let start = try frontier.map { try startRow(forPeer: $0, forkedFrom: filter.forkedFrom) } ?? 0
        try wrap {
            let s = try db.statement("SELECT rowid, id, author, seq, bytes, tag FROM events WHERE rowid > ? ORDER BY rowid").bind(1, start)
            while try s.step() {
                if let e = try relayable(s, peer: peer, filter: &filter) { try body(e) }
            }
        }
    }

    /// One row of `SELECT rowid, id, author, seq, bytes, tag`: the event to relay, or nil when
    /// the peer has it or the filter withholds it. Bytes are read only for rows the peer lacks.
    private func relayable(_ s: Statement, peer: Frontier, filter: inout RelayFilter) throws -> Event? {
        try RelayRow.relayable(idColumn: s.blob(1), authorColumn: s.blob(2), seq: s.int(3), tag: s.isNull(5) ? nil : s.blob(5),
                               bytes: { s.blob(4) }, peer: peer, filter: &filter)
    }
}
