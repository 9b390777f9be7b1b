import GlossCore

/// A batch of events applied to the part of a ledger's state they touch: how a store that
/// keeps the state as rows (the hub's projection in PostgreSQL) applies events with
/// `LedgerState`'s own rules and never loads the rest.
///
/// The store loads the rows of the ids it knows the batch needs (none will do) and applies the
/// batch; `missing` lists the ids the rules read that were not loaded. The store then loads
/// those too and applies the batch again to a fresh part, until nothing is missing; `changes`
/// are then what to write back. Whether an id was loaded, not whether a row was found, is what
/// counts: an id loaded with no row is known to be absent.
public struct LedgerStatePart: Sendable {
    private var state: LedgerState
    private let loaded: Set<Hash32>

    /// The rows loaded for `ids`: articles and annotations by id, and the events waiting for
    /// each id (in storage order). `devices` and `erasures` are the whole log's maps, as for
    /// `LedgerState.replay`.
    public init(devices: DeviceMap, erasures: ErasureMap, loaded ids: Set<Hash32>,
                articles: [ArticleState], annotations: [AnnotationState], waiting: [(target: Hash32, event: Event)]) {
        state = LedgerState()
        state.devices = devices
        state.erasures = erasures
        for a in articles { state.articles[a.id] = a }
        for a in annotations { state.annotations[a.id] = a }
        for w in waiting {
            if let entry = Self.waitingEntry(w.event, devices: devices, erasures: erasures) {
                state.waiting[w.target, default: []].append(entry)
            }
        }
        state.tracking = LedgerState.Tracking()
        loaded = ids
    }

    /// Applies `events` (each once, in any order) and returns the ids read that were not loaded:
    /// when it is not empty, the changes are not to be written.
    public mutating func apply(_ events: [Event]) -> Set<Hash32> {
        for e in events { state.apply(e) }
        return missing
    }

    /// The ids read so far that were not loaded.
    public var missing: Set<Hash32> { (state.tracking?.read ?? []).subtracting(loaded) }

    /// What the batch changed, for the store to write back.
    public var changes: Changes {
        let t = state.tracking ?? LedgerState.Tracking()
        return Changes(
            articles: t.articles.compactMap { state.articles[$0] },
            annotations: t.annotations.compactMap { state.annotations[$0] },
            waiting: Dictionary(uniqueKeysWithValues: t.waiting.map { ($0, (state.waiting[$0] ?? []).map(\.stamp.id)) }),
            rejected: state.rejected.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 },
            applied: state.applied, unknownKinds: state.unknownKinds)
    }

    /// What a batch changed.
    public struct Changes: Sendable {
        /// Articles added or changed: each row to write whole.
        public let articles: [ArticleState]
        /// Annotations created or changed: each row to write whole.
        public let annotations: [AnnotationState]
        /// For each id whose waiting list changed, the events now waiting for it (none: its
        /// rows go).
        public let waiting: [Hash32: [EventID]]
        /// Events that broke a rule, and why (final: never changed later).
        public let rejected: [(EventID, String)]
        /// Events applied, and how many of them were of kinds this version does not know.
        public let applied: Int
        public let unknownKinds: Int
    }

    /// The form in which `e` waits for its target: its payload, or for an erased creation the
    /// erasure's account of where it goes (as `LedgerState` makes it). Nil for an event that
    /// could not be waiting.
    static func waitingEntry(_ e: Event, devices: DeviceMap, erasures: ErasureMap) -> LedgerState.Waiting? {
        let stamp = Stamp(e, devices: devices)
        if let x = erasures.annotations[e.id] { return .init(stamp: stamp, payload: LedgerState.erasedPayload(e.id, x)) }
        guard !e.isErased, let payload = try? e.payload() else { return nil }
        return .init(stamp: stamp, payload: payload)
    }
}
