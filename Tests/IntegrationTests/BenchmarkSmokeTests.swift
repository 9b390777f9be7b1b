import Foundation
import Testing

/// `make bench ARGS=--quick` in the test suite, so the benchmark cannot rot: every figure of
/// the table must come out, as a number.
@Suite struct BenchmarkSmokeTests {
    @Test func quickBenchmarkPrintsEveryFigure() throws {
        let g = try GlossRunner()
        let bench = URL(fileURLWithPath: GlossRunner.binary).deletingLastPathComponent().appendingPathComponent("Benchmarks").path
        let json = g.home + "/bench.json"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bench)
        p.arguments = ["--quick", "--json", json]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(300)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [[String: Any]] ?? []
        let names = rows.compactMap { $0["name"] as? String }
        for prefix in ["raw Ed25519 sign", "raw Ed25519 verify", "raw SQLite insert", "raw SQLite scan",
                       "1. bulk append", "2. ingest", "3. replay", "   open after appending", "4. sync",
                       "   wire bytes", "5. reconciliation", "   control bytes", "   events re-sent",
                       "6. server, N", "   client, N", "   server, 4N", "   client, 4N",
                       "7. show", "7. history", "7. list ARTICLE", "   peak RSS of show"] {
            #expect(names.contains { $0.hasPrefix(prefix) }, "missing figure: \(prefix)")
        }
        #expect(rows.allSatisfy { ($0["value"] as? Double).map { $0.isFinite && $0 >= 0 } ?? false })
    }
}
