import GlossCore

/// Any `SyncStore` behind one type, so that the transport (`SessionDriver`, `SyncServer`)
/// runs sessions against whichever store a server was given (the SQLite ledger, or another
/// backend) without being generic over it.
///
/// `@unchecked Sendable` is safe: it only forwards to `base`, which its session uses from one
/// serial context, as `SyncStore` requires of every store.
public final class AnySyncStore: SyncStore, @unchecked Sendable {
    public let base: any SyncStore

    public init(_ base: any SyncStore) { self.base = base }

    public func admit(own: PublicKey) throws -> (frontier: Frontier, peers: Set<PublicKey>) { try base.admit(own: own) }
    public func outgoing(peer: Frontier, forkedFrom: [PublicKey: UInt64], maxEvents: Int, maxBytes: Int, erasures: Bool) throws -> Outgoing {
        try base.outgoing(peer: peer, forkedFrom: forkedFrom, maxEvents: maxEvents, maxBytes: maxBytes, erasures: erasures)
    }
    public func recordNotice(_ bytes: [UInt8]) throws { try base.recordNotice(bytes) }
    public func forkTwins(of tips: [SyncMessage.FrontierEntry]) throws -> [Event] { try base.forkTwins(of: tips) }
    public func recordEvidence(_ e: Event) throws -> EvidenceVerdict { try base.recordEvidence(e) }
    public func store(_ events: [Event], done: @escaping @Sendable (StoreAnswer) -> Void) { base.store(events, done: done) }
    public func newEventsAppeared() -> Bool { base.newEventsAppeared() }
    public func close() { base.close() }
}
