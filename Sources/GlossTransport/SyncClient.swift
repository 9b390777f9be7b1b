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
                var config = config
                config.timers = timeouts.timers(handshake: false)
                let driver = SessionDriver(config: config, ledgerPath: ledgerPath, channel: channel, onProgress: onProgress) { outcome in
                    result.withLock { $0 = outcome }
                    done.signal()
                }
                driverBox.withLock { $0 = driver }
                // The initializer runs on the channel's event loop: add the handlers there.
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(SyncChannelHandler(driver: driver))
                }
            }
        let channel: Channel
        do {
            channel = try bootstrap.connect(host: host, port: port).wait()
        } catch {
            throw ConnectFailure(Self.describe(error, host: host, port: port))
        }
        stop?.onStop { driverBox.withLock { $0 }?.shutdown() }
        done.wait()
        try? channel.closeFuture.wait()
        // Let the session's queue finish what it holds before the event loop goes away.
        driverBox.withLock { $0 }?.queue.sync {}
        return result.withLock { $0 } ?? SessionOutcome(peer: nil, stats: SyncStats(), error: SyncError(.internalError, "the session ended without an outcome"), seconds: 0)
    }
}

extension SyncClient {
    /// `run`, tried again while the server answers `overloaded` (busy) or drops the connection
    /// before authenticating, as `policy` says.
    /// `onRetry(n, seconds, outcome)` is told before each wait; a stop signal ends the waiting.
    public static func runRetrying(host: String, port: Int, config: SyncSessionConfig, ledgerPath: String,
                                   timeouts: SyncTimeouts = SyncTimeouts(), policy: RetryPolicy,
                                   onProgress: (@Sendable (SyncStats) -> Void)? = nil,
                                   onRetry: (Int, Double, SessionOutcome) -> Void = { _, _, _ in },
                                   stop: StopSignal? = nil) throws -> SessionOutcome {
        var attempt = 0
        while true {
            // Every attempt is a new session: fresh ephemeral key and nonce.
            var fresh = config
            fresh.ephemeral = X25519KeyPair()
            fresh.nonce = SecureRandom.bytes(32)
            let outcome = try run(host: host, port: port, config: fresh, ledgerPath: ledgerPath, timeouts: timeouts,
                                  onProgress: onProgress, stop: stop)
            attempt += 1
            // Busy, or dropped before its AUTH (a server shedding unauthenticated connections
            // closes them without a word when no keys were agreed yet).
            let retryable = outcome.error?.code == .overloaded || (outcome.error?.code == .truncated && outcome.peer == nil)
            guard retryable, stop?.isFired != true,
                  let wait = policy.delay(beforeRetry: attempt, random: Double.random(in: 0..<1)) else { return outcome }
            onRetry(attempt, wait, outcome)
            if let stop {
                if stop.wait(seconds: wait) { return outcome }
            } else {
                _ = DispatchSemaphore(value: 0).wait(timeout: .now() + wait)
            }
        }
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
        wakeUp.signal()
    }
    public var isFired: Bool { fired.withLock { $0 } }
    private let wakeUp = DispatchSemaphore(value: 0)
    /// Sleeps up to `seconds`; true when the signal fired meanwhile.
    public func wait(seconds: Double) -> Bool {
        if isFired { return true }
        _ = wakeUp.wait(timeout: .now() + seconds)
        if isFired { wakeUp.signal(); return true }
        return false
    }
}

/// A connection that could not be made, said in words (not NIO's types and errno numbers).
public struct ConnectFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

extension SyncClient {
    /// What went wrong with a connect, and what to check.
    static func describe(_ error: any Error, host: String, port: Int) -> String {
        let here = "\(host):\(port)"
        if let e = error as? NIOConnectionError {
            if e.connectionErrors.isEmpty, e.dnsAError != nil || e.dnsAAAAError != nil {
                return "the name \(host) could not be resolved: check its spelling, or give an IP address"
            }
            if let first = e.connectionErrors.first { return describe(first.error, host: host, port: port) }
        }
        if let e = error as? IOError {
            switch e.errnoCode {
            case ECONNREFUSED: return "nothing accepts connections at \(here): is `gloss serve` running there, on that port?"
            case ETIMEDOUT: return "\(here) did not answer in time: check the address and that no firewall drops the connection"
            case EHOSTUNREACH, ENETUNREACH: return "\(here) cannot be reached from this machine (no route): check the address and the network"
            default: return "cannot connect to \(here): \(String(cString: strerror(e.errnoCode)))"
            }
        }
        if case ChannelError.connectTimeout = error {
            return "\(here) did not answer within 10 s: check the address and that no firewall drops the connection"
        }
        return "cannot connect to \(here): \(error)"
    }
}
