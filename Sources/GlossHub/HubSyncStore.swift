import GlossCore
import GlossReplay
import GlossSync
import Logging
import Synchronization

/// A sync session's view of the hub (`SyncStore`), for `gloss serve --store`: the same
/// answers a SQLite ledger gives, from PostgreSQL. The session calls it on its own serial
/// queue, never an event loop; each call waits there for the database (`Blocking`). A
/// database that cannot be reached at admission tells the peer to try again.
///
/// `@unchecked Sendable` is safe: it is used from its session's serial queue only, and the
/// tasks it starts capture only the `HubLog` (Sendable) and values.
public final class HubSyncStore: SyncStore, @unchecked Sendable {
    private let log: HubLog
    private let own: PublicKey
    /// Where the database's own words go: the serve process's log, never the peer (they name
    /// the database's address).
    private let logger: Logger
    private var cursor: Int64?
    private var filter = RelayFilter()
    private var lastSeenPos: Int64 = 0
    private var noticesSent: Set<EventID> = []
    /// This session had a batch refused: its later batches are not stored (as a ledger's).
    private var refused = false

    public init(log: HubLog, own: PublicKey, logger: Logger = Logger(label: "gloss.hub")) {
        self.log = log; self.own = own; self.logger = logger
    }

    /// `body` against the hub, waited for on this session's queue. A failure of the database
    /// is logged here in full and reaches the peer in general words.
    private func wait<T: Sendable>(_ body: @escaping @Sendable (HubLog) async throws -> T) throws -> T {
        let log = self.log
        do {
            return try Blocking.run(timeout: .seconds(120)) { try await body(log) }
        } catch let e as HubError where e.code == .refused {
            throw e
        } catch let e as HubError {
            logger.error("hub database: \(e.message)")
            throw e.code == .unavailable ? HubError(.unavailable, "the hub's database cannot be reached now")
                                         : HubError(e.code, "the hub's database failed; try again shortly")
        } catch {
            logger.error("hub database: \(error)")
            throw HubError(.database, "the hub's database failed; try again shortly")
        }
    }

    public func admit(own: PublicKey) throws -> (frontier: Frontier, peers: Set<PublicKey>) {
        do {
            // The log's end first, as a ledger's store reads it: anything committed after it
            // makes live mode look again.
            let (last, frontier, peers, forked) = try wait { log in
                (try await log.lastPos(), try await log.frontier(), try await log.allowedKeys(own: own), try await log.forkedFrom())
            }
            lastSeenPos = last
            filter = RelayFilter(forkedFrom: forked)
            return (frontier, peers)
        } catch let e as HubError where e.code == .unavailable {
            throw StoreUnavailable(e.message)
        }
    }

    public func outgoing(peer: Frontier, forkedFrom: [PublicKey: UInt64], maxEvents: Int, maxBytes: Int, erasures: Bool) throws -> Outgoing {
        filter.forkedFrom.merge(forkedFrom) { min($0, $1) }
        if cursor == nil {
            let forked = filter.forkedFrom
            cursor = try wait { try await $0.startPos(forPeer: peer, forkedFrom: forked) }
            filter.withholdErased = !erasures
        }
        let before = filter.withheld.count
        let start = cursor ?? 0
        let f = filter
        let (page, after) = try wait { log in
            var f = f
            let p = try await log.outgoing(after: start, peer: peer, filter: &f, maxEvents: maxEvents, maxBytes: maxBytes)
            return (p, f)
        }
        filter = after
        var notices: [[UInt8]] = []
        if erasures, page.events.contains(where: \.isErased) {
            let (devices, map) = try wait { try await $0.currentMaps() }
            let assembly = NoticeAssembly(devices: devices, map: map,
                                          event: { id in try self.wait { try await $0.event(id) } },
                                          kept: { try self.wait { try await $0.keptNotices() } })
            notices = try assembly.notices(for: page.events, sent: &noticesSent)
        }
        cursor = page.lastPos
        let q = filter.takeQuarantined()
        return Outgoing(events: page.events, exhausted: page.exhausted, quarantined: q.map { "\($0.id.hex): \($0.reason)" },
                        withheld: filter.withheld.count - before - q.count, notices: notices)
    }

    public func recordNotice(_ bytes: [UInt8]) throws {
        do { try wait { try await $0.recordNotice(bytes) } } catch let e as HubError where e.code == .refused {
            throw StoreRefusal(e.message)
        }
    }

    public func forkTwins(of tips: [SyncMessage.FrontierEntry]) throws -> [Event] {
        let t = tips.map { ($0.author, $0.seq, $0.id) }
        return try wait { try await $0.forkTwins(of: t) }
    }

    public func recordEvidence(_ e: Event) throws -> EvidenceVerdict {
        try wait { try await $0.recordEvidence(e) }
    }

    public func store(_ events: [Event], done: @escaping @Sendable (StoreAnswer) -> Void) {
        guard !refused else { return done(.refused("not stored: an earlier batch of this session was refused")) }
        // The signatures are checked here, on the session's thread, on every core; the
        // database's work (under the hub's append lock) is only the decision and the writes.
        if let bad = SignatureCheck.firstInvalid(events) {
            refused = true
            return done(.refused("event \(bad.id.short()) by \(bad.author.raw.short()) has a bad signature"))
        }
        do {
            switch try wait({ try await $0.append(events, signaturesChecked: true) }) {
            case .stored(let r): done(.stored(r))
            case .refused(let why, _):
                refused = true
                done(.refused(why))
            }
        } catch {
            // An answer that did not come in time may still commit: a resend is told it is held.
            done(.failed("\(error) (this batch may or may not have been stored; sync again to be sure)"))
        }
    }

    public func newEventsAppeared() -> Bool {
        guard let last = try? Blocking.run(timeout: .seconds(5), { [log] in try await log.lastPos() }), last > lastSeenPos else { return false }
        lastSeenPos = last
        return true
    }

    public func close() {}
}
