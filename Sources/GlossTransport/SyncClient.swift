import Dispatch
import GlossCore
import GlossSync
import NIOCore
import NIOPosix
import Synchronization

/// `gloss sync`: one session with a server, from connect to close.
public enum SyncClient {
    /// Connects to `host:port` and runs a session until it finishes, fails, or (live mode)
    /// `stop` is signalled. Blocks the calling thread.
    public static func run(host: String, port: Int, config: SyncSessionConfig, ledgerPath: String,
                           timeouts: SyncTimeouts = SyncTimeouts(),
                           onProgress: (@Sendable (SyncStats) -> Void)? = nil,
                           stop: StopSignal? = nil) throws -> SessionOutcome {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let result = Mutex<SessionOutcome?>(nil)
        let done = DispatchSemaphore(value: 0)
        let driverBox = Mutex<SessionDriver?>(nil)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                do {
                    let driver = try SessionDriver(config: config, ledgerPath: ledgerPath, channel: channel, onProgress: onProgress) { outcome in
                        result.withLock { $0 = outcome }
                        done.signal()
                    }
                    driverBox.withLock { $0 = driver }
                    // The initializer runs on the channel's event loop: add the handlers there.
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            IdleStateHandler(readTimeout: timeouts.idle, writeTimeout: timeouts.keepalive),
                            SyncChannelHandler(driver: driver, idleSeconds: timeouts.idleSeconds),
                        ])
                    }
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let channel = try bootstrap.connect(host: host, port: port).wait()
        stop?.onStop { driverBox.withLock { $0 }?.shutdown() }
        done.wait()
        try? channel.closeFuture.wait()
        // Let the session's queue finish what it holds before the event loop goes away.
        driverBox.withLock { $0 }?.queue.sync {}
        return result.withLock { $0 } ?? SessionOutcome(peer: nil, stats: SyncStats(), error: SyncError(.internalError, "the session ended without an outcome"), seconds: 0)
    }
}

/// A one-shot signal (SIGINT in the CLI) that ends a live session.
public final class StopSignal: Sendable {
    private let handlers = Mutex<[@Sendable () -> Void]>([])
    private let fired = Mutex(false)
    public init() {}
    public func onStop(_ h: @escaping @Sendable () -> Void) {
        if fired.withLock({ $0 }) { h(); return }
        handlers.withLock { $0.append(h) }
    }
    public func fire() {
        fired.withLock { $0 = true }
        for h in handlers.withLock({ $0 }) { h() }
    }
}
