import Foundation
import GlossCore
import GlossStore
import Testing
import GlossTestSupport

/// Several sessions' batches in one transaction: each all or nothing, a refused one alone,
/// the refused session's later batches not stored, fork evidence kept.
@Suite struct GroupCommitTests {
    let payload = try! Payload.unknown(kind: 900, body: [1]).encoded()

    func chain(_ key: SigningKey, _ n: Int, from prev: Event? = nil) -> [Event] { signedChain(key, n, after: prev) }

    @Test func aRefusedBatchRollsBackAloneAndStopsItsSession() throws {
        let dir = try TempDir()
        let log = try EventLog(path: dir.path + "/l.sqlite", create: true)
        let a = SigningKey(), b = SigningKey(), c = SigningKey()
        let a1 = chain(a, 3), b1 = chain(b, 2)
        let orphan = chain(c, 3)[1...]  // seq 2 and 3 without seq 1: missing parent
        let a2 = chain(a, 2, from: a1.last)
        var refused: Set<Int> = []
        let r = try log.appendGroup([GroupBatch(key: 1, events: a1), GroupBatch(key: 2, events: Array(orphan)),
                                     GroupBatch(key: 2, events: b1), GroupBatch(key: 1, events: a2)], refusedKeys: &refused)
        #expect(r.count == 4)
        #expect((try? r[0].get())?.stored.count == 3 && (try? r[3].get())?.stored.count == 2, "session 1's batches, the second on top of the first")
        #expect(throws: StoreError.self) { try r[1].get() }
        #expect(throws: StoreError.self, "a batch behind a refused one of its session is not stored") { try r[2].get() }
        #expect(refused == [2])
        #expect(try log.count() == 5)
        #expect(try log.verifyAll().isEmpty)
        // A later group still refuses session 2.
        let again = try log.appendGroup([GroupBatch(key: 2, events: b1)], refusedKeys: &refused)
        #expect(throws: StoreError.self) { try again[0].get() }
        #expect(try log.count() == 5)
    }

    @Test func aBatchRefusedBeforeTheWriterStopsItsSessionInOrder() throws {
        let dir = try TempDir()
        let log = try EventLog(path: dir.path + "/l.sqlite", create: true)
        let a = SigningKey(), b = SigningKey()
        var refused: Set<Int> = []
        let r = try log.appendGroup([GroupBatch(key: 1, events: [], refusal: "a bad signature"),
                                     GroupBatch(key: 1, events: chain(a, 2)), GroupBatch(key: 2, events: chain(b, 1))], refusedKeys: &refused)
        #expect(throws: StoreError.self) { try r[0].get() }
        #expect(throws: StoreError.self, "pipelined behind the refused batch: not stored") { try r[1].get() }
        #expect((try? r[2].get())?.stored.count == 1)
        #expect(try log.count() == 1)
    }

    @Test func aForkInAGroupIsKeptAsEvidence() throws {
        let dir = try TempDir()
        let log = try EventLog(path: dir.path + "/l.sqlite", create: true)
        let a = SigningKey()
        let first = chain(a, 1)
        let twin = Event.make(key: a, seq: 1, prev: nil, lamport: 1, time: 5, deps: [], payload: payload)
        var refused: Set<Int> = []
        let r = try log.appendGroup([GroupBatch(key: 1, events: first), GroupBatch(key: 2, events: [twin])], refusedKeys: &refused)
        #expect((try? r[0].get()) != nil)
        #expect(throws: StoreError.self) { try r[1].get() }
        #expect(try log.forkedAuthors()[a.publicKey] == [1])
    }
}
