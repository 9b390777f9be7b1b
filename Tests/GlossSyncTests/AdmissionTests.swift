import GlossCore
import GlossStore
import GlossSync
import GlossTransport
import GlossTransport
import Testing
import GlossTestSupport

/// A server session asks for its ledger only after the peer proved its key, holds the peer's
/// frames meanwhile, and refuses as busy when the shell has no slot; retries back off.
@Suite struct AdmissionTests {
    func sends(_ actions: [SyncAction]) -> [[UInt8]] { actions.compactMap { if case .send(let b) = $0 { b } else { nil } } }

    /// Runs a client (in memory, with a ledger) against a bare server session up to the
    /// server's `.admit`; returns both and the frames the server has not yet been given.
    func handshake(_ dir: TempDir) throws -> (client: Side, server: SyncSession, admitted: [SyncAction]) {
        let client = try Side(dir, "client")
        let serverKey = SigningKey()
        let server = SyncSession(config: SyncSessionConfig(role: .server, identity: serverKey, allowed: []))
        try client.begin(role: .client, allow: [serverKey.publicKey])
        var toClient = sends(server.start())
        var admitted: [SyncAction] = []
        for _ in 0..<4 {
            for f in toClient { client.receive(f) }
            toClient = []
            let fromClient = client.outbox
            client.outbox = []
            for f in fromClient {
                let actions = server.handle(.received(f))
                toClient += sends(actions)
                admitted += actions.filter { if case .admit = $0 { true } else { false } }
            }
        }
        return (client, server, admitted)
    }

    @Test func noFrontierUntilTheShellAdmitsThePeer() throws {
        let dir = try TempDir()
        let (client, server, admits) = try handshake(dir)
        #expect(admits.count == 1, "one .admit, after the AUTH verified")
        // The client has sent its FRONTIER already; the server holds it until admitted.
        let out = server.handle(.admitted(frontier: Frontier(), allowed: [client.key.publicKey]))
        #expect(out.contains { if case .authenticated(let k) = $0 { k == client.key.publicKey } else { false } })
        #expect(out.contains { if case .fetch = $0 { true } else { false } }, "the held FRONTIER is read once admitted")
        #expect(!server.isOver)
    }

    @Test func anAllowListReadAtAdmissionDecides() throws {
        let dir = try TempDir()
        let (_, server, _) = try handshake(dir)
        let out = server.handle(.admitted(frontier: Frontier(), allowed: []))
        #expect(server.isOver)
        #expect(out.contains { if case .failed(let e, _) = $0 { e.code == .notAllowed } else { false } })
    }

    @Test func noSlotMeansASealedBusyRefusal() throws {
        let dir = try TempDir()
        let (client, server, _) = try handshake(dir)
        let out = server.handle(.overloaded("the server is busy (5 sessions at once); try again shortly"))
        #expect(out.contains { if case .failed(let e, _) = $0 { e.code == .overloaded } else { false } })
        for f in sends(out) { client.receive(f) }
        #expect(client.failure?.code == .overloaded && client.failure?.message.contains("busy") == true,
                "the client reads the sealed ERROR: \(String(describing: client.failure))")
    }

    /// A server session over `store` run against `client` for four flights (the handshake and
    /// admission; `allowing`: the server allows the client's key); how the server's session ended.
    func serverEnding(_ store: any SyncStore, allowing: Bool, _ client: Side,
                      admission: (@Sendable (PublicKey) -> String?)? = nil) throws -> SyncError? {
        final class Frames { var list: [[UInt8]] = [] }  // the test's one thread only
        let serverKey = SigningKey(), toClient = Frames()
        var ended: SyncError?
        let config = SyncSessionConfig(role: .server, identity: serverKey, allowed: allowing ? [client.key.publicKey] : [])
        let shell = SyncShell(session: SyncSession(config: config), store: AnySyncStore(store), admission: admission,
                              transmit: { toClient.list.append($0) }, deliver: { $0() })
        shell.onEnd = { _, e in ended = e }
        try client.begin(role: .client, allow: [serverKey.publicKey])
        shell.start()
        for _ in 0..<4 {
            let a = toClient.list, b = client.outbox
            toClient.list = []; client.outbox = []
            for f in a { client.receive(f) }
            for f in b { shell.feed(.received(f)) }
        }
        return ended
    }

    /// A stranger on a busy server is told it is not allowed (not "busy", which it would retry).
    @Test func theAllowListDecidesBeforeTheSlot() throws {
        let dir = try TempDir()
        let client = try Side(dir, "client")
        _ = try EventLog(path: dir.path + "/server.sqlite", create: true)
        let ended = try serverEnding(LedgerSyncStore(path: dir.path + "/server.sqlite", commit: .inline), allowing: false, client,
                                     admission: { _ in "the server is busy (0 sessions at once); try again shortly" })
        #expect(ended?.code == .notAllowed, "\(String(describing: ended))")
        #expect(client.failure?.code == .notAllowed)
    }

    /// A store that cannot be reached for now (a database restarting) tells the peer to try
    /// again (`overloaded`, which `gloss sync` retries), not that this side failed.
    @Test func anUnavailableStoreSaysTryAgain() throws {
        final class DownStore: SyncStore, @unchecked Sendable {  // used from the test's one thread
            func admit(own: PublicKey) throws -> (frontier: Frontier, peers: Set<PublicKey>) { throw StoreUnavailable("the hub's database is restarting") }
            func outgoing(peer: Frontier, forkedFrom: [PublicKey: UInt64], maxEvents: Int, maxBytes: Int, erasures: Bool) throws -> Outgoing { Outgoing(events: [], exhausted: true) }
            func recordNotice(_ bytes: [UInt8]) throws {}
            func forkTwins(of tips: [SyncMessage.FrontierEntry]) throws -> [Event] { [] }
            func recordEvidence(_ e: Event) throws -> EvidenceVerdict { .refused("no") }
            func store(_ events: [Event], done: @escaping @Sendable (StoreAnswer) -> Void) { done(.failed("down")) }
            func newEventsAppeared() -> Bool { false }
            func close() {}
        }
        let dir = try TempDir()
        let client = try Side(dir, "client")
        let ended = try serverEnding(DownStore(), allowing: true, client)
        #expect(ended?.code == .overloaded, "\(String(describing: ended))")
        #expect(client.failure?.code == .overloaded && client.failure?.message.contains("restarting") == true,
                "\(String(describing: client.failure))")
    }

    @Test func anEvictedPendingConnectionEnds() {
        let server = SyncSession(config: SyncSessionConfig(role: .server, identity: SigningKey(), allowed: []))
        _ = server.start()
        let out = server.handle(.evicted)
        #expect(server.isOver)
        #expect(out.contains { if case .failed(let e, _) = $0 { e.code == .overloaded } else { false } })
        #expect(sends(out).isEmpty, "before keys are agreed nothing is sent")
    }

    @Test func retriesBackOffWithJitterAndStop() {
        let p = RetryPolicy(retries: 5, base: 0.5, cap: 4)
        var last = 0.0
        for n in 1...5 {
            let low = p.delay(beforeRetry: n, random: 0)!, high = p.delay(beforeRetry: n, random: 0.999)!
            let exponential = min(4, 0.5 * Double(1 << (n - 1)))
            #expect(abs(low - exponential / 2) < 1e-9 && high <= exponential && high > low)
            #expect(high >= last, "delays do not shrink")
            last = high
        }
        #expect(p.delay(beforeRetry: 6, random: 0.5) == nil, "bounded")
        #expect(RetryPolicy(retries: 0).delay(beforeRetry: 1, random: 0.5) == nil, "--retries 0: never")
    }
}
