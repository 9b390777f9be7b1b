import GlossCore

/// How the projection was found when the ledger was opened.
public enum ProjectionRepair: Sendable, Equatable {
    /// It covered the whole log.
    case current
    /// It lagged behind the log (events appended by an older gloss): the rows after it were applied.
    case caughtUp(events: Int)
    /// It was missing, of another format, or did not match the log: rebuilt from every event.
    case rebuilt(events: Int, reason: String)
}

extension EventLog {
    /// Brings the projection up to the log, in a transaction of its own when the caller has none
    /// open: applies the rows it lacks, or rebuilds it when it is missing, of another format, or
    /// claims rows the log does not have (a ledger file swapped or restored under it).
    @discardableResult
    public func updateProjection(willRepair: ((_ events: Int, _ rebuild: Bool) -> Void)? = nil) throws(StoreError) -> ProjectionRepair {
        try wrap {
            // Reading first keeps the common case (already current) free of a write lock.
            let status = try projectionStatus()
            if case .current = status { return .current }
            if let willRepair {
                let last = try lastRowInCall()
                switch status {
                case .behind(let upto): willRepair(Int(last - upto), false)
                case .invalid: willRepair(Int(last), true)
                case .current: break
                }
            }
            return try db.transaction { try bringProjectionUpToDate() }
        }
    }

    /// Rebuilds the projection from every event of the log, whatever state it is in.
    @discardableResult
    public func rebuildProjection() throws(StoreError) -> Int {
        try wrap { try db.transaction { try rebuild() } }
    }

    enum ProjectionStatus { case current, behind(upto: Int64), invalid(String) }

    func projectionStatus() throws -> ProjectionStatus {
        let exists = try db.statement("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'projection'")
        guard try exists.step() else { return .invalid("it is missing (a ledger made by an older gloss)") }
        exists.reset()
        let s = try db.statement("SELECT format, upto, last_id FROM projection WHERE only = 1")
        guard try s.step() else { return .invalid("it is missing") }
        let format = s.int(0), upto = s.int(1), lastID = s.hash(2)
        s.reset()
        guard format == ProjectionSchema.format else { return .invalid("it has format \(format), this gloss uses \(ProjectionSchema.format)") }
        let last = try lastRowInCall()
        if upto > last { return .invalid("it covers \(upto) rows but the log has \(last)") }
        if upto > 0 {
            let at = try db.statement("SELECT id FROM events WHERE rowid = ?").bind(1, upto)
            let id = try at.step() ? at.hash(0) : nil
            at.reset()
            guard id != nil, id == lastID else { return .invalid("the event at row \(upto) is not the one it covered") }
        }
        return upto == last ? .current : .behind(upto: upto)
    }

    /// Inside a write transaction: makes the projection cover the whole log.
    @discardableResult
    func bringProjectionUpToDate() throws -> ProjectionRepair {
        switch try projectionStatus() {
        case .current:
            return .current
        case .behind(let upto):
            let n = try applyLog(after: upto, bulk: false)
            return .caughtUp(events: n)
        case .invalid(let why):
            return .rebuilt(events: try rebuild(), reason: why)
        }
    }

    /// Applies the log's rows after `upto` and records that the projection covers them. `bulk`
    /// (a rebuild): a larger page cache for the while. The statement reading the log steps on
    /// while the projector writes: SQLite allows it, as the events table is not written here.
    private func applyLog(after upto: Int64, bulk: Bool) throws -> Int {
        var n = 0
        let projector = try makeProjector()
        if bulk { try db.execute("PRAGMA cache_size = -65536") }
        defer { if bulk { try? db.execute("PRAGMA cache_size = -\(cacheKiB)") } }
        let s = try db.prepared("SELECT rowid, id, bytes FROM events WHERE rowid > ? ORDER BY rowid").bind(1, upto)
        while try s.step() {
            let e = try Event.decode(stored: s.blob(2), id: s.hash(1) ?? .zero)
            projector.noteStored(e)
            try projector.apply(e, row: s.int(0))
            n += 1
        }
        s.reset()
        try finishProjecting(projector, events: n, caughtUp: upto > 0)
        return n
    }

    /// Drops the projection's tables and applies every event of the log in storage order.
    @discardableResult
    func rebuild() throws -> Int {
        for t in ProjectionSchema.tables { try db.execute("DROP TABLE IF EXISTS \(t)") }
        try db.execute(ProjectionSchema.create)
        try db.execute("INSERT INTO projection(only, format, upto, last_id, events) VALUES (1, \(ProjectionSchema.format), 0, NULL, 0)")
        return try applyLog(after: 0, bulk: true)
    }

    /// Records that the projection now covers the whole log, `events` more than before.
    func markProjected(events: Int) throws {
        let last = try lastRowInCall()
        let at = try db.prepared("SELECT id FROM events WHERE rowid = ?").bind(1, last)
        let id = try at.step() ? at.hash(0) : nil
        at.reset()
        let s = try db.prepared("UPDATE projection SET upto = ?, last_id = ?, events = events + ? WHERE only = 1")
        s.bind(1, last).bind(3, Int64(events))
        if let id { s.bind(2, id) } else { s.bindNull(2) }
        try s.run()
    }

    func lastRowInCall() throws -> Int64 {
        let s = try db.statement("SELECT coalesce(max(rowid), 0) FROM events")
        _ = try s.step()
        defer { s.reset() }
        return s.int(0)
    }
}
