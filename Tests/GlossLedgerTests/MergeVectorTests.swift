import Foundation
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore
import Testing
import GlossTestSupport

/// Protocol/vectors/merge.json: sets of events with the canonical snapshot and hash each must
/// replay to (Protocol/MERGE.md). GLOSS_WRITE_VECTORS=1 rewrites the file from fixed seeds.
struct MergeVectorFile: Codable {
    struct Case: Codable {
        var name: String
        /// Events, hex, in an order where parents come first.
        var events: [String]
        /// "all", "at:<id>", "lamport:<n>" or "before:<ms>".
        var selection: String
        var article: String?
        var snapshot: String
        var hash: String
    }
    var format: String
    var cases: [Case]
}

/// The part of events.json this file reads.
struct VectorMissing: Error {}

struct VectorList: Codable {
    struct Valid: Codable { var eventHex: String }
    var valid: [Valid]
}

@Suite struct MergeVectorTests {
    static var url: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protocol/vectors/merge.json")
    }

    static func selection(_ s: String) -> EventSelection? {
        let parts = s.split(separator: ":", maxSplits: 1).map(String.init)
        switch parts.first {
        case "all": return .all
        case "at": return Hash32(hex: parts.last ?? "").map { .causalPast(of: $0) }
        case "lamport": return UInt64(parts.last ?? "").map { .lamport(atMost: $0) }
        case "before": return Int64(parts.last ?? "").map { .before(time: $0) }
        default: return nil
        }
    }

    static func generate() throws -> MergeVectorFile {
        let dir = try TempDir()
        var cases: [MergeVectorFile.Case] = []
        func add(_ name: String, _ events: [Event], _ selection: String, article: Hash32? = nil) throws {
            let chosen = try #require(Self.selection(selection)?.select(events))
            let snap = Snapshot(events: chosen, article: article)
            let ordered = events.sorted { Stamp($0) < Stamp($1) }
            cases.append(.init(name: name, events: ordered.map { Hex.encode($0.bytes) }, selection: selection,
                               article: article?.hex, snapshot: String(decoding: snap.bytes, as: UTF8.self), hash: snap.hash.hex))
        }
        let small = try MergePropertyTests.history(seed: 1, steps: 40, dir: dir).events
        try add("small history, everything", small, "all")
        let big = try MergePropertyTests.history(seed: 42, steps: 160, dir: try TempDir()).events
        let ordered = big.sorted { Stamp($0) < Stamp($1) }
        try add("three authors, everything", big, "all")
        try add("three authors, one article", big, "all", article: ArticleAdded(title: "t", source: "s", text: MergePropertyTests.text).articleID)
        try add("three authors, at an event", big, "at:" + ordered[ordered.count * 2 / 3].id.hex)
        try add("three authors, lamport ≤ 30", big, "lamport:30")
        // The hand-built events of events.json: a conflict between an author and an editor, tag
        // removal, delete and restore, an unknown kind; merged with the history above they make
        // a ledger of two articles, filtered to one.
        let eventsFile = url.deletingLastPathComponent().appendingPathComponent("events.json")
        let vectors = try JSONDecoder().decode(VectorList.self, from: Data(contentsOf: eventsFile))
        let allHandBuilt = try vectors.valid.map { try Event.decode(Hex.decode($0.eventHex)!) }
        // The first twelve, without the device events appended later: these cases keep the
        // bytes they had before devices existed.
        let handBuilt = Array(allHandBuilt.prefix(12))
        try add("event vectors, everything", handBuilt, "all")
        let text = "Vladimir Putin really does want it \u{2014} \u{201C}Dozens\u{201D} of them.\u{00A0}Putin ordered it.\n"
        try add("two histories, the second article", big + handBuilt, "all", article: SHA256.hash(Array(text.utf8)))
        try add("three authors, before a time", big, "before:\(ordered[ordered.count / 2].header.time)")
        // Devices (§18). The event vectors' Carol, a device of Alice's, edits Alice's note (as
        // Alice: effective), then is revoked after seq 1; her seq 2, made later, is void.
        let carol = try SigningKey(seed: [UInt8](repeating: 0x43, count: 32))
        let withDevice = Array(allHandBuilt.prefix(15))
        let carolFirst = try #require(withDevice.first { $0.author == carol.publicKey })
        let last = try #require(withDevice.last)
        let annotation = try #require(withDevice.first { $0.payloadKind == PayloadKind.annotationCreated.rawValue })
        let late = Event.make(key: carol, seq: 2, prev: carolFirst.id, lamport: last.header.lamport + 1,
                              time: last.header.time + 1000, deps: [last.id],
                              payload: try Payload.bodyEdited(BodyEdited(annotation: annotation.id, pred: [carolFirst.id], body: "written after the revocation")).encoded())
        try add("event vectors with a device, linked then revoked", withDevice + [late], "all")
        try add("event vectors with a device, before its revocation", withDevice + [late], "lamport:\(carolFirst.header.lamport)")
        // Erasure (§19): the same set, with the erased events whole and as header ‖ signature,
        // gives the same snapshot.
        // Only what the erasure erases is held erased (Bob's reply, which it names, stays his).
        let erased = LedgerState.replay(allHandBuilt).erasures.erasedEvents
        guard !erased.isEmpty else { throw VectorMissing() }
        try add("event vectors with an erasure, the erased events whole", allHandBuilt, "all")
        try add("event vectors with an erasure, the erased events as header and signature",
                allHandBuilt.map { erased[$0.id] != nil ? $0.erased : $0 }, "all")
        try add("device rules, one of each", try Self.deviceRules(), "all")
        try add("erasure rules, one of each", try Self.erasureRules(), "all")
        try add("an erasure from another device of the author", try Self.erasureByADevice(), "all")
        var devices = HistoryGenerator(seed: 5)
        devices.devices = true
        devices.run(steps: 260)
        let deviceOrder = devices.events.sorted { Stamp($0) < Stamp($1) }
        try add("four authors linking and revoking devices, everything", devices.events, "all")
        try add("four authors linking and revoking devices, at an event", devices.events, "at:" + deviceOrder[deviceOrder.count * 3 / 4].id.hex)
        return MergeVectorFile(format: "gloss-merge-vectors-v1", cases: cases)
    }

    /// A hand-built ledger with one event for each rule of §18.2: a link by the identity, a link
    /// by a linked device that its revocation (ordered after it) voids on the second pass, an
    /// edit by the device that void link named (no effect), a consent given for another
    /// identity, a link signed by a key that is no device, a revocation by a stranger, a revoked
    /// key linked again, and a link of an identity that has devices.
    static func deviceRules() throws -> [Event] {
        func key(_ b: UInt8) throws -> SigningKey { try SigningKey(seed: [UInt8](repeating: b, count: 32)) }
        let laptop = try key(0x51), phone = try key(0x52), tablet = try key(0x53), mallory = try key(0x54), stray = try key(0x55)
        var b = VectorChain(t0: 1_764_100_000_000)
        let text = "Devices sign, identities write. A revocation names a seq, not a time.\n"
        let article = ArticleAdded(title: "Devices", source: "vectors", text: text)
        let added = try b.add(laptop, .articleAdded(article))
        let sel = try QuoteMatcher(text: ArticleText(text)).select(quote: "a seq")
        let note = try b.add(laptop, .annotationCreated(AnnotationCreated(article: article.articleID, target: .text(sel),
                                                                           motivation: "commenting", body: "by the laptop", tags: [])))
        let link = try b.add(laptop, .deviceLinked(DeviceLinked(identity: laptop.publicKey, signingConsentWith: phone)), seen: [added])
        // The phone (seq 1) links the tablet; then the laptop revokes the phone keeping none of
        // its events. The revocation comes after the link in the total order: only the second
        // pass of §18.2 finds the link void.
        let tabletLink = try b.add(phone, .deviceLinked(DeviceLinked(identity: laptop.publicKey, signingConsentWith: tablet)), seen: [link])
        try b.add(tablet, .bodyEdited(BodyEdited(annotation: note.id, pred: [note.id], body: "by the tablet")), seen: [tabletLink, note])
        let revoke = try b.add(laptop, .deviceRevoked(DeviceRevoked(identity: laptop.publicKey, device: phone.publicKey, lastSeq: 0)), seen: [tabletLink])
        // Mallory: a consent the stray key gave for the laptop's identity, used for hers; a
        // revocation of the laptop's phone; the stray key, no device, linking a key to the laptop.
        let forLaptop = DeviceLinked(identity: laptop.publicKey, signingConsentWith: stray)
        try b.add(mallory, .deviceLinked(DeviceLinked(identity: mallory.publicKey, device: stray.publicKey, consent: forLaptop.consent)))
        try b.add(mallory, .deviceRevoked(DeviceRevoked(identity: laptop.publicKey, device: phone.publicKey, lastSeq: 5)), seen: [revoke])
        try b.add(stray, .deviceLinked(DeviceLinked(identity: laptop.publicKey, signingConsentWith: try key(0x56))))
        // The laptop links the revoked phone again; Mallory links the laptop, which has devices.
        try b.add(laptop, .deviceLinked(DeviceLinked(identity: laptop.publicKey, signingConsentWith: phone)))
        try b.add(mallory, .deviceLinked(DeviceLinked(identity: mallory.publicKey, signingConsentWith: laptop)), seen: [link])
        return b.events
    }

    /// A hand-built ledger with one event for each rule of §19 and no device event: an
    /// erasure by someone not the author (no effect); the author's, naming her note, her reply
    /// in its thread (gone: erased, and not the erasure's annotation), her edit, Bob's reply
    /// (stays: not hers) and her article (stays: never erased); an editor's change after it
    /// (no effect); a second erasure placing the note on another article (the first decides);
    /// an erasure of an id not in the set; and one placing a note on an article not in the set
    /// (the erased annotation waits).
    static func erasureRules() throws -> [Event] {
        func key(_ b: UInt8) throws -> SigningKey { try SigningKey(seed: [UInt8](repeating: b, count: 32)) }
        let alice = try key(0x61), bob = try key(0x62)
        var b = VectorChain(t0: 1_764_200_000_000)
        let textA = "Erasure takes back what one wrote, and only that.\n", textB = "A second article, where nothing is erased.\n"
        let a = ArticleAdded(title: "A", source: "vectors", text: textA), bArticle = ArticleAdded(title: "B", source: "vectors", text: textB)
        let addedA = try b.add(alice, .articleAdded(a))
        try b.add(alice, .articleAdded(bArticle))
        let sel = try QuoteMatcher(text: ArticleText(textA)).select(quote: "takes back")
        let n1 = try b.add(alice, .annotationCreated(AnnotationCreated(article: a.articleID, target: .text(sel), motivation: "commenting",
                                                                        body: "Alice's note, to be erased", tags: ["mine"], editors: [bob.publicKey])))
        let r1 = try b.add(bob, .annotationCreated(AnnotationCreated(article: a.articleID, target: .reply(to: n1.id), motivation: "replying",
                                                                      body: "Bob's reply stays", tags: [])), seen: [n1])
        let r2 = try b.add(alice, .annotationCreated(AnnotationCreated(article: a.articleID, target: .reply(to: r1.id), motivation: "replying",
                                                                        body: "Alice's reply, erased with her note", tags: [])), seen: [r1])
        let edit = try b.add(alice, .bodyEdited(BodyEdited(annotation: n1.id, pred: [n1.id], body: "Alice's note, edited")))
        try b.add(bob, .annotationErased(AnnotationErased(annotation: n1.id, article: a.articleID, replyTo: nil, events: [n1.id])), seen: [edit])
        let erase = try b.add(alice, .annotationErased(AnnotationErased(annotation: n1.id, article: a.articleID, replyTo: nil,
                                                                        events: [n1.id, r1.id, r2.id, edit.id, addedA.id])))
        try b.add(bob, .bodyEdited(BodyEdited(annotation: n1.id, pred: [edit.id], body: "Bob's edit after the erasure")), seen: [erase])
        try b.add(alice, .annotationErased(AnnotationErased(annotation: n1.id, article: bArticle.articleID, replyTo: nil, events: [n1.id])))
        let nowhere = SHA256.hash(Array("not an event of the set".utf8))
        try b.add(alice, .annotationErased(AnnotationErased(annotation: nowhere, article: a.articleID, replyTo: nil, events: [nowhere])))
        let n3 = try b.add(alice, .annotationCreated(AnnotationCreated(article: a.articleID, target: .text(sel), motivation: "highlighting",
                                                                        body: "", tags: [])))
        try b.add(alice, .annotationErased(AnnotationErased(annotation: n3.id, article: SHA256.hash(Array("an article nobody added".utf8)),
                                                            replyTo: nil, events: [n3.id])))
        // An erasure whose annotation is an article (not a creation): no effect, so the note it
        // also names stays. Alice's revision of article B, named in an effective erasure, stays:
        // articles are never erased.
        let n4 = try b.add(alice, .annotationCreated(AnnotationCreated(article: bArticle.articleID,
            target: .text(try QuoteMatcher(text: ArticleText(textB)).select(quote: "nothing is erased")), motivation: "commenting",
            body: "named by an erasure that takes no effect", tags: [])))
        let addedB = try #require(b.events.first { $0.payloadKind == PayloadKind.articleAdded.rawValue && $0.id != addedA.id })
        try b.add(alice, .annotationErased(AnnotationErased(annotation: addedB.id, article: bArticle.articleID, replyTo: nil, events: [addedB.id, n4.id])))
        let revision = try b.add(alice, .articleRevised(ArticleRevised(article: bArticle.articleID, pred: [], text: "A second article, revised.\n")))
        // Alice's reply to Bob's reply, erased: an erased annotation that is a reply; the
        // erasure also names her revision (left alone).
        let r3 = try b.add(alice, .annotationCreated(AnnotationCreated(article: a.articleID, target: .reply(to: r1.id), motivation: "replying",
                                                                        body: "a reply taken back", tags: [])))
        try b.add(alice, .annotationErased(AnnotationErased(annotation: r3.id, article: a.articleID, replyTo: r1.id, events: [r3.id, revision.id])))
        return b.events
    }

    /// A note made on a laptop and erased from the phone linked to it: the phone writes for the
    /// same identity, so the erasure takes effect.
    static func erasureByADevice() throws -> [Event] {
        func key(_ b: UInt8) throws -> SigningKey { try SigningKey(seed: [UInt8](repeating: b, count: 32)) }
        let laptop = try key(0x71), phone = try key(0x72)
        var b = VectorChain(t0: 1_764_300_000_000)
        let text = "Written on one device, taken back on another.\n"
        let article = ArticleAdded(title: "Devices", source: "vectors", text: text)
        try b.add(laptop, .articleAdded(article))
        let note = try b.add(laptop, .annotationCreated(AnnotationCreated(
            article: article.articleID, target: .text(try QuoteMatcher(text: ArticleText(text)).select(quote: "one device")),
            motivation: "commenting", body: "written on the laptop", tags: [])))
        let edit = try b.add(laptop, .bodyEdited(BodyEdited(annotation: note.id, pred: [note.id], body: "edited on the laptop")))
        let link = try b.add(laptop, .deviceLinked(DeviceLinked(identity: laptop.publicKey, signingConsentWith: phone)))
        // The phone's own note, by the same identity: its erasure (signed by the laptop) erases it.
        let own = try b.add(phone, .annotationCreated(AnnotationCreated(
            article: article.articleID, target: .text(try QuoteMatcher(text: ArticleText(text)).select(quote: "another")),
            motivation: "commenting", body: "written on the phone", tags: [])), seen: [link])
        try b.add(phone, .annotationErased(AnnotationErased(annotation: note.id, article: article.articleID, replyTo: nil, events: [note.id, edit.id])),
                  seen: [edit])
        try b.add(laptop, .annotationErased(AnnotationErased(annotation: own.id, article: article.articleID, replyTo: nil, events: [own.id])), seen: [own])
        return b.events
    }

    static func load() throws -> MergeVectorFile {
        if ProcessInfo.processInfo.environment["GLOSS_WRITE_VECTORS"] == "1" {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try enc.encode(try generate()).write(to: url)
        }
        return try JSONDecoder().decode(MergeVectorFile.self, from: Data(contentsOf: url))
    }

    @Test func everyCaseReplaysToItsSnapshot() throws {
        let file = try Self.load()
        #expect(file.cases.count >= 5)
        for c in file.cases {
            let events = try c.events.map { try Event.decode(Hex.decode($0)!, allowErased: true) }
            let chosen = try #require(Self.selection(c.selection)?.select(events), "\(c.name)")
            let snap = Snapshot(events: chosen.shuffled(), article: c.article.flatMap { Hash32(hex: $0) })
            #expect(String(decoding: snap.bytes, as: UTF8.self) == c.snapshot, "\(c.name): snapshot bytes")
            #expect(snap.hash.hex == c.hash, "\(c.name): hash")
            #expect(SHA256.hash(Array(c.snapshot.utf8)).hex == c.hash, "\(c.name): the hash is SHA-256 of the snapshot")
        }
    }

    /// The same cases through a real ledger: the projection (for `all`) and the fast replay of
    /// the log (for every selection) must write the vector's bytes.
    @Test func everyCaseThroughTheLedger() throws {
        let file = try Self.load()
        let dir = try TempDir()
        for (n, c) in file.cases.enumerated() {
            let events = try c.events.map { try Event.decode(Hex.decode($0)!, allowErased: true) }
            let log = try EventLog(path: "\(dir.path)/v\(n).sqlite", create: true)
            _ = try BundleExchange.import(Bundle.encode(events.shuffled()), into: log)
            let article = c.article.flatMap { Hash32(hex: $0) }
            let selection = try #require(Self.selection(c.selection), "\(c.name)")
            let replayed = try #require(try log.replay(selection), "\(c.name)")
            var bytes: [UInt8] = []
            let hash = try replayed.state.writeSnapshot(to: SnapshotWriter { bytes.append(contentsOf: $0) }, heads: replayed.heads,
                                                        eventCount: replayed.count, article: article)
            #expect(String(decoding: bytes, as: UTF8.self) == c.snapshot, "\(c.name): fast replay")
            #expect(hash.hex == c.hash, "\(c.name): fast replay hash")
            if c.selection == "all" {
                var projected: [UInt8] = []
                _ = try log.writeSnapshot(article: article) { projected.append(contentsOf: $0) }
                #expect(String(decoding: projected, as: UTF8.self) == c.snapshot, "\(c.name): projection")
            }
        }
    }
}

/// Builds a small ledger by hand for a vector: each event's parents are its author's previous
/// event and `seen`; times are fixed, one second apart.
struct VectorChain {
    let t0: Int64
    var events: [Event] = []
    var tips: [PublicKey: Event] = [:]

    @discardableResult
    mutating func add(_ key: SigningKey, _ p: Payload, seen: [Event] = []) throws -> Event {
        let prev = tips[key.publicKey]
        let parents = (prev.map { [$0] } ?? []) + seen
        let e = Event.make(key: key, seq: (prev?.header.seq ?? 0) + 1, prev: prev?.id,
                           lamport: 1 + (parents.map(\.header.lamport).max() ?? 0), time: t0 + Int64(events.count) * 1000,
                           deps: seen.map(\.id).filter { $0 != prev?.id }, payload: try p.encoded())
        tips[key.publicKey] = e
        events.append(e)
        return e
    }
}
