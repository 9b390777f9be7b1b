import Foundation
import GlossCore
import GlossLedger
import GlossStore
import GlossSync

/// A temporary folder, removed when the value is released.
final class TempDir {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// One side of an in-memory sync: a real SQLite log, a pure session, and the shell's answers
/// done synchronously (no sockets, no threads), so tests can count flights and bytes.
final class Side {
    let key: SigningKey
    let log: EventLog
    var session: SyncSession!
    var cursor: Int64?
    var outbox: [[UInt8]] = []
    var sentMessages: [String] = []
    var finished: SyncStats?
    var failure: SyncError?
    var authenticated: PublicKey?

    init(_ dir: TempDir, _ name: String, key: SigningKey = SigningKey()) throws {
        self.key = key
        log = try EventLog(path: "\(dir.path)/\(name).sqlite", create: true)
    }

    func begin(role: Handshake.Role, allow: [PublicKey], watch: Bool = false, window: UInt16 = SyncLimits.defaultWindow) throws {
        var config = SyncSessionConfig(role: role, identity: key, allowed: Set(allow), watch: watch)
        config.window = window
        session = SyncSession(config: config, localFrontier: try log.frontier())
        perform(session.start())
    }

    func perform(_ actions: [SyncAction]) {
        var queue = actions[...]
        while let a = queue.popFirst() {
            switch a {
            case .send(let b): outbox.append(b)
            case .fetch(let peer, let maxEvents, let maxBytes):
                do {
                    if cursor == nil { cursor = try log.startRow(forPeer: peer) }
                    let r = try log.outgoing(after: cursor!, peer: peer, maxEvents: maxEvents, maxBytes: maxBytes)
                    cursor = r.lastRow
                    queue.append(contentsOf: session.handle(.outgoing(r.events, exhausted: r.exhausted)))
                } catch { queue.append(contentsOf: session.handle(.storeFailed(batch: 0, message: "\(error)"))) }
            case .store(let n, let events):
                do {
                    let r = try log.append(events.sorted { $0.header.lamport < $1.header.lamport })
                    var tips: [PublicKey: SyncMessage.FrontierEntry] = [:]
                    for e in events where (tips[e.author]?.seq ?? 0) < e.header.seq { tips[e.author] = .init(author: e.author, seq: e.header.seq, id: e.id) }
                    queue.append(contentsOf: session.handle(.stored(batch: n, result: r, tips: tips.values.sorted { $0.author < $1.author })))
                } catch { queue.append(contentsOf: session.handle(.storeFailed(batch: n, message: "\(error)"))) }
            case .authenticated(let k): authenticated = k
            case .caughtUp: break
            case .finished(let s): finished = s
            case .failed(let e, _): failure = e
            }
        }
    }

    func append(_ n: Int, tag: String = "x") throws {
        for i in 0..<n { _ = try log.appendOwn(key: key, payload: .unknown(kind: 900, body: Array("\(tag)\(i)".utf8)), time: Int64(i)) }
    }
}

/// Delivers everything each side has sent to the other, flight by flight (one flight = both
/// outboxes drained once), until both are quiet. Returns the number of flights.
@discardableResult
func exchange(_ a: Side, _ b: Side, maxFlights: Int = 10_000, onFlight: (Int) -> Void = { _ in }) -> Int {
    var flights = 0
    while (!a.outbox.isEmpty || !b.outbox.isEmpty) && flights < maxFlights {
        flights += 1
        let fromA = a.outbox, fromB = b.outbox
        a.outbox = []; b.outbox = []
        for f in fromA { b.perform(b.session.handle(.received(f))) }
        for f in fromB { a.perform(a.session.handle(.received(f))) }
        onFlight(flights)
    }
    return flights
}
