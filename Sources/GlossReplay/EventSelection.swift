import GlossCore

/// Which events a snapshot covers: all of history, the causal past of one event, the events up
/// to a lamport, or those before a time. Every selection is causally closed (it holds the
/// parents of each event it holds), so it is a state some peer could have had.
public enum EventSelection: Sendable, Equatable {
    case all
    /// The event and everything it depends on, through prev and deps.
    case causalPast(of: EventID)
    /// Events with lamport ≤ N (closed because a parent's lamport is always smaller).
    case lamport(atMost: UInt64)
    /// Events whose time is before T (milliseconds) and whose parents are all selected.
    case before(time: Int64)

    /// The selected events, in the total order. Nil when `causalPast` names an unknown event.
    public func select(_ events: [Event]) -> [Event]? {
        var seen: Set<EventID> = []
        let ordered = events.filter { seen.insert($0.id).inserted }.sorted { Stamp($0) < Stamp($1) }
        switch self {
        case .all:
            return ordered
        case .lamport(let n):
            return ordered.filter { $0.header.lamport <= n }
        case .before(let t):
            var kept: Set<EventID> = []
            return ordered.filter { e in
                guard e.header.time < t, e.header.parents.allSatisfy(kept.contains) else { return false }
                kept.insert(e.id)
                return true
            }
        case .causalPast(let id):
            let byID = Dictionary(events.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            guard byID[id] != nil else { return nil }
            var past: Set<EventID> = [id]
            var stack = [id]
            while let next = stack.popLast() {
                for p in byID[next]?.header.parents ?? [] where past.insert(p).inserted { stack.append(p) }
            }
            return ordered.filter { past.contains($0.id) }
        }
    }

    /// The events of `events` that no other event of `events` names as a parent, ascending.
    public static func heads(_ events: [Event]) -> [EventID] {
        var parents: Set<EventID> = []
        for e in events { parents.formUnion(e.header.parents) }
        return Set(events.map(\.id)).filter { !parents.contains($0) }.sorted()
    }
}
