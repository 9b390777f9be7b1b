import Foundation
import GlossCore
@testable import GlossSync
import GlossTestSupport
import Testing


/// Entry sets for the reconciliation tests and vectors (RECONCILE.md §12): author k is
/// SHA-256("gloss/reconcile/vector/author" ‖ u32 k); its entry at seq s, variant v has the id
/// SHA-256("gloss/reconcile/vector/id" ‖ u32 k ‖ u64 s ‖ u8 v). By default s = 1 + k mod 5, v = 0.
enum ReconcileFixture {
    static func author(_ k: UInt32) -> PublicKey {
        var w = ByteWriter(); w.raw(Array("gloss/reconcile/vector/author".utf8)); w.u32(k)
        return PublicKey(SHA256.hash(w.bytes))
    }
    static func entry(_ k: UInt32, seq: UInt64? = nil, variant: UInt8 = 0) -> TipEntry {
        let s = seq ?? UInt64(1 + k % 5)
        var w = ByteWriter(); w.raw(Array("gloss/reconcile/vector/id".utf8)); w.u32(k); w.u64(s); w.u8(variant)
        return TipEntry(author: author(k), seq: s, id: SHA256.hash(w.bytes))
    }
    static func sorted(_ e: [TipEntry]) -> [TipEntry] { e.sorted { $0.author < $1.author } }

    /// Two sides sharing authors 0..<n, except that `d` authors differ, each in one of five ways
    /// chosen by `seed`: missing on one side or the other, a higher seq on one side or the other,
    /// or the same seq with another id.
    static func pair(n: Int, differing d: Int, seed: UInt64) -> (a: [TipEntry], b: [TipEntry]) {
        var rng = SeededRandom(seed: seed)
        var changed: [Int: Int] = [:]
        while changed.count < min(d, n) { changed[Int(rng.next() % UInt64(n))] = Int(rng.next() % 5) }
        var a: [TipEntry] = [], b: [TipEntry] = []
        a.reserveCapacity(n); b.reserveCapacity(n)
        for k in 0..<n {
            let e = entry(UInt32(k))
            switch changed[k] {
            case nil: a.append(e); b.append(e)
            case 0: a.append(e)
            case 1: b.append(e)
            case 2: a.append(entry(UInt32(k), seq: e.seq + 1)); b.append(e)
            case 3: a.append(e); b.append(entry(UInt32(k), seq: e.seq + 3))
            default: a.append(e); b.append(entry(UInt32(k), variant: 1))
            }
        }
        return (sorted(a), sorted(b))
    }
}

/// Drives two reconcilers against each other in memory, as the session will.
struct ReconcileRun {
    var initiator: RangeReconciler
    var responder: RangeReconciler
    /// Every body, in order; even indices are the initiator's.
    var messages: [[UInt8]] = []

    init(_ a: [TipEntry], _ b: [TipEntry]) throws {
        initiator = try RangeReconciler(entries: a)
        responder = try RangeReconciler(entries: b)
        messages.append(try initiator.start())
        while true {
            let last = messages[messages.count - 1]
            let reply = messages.count % 2 == 1 ? try responder.receive(last) : try initiator.receive(last)
            guard let reply else { break }
            messages.append(reply)
            if messages.count > 20_000 { throw ReconcileError(.protocolViolation, "test harness: no end in sight") }
        }
    }

    var controlBytes: Int { initiator.stats.controlBytes }

    /// What each side must learn: for every author where they differ, the other side's tip.
    static func truth(_ mine: [TipEntry], _ theirs: [TipEntry]) -> [PublicKey: PeerTip] {
        var m: [PublicKey: TipEntry] = [:], t: [PublicKey: TipEntry] = [:]
        for e in mine { m[e.author] = e }
        for e in theirs { t[e.author] = e }
        var out: [PublicKey: PeerTip] = [:]
        for author in Set(m.keys).union(t.keys) where m[author] != t[author] {
            out[author] = t[author].map { .tip(seq: $0.seq, id: $0.id) } ?? .absent
        }
        return out
    }

    func check(_ a: [TipEntry], _ b: [TipEntry], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(initiator.isComplete && responder.isComplete, sourceLocation: sourceLocation)
        #expect(initiator.differences == Self.truth(a, b), "initiator's view of the differences", sourceLocation: sourceLocation)
        #expect(responder.differences == Self.truth(b, a), "responder's view of the differences", sourceLocation: sourceLocation)
        #expect(messages.allSatisfy { $0.count <= ReconcileLimits.maxMessageBytes }, sourceLocation: sourceLocation)
        #expect(initiator.stats.controlBytes == responder.stats.controlBytes, sourceLocation: sourceLocation)
    }
}

@Suite struct RangeReconcileTests {
    typealias F = ReconcileFixture

    @Test(arguments: [(0, 0), (0, 1), (1, 0), (0, 5), (5, 0), (0, 3_000), (3_000, 0)])
    func oneOrBothSidesEmpty(_ na: Int, _ nb: Int) throws {
        let a = F.sorted((0..<na).map { F.entry(UInt32($0)) })
        let b = F.sorted((0..<nb).map { F.entry(UInt32(10_000 + $0)) })
        let run = try ReconcileRun(a, b)
        run.check(a, b)
        #expect(run.initiator.differences.count == na + nb)
    }

    @Test(arguments: [1, 2, 8, 9, 40, 129, 1_000, 20_000])
    func identicalSetsNameNoAuthor(_ n: Int) throws {
        let (a, b) = F.pair(n: n, differing: 0, seed: UInt64(n))
        let run = try ReconcileRun(a, b)
        run.check(a, b)
        #expect(run.initiator.differences.isEmpty && run.responder.differences.isEmpty)
        // Above the list threshold the peer answers the fingerprints with one SKIP: one round trip.
        #expect(run.messages.count == 2)
        if n > ReconcileLimits.listThreshold {
            #expect(run.messages[1] == [255, 0], "the answer to matching fingerprints is SKIP to ∞")
        }
    }

    @Test(arguments: [(1, 1), (10, 1), (100, 1), (1_000, 1), (1_000, 7), (1_000, 100), (1_000, 1_000), (5_000, 250), (30_000, 3)])
    func seededDifferencesAreFoundExactly(_ n: Int, _ d: Int) throws {
        for seed in UInt64(1)...3 {
            let (a, b) = F.pair(n: n, differing: d, seed: seed &* 7919 &+ UInt64(n))
            let run = try ReconcileRun(a, b)
            run.check(a, b)
            #expect(run.initiator.differences.count == min(d, n))
        }
    }

    @Test func sameAuthorsDifferentSeqsEverywhere() throws {
        let a = F.sorted((0..<500).map { F.entry(UInt32($0)) })
        let b = F.sorted((0..<500).map { F.entry(UInt32($0), seq: UInt64(1 + $0 % 5) + 1) })
        let run = try ReconcileRun(a, b)
        run.check(a, b)
        #expect(run.initiator.differences.count == 500)
    }

    @Test func disjointAuthors() throws {
        let a = F.sorted((0..<2_000).map { F.entry(UInt32($0)) })
        let b = F.sorted((2_000..<3_500).map { F.entry(UInt32($0)) })
        let run = try ReconcileRun(a, b)
        run.check(a, b)
        #expect(run.responder.differences.count == 3_500)
    }

    @Test func singleEntries() throws {
        for (a, b) in [([F.entry(1)], [F.entry(1)]), ([F.entry(1)], [F.entry(2)]), ([F.entry(1)], [F.entry(1, seq: 9)]),
                       ([F.entry(1)], [F.entry(1, variant: 1)])] {
            let run = try ReconcileRun(a, b)
            run.check(a, b)
        }
    }

    /// Authors sharing 30 or 31 leading bytes, the all-zero and the all-0xFF key: bounds need
    /// up to 32 bytes and must still split the set.
    @Test func keysSharingLongPrefixes() throws {
        var rng = SeededRandom(seed: 42)
        func key(_ tail: [UInt8]) -> PublicKey { PublicKey(Hash32([UInt8](repeating: 0xAB, count: 32 - tail.count) + tail)) }
        var authors: Set<PublicKey> = [PublicKey(Hash32.zero), PublicKey(Hash32([UInt8](repeating: 0xFF, count: 32))),
                                       PublicKey(Hash32([UInt8](repeating: 0, count: 31) + [1]))]
        for i in 0..<600 { authors.insert(key([UInt8(i % 256), UInt8(i / 256)])) }
        for i in 0..<256 { authors.insert(key([UInt8(i)])) }
        var a: [TipEntry] = [], b: [TipEntry] = []
        for (n, author) in authors.sorted().enumerated() {
            let e = TipEntry(author: author, seq: 3, id: SHA256.hash(author.raw.bytes))
            switch rng.next() % 10 {
            case 0: a.append(e)
            case 1: b.append(e)
            case 2: a.append(e); b.append(TipEntry(author: author, seq: 4, id: e.id))
            default: a.append(e); b.append(e)
            }
            _ = n
        }
        let run = try ReconcileRun(a, b)
        run.check(a, b)
        #expect(!run.initiator.differences.isEmpty)
    }

    /// 60,000 entries against none: 4.3 MB of entries must travel in messages of at most 1 MiB.
    @Test func largeAnswersAreSplitAcrossMessages() throws {
        let a = F.sorted((0..<60_000).map { F.entry(UInt32($0)) })
        for (x, y) in [(a, [TipEntry]()), ([TipEntry](), a)] {
            let run = try ReconcileRun(x, y)
            run.check(x, y)
            #expect(run.messages.count >= 6, "the entries need at least 5 messages of 1 MiB")
            #expect(run.messages.map(\.count).max() ?? 0 > ReconcileLimits.maxMessageBytes - 1_000, "messages are filled close to the limit")
        }
    }

    // MARK: Targets, as counts

    @Test(arguments: [UInt64(100_001), 2, 3, 4, 5])
    func target100kAuthorsDifferingInOne(_ seed: UInt64) throws {
        let (a, b) = F.pair(n: 100_000, differing: 1, seed: seed)
        let run = try ReconcileRun(a, b)
        run.check(a, b)
        #expect(run.messages.count <= 6, "at most 3 round trips, got \(run.messages.count) messages")
        #expect(run.controlBytes <= 3_300, "control bytes \(run.controlBytes)")
        print("100,000 authors, 1 differing (seed \(seed)): \(run.messages.count) messages, \(run.controlBytes) control bytes, bodies \(run.messages.map(\.count))")
    }

    @Test func roundsGrowLikeLogN() throws {
        var counts: [Int: Int] = [:]
        for n in [100, 1_000, 10_000, 100_000] {
          for seed in UInt64(0)..<3 {
            let (a, b) = F.pair(n: n, differing: 1, seed: UInt64(n) + seed)
            let run = try ReconcileRun(a, b)
            run.check(a, b)
            counts[n] = run.messages.count
            // One level of fingerprints per factor of 32 above the list threshold, then LIST and ANSWER.
            let levels = Int((log(Double(n) / Double(ReconcileLimits.groupSize)) / log(Double(ReconcileLimits.branching))).rounded(.up))
            #expect(run.messages.count <= levels + 2, "n = \(n): \(run.messages.count) messages for \(levels) levels")
          }
        }
        print("messages by n (1 differing): \(counts.sorted { $0.key < $1.key })")
    }

    @Test func crossover() {
        #expect(RangeReconciler.prefersPlainFrontier(localCount: 0))
        #expect(RangeReconciler.prefersPlainFrontier(localCount: 40))
        #expect(!RangeReconciler.prefersPlainFrontier(localCount: 41))
    }

    // MARK: Hostile messages

    func responder() throws -> RangeReconciler { try RangeReconciler(entries: F.pair(n: 200, differing: 0, seed: 1).a) }

    func refused(_ body: [UInt8], _ code: ReconcileError.Code, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var r = try responder()
        #expect(throws: ReconcileError.self, sourceLocation: sourceLocation) { _ = try r.receive(body) }
        do { _ = try r.receive(body) } catch { #expect(error.code == code, "\(error)", sourceLocation: sourceLocation) }
    }

    @Test func malformedBodiesAreRefused() throws {
        let fp = [UInt8](repeating: 7, count: 16)
        try refused([], .malformed)                                             // empty
        try refused([255], .malformed)                                          // no mode
        try refused([1, 0x80, 1] + fp.prefix(10), .malformed)                   // fingerprint cut short
        try refused([1, 0x80, 0], .malformed)                                   // no range ends at ∞
        try refused([255, 0, 0], .malformed)                                    // bytes after ∞
        try refused([255, 9], .malformed)                                       // unknown mode
        try refused([33, 1] + [UInt8](repeating: 1, count: 33) + [0, 255, 0], .malformed)  // bound too long
        try refused([2, 0x80, 0x00, 0, 255, 0], .malformed)                     // prefix ending in zero
        try refused([0, 0, 255, 0], .malformed)                                 // empty first range (upper = 0)
        try refused([1, 0x80, 0, 1, 0x40, 0, 255, 0], .malformed)               // unsorted bounds
        try refused([1, 0x80, 0, 1, 0x80, 0, 255, 0], .malformed)               // repeated bound
        try refused([255, 2, 0xFF, 0xFF], .malformed)                           // 65,535 entries announced, none there
        let e1 = ReconcileFixture.entry(1), e2 = ReconcileFixture.entry(2)
        func list(_ es: [TipEntry]) -> [UInt8] {
            var w = ByteWriter(); w.u8(255); w.u8(2); w.u16(UInt16(es.count)); for e in es { RangeCodec.write(e, &w) }; return w.bytes
        }
        let (lo, hi) = e1.author < e2.author ? (e1, e2) : (e2, e1)
        try refused(list([hi, lo]), .malformed)                                 // unsorted entries
        try refused(list([lo, lo]), .malformed)                                 // repeated author
        try refused(list([TipEntry(author: lo.author, seq: 0, id: lo.id)]), .malformed)  // seq 0
        // An entry outside its range: [0, 0x01) cannot hold an author ≥ 0x01.
        var w = ByteWriter(); w.u8(1); w.u8(1); w.u8(2); w.u16(1); RangeCodec.write(TipEntry(author: PublicKey(Hash32([UInt8](repeating: 0x55, count: 32))), seq: 1, id: lo.id), &w); w.u8(255); w.u8(0)
        try refused(w.bytes, .malformed)
        // ANSWER bitmap padding bits must be zero.
        try refused([255, 3, 0, 1, 0x40, 0, 0], .malformed)
        try refused([UInt8](repeating: 0, count: ReconcileLimits.maxMessageBytes + 1), .tooLarge)
    }

    @Test func answersToUnaskedOrSkippedListsAreRefused() throws {
        // An ANSWER to a range this side never listed.
        try refused([255, 3, 0, 0, 0, 0], .protocolViolation)
        // A LIST this side sent, SKIPped by the reply.
        var a = try RangeReconciler(entries: [ReconcileFixture.entry(1)])
        let first = try a.start()
        #expect(first.count == 1 + 1 + 2 + 72, "one entry is listed at once")
        #expect(throws: ReconcileError(.protocolViolation, "range 0 SKIPs part of the range [0, ∞) this side LISTed: a LIST must be answered")) { _ = try a.receive([255, 0]) }
        // An ANSWER with the wrong number of bits.
        var b = try RangeReconciler(entries: [ReconcileFixture.entry(1)])
        _ = try b.start()
        #expect(throws: ReconcileError.self) { _ = try b.receive([255, 3, 0, 2, 0, 0, 0]) }
        // An ANSWER that holds the listed entry and also sends a different one for its author.
        var c = try RangeReconciler(entries: [ReconcileFixture.entry(1)])
        _ = try c.start()
        var w = ByteWriter(); w.u8(255); w.u8(3); w.u16(1); w.u8(0x80); w.u16(1); RangeCodec.write(ReconcileFixture.entry(1, seq: 7), &w)
        #expect(throws: ReconcileError.self) { _ = try c.receive(w.bytes) }
    }

    @Test func endlessRoundsAreCutOff() throws {
        var r = try responder()
        // The same mismatching fingerprint, forever: each answer asks again.
        let body = [255, 1] + [UInt8](repeating: 9, count: 16)
        var refusal: ReconcileError?
        for _ in 0..<(ReconcileLimits.maxMessagesReceived + 1) {
            do { _ = try r.receive(body) } catch { refusal = error; break }
        }
        #expect(refusal?.code == .protocolViolation)
        #expect(r.stats.messagesReceived == ReconcileLimits.maxMessagesReceived + 1)
    }

    @Test func nothingIsAcceptedAfterCompletion() throws {
        let (a, b) = ReconcileFixture.pair(n: 50, differing: 2, seed: 9)
        var run = try ReconcileRun(a, b)
        #expect(throws: ReconcileError.self) { _ = try run.responder.receive([255, 0]) }
        #expect(throws: ReconcileError.self) { _ = try run.initiator.receive([255, 0]) }
        #expect(throws: ReconcileError.self) { _ = try run.initiator.start() }
    }

    @Test func invalidLocalEntriesAreRefused() {
        let e = [ReconcileFixture.entry(1), ReconcileFixture.entry(2)]
        #expect(throws: ReconcileError.self) { _ = try RangeReconciler(entries: e.sorted { $0.author > $1.author }) }
        #expect(throws: ReconcileError.self) { _ = try RangeReconciler(entries: [e[0], e[0]]) }
        #expect(throws: ReconcileError.self) { _ = try RangeReconciler(entries: [TipEntry(author: e[0].author, seq: 0, id: e[0].id)]) }
    }

    /// Random bytes, and single-byte mutations of honest messages, are refused or answered, never crash.
    @Test func mutatedMessagesNeverCrash() throws {
        let (a, b) = ReconcileFixture.pair(n: 300, differing: 20, seed: 77)
        let run = try ReconcileRun(a, b)
        var rng = SeededRandom(seed: 5)
        for _ in 0..<2_000 {
            var body = run.messages[Int(rng.next() % UInt64(run.messages.count))]
            if body.isEmpty { continue }
            body[Int(rng.next() % UInt64(body.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            var r = try RangeReconciler(entries: rng.next() % 2 == 0 ? a : b)
            _ = try? r.receive(body)
        }
    }
}

/// Protocol/vectors/reconcile.json: entry sets built from fixed counters (ReconcileFixture), the
/// exact bodies of every message of their reconciliation and what each side learns
/// (Protocol/RECONCILE.md §12). GLOSS_WRITE_VECTORS=1 rewrites it.
struct ReconcileVectorFile: Codable, Equatable {
    struct Edits: Codable, Equatable {
        var drop: [Int] = [], bump: [Int] = [], fork: [Int] = []
    }
    struct Case: Codable, Equatable {
        var name: String
        var authors: Int
        var initiator: Edits, responder: Edits
        var messages: [String]
        var initiatorDifferences: [String: String], responderDifferences: [String: String]
    }
    var description: String
    var cases: [Case]
}

@Suite struct RangeReconcileVectorTests {
    static var url: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protocol/vectors/reconcile.json")
    }

    static func entries(_ n: Int, _ edits: ReconcileVectorFile.Edits) -> [TipEntry] {
        ReconcileFixture.sorted((0..<n).compactMap { k -> TipEntry? in
            if edits.drop.contains(k) { return nil }
            let e = ReconcileFixture.entry(UInt32(k))
            if edits.bump.contains(k) { return ReconcileFixture.entry(UInt32(k), seq: e.seq + 1) }
            if edits.fork.contains(k) { return ReconcileFixture.entry(UInt32(k), variant: 1) }
            return e
        })
    }

    static func text(_ d: [PublicKey: PeerTip]) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in d {
            switch v {
            case .absent: out[k.hex] = "absent"
            case .tip(let seq, let id): out[k.hex] = "\(seq):\(id.hex)"
            }
        }
        return out
    }

    static func compute(_ c: ReconcileVectorFile.Case) throws -> ReconcileVectorFile.Case {
        let a = entries(c.authors, c.initiator), b = entries(c.authors, c.responder)
        let run = try ReconcileRun(a, b)
        run.check(a, b)
        var out = c
        out.messages = run.messages.map { Hex.encode($0) }
        out.initiatorDifferences = text(run.initiator.differences)
        out.responderDifferences = text(run.responder.differences)
        return out
    }

    static let inputs = ReconcileVectorFile(
        description: "Range-based reconciliation of tip entries (Protocol/RECONCILE.md §12). Author k = SHA-256(\"gloss/reconcile/vector/author\" ‖ u32 k); its entry has seq s = 1 + k mod 5 (bump: s + 1) and id SHA-256(\"gloss/reconcile/vector/id\" ‖ u32 k ‖ u64 s ‖ u8 v), v = 0 (fork: v = 1). Each side holds authors 0 … authors−1 except its drop list. messages: the RANGES bodies (without the type byte 10) in order, the initiator's first. Differences: author → the peer's \"seq:id\" or \"absent\".",
        cases: [
            .init(name: "six authors, listed at once", authors: 6, initiator: .init(drop: [2]), responder: .init(bump: [4]),
                  messages: [], initiatorDifferences: [:], responderDifferences: [:]),
            .init(name: "forty authors, four differing", authors: 40, initiator: .init(drop: [3], bump: [11]), responder: .init(drop: [7], fork: [15]),
                  messages: [], initiatorDifferences: [:], responderDifferences: [:]),
            .init(name: "three thousand authors, six differing", authors: 3_000,
                  initiator: .init(drop: [17, 1_200], bump: [5]), responder: .init(drop: [2_999], bump: [444], fork: [1_500]),
                  messages: [], initiatorDifferences: [:], responderDifferences: [:]),
        ])

    @Test func reconciliationMatchesTheVectors() throws {
        if ProcessInfo.processInfo.environment["GLOSS_WRITE_VECTORS"] == "1" {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            var file = Self.inputs
            file.cases = try file.cases.map(Self.compute)
            try enc.encode(file).write(to: Self.url)
        }
        let v = try JSONDecoder().decode(ReconcileVectorFile.self, from: Data(contentsOf: Self.url))
        #expect(v.cases.count >= 2)
        for c in v.cases {
            #expect(try Self.compute(c) == c, "case \(c.name)")
            #expect(!c.messages.isEmpty && !c.initiatorDifferences.isEmpty)
        }
    }
}
