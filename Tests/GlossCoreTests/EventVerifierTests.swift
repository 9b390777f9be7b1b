import GlossCore
import Testing

/// The pure verifier: each rule of EVENTS.md §8.2 decided from an event and plain facts, with
/// no store.
@Suite struct EventVerifierTests {
    let alice = try! SigningKey(seed: [UInt8](repeating: 1, count: 32))  // a fixed, valid seed
    let bob = try! SigningKey(seed: [UInt8](repeating: 2, count: 32))
    let payload = try! Payload.unknown(kind: 500, body: [1]).encoded()

    func event(_ key: SigningKey, seq: UInt64, prev: Event? = nil, deps: [Event] = [], lamport: UInt64? = nil) -> Event {
        let parents: [Event] = (prev.map { [$0] } ?? []) + deps
        let highest: UInt64 = parents.map { $0.header.lamport }.max() ?? 0
        return Event.make(key: key, seq: seq, prev: prev?.id, lamport: lamport ?? highest + 1, time: 0, deps: deps.map(\.id), payload: payload)
    }

    func stored(_ e: Event) -> (EventID, ChainFacts.Stored) {
        (e.id, ChainFacts.Stored(author: e.author, seq: e.header.seq, lamport: e.header.lamport))
    }

    func code(_ v: EventVerifier.Verdict) -> Refusal.Code? {
        if case .refuse(let r) = v { return r.code }
        return nil
    }

    @Test func aGoodChainIsStoredAndEachEventCountsForTheNext() {
        let a1 = event(alice, seq: 1), a2 = event(alice, seq: 2, prev: a1), b1 = event(bob, seq: 1, deps: [a2])
        var v = EventVerifier(facts: ChainFacts())
        #expect(v.check(a1, signatureValid: true, payloadValid: true) == .store)
        #expect(v.check(a2, signatureValid: true, payloadValid: true) == .store)
        #expect(v.check(b1, signatureValid: true, payloadValid: true) == .store)
        #expect(v.check(a2, signatureValid: true, payloadValid: true) == .alreadyStored)
    }

    @Test func eachRuleRefusesWithItsCode() {
        let a1 = event(alice, seq: 1), a2 = event(alice, seq: 2, prev: a1)
        let facts = ChainFacts(stored: Dictionary(uniqueKeysWithValues: [stored(a1)]))
        var v = EventVerifier(facts: facts)
        #expect(code(v.check(a2, signatureValid: false, payloadValid: true)) == .badSignature)
        #expect(code(v.check(a2, signatureValid: true, payloadValid: false)) == .invalidPayload)
        // Missing prev, missing dep.
        v = EventVerifier(facts: ChainFacts())
        #expect(code(v.check(a2, signatureValid: true, payloadValid: true)) == .missingParent)
        let b1 = event(bob, seq: 1, deps: [a1])
        #expect(code(v.check(b1, signatureValid: true, payloadValid: true)) == .missingParent)
        // A prev of another author, or of the wrong seq: a broken chain.
        let bobsFirst = event(bob, seq: 1)
        let wrong = event(alice, seq: 2, prev: bobsFirst)
        v = EventVerifier(facts: ChainFacts(stored: Dictionary(uniqueKeysWithValues: [stored(bobsFirst)])))
        #expect(code(v.check(wrong, signatureValid: true, payloadValid: true)) == .brokenChain)
        // A lamport that is not 1 + the largest of its parents'.
        let skewed = event(alice, seq: 2, prev: a1, lamport: 7)
        v = EventVerifier(facts: facts)
        #expect(code(v.check(skewed, signatureValid: true, payloadValid: true)) == .badLamport)
        // Another event at the same (author, seq): a fork naming its twin.
        let twin = Event.make(key: alice, seq: 2, prev: a1.id, lamport: 2, time: 99, deps: [], payload: payload)
        var withSeat = facts
        withSeat.seats[ChainFacts.Seat(author: alice.publicKey, seq: 2)] = twin.id
        v = EventVerifier(facts: withSeat)
        #expect(code(v.check(a2, signatureValid: true, payloadValid: true)) == .fork(twin: twin.id))
        // An author already refused for forking.
        v = EventVerifier(facts: ChainFacts(stored: facts.stored, forked: [alice.publicKey]))
        #expect(code(v.check(a2, signatureValid: true, payloadValid: true)) == .authorForked)
        // A twin inside one batch is caught too.
        v = EventVerifier(facts: facts)
        #expect(v.check(twin, signatureValid: true, payloadValid: true) == .store)
        #expect(code(v.check(a2, signatureValid: true, payloadValid: true)) == .fork(twin: twin.id))
    }

    @Test func theFirstFailingRuleIsReportedInOrder() {
        // Bad signature and missing prev at once: the signature is reported (it is checked first).
        let a1 = event(alice, seq: 1), a2 = event(alice, seq: 2, prev: a1)
        var v = EventVerifier(facts: ChainFacts())
        guard case .refuse(let r) = v.check(a2, signatureValid: false, payloadValid: false) else { Issue.record("not refused"); return }
        #expect(r.code == .badSignature && r.event == a2.id && r.message.contains(a2.id.short()))
    }
}
