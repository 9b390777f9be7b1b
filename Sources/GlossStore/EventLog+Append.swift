import GlossCore
import GlossReplay
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif


extension EventLog {
    /// Verifies and appends `events` in one transaction: all of them, or none.
    /// Parents must come before children (within the batch or already in the log).
    /// `signaturesChecked` says the caller has already verified every signature (on both cores,
    /// say); otherwise they are checked here.
    /// A fork is written as evidence (in its own transaction) and reported as `.fork`; nothing
    /// of the batch is stored then.
    @discardableResult
    /// `notices`: erasures carried with the events (a bundle's own), kept first in the same
    /// transaction so that the events they name may come without their payloads.
    public func append(_ events: [Event], signaturesChecked: Bool = false, notices: [ErasureNotice] = []) throws(StoreError) -> AppendResult {
        do {
            return try wrap {
                try db.transaction {
                    try bringProjectionUpToDate()
                    for n in notices { try insertNotice(n) }
                    return try insertVerified(events, checkSignatures: !signaturesChecked)
                }
            }
        } catch let e where e.code == .fork {
            // Keep the evidence even though the batch is refused: the event, and its twin when
            // the twin came in the same batch (and so was rolled back with it).
            if let id = e.event, let forked = events.first(where: { $0.id == id }) {
                let twins = events.filter { $0.author == forked.author && $0.header.seq == forked.header.seq }
                for t in twins where try !contains(t.id) { try recordFork(t) }
            }
            throw e
        }
    }

    /// Builds, signs and appends events of `key`'s author, each on top of the author's chain and
    /// the ledger's current heads, in one transaction under the write lock, so that two processes
    /// appending at once cannot interleave. Returns the events in the order appended.
    public func appendOwn(key: SigningKey, payloads: [Payload], time: Int64) throws(StoreError) -> [Event] {
        try appendOwn(key: key, count: payloads.count, time: time, buildNeedsEvents: false) { i, _ in payloads[i] }
    }

    /// Like `appendOwn(key:payloads:time:)`, for events that name earlier ones of the same call
    /// (a reply to an annotation imported a moment before): `build(i, appended)` makes the i-th
    /// payload knowing the events appended so far. All or nothing.
    /// `buildNeedsEvents: false` promises `build` ignores its second argument, which lets the
    /// signatures be made in parallel after the whole chain is built.
    public func appendOwn(key: SigningKey, count: Int, time: Int64, buildNeedsEvents: Bool = true,
                          build: (Int, [Event]) throws -> Payload) throws(StoreError) -> [Event] {
        try wrap {
            try db.transaction {
                if try isForked(key.publicKey) {
                    throw StoreError(.authorForked, "your key has forked its own chain in this ledger; appending is refused until a person decides (see `gloss verify`)")
                }
                // Chain every event first (ids only: cheap), sign them all on every core, then
                // insert them all. Only the first names the other heads as deps: each later one
                // has it as prev, and it covers them.
                try bringProjectionUpToDate()
                var tip = try tip(of: key.publicKey)
                var heads = try headTips(excluding: tip?.id, limit: EventLimits.maxDeps)
                var built: [Event.Unsigned] = []
                var soFar: [Event] = []
                var payloads: [Payload] = []
                for i in 0..<count {
                    let bytes: [UInt8]
                    let payload = try build(i, soFar)
                    do { bytes = try payload.encoded() }
                    catch let e as DecodeError { throw StoreError(.invalidEvent, "cannot write this event: \(e.message)", cause: .decode(e)) }
                    payloads.append(payload)
                    let lamport = 1 + max(tip?.lamport ?? 0, heads.map(\.lamport).max() ?? 0)
                    let u = Event.unsigned(author: key.publicKey, seq: (tip?.seq ?? 0) + 1, prev: tip?.id, lamport: lamport,
                                           time: time, deps: heads.map(\.id), payload: bytes)
                    built.append(u)
                    tip = ChainTip(seq: u.header.seq, id: u.id, lamport: lamport)
                    heads = []
                    if buildNeedsEvents { soFar.append(u.signed(by: key)) }
                }
                return try insertOwnChain(buildNeedsEvents ? .signed(soFar) : .unsigned(built, key), payloads)
            }
        }
    }

    /// Appends one event of `key`'s author; see `appendOwn(key:payloads:time:)`.
    public func appendOwn(key: SigningKey, payload: Payload, time: Int64) throws(StoreError) -> Event {
        let events = try appendOwn(key: key, payloads: [payload], time: time)
        return events[0]
    }

    /// Heads other than `excluding`, newest lamport first, at most `limit`.
    private func headTips(excluding: EventID?, limit: Int) throws -> [(id: EventID, lamport: UInt64)] {
        // CROSS JOIN keeps heads (a handful of rows) as the outer loop; a plain JOIN let SQLite
        // scan every event to honour the ORDER BY, which made each append O(log size).
        let s = try db.prepared("SELECT e.id, e.lamport FROM heads h CROSS JOIN events e ON e.id = h.id")
        var all: [(id: EventID, lamport: UInt64)] = []
        while try s.step() {
            let id = Hash32(s.blob(0))
            if id != excluding { all.append((id, UInt64(s.int(1)))) }
        }
        all.sort { $0.lamport != $1.lamport ? $0.lamport > $1.lamport : $0.id < $1.id }
        return Array(all.prefix(limit))
    }

    func isForked(_ author: PublicKey) throws -> Bool {
        let s = try db.prepared("SELECT 1 FROM forks WHERE author = ? LIMIT 1")
        s.bind(1, blob: author.raw.bytes)
        return try s.step()
    }

    /// Keeps `e` as fork evidence (EVENTS.md §10) in its own transaction; whether it was new.
    @discardableResult
    func recordFork(_ e: Event) throws(StoreError) -> Bool {
        try wrap { try db.transaction { try insertFork(e) } }
    }

    /// Inserts fork evidence inside the caller's transaction; whether it was new.
    func insertFork(_ e: Event) throws -> Bool {
        try db.prepared("INSERT OR IGNORE INTO forks(id, author, seq, bytes, detected_at) VALUES (?, ?, ?, ?, ?)")
            .bind(1, blob: e.id.bytes).bind(2, blob: e.author.raw.bytes).bind(3, Int64(e.header.seq))
            .bind(4, blob: e.bytes).bind(5, Clock.nowMillis()).run()
        return db.changes > 0
    }

    /// A chain to insert: signed already, or to be signed here.
    enum OwnChain {
        case signed([Event])
        case unsigned([Event.Unsigned], SigningKey)
    }

    /// Inserts a chain this ledger just built under the write lock: each event's prev is the
    /// one before it and only the first names other heads, so the checks of `insertVerified`
    /// hold by construction (`gloss verify` re-checks them from the file). An unsigned chain is
    /// signed in chunks on the other cores while the chunk before is inserted and projected.
    /// Heads change once: the first event's parents leave, the last event joins.
    private func insertOwnChain(_ chain: OwnChain, _ payloads: [Payload]) throws -> [Event] {
        let projector = try makeProjector()
        var events: [Event] = []
        events.reserveCapacity(payloads.count)
        func store(_ chunk: [Event]) throws {
            for e in chunk {
                try projector.apply(e, payload: payloads[events.count], row: try insertRow(e))
                events.append(e)
            }
        }
        switch chain {
        case .signed(let signed):
            try store(signed)
        case .unsigned(let unsigned, let key):
            let size = 256
            let chunks = (unsigned.count + size - 1) / size
            try Parallel.pipeline(count: chunks, prepare: { i in
                Parallel.map(Array(unsigned[(i * size)..<min(unsigned.count, (i + 1) * size)]), minimumPerThread: 32) { $0.signed(by: key) }
            }, consume: { _, signed in try store(signed) })
        }
        guard let first = events.first, let last = events.last else { return events }
        projector.noteStored(last)
        let drop = try db.prepared("DELETE FROM heads WHERE id = ?")
        for p in first.header.parents { drop.reset(); try drop.bind(1, p).run() }
        try db.prepared("INSERT INTO heads(id) VALUES (?)").bind(1, last.id).run()
        try finishProjecting(projector, events: events.count)
        return events
    }

    /// Inserts one event's row, with its integrity tag (every caller has verified or made the
    /// signature); returns its rowid.
    private func insertRow(_ e: Event, kind: UInt16? = nil) throws -> Int64 {
        try db.prepared("INSERT INTO events(id, author, seq, lamport, time, kind, bytes, tag) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, e.id).bind(2, e.author).bind(3, Int64(e.header.seq)).bind(4, Int64(e.header.lamport))
            .bind(5, e.header.time).bind(6, Int64(kind ?? e.payloadKind)).bind(7, blob: e.bytes)
            .bind(8, blob: StoredRowCheck.tag(of: e)).run()
        return db.lastInsertRowID
    }

    /// Verifies and inserts events (with the projection), inside the caller's transaction;
    /// throws on the first event the verifier refuses. With `checkSignatures`, the signatures of
    /// each chunk are checked on the other cores while the chunk before is stored.
    func insertVerified(_ events: [Event], checkSignatures: Bool) throws -> AppendResult {
        var result = AppendResult()
        var verifier = EventVerifier(facts: ChainFacts())
        let projector = try makeProjector()
        // Erasures may let events arrive without their payloads, or make a payload that
        // arrives late go at once (MERGE.md §19, SYNC.md §7.3): decided by `StubAuthority`.
        let authority = try stubAuthority(devices: projector.devices, map: projector.erasures)
        let recordErasure = try db.prepared("INSERT OR IGNORE INTO erasures(target, erasure) VALUES (?, ?)")
        let drop = try db.prepared("DELETE FROM heads WHERE id = ?")
        let head = try db.prepared("INSERT INTO heads(id) VALUES (?)")
        let size = 512
        let chunks = (events.count + size - 1) / size
        try Parallel.pipeline(count: chunks, prepare: { i -> [Bool]? in
            guard checkSignatures else { return nil }
            return Parallel.map(Array(events[(i * size)..<min(events.count, (i + 1) * size)])) { $0.hasValidSignature }
        }, consume: { i, signatures in
            let chunk = events[(i * size)..<min(events.count, (i + 1) * size)]
            verifier.learn(try chainFacts(for: Array(chunk)))
            for (k, e) in chunk.enumerated() {
                let erasure = e.isErased || !authority.isEmpty ? try authority.erasure(of: e) : nil
                if e.isErased && erasure == nil {
                    throw StoreError(.invalidEvent, "event \(e.id.short()) arrived without its payload, and no erasure this ledger holds names it")
                }
                let payload = e.isErased ? nil : try? e.payload()
                switch verifier.check(e, signatureValid: signatures?[k] ?? true, payloadValid: e.isErased || payload != nil) {
                case .alreadyStored:
                    result.alreadyHad += 1
                    continue
                case .refuse(let r):
                    throw StoreError(r)
                case .store:
                    break
                }
                if let erasure {
                    // Held without its payload: the erasure is recorded first (the log's triggers
                    // require it), and a payload that came along is not stored at all.
                    try recordErasure.bind(1, e.id).bind(2, erasure).run()
                    recordErasure.reset()
                    try projector.apply(e.erased, row: try insertRow(e.erased, kind: e.isErased ? 0 : e.payloadKind))
                } else {
                    guard let payload else { continue }  // the verifier refuses an event whose payload does not decode
                    try projector.apply(e, payload: payload, row: try insertRow(e))
                }
                projector.noteStored(e)
                for p in e.header.parents { drop.reset(); try drop.bind(1, p).run() }
                head.reset()
                try head.bind(1, e.id).run()
                result.stored.append(e.id)
            }
        })
        try finishProjecting(projector, events: result.stored.count)
        return result
    }
}

/// Wall-clock time in the form events carry: milliseconds since the Unix epoch.
public enum Clock {
    public static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
