import GlossCore
import GlossStore
import GlossSync
import Synchronization

/// A sync session's view of a SQLite ledger (`SyncStore`): opened only once the peer has proved
/// its key, rows checked before they leave (`RelayFilter`), batches verified on every core and
/// committed by the process's one writer (`GroupWriter`), or at once (`inline`, for in-memory
/// tests that count flights).
///
/// `@unchecked Sendable` is safe: it is used from its session's serial context only; the
/// writer's completion touches nothing of it but the immutable `writer`.
public final class LedgerSyncStore: SyncStore, @unchecked Sendable {
    public enum Commit: Sendable {
        /// Through the process's one writer, with other sessions' batches (gloss itself).
        case group
        /// In this call, in this session's own transaction (the in-memory tests).
        case inline
    }

    private let path: String
    private let cacheKiB: Int
    private let commit: Commit
    private var log: EventLog?
    private var cursor: Int64?
    private var filter = RelayFilter()
    private var lastSeenRow: Int64 = 0
    /// Erasures whose notices this session has sent.
    private var noticesSent: Set<EventID> = []
    /// Inline mode: this session had a batch refused (the writer keeps this for `.group`).
    private var refused: Set<Int> = []
    private let writer: GroupWriter?
    /// This session, to the writer: a number no other session of this process has.
    private let key: Int = LedgerSyncStore.keys.withLock { $0 += 1; return $0 }
    private static let keys = Mutex(0)
    /// Serialises this process's fork-evidence writes (rare; batches go through the writer).
    private static let evidenceLock = Mutex(())

    /// `cacheKiB`: 256 KiB of page cache for a session's connection, which only reads, in
    /// order (the writer has the cache that matters), the OS caching the file anyway. With
    /// 1 MiB each, fifty sessions peaked at 140 MiB (load.py part 1).
    public init(path: String, cacheKiB: Int = 256, commit: Commit = .group) {
        self.path = path; self.cacheKiB = cacheKiB; self.commit = commit
        writer = commit == .group ? GroupWriter.shared(path: path) : nil
    }

    private func opened() throws -> EventLog {
        if let log { return log }
        let l = try EventLog(path: path, cacheKiB: cacheKiB)
        log = l
        return l
    }

    public func admit(own: PublicKey) throws -> (frontier: Frontier, peers: Set<PublicKey>) {
        let log = try opened()
        lastSeenRow = try log.lastRow()
        filter = RelayFilter(forkedFrom: try log.forkedFrom())
        return (try log.frontier(), try log.allowedKeys(own: own))
    }

    public func outgoing(peer: Frontier, forkedFrom: [PublicKey: UInt64], maxEvents: Int, maxBytes: Int, erasures: Bool) throws -> Outgoing {
        let log = try opened()
        filter.forkedFrom.merge(forkedFrom) { min($0, $1) }
        if cursor == nil {
            cursor = try log.startRow(forPeer: peer, forkedFrom: filter.forkedFrom)
            filter.withholdErased = !erasures
        }
        let before = filter.withheld.count
        let r = try log.outgoing(after: cursor ?? 0, peer: peer, filter: &filter, maxEvents: maxEvents, maxBytes: maxBytes)
        // Each erased event goes after the notice that lets the peer hold it so, whenever it is
        // read (a session that started before it arrived, live mode), once per session.
        let notices = erasures ? try log.notices(for: r.events, sent: &noticesSent) : []
        cursor = r.lastRow
        let q = filter.takeQuarantined()
        return Outgoing(events: r.events, exhausted: r.exhausted, quarantined: q.map { "\($0.id.hex): \($0.reason)" },
                        withheld: filter.withheld.count - before - q.count, notices: notices)
    }

    public func recordNotice(_ bytes: [UInt8]) throws {
        do { try opened().recordNotice(bytes) } catch let e as StoreError where e.code == .invalidEvent {
            throw StoreRefusal(e.message)
        }
    }

    public func forkTwins(of tips: [SyncMessage.FrontierEntry]) throws -> [Event] {
        try opened().forkTwins(of: tips.map { ($0.author, $0.seq, $0.id) })
    }

    public func recordEvidence(_ e: Event) throws -> EvidenceVerdict {
        let log = try opened()
        return try Self.evidenceLock.withLock { _ in try log.recordEvidence(e) }
    }

    public func store(_ events: [Event], done: @escaping @Sendable (StoreAnswer) -> Void) {
        let bad = SignatureCheck.firstInvalid(events).map { "event \($0.id.short()) by \($0.author.raw.short()) has a bad signature" }
        // A refused batch goes through the writer too, so that a batch of this session
        // submitted behind it (before the refusal reaches the session) is not stored.
        let batch = GroupBatch(key: key, events: bad == nil ? events : [], refusal: bad)
        if let writer {
            writer.submit(batch) { done(Self.answer($0)) }
            return
        }
        // Inline: the same group append, of one batch, at once.
        do {
            let r = try opened().appendGroup([batch], refusedKeys: &refused)
            done(Self.answer(r[0]))
        } catch let e as StoreError {
            done(Self.answer(.failure(e)))
        } catch {
            done(.failed("\(error)"))
        }
    }

    private static func answer(_ r: Result<AppendResult, StoreError>) -> StoreAnswer {
        switch r {
        case .success(let a): .stored(a)
        case .failure(let e) where e.code == .sqlite || e.code == .io: .failed(e.message)
        case .failure(let e): .refused(e.message)
        }
    }

    public func newEventsAppeared() -> Bool {
        guard let last = try? log?.lastRow(), last > lastSeenRow else { return false }
        lastSeenRow = last
        return true
    }

    public func close() {
        log = nil
        writer?.forget(key: key)
    }
}
