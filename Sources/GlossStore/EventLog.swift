import GlossCore
import GlossReplay

/// The append-only log of signed events in one SQLite file. Every insert is verified
/// (canonical form, id, signature, seq/prev chain, lamport rule, deps present) and idempotent
/// by id; a commit returns only once SQLite has made it durable (WAL, synchronous=FULL).
///
/// Not Sendable: it owns one SQLite connection. Open one per task or process.
public final class EventLog {
    public let path: String
    let db: SQLiteConnection
    /// SQLite's page cache for this connection, in KiB.
    let cacheKiB: Int

    /// Opens (or, with `create`, creates) the log at `path`, applying any pending migrations.
    /// `cacheKiB`: SQLite's page cache for this connection. A sync session needs little (it
    /// reads in order and inserts in batches); fifty of them at 8 MiB each would be 400 MiB.
    /// `willRepair(events, rebuild)` is called before the projection is caught up (rebuild
    /// false) or rebuilt from the log, with the number of events that takes: a caller can tell a
    /// person why opening takes a while.
    /// `secureDelete: false` only for `make bench`, to measure what zeroing freed bytes costs.
    public init(path: String, create: Bool = false, cacheKiB: Int = 8192, secureDelete: Bool = true,
                willRepair: ((_ events: Int, _ rebuild: Bool) -> Void)? = nil) throws(StoreError) {
        self.path = path
        self.cacheKiB = max(256, cacheKiB)
        do {
            db = try SQLiteConnection(path: path, create: create)
            // WAL: readers never block the writer. synchronous=FULL: a COMMIT has been fsynced
            // when it returns, so "appended" means "on disk" even across a power loss.
            // secure_delete: what a row loses (an erased payload, MERGE.md §19; projection rows
            // rewritten) is zeroed in the file, not left in free space.
            try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = \(secureDelete ? "ON" : "OFF"); PRAGMA cache_size = -\(max(256, cacheKiB))")
            try Schema.migrate(db)
        } catch let e as SQLiteError {
            throw StoreError.from(e, path: path)
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(.sqlite, "\(path): \(error)")
        }
        projectionRepair = try updateProjection(willRepair: willRepair)
        // An erasure whose old pages a reader kept in the WAL last time: try again.
        compactAfterErasure()
    }

    /// What opening found of the projection (and did about it).
    public private(set) var projectionRepair: ProjectionRepair = .current

    /// A transaction of this call cut erased payloads: compact when the outermost call ends.
    var compactionDue = false

    /// The device map of the log's device events, and their ids: recomputed when they change.
    var deviceCache: (ids: [EventID], map: DeviceMap)?

    func wrap<T>(_ body: () throws -> T) throws(StoreError) -> T {
        db.callDepth += 1
        defer {
            db.callDepth -= 1
            if db.callDepth == 0 {
                db.resetStatements()
                // Payloads were cut (erasure): once committed, their old pages leave the WAL too.
                if compactionDue { compactionDue = false; compactAfterErasure() }
            }
        }
        do { return try body() }
        catch let e as StoreError { throw e }
        catch let e as SQLiteError { throw StoreError.from(e, path: path) }
        catch let e as DecodeError { throw StoreError(.invalidEvent, e.message, cause: .decode(e)) }
        catch { throw StoreError(.internal, "\(path): \(error)", cause: .other("\(error)")) }
    }

    // MARK: Reading

    /// The row of the newest event (0 when empty).
    public func lastRow() throws(StoreError) -> Int64 {
        try wrap { try lastRowInCall() }
    }

    public func count() throws(StoreError) -> Int {
        try wrap {
            let s = try db.statement("SELECT count(*) FROM events")
            _ = try s.step()
            return Int(s.int(0))
        }
    }

    /// The ids of the events no other event names as a parent, ascending.
    public func heads() throws(StoreError) -> [EventID] {
        try wrap {
            let s = try db.statement("SELECT id FROM heads ORDER BY id")
            var out: [EventID] = []
            while try s.step() { out.append(Hash32(s.blob(0))) }
            return out
        }
    }

    /// Position in the chain of the newest event of `author`.
    public struct ChainTip: Sendable, Equatable {
        public let seq: UInt64
        public let id: EventID
        public let lamport: UInt64
    }

    public func tip(of author: PublicKey) throws(StoreError) -> ChainTip? {
        try wrap {
            let s = try db.statement("SELECT seq, id, lamport FROM events WHERE author = ? ORDER BY seq DESC LIMIT 1")
            s.bind(1, blob: author.raw.bytes)
            guard try s.step() else { return nil }
            return ChainTip(seq: UInt64(s.int(0)), id: Hash32(s.blob(1)), lamport: UInt64(s.int(2)))
        }
    }

    public func event(_ id: EventID) throws(StoreError) -> Event? {
        try wrap {
            let s = try db.statement("SELECT bytes FROM events WHERE id = ?")
            s.bind(1, blob: id.bytes)
            guard try s.step() else { return nil }
            return try Event.decode(s.blob(0), expectedID: id, allowErased: true)
        }
    }

    public func contains(_ id: EventID) throws(StoreError) -> Bool {
        try wrap {
            let s = try db.statement("SELECT 1 FROM events WHERE id = ?")
            s.bind(1, blob: id.bytes)
            return try s.step()
        }
    }

    /// Every event, in the order it was stored (which is always parents first).
    public func allEvents() throws(StoreError) -> [Event] {
        try events(afterRow: 0).events
    }

    /// Events stored after row `row`, in stored order, with the last row read. Decoded as
    /// trusted (verified when stored); `verifyAll` is the check that trusts nothing.
    public func events(afterRow row: Int64) throws(StoreError) -> (events: [Event], lastRow: Int64) {
        try wrap {
            let s = try db.statement("SELECT rowid, id, bytes FROM events WHERE rowid > ? ORDER BY rowid")
            s.bind(1, row)
            var out: [Event] = []
            var last = row
            while try s.step() {
                last = s.int(0)
                out.append(try Event.decode(stored: s.blob(2), id: Hash32(s.blob(1))))
            }
            return (out, last)
        }
    }

    /// How many authors this ledger holds events of.
    public func authorCount() throws(StoreError) -> Int {
        try wrap {
            let s = try db.statement("SELECT count(*) FROM p_tips")
            _ = try s.step()
            return Int(s.int(0))
        }
    }

    /// This ledger's frontier: each author's newest seq and id (kept by the projection).
    public func frontier() throws(StoreError) -> Frontier {
        try wrap {
            let s = try db.statement("SELECT author, seq, id FROM p_tips")
            var tips: [PublicKey: Frontier.Tip] = [:]
            while try s.step() {
                guard let author = s.hash(0) else { continue }
                tips[PublicKey(author)] = Frontier.Tip(seq: UInt64(s.int(1)), id: s.hash(2))
            }
            return Frontier(tips)
        }
    }

    /// Ids of stored events whose hex form starts with `prefix` (at most `limit`).
    public func ids(withPrefix prefix: String, limit: Int = 10) throws(StoreError) -> [EventID] {
        try wrap { try IDPrefix.lookup(db, table: "events", prefix: prefix, limit: limit) }
    }

    /// Authors refused because they forked, with the (author, seq) of each piece of evidence.
    public func forkedAuthors() throws(StoreError) -> [PublicKey: [UInt64]] {
        try wrap {
            let s = try db.statement("SELECT author, seq FROM forks ORDER BY author, seq")
            var out: [PublicKey: [UInt64]] = [:]
            while try s.step() { out[PublicKey(Hash32(s.blob(0))), default: []].append(UInt64(s.int(1))) }
            return out
        }
    }

    public func setting(_ key: String) throws(StoreError) -> String? {
        try wrap {
            let s = try db.statement("SELECT value FROM settings WHERE key = ?")
            s.bind(1, key)
            return try s.step() ? s.text(0) : nil
        }
    }

    public func setSetting(_ key: String, _ value: String) throws(StoreError) {
        try wrap {
            try db.transaction { try setSettingInCall(key, value) }
        }
    }

    func setSettingInCall(_ key: String, _ value: String) throws {
        try db.statement("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .bind(1, key).bind(2, value).run()
    }
}

extension EventLog {
    /// Runs `body` in one read transaction: everything it reads sees the same state of the file,
    /// whatever other processes commit meanwhile.
    public func reading<T>(_ body: () throws -> T) throws -> T {
        try wrap { try db.transaction(immediate: false) { try body() } }
    }
}

/// One row of `gloss log`: an event's header fields, without its payload.
public struct LogEntry: Sendable {
    public let id: EventID
    public let author: PublicKey
    public let seq: UInt64
    public let lamport: UInt64
    public let time: Int64
    public let kind: UInt16
}

extension EventLog {
    /// Calls `body` with each event in the total order (lamport, author, id), or with the last
    /// `last` of them, one row at a time.
    public func forEachLogEntry(last: Int? = nil, _ body: (LogEntry) throws -> Void) throws {
        try wrap {
            func entry(_ s: Statement) -> LogEntry {
                LogEntry(id: s.hash(0) ?? .zero, author: PublicKey(s.hash(1) ?? .zero), seq: UInt64(s.int(2)),
                         lamport: UInt64(s.int(3)), time: s.int(4), kind: UInt16(clamping: s.int(5)))
            }
            if let last {
                // The last N in reverse, then printed oldest first: N rows in memory.
                let s = try db.statement("SELECT id, author, seq, lamport, time, kind FROM events ORDER BY lamport DESC, author DESC, id DESC LIMIT ?").bind(1, Int64(last))
                var rows: [LogEntry] = []
                while try s.step() { rows.append(entry(s)) }
                for e in rows.reversed() { try body(e) }
            } else {
                let s = try db.statement("SELECT id, author, seq, lamport, time, kind FROM events ORDER BY lamport, author, id")
                while try s.step() { try body(entry(s)) }
            }
        }
    }
}
