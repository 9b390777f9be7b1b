import GlossCore
import GlossSync
import GlossTestSupport
import Testing

/// Timeouts and keepalives decided by the session from the clock the shell passes in, tested
/// with a clock the test moves: no waiting.
@Suite struct SessionTimerTests {
    @Test func theHandshakeMustEndInTimeHoweverBytesTrickle() {
        var config = SyncSessionConfig(role: .server, identity: SigningKey(), allowed: [])
        config.timers = SessionTimers(idle: 30, keepalive: 10, handshake: 10)
        let server = SyncSession(config: config)
        _ = server.handle(.tick(now: 100))
        _ = server.start()
        // A valid HELLO, one byte every half second (it would take 41 s to arrive).
        let body = SyncMessage.hello(.init(version: 1, features: 0, ephemeral: X25519KeyPair().publicKey, nonce: [UInt8](repeating: 1, count: 32))).encoded()
        let hello = FrameDecoder.lengthPrefix(body.count) + body
        for (i, t) in stride(from: 100.5, to: 110, by: 0.5).enumerated() {
            _ = server.handle(.received([hello[i]]))
            _ = server.handle(.tick(now: t))
        }
        #expect(!server.isOver, "9.5 s in, still within the deadline")
        let out = server.handle(.tick(now: 110))
        #expect(server.isOver)
        #expect(out.contains { if case .failed(let e, _) = $0 { e.code == .idleTimeout && e.message.contains("handshake") } else { false } })
    }

    @Test func aSilentPeerIsCutOffAndALiveSessionPings() throws {
        let dir = try TempDir()
        let c = try Side(dir, "client"), s = try Side(dir, "server")
        let timers = SessionTimers(idle: 30, keepalive: 10)
        try c.begin(role: .client, allow: [s.key.publicKey], watch: true, timers: timers)
        try s.begin(role: .server, allow: [c.key.publicKey], watch: true, timers: timers)
        c.tick(0); s.tick(0)
        exchange(c, s)
        #expect(c.finished == nil && c.failure == nil, "live: caught up and still open")
        // Ten quiet seconds: the client pings; the server hears it at 15 s.
        c.tick(10)
        #expect(c.outbox.count == 1, "one PING")
        s.tick(15)
        for f in c.outbox { s.receive(f) }
        c.outbox = []
        s.tick(44.9)
        #expect(s.failure == nil, "heard from 15 s: not idle until 45 s")
        s.tick(45)
        #expect(s.failure?.code == .idleTimeout)
        // The client heard nothing since 0 (the server's pings are not delivered): idle at 30 s.
        c.tick(29.9)
        #expect(c.failure == nil)
        c.tick(30)
        #expect(c.failure?.code == .idleTimeout)
    }
}
