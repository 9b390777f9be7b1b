import GlossCore
import GlossStore
import GlossSync
import GlossTransport

/// One side of a sync run in memory, without sockets or threads: a real SQLite ledger, the
/// reference's `SyncShell` and `LedgerSyncStore` (committing inline), answers given
/// synchronously. For tests and benchmarks that count flights and bytes exactly; `gloss` runs
/// the same shell and store over TCP (`SessionDriver`).
public final class LocalSyncSide {
    public let key: SigningKey
    public let log: EventLog
    private let path: String
    public private(set) var shell: SyncShell<LedgerSyncStore>!
    public var session: SyncSession { shell.session }
    public var outbox: [[UInt8]] = []
    public private(set) var finished: SyncStats?
    public private(set) var failure: SyncError?
    public var authenticated: PublicKey? { shell.authenticated }

    public init(path: String, key: SigningKey = SigningKey()) throws {
        self.key = key
        self.path = path
        log = try EventLog(path: path, create: true)
    }

    public func begin(role: Handshake.Role, allow: [PublicKey], watch: Bool = false, window: UInt16 = SyncLimits.defaultWindow,
                      evidence: Bool = true, ranges: Bool? = nil, erasures: Bool = true, timers: SessionTimers = SessionTimers()) throws {
        var config = SyncSessionConfig(role: role, identity: key, allowed: Set(allow), watch: watch)
        config.timers = timers
        config.window = window
        config.evidence = evidence
        config.erasures = erasures
        // As `gloss sync` decides: a client asks for RANGES when it holds many authors.
        let many = try !RangeReconciler.prefersPlainFrontier(localCount: log.authorCount())
        config.ranges = ranges ?? (role == .server || many)
        finished = nil
        failure = nil
        shell = SyncShell(session: SyncSession(config: config), store: LedgerSyncStore(path: path, cacheKiB: 1024, commit: .inline),
                          transmit: { [unowned self] in self.outbox.append($0) }, deliver: { $0() })
        shell.onEnd = { [unowned self] stats, error in
            if let error { self.failure = error } else { self.finished = stats }
        }
        shell.start()
    }

    public func receive(_ bytes: [UInt8]) { shell.feed(.received(bytes)) }

    /// Moves this side's clock to `now` (seconds): its timeouts and keepalives follow.
    public func tick(_ now: Double) { shell.feed(.tick(now: now)) }

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
