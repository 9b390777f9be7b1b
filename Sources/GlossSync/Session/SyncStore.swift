import GlossCore

/// What a sync session needs of a ledger, asked by `SyncShell` as the session's actions say.
/// Implementations live outside GlossSync (the SQLite ledger's is `LedgerSyncStore`); the
/// protocol keeps the session and its shell free of any store.
public protocol SyncStore: AnyObject, SendableMetatype {
    /// The peer has proved its key: open the ledger; this side's frontier and the keys it may
    /// sync with (its allow-list, widened to the devices of allowed identities and of `own`'s).
    func admit(own: PublicKey) throws -> (frontier: Frontier, peers: Set<PublicKey>)
    /// Up to `maxEvents` (about `maxBytes`) events the peer lacks, continuing after the last read.
    /// `erasures`: the peer takes erased events and ERASURE notices (the first call returns
    /// the notices it lacks); otherwise erased events are withheld, with their descendants.
    func outgoing(peer: Frontier, forkedFrom: [PublicKey: UInt64], maxEvents: Int, maxBytes: Int, erasures: Bool) throws -> Outgoing
    /// Checks and keeps a peer's erasure notice (SYNC.md §7.3); throws `StoreRefusal` when the
    /// notice is the peer's fault, anything else when this side's ledger failed.
    func recordNotice(_ bytes: [UInt8]) throws
    /// This side's events at these tips whose ids differ from the tips'.
    func forkTwins(of tips: [SyncMessage.FrontierEntry]) throws -> [Event]
    /// Checks and keeps a peer's fork evidence.
    func recordEvidence(_ e: Event) throws -> EvidenceVerdict
    /// Verifies and commits a batch; `done` once committed or refused, on any thread (the
    /// shell's owner brings it back to the session's context: `SyncShell.deliver`).
    func store(_ events: [Event], done: @escaping @Sendable (StoreAnswer) -> Void)
    /// Live mode: whether events were appended since the last call (by any process).
    func newEventsAppeared() -> Bool
    /// The session is over.
    func close()
}

/// Events to send, and what was left out.
public struct Outgoing: Sendable {
    public var events: [Event]
    public var exhausted: Bool
    /// Stored rows left out as damaged ("ID: reason").
    public var quarantined: [String]
    /// Events left out with them, or on a forked branch.
    public var withheld: Int
    /// Erasure notices to send before `events` (SYNC.md §7.3).
    public var notices: [[UInt8]]
    public init(events: [Event], exhausted: Bool, quarantined: [String] = [], withheld: Int = 0, notices: [[UInt8]] = []) {
        self.events = events; self.exhausted = exhausted; self.quarantined = quarantined; self.withheld = withheld
        self.notices = notices
    }
}

/// A store that cannot be reached for now (a database that is down or restarting): at
/// admission the peer is told to try again (`overloaded`, which `gloss sync` retries with
/// backoff) rather than that this side failed.
public struct StoreUnavailable: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// A store refusing what the peer sent (not a failure of its own).
public struct StoreRefusal: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// What became of a batch handed to `SyncStore.store`.
public enum StoreAnswer: Sendable {
    case stored(AppendResult)
    /// Refused (a bad signature, a missing parent, a fork…): the peer's fault.
    case refused(String)
    /// This side's ledger failed (I/O, a lock held too long): not the peer's fault.
    case failed(String)
}
