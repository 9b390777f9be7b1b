import GlossCore

/// One thing `gloss verify` found wrong in the stored log.
public struct LogProblem: Sendable, CustomStringConvertible {
    /// The SQLite rowid of the offending row, when the problem is a row.
    public let row: Int64?
    public let event: EventID?
    public let message: String
    public var description: String {
        var s = ""
        if let row { s += "row \(row)" }
        if let event { s += (s.isEmpty ? "" : ", ") + "event \(event.short())" }
        return s.isEmpty ? message : "\(s): \(message)"
    }
}

extension EventLog {
    /// Re-checks every stored event from its bytes alone, trusting no column and no earlier
    /// check: canonical decoding, id, the columns against the header, and then the rules that
    /// decide whether an event may be stored (`EventVerifier`, the same as every append runs:
    /// signature, payload, seq/prev chain, deps present, lamport), against the rows stored
    /// before it. Reads the log in chunks (facts looked up per chunk, signatures checked on every
    /// core), so memory does not grow with the log. Also checks that the append-only triggers
    /// are in place. Returns every problem found (empty when the log is sound).
    public func verifyAll() throws(StoreError) -> [LogProblem] {
        try wrap {
            var problems: [LogProblem] = []
            let triggers = try db.statement("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'events_append_only_%'")
            _ = try triggers.step()
            if triggers.int(0) != 2 {
                problems.append(LogProblem(row: nil, event: nil, message: "the append-only triggers on the events table are missing: someone changed the schema by hand"))
            }
            triggers.reset()
            // The four guards of the erasure exception, and the update trigger still the one that
            // allows only a cut an erasure names (not merely a trigger by that name).
            let guards = try db.statement("""
                SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN
                           ('events_erased_insert', 'erasures_named', 'erasures_append_only_update', 'erasures_append_only_delete'))
                     + (SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'events_append_only_update'
                           AND sql LIKE '%EXISTS (SELECT 1 FROM erasures WHERE target = OLD.id)%' AND sql LIKE '%RAISE(ABORT%')
                """)
            _ = try guards.step()
            if guards.int(0) != 5 {
                problems.append(LogProblem(row: nil, event: nil, message: "the triggers that allow only erased payloads to be removed are missing: someone changed the schema by hand"))
            }
            guards.reset()
            let named = try db.statement("SELECT erasure FROM erasures WHERE target = ?")
            try db.transaction(immediate: false) {
                let s = try db.statement("SELECT rowid, id, author, seq, lamport, time, kind, bytes, tag FROM events WHERE rowid > ? ORDER BY rowid LIMIT 1000")
                var after: Int64 = 0
                while true {
                    s.reset()
                    s.bind(1, after)
                    var chunk: [(row: Int64, event: Event)] = []
                    while try s.step() {
                        let row = s.int(0)
                        after = row
                        let idColumn = s.blob(1)
                        let colID = idColumn.count == 32 ? Hash32(idColumn) : nil
                        func problem(_ m: String, _ id: EventID? = colID) { problems.append(LogProblem(row: row, event: id, message: m)) }
                        // A row a relay would refuse (StoredRowCheck, `relayable`) is quarantined:
                        // said here from the checks below, without decoding or verifying it twice.
                        let quarantined = "quarantined (not sent to peers nor written to bundles): "
                        let event: Event
                        do { event = try Event.decode(s.blob(7), allowErased: true) } catch {
                            problem(quarantined + "its bytes are not a valid event: \(error)")
                            continue
                        }
                        let h = event.header
                        if colID != event.id { problem(quarantined + "the id column does not match the hash of the event's header (\(event.id.short()))") }
                        if s.blob(2) != h.author.raw.bytes || s.int(3) != Int64(h.seq) {
                            problem(quarantined + "the author or seq column does not match the signed header")
                        } else if s.int(4) != Int64(h.lamport) || s.int(5) != h.time {
                            problem("the lamport or time column does not match the signed header")
                        }
                        if !s.isNull(8), s.blob(8) != StoredRowCheck.tag(of: event) {
                            problem(quarantined + "its signature bytes differ from those verified when it was stored")
                        }
                        if event.isErased {
                            // Its payload was removed (MERGE.md §19): only an erasure naming it allows that.
                            named.reset()
                            named.bind(1, event.id)
                            if try !named.step() { problem("its payload is missing, and no erasure this ledger holds names it") }
                            named.reset()
                        } else if s.int(6) != Int64(event.payloadKind) {
                            problem("the kind column does not match the payload")
                        }
                        chunk.append((row, event))
                    }
                    s.reset()
                    guard let first = chunk.first else { break }
                    let events = chunk.map(\.event)
                    let signatures = Parallel.map(events) { $0.hasValidSignature }
                    var verifier = EventVerifier(facts: try chainFacts(for: events, beforeRow: first.row, includeForks: false))
                    for (i, (row, e)) in chunk.enumerated() {
                        let payloadValid: Bool
                        if e.isErased { payloadValid = true } else { do { _ = try e.payload(); payloadValid = true } catch {
                            problems.append(LogProblem(row: row, event: e.id, message: "its payload is not canonical: \(error)"))
                            payloadValid = true  // reported just above; go on with the other rules
                        } }
                        if case .refuse(let r) = verifier.check(e, signatureValid: signatures[i], payloadValid: payloadValid) {
                            problems.append(LogProblem(row: row, event: e.id, message: Self.problem(r)))
                            // Count it as stored all the same, so its children are judged on their own.
                            verifier.assumeStored(e)
                        }
                    }
                }
            }
            for (author, seqs) in try forkedAuthors() {
                problems.append(LogProblem(row: nil, event: nil, message: "author \(author.raw.short()) forked its chain at seq \(seqs.map(String.init).joined(separator: ", ")): both events are kept as evidence and its further events are refused"))
            }
            return problems
        }
    }

    /// A refusal as `verify` words it about a stored row.
    static func problem(_ r: Refusal) -> String {
        switch r.code {
        case .badSignature: "bad signature: the event was not signed by its author's key"
        case .fork(let twin): "two events with this author and seq (the other is \(twin.short()))"
        default: r.message
        }
    }
}
