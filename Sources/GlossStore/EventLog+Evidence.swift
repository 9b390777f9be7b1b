import GlossCore

extension EventLog {
    /// This ledger's events at the given tips whose ids differ from the tips' ids: the other
    /// side of each fork. Tips where this ledger holds no event at that seq are skipped.
    public func forkTwins(of tips: [(author: PublicKey, seq: UInt64, id: EventID)]) throws(StoreError) -> [Event] {
        try wrap {
            let s = try db.statement("SELECT id, bytes FROM events WHERE author = ? AND seq = ?")
            var out: [Event] = []
            for t in tips {
                s.reset()
                s.bind(1, blob: t.author.raw.bytes).bind(2, Int64(t.seq))
                guard try s.step(), let id = s.hash(0), id != t.id else { continue }
                out.append(try Event.decode(s.blob(1), expectedID: id, allowErased: true))
            }
            return out
        }
    }

    /// Authors with fork evidence here, each with the lowest seq of its evidence: a relay
    /// withholds their events from there on (a peer may hold the other branch).
    public func forkedFrom() throws(StoreError) -> [PublicKey: UInt64] {
        try forkedAuthors().compactMapValues { $0.min() }
    }

    /// Checks a peer's event offered as fork evidence as bundle import would find it (S1
    /// signature, S3 payload, S5 another event at its author and seq) and keeps it in the
    /// evidence table. From then on the author is refused here (S4).
    public func recordEvidence(_ e: Event) throws(StoreError) -> EvidenceVerdict {
        guard e.hasValidSignature else { return .refused("event \(e.id.short()) has a bad signature") }
        guard (try? e.payload()) != nil else { return .refused("event \(e.id.short()) has a payload that does not decode") }
        guard let twin = try forkTwins(of: [(e.author, e.header.seq, e.id)]).first else {
            return .refused("this ledger holds no other event of author \(e.author.raw.short()) at seq \(e.header.seq): event \(e.id.short()) is not evidence of a fork here")
        }
        return .recorded(new: try recordFork(e), twin: twin)
    }
}
