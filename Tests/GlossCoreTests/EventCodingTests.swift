import GlossCore
import Testing

/// The canonical encoding: what `make` writes decodes to the same event, and any change of the
/// bytes is either refused or yields a different id.
@Suite struct EventCodingTests {
    let key = try! SigningKey(seed: [UInt8](repeating: 7, count: 32))

    func sample(seq: UInt64 = 2, deps: [EventID] = []) throws -> Event {
        let payload = try Payload.bodyEdited(BodyEdited(annotation: SHA256.hash([1]), pred: [SHA256.hash([2])], body: "Hé — “quoted”")).encoded()
        return Event.make(key: key, seq: seq, prev: seq > 1 ? SHA256.hash([3]) : nil, lamport: seq + 3,
                          time: 1_700_000_000_000, deps: deps, payload: payload)
    }

    @Test func roundTrip() throws {
        let e = try sample(deps: [SHA256.hash([9]), SHA256.hash([8])])
        let d = try Event.decode(e.bytes, expectedID: e.id)
        #expect(d == e)
        #expect(d.hasValidSignature)
        #expect(d.header.deps == d.header.deps.sorted())
        #expect(try d.payload() == e.payload())
    }

    /// The in-place reader of stored rows takes exactly `header ‖ payload ‖ signature`, as
    /// `Event.decode(stored:)` does: a row cut short or with bytes after the signature is not
    /// read as an event; one cut to its header and signature is an erased event (MERGE.md §19)
    /// with no payload, whatever its header declares: its signature is never read as a payload.
    @Test func theStoredViewTakesExactlyOneEvent() throws {
        let e = try sample(deps: [SHA256.hash([9])])
        let payloadLength = try e.payload().encoded().count
        func view(_ b: [UInt8]) -> (payload: [UInt8], deps: Int, erased: Bool)? {
            b.withUnsafeBytes { raw in StoredEventView(raw).map { (Array($0.payload), $0.depsCount, $0.isErased) } }
        }
        let whole = try #require(view(e.bytes))
        #expect(whole.payload.count == payloadLength && whole.deps == 1 && !whole.erased)
        // A payload shorter than a signature, so a stub's 64 signature bytes could pass for it.
        let small = Event.make(key: key, seq: 1, prev: nil, lamport: 1, time: 1_700_000_000_000, deps: [],
                               payload: try Payload.annotationDeleted(StateChange(annotation: SHA256.hash([1]), pred: [])).encoded())
        let smallLength = try small.payload().encoded().count
        #expect(smallLength < 64 && view(small.bytes)?.payload.count == smallLength)
        let headerLength = small.bytes.count - smallLength - 64
        let stub = Array(small.bytes[..<headerLength]) + Array(small.bytes.suffix(64))
        let erased = try #require(view(stub), "a header with its signature alone is an erased event")
        #expect(erased.payload.isEmpty && erased.erased, "the signature is not a payload")
        let decoded = try Event.decode(stub, allowErased: true)
        #expect(decoded.isErased && decoded.id == small.id && decoded.hasValidSignature, "an erased event keeps its id and signature")
        #expect(throws: DecodeError.self) { try Event.decode(stub) }  // only where erased events are expected
        #expect(small.erased.bytes == stub)
        #expect(view(Array(e.bytes.dropLast())) == nil)
        #expect(view(e.bytes + [0]) == nil)
    }

    @Test func makeDropsPrevFromDeps() throws {
        let prev = SHA256.hash([3])
        let e = try sample(deps: [prev, SHA256.hash([4])])
        #expect(!e.header.deps.contains(prev))
        #expect(e.header.deps.count == 1)
    }

    @Test func everyTruncationIsRefused() throws {
        let e = try sample()
        for n in 0..<e.bytes.count {
            #expect(throws: DecodeError.self) { try Event.decode(Array(e.bytes.prefix(n))) }
        }
    }

    @Test func everyFlippedBitIsCaught() throws {
        let e = try sample()
        for i in 0..<e.bytes.count {
            var b = e.bytes
            b[i] ^= 0x04
            // Refused outright, or decodes to an event that fails its id or its signature.
            if let d = try? Event.decode(b, expectedID: e.id) {
                #expect(!d.hasValidSignature, "byte \(i) flipped still verifies")
            }
        }
    }

    @Test func payloadRulesAreEnforcedOnWrite() {
        let a = SHA256.hash([1])
        #expect(throws: DecodeError.self) { try Payload.tagsChanged(TagsChanged(annotation: a, add: [], remove: [], pred: [])).encoded() }
        #expect(throws: DecodeError.self) { try Payload.tagsChanged(TagsChanged(annotation: a, add: [" x"], remove: [], pred: [])).encoded() }
        #expect(throws: DecodeError.self) { try Payload.tagsChanged(TagsChanged(annotation: a, add: ["x"], remove: [], pred: [a])).encoded() }
        #expect(throws: DecodeError.self) { try Payload.motivationChanged(MotivationChanged(annotation: a, pred: [], motivation: "Commenting")).encoded() }
        #expect(throws: DecodeError.self) { try Payload.articleAdded(ArticleAdded(title: "", source: "", text: "")).encoded() }
        let sel = TextSelector(exact: "abc", prefix: "", suffix: "", start: 0, end: 4)
        #expect(throws: DecodeError.self) {
            try Payload.annotationCreated(AnnotationCreated(article: a, target: .text(sel), motivation: "highlighting", body: "", tags: [])).encoded()
        }
    }

    @Test func unknownKindsSurviveDecoding() throws {
        let p = Payload.unknown(kind: 999, body: [1, 2, 3])
        #expect(try Payload.decode(try p.encoded()[...]) == p)
        #expect(PayloadKind.name(999) == "kind.999")
    }

    @Test func tagsAreSortedByBytes() throws {
        let t = TagsChanged(annotation: SHA256.hash([1]), add: ["b", "a", "É", "a"], remove: [], pred: [])
        #expect(t.add == ["a", "b", "É"])
        // Canonically equivalent spellings are two tags: tags compare by bytes, like the wire.
        let nfc = "caf\u{E9}", nfd = "cafe\u{301}"
        #expect(TagsChanged(annotation: SHA256.hash([1]), add: [nfc, nfd], remove: [], pred: []).add.count == 2)
        #expect(throws: Never.self) {
            try Payload.tagsChanged(TagsChanged(annotation: SHA256.hash([1]), add: [nfc], remove: [nfd], pred: [SHA256.hash([2])])).encoded()
        }
    }
}
