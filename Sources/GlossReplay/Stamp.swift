import GlossCore

/// An event's place in the one total order every peer computes: by lamport, then author key,
/// then id (bytes compared lexicographically). Because a lamport is always larger than its
/// parents', this order is also topological over prev and deps.
public struct Stamp: Comparable, Hashable, Sendable {
    public let lamport: UInt64
    public let author: PublicKey
    public let id: EventID
    /// Wall-clock time, for display only: it never takes part in ordering.
    public let time: Int64

    public init(_ e: Event) {
        lamport = e.header.lamport; author = e.author; id = e.id; time = e.header.time
    }

    public init(lamport: UInt64, author: PublicKey, id: EventID, time: Int64) {
        self.lamport = lamport; self.author = author; self.id = id; self.time = time
    }

    public static func < (a: Stamp, b: Stamp) -> Bool {
        if a.lamport != b.lamport { return a.lamport < b.lamport }
        if a.author != b.author { return a.author < b.author }
        return a.id < b.id
    }
    public static func == (a: Stamp, b: Stamp) -> Bool { a.id == b.id }
    public func hash(into h: inout Hasher) { h.combine(id) }
}
