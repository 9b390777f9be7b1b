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
        do {
            let r = try log.append(ordered)
            return Imported(new: r.stored.count, alreadyHad: r.alreadyHad)
        } catch let e {
            let where_ = e.event.flatMap { position[$0] }.map { "event \($0) of the bundle: " } ?? ""
            throw BundleError(index: e.event.flatMap { position[$0] }, "\(where_)\(e.message); nothing was imported")
        }
    }
}
