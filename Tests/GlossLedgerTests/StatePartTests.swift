import GlossCore
import GlossReplay
import Testing
import GlossTestSupport

/// `LedgerStatePart` (how the hub's projection applies a batch to the rows it touches) against
/// the reference replay: random histories, with devices and erasures, applied in random
/// batches to a store of encoded rows (`StateCodec`) that loads only what each batch asks for,
/// must give the reference snapshot byte for byte and reject the same events.
@Suite struct StatePartTests {
    /// Rows as a store keeps them: encoded states, waiting lists, rejections.
    struct Rows {
        var articles: [Hash32: [UInt8]] = [:]
        var annotations: [EventID: [UInt8]] = [:]
        var waiting: [Hash32: [EventID]] = [:]
        var rejected: [EventID: String] = [:]
        var applied = 0
        var loads = 0

        /// The store's loop: load what the batch names, apply, repeat until nothing is missing.
        mutating func apply(_ batch: [Event], byID: [EventID: Event], devices: DeviceMap, erasures: ErasureMap) throws {
            var ids: Set<Hash32> = []
            while true {
                var part = LedgerStatePart(
                    devices: devices, erasures: erasures, loaded: ids,
                    articles: try ids.compactMap { try articles[$0].map(StateCodec.article) },
                    annotations: try ids.compactMap { try annotations[$0].map(StateCodec.annotation) },
                    waiting: ids.flatMap { t in (waiting[t] ?? []).compactMap { byID[$0] }.map { (target: t, event: $0) } })
                let missing = part.apply(batch)
                if missing.isEmpty {
                    let c = part.changes
                    for a in c.articles { articles[a.id] = StateCodec.encode(a) }
                    for a in c.annotations { annotations[a.id] = StateCodec.encode(a) }
                    for (t, list) in c.waiting { waiting[t] = list.isEmpty ? nil : list }
                    for (id, why) in c.rejected { rejected[id] = why }
                    applied += c.applied
                    return
                }
                #expect(missing.isDisjoint(with: ids), "an id asked for twice")
                ids.formUnion(missing)
                loads += 1
            }
        }

        func snapshot(heads: [EventID], devices: DeviceMap, erasures: ErasureMap) throws -> [UInt8] {
            var out: [UInt8] = []
            let writer = SnapshotWriter { out.append(contentsOf: $0) }
            for a in try annotations.values.map(StateCodec.annotation).sorted(by: { $0.created < $1.created }) { try writer.annotation(a.view) }
            for a in try articles.values.map(StateCodec.article).sorted(by: { $0.id < $1.id }) { try writer.article(a.view) }
            _ = try writer.finish(events: applied, heads: heads, devices: devices, erasures: erasures.eventCount)
            return out
        }
    }

    /// Seeds, whether the order is topological, and whether the history has devices and erasures.
    @Test(arguments: [(UInt64(3), false, true), (5, true, true), (8, true, false), (13, false, false)])
    func batchesOfRowsGiveTheReferenceSnapshot(seed: UInt64, topological: Bool, maps: Bool) throws {
        var g = HistoryGenerator(seed: seed)
        g.devices = maps
        g.erasures = maps
        g.run(steps: 500)
        let reference = Snapshot(events: g.events)
        let state = LedgerState.replay(g.events)
        let byID = Dictionary(uniqueKeysWithValues: g.events.map { ($0.id, $0) })
        var rng = SeededRandom(seed: seed &* 31)
        // Topological (the hub's storage order) or any order at all (waiting and waking).
        let order = topological ? HistoryGenerator.randomTopologicalOrder(g.events, &rng) : g.events.shuffled(using: &rng)
        var rows = Rows()
        var i = 0
        while i < order.count {
            let n = Int.random(in: 1...40, using: &rng)
            try rows.apply(Array(order[i..<min(order.count, i + n)]), byID: byID, devices: state.devices, erasures: state.erasures)
            i += n
        }
        let mine = try rows.snapshot(heads: EventSelection.heads(g.events), devices: state.devices, erasures: state.erasures)
        #expect(mine == reference.bytes, "seed \(seed): the rows' snapshot differs from the reference")
        #expect(Set(rows.rejected.keys) == Set(state.rejected.keys), "seed \(seed): rejected events")
        #expect(rows.waiting.isEmpty == state.ineffective.values.allSatisfy { !$0.contains("is not in the ledger") })
        #expect(rows.loads > 0)
        #expect(state.annotations.values.filter { !$0.replies.isEmpty }.count > (maps ? 0 : 3), "the history has replies")
        if maps { #expect(state.erasures.eventCount > 0 && state.devices.eventCount > 0, "the history has erasures and devices") }
    }

    @Test func statesSurviveTheirStoredForm() throws {
        var g = HistoryGenerator(seed: 21)
        g.devices = true
        g.erasures = true
        g.run(steps: 300)
        let state = LedgerState.replay(g.events)
        for a in state.annotations.values {
            let back = try StateCodec.annotation(StateCodec.encode(a))
            #expect(back.json == a.json && back.history == a.history && back.body.heads == a.body.heads
                    && back.tags.tags == a.tags.tags && back.reanchors?.heads == a.reanchors?.heads)
        }
        for a in state.articles.values {
            let back = try StateCodec.article(StateCodec.encode(a))
            #expect(back.json == a.json && back.adders == a.adders && back.ineffectiveRevisions.sorted() == a.ineffectiveRevisions.sorted())
        }
        // A damaged row is an error, never a crash.
        if let a = state.annotations.values.first {
            let bytes = StateCodec.encode(a)
            #expect(throws: DecodeError.self) { try StateCodec.annotation(Array(bytes.prefix(bytes.count / 2))) }
            #expect(throws: DecodeError.self) { try StateCodec.annotation([9] + bytes.dropFirst()) }
        }
    }
}
