import GlossCore

/// A multi-value register: every write names the values it replaces (`pred`); the values no
/// write has replaced are live. The winner is the live value with the greatest stamp; other live
/// values are concurrent versions that lost, kept and shown as a conflict. The result depends
/// only on the set of writes, never on the order they were applied in.
public struct Register<Value: Sendable & Equatable>: Sendable {
    public struct Version: Sendable {
        public let value: Value
        public let stamp: Stamp
    }
    /// Every write ever applied, by event id.
    public internal(set) var writes: [EventID: Version] = [:]
    /// Ids some write has replaced.
    var replaced: Set<EventID> = []

    public init(initial: Value, stamp: Stamp) { writes[stamp.id] = Version(value: initial, stamp: stamp) }
    /// A register with no write yet (an article's text register, a re-anchored selector): it
    /// must be written before its value is read.
    public init() {}
    init(writes: [EventID: Version], replaced: Set<EventID>) { self.writes = writes; self.replaced = replaced }

    public mutating func write(_ value: Value, stamp: Stamp, pred: [EventID]) {
        writes[stamp.id] = Version(value: value, stamp: stamp)
        replaced.formUnion(pred)
    }

    /// Live versions, greatest stamp first. Never empty once a write names no missing pred.
    public var live: [Version] {
        writes.values.filter { !replaced.contains($0.stamp.id) }.sorted { $0.stamp > $1.stamp }
    }

    /// The winning version; when every version has been replaced (by a write that named one that
    /// did not exist yet), the latest write wins so the register always has a value.
    public var winner: Version {
        if let w = live.first { return w }
        return writes.values.max { $0.stamp < $1.stamp }!  // writes is never empty: init adds one.
    }

    public var value: Value { winner.value }

    /// Live versions that lost to the winner: the conflict to show.
    public var conflicts: [Version] { Array(live.dropFirst()) }

    /// The ids to name as `pred` when writing now: every live version.
    public var heads: [EventID] { live.map(\.stamp.id) }
}
