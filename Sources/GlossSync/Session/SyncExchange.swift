import GlossCore

/// What the handshake agreed: the features both sides set (SYNC.md §4).
struct AgreedFeatures: Sendable, Equatable {
    /// Live mode: the session stays open after catching up.
    var live = false
    /// Forks are exchanged as EVIDENCE (§7.1).
    var evidence = false
    /// FRONTIERs carry no entries and RANGES find the differences (§7.2).
    var ranges = false
    /// Erasures go ahead as ERASURE notices, erased events without payloads (§7.3).
    var erasures = false
}

/// The sync phase of a session (SYNC.md §7–§10), the data of `SyncSession.Phase.syncing`:
/// how the peer's frontier becomes known, the batches in flight each way, the forks found, and
/// whether both sides are done. Frames go out through the session's `SessionWire`; it never
/// touches a socket, a file or a clock.
struct SyncExchange {
    let role: Handshake.Role
    let agreed: AgreedFeatures
    /// Batches this side accepts in flight.
    let window: UInt16
    /// This side's frontier, read when the ledger was opened.
    let localFrontier: Frontier
    /// What the peer holds, as far as we know: its FRONTIER (or the reconciled one), then what
    /// it sent us and acknowledged.
    var peerFrontier = Frontier()

    /// How the peer's frontier becomes known.
    enum Reconciliation {
        /// FRONTIER entries. `deferred`: a server with many authors sends its own only after
        /// the client's, with the client's authors alone.
        case plain(deferred: Bool)
        /// RANGES are being exchanged (the FRONTIER carries the window only).
        case ranges(RangeReconciler)
        /// The peer's frontier is known.
        case complete
    }
    var reconciliation: Reconciliation
    var frontierReceived = false
    /// The peer frontier is known and the forks it shows are being looked up or were.
    var readyToSend = false

    var sending = Sending()
    var receiving = Receiving()
    var forks = Forks()
    var caughtUpReported = false
    /// ERASURE notices received this session (capped: each is kept for good).
    var noticesReceived = 0
    /// The session finished (both sides done, not live): the session ends it.
    var finished = false

    /// Batches this side sends and their acknowledgements.
    struct Sending {
        var peerWindow = Int(SyncLimits.defaultWindow)
        var nextBatch: UInt32 = 1
        var unacked = 0
        /// A `.fetch` is out; its `.outgoing` is awaited.
        var fetching = false
        /// The store had nothing more to send, for now.
        var exhausted = false
        var doneSent = false
    }

    /// Batches the peer sends, being stored.
    struct Receiving {
        var expectedBatch: UInt32 = 1
        var storing = 0
        var peerDone = false
    }

    /// Forked authors and the EVIDENCE exchanged for them (§7.1).
    struct Forks {
        /// Forked authors, from the seq where the peer's chain and ours part.
        var from: [PublicKey: UInt64] = [:]
        /// Until `.forksFound` answers, nothing is sent (the fork decides what may go).
        var finding = false
        var evidenceSent: Set<PublicKey> = []
        /// Authors we sent EVIDENCE for and whose twin the peer has not sent yet.
        var awaiting: Set<PublicKey> = []
        /// The peer's EVIDENCE being checked by the shell.
        var recording = 0
        /// Authors whose EVIDENCE from the peer has been checked.
        var received: Set<PublicKey> = []
        /// Authors the peer sent EVIDENCE for (once each).
        var announced: Set<PublicKey> = []
    }

    init(role: Handshake.Role, agreed: AgreedFeatures, window: UInt16, localFrontier: Frontier) {
        self.role = role; self.agreed = agreed; self.window = window; self.localFrontier = localFrontier
        reconciliation = .plain(deferred: false)
    }

    /// Everything either side sent is stored and every fork's evidence exchanged.
    var isComplete: Bool {
        sending.doneSent && receiving.peerDone && receiving.storing == 0 && forks.recording == 0 && forks.awaiting.isEmpty
    }

    private var reconciled: Bool { if case .complete = reconciliation { true } else { false } }

    // MARK: Starting

    /// The peer is admitted: send our FRONTIER (or open the reconciliation by RANGES).
    mutating func begin(_ wire: inout SessionWire, _ out: inout [SyncAction]) throws {
        let tips = localFrontier.tips.sorted { $0.key < $1.key }.compactMap { k, t in
            t.id.map { SyncMessage.FrontierEntry(author: k, seq: t.seq, id: $0) }
        }
        if agreed.ranges {
            // The window only; the entries are reconciled by RANGES, the client opening.
            wire.send(.frontier(window: window, tips: []), control: true, &out)
            do {
                var r = try RangeReconciler(entries: tips)
                if role == .client { wire.send(.ranges(try r.start()), control: true, &out) }
                reconciliation = .ranges(r)
            } catch {
                throw SyncError(.internalError, "cannot reconcile this ledger's frontier: \(error)")
            }
        } else if role == .server && tips.count > SyncLimits.plainFrontierMaxEntries {
            reconciliation = .plain(deferred: true)
        } else {
            wire.send(.frontier(window: window, tips: tips), control: true, &out)
        }
    }

    // MARK: Receiving

    /// A message of the sync phase from the peer.
    mutating func receive(_ message: SyncMessage, _ wire: inout SessionWire, _ out: inout [SyncAction]) throws {
        switch message {
        case .frontier(let peerWindow, let tips):
            guard !frontierReceived else { throw SyncError(.protocolViolation, "a second FRONTIER") }
            frontierReceived = true
            sending.peerWindow = Int(min(max(peerWindow, 1), SyncLimits.maxWindow))
            if agreed.ranges {
                guard tips.isEmpty else { throw SyncError(.protocolViolation, "a FRONTIER with entries in a session that reconciles by RANGES") }
                startSending([], &wire, &out)  // waits for the reconciliation if it is not complete
            } else {
                for t in tips { peerFrontier.tips[t.author] = .init(seq: t.seq, id: t.id) }
                if case .plain(deferred: true) = reconciliation {
                    // Only the client's authors: it needs our tips for those alone.
                    let mine = tips.compactMap { t in
                        localFrontier.tips[t.author].flatMap { m in m.id.map { SyncMessage.FrontierEntry(author: t.author, seq: m.seq, id: $0) } }
                    }
                    wire.send(.frontier(window: window, tips: mine), control: true, &out)
                }
                reconciliation = .complete
                startSending(tips, &wire, &out)
            }
        case .batch(let n, let raw):
            guard frontierReceived else { throw SyncError(.protocolViolation, "a BATCH before the FRONTIER") }
            guard reconciled else { throw SyncError(.protocolViolation, "a BATCH before the reconciliation by RANGES was complete") }
            guard n == receiving.expectedBatch else { throw SyncError(.protocolViolation, "batch \(n) arrived where batch \(receiving.expectedBatch) was due") }
            guard receiving.storing < Int(window) else {
                throw SyncError(.protocolViolation, "the peer sent more than \(window) batches without waiting for acknowledgements")
            }
            receiving.expectedBatch += 1
            var events: [Event] = []
            for (i, bytes) in raw.enumerated() {
                // Erased events (header ‖ signature) only where the erasures feature was agreed.
                do { events.append(try Event.decode(bytes, allowErased: agreed.erasures)) }
                catch { throw SyncError(.invalidEvent, "event \(i + 1) of batch \(n) is not a valid event: \(error)") }
            }
            wire.stats.eventsReceived += events.count
            receiving.storing += 1
            // The peer holds these: never send them back, even if a fetch runs before the
            // commit is answered (a refused batch ends the session, so this cannot mislead).
            for t in SyncMessage.FrontierEntry.tips(of: events) { learn(t) }
            out.append(.store(batch: n, events: events))
        case .ack(let n, _, _, let tips):
            guard sending.unacked > 0, n == sending.nextBatch - UInt32(sending.unacked) else {
                throw SyncError(.protocolViolation, "an ACK for batch \(n), which is not the oldest outstanding")
            }
            sending.unacked -= 1
            for t in tips { learn(t) }
            pump(&wire, &out)
        case .done:
            guard !receiving.peerDone else { throw SyncError(.protocolViolation, "a second DONE") }
            receiving.peerDone = true
            checkCaughtUp(wire, &out)
        case .ping:
            break
        case .ranges(let body):
            try receiveRanges(body, &wire, &out)
        case .erasure(let notice):
            guard agreed.erasures, frontierReceived else { throw SyncError(.protocolViolation, "ERASURE where none was expected (before the FRONTIER, or without the erasures feature)") }
            noticesReceived += 1
            guard noticesReceived <= SyncLimits.maxNoticesPerSession else {
                throw SyncError(.protocolViolation, "more than \(SyncLimits.maxNoticesPerSession) ERASURE notices in one session")
            }
            out.append(.recordNotice(notice))
        case .evidence(let bytes):
            guard reconciled || !agreed.ranges else { throw SyncError(.protocolViolation, "EVIDENCE before the reconciliation by RANGES was complete") }
            guard agreed.evidence, frontierReceived else { throw SyncError(.protocolViolation, "EVIDENCE where none was expected (before the FRONTIER, or without the evidence feature)") }
            let e: Event
            do { e = try Event.decode(bytes) } catch { throw SyncError(.invalidEvent, "the EVIDENCE is not a valid event: \(error)") }
            guard forks.announced.insert(e.author).inserted else {
                throw SyncError(.protocolViolation, "a second EVIDENCE for author \(e.author.raw.short()) (one per author per session)")
            }
            guard forks.recording < 64 else { throw SyncError(.protocolViolation, "more than 64 EVIDENCE messages waiting to be checked") }
            forks.recording += 1
            out.append(.recordEvidence(e))
        default:
            throw SyncError(.protocolViolation, "a \(message.name) message where none was expected")
        }
    }

    /// A RANGES body from the peer: answer it; once the reconciliation is complete the peer
    /// frontier is ours with the differences applied, and sending may start.
    private mutating func receiveRanges(_ body: [UInt8], _ wire: inout SessionWire, _ out: inout [SyncAction]) throws {
        guard agreed.ranges, case .ranges(var r) = reconciliation else {
            throw SyncError(.protocolViolation, "RANGES where none was expected (without the ranges feature, or after the reconciliation ended)")
        }
        reconciliation = .complete  // moves `r` out (no copy of its index); put back below while incomplete
        do {
            if let reply = try r.receive(body) { wire.send(.ranges(reply), control: true, &out) }
        } catch {
            throw SyncError(error.code == .protocolViolation ? .protocolViolation : .malformed, "RANGES: \(error.message)")
        }
        guard r.isComplete else {
            reconciliation = .ranges(r)
            return
        }
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
        startSending(differing.sorted { $0.author < $1.author }, &wire, &out)
    }

    /// Answer to `.stored`: acknowledge the batch.
    mutating func stored(batch n: UInt32, _ result: AppendResult, tips: [SyncMessage.FrontierEntry], _ wire: inout SessionWire, _ out: inout [SyncAction]) {
        receiving.storing -= 1
        wire.stats.eventsStored += result.stored.count
        wire.stats.alreadyHad += result.alreadyHad
        for t in tips { learn(t) }
        wire.send(.ack(number: n, stored: UInt32(result.stored.count), alreadyHad: UInt32(result.alreadyHad), tips: tips), control: true, &out)
        checkCaughtUp(wire, &out)
    }

    // MARK: Forks

    /// The peer frontier is known: check the entries that may fork, then send.
    private mutating func startSending(_ peerEntries: [SyncMessage.FrontierEntry], _ wire: inout SessionWire, _ out: inout [SyncAction]) {
        guard frontierReceived, reconciled, !readyToSend else { return }
        readyToSend = true
        // Where the peer's tip is at or below ours for an author, our event at its seq must be
        // its tip: when the ids differ the chains fork. Equal seqs are compared here; a shorter
        // peer chain needs our event at its seq, looked up by the shell. Nothing is sent until then.
        var lookups: [SyncMessage.FrontierEntry] = []
        for t in peerEntries {
            guard let mine = localFrontier.tips[t.author], mine.seq >= t.seq else { continue }
            if mine.seq == t.seq && mine.id == t.id { continue }
            lookups.append(t)
        }
        if lookups.isEmpty {
            pump(&wire, &out)
        } else {
            forks.finding = true
            out.append(.findForks(lookups))
        }
    }

    /// Answer to `.findForks`.
    mutating func forksFound(_ twins: [Event], _ wire: inout SessionWire, _ out: inout [SyncAction]) {
        forks.finding = false
        for mine in twins { forked(mine, peerID: peerFrontier.tips[mine.author]?.id, &wire, &out) }
        pump(&wire, &out)
    }

    /// Answer to `.recordEvidence`: the peer's evidence is kept.
    mutating func evidenceRecorded(_ theirs: Event, new: Bool, twin mine: Event, _ wire: inout SessionWire, _ out: inout [SyncAction]) {
        forks.recording -= 1
        forks.received.insert(theirs.author)
        forks.awaiting.remove(theirs.author)
        if new {
            wire.stats.forksRecorded.append("author \(theirs.author.hex) forked its chain at seq \(theirs.header.seq): the peer's event \(theirs.id.hex) is kept as evidence beside this ledger's \(mine.id.hex), and the author's further events are refused here")
        }
        forked(mine, peerID: theirs.id, &wire, &out)
        checkCaughtUp(wire, &out)
    }

    /// `mine` is this side's event where the peer holds another (`peerID`): a fork. Reported
    /// once per author; its events from there on are withheld; with the evidence feature our
    /// event goes to the peer as EVIDENCE (once), and we wait for the peer's in return.
    private mutating func forked(_ mine: Event, peerID: EventID?, _ wire: inout SessionWire, _ out: inout [SyncAction]) {
        let a = mine.author, seq = mine.header.seq
        if forks.from[a] == nil {
            let theirs = peerID.map { "the peer \($0.short())" } ?? "the peer another event"
            wire.stats.disagreements.append("author \(a.raw.short()) forked at seq \(seq): this side holds \(mine.id.short()), \(theirs); that author's events are not exchanged")
        }
        forks.from[a] = min(forks.from[a] ?? .max, seq)
        guard agreed.evidence, !forks.evidenceSent.contains(a) else { return }
        forks.evidenceSent.insert(a)
        if !forks.received.contains(a) { forks.awaiting.insert(a) }
        wire.send(.evidence(event: mine.bytes), control: true, &out)
    }

    private mutating func learn(_ t: SyncMessage.FrontierEntry) {
        if (peerFrontier.tips[t.author]?.seq ?? 0) < t.seq { peerFrontier.tips[t.author] = .init(seq: t.seq, id: t.id) }
    }

    // MARK: Sending

    /// Answer to `.fetch`: the notices go first, so the peer holds them before any event they name.
    mutating func outgoing(_ events: [Event], notices: [[UInt8]], exhausted: Bool, _ wire: inout SessionWire, _ out: inout [SyncAction]) {
        sending.fetching = false
        sending.exhausted = exhausted
        for n in notices where agreed.erasures { wire.send(.erasure(notice: n), control: true, &out) }
        if !events.isEmpty { sendBatch(events, &wire, &out) }
        pump(&wire, &out)
    }

    /// Live mode: new local events may be sent.
    mutating func localEventsAppeared(_ wire: inout SessionWire, _ out: inout [SyncAction]) {
        guard agreed.live else { return }
        sending.exhausted = false
        pump(&wire, &out)
    }

    /// Asks for more events while the peer has room, or says DONE when all are acknowledged.
    private mutating func pump(_ wire: inout SessionWire, _ out: inout [SyncAction]) {
        guard readyToSend, !sending.fetching, !forks.finding, !finished else { return }
        if !sending.exhausted {
            if sending.unacked < sending.peerWindow {
                sending.fetching = true
                out.append(.fetch(peer: peerFrontier, forkedFrom: forks.from, maxEvents: SyncLimits.maxBatchEvents,
                                  maxBytes: SyncLimits.maxBatchBytes, erasures: agreed.erasures))
            }
            return
        }
        if sending.unacked == 0 && !sending.doneSent {
            sending.doneSent = true
            wire.send(.done(sent: UInt64(wire.stats.eventsSent)), control: true, &out)
            checkCaughtUp(wire, &out)
        }
    }

    private mutating func sendBatch(_ events: [Event], _ wire: inout SessionWire, _ out: inout [SyncAction]) {
        let n = sending.nextBatch
        sending.nextBatch += 1
        sending.unacked += 1
        wire.stats.batchesSent += 1
        wire.stats.eventsSent += events.count
        for e in events { learn(.init(author: e.author, seq: e.header.seq, id: e.id)) }
        let body = SyncMessage.batch(number: n, events: events.map(\.bytes)).encoded()
        let eventBytes = events.reduce(0) { $0 + $1.bytes.count }
        let f = wire.frame(body, control: false)
        wire.stats.controlBytesSent += f.count - eventBytes
        out.append(.send(f))
    }

    // MARK: Ending

    /// Both sides done: report it once; a session not in live mode then finishes.
    private mutating func checkCaughtUp(_ wire: SessionWire, _ out: inout [SyncAction]) {
        guard isComplete, !caughtUpReported else { return }
        caughtUpReported = true
        if agreed.live {
            out.append(.caughtUp(wire.stats))
        } else {
            finished = true
        }
    }
}
