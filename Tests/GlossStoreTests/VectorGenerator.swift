import GlossCore

/// Builds Protocol/vectors/events.json from fixed seeds and fixed times. Run with
/// GLOSS_WRITE_VECTORS=1 to rewrite the file after a deliberate format change; otherwise the
/// vector test only reads the file and checks the code against it.
enum VectorGenerator {
    /// RFC 8032 §7.1 test 1 secret key, so anyone can check our public key against the RFC.
    static let aliceSeed = Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!
    static let bobSeed = [UInt8](repeating: 0x42, count: 32)
    /// Carol: a second device of Alice's (MERGE.md §18).
    static let carolSeed = [UInt8](repeating: 0x43, count: 32)
    static let t0: Int64 = 1_764_000_000_000

    static func make() throws -> VectorFile {
        let alice = try SigningKey(seed: aliceSeed), bob = try SigningKey(seed: bobSeed), carol = try SigningKey(seed: carolSeed)
        var valid: [ValidVector] = []
        var events: [Event] = []
        func add(_ name: String, _ key: SigningKey, _ seed: [UInt8], seq: UInt64, prev: Event?, deps: [Event],
                 _ payload: Payload) throws -> Event {
            let parents = (prev.map { [$0] } ?? []) + deps
            let lamport = 1 + (parents.map(\.header.lamport).max() ?? 0)
            let bytes = try payload.encoded()
            let e = Event.make(key: key, seq: seq, prev: prev?.id, lamport: lamport, time: t0 + Int64(events.count) * 1000,
                               deps: deps.map(\.id), payload: bytes)
            events.append(e)
            let h = e.header
            valid.append(ValidVector(
                name: name, seed: Hex.encode(seed), publicKey: key.publicKey.hex,
                header: HeaderFields(seq: h.seq, prev: h.prev?.hex, lamport: h.lamport, time: h.time, deps: h.deps.map(\.hex)),
                payload: PayloadFields(payload), payloadHex: Hex.encode(bytes), headerHex: Hex.encode(h.encoded),
                id: e.id.hex, signature: Hex.encode(e.signature), eventHex: Hex.encode(e.bytes)))
            return e
        }
        let text = "Vladimir Putin really does want it \u{2014} \u{201C}Dozens\u{201D} of them.\u{00A0}Putin ordered it.\n"
        let article = ArticleAdded(title: "A short article", source: "https://example.org/a", text: text)
        let e1 = try add("article.added", alice, aliceSeed, seq: 1, prev: nil, deps: [], .articleAdded(article))
        let quote = try QuoteMatcher(text: ArticleText(text)).select(quote: "\u{201C}Dozens\u{201D}")
        let e2 = try add("annotation.created (text, tags, an editor)", alice, aliceSeed, seq: 2, prev: e1, deps: [],
                         .annotationCreated(AnnotationCreated(article: article.articleID, target: .text(quote),
                                                              motivation: "commenting", body: "Scare quotes?",
                                                              tags: ["russia", "news"], editors: [bob.publicKey])))
        let e3 = try add("annotation.created (reply)", bob, bobSeed, seq: 1, prev: nil, deps: [e2],
                         .annotationCreated(AnnotationCreated(article: article.articleID, target: .reply(to: e2.id),
                                                              motivation: "replying", body: "They are quoting an official.", tags: [])))
        let e4 = try add("body.edited (by an editor)", bob, bobSeed, seq: 2, prev: e3, deps: [],
                         .bodyEdited(BodyEdited(annotation: e2.id, pred: [e2.id], body: "Quoting a Kazakh official.")))
        let e5 = try add("body.edited (concurrent with the editor's)", alice, aliceSeed, seq: 3, prev: e2, deps: [],
                         .bodyEdited(BodyEdited(annotation: e2.id, pred: [e2.id], body: "Whose count?")))
        let e6 = try add("tags.changed (two deps)", alice, aliceSeed, seq: 4, prev: e5, deps: [e4],
                         .tagsChanged(TagsChanged(annotation: e2.id, add: ["kazakhstan"], remove: ["news"], pred: [e2.id])))
        let e7 = try add("motivation.changed", alice, aliceSeed, seq: 5, prev: e6, deps: [],
                         .motivationChanged(MotivationChanged(annotation: e2.id, pred: [e2.id], motivation: "questioning")))
        let e8 = try add("annotation.deleted", alice, aliceSeed, seq: 6, prev: e7, deps: [],
                         .annotationDeleted(StateChange(annotation: e2.id, pred: [e2.id])))
        let e9 = try add("annotation.restored", alice, aliceSeed, seq: 7, prev: e8, deps: [],
                    .annotationRestored(StateChange(annotation: e2.id, pred: [e8.id])))
        let e10 = try add("unknown kind (stored, relayed, skipped by replay)", bob, bobSeed, seq: 3, prev: e4, deps: [e8],
                          .unknown(kind: 0x7f01, body: Array("from a newer version".utf8)))
        let revised = "Vladimir Putin really does want it \u{2014} \u{201C}Dozens, perhaps more,\u{201D} of them.\u{00A0}Putin ordered it.\n"
        let e11 = try add("article.revised", alice, aliceSeed, seq: 8, prev: e9, deps: [e10],
                          .articleRevised(ArticleRevised(article: article.articleID, pred: [e1.id], text: revised)))
        let moved = try QuoteMatcher(text: ArticleText(revised)).select(quote: "perhaps more")
        let e12 = try add("annotation.reanchored", alice, aliceSeed, seq: 9, prev: e11, deps: [],
                          .annotationReanchored(Reanchored(annotation: e2.id, pred: [], selector: moved)))
        let e13 = try add("device.linked (Carol's key, her consent, made a device of Alice)", alice, aliceSeed, seq: 10, prev: e12, deps: [],
                          .deviceLinked(DeviceLinked(identity: alice.publicKey, signingConsentWith: carol)))
        let e14 = try add("body.edited (by a linked device)", carol, carolSeed, seq: 1, prev: nil, deps: [e13],
                          .bodyEdited(BodyEdited(annotation: e2.id, pred: [e4.id, e5.id], body: "About 2,000, officials say.")))
        let e15 = try add("device.revoked (Carol's events after seq 1 stop counting)", alice, aliceSeed, seq: 11, prev: e13, deps: [e14],
                          .deviceRevoked(DeviceRevoked(identity: alice.publicKey, device: carol.publicKey, lastSeq: 1)))
        let dozens = try QuoteMatcher(text: ArticleText(revised)).select(quote: "Putin ordered it")
        let e16 = try add("annotation.created (a note its author will erase)", alice, aliceSeed, seq: 12, prev: e15, deps: [],
                          .annotationCreated(AnnotationCreated(article: article.articleID, target: .text(dozens), motivation: "commenting",
                                                               body: "My source told me privately.", tags: ["private"])))
        let e17 = try add("annotation.created (Bob's reply to it)", bob, bobSeed, seq: 4, prev: e10, deps: [e16],
                          .annotationCreated(AnnotationCreated(article: article.articleID, target: .reply(to: e16.id),
                                                               motivation: "replying", body: "Who is the source?", tags: [])))
        let e18 = try add("body.edited (the author's own change of it)", alice, aliceSeed, seq: 13, prev: e16, deps: [e17],
                          .bodyEdited(BodyEdited(annotation: e16.id, pred: [e16.id], body: "My source (do not share) told me.")))
        let e19 = try add("annotation.erased (the note and its author's change; Bob's reply stays)", alice, aliceSeed, seq: 14, prev: e18, deps: [],
                          .annotationErased(AnnotationErased(annotation: e16.id, article: article.articleID, replyTo: nil, events: [e16.id, e17.id, e18.id])))
        _ = e19

        // Invalid vectors.
        var invalid: [InvalidVector] = []
        func bad(_ name: String, _ bytes: [UInt8], stored: [Event] = [], claimedID: EventID? = nil, _ error: String, _ why: String) {
            invalid.append(InvalidVector(name: name, eventHex: Hex.encode(bytes), claimedID: claimedID?.hex,
                                         stored: stored.map { Hex.encode($0.bytes) }, error: error, why: why))
        }
        var flipped = e2.bytes; flipped[flipped.count - 1] ^= 0x01
        bad("bad signature", flipped, stored: [e1], "bad-signature", "the last byte of the signature is flipped")
        bad("wrong id", e2.bytes, stored: [e1], claimedID: e1.id, "bad-id", "the id claimed for the event is not the hash of its header")
        bad("trailing byte", e1.bytes + [0], "trailing-bytes", "one byte after the signature")
        bad("truncated", Array(e1.bytes.dropLast()), "truncated", "the signature is one byte short")
        var v2 = e1.bytes; v2[0] = 2
        bad("unknown version", v2, "unsupported-version", "format version 2")
        var tamper = e1.bytes; tamper[e1.payloadRange.lowerBound + 10] ^= 0x20
        bad("payload changed", tamper, "bad-payload-hash", "a payload byte changed after signing")
        // Hand-built events, validly signed, that break one encoding rule each.
        let unsorted = forge(alice, seq: 2, prev: e1.id, lamport: 2, deps: [e4.id, e3.id].sorted(by: >),
                             payload: try e7.payload().encoded())
        bad("deps not ascending", unsorted, "non-canonical", "deps must be strictly ascending")
        var w = ByteWriter()
        w.u16(PayloadKind.annotationCreated.rawValue); w.raw(article.articleID.bytes); w.u8(1); w.raw(e2.id.bytes)
        w.string("replying"); w.string(""); w.u8(2); w.string("russia"); w.string("news"); w.u8(0)
        bad("tags not ascending", forge(alice, seq: 1, prev: nil, lamport: 1, deps: [], payload: w.bytes), "non-canonical",
            "tags must be strictly ascending by UTF-8 bytes")
        var u = ByteWriter()
        u.u16(PayloadKind.articleAdded.rawValue); u.u32(2); u.raw([0xC3, 0x28]); u.string(""); u.string("text")
        bad("title not UTF-8", forge(alice, seq: 1, prev: nil, lamport: 1, deps: [], payload: u.bytes), "invalid-utf8",
            "the title is the invalid UTF-8 sequence C3 28")
        var o = ByteWriter()
        let big = e1.header
        o.u8(1); o.raw(big.author.raw.bytes); o.u64(1); o.u64(1); o.i64(big.time); o.u8(0)
        o.u32(UInt32(EventLimits.maxPayload + 1)); o.raw(big.payloadHash.bytes)
        bad("oversize payload", o.bytes, "oversize", "the payload length is 1 MiB + 1, over the cap; refused before reading it")
        var sel = ByteWriter()
        sel.u16(PayloadKind.annotationCreated.rawValue); sel.raw(article.articleID.bytes); sel.u8(0)
        sel.string("Putin"); sel.string(""); sel.string(""); sel.u32(9); sel.u32(15)
        sel.string("highlighting"); sel.string(""); sel.u8(0); sel.u8(0)
        bad("selector length mismatch", forge(alice, seq: 1, prev: nil, lamport: 1, deps: [], payload: sel.bytes), "invalid-field",
            "end − start is 6 but exact has 5 code points")
        // Chain and causality: need a ledger holding `stored` first.
        let skip = forge(alice, seq: 3, prev: e1.id, lamport: 3, deps: [], payload: try e5.payload().encoded())
        bad("prev is not seq − 1", skip, stored: [e1, e2], "broken-chain", "seq 3 names the author's seq-1 event as prev")
        bad("prev never arrived", e4.bytes, stored: [e1, e2], "missing-parent", "bob's seq 2 arrives without his seq 1")
        let lam = forge(alice, seq: 2, prev: e1.id, lamport: 5, deps: [], payload: try e2.payload().encoded())
        bad("lamport too high", lam, stored: [e1], "bad-lamport", "lamport 5 where 1 + the parents' largest is 2")
        var selfLink = ByteWriter()
        selfLink.u16(PayloadKind.deviceLinked.rawValue); selfLink.raw(alice.publicKey.raw.bytes); selfLink.raw(alice.publicKey.raw.bytes)
        selfLink.raw(alice.sign(DeviceLinked.consentMessage(identity: alice.publicKey, device: alice.publicKey)))
        bad("device linked to itself", forge(alice, seq: 1, prev: nil, lamport: 1, deps: [], payload: selfLink.bytes), "invalid-field",
            "device.linked whose device is its identity")
        var shortConsent = ByteWriter()
        shortConsent.u16(PayloadKind.deviceLinked.rawValue); shortConsent.raw(alice.publicKey.raw.bytes); shortConsent.raw(carol.publicKey.raw.bytes)
        shortConsent.raw([UInt8](repeating: 7, count: 63))
        bad("consent one byte short", forge(alice, seq: 1, prev: nil, lamport: 1, deps: [], payload: shortConsent.bytes), "truncated",
            "device.linked with a 63-byte consent")
        var hugeSeq = ByteWriter()
        hugeSeq.u16(PayloadKind.deviceRevoked.rawValue); hugeSeq.raw(alice.publicKey.raw.bytes); hugeSeq.raw(carol.publicKey.raw.bytes)
        hugeSeq.u64(UInt64(Int64.max) + 1)
        bad("lastSeq over 2^63 - 1", forge(alice, seq: 1, prev: nil, lamport: 1, deps: [], payload: hugeSeq.bytes), "invalid-field",
            "device.revoked with lastSeq 2^63")
        let fork = forge(alice, seq: 2, prev: e1.id, lamport: 2, deps: [], payload: try e7.payload().encoded())
        bad("fork", fork, stored: [e1, e2], "fork", "a second, different event by alice at seq 2")
        var ex = ByteWriter()
        ex.u16(PayloadKind.annotationErased.rawValue); ex.raw(e16.id.bytes); ex.raw(article.articleID.bytes); ex.u8(0)
        ex.u16(1); ex.raw(e18.id.bytes)
        bad("erasure without its annotation", forge(alice, seq: 1, prev: nil, lamport: 1, deps: [], payload: ex.bytes), "invalid-field",
            "annotation.erased whose events do not include its annotation")
        var ey = ByteWriter()
        ey.u16(PayloadKind.annotationErased.rawValue); ey.raw(e16.id.bytes); ey.raw(article.articleID.bytes); ey.u8(0)
        ey.u16(2); for id in [e16.id, e18.id].sorted(by: >) { ey.raw(id.bytes) }
        bad("erased events not ascending", forge(alice, seq: 1, prev: nil, lamport: 1, deps: [], payload: ey.bytes), "non-canonical",
            "annotation.erased whose events are not strictly ascending")
        var ez = ByteWriter()
        ez.u16(PayloadKind.annotationErased.rawValue); ez.raw(e16.id.bytes); ez.raw(article.articleID.bytes); ez.u8(2)
        bad("erasure target kind 2", forge(alice, seq: 1, prev: nil, lamport: 1, deps: [], payload: ez.bytes), "invalid-field",
            "annotation.erased with target kind 2")
        var cut = e2.bytes; cut.removeLast(65)
        bad("an erased event cut short", Array(e2.erased.bytes.dropLast()), stored: [e1], "truncated",
            "header and 63 bytes of signature: neither a whole event nor an erased one")
        _ = cut
        let erased = [e16, e18].map { e in
            ErasedVector(name: "erased: " + (valid.first { $0.id == e.id.hex }?.name ?? ""), id: e.id.hex,
                         eventHex: Hex.encode(e.bytes), erasedHex: Hex.encode(e.erased.bytes))
        }
        return VectorFile(format: "gloss-event-vectors-v1", domainTag: Hex.encode(EventLimits.idDomainTag),
                          valid: valid, invalid: invalid, erased: erased)
    }

    /// Signs whatever header fields and payload it is given, canonical or not.
    static func forge(_ key: SigningKey, seq: UInt64, prev: EventID?, lamport: UInt64, deps: [EventID], payload: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        w.u8(1); w.raw(key.publicKey.raw.bytes); w.u64(seq)
        if let prev { w.raw(prev.bytes) }
        w.u64(lamport); w.i64(t0); w.u8(UInt8(deps.count))
        for d in deps { w.raw(d.bytes) }
        w.u32(UInt32(payload.count)); w.raw(SHA256.hash(payload).bytes)
        let id = SHA256.hash(EventLimits.idDomainTag, w.bytes)
        return w.bytes + payload + key.sign(id.bytes)
    }
}
