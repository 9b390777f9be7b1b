import GlossCore

/// An add-wins set of tags. Each addition is an (tag, event id) pair; a removal removes only
/// the additions of that tag named in its `pred`, so a concurrent addition survives.
public struct TagSet: Sendable {
    /// Additions not removed, by tag.
    private var additions: [String: Set<EventID>] = [:]
    private var removed: Set<TagInstance> = []

    struct TagInstance: Hashable, Sendable { let tag: String; let event: EventID }

    public init() {}

    public mutating func add(_ tags: [String], by event: EventID) {
        for t in tags where !removed.contains(TagInstance(tag: t, event: event)) {
            additions[t, default: []].insert(event)
        }
    }

    public mutating func remove(_ tags: [String], seen pred: [EventID]) {
        for t in tags {
            for p in pred {
                removed.insert(TagInstance(tag: t, event: p))
                additions[t]?.remove(p)
            }
            if additions[t]?.isEmpty == true { additions[t] = nil }
        }
    }

    /// The tags present, in canonical order (by UTF-8 bytes).
    public var tags: [String] {
        additions.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// The additions of `tag` still present: what a removal of `tag` must name in `pred`.
    public func additions(of tag: String) -> [EventID] { (additions[tag] ?? []).sorted() }
}
