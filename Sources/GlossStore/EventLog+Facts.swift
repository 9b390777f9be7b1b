import GlossCore

extension EventLog {
    /// The facts `EventVerifier` needs for a batch, in a few queries for the whole batch (not
    /// several per event): the stored events among the batch's ids and parents, the stored
    /// events at the batch's (author, seq) seats, and the authors refused for forking. With
    /// `beforeRow`, only rows before it count as stored (what `verify` asks of each row).
    func chainFacts(for events: [Event], beforeRow: Int64? = nil, includeForks: Bool = true) throws -> ChainFacts {
        var facts = ChainFacts()
        let lookup = ChainFacts.Lookup(events)
        let seats = lookup.seats
        let limit = beforeRow ?? Int64.max
        let ids = Array(lookup.ids)
        let chunk = 200
        var i = 0
        while i < ids.count {
            // A fixed number of placeholders (the last chunk repeats an id) keeps one cached statement.
            let part = ids[i..<min(ids.count, i + chunk)]
            let s = try db.statement("SELECT id, author, seq, lamport FROM events WHERE rowid < ? AND id IN (\(Array(repeating: "?", count: chunk).joined(separator: ",")))")
            s.bind(1, limit)
            for k in 0..<chunk { s.bind(Int32(k + 2), part[part.startIndex + min(k, part.count - 1)]) }
            while try s.step() {
                guard let id = s.hash(0), let author = s.hash(1) else { continue }
                facts.stored[id] = ChainFacts.Stored(author: PublicKey(author), seq: UInt64(s.int(2)), lamport: UInt64(s.int(3)))
            }
            s.reset()
            i += chunk
        }
        let seat = try db.prepared("SELECT seq, id FROM events WHERE author = ? AND seq BETWEEN ? AND ? AND rowid < ?")
        for (author, range) in seats {
            seat.reset()
            seat.bind(1, author).bind(2, Int64(clamping: range.lowerBound)).bind(3, Int64(clamping: range.upperBound)).bind(4, limit)
            while try seat.step() {
                if let id = seat.hash(1) { facts.seats[ChainFacts.Seat(author: author, seq: UInt64(seat.int(0)))] = id }
            }
        }
        seat.reset()
        if includeForks {
            let f = try db.prepared("SELECT DISTINCT author FROM forks")
            while try f.step() { if let a = f.hash(0) { facts.forked.insert(PublicKey(a)) } }
            f.reset()
        }
        return facts
    }
}

extension StoreError {
    /// The store's form of a verifier's refusal.
    init(_ r: Refusal) {
        let code: Code
        switch r.code {
        case .badSignature: code = .badSignature
        case .invalidPayload: code = .invalidEvent
        case .authorForked: code = .authorForked
        case .missingParent: code = .missingParent
        case .brokenChain: code = .brokenChain
        case .badLamport: code = .badLamport
        case .fork: code = .fork
        }
        self.init(code, r.message, event: r.event)
    }
}
