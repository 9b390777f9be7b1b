import GlossCore
import GlossStore
import GlossSync

/// One side of a sync run in memory, without sockets or threads: a real SQLite log, a pure
/// session, and the shell's answers given synchronously. For tests and benchmarks that count
/// flights and bytes exactly; `gloss` itself uses `SessionDriver` over TCP.
public final class LocalSyncSide {
    public let key: SigningKey
    public let log: EventLog
    public private(set) var session: SyncSession!
    private var cursor: Int64?
    private var filter = RelayFilter()
    public var outbox: [[UInt8]] = []
    public private(set) var finished: SyncStats?
    public private(set) var failure: SyncError?
    public private(set) var authenticated: PublicKey?

    public init(path: String, key: SigningKey = SigningKey()) throws {
        self.key = key
        log = try EventLog(path: path, create: true)
    }

    public func begin(role: Handshake.Role, allow: [PublicKey], watch: Bool = false, window: UInt16 = SyncLimits.defaultWindow,
                      evidence: Bool = true, ranges: Bool? = nil, timers: SessionTimers = SessionTimers()) throws {
        var config = SyncSessionConfig(role: role, identity: key, allowed: Set(allow), watch: watch)
        config.timers = timers
        config.window = window
        config.evidence = evidence
        // As `gloss sync` decides: a client asks for RANGES when it holds many authors.
        let many = try !RangeReconciler.prefersPlainFrontier(localCount: log.authorCount())
        config.ranges = ranges ?? (role == .server || many)
        session = SyncSession(config: config)
        filter = RelayFilter(forkedFrom: try log.forkedFrom())
        perform(session.start())
    }

    public func receive(_ bytes: [UInt8]) { perform(session.handle(.received(bytes))) }

    /// Moves this side's clock to `now` (seconds): its timeouts and keepalives follow.
    public func tick(_ now: Double) { perform(session.handle(.tick(now: now))) }

    /// As `SessionDriver` does: every send of the list first (frames leave in the order they
    /// were sealed), then the other actions in order, each answer's consequences first.
    func perform(_ actions: [SyncAction]) {
        for case .send(let b) in actions { outbox.append(b) }
        for a in actions {
            switch a {
            case .send: continue
            case .admit:
                guard !session.isOver else { continue }
                do {
                    let allowed = session.config.role == .server ? Set(try log.peers().map(\.key)).union(session.config.allowed) : session.config.allowed
                    perform(session.handle(.admitted(frontier: try log.frontier(), allowed: allowed)))
                } catch { perform(session.handle(.localFailure(message: "\(error)"))) }
            case .findForks(let tips):
                guard !session.isOver else { continue }
                do { perform(session.handle(.forksFound(try log.forkTwins(of: tips.map { ($0.author, $0.seq, $0.id) })))) }
                catch { perform(session.handle(.localFailure(message: "\(error)"))) }
            case .recordEvidence(let e):
                // Kept even when the session has just failed: it is a verified proof of a fork.
                do {
                    switch try log.recordEvidence(e) {
                    case .recorded(let new, let twin): perform(session.handle(.evidenceRecorded(e, new: new, twin: twin)))
                    case .refused(let why): perform(session.handle(.evidenceRefused(why)))
                    }
                } catch { perform(session.handle(.localFailure(message: "\(error)"))) }
            case .fetch(let peer, let forkedFrom, let maxEvents, let maxBytes):
                guard !session.isOver else { continue }
                filter.forkedFrom.merge(forkedFrom) { min($0, $1) }
                do {
                    let start = try cursor ?? log.startRow(forPeer: peer, forkedFrom: filter.forkedFrom)
                    let before = filter.withheld.count
                    let r = try log.outgoing(after: start, peer: peer, filter: &filter, maxEvents: maxEvents, maxBytes: maxBytes)
                    cursor = r.lastRow
                    let q = filter.takeQuarantined()
                    perform(session.handle(.outgoing(r.events, exhausted: r.exhausted, quarantined: q.map { "\($0.id.hex): \($0.reason)" },
                                                     withheld: filter.withheld.count - before - q.count)))
                } catch { perform(session.handle(.localFailure(message: "\(error)"))) }
            case .store(let n, let events):
                guard !session.isOver else { continue }
                do {
                    let r = try log.append(events.sorted { $0.header.lamport < $1.header.lamport })
                    perform(session.handle(.stored(batch: n, result: r, tips: SyncMessage.FrontierEntry.tips(of: events))))
                } catch { perform(session.handle(.storeFailed(batch: n, message: "\(error)"))) }
            case .authenticated(let k): authenticated = k
            case .caughtUp: break
            case .finished(let s): finished = s
            case .failed(let e, _): failure = e
            }
        }
    }

    /// Delivers everything each side has sent to the other, flight by flight (one flight:
    /// both outboxes drained once), until both are quiet. Returns the number of flights.
    @discardableResult
    public static func exchange(_ a: LocalSyncSide, _ b: LocalSyncSide, maxFlights: Int = 100_000,
                                onFlight: (Int) -> Void = { _ in }) -> Int {
        var flights = 0
        while (!a.outbox.isEmpty || !b.outbox.isEmpty) && flights < maxFlights {
            flights += 1
            let fromA = a.outbox, fromB = b.outbox
            a.outbox = []; b.outbox = []
            for f in fromA { b.receive(f) }
            for f in fromB { a.receive(f) }
            onFlight(flights)
        }
        return flights
    }
}
