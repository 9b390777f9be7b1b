import GlossCore
import GlossStore
import GlossSync
import GlossTestSupport

/// A whole sync session (handshake, reconciliation, batches) in process between two ledgers of
/// `n` authors that agree on all but one: what the session costs in control bytes and round
/// trips, whatever the number of authors both already agree on (SYNC.md §7.2).
enum ManyAuthorsBench {
    static func run(_ table: Table, tmp: String, quick: Bool) throws {
        table.section("A sync session between ledgers of many authors differing in one (in process, real SQLite, RANGES)")
        for n in quick ? [1_000, 10_000] : [10_000, 100_000] {
            let payload = try Payload.unknown(kind: 900, body: [1]).encoded()
            let shared = Parallel.map(Array(0..<n), minimumPerThread: 256) { _ in
                Event.make(key: SigningKey(), seq: 1, prev: nil, lamport: 1, time: 0, deps: [], payload: payload)
            }
            let a = try LocalSyncSide(path: tmp + "/many-a-\(n).sqlite"), b = try LocalSyncSide(path: tmp + "/many-b-\(n).sqlite")
            try a.log.append(shared, signaturesChecked: true)
            try b.log.append(shared, signaturesChecked: true)
            _ = try a.log.appendOwn(key: a.key, payload: .unknown(kind: 900, body: [2]), time: 0)
            try a.begin(role: .client, allow: [b.key.publicKey])
            try b.begin(role: .server, allow: [a.key.publicKey])
            var firstBatch = 0
            LocalSyncSide.exchange(a, b) { flight in
                if firstBatch == 0, a.session.stats.batchesSent > 0 { firstBatch = flight }
            }
            guard let sa = a.finished, let sb = b.finished, sa.eventsSent == 1 else {
                table.add("   \(n) authors: the session failed", 0, "", "\(String(describing: a.failure ?? b.failure)) ✗")
                continue
            }
            // One flight carries each side's frames one way; the handshake takes two.
            let trips = Double(firstBatch - 2) / 2
            let control = sa.controlBytesSent + sb.controlBytesSent
            let plain = 2 * (4 + 7 + 72 * n + 16)
            table.add("   \(n) authors: control bytes, both ways, handshake included", Double(control), "bytes",
                      "(two plain FRONTIERs alone: \(plain); target ≤ 4,096) \(verdict(control <= 4096))")
            table.add("   \(n) authors: round trips before the event flows", trips, "round trips", "(after the handshake; target ≤ 3) \(verdict(trips <= 3))")
        }
    }
}
