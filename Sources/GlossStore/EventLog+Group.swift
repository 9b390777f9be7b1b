import GlossCore
import GlossReplay

/// One batch of a group commit, and what became of it.
public struct GroupBatch: Sendable {
    /// Who sent it (a session): once one batch of a key is refused, its later ones are not stored.
    public let key: Int
    public let events: [Event]
    /// Already refused by the caller (a bad signature): stored nothing, and stops the key's
    /// later batches in order, as a refusal here would.
    public let refusal: String?
    public init(key: Int, events: [Event], refusal: String? = nil) { self.key = key; self.events = events; self.refusal = refusal }
}

extension EventLog {
    /// Verifies and appends several batches in **one** transaction (one commit, one fsync),
    /// each batch all or nothing inside it (a savepoint): a refused batch rolls back alone and
    /// the others commit. Batches are applied in order; once a batch of a key is refused, the
    /// later batches of that key (here and in later groups, through `refusedKeys`) are not
    /// applied. Fork evidence of a refused batch is kept, in the same transaction. Signatures
    /// must have been checked by the caller. A failure of the ledger itself (I/O, SQLite) throws
    /// and nothing of the group is stored.
    public func appendGroup(_ batches: [GroupBatch], refusedKeys: inout Set<Int>) throws(StoreError) -> [Result<AppendResult, StoreError>] {
        var refused = refusedKeys
        let results: [Result<AppendResult, StoreError>] = try wrap {
            try db.transaction {
                try bringProjectionUpToDate()
                var out: [Result<AppendResult, StoreError>] = []
                var evidence: [Event] = []
                for b in batches {
                    guard !refused.contains(b.key) else {
                        out.append(.failure(StoreError(.invalidEvent, "not stored: an earlier batch of this session was refused")))
                        continue
                    }
                    if let why = b.refusal {
                        refused.insert(b.key)
                        out.append(.failure(StoreError(.invalidEvent, why)))
                        continue
                    }
                    let ordered = b.events.sorted { Stamp($0) < Stamp($1) }
                    try db.execute("SAVEPOINT batch")
                    do {
                        let r = try insertVerified(ordered, checkSignatures: false)
                        try db.execute("RELEASE batch")
                        out.append(.success(r))
                    } catch let e as StoreError where e.code != .sqlite && e.code != .io {
                        try db.execute("ROLLBACK TO batch")
                        try db.execute("RELEASE batch")
                        refused.insert(b.key)
                        if e.code == .fork, let id = e.event, let forked = b.events.first(where: { $0.id == id }) {
                            evidence += b.events.filter { $0.author == forked.author && $0.header.seq == forked.header.seq }
                        }
                        out.append(.failure(e))
                    }
                }
                for e in evidence where try !contains(e.id) { _ = try insertFork(e) }
                return out
            }
        }
        refusedKeys = refused
        return results
    }
}
