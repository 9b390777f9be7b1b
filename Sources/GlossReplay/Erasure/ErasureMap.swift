import GlossCore

/// An `annotation.erased` event of a set, as the erasure map reads it.
public struct ErasureEvent: Sendable {
    public let stamp: Stamp
    public let erasure: AnnotationErased

    public init(stamp: Stamp, erasure: AnnotationErased) { self.stamp = stamp; self.erasure = erasure }

    /// Nil unless `e` is a kind 12 event whose payload decodes.
    public init?(_ e: Event) {
        guard e.payloadKind == PayloadKind.annotationErased.rawValue, case .annotationErased(let x)? = try? e.payload() else { return nil }
        stamp = Stamp(e); erasure = x
    }
}

/// Which events' payloads are erased, and how each erased annotation is shown (MERGE.md §19): a
/// pure function of the set's erasures, the authors of the events they name (read from headers,
/// which an erased event keeps) and the device map. An erasure never depends on a payload, so a
/// ledger that holds only the erased events' headers decides exactly as one that held them whole.
public struct ErasureMap: Sendable, Equatable {
    /// How an erased annotation is placed and shown: from the first effective erasure of it in
    /// the total order.
    public struct Erased: Sendable, Equatable {
        public let article: Hash32
        public let replyTo: EventID?
        /// The erasure: who (its identity) and when.
        public let by: Stamp

        public init(article: Hash32, replyTo: EventID?, by: Stamp) { self.article = article; self.replyTo = replyTo; self.by = by }
    }

    /// Erased events (the creation and its author's own changes named by an effective erasure),
    /// with the first effective erasure naming each.
    public private(set) var erasedEvents: [EventID: EventID] = [:]
    /// Erased annotations, by the id of their creation.
    public private(set) var annotations: [EventID: Erased] = [:]
    /// Erasures with no effect, and why.
    public private(set) var ineffective: [EventID: String] = [:]
    /// How many erasures the set holds.
    public private(set) var eventCount = 0
    /// Every id any erasure of the set names (its annotation and its events), effective or not:
    /// when one of them arrives, the map may change.
    public private(set) var named: Set<EventID> = []
    /// The identity each effective erasure speaks for, by the ids it names: an event named
    /// here and written by that identity is erased when it arrives.
    private var namedBy: [EventID: [(erasure: EventID, identity: PublicKey)]] = [:]

    public static let empty = ErasureMap()
    private init() {}

    /// Whether an event of kind `kind` may be erased: annotation events (a creation, kinds 2–7
    /// and 9), or one whose kind cannot be read (held erased: a ledger erases only those). Never
    /// an article, a device event or an erasure, which the device and erasure maps read.
    public static func erasable(kind: UInt16?) -> Bool {
        guard let kind else { return true }
        return (2...7).contains(kind) || kind == PayloadKind.annotationReanchored.rawValue
    }

    /// `authorOf(id)`: the author of an event of the set (whole or erased), nil when not held;
    /// `kindOf(id)`: its payload kind, nil when it cannot be read (held erased).
    public init(_ events: [ErasureEvent], devices: DeviceMap, authorOf: (EventID) -> PublicKey?, kindOf: (EventID) -> UInt16? = { _ in nil }) {
        eventCount = events.count
        for e in events.sorted(by: { $0.stamp < $1.stamp }) {
            let x = e.erasure
            named.insert(x.annotation)
            named.formUnion(x.events)
            guard let creator = authorOf(x.annotation) else {
                ineffective[e.stamp.id] = "its annotation \(x.annotation.short()) is not in the ledger"
                continue
            }
            if let k = kindOf(x.annotation), k != PayloadKind.annotationCreated.rawValue {
                ineffective[e.stamp.id] = "\(x.annotation.short()) is not an annotation (it is a \(PayloadKind.name(k)))"
                continue
            }
            let identity = devices.identity(of: creator)
            guard devices.identity(of: e.stamp.author) == identity else {
                ineffective[e.stamp.id] = "its signer \(devices.identity(of: e.stamp.author).raw.short()) is not the author \(identity.raw.short()) of annotation \(x.annotation.short())"
                continue
            }
            if annotations[x.annotation] == nil {
                annotations[x.annotation] = Erased(article: x.article, replyTo: x.replyTo, by: e.stamp.attributed(by: devices))
            }
            for target in x.events { namedBy[target, default: []].append((e.stamp.id, identity)) }
            for target in x.events where erasedEvents[target] == nil {
                // Only the identity's own annotation events: someone else's reply or edit stays
                // theirs, and articles, device events and erasures are never erased.
                guard let author = authorOf(target), devices.identity(of: author) == identity, Self.erasable(kind: kindOf(target)) else { continue }
                erasedEvents[target] = e.stamp.id
            }
        }
    }

    public var isEmpty: Bool { eventCount == 0 }

    /// The effective erasure that erases an event `id` by `author` of kind `kind` (held or
    /// arriving; nil when it arrives erased), if any.
    public func erasure(of id: EventID, author: PublicKey, kind: UInt16?, devices: DeviceMap) -> EventID? {
        guard Self.erasable(kind: kind) else { return nil }
        let who = devices.identity(of: author)
        return namedBy[id]?.first { $0.identity == who }?.erasure
    }

    /// Equal maps erase the same events and show the same erased annotations.
    public static func == (a: ErasureMap, b: ErasureMap) -> Bool {
        a.erasedEvents == b.erasedEvents && a.annotations == b.annotations && a.eventCount == b.eventCount
    }
}
