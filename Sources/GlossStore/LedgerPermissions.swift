#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who may read a ledger (SECURITY.md §3): its folder, database files and key must belong to
/// the user running gloss and be closed to everyone else, since one `chmod` would otherwise
/// expose every note (and the key, every signature) to every user of the machine.
///
/// `judge` is pure (a file's facts in, a refusal out); `check` gathers the facts with
/// `lstat`/`stat`. A symlink is judged by what it points to, and the message names both.
public enum LedgerPermissions {
    /// What a ledger file is, for the message.
    public enum Kind: Sendable, Equatable {
        case folder, database, key
        var noun: String {
            switch self {
            case .folder: "ledger folder"
            case .database: "ledger database"
            case .key: "key file"
            }
        }
        var privateMode: String { self == .folder ? "700" : "600" }
    }

    /// One file's facts, as `stat` gives them.
    public struct Facts: Sendable, Equatable {
        public var path: String
        public var kind: Kind
        /// Permission bits (`st_mode & 0o777`) of the file itself, or of a symlink's target.
        public var mode: UInt32
        public var owner: UInt32
        /// The target, when `path` is a symbolic link.
        public var symlinkTarget: String?
        public init(path: String, kind: Kind, mode: UInt32, owner: UInt32, symlinkTarget: String? = nil) {
            self.path = path; self.kind = kind; self.mode = mode; self.owner = owner; self.symlinkTarget = symlinkTarget
        }
    }

    /// Why this file may not be used by user `me`, with the command that fixes it; nil if fine.
    public static func judge(_ f: Facts, me: UInt32) -> StoreError? {
        let code: StoreError.Code = f.kind == .key ? .keyPermissions : .ledgerPermissions
        let target = f.symlinkTarget ?? f.path
        let via = f.symlinkTarget == nil ? "" : " (\(f.path) is a symbolic link to it; judged by what it points to)"
        if f.owner != me {
            return StoreError(code, "the \(f.kind.noun) \(target)\(via) belongs to user \(userName(f.owner)), not to you (\(userName(me))): run gloss as that user, or take the file over with `chown \(userName(me)) \(target)`")
        }
        if f.mode & 0o077 != 0 {
            let who = f.mode & 0o007 != 0 ? "every user of this machine" : "other members of its group"
            return StoreError(code, "the \(f.kind.noun) \(target)\(via) is open to \(who) (mode \(String(f.mode, radix: 8))): run `chmod \(f.kind.privateMode) \(target)`")
        }
        return nil
    }

    /// Checks a ledger folder, its key and database files (and the WAL files beside it, when
    /// present); throws the first problem.
    public static func check(folder: String, key: String, database: String) throws(StoreError) {
        let me = UInt32(geteuid())
        var files: [(String, Kind)] = [(folder, .folder), (key, .key), (database, .database)]
        for extra in ["-wal", "-shm"] where FileSystem.exists(database + extra) { files.append((database + extra, .database)) }
        for (path, kind) in files {
            guard let f = facts(path, kind) else { continue }  // missing: the caller says so
            if let problem = judge(f, me: me) { throw problem }
        }
    }

    /// The facts of `path` (following a symlink), or nil if it does not exist.
    static func facts(_ path: String, _ kind: Kind) -> Facts? {
        var link = stat(), st = stat()
        guard lstat(path, &link) == 0, stat(path, &st) == 0 else { return nil }
        var target: String?
        if link.st_mode & S_IFMT == S_IFLNK, let r = realpath(path, nil) {
            target = String(cString: r)
            free(r)
        }
        return Facts(path: path, kind: kind, mode: UInt32(st.st_mode & 0o777), owner: UInt32(st.st_uid), symlinkTarget: target)
    }

    static func userName(_ uid: UInt32) -> String {
        guard let pw = getpwuid(uid_t(uid)), let name = pw.pointee.pw_name else { return "uid \(uid)" }
        return String(cString: name)
    }
}
