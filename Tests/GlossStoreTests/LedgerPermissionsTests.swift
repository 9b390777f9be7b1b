import Foundation
import GlossCore
@testable import GlossStore
import Testing
import GlossTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A ledger is private to its user: created so, and refused when another user owns it or may
/// read it, with the command that fixes it.
@Suite struct LedgerPermissionsTests {
    typealias Facts = LedgerPermissions.Facts

    @Test func judgeRefusesOpenModesAndOtherOwners() throws {
        let me: UInt32 = 1000
        #expect(LedgerPermissions.judge(Facts(path: "/l", kind: .folder, mode: 0o700, owner: me), me: me) == nil)
        #expect(LedgerPermissions.judge(Facts(path: "/l/key", kind: .key, mode: 0o600, owner: me), me: me) == nil)
        let world = try #require(LedgerPermissions.judge(Facts(path: "/l", kind: .folder, mode: 0o755, owner: me), me: me))
        #expect(world.code == .ledgerPermissions && world.message.contains("every user") && world.message.contains("chmod 700 /l"))
        let group = try #require(LedgerPermissions.judge(Facts(path: "/l/ledger.sqlite", kind: .database, mode: 0o640, owner: me), me: me))
        #expect(group.message.contains("group") && group.message.contains("chmod 600 /l/ledger.sqlite"))
        let other = try #require(LedgerPermissions.judge(Facts(path: "/l/key", kind: .key, mode: 0o600, owner: 0), me: me))
        #expect(other.code == .keyPermissions && other.message.contains("chown"))
        let link = try #require(LedgerPermissions.judge(Facts(path: "/l/key", kind: .key, mode: 0o644, owner: me, symlinkTarget: "/usb/key"), me: me))
        #expect(link.message.contains("chmod 600 /usb/key") && link.message.contains("symbolic link"), "judged and named by its target")
    }

    @Test func aNewLedgerIsPrivateWalFilesIncluded() throws {
        let dir = try TempDir()
        let folder = dir.path + "/ledger"
        let ledger = try Ledger.create(at: folder)
        // An append leaves the WAL and shared-memory files while the connection is open.
        _ = try ledger.log.appendOwn(key: ledger.key, payload: .articleAdded(ArticleAdded(title: "t", source: "s", text: "Some text.")), time: 1)
        var found = 0
        for name in ["", "/key", "/ledger.sqlite", "/ledger.sqlite-wal", "/ledger.sqlite-shm"] {
            var st = stat()
            guard stat(folder + name, &st) == 0 else { continue }
            found += 1
            #expect(st.st_mode & 0o077 == 0, "\(folder + name) has mode \(String(st.st_mode & 0o777, radix: 8))")
        }
        #expect(found >= 4, "the folder, the key, the database and its WAL file exist")
    }

    @Test func openRefusesWhatOthersMayReadAndSaysHowToFixIt() throws {
        let dir = try TempDir()
        let folder = dir.path + "/ledger"
        _ = try Ledger.create(at: folder)
        for (path, mode, fix) in [(folder, 0o755, "chmod 700"), (folder + "/ledger.sqlite", 0o644, "chmod 600"), (folder + "/key", 0o640, "chmod 600")] {
            chmod(path, mode_t(mode))
            #expect { try Ledger.open(at: folder) } throws: { e in
                guard let e = e as? StoreError else { return false }
                return [.ledgerPermissions, .keyPermissions].contains(e.code) && e.message.contains("\(fix) \(path)")
            }
            chmod(path, mode_t(path == folder ? 0o700 : 0o600))
            #expect(throws: Never.self) { try Ledger.open(at: folder) }
        }
        // An existing folder others can read is refused before a key is written into it.
        let open = dir.path + "/shared"
        mkdir(open, 0o755); chmod(open, 0o755)
        #expect { try Ledger.create(at: open) } throws: { ($0 as? StoreError)?.code == .ledgerPermissions }
        #expect(!FileManager.default.fileExists(atPath: open + "/key"))
    }

    @Test func aSymlinkedKeyIsJudgedByItsTarget() throws {
        let dir = try TempDir()
        let folder = dir.path + "/ledger"
        _ = try Ledger.create(at: folder)
        let moved = dir.path + "/elsewhere-key"
        #expect(rename(folder + "/key", moved) == 0)
        #expect(symlink(moved, folder + "/key") == 0)
        #expect(throws: Never.self) { try Ledger.open(at: folder) }
        chmod(moved, 0o644)
        #expect { try Ledger.open(at: folder) } throws: { e in
            let m = (e as? StoreError)?.message ?? ""
            return m.contains("chmod 600 \(moved)") && m.contains("symbolic link")
        }
    }

    @Test(.enabled(if: geteuid() == 0, "changing a file's owner needs root; CI runs as root"))
    func aLedgerOwnedBySomeoneElseIsRefused() throws {
        let dir = try TempDir()
        let folder = dir.path + "/ledger"
        _ = try Ledger.create(at: folder)
        #expect(chown(folder + "/ledger.sqlite", 65534, 65534) == 0)
        #expect { try Ledger.open(at: folder) } throws: { e in
            let m = (e as? StoreError)?.message ?? ""
            return (e as? StoreError)?.code == .ledgerPermissions && m.contains("chown")
        }
    }
}

/// SQLite failures a person can do something about are said in words, not SQLite's.
@Suite struct StoreErrorWordsTests {
    @Test func readOnlyFullAndFailingDisksSayWhatToDo() {
        let readOnly = StoreError.from(SQLiteError(code: 8, message: "attempt to write a readonly database"), path: "/l/ledger.sqlite")
        #expect(readOnly.message.contains("read-only") && readOnly.message.contains("nothing was changed") && !readOnly.message.contains("readonly database"))
        let full = StoreError.from(SQLiteError(code: 13, message: "database or disk is full"), path: "/l/ledger.sqlite")
        #expect(full.message.contains("is full") && full.message.contains("free some space"))
        let io = StoreError.from(SQLiteError(code: 10 | (3 << 8), message: "disk I/O error"), path: "/l/ledger.sqlite")
        #expect(io.message.contains("the disk failed") && io.code == .io)
    }

    /// The cause stays with the error: SQLite's result code, the decode error, so callers decide
    /// on values, not on text.
    @Test func errorsKeepTheirCause() throws {
        let full = StoreError.from(SQLiteError(code: 13, message: "database or disk is full"), path: "/l")
        #expect(full.cause == .sqlite(code: 13, message: "database or disk is full"))
        let dir = try TempDir()
        let log = try EventLog(path: dir.path + "/l.sqlite", create: true)
        let bad = Payload.annotationCreated(AnnotationCreated(article: .zero, target: .reply(to: .zero), motivation: "replying", body: "b", tags: ["t\u{1B}"]))
        #expect { try log.appendOwn(key: SigningKey(), payload: bad, time: 1) } throws: { e in
            guard let e = e as? StoreError, e.code == .invalidEvent, case .decode(let d)? = e.cause else { return false }
            return d.message.contains("control characters")
        }
    }
}
