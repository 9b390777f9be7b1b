import Foundation
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore
import Testing
import GlossTestSupport

/// Three authors edit concurrently, each on its own ledger, swapping bundles at random moments.
/// Then the final events reach 20 fresh ledgers in 20 different valid orders: all 20 must show
/// the same snapshot hash.
@Suite struct MergePropertyTests {
    struct Peer {
        let key: SigningKey
        let log: EventLog
        var state: LedgerState { LedgerState.replay((try? log.allEvents()) ?? []) }
    }

    static let text = "Putin ordered it. Troops landed. “Dozens” were killed — officials said. Putin again.\u{00A0}End."

    /// Runs the random history; returns every event and the peers' logs.
    static func history(seed: UInt64, steps: Int, dir: TempDir) throws -> (events: [Event], peers: [Peer]) {
        var rng = SeededRandom(seed: seed)
        let peers = try (0..<3).map { i in
            let keySeed = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            return Peer(key: try SigningKey(seed: keySeed), log: try EventLog(path: "\(dir.path)/p\(i).sqlite", create: true))
        }
        let keys = peers.map(\.key.publicKey)
        let article = ArticleAdded(title: "t", source: "s", text: text)
        let first = try peers[0].log.appendOwn(key: peers[0].key, payload: .articleAdded(article), time: 0)
        for p in peers.dropFirst() { try p.log.append([first]) }
        let matcher = QuoteMatcher(text: ArticleText(text))
        let quotes = ["Putin", "Troops landed", "“Dozens”", "officials said", "End"]
        var t: Int64 = 1
        for _ in 0..<steps {
            t += 1
            let i = Int.random(in: 0..<3, using: &rng)
            let me = peers[i]
            if Int.random(in: 0..<5, using: &rng) == 0 {
                // Exchange: a random other peer sends what this one lacks.
                let j = (i + Int.random(in: 1..<3, using: &rng)) % 3
                let bundle = try BundleExchange.export(peers[j].log, since: try me.log.frontier())
                _ = try BundleExchange.import(bundle, into: me.log)
                continue
            }
            let state = me.state
            let mine = state.annotations(includeDeleted: true)
            let payload: Payload
            let roll = Int.random(in: 0..<10, using: &rng)
            if mine.isEmpty || roll == 0 {
                let q = quotes.randomElement(using: &rng)!
                let sel = try matcher.select(quote: q, occurrence: 1)
                payload = .annotationCreated(AnnotationCreated(article: article.articleID, target: .text(sel), motivation: "commenting",
                                                               body: "note \(t)", tags: ["t\(t % 4)"], editors: keys.filter { $0 != me.key.publicKey }))
            } else {
                let a = mine.randomElement(using: &rng)!
                switch roll {
                case 1: payload = .annotationCreated(AnnotationCreated(article: a.article, target: .reply(to: a.id), motivation: "replying", body: "re \(t)", tags: []))
                case 2, 3, 4: payload = .bodyEdited(BodyEdited(annotation: a.id, pred: a.body.heads, body: "edit \(t) by \(i)"))
                case 5: payload = .motivationChanged(MotivationChanged(annotation: a.id, pred: a.motivation.heads, motivation: ["questioning", "commenting", "highlighting"].randomElement(using: &rng)!))
                case 6, 7:
                    let tag = "t\(Int.random(in: 0..<4, using: &rng))"
                    if a.tags.tags.contains(tag) {
                        payload = .tagsChanged(TagsChanged(annotation: a.id, add: [], remove: [tag], pred: a.tags.additions(of: tag)))
                    } else {
                        payload = .tagsChanged(TagsChanged(annotation: a.id, add: [tag], remove: [], pred: []))
                    }
                default:
                    payload = a.isDeleted ? .annotationRestored(StateChange(annotation: a.id, pred: a.deleted.heads))
                                          : .annotationDeleted(StateChange(annotation: a.id, pred: a.deleted.heads))
                }
            }
            _ = try me.log.appendOwn(key: me.key, payload: payload, time: t)
        }
        // Everyone meets at the end.
        var all: [EventID: Event] = [:]
        for p in peers { for e in try p.log.allEvents() { all[e.id] = e } }
        return (Array(all.values), peers)
    }

    /// A random order in which every event comes after its parents.
    static func randomTopologicalOrder(_ events: [Event], _ rng: inout SeededRandom) -> [Event] {
        HistoryGenerator.randomTopologicalOrder(events, &rng)
    }

    @Test func twentyOrdersOneHash() throws {
        let dir = try TempDir()
        let (events, _) = try Self.history(seed: 20261125, steps: 1000, dir: dir)
        #expect(events.count > 800)
        let reference = Snapshot(events: events)
        // The history really had concurrency: conflicts and several authors.
        let state = LedgerState.replay(events)
        #expect(Set(events.map(\.author)).count == 3)
        #expect(state.annotations.values.contains { !$0.body.conflicts.isEmpty || !$0.motivation.conflicts.isEmpty })
        var rng = SeededRandom(seed: 7)
        var hashes: Set<Hash32> = []
        for n in 0..<20 {
            let order = Self.randomTopologicalOrder(events, &rng)
            let log = try EventLog(path: "\(dir.path)/fresh\(n).sqlite", create: true)
            // Delivered in random-sized bundles; the projection is read between them.
            var i = 0
            while i < order.count {
                let k = Int.random(in: 1...200, using: &rng)
                _ = try BundleExchange.import(Bundle.encode(Array(order[i..<min(order.count, i + k)])), into: log)
                _ = try log.snapshotHash()
                i += k
            }
            hashes.insert(try log.snapshotHash())
        }
        #expect(hashes == [reference.hash], "20 delivery orders gave \(hashes.count) different snapshots")
    }

    @Test func snapshotAtAnEventIsTheLedgerOfItsCausalPast() throws {
        let dir = try TempDir()
        let (events, _) = try Self.history(seed: 99, steps: 300, dir: dir)
        var rng = SeededRandom(seed: 3)
        for n in 0..<10 {
            let target = events.randomElement(using: &rng)!
            let past = try #require(EventSelection.causalPast(of: target.id).select(events))
            let log = try EventLog(path: "\(dir.path)/past\(n).sqlite", create: true)
            _ = try BundleExchange.import(Bundle.encode(past), into: log)
            #expect(Snapshot(events: past) == (try log.snapshotHash()))
            #expect(try log.heads() == [target.id])
        }
    }
}

extension Snapshot {
    static func == (a: Snapshot, b: Hash32) -> Bool { a.hash == b }
}
