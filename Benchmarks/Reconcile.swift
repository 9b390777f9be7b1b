import Foundation
import GlossCore
import GlossSync

/// Range-based reconciliation of tip entries (Protocol/RECONCILE.md), two sides in process:
/// round trips, control bytes and time, against what two plain FRONTIERs would cost.
enum ReconcileBench {
    /// Authors 0..<n on both sides; `d` of them differ (missing on one side, a higher seq, or
    /// another id), spread evenly.
    static func pair(n: Int, differing d: Int) -> ([TipEntry], [TipEntry]) {
        func author(_ k: Int) -> PublicKey {
            var w = ByteWriter(); w.raw(Array("gloss/bench/reconcile".utf8)); w.u64(UInt64(k))
            return PublicKey(SHA256.hash(w.bytes))
        }
        func id(_ k: Int, _ v: UInt8) -> EventID {
            var w = ByteWriter(); w.u64(UInt64(k)); w.u8(v)
            return SHA256.hash(w.bytes)
        }
        let step = d > 0 ? max(1, n / d) : n + 1
        var a: [TipEntry] = [], b: [TipEntry] = []
        a.reserveCapacity(n); b.reserveCapacity(n)
        for k in 0..<n {
            let e = TipEntry(author: author(k), seq: 3, id: id(k, 0))
            guard k % step == 0, k / step < d else { a.append(e); b.append(e); continue }
            switch (k / step) % 3 {
            case 0: a.append(e)
            case 1: a.append(e); b.append(TipEntry(author: e.author, seq: 4, id: id(k, 1)))
            default: a.append(e); b.append(TipEntry(author: e.author, seq: 3, id: id(k, 2)))
            }
        }
        a.sort { $0.author < $1.author }; b.sort { $0.author < $1.author }
        return (a, b)
    }

    /// Reconciles and returns (messages, control bytes, seconds), checking both sides found `d`.
    static func once(_ a: [TipEntry], _ b: [TipEntry], d: Int) throws -> (messages: Int, bytes: Int, seconds: Double) {
        var messages = 0
        var bytes = 0
        let t = try seconds {
            var x = try RangeReconciler(entries: a), y = try RangeReconciler(entries: b)
            var body: [UInt8]? = try x.start()
            messages = 1
            while let m = body {
                body = messages % 2 == 1 ? try y.receive(m) : try x.receive(m)
                if body != nil { messages += 1 }
            }
            precondition(x.isComplete && y.isComplete, "the reconciliation did not complete")
            precondition(x.differences.count == d && y.differences.count == d, "found \(x.differences.count) and \(y.differences.count) differences, not \(d)")
            bytes = x.stats.controlBytes
        }
        return (messages, bytes, t)
    }

    static func run(_ table: Table, quick: Bool) throws {
        table.section("Range reconciliation of tip entries, in process (RECONCILE.md; control bytes count 21 B of frame, type and AEAD tag per message)")
        for n in quick ? [10, 1_000, 10_000] : [10, 1_000, 100_000, 1_000_000] {
            for d in [1, 100] where d <= n {
                let (a, b) = pair(n: n, differing: d)
                let r = try once(a, b, d: d)
                let frontier = 2 * (72 * n + 7 + 16 + 4)
                let fits = 72 * n + 7 + 16 <= 2 * 1024 * 1024 ? "" : ", over the 2 MiB frame"
                var note = String(format: "%d msgs (%d round trips), %.3f s; 2 FRONTIERs: %d B%@ (%.0f× more)",
                                  r.messages, (r.messages + 1) / 2, r.seconds, frontier, fits, Double(frontier) / Double(r.bytes))
                if n == 100_000, d == 1 { note += " (target ≤ 3,300 B, ≤ 6 msgs) " + verdict(r.bytes <= 3_300 && r.messages <= 6) }
                table.add("   \(n) authors, \(d) differing", Double(r.bytes), "bytes", note)
            }
        }
    }
}
