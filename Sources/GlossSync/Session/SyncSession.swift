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
    case outgoing([Event], exhausted: Bool, quarantined: [String] = [], withheld: Int = 0)
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
}

/// What the shell must do.
public enum SyncAction: Sendable {
    case send([UInt8])
    /// Read up to `maxEvents` (and about `maxBytes`) events that a peer at `peer` lacks,
    /// continuing after the last ones read, withholding the events of `forkedFrom` authors from
    /// that seq on (and their descendants); answer with `.outgoing`.
    case fetch(peer: Frontier, forkedFrom: [PublicKey: UInt64], maxEvents: Int, maxBytes: Int)
    /// Look up this side's events at these peer tips (this side holds the author at or beyond
    /// the seq): answer with `.forksFound`, those whose id differs.
    case findForks([SyncMessage.FrontierEntry])
    /// Check a peer's fork evidence (signature, payload, a different event of this side at its
    /// author and seq) and keep it: answer `.evidenceRecorded` or `.evidenceRefused`.
    case recordEvidence(Event)
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
/// shell's. Not Sendable: one task or queue drives it.
public final class SyncSession {
    /// `admitting`: the peer's AUTH verified, waiting for the shell to open the ledger (and,
    /// on a server, to give it a session slot); frames that arrive meanwhile wait in the decoder.
    enum Phase: Equatable {
        /// Our HELLO is sent (its body kept for the transcript); the peer's is awaited.
        case hello(myHello: [UInt8])
        /// Keys are agreed over this transcript; the peer's AUTH is awaited.
        case auth(transcript: Hash32)
        /// The peer proved `key`; the shell is opening the ledger.
        case admitting(key: PublicKey)
        case syncing
        case over

        /// Still in the handshake: the server's deadline applies.
        var isHandshake: Bool {
            switch self { case .hello, .auth: true; default: false }
        }
        var isAdmitting: Bool { if case .admitting = self { true } else { false } }
    }

    public let config: SyncSessionConfig
    public private(set) var stats = SyncStats()
    public private(set) var peerKey: PublicKey?
    private var phase = Phase.hello(myHello: [])
    private var decoder = FrameDecoder()
    private var sendCipher: FrameCipher?
    private var receiveCipher: FrameCipher?
    private var localFrontier = Frontier()
    /// What the peer holds, as far as we know: its FRONTIER, then what it sent us and acked.
    private var peerFrontier = Frontier()
    private var peerWindow = Int(SyncLimits.defaultWindow)
    private var watch = false
    /// Both sides set the `evidence` feature: forks are exchanged as EVIDENCE.
    private var exchangeEvidence = false
    /// Forked authors, from the seq where the peer's chain and ours part.
    private var forkedFrom: [PublicKey: UInt64] = [:]
    /// Until `.forksFound` answers, nothing is sent (the fork decides what may go).
    private var findingForks = false
    private var evidenceSent: Set<PublicKey> = []
    /// Authors we sent EVIDENCE for and whose twin the peer has not sent yet.
    private var awaitingEvidence: Set<PublicKey> = []
    private var recordingEvidence = 0
    /// Both sides set `ranges`: FRONTIERs carry no entries and RANGES find the differences.
    private var useRanges = false
    private var reconciler: RangeReconciler?
    private var reconciled = false
    /// A plain-mode server with many authors sends its FRONTIER after the client's.
    private var frontierDeferred = false
    /// The peer frontier is known (FRONTIER, or RANGES complete): sending may begin.
    private var readyToSend = false

    private var nextBatch: UInt32 = 1
    private var unacked = 0
    private var fetching = false
    private var exhausted = false
    private var doneSent = false
    private var caughtUpReported = false

    private var expectedPeerBatch: UInt32 = 1
    private var storing = 0
    private var peerDone = false

    /// A session that asks for the ledger only once the peer has proved its key (`.admit`):
    /// a connection that never authenticates costs no ledger access.
    public init(config: SyncSessionConfig) {
        self.config = config
    }

    /// A session whose ledger is at hand already (tests and the vector): `.admit` still comes,
    /// and the answer's frontier replaces this one.
    public convenience init(config: SyncSessionConfig, localFrontier: Frontier) {
        self.init(config: config)
        self.localFrontier = localFrontier
    }

    public var isOver: Bool { phase == .over }
    /// Whether live mode was agreed.
    public var isLive: Bool { watch }

    /// The first flight: our HELLO, in clear.
    public func start() -> [SyncAction] {
        var features: SyncFeatures = config.watch ? .watch : []
        if config.evidence { features.insert(.evidence) }
        if config.ranges { features.insert(.ranges) }
        let myHello = SyncMessage.hello(.init(version: SyncLimits.version, features: features.rawValue,
                                          ephemeral: config.ephemeral.publicKey, nonce: config.nonce)).encoded()
        phase = .hello(myHello: myHello)
        return [.send(frame(myHello, control: true))]
    }

    public func handle(_ input: SyncInput) -> [SyncAction] {
        guard phase != .over else { return [] }
        var out: [SyncAction] = []
        do {
            switch input {
            case .received(let bytes):
                lastReceived = clock
                stats.bytesReceived += bytes.count
                decoder.feed(bytes)
                try drain(&out)
            case .peerClosed:
                try decoder.finish()
                if !(doneSent && peerDone && storing == 0 && recordingEvidence == 0 && awaitingEvidence.isEmpty) {
                    throw SyncError(.truncated, "the peer closed the connection before the sync finished")
                }
                finish(&out)
            case .outgoing(let events, let done, let quarantined, let withheld):
                stats.quarantined += quarantined
                stats.withheld += withheld
                fetching = false
                exhausted = done
                if !events.isEmpty { sendBatch(events, &out) }
                pump(&out)
            case .stored(let n, let result, let tips):
                storing -= 1
                stats.eventsStored += result.stored.count
                stats.alreadyHad += result.alreadyHad
                for t in tips { learn(t) }
                send(.ack(number: n, stored: UInt32(result.stored.count), alreadyHad: UInt32(result.alreadyHad), tips: tips), control: true, &out)
                checkCaughtUp(&out)
            case .localFailure(let message):
                throw SyncError(.internalError, "this side's ledger failed: \(message)")
            case .storeFailed(let n, let message):
                throw SyncError(.invalidEvent, "batch \(n) was refused and nothing of it stored: \(message)")
            case .localEventsAppeared:
                guard watch, phase == .syncing else { return [] }
                exhausted = false
                pump(&out)
            case .tick(let now):
                try tick(now, &out)
            case .shutdown:
                throw SyncError(.shuttingDown, "this side is shutting down")
            case .evicted:
                throw SyncError(.overloaded, "too many connections were waiting to authenticate; this one, the longest waiting, was dropped to make room: try again shortly")
            case .admitted(let frontier, let allowed):
                guard phase.isAdmitting else { return [] }
                localFrontier = frontier
                try admit(allowed: allowed, &out)
                try drain(&out)
            case .overloaded(let text):
                guard phase.isAdmitting else { return [] }
                throw SyncError(.overloaded, text)  // sent to the peer as a sealed ERROR by `fail`
            case .forksFound(let twins):
                findingForks = false
                for mine in twins { forked(mine, peerID: peerFrontier.tips[mine.author]?.id, &out) }
                pump(&out)
            case .evidenceRecorded(let theirs, let new, let mine):
                recordingEvidence -= 1
                evidenceReceived.insert(theirs.author)
                awaitingEvidence.remove(theirs.author)
                if new {
                    stats.forksRecorded.append("author \(theirs.author.hex) forked its chain at seq \(theirs.header.seq): the peer's event \(theirs.id.hex) is kept as evidence beside this ledger's \(mine.id.hex), and the author's further events are refused here")
                }
                forked(mine, peerID: theirs.id, &out)
                checkCaughtUp(&out)
            case .evidenceRefused(let message):
                throw SyncError(.invalidEvent, "the peer's fork evidence was refused: \(message)")
            }
        } catch let e as SyncError {
            fail(e, &out)
        } catch {
            fail(SyncError(.internalError, "\(error)"), &out)
        }
        return out
    }

    // MARK: Time

    /// The latest time the shell gave, and when the session started, last heard and last wrote.
    private var clock: Double = 0
    private var startedAt: Double?
    private var lastReceived: Double = 0
    private var lastSent: Double = 0

    private func tick(_ now: Double, _ out: inout [SyncAction]) throws {
        clock = now
        guard let started = startedAt else {
            startedAt = now; lastReceived = now; lastSent = now
            return
        }
        let t = config.timers
        if let h = t.handshake, phase.isHandshake, now - started >= h {
            throw SyncError(.idleTimeout, "the handshake did not complete within \(Self.seconds(h)) s")
        }
        if now - lastReceived >= t.idle {
            throw SyncError(.idleTimeout, "nothing from the peer for \(Self.seconds(t.idle)) s")
        }
        if phase == .syncing, now - lastSent >= t.keepalive {
            send(.ping, control: true, &out)
        }
    }

    static func seconds(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String((s * 10).rounded() / 10) }

    // MARK: Receiving

    /// Handles every complete frame received, unless the session is waiting for admission.
    private func drain(_ out: inout [SyncAction]) throws {
        while phase != .over, !phase.isAdmitting, let (length, body) = try decoder.next() {
            try receive(length: length, body: body, &out)
        }
    }

    private func receive(length: [UInt8], body: [UInt8], _ out: inout [SyncAction]) throws {
        let plain: [UInt8]
        if let receiveCipher {
            guard let p = receiveCipher.open(body, aad: length) else {
                throw SyncError(.decryptFailed, "a frame failed authentication (altered, replayed, reordered, or from another session)")
            }
            plain = p
        } else {
            plain = body
        }
        let message = try SyncMessage.decode(plain)
        if case .batch(_, let events) = message {
            let eventBytes = events.reduce(0) { $0 + $1.count }
            stats.controlBytesReceived += 4 + body.count - eventBytes
        } else {
            stats.controlBytesReceived += 4 + body.count
        }
        if case .error(let code, let text) = message {
            throw SyncError(SyncError.Code(rawValue: code) ?? .internalError, text, fromPeer: true)
        }
        switch (phase, message) {
        case (.hello(let myHello), .hello(let h)):
            try receiveHello(h, body: plain, myHello: myHello, &out)
        case (.auth(let transcript), .auth(let key, let sig)):
            try receiveAuth(key, sig, transcript: transcript, &out)
        case (.syncing, .frontier(let window, let tips)):
            guard !receivedFrontier else { throw SyncError(.protocolViolation, "a second FRONTIER") }
            receivedFrontier = true
            peerWindow = Int(min(max(window, 1), SyncLimits.maxWindow))
            if useRanges {
                guard tips.isEmpty else { throw SyncError(.protocolViolation, "a FRONTIER with entries in a session that reconciles by RANGES") }
                startSending([], &out)  // waits for the reconciliation if it is not complete
            } else {
                for t in tips { peerFrontier.tips[t.author] = .init(seq: t.seq, id: t.id) }
                if frontierDeferred {
                    // Only the client's authors: it needs our tips for those alone.
                    let mine = tips.compactMap { t in
                        localFrontier.tips[t.author].flatMap { m in m.id.map { SyncMessage.FrontierEntry(author: t.author, seq: m.seq, id: $0) } }
                    }
                    send(.frontier(window: config.window, tips: mine), control: true, &out)
                    frontierDeferred = false
                }
                startSending(tips, &out)
            }
        case (.syncing, .batch(let n, let raw)):
            guard receivedFrontier else { throw SyncError(.protocolViolation, "a BATCH before the FRONTIER") }
            guard !useRanges || reconciled else { throw SyncError(.protocolViolation, "a BATCH before the reconciliation by RANGES was complete") }
            guard n == expectedPeerBatch else { throw SyncError(.protocolViolation, "batch \(n) arrived where batch \(expectedPeerBatch) was due") }
            guard storing < Int(config.window) else {
                throw SyncError(.protocolViolation, "the peer sent more than \(config.window) batches without waiting for acknowledgements")
            }
            expectedPeerBatch += 1
            var events: [Event] = []
            for (i, bytes) in raw.enumerated() {
                do { events.append(try Event.decode(bytes)) }
                catch { throw SyncError(.invalidEvent, "event \(i + 1) of batch \(n) is not a valid event: \(error)") }
            }
            stats.eventsReceived += events.count
            storing += 1
            // The peer holds these: never send them back, even if a fetch runs before the
            // commit is answered (a refused batch ends the session, so this cannot mislead).
            for t in SyncMessage.FrontierEntry.tips(of: events) { learn(t) }
            out.append(.store(batch: n, events: events))
        case (.syncing, .ack(let n, _, _, let tips)):
            guard unacked > 0, n == nextBatch - UInt32(unacked) else { throw SyncError(.protocolViolation, "an ACK for batch \(n), which is not the oldest outstanding") }
            unacked -= 1
            for t in tips { learn(t) }
            pump(&out)
        case (.syncing, .done):
            guard !peerDone else { throw SyncError(.protocolViolation, "a second DONE") }
            peerDone = true
            checkCaughtUp(&out)
        case (.syncing, .ping):
            break
        case (.syncing, .ranges(let body)):
            try receiveRanges(body, &out)
        case (.syncing, .evidence(let bytes)):
            guard !useRanges || reconciled else { throw SyncError(.protocolViolation, "EVIDENCE before the reconciliation by RANGES was complete") }
            guard exchangeEvidence, receivedFrontier else { throw SyncError(.protocolViolation, "EVIDENCE where none was expected (before the FRONTIER, or without the evidence feature)") }
            let e: Event
            do { e = try Event.decode(bytes) } catch { throw SyncError(.invalidEvent, "the EVIDENCE is not a valid event: \(error)") }
            guard evidenceAnnounced.insert(e.author).inserted else {
                throw SyncError(.protocolViolation, "a second EVIDENCE for author \(e.author.raw.short()) (one per author per session)")
            }
            guard recordingEvidence < 64 else { throw SyncError(.protocolViolation, "more than 64 EVIDENCE messages waiting to be checked") }
            recordingEvidence += 1
            out.append(.recordEvidence(e))
        default:
            throw SyncError(.protocolViolation, "a \(message.name) message where none was expected")
        }
    }

    private var receivedFrontier = false

    private func receiveHello(_ h: SyncMessage.Hello, body: [UInt8], myHello: [UInt8], _ out: inout [SyncAction]) throws {
        guard h.version == SyncLimits.version else {
            // No keys will be agreed: the refusal goes in clear, so the peer can read it.
            let text = "this peer speaks Gloss sync version \(SyncLimits.version), not version \(h.version); upgrade the older side"
            out.append(.send(frame(SyncMessage.error(code: SyncError.Code.unsupportedVersion.rawValue, message: text).encoded(), control: true)))
            throw SyncError(.unsupportedVersion, text)
        }
        guard let shared = config.ephemeral.sharedSecret(with: h.ephemeral) else {
            throw SyncError(.badHandshake, "the peer's X25519 key is invalid")
        }
        let (clientHello, serverHello) = config.role == .client ? (myHello, body) : (body, myHello)
        let th = Handshake.transcript(clientHello: clientHello, serverHello: serverHello)
        let keys = Handshake.keys(sharedSecret: shared, transcript: th)
        sendCipher = FrameCipher(key: config.role == .client ? keys.clientToServer : keys.serverToClient)
        receiveCipher = FrameCipher(key: config.role == .client ? keys.serverToClient : keys.clientToServer)
        // Live mode when this side wants (client) or offers (server) it and the peer does too.
        watch = config.watch && SyncFeatures(rawValue: h.features).contains(.watch)
        exchangeEvidence = config.evidence && SyncFeatures(rawValue: h.features).contains(.evidence)
        useRanges = config.ranges && SyncFeatures(rawValue: h.features).contains(.ranges)
        phase = .auth(transcript: th)
        let sig = config.identity.sign(Handshake.authMessage(role: config.role, transcript: th))
        send(.auth(identity: config.identity.publicKey, signature: sig), control: true, &out)
    }

    private func receiveAuth(_ key: PublicKey, _ sig: [UInt8], transcript th: Hash32, _ out: inout [SyncAction]) throws {
        let peerRole: Handshake.Role = config.role == .client ? .server : .client
        guard key.verify(signature: sig[...], message: Handshake.authMessage(role: peerRole, transcript: th)) else {
            throw SyncError(.badHandshake, "the peer's AUTH signature does not verify: it does not hold the key it claims, or replayed an old handshake")
        }
        peerKey = key
        phase = .admitting(key: key)
        out.append(.admit(key))
    }

    /// The shell has opened the ledger: check the peer's key, then send our FRONTIER.
    private func admit(allowed: Set<PublicKey>, _ out: inout [SyncAction]) throws {
        guard let key = peerKey else { throw SyncError(.internalError, "admitted before AUTH") }
        switch config.role {
        case .server:
            // The same identity on another device (after `gloss key import`) is always allowed.
            guard allowed.contains(key) || key == config.identity.publicKey else {
                let text = "this server does not allow your key \(key.hex); ask its owner to run: gloss peer allow \(key.hex)"
                send(.error(code: SyncError.Code.notAllowed.rawValue, message: text), control: true, &out)
                throw SyncError(.notAllowed, "refused peer \(key.hex): not on the allow-list (to allow it: gloss peer allow \(key.hex))")
            }
        case .client:
            if let expect = config.expectKey {
                guard expect == key else {
                    send(.error(code: SyncError.Code.unexpectedKey.rawValue, message: "the client expected another server key"), control: true, &out)
                    throw SyncError(.unexpectedKey, "the server's key is \(key.hex), not the expected \(expect.hex): check HOST:PORT and --expect-key")
                }
            } else if !allowed.contains(key) && key != config.identity.publicKey {
                send(.error(code: SyncError.Code.unexpectedKey.rawValue, message: "the client does not know this server's key"), control: true, &out)
                throw SyncError(.unexpectedKey, "the server's key \(key.hex) is not on your allow-list: if it is the peer you meant, run `gloss peer allow \(key.hex)` or pass --expect-key \(key.hex)")
            }
        }
        phase = .syncing
        out.append(.authenticated(key))
        let tips = localFrontier.tips.sorted { $0.key < $1.key }.compactMap { k, t in
            t.id.map { SyncMessage.FrontierEntry(author: k, seq: t.seq, id: $0) }
        }
        if useRanges {
            // The window only; the entries are reconciled by RANGES, the client opening.
            send(.frontier(window: config.window, tips: []), control: true, &out)
            do {
                var r = try RangeReconciler(entries: tips)
                if config.role == .client { send(.ranges(try r.start()), control: true, &out) }
                reconciler = r
            } catch {
                throw SyncError(.internalError, "cannot reconcile this ledger's frontier: \(error)")
            }
        } else if config.role == .server && tips.count > SyncLimits.plainFrontierMaxEntries {
            frontierDeferred = true
        } else {
            send(.frontier(window: config.window, tips: tips), control: true, &out)
        }
    }

    /// A RANGES body from the peer: answer it; once the reconciliation is complete the peer
    /// frontier is ours with the differences applied, and sending may start.
    private func receiveRanges(_ body: [UInt8], _ out: inout [SyncAction]) throws {
        guard useRanges, var r = reconciler, !reconciled else {
            throw SyncError(.protocolViolation, "RANGES where none was expected (without the ranges feature, or after the reconciliation ended)")
        }
        do {
            if let reply = try r.receive(body) { send(.ranges(reply), control: true, &out) }
        } catch {
            throw SyncError(error.code == .protocolViolation ? .protocolViolation : .malformed, "RANGES: \(error.message)")
        }
        reconciler = r
        guard r.isComplete else { return }
        reconciled = true
        peerFrontier = localFrontier
        var differing: [SyncMessage.FrontierEntry] = []
        for (author, tip) in r.differences {
            switch tip {
            case .absent:
                peerFrontier.tips[author] = nil
            case .tip(let seq, let id):
                peerFrontier.tips[author] = .init(seq: seq, id: id)
                differing.append(.init(author: author, seq: seq, id: id))
            }
        }
        reconciler = nil  // its index is no longer needed
        startSending(differing.sorted { $0.author < $1.author }, &out)
    }

    /// The peer frontier is known: check the entries that may fork, then send.
    private func startSending(_ peerEntries: [SyncMessage.FrontierEntry], _ out: inout [SyncAction]) {
        guard receivedFrontier, !useRanges || reconciled, !readyToSend else { return }
        readyToSend = true
        findForks(peerEntries, &out)
    }

    /// Where the peer's tip is at or below ours for an author, our event at its seq must be its
    /// tip: when the ids differ the chains fork. Equal seqs are compared here; a shorter peer
    /// chain needs our event at its seq, looked up by the shell. Nothing is sent until then.
    private func findForks(_ tips: [SyncMessage.FrontierEntry], _ out: inout [SyncAction]) {
        var lookups: [SyncMessage.FrontierEntry] = []
        for t in tips {
            guard let mine = localFrontier.tips[t.author], mine.seq >= t.seq else { continue }
            if mine.seq == t.seq && mine.id == t.id { continue }
            lookups.append(t)
        }
        if lookups.isEmpty {
            pump(&out)
        } else {
            findingForks = true
            out.append(.findForks(lookups))
        }
    }

    /// `mine` is this side's event where the peer holds another (`peerID`): a fork. Reported
    /// once per author; its events from there on are withheld; with the evidence feature our
    /// event goes to the peer as EVIDENCE (once), and we wait for the peer's in return.
    private func forked(_ mine: Event, peerID: EventID?, _ out: inout [SyncAction]) {
        let a = mine.author, seq = mine.header.seq
        if forkedFrom[a] == nil {
            let theirs = peerID.map { "the peer \($0.short())" } ?? "the peer another event"
            stats.disagreements.append("author \(a.raw.short()) forked at seq \(seq): this side holds \(mine.id.short()), \(theirs); that author's events are not exchanged")
        }
        forkedFrom[a] = min(forkedFrom[a] ?? .max, seq)
        guard exchangeEvidence, !evidenceSent.contains(a) else { return }
        evidenceSent.insert(a)
        if !receivedEvidence(from: a) { awaitingEvidence.insert(a) }
        send(.evidence(event: mine.bytes), control: true, &out)
    }

    /// Whether the peer's EVIDENCE for `author` has been checked already.
    private func receivedEvidence(from author: PublicKey) -> Bool { evidenceReceived.contains(author) }
    private var evidenceReceived: Set<PublicKey> = []
    /// Authors the peer sent EVIDENCE for (once each).
    private var evidenceAnnounced: Set<PublicKey> = []

    private func learn(_ t: SyncMessage.FrontierEntry) {
        if (peerFrontier.tips[t.author]?.seq ?? 0) < t.seq { peerFrontier.tips[t.author] = .init(seq: t.seq, id: t.id) }
    }

    // MARK: Sending

    /// Asks for more events while the peer has room, or says DONE when all are acknowledged.
    private func pump(_ out: inout [SyncAction]) {
        guard phase == .syncing, readyToSend, !fetching, !findingForks else { return }
        if !exhausted {
            if unacked < peerWindow {
                fetching = true
                out.append(.fetch(peer: peerFrontier, forkedFrom: forkedFrom, maxEvents: SyncLimits.maxBatchEvents, maxBytes: SyncLimits.maxBatchBytes))
            }
            return
        }
        if unacked == 0 && !doneSent {
            doneSent = true
            send(.done(sent: UInt64(stats.eventsSent)), control: true, &out)
            checkCaughtUp(&out)
        }
    }

    private func sendBatch(_ events: [Event], _ out: inout [SyncAction]) {
        let n = nextBatch
        nextBatch += 1
        unacked += 1
        stats.batchesSent += 1
        stats.eventsSent += events.count
        for e in events { learn(.init(author: e.author, seq: e.header.seq, id: e.id)) }
        let body = SyncMessage.batch(number: n, events: events.map(\.bytes)).encoded()
        let eventBytes = events.reduce(0) { $0 + $1.bytes.count }
        let f = frame(body, control: false)
        stats.controlBytesSent += f.count - eventBytes
        out.append(.send(f))
    }

    private func send(_ m: SyncMessage, control: Bool, _ out: inout [SyncAction]) {
        out.append(.send(frame(m.encoded(), control: control)))
    }

    /// Frames a message body, sealing it once keys are agreed.
    private func frame(_ body: [UInt8], control: Bool) -> [UInt8] {
        let bytes: [UInt8]
        if let sendCipher {
            let length = FrameDecoder.lengthPrefix(body.count + FrameCipher.tagSize)
            bytes = length + sendCipher.seal(body, aad: length)
        } else {
            bytes = FrameDecoder.lengthPrefix(body.count) + body
        }
        stats.bytesSent += bytes.count
        if control { stats.controlBytesSent += bytes.count }
        lastSent = clock
        return bytes
    }

    // MARK: Ending

    private func checkCaughtUp(_ out: inout [SyncAction]) {
        guard doneSent, peerDone, storing == 0, recordingEvidence == 0, awaitingEvidence.isEmpty, !caughtUpReported else { return }
        caughtUpReported = true
        if watch {
            out.append(.caughtUp(stats))
        } else {
            finish(&out)
        }
    }

    private func finish(_ out: inout [SyncAction]) {
        guard phase != .over else { return }
        phase = .over
        out.append(.finished(stats))
    }

    private func fail(_ e: SyncError, _ out: inout [SyncAction]) {
        guard phase != .over else { return }
        if !e.fromPeer, sendCipher != nil, ![.notAllowed, .unexpectedKey, .decryptFailed].contains(e.code) {
            send(.error(code: e.code.rawValue, message: e.message), control: true, &out)
        }
        phase = .over
        out.append(.failed(e, stats))
    }
}
