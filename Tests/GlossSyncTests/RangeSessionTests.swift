import GlossCore
import GlossStore
import GlossSync
import Testing
import GlossTestSupport

/// Sessions that reconcile by RANGES: the control bytes follow the differences, not the number
/// of authors both sides already agree on; a small client still uses the plain FRONTIER.
@Suite struct RangeSessionTests {
    let payload = try! Payload.unknown(kind: 900, body: [7]).encoded()

    /// `n` authors with one event each, the same on every ledger they are given to.
    func authors(_ n: Int) -> [Event] {
        (0..<n).map { _ in Event.make(key: SigningKey(), seq: 1, prev: nil, lamport: 1, time: 0, deps: [], payload: payload) }
    }

    func pair(_ dir: TempDir, shared: [Event]) throws -> (Side, Side) {
        let c = try Side(dir, "client"), s = try Side(dir, "server")
        try c.log.append(shared)
        try s.log.append(shared)
        return (c, s)
    }

    func run(_ c: Side, _ s: Side, clientRanges: Bool? = nil) throws -> (client: SyncStats, server: SyncStats, flights: Int) {
        try c.begin(role: .client, allow: [s.key.publicKey], ranges: clientRanges)
        try s.begin(role: .server, allow: [c.key.publicKey])
        let flights = exchange(c, s)
        let cs = try #require(c.finished, "client: \(String(describing: c.failure))")
        let ss = try #require(s.finished, "server: \(String(describing: s.failure))")
        return (cs, ss, flights)
    }

    @Test func manyAgreedAuthorsCostNothingAndTheDifferencesMove() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir, shared: authors(3000))
        try c.append(3, tag: "client only")
        try s.append(2, tag: "server only")
        let r = try run(c, s)
        #expect(r.client.eventsSent == 3 && r.client.eventsStored == 2)
        #expect(try c.log.count() == s.log.count())
        #expect(try c.log.snapshotHash() == s.log.snapshotHash())
        let control = r.client.controlBytesSent + r.client.controlBytesReceived
        #expect(control < 8 * 1024, "3,000 agreed authors, 2 differing: \(control) control bytes (two FRONTIERs: \(2 * 72 * 3000))")
    }

    @Test func nothingToSayIsCheap() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir, shared: authors(2000))
        let r = try run(c, s)
        #expect(r.client.eventsSent == 0 && r.client.eventsReceived == 0)
        #expect(r.client.controlBytesSent + r.client.controlBytesReceived < 1200)
    }

    @Test func aSmallClientUsesThePlainFrontierAndALargeServerAnswersOnlyItsAuthors() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir, shared: [])
        try s.log.append(authors(1500))
        try c.append(2)
        let r = try run(c, s)
        #expect(r.client.eventsSent == 2 && r.client.eventsStored == 1500)
        // The server's FRONTIER named only the client's author (which it lacks), not its 1,500
        // (108 KB): its control bytes are the batches' framing (4 bytes an event) and little else.
        #expect(r.server.controlBytesSent < 1500 * 4 + 1000, "the server's control bytes: \(r.server.controlBytesSent)")
        #expect(try c.log.snapshotHash() == s.log.snapshotHash())
    }

    @Test func aForkIsFoundThroughRanges() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir, shared: authors(100))
        let shared = SigningKey()
        let first = try c.log.appendOwn(key: shared, payload: .unknown(kind: 900, body: [0]), time: 0)
        try s.log.append([first])
        _ = try c.log.appendOwn(key: shared, payload: .unknown(kind: 900, body: [1]), time: 1)
        _ = try s.log.appendOwn(key: shared, payload: .unknown(kind: 900, body: [2]), time: 1)
        let r = try run(c, s)
        #expect(r.client.forksRecorded.count == 1 && r.server.forksRecorded.count == 1)
    }

    @Test func rangesMayBeRefusedByAnOlderPeer() throws {
        let dir = try TempDir()
        let (c, s) = try pair(dir, shared: authors(60))
        try c.append(1)
        try c.begin(role: .client, allow: [s.key.publicKey])
        try s.begin(role: .server, allow: [c.key.publicKey], ranges: false)
        exchange(c, s)
        #expect(c.finished?.eventsSent == 1, "falls back to the plain FRONTIER: \(String(describing: c.failure))")
    }
}
