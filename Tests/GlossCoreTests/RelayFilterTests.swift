import GlossCore
import Testing

/// What a relay sends: intact rows flow, a damaged one is quarantined and its descendants are
/// withheld, a forked branch is withheld with its descendants; decided from bytes alone.
@Suite struct RelayFilterTests {
    let alice = try! SigningKey(seed: [UInt8](repeating: 1, count: 32))  // fixed, valid seeds
    let bob = try! SigningKey(seed: [UInt8](repeating: 2, count: 32))
    let payload = try! Payload.unknown(kind: 500, body: Array("a payload".utf8)).encoded()

    func event(_ key: SigningKey, seq: UInt64, prev: Event? = nil, deps: [Event] = []) -> Event {
        let lamport = ((prev.map { [$0] } ?? []) + deps).map(\.header.lamport).max().map { $0 + 1 } ?? 1
        return Event.make(key: key, seq: seq, prev: prev?.id, lamport: lamport, time: 0, deps: deps.map(\.id), payload: payload)
    }

    func row(_ e: Event, flip: Int? = nil, tag: Bool = true) -> Result<Event, StoredRowCheck.Damage> {
        var bytes = e.bytes
        if let flip { bytes[flip] ^= 0x40 }
        return StoredRowCheck.check(bytes: bytes, idColumn: e.id.bytes, tag: tag ? StoredRowCheck.tag(of: e) : nil)
    }

    @Test func intactRowsPassWithOrWithoutATag() {
        let a1 = event(alice, seq: 1)
        #expect((try? row(a1).get()) == a1)
        #expect((try? row(a1, tag: false).get()) == a1, "a row older than tags gets a full signature check")
    }

    @Test func aChangedByteAnywhereIsCaught() {
        let a1 = event(alice, seq: 1)
        let sigByte = a1.bytes.count - 3, payloadByte = a1.payloadRange.lowerBound + 2, headerByte = 40
        for i in [sigByte, payloadByte, headerByte] {
            #expect(throws: StoredRowCheck.Damage.self, "byte \(i)") { try row(a1, flip: i).get() }
        }
        #expect(throws: StoredRowCheck.Damage.self, "untagged: the signature is verified") { try row(a1, flip: sigByte, tag: false).get() }
        let wrongTag = StoredRowCheck.check(bytes: a1.bytes, idColumn: a1.id.bytes, tag: [UInt8](repeating: 0, count: 16))
        #expect(throws: StoredRowCheck.Damage.self) { try wrongTag.get() }
        let wrongID = StoredRowCheck.check(bytes: a1.bytes, idColumn: [UInt8](repeating: 7, count: 32), tag: StoredRowCheck.tag(of: a1))
        #expect(throws: StoredRowCheck.Damage.self) { try wrongID.get() }
    }

    @Test func aDamagedRowWithholdsItsDescendantsOnly() {
        let a1 = event(alice, seq: 1), b1 = event(bob, seq: 1)
        let a2 = event(alice, seq: 2, prev: a1)
        let b2 = event(bob, seq: 2, prev: b1, deps: [a2])  // depends on the damaged a2
        let b3 = event(bob, seq: 3, prev: b2)
        let a3 = event(alice, seq: 3, prev: a2)
        let c = event(bob, seq: 1)  // unrelated twin chain head, intact
        var f = RelayFilter()
        var sent: [EventID] = []
        for (e, damaged) in [(a1, false), (b1, false), (a2, true), (b2, false), (b3, false), (a3, false), (c, false)] {
            if let ok = f.admit(id: e.id, row(e, flip: damaged ? e.bytes.count - 1 : nil)) { sent.append(ok.id) }
        }
        #expect(sent == [a1.id, b1.id, c.id])
        let q = f.takeQuarantined()
        #expect(q.map(\.id) == [a2.id])
        let again = f.takeQuarantined()
        #expect(again.isEmpty, "each damaged row is reported once")
        #expect(f.withheld == [a2.id, b2.id, b3.id, a3.id])
    }

    @Test func aForkedBranchIsWithheldWithItsChildren() {
        let a1 = event(alice, seq: 1)
        let a2 = event(alice, seq: 2, prev: a1)
        let b1 = event(bob, seq: 1, deps: [a2])
        var f = RelayFilter(forkedFrom: [alice.publicKey: 2])
        let first = f.withholdsUnread(author: alice.publicKey, seq: 1, id: a1.id)
        let second = f.withholdsUnread(author: alice.publicKey, seq: 2, id: a2.id)
        #expect(!first && second)
        let child = f.admit(id: b1.id, row(b1))
        #expect(child == nil, "an event naming the forked branch would be refused by the peer")
        let q = f.takeQuarantined()
        #expect(q.isEmpty, "withheld, not damaged")
    }
}
