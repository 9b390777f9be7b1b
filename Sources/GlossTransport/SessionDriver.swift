import Dispatch
import GlossCore
import GlossSync
import GlossStore
import NIOCore
import Synchronization

/// How a session ended, for the summary and the server's log line.
public struct SessionOutcome: Sendable {
    public let peer: PublicKey?
    public let stats: SyncStats
    public let error: SyncError?
    public let seconds: Double
}

/// Runs one session over a NIO channel: a `SyncShell` (the session's actions carried out
/// against a store: a `LedgerSyncStore` unless told otherwise) on a serial queue of its own, so neither SQLite nor signature
/// checks run on an event loop, with a clock ticking four times a second. The ledger is opened
/// only once the peer has proved its key.
///
/// `@unchecked Sendable` is safe: `shell`, `clockTimer` and `ended` are touched only on
/// `queue`, a serial queue; the NIO channel is itself thread-safe; `backlog` is a `Mutex`.
public final class SessionDriver: @unchecked Sendable {
    public let queue: DispatchQueue
    private let channel: Channel
    private var shell: SyncShell<AnySyncStore>!
    private let started = DispatchTime.now()
    private var clockTimer: DispatchSourceTimer?
    private var ended = false

    /// Bytes handed to the queue and not yet processed: reading pauses above the limit.
    let backlog = Mutex(0)
    static let backlogLimit = 4 * SyncLimits.maxFrame

    public convenience init(config: SyncSessionConfig, ledgerPath: String, channel: Channel,
                            admission: (@Sendable (PublicKey) -> String?)? = nil,
                            onProgress: (@Sendable (SyncStats) -> Void)? = nil,
                            onEnd: @escaping @Sendable (SessionOutcome) -> Void) {
        self.init(config: config, store: LedgerSyncStore(path: ledgerPath), channel: channel,
                  admission: admission, onProgress: onProgress, onEnd: onEnd)
    }

    /// A session against `store` (opened only when the peer has proved its key).
    public init(config: SyncSessionConfig, store: any SyncStore, channel: Channel,
                admission: (@Sendable (PublicKey) -> String?)? = nil,
                onProgress: (@Sendable (SyncStats) -> Void)? = nil,
                onEnd: @escaping @Sendable (SessionOutcome) -> Void) {
        let queue = DispatchQueue(label: "gloss.sync.session")
        self.queue = queue
        self.channel = channel
        let session = SyncSession(config: config)
        shell = SyncShell(session: session, store: AnySyncStore(store), admission: admission,
                          transmit: { channel.writeAndFlush(ByteBuffer(bytes: $0), promise: nil) },
                          deliver: { work in queue.async(execute: work) })
        shell.onProgress = onProgress
        shell.onCaughtUp = onProgress
        shell.onEnd = { [unowned self] stats, error in
            self.ended = true
            self.clockTimer?.cancel()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - self.started.uptimeNanoseconds) / 1e9
            // Flush what was queued (an ERROR, a last ACK), then close.
            channel.writeAndFlush(ByteBuffer(), promise: nil)
            channel.close(promise: nil)
            onEnd(SessionOutcome(peer: session.peerKey, stats: stats, error: error, seconds: seconds))
        }
    }

    public func start() {
        queue.async {
            self.shell.feed(.tick(now: Self.now()))
            self.shell.start()
            let t = DispatchSource.makeTimerSource(queue: self.queue)
            t.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250))
            t.setEventHandler { [weak self] in self?.input(.tick(now: Self.now()), now: true) }
            t.resume()
            self.clockTimer = t
        }
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Bytes from the peer (called on the event loop).
    func received(_ bytes: [UInt8]) {
        let pending = backlog.withLock { $0 += bytes.count; return $0 }
        if pending > Self.backlogLimit { _ = channel.setOption(ChannelOptions.autoRead, value: false) }
        queue.async {
            let left = self.backlog.withLock { $0 -= bytes.count; return $0 }
            // Once the session has ended the channel (and, in a client, its event loop) may be
            // gone: touching it then would schedule work on a loop that has shut down.
            guard !self.ended else { return }
            if left <= Self.backlogLimit / 2 { _ = self.channel.setOption(ChannelOptions.autoRead, value: true) }
            self.shell.feed(.received(bytes))
        }
    }

    /// An input for the session; `now`: already on the queue.
    func input(_ i: SyncInput, now: Bool = false) {
        if now { if !ended { shell.feed(i) } } else { queue.async { if !self.ended { self.shell.feed(i) } } }
    }

    /// Shutting down: end now (a batch being stored has either committed or will not be).
    public func shutdown() { input(.shutdown) }

    /// Dropped, still unauthenticated, to make room for a newer connection.
    func evict() { input(.evicted) }
}
