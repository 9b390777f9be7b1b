import GlossCore

/// An event's place in the one total order every peer computes: by lamport, then author key,
/// then id (bytes compared lexicographically). Because a lamport is always larger than its
/// parents', this order is also topological over prev and deps.
///
/// `author` is the key that signed the event (a device); `identity` is the person it writes
/// for (MERGE.md §18), the author itself unless a link says otherwise. Order uses the key.
public struct Stamp: Comparable, Hashable, Sendable {
    public let lamport: UInt64
    public let author: PublicKey
    public let id: EventID
    /// Wall-clock time, for display only: it never takes part in ordering.
    public let time: Int64
    /// Who wrote it: the identity of `author` in the set's device map.
    public let identity: PublicKey

    public init(_ e: Event, devices: DeviceMap = .empty) {
        lamport = e.header.lamport; author = e.author; id = e.id; time = e.header.time
        identity = devices.identity(of: e.author)
    }

    public init(lamport: UInt64, author: PublicKey, id: EventID, time: Int64, identity: PublicKey? = nil) {
        self.lamport = lamport; self.author = author; self.id = id; self.time = time
        self.identity = identity ?? author
    }

    /// The same stamp, its author's identity taken from `devices`.
    public func attributed(by devices: DeviceMap) -> Stamp {
        Stamp(lamport: lamport, author: author, id: id, time: time, identity: devices.identity(of: author))
    }
    /// The signing device when it is not the identity itself (a linked device), else nil.
    public var device: PublicKey? { author == identity ? nil : author }

    public static func < (a: Stamp, b: Stamp) -> Bool {
        if a.lamport != b.lamport { return a.lamport < b.lamport }
        if a.author != b.author { return a.author < b.author }
        return a.id < b.id
    }
    public static func == (a: Stamp, b: Stamp) -> Bool { a.id == b.id }
    public func hash(into h: inout Hasher) { h.combine(id) }
}
