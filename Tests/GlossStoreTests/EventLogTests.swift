import Foundation
import GlossCore
import GlossStore
import Testing
import GlossTestSupport

@Suite struct EventLogTests {
    let alice = try! SigningKey(seed: [UInt8](repeating: 1, count: 32))
    let article = Payload.articleAdded(ArticleAdded(title: "t", source: "s", text: "Some text."))

    func freshLog(_ dir: TempDir) throws -> EventLog { try EventLog(path: dir.path + "/l.sqlite", create: true) }

    @Test func ownAppendsChainAndVerify() throws {
        let dir = try TempDir(), log = try freshLog(dir)
        let e1 = try log.appendOwn(key: alice, payload: article, time: 1)
        let e2 = try log.appendOwn(key: alice, payload: .unknown(kind: 900, body: []), time: 2)
        #expect(e1.header.seq == 1 && e2.header.seq == 2)
        #expect(e2.header.prev == e1.id)
        #expect(e2.header.lamport == 2)
        #expect(try log.heads() == [e2.id])
        #expect(try log.verifyAll().isEmpty)
    }

    @Test func theLogRefusesUpdateAndDelete() throws {
        let dir = try TempDir(), log = try freshLog(dir)
        _ = try log.appendOwn(key: alice, payload: article, time: 1)
        let raw = try SQLiteConnection(path: dir.path + "/l.sqlite", create: false)
        #expect(throws: SQLiteError.self) { try raw.execute("UPDATE events SET time = 5") }
        #expect(throws: SQLiteError.self) { try raw.execute("DELETE FROM events") }
        #expect(try log.count() == 1)
    }

    @Test func appendIsIdempotentByID() throws {
        let dir = try TempDir(), log = try freshLog(dir)
        let e = try log.appendOwn(key: alice, payload: article, time: 1)
        let again = try log.append([e])
        #expect(again.stored.isEmpty && again.alreadyHad == 1)
        #expect(try log.count() == 1)
    }

    @Test func aBadEventInABatchStoresNothing() throws {
        let src = try TempDir(), a = try freshLog(src)
        var events: [Event] = []
        for i in 0..<5 { events.append(try a.appendOwn(key: alice, payload: .unknown(kind: 900, body: [UInt8(i)]), time: Int64(i))) }
        var bytes = events[3].bytes
        bytes[bytes.count - 1] ^= 1
        events[3] = try Event.decode(bytes)
        let dir = try TempDir(), log = try freshLog(dir)
        #expect(throws: StoreError.self) { try log.append(events) }
        #expect(try log.count() == 0)
        // Out of order (a child before its parent) is refused too, whole.
        let good = try a.allEvents()
        #expect { try log.append([good[0], good[2], good[1]]) } throws: { ($0 as? StoreError)?.code == .missingParent }
        #expect(try log.count() == 0)
    }

    @Test func aForkIsKeptAsEvidenceAndTheAuthorRefused() throws {
        let one = try TempDir(), two = try TempDir()
        let a = try freshLog(one), b = try freshLog(two)
        let e1 = try a.appendOwn(key: alice, payload: article, time: 1)
        try b.append([e1])
        let left = try a.appendOwn(key: alice, payload: .unknown(kind: 900, body: [1]), time: 2)
        let right = try b.appendOwn(key: alice, payload: .unknown(kind: 900, body: [2]), time: 2)  // same key, other device
        #expect { try a.append([right]) } throws: { ($0 as? StoreError)?.code == .fork }
        #expect(try a.contains(left.id) && !a.contains(right.id))
        #expect(try a.forkedAuthors()[alice.publicKey] == [2])
        #expect { try a.appendOwn(key: alice, payload: article, time: 3) } throws: { ($0 as? StoreError)?.code == .authorForked }
        let next = try b.appendOwn(key: alice, payload: .unknown(kind: 900, body: [3]), time: 3)
        #expect { try a.append([next]) } throws: { ($0 as? StoreError)?.code == .authorForked }
        #expect(try a.verifyAll().contains { $0.message.contains("forked") })
    }

    @Test func aForkInsideOneBatchKeepsBothAsEvidence() throws {
        let one = try TempDir(), two = try TempDir(), three = try TempDir()
        let a = try freshLog(one), b = try freshLog(two)
        let e1 = try a.appendOwn(key: alice, payload: article, time: 1)
        try b.append([e1])
        let left = try a.appendOwn(key: alice, payload: .unknown(kind: 900, body: [1]), time: 2)
        let right = try b.appendOwn(key: alice, payload: .unknown(kind: 900, body: [2]), time: 2)
        let c = try freshLog(three)
        #expect { try c.append([e1, left, right]) } throws: { ($0 as? StoreError)?.code == .fork }
        #expect(try c.count() == 0, "the batch is refused whole")
        #expect(try c.forkedAuthors()[alice.publicKey] == [2, 2], "both twins are kept as evidence")
    }

    @Test func twoWritersAtOnceKeepEveryChain() async throws {
        let dir = try TempDir()
        _ = try freshLog(dir)
        let path = dir.path + "/l.sqlite"
        let keys = [SigningKey(), SigningKey()]
        await withTaskGroup(of: Void.self) { group in
            for key in keys {
                group.addTask {
                    // Each writer has its own connection, as two processes would.
                    guard let log = try? EventLog(path: path) else { return }
                    for i in 0..<50 { _ = try? log.appendOwn(key: key, payload: .unknown(kind: 900, body: [UInt8(i)]), time: Int64(i)) }
                }
            }
        }
        let log = try EventLog(path: path)
        #expect(try log.count() == 100)
        #expect(try log.verifyAll().isEmpty)
        for k in keys { #expect(try log.tip(of: k.publicKey)?.seq == 50) }
    }

    @Test func garbageFileIsNotALedger() throws {
        let dir = try TempDir()
        let path = dir.path + "/l.sqlite"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect { try EventLog(path: path) } throws: { ($0 as? StoreError)?.code == .notALedger }
    }

    @Test func keyFileMustBePrivate() throws {
        let dir = try TempDir()
        let folder = dir.path + "/ledger"
        _ = try Ledger.create(at: folder)
        #expect { try Ledger.create(at: folder) } throws: { ($0 as? StoreError)?.code == .alreadyExists }
        chmod(folder + "/key", 0o644)
        #expect { try Ledger.open(at: folder) } throws: { ($0 as? StoreError)?.code == .keyPermissions }
        chmod(folder + "/key", 0o600)
        #expect(try Ledger.open(at: folder).key.publicKey.hex.count == 64)
    }
}
