import GlossCore
import NIOCore
import PostgresNIO

/// One page of events a peer lacks, read from the hub.
public struct HubPage: Sendable {
    public var events: [Event]
    /// The position of the last row examined: the next page starts after it.
    public var lastPos: Int64
    /// The log had nothing more.
    public var exhausted: Bool
}

extension HubLog {
    /// The position just before the first event a peer at `peer` lacks (reading on from it
    /// finds every such event), or the last position when it lacks nothing: one row per author
    /// looked up, as a ledger's `startRow`. Rows of `forkedFrom` authors from their fork seq on
    /// are included, so the relay filter sees them.
    public func startPos(forPeer peer: Frontier, forkedFrom: [PublicKey: UInt64] = [:]) async throws(HubError) -> Int64 {
        try await db.run("finding what a peer lacks") { client in
            // The end first: an author whose first events another process commits after it is
            // read has them after `start` anyway; read the other way round, they could be skipped.
            var start: Int64 = 0
            for try await p in try await client.query("SELECT coalesce(max(pos), 0) FROM events").decode(Int64.self) { start = p }
            var authors: [ByteBuffer] = [], seqs: [Int64] = []
            for try await (a, s) in try await client.query("SELECT author, seq FROM hub_tips").decode((ByteBuffer, Int64).self) {
                guard let h = a.hash else { continue }
                let author = PublicKey(h)
                let theirs = peer.tips[author]?.seq ?? 0
                var from = theirs == .max ? theirs : theirs + 1
                if let f = forkedFrom[author] { from = min(from, f) }
                if from <= UInt64(max(0, s)) { authors.append(a); seqs.append(Int64(clamping: from)) }
            }
            guard !authors.isEmpty else { return start }
            for try await p in try await client.query("""
                SELECT min(e.pos) FROM unnest(\(authors)::bytea[], \(seqs)::int8[]) AS m(author, seq)
                  JOIN events e ON e.author = m.author AND e.seq = m.seq
                """).decode(Int64?.self) { if let p { start = min(start, p - 1) } }
            return start
        }
    }

    /// Up to `maxEvents` events after `pos` that a peer at `peer` lacks, in stored order
    /// (parents first), stopping before `maxBytes` unless the first event alone is larger;
    /// each row checked and filtered (`RelayRow`) as a ledger's `outgoing`.
    public func outgoing(after pos: Int64, peer: Frontier, filter: inout RelayFilter, maxEvents: Int, maxBytes: Int) async throws(HubError) -> HubPage {
        var cursor = pos
        var events: [Event] = []
        var bytes = 0
        while true {
            // Pages as large as what is asked: a larger page would be read again by the next call.
            let rows = try await page(after: cursor, limit: max(64, min(1024, maxEvents)))
            if rows.isEmpty { return HubPage(events: events, lastPos: cursor, exhausted: true) }
            for r in rows {
                guard let e = RelayRow.relayable(idColumn: r.id, authorColumn: r.author, seq: r.seq, tag: r.tag,
                                                 bytes: { r.bytes }, peer: peer, filter: &filter) else { cursor = r.pos; continue }
                if !events.isEmpty && (events.count >= maxEvents || bytes + e.bytes.count > maxBytes) {
                    return HubPage(events: events, lastPos: cursor, exhausted: false)
                }
                events.append(e)
                bytes += e.bytes.count
                cursor = r.pos
            }
        }
    }

    /// The stored rows after `pos`, up to 1,024, as the columns say.
    struct Row: Sendable {
        let pos: Int64
        let id: [UInt8], author: [UInt8]
        let seq: Int64
        let tag: [UInt8]
        let bytes: [UInt8]
    }

    func page(after pos: Int64, limit: Int = 1024) async throws(HubError) -> [Row] {
        try await db.run("reading events") { client in try await Self.rows(after: pos, limit: limit, on: client) }
    }

    static func rows(after pos: Int64, limit: Int, on q: some Querier) async throws -> [Row] {
        var out: [Row] = []
        for try await (p, i, a, s, t, b) in try await q.rows(
            "SELECT pos, id, author, seq, tag, bytes FROM events WHERE pos > \(pos) ORDER BY pos LIMIT \(Int64(limit))"
        ).decode((Int64, ByteBuffer, ByteBuffer, Int64, ByteBuffer, ByteBuffer).self) {
            out.append(Row(pos: p, id: i.array, author: a.array, seq: s, tag: t.array, bytes: b.array))
        }
        return out
    }

    /// Calls `body` with every stored row in storage order, a page at a time, on `q` (a
    /// snapshot's connection: see `HubLog.reading`).
    /// `through`: only the rows at positions up to it.
    static func forEachRow(on q: some Querier, through: Int64 = .max, _ body: (Row) throws -> Void) async throws {
        var cursor: Int64 = 0
        while true {
            let rows = try await rows(after: cursor, limit: 4096, on: q)
            guard let last = rows.last else { return }
            for r in rows {
                guard r.pos <= through else { return }
                try body(r)
            }
            cursor = last.pos
        }
    }
}
