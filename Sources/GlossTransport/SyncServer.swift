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
public final class SyncServer: Sendable {
    public struct Settings: Sendable {
        public var identity: SigningKey
        public var ledgerPath: String
        public var timeouts = SyncTimeouts()
        public var maxSessions = 64
        public init(identity: SigningKey, ledgerPath: String) { self.identity = identity; self.ledgerPath = ledgerPath }
    }

    private let settings: Settings
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger
    private let channel: Channel
    private let sessions = Mutex<[ObjectIdentifier: SessionDriver]>([:])
    private let stopping = Mutex(false)
    private let stopped = DispatchSemaphore(value: 0)

    /// The address actually bound (the OS picks the port when the request says 0).
    public var localAddress: SocketAddress? { channel.localAddress }

    public init(host: String, port: Int, settings: Settings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
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

    private func setUp(_ child: Channel) -> EventLoopFuture<Void> {
        let peerAddress = child.remoteAddress?.description ?? "?"
        let count = sessions.withLock { $0.count }
        if count >= settings.maxSessions {
            logger.warning("refused \(peerAddress): \(count) sessions already (the limit is \(settings.maxSessions))")
            // A clear, unencrypted refusal before any handshake: an ERROR frame, then close.
            let text = "the server is busy (\(settings.maxSessions) sessions at once); try again shortly"
            let body = SyncMessage.error(code: SyncError.Code.overloaded.rawValue, message: text).encoded()
            return child.eventLoop.makeCompletedFuture {
                try child.pipeline.syncOperations.addHandler(RefusalHandler(frame: FrameDecoder.lengthPrefix(body.count) + body))
            }
        }
        let allowed: Set<PublicKey>
        do { allowed = Set(try EventLog(path: settings.ledgerPath, cacheKiB: 256).peers().map(\.key)) }
        catch {
            logger.error("cannot read the allow-list: \(error)")
            return child.close()
        }
        let config = SyncSessionConfig(role: .server, identity: settings.identity, allowed: allowed, watch: true)
        let id = ObjectIdentifier(child)
        let logger = self.logger
        let driver: SessionDriver
        do {
            driver = try SessionDriver(config: config, ledgerPath: settings.ledgerPath, channel: child) { [weak self] outcome in
                self?.sessions.withLock { $0[id] = nil }
                SyncServer.logLine(logger, peerAddress, outcome)
            }
        } catch {
            logger.error("cannot open the ledger for a session: \(error)")
            return child.close()
        }
        driver.handshakeSeconds = min(10, max(1, settings.timeouts.idleSeconds))
        sessions.withLock { $0[id] = driver }
        let t = settings.timeouts
        return child.eventLoop.makeCompletedFuture {
            try child.pipeline.syncOperations.addHandlers([
                IdleStateHandler(readTimeout: t.idle, writeTimeout: t.keepalive),
                SyncChannelHandler(driver: driver, idleSeconds: t.idleSeconds),
            ])
        }
    }

    static func logLine(_ logger: Logger, _ address: String, _ o: SessionOutcome) {
        let peer = o.peer.map { $0.raw.short(16) } ?? "unauthenticated"
        let s = o.stats
        let summary = "session \(address) peer=\(peer) in=\(s.eventsStored) out=\(s.eventsSent) already=\(s.alreadyHad) bytes_in=\(s.bytesReceived) bytes_out=\(s.bytesSent) seconds=\(String(format: "%.3f", o.seconds))"
        for d in s.disagreements { logger.warning("session \(address) peer=\(peer) disagreement: \(d)") }
        for f in s.forksRecorded { logger.warning("session \(address) peer=\(peer) fork recorded: \(f)") }
        for q in s.quarantined { logger.warning("session \(address) peer=\(peer) quarantined \(q) (not sent; see gloss verify)") }
        if let e = o.error {
            logger.warning("\(summary) outcome=failed reason=\(e.code.name): \(e.message)")
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
        let drivers = sessions.withLock { Array($0.values) }
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

/// Sends one frame as soon as the connection is active, then closes it: the clear refusal of a
/// connection over the session limit. (Writing from the channel initializer is too early: the
/// channel is not active yet, and the bytes would be lost.)
final class RefusalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let frame: [UInt8]
    init(frame: [UInt8]) { self.frame = frame }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(NIOAny(ByteBuffer(bytes: frame))).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
