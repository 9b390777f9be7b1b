/// Decides, row by row in stored (parents-first) order, which of a ledger's events may be sent
/// to a peer or written to a bundle.
///
/// An event is **withheld** when its stored row is damaged (it is then also **quarantined**:
/// reported by id with the damage), when it lies on a forked author's branch that the peer
/// does not share (`forkedFrom`), or when one of its parents was withheld: the peer could not
/// store it without that parent, and one unstorable event would make it refuse the whole batch.
/// Everything else flows. The filter lives as long as one session or one export, so a parent
/// withheld in one batch still withholds its children in the next.
public struct RelayFilter: Sendable {
    /// Authors whose chains fork from the peer's: their events at or above this seq are withheld.
    public var forkedFrom: [PublicKey: UInt64]
    public private(set) var withheld: Set<EventID> = []
    public private(set) var quarantined: [(id: EventID, reason: String)] = []
    /// The peer does not take erased events (an older version): they are withheld, with their
    /// descendants, as it could not store them.
    public var withholdErased = false

    public init(forkedFrom: [PublicKey: UInt64] = [:]) { self.forkedFrom = forkedFrom }

    /// Whether the row of (`author`, `seq`, `id`) is on a forked branch: withheld without reading it.
    public mutating func withholdsUnread(author: PublicKey, seq: UInt64, id: EventID) -> Bool {
        guard let from = forkedFrom[author], seq >= from else { return false }
        withheld.insert(id)
        return true
    }

    /// The event to send for a stored row that passed `withholdsUnread` and that the peer lacks,
    /// or nil when it is withheld. `check` is the row's `StoredRowCheck` result.
    public mutating func admit(id: EventID, _ check: Result<Event, StoredRowCheck.Damage>) -> Event? {
        switch check {
        case .failure(let damage):
            quarantined.append((id, damage.message))
            withheld.insert(id)
            return nil
        case .success(let event):
            if withholdErased && event.isErased {
                withheld.insert(id)
                return nil
            }
            if !withheld.isEmpty, event.header.parents.contains(where: withheld.contains) {
                withheld.insert(id)
                return nil
            }
            return event
        }
    }

    /// Takes the quarantine reports gathered so far (each is reported once).
    public mutating func takeQuarantined() -> [(id: EventID, reason: String)] {
        defer { quarantined = [] }
        return quarantined
    }
}
