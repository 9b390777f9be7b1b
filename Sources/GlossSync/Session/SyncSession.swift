import GlossCore

/// A session's deadlines (SYNC.md §11.2), in seconds of the clock the shell passes in `.tick`.
public struct SessionTimers: Sendable, Equatable {
    /// Nothing received for this long ends the session (`idle-timeout`).
    public var idle: Double
    /// Nothing written for this long in the sync phase sends a PING.
    public var keepalive: Double
    /// The peer's AUTH must be verified within this long of the start, however its bytes
    /// trickle (a server's rule; nil: none).
    public var handshake: Double?
    public init(idle: Double = 30, keepalive: Double = 10, handshake: Double? = nil) {
        self.idle = idle; self.keepalive = keepalive; self.handshake = handshake
    }
}

/// Settings of one session.
public struct SyncSessionConfig: Sendable {
    public var role: Handshake.Role
    public var identity: SigningKey
    /// Peers this side accepts. The server requires the client's key here; the client requires
    /// the server's key here unless `expectKey` names it.
    public var allowed: Set<PublicKey>
    public var expectKey: PublicKey?
    /// Client: ask for live mode. Server: whether live mode is offered.
    public var watch: Bool
    /// Batches this side accepts in flight.
    public var window: UInt16 = SyncLimits.defaultWindow
    /// Offer the `evidence` feature (exchange fork evidence); off only to test older peers.
    public var evidence = true
    /// Offer the `erasures` feature (ERASURE notices, erased events); off only to test older peers.
    public var erasures = true
    public var timers = SessionTimers()
    /// Offer (server) or ask for (client) reconciliation by RANGES. A client asks when it holds
    /// more authors than a plain FRONTIER suits (`RangeReconciler.prefersPlainFrontier`).
    public var ranges = true
    public var ephemeral: X25519KeyPair
    public var nonce: [UInt8]

    public init(role: Handshake.Role, identity: SigningKey, allowed: Set<PublicKey>, expectKey: PublicKey? = nil,
                watch: Bool = false, ephemeral: X25519KeyPair = X25519KeyPair(), nonce: [UInt8] = SecureRandom.bytes(32)) {
        self.role = role; self.identity = identity; self.allowed = allowed; self.expectKey = expectKey
        self.watch = watch; self.ephemeral = ephemeral; self.nonce = nonce
    }
}

/// What a session moved, for the summary line and the server's log line.
public struct SyncStats: Sendable, Equatable {
    public var eventsSent = 0
    public var eventsReceived = 0
    public var eventsStored = 0
    public var alreadyHad = 0
    public var bytesSent = 0
    public var bytesReceived = 0
    /// Bytes on the wire that were not event bytes: framing, handshake, frontiers, acks, tags.
    public var controlBytesSent = 0
    public var controlBytesReceived = 0
    public var batchesSent = 0
    public var disagreements: [String] = []
    /// This side's stored events left out because their rows are damaged ("ID: reason").
    public var quarantined: [String] = []
    /// Events left out because they depend on a quarantined one or on a forked branch.
    public var withheld = 0
    /// Forks this side learnt of in this session and recorded as evidence (one line each).
    public var forksRecorded: [String] = []
    public init() {}
}

/// Inputs to a session: bytes from the peer, and answers to the actions it asked for.
public enum SyncInput: Sendable {
    case received([UInt8])
    case peerClosed
    /// Events the peer lacks (answer to `.fetch`), in parents-first order; `exhausted` when
    /// there are no more for now. `quarantined` names stored rows left out as damaged
    /// ("ID: reason"), `withheld` counts the events left out with them.
    case outgoing([Event], exhausted: Bool, quarantined: [String] = [], withheld: Int = 0, notices: [[UInt8]] = [])
    /// A batch was verified and committed (answer to `.store`); `tips` are the newest
    /// (author, seq, id) among its events.
    case stored(batch: UInt32, result: AppendResult, tips: [SyncMessage.FrontierEntry])
    case storeFailed(batch: UInt32, message: String)
    /// This side could not read or write its own ledger (a lock held too long, a full disk):
    /// not the peer's fault, so not reported as an invalid event.
    case localFailure(message: String)
    /// Live mode: new events appeared in the local log.
    case localEventsAppeared
    /// The shell's clock, in seconds (any origin), passed a few times a second: the session
    /// decides its own timeouts and keepalives from it (`SessionTimers`), so tests drive time.
    case tick(now: Double)
    /// The process is stopping.
    case shutdown
    /// A server dropped this connection, still unauthenticated, to make room for a newer one.
    case evicted
    /// Answer to `.admit`: this side's frontier and allow-list (the server's is read now, so a
    /// `gloss peer allow` counts from the next connection).
    case admitted(frontier: Frontier, allowed: Set<PublicKey>)
    /// Answer to `.admit` on a server with every session slot taken: refuse with `overloaded`.
    case overloaded(String)
    /// Answer to `.findForks`: this side's events at the asked (author, seq) whose ids differ
    /// from the peer's.
    case forksFound([Event])
    /// Answer to `.recordEvidence`: whether the evidence was new here, and this side's own
    /// event at that (author, seq).
    case evidenceRecorded(Event, new: Bool, twin: Event)
    /// Answer to `.recordEvidence`: it was not evidence of a fork (bad signature, no event of
    /// this side at that seq, the same event).
    case evidenceRefused(String)
    /// Answer to `.recordNotice`: the peer's erasure notice was refused.
    case noticeRefused(String)
}

/// What the shell must do.
public enum SyncAction: Sendable {
    case send([UInt8])
    /// Read up to `maxEvents` (and about `maxBytes`) events that a peer at `peer` lacks,
    /// continuing after the last ones read, withholding the events of `forkedFrom` authors from
    /// that seq on (and their descendants); answer with `.outgoing`.
    case fetch(peer: Frontier, forkedFrom: [PublicKey: UInt64], maxEvents: Int, maxBytes: Int, erasures: Bool)
    /// Look up this side's events at these peer tips (this side holds the author at or beyond
    /// the seq): answer with `.forksFound`, those whose id differs.
    case findForks([SyncMessage.FrontierEntry])
    /// Check a peer's fork evidence (signature, payload, a different event of this side at its
    /// author and seq) and keep it: answer `.evidenceRecorded` or `.evidenceRefused`.
    case recordEvidence(Event)
    /// Check and keep a peer's erasure notice before the batches that follow it; answer
    /// `.noticeRefused` only when it is refused.
    case recordNotice([UInt8])
    /// Verify and commit these events in one transaction; answer with `.stored` or `.storeFailed`.
    case store(batch: UInt32, events: [Event])
    case authenticated(PublicKey)
    /// The peer proved it holds `key`: open the ledger (and, on a server, take a session slot),
    /// then answer `.admitted` or `.overloaded`.
    case admit(PublicKey)
    /// Both sides are up to date (in live mode the session then goes on).
    case caughtUp(SyncStats)
    /// The session is over: close the connection.
    case finished(SyncStats)
    case failed(SyncError, SyncStats)
}

/// One sync session as a pure state machine (Protocol/SYNC.md): bytes and answers in, actions
/// out. It never touches a socket, a file or a clock; the transport and the store are the
/// shell's. Its state is `Phase`, each case carrying the data of that phase; the record layer
/// (`SessionWire`) is common to all. Not Sendable: one task or queue drives it.
public final class SyncSession {
    enum Phase {
        /// Our HELLO is sent (its body kept for the transcript); the peer's is awaited.
        case hello(myHello: [UInt8])
        /// Keys are agreed over this transcript, and the features; the peer's AUTH is awaited.
        case auth(transcript: Hash32, agreed: AgreedFeatures)
        /// The peer proved `key`; the shell is opening the ledger (and, on a server, giving it
        /// a session slot). Frames that arrive meanwhile wait in the decoder.
        case admitting(key: PublicKey, agreed: AgreedFeatures)
        /// Exchanging events (caught up and still open, in live mode).
        case syncing(SyncExchange)
        /// Briefly, while the exchange is being updated (moved out of the enum, so that it is
        /// never copied).
        case updating
        case over

        /// Still in the handshake: the server's deadline applies.
        var isHandshake: Bool {
            switch self { case .hello, .auth: true; default: false }
        }
        var isAdmitting: Bool { if case .admitting = self { true } else { false } }
        var isSyncing: Bool { if case .syncing = self { true } else { false } }
        var isOver: Bool { if case .over = self { true } else { false } }
    }

    public let config: SyncSessionConfig
    public var stats: SyncStats { wire.stats }
    public private(set) var peerKey: PublicKey?
    private var phase = Phase.hello(myHello: [])
    private var wire = SessionWire()

    /// A session that asks for the ledger only once the peer has proved its key (`.admit`):
    /// a connection that never authenticates costs no ledger access.
    public init(config: SyncSessionConfig) {
        self.config = config
    }

    public var isOver: Bool { phase.isOver }
    /// Whether live mode was agreed.
    public var isLive: Bool {
        switch phase {
        case .auth(_, let a), .admitting(_, let a): a.live
        case .syncing(let x): x.agreed.live
        default: false
        }
    }

    /// The first flight: our HELLO, in clear.
    public func start() -> [SyncAction] {
        var features: SyncFeatures = config.watch ? .watch : []
        if config.evidence { features.insert(.evidence) }
        if config.ranges { features.insert(.ranges) }
        if config.erasures { features.insert(.erasures) }
        let myHello = SyncMessage.hello(.init(version: SyncLimits.version, features: features.rawValue,
                                          ephemeral: config.ephemeral.publicKey, nonce: config.nonce)).encoded()
        phase = .hello(myHello: myHello)
        return [.send(wire.frame(myHello, control: true))]
    }

    public func handle(_ input: SyncInput) -> [SyncAction] {
        guard !phase.isOver else { return [] }
        var out: [SyncAction] = []
        do {
            switch input {
            case .received(let bytes):
                wire.received(bytes)
                try drain(&out)
            case .peerClosed:
                try wire.decoder.finish()
                guard case .syncing(let x) = phase, x.isComplete else {
                    throw SyncError(.truncated, "the peer closed the connection before the sync finished")
                }
                finish(&out)
            case .outgoing(let events, let done, let quarantined, let withheld, let notices):
                wire.stats.quarantined += quarantined
                wire.stats.withheld += withheld
                try exchange(&out) { x, w, o in x.outgoing(events, notices: notices, exhausted: done, &w, &o) }
            case .stored(let n, let result, let tips):
                try exchange(&out) { x, w, o in x.stored(batch: n, result, tips: tips, &w, &o) }
            case .localFailure(let message):
                throw SyncError(.internalError, "this side's ledger failed: \(message)")
            case .storeFailed(let n, let message):
                throw SyncError(.invalidEvent, "batch \(n) was refused and nothing of it stored: \(message)")
            case .localEventsAppeared:
                try exchange(&out) { x, w, o in x.localEventsAppeared(&w, &o) }
            case .tick(let now):
                try tick(now, &out)
            case .shutdown:
                throw SyncError(.shuttingDown, "this side is shutting down")
            case .evicted:
                throw SyncError(.overloaded, "too many connections were waiting to authenticate; this one, the longest waiting, was dropped to make room: try again shortly")
            case .admitted(let frontier, let allowed):
                guard case .admitting(let key, let agreed) = phase else { return [] }
                try admit(key, agreed: agreed, frontier: frontier, allowed: allowed, &out)
                try drain(&out)
            case .overloaded(let text):
                guard phase.isAdmitting else { return [] }
                throw SyncError(.overloaded, text)  // sent to the peer as a sealed ERROR by `fail`
            case .forksFound(let twins):
                try exchange(&out) { x, w, o in x.forksFound(twins, &w, &o) }
            case .evidenceRecorded(let theirs, let new, let mine):
                try exchange(&out) { x, w, o in x.evidenceRecorded(theirs, new: new, twin: mine, &w, &o) }
            case .evidenceRefused(let message):
                throw SyncError(.invalidEvent, "the peer's fork evidence was refused: \(message)")
            case .noticeRefused(let message):
                throw SyncError(.invalidEvent, "the peer's erasure notice was refused: \(message)")
            }
        } catch let e as SyncError {
            fail(e, &out)
        } catch {
            fail(SyncError(.internalError, "\(error)"), &out)
        }
        return out
    }

    /// Runs `body` on the sync phase's data, moved out of `phase` meanwhile so that it is
    /// updated in place; does nothing in another phase (an answer arriving after the end).
    /// Finishes the session when the exchange says both sides are done.
    private func exchange(_ out: inout [SyncAction],
                          _ body: (inout SyncExchange, inout SessionWire, inout [SyncAction]) throws -> Void) throws {
        guard case .syncing(var x) = phase else { return }
        phase = .updating
        defer { if case .updating = phase { phase = .syncing(x) } }
        try body(&x, &wire, &out)
        if x.finished {
            phase = .syncing(x)
            finish(&out)
        }
    }

    // MARK: Time

    private func tick(_ now: Double, _ out: inout [SyncAction]) throws {
        wire.clock = now
        guard let started = wire.startedAt else {
            wire.startedAt = now; wire.lastReceived = now; wire.lastSent = now
            return
        }
        let t = config.timers
        if let h = t.handshake, phase.isHandshake, now - started >= h {
            throw SyncError(.idleTimeout, "the handshake did not complete within \(Self.seconds(h)) s")
        }
        if now - wire.lastReceived >= t.idle {
            throw SyncError(.idleTimeout, "nothing from the peer for \(Self.seconds(t.idle)) s")
        }
        if phase.isSyncing, now - wire.lastSent >= t.keepalive {
            wire.send(.ping, control: true, &out)
        }
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String((s * 10).rounded() / 10) }

    // MARK: Receiving

    /// Handles every complete frame received, unless the session is waiting for admission.
    private func drain(_ out: inout [SyncAction]) throws {
        while !phase.isOver, !phase.isAdmitting, let (length, body) = try wire.decoder.next() {
            let (message, plain) = try wire.open(length: length, body: body)
            switch (phase, message) {
            case (.hello(let myHello), .hello(let h)):
                try receiveHello(h, body: plain, myHello: myHello, &out)
            case (.auth(let transcript, let agreed), .auth(let key, let sig)):
                try receiveAuth(key, sig, transcript: transcript, agreed: agreed, &out)
            case (.syncing, _):
                try exchange(&out) { x, w, o in try x.receive(message, &w, &o) }
            default:
                throw SyncError(.protocolViolation, "a \(message.name) message where none was expected")
            }
        }
    }

    private func receiveHello(_ h: SyncMessage.Hello, body: [UInt8], myHello: [UInt8], _ out: inout [SyncAction]) throws {
        guard h.version == SyncLimits.version else {
            // No keys will be agreed: the refusal goes in clear, so the peer can read it.
            let text = "this peer speaks Gloss sync version \(SyncLimits.version), not version \(h.version); upgrade the older side"
            out.append(.send(wire.frame(SyncMessage.error(code: SyncError.Code.unsupportedVersion.rawValue, message: text).encoded(), control: true)))
            throw SyncError(.unsupportedVersion, text)
        }
        guard let shared = config.ephemeral.sharedSecret(with: h.ephemeral) else {
            throw SyncError(.badHandshake, "the peer's X25519 key is invalid")
        }
        let (clientHello, serverHello) = config.role == .client ? (myHello, body) : (body, myHello)
        let th = Handshake.transcript(clientHello: clientHello, serverHello: serverHello)
        let keys = Handshake.keys(sharedSecret: shared, transcript: th)
        wire.sendCipher = FrameCipher(key: config.role == .client ? keys.clientToServer : keys.serverToClient)
        wire.receiveCipher = FrameCipher(key: config.role == .client ? keys.serverToClient : keys.clientToServer)
        // Live mode when this side wants (client) or offers (server) it and the peer does too.
        let theirs = SyncFeatures(rawValue: h.features)
        let agreed = AgreedFeatures(live: config.watch && theirs.contains(.watch),
                                    evidence: config.evidence && theirs.contains(.evidence),
                                    ranges: config.ranges && theirs.contains(.ranges),
                                    erasures: config.erasures && theirs.contains(.erasures))
        phase = .auth(transcript: th, agreed: agreed)
        let sig = config.identity.sign(Handshake.authMessage(role: config.role, transcript: th))
        wire.send(.auth(identity: config.identity.publicKey, signature: sig), control: true, &out)
    }

    private func receiveAuth(_ key: PublicKey, _ sig: [UInt8], transcript th: Hash32, agreed: AgreedFeatures, _ out: inout [SyncAction]) throws {
        let peerRole: Handshake.Role = config.role == .client ? .server : .client
        guard key.verify(signature: sig[...], message: Handshake.authMessage(role: peerRole, transcript: th)) else {
            throw SyncError(.badHandshake, "the peer's AUTH signature does not verify: it does not hold the key it claims, or replayed an old handshake")
        }
        peerKey = key
        phase = .admitting(key: key, agreed: agreed)
        out.append(.admit(key))
    }

    /// The shell has opened the ledger: check the peer's key, then start the exchange.
    private func admit(_ key: PublicKey, agreed: AgreedFeatures, frontier: Frontier, allowed: Set<PublicKey>, _ out: inout [SyncAction]) throws {
        switch config.role {
        case .server:
            // The same identity on another device (after `gloss key import`) is always allowed.
            guard allowed.contains(key) || key == config.identity.publicKey else {
                let text = "this server does not allow your key \(key.hex); ask its owner to run: gloss peer allow \(key.hex) (gloss hub peer allow \(key.hex) on a hub)"
                wire.send(.error(code: SyncError.Code.notAllowed.rawValue, message: text), control: true, &out)
                throw SyncError(.notAllowed, "refused peer \(key.hex): not on the allow-list (to allow it: gloss peer allow \(key.hex))")
            }
        case .client:
            if let expect = config.expectKey {
                guard expect == key else {
                    wire.send(.error(code: SyncError.Code.unexpectedKey.rawValue, message: "the client expected another server key"), control: true, &out)
                    throw SyncError(.unexpectedKey, "the server's key is \(key.hex), not the expected \(expect.hex): check HOST:PORT and --expect-key")
                }
            } else if !allowed.contains(key) && key != config.identity.publicKey {
                wire.send(.error(code: SyncError.Code.unexpectedKey.rawValue, message: "the client does not know this server's key"), control: true, &out)
                throw SyncError(.unexpectedKey, "the server's key \(key.hex) is not on your allow-list: if it is the peer you meant, run `gloss peer allow \(key.hex)` or pass --expect-key \(key.hex)")
            }
        }
        out.append(.authenticated(key))
        var x = SyncExchange(role: config.role, agreed: agreed, window: config.window, localFrontier: frontier)
        try x.begin(&wire, &out)
        phase = .syncing(x)
    }

    // MARK: Ending

    private func finish(_ out: inout [SyncAction]) {
        guard !phase.isOver else { return }
        phase = .over
        out.append(.finished(wire.stats))
    }

    private func fail(_ e: SyncError, _ out: inout [SyncAction]) {
        guard !phase.isOver else { return }
        if !e.fromPeer, wire.sendCipher != nil, ![.notAllowed, .unexpectedKey, .decryptFailed].contains(e.code) {
            wire.send(.error(code: e.code.rawValue, message: e.message), control: true, &out)
        }
        phase = .over
        out.append(.failed(e, wire.stats))
    }
}
