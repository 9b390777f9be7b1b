import CSQLite
import Foundation
import GlossCore

/// The machine's own limits, measured in the same run as Gloss: OpenSSL's raw Ed25519 rates on
/// one core (the same libcrypto calls Gloss makes) and raw SQLite insert and scan rates for rows
/// the size of our events.
enum Machine {
    static func signRate(_ n: Int) -> Double {
        let key = SigningKey()
        let msg = SHA256.hash([1]).bytes
        return Double(n) / seconds { for _ in 0..<n { _ = key.sign(msg) } }
    }

    static func verifyRate(_ n: Int) -> Double {
        let key = SigningKey()
        let msg = SHA256.hash([1]).bytes
        let sig = key.sign(msg)
        var ok = 0
        let t = seconds { for _ in 0..<n where key.publicKey.verify(signature: sig[...], message: msg) { ok += 1 } }
        precondition(ok == n)
        return Double(n) / t
    }

    /// Ed25519 verifications per second on every core at once (`Parallel.map`, as gloss itself
    /// verifies a batch): the floor a sync's throughput is measured against.
    static func verifyRateAllCores(_ n: Int) -> Double {
        let key = SigningKey()
        let msg = SHA256.hash([2]).bytes
        let sig = key.sign(msg)
        var ok: [Bool] = []
        let t = seconds { ok = Parallel.map(Array(0..<n), minimumPerThread: 64) { _ in key.publicKey.verify(signature: sig[...], message: msg) } }
        precondition(ok.allSatisfy { $0 })
        return Double(n) / t
    }

    /// Inserts and scans `n` rows of `rowBytes` bytes keyed by a random 32-byte hash (as our
    /// events are), 1,000 rows per transaction, WAL, synchronous=FULL; raw C API, no Swift
    /// wrapper. Returns (inserts/s, scanned rows/s).
    static func sqliteRates(path: String, n: Int, rowBytes: Int) -> (insert: Double, scan: Double) {
        var db: OpaquePointer?
        sqlite3_open(path, &db)
        defer { sqlite3_close(db) }
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-32768; CREATE TABLE t(rowid INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, bytes BLOB NOT NULL)", nil, nil, nil)
        var stmt: OpaquePointer?
        sqlite3_prepare_v2(db, "INSERT INTO t(id, bytes) VALUES (?, ?)", -1, &stmt, nil)
        let blob = [UInt8](repeating: 0x5a, count: rowBytes)
        var counter: UInt64 = 0
        let insert = seconds {
            var i = 0
            while i < n {
                sqlite3_exec(db, "BEGIN", nil, nil, nil)
                for _ in 0..<min(1000, n - i) {
                    counter += 1
                    let id = SHA256.hash(withUnsafeBytes(of: counter) { Array($0) }).bytes
                    id.withUnsafeBytes { _ = sqlite3_bind_blob(stmt, 1, $0.baseAddress, 32, gloss_sqlite_transient()) }
                    blob.withUnsafeBytes { _ = sqlite3_bind_blob(stmt, 2, $0.baseAddress, Int32(rowBytes), gloss_sqlite_static()) }
                    sqlite3_step(stmt)
                    sqlite3_reset(stmt)
                    i += 1
                }
                sqlite3_exec(db, "COMMIT", nil, nil, nil)
            }
        }
        sqlite3_finalize(stmt)
        sqlite3_prepare_v2(db, "SELECT id, bytes FROM t ORDER BY rowid", -1, &stmt, nil)
        var total = 0
        var rows = 0
        let scan = seconds {
            while sqlite3_step(stmt) == SQLITE_ROW {
                total &+= Int(sqlite3_column_bytes(stmt, 1))
                _ = sqlite3_column_blob(stmt, 1)
                rows += 1
            }
        }
        sqlite3_finalize(stmt)
        precondition(rows == n && total == n * rowBytes)
        return (Double(n) / insert, Double(n) / scan)
    }
}
