import GlossCore

/// Carries out a `SyncSession`'s actions against a `SyncStore` and a transport: the one shell
/// of the reference, used over TCP (`SessionDriver`) and in memory (the tests' `LocalSyncSide`),
/// generic over its store (no existential in the per-batch path).
/// Not thread-safe: its owner calls it from one serial context, and `deliver` brings a store's
/// asynchronous answers back into that context.
///
/// `@unchecked Sendable` is safe under that rule: every field is touched only in the owner's
/// serial context; the one closure that crosses threads (a store's answer) does nothing but
/// hand the answer to `deliver`, which runs it in that context.
public final class SyncShell<Store: SyncStore>: @unchecked Sendable {
    public let session: SyncSession
    private let store: Store
    /// Bytes to write to the peer, in order.
    private let transmit: ([UInt8]) -> Void
    /// Runs a closure in the shell's serial context (a queue hop; or at once, in memory).
    private let deliver: @Sendable (@escaping @Sendable () -> Void) -> Void
    /// Whether the peer, having proved its key, may have a session slot (nil: yes; else the
    /// refusal text).
    private let admission: ((PublicKey) -> String?)?
    public var onProgress: ((SyncStats) -> Void)?
    public var onCaughtUp: ((SyncStats) -> Void)?
    public var onEnd: ((SyncStats, SyncError?) -> Void)?
    public private(set) var ended = false
    public private(set) var authenticated: PublicKey?
    /// Live mode, once caught up: ticks look for new local events.
    private var watching = false

    public init(session: SyncSession, store: Store, admission: ((PublicKey) -> String?)? = nil,
                transmit: @escaping ([UInt8]) -> Void, deliver: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void) {
        self.session = session; self.store = store; self.admission = admission
        self.transmit = transmit; self.deliver = deliver
    }

    public func start() { perform(session.start()) }

    public func feed(_ input: SyncInput) {
        guard !ended else { return }
        perform(session.handle(input))
        if case .tick = input, watching, !ended, store.newEventsAppeared() {
            perform(session.handle(.localEventsAppeared))
        }
    }

    /// Frames must leave in the order the session sealed them (each direction's nonce is a
    /// counter), so every send of the list goes first; then the other actions in order, each
    /// answer's consequences before the next action.
    private func perform(_ actions: [SyncAction]) {
        for case .send(let bytes) in actions where !ended { transmit(bytes) }
        for a in actions {
            guard !ended else { return }
            switch a {
            case .send:
                continue
            case .authenticated(let k):
                authenticated = k
            case .admit(let key):
                guard !session.isOver else { continue }
                // The allow-list decides first (a stranger is told `not-allowed`, never "busy"),
                // then the slot.
                let input = answer("cannot open the ledger") { () -> SyncInput in
                    let admitted: (frontier: Frontier, peers: Set<PublicKey>)
                    do { admitted = try store.admit(own: session.config.identity.publicKey) } catch let e as StoreUnavailable {
                        return .overloaded("\(e.message); try again shortly")
                    }
                    let (frontier, peers) = admitted
                    let allowed = peers.union(session.config.allowed)
                    let mayHaveSlot = allowed.contains(key) || key == session.config.identity.publicKey
                    if mayHaveSlot, let refusal = admission?(key) { return .overloaded(refusal) }
                    return .admitted(frontier: frontier, allowed: allowed)
                }
                perform(session.handle(input))
            case .recordNotice(let bytes):
                // Kept before the batches behind it are stored (actions run in order).
                do { try store.recordNotice(bytes) } catch let e as StoreRefusal {
                    perform(session.handle(.noticeRefused(e.message)))
                } catch {
                    // This side's own ledger failed (a disk, a lock): not the peer's fault.
                    perform(session.handle(.localFailure(message: "keeping an erasure notice: \(error)")))
                }
            case .fetch(let peer, let forkedFrom, let maxEvents, let maxBytes, let erasures):
                guard !session.isOver else { continue }
                perform(session.handle(answer("reading the local log failed") {
                    let o = try store.outgoing(peer: peer, forkedFrom: forkedFrom, maxEvents: maxEvents, maxBytes: maxBytes, erasures: erasures)
                    return .outgoing(o.events, exhausted: o.exhausted, quarantined: o.quarantined, withheld: o.withheld, notices: o.notices)
                }))
            case .findForks(let tips):
                guard !session.isOver else { continue }
                perform(session.handle(answer("reading the local log failed") { .forksFound(try store.forkTwins(of: tips)) }))
            case .recordEvidence(let e):
                // Kept even when the session has just failed: it is a verified proof of a fork.
                let input = answer("storing fork evidence failed") { () -> SyncInput in
                    switch try store.recordEvidence(e) {
                    case .recorded(let new, let twin): return .evidenceRecorded(e, new: new, twin: twin)
                    case .refused(let why): return .evidenceRefused(why)
                    }
                }
                perform(session.handle(input))
            case .store(let n, let events):
                guard !session.isOver else { continue }
                let tips = SyncMessage.FrontierEntry.tips(of: events)
                let deliver = self.deliver, shell = self
                store.store(events) { result in
                    deliver {
                        switch result {
                        case .stored(let r): shell.feed(.stored(batch: n, result: r, tips: tips))
                        case .refused(let why): shell.feed(.storeFailed(batch: n, message: why))
                        case .failed(let why): shell.feed(.localFailure(message: why))
                        }
                    }
                }
            case .caughtUp(let stats):
                onCaughtUp?(stats)
                if session.isLive { watching = true }
            case .finished(let stats):
                end(stats, nil)
            case .failed(let e, let stats):
                end(stats, e)
            }
        }
        if !ended { onProgress?(session.stats) }
    }

    private func answer(_ what: String, _ body: () throws -> SyncInput) -> SyncInput {
        do { return try body() } catch { return .localFailure(message: "\(what): \(error)") }
    }

    private func end(_ stats: SyncStats, _ error: SyncError?) {
        guard !ended else { return }
        ended = true
        store.close()
        onEnd?(stats, error)
    }
}
