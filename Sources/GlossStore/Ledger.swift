import GlossCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A ledger folder (mode 0700): the SQLite event log (`ledger.sqlite`, and its WAL files, mode
/// 0600) and the author's private key (`key`, mode 0600), opened together, each refused when
/// another user owns it or may read it (`LedgerPermissions`). The facade the CLI talks to.
public final class Ledger {
    public static let databaseName = "ledger.sqlite"
    public static let keyName = "key"
    /// The setting `gloss key import` leaves at "1" until the first sync or bundle import:
    /// writing before then could fork the imported key's chain.
    public static let awaitingSyncSetting = "key.awaiting-sync"

    public let folder: String
    public private(set) var key: SigningKey
    public let log: EventLog

    private init(folder: String, key: SigningKey, log: EventLog) {
        self.folder = folder; self.key = key; self.log = log
    }

    public var databasePath: String { Self.databasePath(folder) }

    /// The identity this ledger's key writes for (MERGE.md §18): its own key unless a link
    /// made it a device of another.
    public func identity() throws(StoreError) -> PublicKey { try log.devices().identity(of: key.publicKey) }
    static func databasePath(_ folder: String) -> String { folder + "/" + databaseName }
    static func keyPath(_ folder: String) -> String { folder + "/" + keyName }

    /// Creates a new ledger with a fresh key. Refuses to touch a folder that already holds one.
    public static func create(at folder: String, key: SigningKey = SigningKey()) throws(StoreError) -> Ledger {
        if FileSystem.exists(databasePath(folder)) || FileSystem.exists(keyPath(folder)) {
            throw StoreError(.alreadyExists, "\(folder) already holds a ledger; use it as it is, or choose another folder with --ledger")
        }
        try FileSystem.makeFolder(folder)
        // An existing folder others can read is refused before a key is written into it.
        try LedgerPermissions.check(folder: folder, key: keyPath(folder), database: databasePath(folder))
        try KeyFile.write(key, to: keyPath(folder))
        // Created empty with mode 0600 before SQLite opens it: SQLite would use 0644 less the
        // umask, and gives its WAL and shared-memory files the database file's mode.
        try FileSystem.writeNew(databasePath(folder), [], mode: 0o600)
        let log = try EventLog(path: databasePath(folder), create: true)
        return Ledger(folder: folder, key: key, log: log)
    }

    /// Makes `newKey` this ledger's identity: the old key file is kept beside it as
    /// `key.replaced-TIME` (mode 0600), never deleted.
    public func replaceKey(_ newKey: SigningKey) throws(StoreError) {
        let path = Self.keyPath(folder)
        let kept = path + ".replaced-\(Clock.nowMillis())"
        guard rename(path, kept) == 0 else { throw StoreError(.io, "cannot set the old key file aside: \(FileSystem.errno_())") }
        do { try KeyFile.write(newKey, to: path) } catch {
            _ = rename(kept, path)
            throw error
        }
        key = newKey
    }

    /// Opens an existing ledger, checking its key file and database.
    public static func open(at folder: String, willRepair: ((_ events: Int, _ rebuild: Bool) -> Void)? = nil) throws(StoreError) -> Ledger {
        guard FileSystem.exists(databasePath(folder)) else {
            throw StoreError(.noLedger, "no ledger at \(folder): create one with `gloss init`, or point --ledger (or GLOSS_LEDGER) at an existing one")
        }
        try LedgerPermissions.check(folder: folder, key: keyPath(folder), database: databasePath(folder))
        let key = try KeyFile.read(keyPath(folder))
        let log = try EventLog(path: databasePath(folder), create: false, willRepair: willRepair)
        return Ledger(folder: folder, key: key, log: log)
    }
}

/// The private key file: one line, `gloss-ed25519-seed-v1 ` and the 32-byte seed in hex.
/// Written with mode 0600; a file that others may read is refused.
public enum KeyFile {
    static let tag = "gloss-ed25519-seed-v1 "

    public static func write(_ key: SigningKey, to path: String) throws(StoreError) {
        let text = tag + Hex.encode(key.seedBytes()) + "\n"
        try FileSystem.writeNew(path, Array(text.utf8), mode: 0o600)
    }

    public static func read(_ path: String) throws(StoreError) -> SigningKey {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw StoreError(.keyFile, "the key file \(path) is missing: the ledger cannot sign without it; restore it from a backup")
        }
        if st.st_mode & 0o077 != 0 {
            throw StoreError(.keyPermissions, "the key file \(path) can be read by other users (mode \(String(st.st_mode & 0o777, radix: 8))): run `chmod 600 \(path)`")
        }
        let bytes = try FileSystem.read(path)
        let text = String(decoding: bytes, as: UTF8.self).trimmingTrailingNewlines()
        guard text.hasPrefix(tag), let seed = Hex.decode(String(text.dropFirst(tag.count))), seed.count == 32,
              let key = try? SigningKey(seed: seed) else {
            throw StoreError(.keyFile, "the key file \(path) is damaged (expected one line: \(tag.trimmingTrailingNewlines())<64 hex digits>); restore it from a backup")
        }
        return key
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while let l = s.last, l.isNewline || l == " " { s.removeLast() }
        return String(s)
    }
}
