import Dispatch
import GlossCore
import GlossSync
import GlossLedger
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

/// Runs one `SyncSession` against the ledger's log: carries bytes between the session and a
/// NIO channel, and answers the session's requests (read events to send, verify and store a
/// batch) on a serial queue of its own, so neither SQLite nor signature checks run on an event
/// loop. The ledger is opened only once the peer has proved its key (`.admit`): a connection
/// that never authenticates costs a queue and nothing else.
///
/// `@unchecked Sendable` is safe: every mutable field (`session`, `log`, `cursor`, `filter`,
/// `lastSeenRow`, `ended`, `clockTimer`, `watching`) is touched only on `queue`, a serial queue; the NIO
/// channel is itself thread-safe; `backlog` is a `Mutex`.
public final class SessionDriver: @unchecked Sendable {
    public let queue: DispatchQueue
    private let session: SyncSession
    private let ledgerPath: String
    private var log: EventLog?
    private let channel: Channel
    private let started = DispatchTime.now()
    private var cursor: Int64?
    private var filter = RelayFilter()
    private var lastSeenRow: Int64 = 0
    private var ended = false
    private var clockTimer: DispatchSourceTimer?
    private var watching = false
    private let onEnd: @Sendable (SessionOutcome) -> Void
    private let onProgress: (@Sendable (SyncStats) -> Void)?
    /// Asked once the peer has proved its key: whether it may have a session slot (a server at
    /// its limit answers with the refusal text). Nil: always.
    private let admission: (@Sendable (PublicKey) -> String?)?
    /// Serialises this process's fork-evidence writes (rare; batches go through `writer`).
    static let evidenceLock = Mutex(())
    private let writer: GroupWriter
    /// This session, to the writer: a number no other session of this process has.
    private let key: Int = SessionDriver.keys.withLock { $0 += 1; return $0 }
    private static let keys = Mutex(0)

    /// Bytes handed to the queue and not yet processed: reading pauses above the limit.
    let backlog = Mutex(0)
    static let backlogLimit = 4 * SyncLimits.maxFrame

    public init(config: SyncSessionConfig, ledgerPath: String, channel: Channel,
                admission: (@Sendable (PublicKey) -> String?)? = nil,
                onProgress: (@Sendable (SyncStats) -> Void)? = nil,
                onEnd: @escaping @Sendable (SessionOutcome) -> Void) {
        queue = DispatchQueue(label: "gloss.sync.session")
        session = SyncSession(config: config)
        self.ledgerPath = ledgerPath
        writer = GroupWriter.shared(path: ledgerPath)
        self.channel = channel
        self.admission = admission
        self.onEnd = onEnd
        self.onProgress = onProgress
    }

    public func start() {
        queue.async {
            self.feed(.tick(now: Self.now()))
            self.perform(self.session.start())
            self.startClock()
        }
    }

    /// The session's clock: a tick four times a second (it decides its timeouts and
    /// keepalives from them) and, in live mode once caught up, a look for new local rows.
    private func startClock() {
        let t = DispatchSource.makeTimerSource(queue: queue)
        t.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250))
        t.setEventHandler { [weak self] in
            guard let self, !self.ended else { return }
            self.feed(.tick(now: Self.now()))
            guard self.watching, let last = try? self.log?.lastRow(), last > self.lastSeenRow else { return }
            self.lastSeenRow = last
            self.feed(.localEventsAppeared)
        }
        t.resume()
        clockTimer = t
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
            self.feed(.received(bytes))
        }
    }

    func input(_ i: SyncInput) { queue.async { self.feed(i) } }

    private func feed(_ i: SyncInput) {
        guard !ended else { return }
        perform(session.handle(i))
    }

    /// Carries out a session's actions. Frames must leave in the order the session sealed them
    /// (each direction's nonce is a counter), so every send of the list goes first; then the
    /// other actions in order, each answer's consequences before the next action (a refused
    /// batch fails the session before a batch behind it could be stored).
    private func perform(_ actions: [SyncAction]) {
        for case .send(let bytes) in actions where !ended {
            channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
        }
        for a in actions {
            guard !ended else { return }
            switch a {
            case .send, .authenticated:
                continue
            case .admit(let key):
                guard !session.isOver else { continue }
                perform(session.handle(admit(key)))
            case .fetch(let peer, let forkedFrom, let maxEvents, let maxBytes):
                guard !session.isOver, let log else { continue }
                filter.forkedFrom.merge(forkedFrom) { min($0, $1) }
                perform(session.handle(fetch(log, peer, maxEvents, maxBytes)))
            case .findForks(let tips):
                guard !session.isOver, let log else { continue }
                do { perform(session.handle(.forksFound(try log.forkTwins(of: tips.map { ($0.author, $0.seq, $0.id) })))) }
                catch { perform(session.handle(.localFailure(message: "reading the local log failed: \(error)"))) }
            case .recordEvidence(let e):
                // Kept even when the session has just failed: it is a verified proof of a fork.
                guard let log else { continue }
                do {
                    switch try Self.evidenceLock.withLock({ _ in try log.recordEvidence(e) }) {
                    case .recorded(let new, let twin): perform(session.handle(.evidenceRecorded(e, new: new, twin: twin)))
                    case .refused(let why): perform(session.handle(.evidenceRefused(why)))
                    }
                } catch { perform(session.handle(.localFailure(message: "storing fork evidence failed: \(error)"))) }
            case .store(let n, let events):
                guard !session.isOver, log != nil else { continue }
                store(n, events)
            case .caughtUp(let stats):
                onProgress?(stats)
                startWatching()
            case .finished(let stats):
                end(stats, nil)
            case .failed(let e, let stats):
                end(stats, e)
            }
        }
        onProgress?(session.stats)
    }

    /// The peer has proved its key: take a slot, open the ledger, read what the session needs.
    private func admit(_ key: PublicKey) -> SyncInput {
        if let refusal = admission?(key) { return .overloaded(refusal) }
        do {
            // 256 KiB of page cache per session: a session's own connection only reads, in
            // order (the writer has the cache that matters), and the OS caches the file anyway.
            // With 1 MiB each, fifty sessions peaked at 140 MiB (load.py part 1).
            let log = try EventLog(path: ledgerPath, cacheKiB: 256)
            self.log = log
            lastSeenRow = try log.lastRow()
            filter = RelayFilter(forkedFrom: try log.forkedFrom())
            let allowed = session.config.role == .server ? Set(try log.peers().map(\.key)) : session.config.allowed
            return .admitted(frontier: try log.frontier(), allowed: allowed)
        } catch {
            return .localFailure(message: "cannot open the ledger: \(error)")
        }
    }

    private func fetch(_ log: EventLog, _ peer: Frontier, _ maxEvents: Int, _ maxBytes: Int) -> SyncInput {
        do {
            if cursor == nil { cursor = try log.startRow(forPeer: peer, forkedFrom: filter.forkedFrom) }
            let withheldBefore = filter.withheld.count
            let r = try log.outgoing(after: cursor ?? 0, peer: peer, filter: &filter, maxEvents: maxEvents, maxBytes: maxBytes)
            cursor = r.lastRow
            let quarantined = filter.takeQuarantined()
            return .outgoing(r.events, exhausted: r.exhausted, quarantined: quarantined.map { "\($0.id.hex): \($0.reason)" },
                             withheld: filter.withheld.count - withheldBefore - quarantined.count)
        } catch {
            return .localFailure(message: "reading the local log failed: \(error)")
        }
    }

    /// Verifies a batch's signatures here (on every core), then hands it to the process's one
    /// writer, which commits it with the other sessions' batches; the answer comes back on this
    /// queue after the commit. Meanwhile this queue goes on with the next batch.
    private func store(_ n: UInt32, _ events: [Event]) {
        if let bad = SignatureCheck.firstInvalid(events) {
            perform(session.handle(.storeFailed(batch: n, message: "event \(bad.id.short()) by \(bad.author.raw.short()) has a bad signature")))
            return
        }
        let tips = SyncMessage.FrontierEntry.tips(of: events)
        writer.submit(key: key, events: events) { result in
            self.queue.async {
                switch result {
                case .success(let r): self.feed(.stored(batch: n, result: r, tips: tips))
                case .failure(let e) where e.code == .sqlite || e.code == .io: self.feed(.localFailure(message: e.message))
                case .failure(let e): self.feed(.storeFailed(batch: n, message: e.message))
                }
            }
        }
    }

    /// Live mode: look for new local rows (from any process) at each tick.
    private func startWatching() {
        if session.isLive { watching = true }
    }

    private func end(_ stats: SyncStats, _ error: SyncError?) {
        guard !ended else { return }
        ended = true
        clockTimer?.cancel()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let outcome = SessionOutcome(peer: session.peerKey, stats: stats, error: error, seconds: seconds)
        // Flush what was queued (an ERROR, a last ACK), then close.
        channel.writeAndFlush(ByteBuffer(), promise: nil)
        channel.close(promise: nil)
        log = nil
        writer.forget(key: key)
        onEnd(outcome)
    }

    /// Shutting down: end now (a batch being stored has either committed or will not be).
    public func shutdown() {
        queue.async { self.feed(.shutdown) }
    }

    /// Dropped, still unauthenticated, to make room for a newer connection.
    func evict() {
        queue.async { self.feed(.evicted) }
    }
}
