import GlossCore
import GlossLedger
import GlossStore

extension HubLog {
    /// Copies a SQLite ledger's events into the hub, in the ledger's storage order, 512 at a
    /// time, each verified as a peer's would be; what the hub holds already is skipped, so a
    /// migration cut short can be run again. Erased events come with the erasures that let
    /// them be held so. Returns how many were new and how many the hub had.
    public func migrate(from log: EventLog, progress: (Int) -> Void = { _ in }) async throws -> (new: Int, alreadyHad: Int) {
        // The ledger's erasures and links, as notices (as a bundle's import takes them), and the
        // notices it keeps for erasures it does not hold.
        var special: [Event] = []
        var all = RelayFilter()
        try log.forEachRelayable(notCoveredBy: nil, filter: &all) { e in
            if !e.isErased, PayloadKind.isDevice(e.payloadKind) || e.payloadKind == PayloadKind.annotationErased.rawValue { special.append(e) }
        }
        let notices = try BundleExchange.notices(in: special) + log.keptNotices()
        var new = 0, had = 0, first = true
        var filter = RelayFilter()
        var cursor: Int64 = 0
        while true {
            // A page at a time from the ledger (never all of it in memory), each page one append.
            let page = try log.outgoing(after: cursor, peer: Frontier(), filter: &filter, maxEvents: 512, maxBytes: 16 << 20)
            cursor = page.lastRow
            if !page.events.isEmpty {
                switch try await append(page.events, notices: first ? notices : [], signaturesChecked: false, inOrder: true) {
                case .stored(let r):
                    new += r.stored.count
                    had += r.alreadyHad
                case .refused(let why, _):
                    throw HubError(.refused, "the ledger's events were refused by the hub: \(why)")
                }
                first = false
                progress(new + had)
            }
            if page.exhausted { break }
        }
        return (new, had)
    }
}
