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
    /// check: canonical decoding, id, signature, the columns against the header, each author's
    /// seq/prev chain, deps present, the lamport rule, and that the append-only triggers are in
    /// place. Returns every problem found (empty when the log is sound).
    public func verifyAll() throws(StoreError) -> [LogProblem] {
        try wrap {
            var problems: [LogProblem] = []
            let triggers = try db.statement("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'events_append_only_%'")
            _ = try triggers.step()
            if triggers.int(0) != 2 {
                problems.append(LogProblem(row: nil, event: nil, message: "the append-only triggers on the events table are missing: someone changed the schema by hand"))
            }
            var lamports: [EventID: UInt64] = [:]
            var chains: [PublicKey: [UInt64: EventID]] = [:]
            let s = try db.statement("SELECT rowid, id, author, seq, lamport, time, kind, bytes FROM events ORDER BY rowid")
            while try s.step() {
                let row = s.int(0)
                let idColumn = s.blob(1)
                let colID = idColumn.count == 32 ? Hash32(idColumn) : nil
                func problem(_ m: String, _ id: EventID? = colID) { problems.append(LogProblem(row: row, event: id, message: m)) }
                let event: Event
                do { event = try Event.decode(s.blob(7)) } catch {
                    problem("its bytes are not a valid event: \(error)")
                    continue
                }
                let h = event.header
                if colID != event.id { problem("the id column does not match the hash of the event's header (\(event.id.short()))") }
                if s.blob(2) != h.author.raw.bytes || s.int(3) != Int64(h.seq) || s.int(4) != Int64(h.lamport) || s.int(5) != h.time {
                    problem("the author, seq, lamport or time column does not match the signed header")
                }
                if s.int(6) != Int64(event.payloadKind) {
                    problem("the kind column does not match the payload")
                }
                if !event.hasValidSignature { problem("bad signature: the event was not signed by its author's key", event.id) }
                if case .failure(let err) = Result(catching: { try event.payload() }) {
                    problem("its payload is not canonical: \(err)", event.id)
                }
                var maxParent: UInt64 = 0
                if let prev = h.prev {
                    if chains[h.author]?[h.seq - 1] != prev {
                        problem("broken chain: prev \(prev.short()) is not its author's stored event at seq \(h.seq - 1)", event.id)
                    }
                    maxParent = lamports[prev] ?? 0
                }
                if chains[h.author]?[h.seq] != nil { problem("two events with author \(h.author.raw.short()) and seq \(h.seq)", event.id) }
                for d in h.deps {
                    if let l = lamports[d] { maxParent = max(maxParent, l) }
                    else { problem("depends on \(d.short()), which is not stored before it", event.id) }
                }
                if h.lamport != maxParent + 1 {
                    problem("lamport \(h.lamport) is not 1 + the largest lamport of its parents (\(maxParent + 1))", event.id)
                }
                lamports[event.id] = h.lamport
                chains[h.author, default: [:]][h.seq] = event.id
            }
            for (author, seqs) in try forkedAuthors() {
                problems.append(LogProblem(row: nil, event: nil, message: "author \(author.raw.short()) forked its chain at seq \(seqs.map(String.init).joined(separator: ", ")): both events are kept as evidence and its further events are refused"))
            }
            return problems
        }
    }

}
