import CSQLite
import GlossCore

/// A SQLite failure: the result code to match on, and a message that says what was being done.
/// Bound values (event bytes, annotation text) never appear in it.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public var description: String { "SQLite error \(code): \(message)" }
    /// The database file is not a SQLite database, or is damaged.
    public var isCorrupt: Bool { code == SQLITE_NOTADB || code == SQLITE_CORRUPT }
    public var isBusy: Bool { code & 0xff == SQLITE_BUSY || code & 0xff == SQLITE_LOCKED }
    /// The file, its folder or its disk cannot be written.
    public var isReadOnly: Bool { code & 0xff == SQLITE_READONLY || code & 0xff == SQLITE_PERM }
    public var isFull: Bool { code & 0xff == SQLITE_FULL }
    public var isIOError: Bool { code & 0xff == SQLITE_IOERR }
}

/// The system SQLite Gloss runs on (`gloss --version`).
public enum SQLiteLibrary {
    public static var version: String { String(cString: sqlite3_libversion()) }
}

/// One connection to a SQLite file. Not Sendable: a connection belongs to the task that opened it.
public final class SQLiteConnection {
    let db: OpaquePointer
    private var statements: [String: Statement] = [:]

    public init(path: String, create: Bool) throws(SQLiteError) {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let msg = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw SQLiteError(code: rc, message: "cannot open \(path): \(msg)")
        }
        db = handle
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit {
        literalStatements.removeAll()
        statements.removeAll()
        sqlite3_close_v2(db)
    }

    func error(_ rc: Int32, _ doing: String) -> SQLiteError {
        SQLiteError(code: rc, message: "\(doing): \(String(cString: sqlite3_errmsg(db)))")
    }

    /// Runs one or more statements that take no parameters and return no rows we need.
    public func execute(_ sql: String) throws(SQLiteError) {
        let rc = sqlite3_exec(db, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, "executing \(sql.prefix(60))") }
    }

    /// A prepared statement, cached by its SQL text and reset before being handed out again.
    public func statement(_ sql: String) throws(SQLiteError) -> Statement {
        if let s = statements[sql] {
            s.reset()
            return s
        }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, "preparing \(sql.prefix(60))") }
        let s = Statement(stmt, connection: self)
        statements[sql] = s
        return s
    }

    /// `statement(_:)` for SQL written in the source: cached by the literal's address, so the
    /// hot paths (the projector applies a dozen statements per event) do not hash the SQL text
    /// on every call.
    public func prepared(_ sql: StaticString) throws(SQLiteError) -> Statement {
        let key = UnsafeRawPointer(sql.utf8Start)
        if let s = literalStatements[key] {
            s.reset()
            return s
        }
        let s = try statement(sql.description)
        literalStatements[key] = s
        return s
    }
    private var literalStatements: [UnsafeRawPointer: Statement] = [:]

    /// Runs `body` in a transaction; commits if it returns, rolls back if it throws.
    /// `immediate` takes the write lock at the start, so what `body` reads stays true until commit.
    public func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public var changes: Int { Int(sqlite3_changes(db)) }

    /// The rowid of the last row this connection inserted.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(db) }

    /// Resets every cached statement. A statement left mid-way (a query whose caller stopped at
    /// the first row) keeps a read transaction open, which pins an old snapshot of the file and
    /// makes this connection's next write fail as busy; so every store call ends with this.
    public func resetStatements() {
        for s in statements.values { sqlite3_reset(s.stmt) }
    }

    /// How deep the current store call is nested: statements are reset only when the
    /// outermost call ends, never under a caller still reading rows.
    var callDepth = 0
}

/// A prepared statement with 1-based parameter binding and 0-based column reading.
public final class Statement {
    let stmt: OpaquePointer
    unowned let connection: SQLiteConnection

    init(_ stmt: OpaquePointer, connection: SQLiteConnection) {
        self.stmt = stmt
        self.connection = connection
    }
    deinit { sqlite3_finalize(stmt) }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    @discardableResult
    public func bind(_ i: Int32, _ v: Int64) -> Statement { sqlite3_bind_int64(stmt, i, v); return self }
    @discardableResult
    public func bind(_ i: Int32, _ v: String) -> Statement { sqlite3_bind_text(stmt, i, v, -1, gloss_sqlite_transient()); return self }
    @discardableResult
    public func bindNull(_ i: Int32) -> Statement { sqlite3_bind_null(stmt, i); return self }
    @discardableResult
    public func bind(_ i: Int32, _ v: Hash32) -> Statement {
        v.withUnsafeBytes { b in _ = sqlite3_bind_blob(stmt, i, b.baseAddress, 32, gloss_sqlite_transient()) }
        return self
    }
    @discardableResult
    public func bind(_ i: Int32, blob: [UInt8]) -> Statement {
        // An empty blob, not NULL (a nil base address would bind NULL).
        if blob.isEmpty { sqlite3_bind_zeroblob(stmt, i, 0); return self }
        blob.withUnsafeBytes { b in _ = sqlite3_bind_blob(stmt, i, b.baseAddress, Int32(b.count), gloss_sqlite_transient()) }
        return self
    }
    @discardableResult
    public func bind(_ i: Int32, _ v: PublicKey) -> Statement { bind(i, v.raw) }
    @discardableResult
    public func bind<C: Collection>(_ i: Int32, blob: C) -> Statement where C.Element == UInt8 {
        let a = Array(blob)
        if a.isEmpty { sqlite3_bind_zeroblob(stmt, i, 0); return self }
        a.withUnsafeBytes { b in _ = sqlite3_bind_blob(stmt, i, b.baseAddress, Int32(b.count), gloss_sqlite_transient()) }
        return self
    }

    /// Advances; true while there is a row.
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(stmt)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc, "running \(String(cString: sqlite3_sql(stmt)).prefix(60))")
        }
    }

    /// Runs a statement that returns no rows.
    public func run() throws(SQLiteError) {
        while try step() {}
    }

    public func int(_ col: Int32) -> Int64 { sqlite3_column_int64(stmt, col) }
    public func double(_ col: Int32) -> Double { sqlite3_column_double(stmt, col) }
    public func isNull(_ col: Int32) -> Bool { sqlite3_column_type(stmt, col) == SQLITE_NULL }
    public func text(_ col: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, col) else { return "" }
        return String(cString: p)
    }
    public func hash(_ col: Int32) -> Hash32? {
        guard Int(sqlite3_column_bytes(stmt, col)) == 32, let p = sqlite3_column_blob(stmt, col) else { return nil }
        return Hash32(UnsafeRawBufferPointer(start: p, count: 32))
    }
    /// The column's bytes in place: valid until the statement steps, resets or is finalized.
    public func rawBlob(_ col: Int32) -> UnsafeRawBufferPointer {
        let n = Int(sqlite3_column_bytes(stmt, col))
        guard n > 0, let p = sqlite3_column_blob(stmt, col) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: p, count: n)
    }
    public func blob(_ col: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, col))
        guard n > 0, let p = sqlite3_column_blob(stmt, col) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}
