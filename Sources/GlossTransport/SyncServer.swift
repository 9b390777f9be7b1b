import Dispatch
import GlossCore
import GlossSync
import GlossStore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// `gloss serve`: accepts peers on a TCP address and runs one session per connection against
/// the ledger. Logs one line per session. Stops cleanly on `stop()`.
///
/// Admission (SYNC.md §11.4): a connection still in its handshake is **pending**; pending ones
/// are bounded by `maxPending`, and when that pool is full the longest-waiting one is dropped to
/// make room, so a flood of sockets that never authenticate delays an allowed peer but cannot
/// lock it out. Only a peer that has proved its key takes one of the `maxSessions` session slots
/// (and opens the ledger); when they are all taken it is refused with a sealed `overloaded`, and
/// `gloss sync` retries with backoff. Event loops run on every core; they only move bytes.
public final class SyncServer: Sendable {
    public struct Settings: Sendable {
        public var identity: SigningKey
        /// A store for one session: called on an event loop, so it must not open anything (a
        /// store opens its ledger when the session's peer has proved its key).
        public var makeStore: @Sendable () -> any SyncStore
        public var timeouts = SyncTimeouts()
        public var maxSessions = 64
        public var maxPending = 128
        /// Sessions against the SQLite ledger at `ledgerPath`.
        public init(identity: SigningKey, ledgerPath: String) {
            self.init(identity: identity) { LedgerSyncStore(path: ledgerPath) }
        }
        public init(identity: SigningKey, makeStore: @escaping @Sendable () -> any SyncStore) {
            self.identity = identity; self.makeStore = makeStore
        }
    }

    /// The connections: pending ones in the order they arrived, and authenticated sessions.
    struct Connections {
        var pending: [ObjectIdentifier: (driver: SessionDriver, order: UInt64)] = [:]
        var sessions: [ObjectIdentifier: SessionDriver] = [:]
        var arrivals: UInt64 = 0
        var all: [SessionDriver] { Array(pending.values.map(\.driver)) + Array(sessions.values) }
    }

    private let settings: Settings
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger
    private let channel: Channel
    private let connections = Mutex(Connections())
    private let stopping = Mutex(false)
    private let stopped = DispatchSemaphore(value: 0)

    /// The address actually bound (the OS picks the port when the request says 0).
    public var localAddress: SocketAddress? { channel.localAddress }

    public init(host: String, port: Int, settings: Settings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let box = ServerBox()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.autoRead, value: true)
            .childChannelInitializer { child in
                guard let server = box.server else { return child.close() }
                return server.setUp(child)
            }
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        box.server = self
    }

    /// Runs on the child's event loop: creates the session's driver (no ledger access, no
    /// crypto) and registers it as pending, dropping the longest-waiting pending one if full.
    private func setUp(_ child: Channel) -> EventLoopFuture<Void> {
        let peerAddress = child.remoteAddress?.description ?? "?"
        var config = SyncSessionConfig(role: .server, identity: settings.identity, allowed: [], watch: true)
        config.timers = settings.timeouts.timers(handshake: true)
        let id = ObjectIdentifier(child)
        let logger = self.logger
        let limit = settings.maxSessions
        let driver = SessionDriver(config: config, store: settings.makeStore(), channel: child,
                                   admission: { [weak self] _ in
                                       guard let self else { return "the server is stopping; try again shortly" }
                                       return self.promote(id, limit: limit)
                                   }) { [weak self] outcome in
            self?.connections.withLock { $0.pending[id] = nil; $0.sessions[id] = nil }
            SyncServer.logLine(logger, peerAddress, outcome)
        }
        let evicted: SessionDriver? = connections.withLock { c in
            c.arrivals += 1
            c.pending[id] = (driver, c.arrivals)
            guard c.pending.count > settings.maxPending,
                  let oldest = c.pending.min(by: { $0.value.order < $1.value.order }) else { return nil }
            c.pending[oldest.key] = nil
            return oldest.value.driver
        }
        evicted?.evict()
        return child.eventLoop.makeCompletedFuture {
            try child.pipeline.syncOperations.addHandler(SyncChannelHandler(driver: driver))
        }
    }

    /// A pending connection has authenticated: give it a session slot, or the refusal text.
    private func promote(_ id: ObjectIdentifier, limit: Int) -> String? {
        connections.withLock { c in
            guard let p = c.pending[id] else { return "this connection was dropped while waiting to authenticate; try again shortly" }
            guard c.sessions.count < limit else {
                return "the server is busy (\(limit) sessions at once); try again shortly"
            }
            c.pending[id] = nil
            c.sessions[id] = p.driver
            return nil
        }
    }

    static func logLine(_ logger: Logger, _ address: String, _ o: SessionOutcome) {
        let peer = o.peer.map { $0.raw.short(16) } ?? "unauthenticated"
        let s = o.stats
        // A peer's words (its error text, what its events say) are data, never terminal control.
        let safe = { (t: String) in TerminalText.neutralised(t, oneLine: true) }
        let summary = "session \(address) peer=\(peer) in=\(s.eventsStored) out=\(s.eventsSent) already=\(s.alreadyHad) bytes_in=\(s.bytesReceived) bytes_out=\(s.bytesSent) seconds=\(String(format: "%.3f", o.seconds))"
        for d in s.disagreements { logger.warning("session \(address) peer=\(peer) disagreement: \(safe(d))") }
        for f in s.forksRecorded { logger.warning("session \(address) peer=\(peer) fork recorded: \(safe(f))") }
        for q in s.quarantined { logger.warning("session \(address) peer=\(peer) quarantined \(safe(q)) (not sent; see gloss verify)") }
        if let e = o.error {
            logger.warning("\(summary) outcome=failed reason=\(e.code.name): \(safe(e.message))")
        } else {
            logger.info("\(summary) outcome=ok")
        }
    }

    /// Stops accepting, ends every session (a batch being committed finishes or rolls back as
    /// one transaction), and waits for them.
    /// Safe to call more than once and from any thread; later calls wait for the first.
    public func stop() {
        let first = stopping.withLock { was in defer { was = true }; return !was }
        guard first else {
            stopped.wait()
            stopped.signal()
            return
        }
        try? channel.close().wait()
        let drivers = connections.withLock { $0.all }
        for d in drivers { d.shutdown() }
        for d in drivers { d.queue.sync {} }
        try? group.syncShutdownGracefully()
        stopped.signal()
    }

    /// Blocks until the server has stopped (after `stop()`, from a signal handler say).
    public func wait() {
        try? channel.closeFuture.wait()
        stop()
    }
}

/// Lets the child initializer reach the server once it exists; a connection that arrives
/// before `init` has finished sees nil and is closed.
private final class ServerBox: Sendable {
    private let lock = Mutex<SyncServer?>(nil)
    var server: SyncServer? {
        get { lock.withLock { $0 } }
        set { lock.withLock { $0 = newValue } }
    }
}
