import GlossCore

/// An add-wins set of tags. Each addition is an (tag, event id) pair; a removal removes only
/// the additions of that tag named in its `pred`, so a concurrent addition survives.
/// Tags are compared by their UTF-8 bytes, as on the wire (no Unicode normalisation).
public struct TagSet: Sendable {
    /// A tag as a dictionary key: its bytes, so canonically equivalent spellings stay apart.
    struct Tag: Hashable, Sendable {
        let bytes: [UInt8]
        let text: String
        init(_ s: String) { bytes = Array(s.utf8); text = s }
        static func == (a: Tag, b: Tag) -> Bool { a.bytes == b.bytes }
        func hash(into h: inout Hasher) { h.combine(bytes) }
    }
    /// Additions not removed, by tag.
    var additions: [Tag: Set<EventID>] = [:]
    var removed: Set<TagInstance> = []

    struct TagInstance: Hashable, Sendable { let tag: Tag; let event: EventID }

    public init() {}

    public mutating func add(_ tags: [String], by event: EventID) {
        for t in tags.map(Tag.init) where !removed.contains(TagInstance(tag: t, event: event)) {
            additions[t, default: []].insert(event)
        }
    }

    public mutating func remove(_ tags: [String], seen pred: [EventID]) {
        for t in tags.map(Tag.init) {
            for p in pred {
                removed.insert(TagInstance(tag: t, event: p))
                additions[t]?.remove(p)
            }
            if additions[t]?.isEmpty == true { additions[t] = nil }
        }
    }

    /// The tags present, in canonical order (by UTF-8 bytes).
    public var tags: [String] {
        additions.keys.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }.map(\.text)
    }

    /// The additions of `tag` still present: what a removal of `tag` must name in `pred`.
    public func additions(of tag: String) -> [EventID] { (additions[Tag(tag)] ?? []).sorted() }
}
