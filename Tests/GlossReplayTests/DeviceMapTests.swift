import GlossCore
import GlossReplay
import Testing

/// The device map (MERGE.md §18) as a pure function of device events: who links whom, what a
/// revocation voids, and that the result depends on the set only.
@Suite struct DeviceMapTests {
    let laptop = try! SigningKey(seed: [UInt8](repeating: 11, count: 32))
    let phone = try! SigningKey(seed: [UInt8](repeating: 12, count: 32))
    let tablet = try! SigningKey(seed: [UInt8](repeating: 13, count: 32))
    let mallory = try! SigningKey(seed: [UInt8](repeating: 14, count: 32))
    static let text = "One two three. One two three."
    let article = ArticleAdded(title: "t", source: "s", text: Self.text)

    func link(_ device: SigningKey, to identity: PublicKey) -> Payload {
        .deviceLinked(DeviceLinked(identity: identity, signingConsentWith: device))
    }
    func note(_ body: String) throws -> Payload {
        .annotationCreated(AnnotationCreated(article: article.articleID,
                                             target: .text(try QuoteMatcher(text: ArticleText(Self.text)).select(quote: "two", occurrence: 1)),
                                             motivation: "commenting", body: body, tags: []))
    }
    func map(_ events: [Event]) -> DeviceMap { DeviceMap(events.compactMap(DeviceEvent.init)) }

    @Test func aLinkedDeviceWritesForItsIdentity() throws {
        var b = Builder()
        try b.add(laptop, .articleAdded(article))
        try b.add(laptop, link(phone, to: laptop.publicKey))
        let n = try b.add(phone, try note("from the phone"))
        let m = map(b.events)
        #expect(m.identity(of: phone.publicKey) == laptop.publicKey)
        #expect(m.identity(of: laptop.publicKey) == laptop.publicKey)
        #expect(m.identity(of: tablet.publicKey) == tablet.publicKey, "an unlinked key is its own identity")
        let s = LedgerState.replay(b.events)
        #expect(s.annotations[n.id]?.author == laptop.publicKey)
        #expect(s.annotations[n.id]?.created.device == phone.publicKey)
        // The laptop may edit what the phone wrote: one author.
        try b.add(laptop, .bodyEdited(BodyEdited(annotation: n.id, pred: [n.id], body: "edited on the laptop")), seen: [n])
        #expect(LedgerState.replay(b.events).annotations[n.id]?.body.value == "edited on the laptop")
        // The snapshot names the identity, the device beside it, and lists the link.
        let json = String(decoding: Snapshot(events: b.events).bytes, as: UTF8.self)
        #expect(json.contains("\"author\":\"\(laptop.publicKey.hex)\""))
        #expect(json.contains("\"device\":\"\(phone.publicKey.hex)\""))
        #expect(json.contains("\"devices\":[{\"device\":\"\(phone.publicKey.hex)\",\"identity\":\"\(laptop.publicKey.hex)\",\"linkedBy\":"))
        #expect(json.contains("\"format\":\"gloss-snapshot-v2\""))
    }

    @Test func aLinkNeedsTheDevicesConsentForThatIdentity() throws {
        var b = Builder()
        // Mallory claims the phone without its consent (a consent it gave for another identity).
        let forLaptop = DeviceLinked(identity: laptop.publicKey, signingConsentWith: phone)
        let stolen = try b.add(mallory, .deviceLinked(DeviceLinked(identity: mallory.publicKey, device: phone.publicKey, consent: forLaptop.consent)))
        // Mallory links a device to the laptop's identity: not a device of it.
        let foreign = try b.add(mallory, link(tablet, to: laptop.publicKey))
        let m = map(b.events)
        #expect(m.identity(of: phone.publicKey) == phone.publicKey)
        #expect(m.identity(of: tablet.publicKey) == tablet.publicKey)
        #expect(m.ineffective[stolen.id]?.contains("consent") == true)
        #expect(m.ineffective[foreign.id]?.contains("not a device") == true)
    }

    @Test func theFirstClaimWinsAndAnIdentityIsNeverADevice() throws {
        var b = Builder()
        let first = try b.add(laptop, link(phone, to: laptop.publicKey))
        let second = try b.add(mallory, link(phone, to: mallory.publicKey), seen: [first])
        let merge = try b.add(mallory, link(laptop, to: mallory.publicKey))
        let m = map(b.events)
        #expect(m.identity(of: phone.publicKey) == laptop.publicKey)
        #expect(m.ineffective[second.id]?.contains("already linked") == true)
        #expect(m.ineffective[merge.id]?.contains("identity with devices") == true)
    }

    @Test func aRevocationVoidsTheDevicesLaterEventsOnly() throws {
        var b = Builder()
        try b.add(laptop, .articleAdded(article))
        let l = try b.add(laptop, link(phone, to: laptop.publicKey))
        let kept = try b.add(phone, try note("before"))            // phone seq 1
        let void = try b.add(phone, try note("after"))             // phone seq 2
        try b.add(laptop, .deviceRevoked(DeviceRevoked(identity: laptop.publicKey, device: phone.publicKey, lastSeq: 1)), seen: [l, kept])
        let s = LedgerState.replay(b.events)
        #expect(s.annotations[kept.id] != nil)
        #expect(s.annotations[void.id] == nil)
        #expect(s.ineffective[void.id]?.contains("after its revocation") == true)
        // A revoked device is never linked again.
        let again = try b.add(laptop, link(phone, to: laptop.publicKey))
        #expect(map(b.events).ineffective[again.id]?.contains("revoked") == true)
    }

    /// A stolen phone links the thief's tablet before its revocation arrives, but after the
    /// seq the revocation keeps: the link is void, whatever the total order.
    @Test func aStolenDevicesLaterLinkIsVoidEvenWhenOrderedBeforeItsRevocation() throws {
        var b = Builder()
        let l = try b.add(laptop, link(phone, to: laptop.publicKey))
        let honest = try b.add(phone, .unknown(kind: 300, body: [1]), seen: [l])   // phone seq 1
        let thief = try b.add(phone, link(tablet, to: laptop.publicKey))           // phone seq 2
        try b.add(tablet, try note("the thief's note"), seen: [thief])
        // The laptop has not seen the thief's link: its revocation has a smaller lamport.
        let revoke = try b.add(laptop, .deviceRevoked(DeviceRevoked(identity: laptop.publicKey, device: phone.publicKey, lastSeq: 1)), seen: [honest])
        #expect(Stamp(thief) < Stamp(revoke) || Stamp(revoke) < Stamp(thief))
        let m = map(b.events)
        #expect(m.identity(of: tablet.publicKey) == tablet.publicKey, "the thief's tablet is not the laptop's")
        #expect(m.ineffective[thief.id]?.contains("revocation") == true)
        #expect(m.revocations[phone.publicKey]?.lastSeq == 1)
    }

    @Test func aDeviceMayRevokeItselfBelowItsOwnRevocation() throws {
        var b = Builder()
        try b.add(laptop, link(phone, to: laptop.publicKey))
        try b.add(phone, .unknown(kind: 300, body: [1]))
        let own = try b.add(phone, .deviceRevoked(DeviceRevoked(identity: laptop.publicKey, device: phone.publicKey, lastSeq: 1)))
        let m = map(b.events)
        #expect(m.revocations[phone.publicKey]?.event.id == own.id, "a self-revocation does not void itself")
        #expect(m.isVoid(author: phone.publicKey, seq: 2))
        #expect(!m.isVoid(author: phone.publicKey, seq: 1))
    }

    @Test func theMapIsAFunctionOfTheSet() throws {
        var b = Builder()
        let l1 = try b.add(laptop, link(phone, to: laptop.publicKey))
        let l2 = try b.add(phone, link(tablet, to: laptop.publicKey), seen: [l1])
        try b.add(tablet, .deviceRevoked(DeviceRevoked(identity: laptop.publicKey, device: phone.publicKey, lastSeq: 0)), seen: [l2])
        try b.add(phone, .deviceRevoked(DeviceRevoked(identity: laptop.publicKey, device: tablet.publicKey, lastSeq: 0)))
        try b.add(mallory, link(laptop, to: mallory.publicKey))
        let reference = map(b.events)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 { #expect(map(b.events.shuffled(using: &rng)) == reference) }
    }
}
