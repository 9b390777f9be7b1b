import GlossCore
import GlossReplay
import GlossStore

/// Offline sync by file: writing what a peer lacks, and taking in what a peer wrote.
public enum BundleExchange {
    /// The events a ledger at `since` lacks (all events when nil), parents first, as a bundle.
    public static func export(_ log: EventLog, since: Frontier? = nil) throws -> [UInt8] {
        var out: [UInt8] = []
        _ = try export(log, since: since, to: { out.append(contentsOf: $0) })
        return out
    }

    /// What an export wrote, and what it left out.
    public struct Exported: Sendable {
        public let count: Int
        /// Stored rows that no longer match what was verified (see `StoredRowCheck`), left out.
        public let quarantined: [(id: EventID, reason: String)]
        /// Events left out because they depend on a quarantined one (the peer could not store them).
        public let withheldChildren: Int
    }

    /// The same bundle written piece by piece to `sink`, one event in memory at a time, read in
    /// one transaction. Rows are checked before they leave: a damaged one is left out with every
    /// event that depends on it, and reported. Two passes, so the count announced first is the
    /// count written.
    public static func export(_ log: EventLog, since: Frontier?, to sink: @escaping ([UInt8]) throws -> Void) throws -> Exported {
        try log.reading {
            var counting = RelayFilter()
            var count = 0
            try log.forEachRelayable(notCoveredBy: since, filter: &counting) { _ in count += 1 }
            let writer = try Bundle.Writer(count: count, sink: sink)
            var filter = RelayFilter()
            try log.forEachRelayable(notCoveredBy: since, filter: &filter) { try writer.add($0) }
            try writer.finish()
            let quarantined = filter.takeQuarantined()
            return Exported(count: count, quarantined: quarantined, withheldChildren: filter.withheld.count - quarantined.count)
        }
    }

    /// The bundle's erasures as notices, so that the events they name, which come before them
    /// (parents first), may be stored without their payloads (MERGE.md §19). Each carries the
    /// bundle's links of the keys involved.
    public static func notices(in events: [Event]) throws -> [ErasureNotice] {
        let erasures = events.filter { $0.payloadKind == PayloadKind.annotationErased.rawValue }
        guard !erasures.isEmpty else { return [] }
        let byID = Dictionary(events.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var linkOf: [PublicKey: Event] = [:]
        for e in events where e.payloadKind == PayloadKind.deviceLinked.rawValue {
            // Only links that can vouch: a refused consent proves nothing (and is no error here).
            if case .deviceLinked(let l)? = try? e.payload(), linkOf[l.device] == nil, l.consentVerifies, e.hasValidSignature {
                linkOf[l.device] = e
            }
        }
        var out: [ErasureNotice] = []
        for e in erasures {
            guard case .annotationErased(let x)? = try? e.payload() else { continue }
            // Each key's chain of links up to its identity (a device linked by a linked device).
            var links: [Event] = []
            for start in Set([e.author] + x.events.compactMap { byID[$0]?.author }).sorted() {
                var k = start
                while let l = linkOf[k], !links.contains(l) { links.append(l); k = l.author }
            }
            // An erasure whose signature fails is refused when it is stored (the whole bundle with it).
            if let n = try? ErasureNotice(erasure: e, links: Array(links.prefix(ErasureNotice.maxLinks))) { out.append(n) }
        }
        return out
    }

    /// What an import did.
    public struct Imported: Sendable {
        public let new: Int
        public let alreadyHad: Int
    }

    /// Verifies every event of `bytes` and appends them all in one transaction, parents first,
    /// skipping those already held. Nothing is stored unless everything is good.
    public static func `import`(_ bytes: [UInt8], into log: EventLog) throws -> Imported {
        let events = try Bundle.decode(bytes)
        let position = Dictionary(events.enumerated().map { ($1.id, $0 + 1) }, uniquingKeysWith: { a, _ in a })
        // A parent always has a smaller lamport (checked as each event is stored), so the total
        // order puts parents first. Signatures are checked as the events are stored, a chunk
        // ahead on the other cores; one that fails rolls the whole import back.
        let ordered = events.sorted { Stamp($0) < Stamp($1) }
        let notices = try notices(in: events)
        do {
            let r = try log.append(ordered, notices: notices)
            return Imported(new: r.stored.count, alreadyHad: r.alreadyHad)
        } catch let e {
            let where_ = e.event.flatMap { position[$0] }.map { "event \($0) of the bundle: " } ?? ""
            throw BundleError(index: e.event.flatMap { position[$0] }, "\(where_)\(e.message); nothing was imported")
        }
    }
}
