import Foundation
import GlossCore
import GlossStore
import GlossSync
import Testing
import GlossTestSupport

/// The session state machine, driven without sockets.
@Suite struct SyncSessionTests {
    func pair(_ dir: TempDir) throws -> (Side, Side) {
        (try Side(dir, "client"), try Side(dir, "server"))
    }

    func start(_ c: Side, _ s: Side, window: UInt16 = SyncLimits.defaultWindow) throws {
        try c.begin(role: .client, allow: [s.key.publicKey])
        try s.begin(role: .server, allow: [c.key.publicKey], window: window)
    }

    @Test func appendOnlyDivergenceTakesOneRoundTripAndResendsNothing() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir)
        try c.append(300, tag: "shared")
        try s.log.append(try c.log.allEvents())
        try c.append(10, tag: "client")
        try s.append(10, tag: "server")
        try start(c, s)
        // Flights 1 and 2 are the handshake (HELLO, AUTH), flight 3 the frontiers; the first
        // batch must leave in the flight right after the frontiers arrive.
        var firstBatchFlight: Int?
        exchange(c, s) { flight in
            if firstBatchFlight == nil, c.session.stats.batchesSent + s.session.stats.batchesSent > 0 { firstBatchFlight = flight }
        }
        #expect(firstBatchFlight == 3, "frontiers travel in flight 3 and batches answer them at once")
        let cs = try #require(c.finished), ss = try #require(s.finished)
        #expect(cs.eventsSent == 10 && ss.eventsSent == 10)
        #expect(cs.alreadyHad == 0 && ss.alreadyHad == 0, "no event the other side had was sent")
        #expect(cs.controlBytesSent <= 1024 && ss.controlBytesSent <= 1024, "control bytes: \(cs.controlBytesSent), \(ss.controlBytesSent)")
        #expect(try c.log.count() == 320 && s.log.count() == 320)
        #expect(try c.log.frontier() == s.log.frontier())
    }

    @Test func aLargeSyncRespectsTheWindowAndConverges() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir)
        try c.append(3000, tag: "c")
        try start(c, s, window: 2)
        var maxInFlight = 0
        exchange(c, s) { _ in
            maxInFlight = max(maxInFlight, c.outbox.filter { $0.count > 2000 }.count)
        }
        #expect(c.finished != nil && s.finished != nil)
        #expect(try s.log.count() == 3000)
        #expect(maxInFlight <= 2, "never more batches in flight than the receiver's window")
        #expect(try s.log.verifyAll().isEmpty)
    }

    @Test func thirdPartyEventsAreRelayed() throws {
        let dir = try TempDir()
        let alice = try Side(dir, "alice"), bob = try Side(dir, "bob"), carol = try Side(dir, "carol")
        try alice.append(5, tag: "a")
        try bob.log.append(try alice.log.allEvents())
        try carol.begin(role: .client, allow: [bob.key.publicKey])
        try bob.begin(role: .server, allow: [carol.key.publicKey])
        exchange(carol, bob)
        #expect(try carol.log.count() == 5)
        #expect(try carol.log.allEvents().allSatisfy { $0.author == alice.key.publicKey && $0.hasValidSignature })
    }

    @Test func aPeerNotOnTheAllowListIsRefusedBeforeAnyEventMoves() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir)
        try c.append(3)
        try s.append(3)
        try c.begin(role: .client, allow: [s.key.publicKey])
        try s.begin(role: .server, allow: [])
        exchange(c, s)
        #expect(s.failure?.code == .notAllowed)
        #expect(c.failure?.code == .notAllowed && c.failure?.fromPeer == true)
        #expect(c.failure?.message.contains("gloss peer allow \(c.key.publicKey.hex)") == true)
        #expect(try c.log.count() == 3 && s.log.count() == 3)
        #expect(c.session.stats.eventsReceived == 0 && s.session.stats.eventsReceived == 0)
    }

    @Test func theClientChecksTheServersKey() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir)
        try c.begin(role: .client, allow: [])
        try s.begin(role: .server, allow: [c.key.publicKey])
        exchange(c, s)
        #expect(c.failure?.code == .unexpectedKey)
        #expect(c.failure?.message.contains("--expect-key") == true)
    }

    /// One author's key on two devices that both wrote offline: the chains fork at seq 2, with
    /// branches of equal or unequal length. Each side finds the fork from the frontiers, sends
    /// its own event at the compared seq as EVIDENCE, keeps the peer's as evidence, reports it
    /// once, withholds that branch (and an event of another author that depends on it), and
    /// the session finishes with every other event exchanged.
    @Test(arguments: [(1, 1), (3, 1), (1, 3)])
    func aForkIsRecordedOnBothSidesWhateverTheBranchLengths(clientBranch: Int, serverBranch: Int) throws {
        try fork(clientBranch: clientBranch, serverBranch: serverBranch, dependent: false)
        try fork(clientBranch: clientBranch, serverBranch: serverBranch, dependent: true)
    }

    func fork(clientBranch: Int, serverBranch: Int, dependent: Bool) throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir)
        let shared = SigningKey()
        let first = try c.log.appendOwn(key: shared, payload: .unknown(kind: 900, body: [0]), time: 0)
        try s.log.append([first])
        try c.append(2)
        for i in 0..<clientBranch { _ = try c.log.appendOwn(key: shared, payload: .unknown(kind: 900, body: [1, UInt8(i)]), time: 1) }
        for i in 0..<serverBranch { _ = try s.log.appendOwn(key: shared, payload: .unknown(kind: 900, body: [2, UInt8(i)]), time: 1) }
        // With `dependent`, the client's own next event names its branch of the forked author
        // as a dep: the server could not store it, so it is withheld too.
        if dependent { try c.append(1, tag: "after the fork") }
        try start(c, s)
        exchange(c, s)
        let label = "client branch \(clientBranch), server branch \(serverBranch), dependent \(dependent)"
        var (cs, ss) = (c.finished, s.finished)
        if dependent && clientBranch < serverBranch {
            // The shorter side cannot see the fork in the frontiers: it learns of it from the
            // server's EVIDENCE, which can arrive after it sent its dependent event. That batch
            // is refused (as before), but the evidence is kept, so the next session withholds
            // the branch from the start and completes.
            #expect(s.failure?.code == .invalidEvent, "\(label)")
            #expect(try c.log.forkedAuthors().keys.contains(shared.publicKey), "\(label): the client kept the evidence")
            let (c2, s2) = (try LocalSyncSide(path: dir.path + "/client.sqlite", key: c.key), try LocalSyncSide(path: dir.path + "/server.sqlite", key: s.key))
            try start(c2, s2)
            exchange(c2, s2)
            (cs, ss) = (c2.finished, s2.finished)
            #expect(cs?.forksRecorded.isEmpty == true && ss?.forksRecorded.count == 1, "\(label): the server records it now")
        } else {
            for stats in [cs, ss] {
                #expect(stats?.disagreements.count == 1 && stats?.disagreements[0].contains("forked at seq") == true, "\(label)")
                #expect(stats?.forksRecorded.count == 1, "\(label): each side learns of the fork and records it")
            }
        }
        let finished = try #require(cs, "\(label): the client finishes: \(String(describing: c.failure))")
        _ = try #require(ss, "\(label): the server finishes: \(String(describing: s.failure))")
        if clientBranch >= serverBranch {
            #expect(finished.eventsSent == 2 && finished.withheld == clientBranch + (dependent ? 1 : 0),
                    "\(label): the other author's events, not the branch nor what depends on it (\(finished))")
        }
        for side in [c, s] {
            #expect(try side.log.forkedAuthors().keys.contains(shared.publicKey), "\(label): evidence kept")
        }
        #expect(try s.log.count() == 1 + serverBranch + 2, "\(label)")
        // Another session finds the fork again but has nothing new to record.
        let (c3, s3) = (try LocalSyncSide(path: dir.path + "/client.sqlite", key: c.key), try LocalSyncSide(path: dir.path + "/server.sqlite", key: s.key))
        try start(c3, s3)
        exchange(c3, s3)
        let again = try #require(c3.finished, "\(label)")
        #expect(again.forksRecorded.isEmpty && again.eventsSent == 0, "\(label)")
    }

    /// A peer without the evidence feature gets today's behaviour: reported, not exchanged.
    @Test func withoutTheEvidenceFeatureAForkIsOnlyReported() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir)
        let shared = SigningKey()
        let first = try c.log.appendOwn(key: shared, payload: .unknown(kind: 900, body: [0]), time: 0)
        try s.log.append([first])
        _ = try c.log.appendOwn(key: shared, payload: .unknown(kind: 900, body: [1]), time: 1)
        _ = try s.log.appendOwn(key: shared, payload: .unknown(kind: 900, body: [2]), time: 1)
        try c.begin(role: .client, allow: [s.key.publicKey], evidence: false)
        try s.begin(role: .server, allow: [c.key.publicKey])
        exchange(c, s)
        let cs = try #require(c.finished)
        #expect(cs.disagreements.count == 1 && cs.forksRecorded.isEmpty)
        #expect(try c.log.forkedAuthors().isEmpty && s.log.forkedAuthors().isEmpty)
    }

    @Test func aVersionMismatchIsRefusedInClear() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir)
        try s.begin(role: .server, allow: [c.key.publicKey])
        var hello = SyncMessage.Hello(version: 9, features: 0, ephemeral: X25519KeyPair().publicKey, nonce: [UInt8](repeating: 1, count: 32))
        hello.version = 9
        let body = SyncMessage.hello(hello).encoded()
        s.receive(FrameDecoder.lengthPrefix(body.count) + body)
        #expect(s.failure?.code == .unsupportedVersion)
        let reply = try #require(s.outbox.last)
        guard case .error(let code, let text) = try SyncMessage.decode(Array(reply.dropFirst(4))) else { Issue.record("no clear ERROR"); return }
        #expect(code == SyncError.Code.unsupportedVersion.rawValue && text.contains("version 1"))
    }

    @Test func bytesMayArriveOneAtATime() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir)
        try c.append(50)
        try start(c, s)
        var flights = 0
        while (!c.outbox.isEmpty || !s.outbox.isEmpty) && flights < 10_000 {
            flights += 1
            let fc = c.outbox.joined(), fs = s.outbox.joined()
            c.outbox = []; s.outbox = []
            for b in fc { s.receive([b]) }
            for b in fs { c.receive([b]) }
        }
        #expect(c.finished != nil && s.finished != nil)
        #expect(try s.log.count() == 50)
    }

    @Test func tamperedFramesCloseTheSession() throws {
        for tamper in ["flip", "replay", "reorder"] {
            let dir = try TempDir()
            let (c, s) = try pair(dir)
            try c.append(1500)
            try start(c, s)
            exchange(c, s, maxFlights: 3)  // handshake and frontiers done; batches pending
            var frames = c.outbox
            #expect(frames.count >= 2, "\(tamper): several batches in flight")
            c.outbox = []
            switch tamper {
            case "flip": frames[0][frames[0].count - 3] ^= 1
            case "replay": frames.append(frames[0])
            default: frames = [frames.last!] + frames.dropLast()
            }
            for f in frames { s.receive(f) }
            #expect(s.failure?.code == .decryptFailed, "\(tamper): \(String(describing: s.failure))")
            // Nothing from the bad frame on: a replay comes after the genuine frames, which stay.
            let expected = tamper == "replay" ? c.session.stats.eventsSent : 0
            #expect(try s.log.count() == expected, "\(tamper): nothing stored from the bad frame")
        }
    }

    @Test func aLocalStorageFailureIsNotBlamedOnThePeer() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir)
        try c.append(5)
        try start(c, s)
        exchange(c, s, maxFlights: 2)  // keys agreed, peers authenticated
        let actions = s.session.handle(.localFailure(message: "the ledger stayed locked for 10 s"))
        let failure = actions.compactMap { if case .failed(let e, _) = $0 { e } else { nil } }.first
        #expect(failure?.code == .internalError)
        #expect(failure?.code != .invalidEvent)
    }
}
