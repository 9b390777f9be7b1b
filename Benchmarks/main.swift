import Foundation
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore
import GlossSync
import GlossTestSupport

// `make bench`: Gloss's speed as ratios against the machine's own limits, measured in this run
// on this machine. Figures, targets and what bounds each: README.md §Performance.

struct Options {
    var n = 100_000
    var quick = false
    var json: String?
    var skipMemory = false
    /// Only build the workload and replay it this many times (for a profiler).
    var profileReplay = 0
    /// Only build the workload and rebuild its projection this many times (for a profiler).
    var profileRebuild = 0
    /// Ledger sizes for the everyday commands (the first and last are compared).
    var everydaySizes = [1_000, 100_000, 1_000_000]
    /// Only run the reconciliation section.
    var reconcileOnly = false
    /// Only the machine's limits and the sync of N events between two processes (for a profiler).
    var syncOnly = false
    /// Only `gloss web`: the API against the library, the article page, readers and writers.
    var webOnly = false
    init(_ args: [String]) {
        var it = args.makeIterator()
        while let a = it.next() {
            switch a {
            case "--quick": quick = true; n = 3_000
            case "--n": n = max(1_000, Int(it.next() ?? "") ?? n)
            case "--json": json = it.next()
            case "--no-memory": skipMemory = true
            case "--profile-replay": profileReplay = Int(it.next() ?? "") ?? 1
            case "--profile-rebuild": profileRebuild = Int(it.next() ?? "") ?? 1
            case "--reconcile": reconcileOnly = true
            case "--sync": syncOnly = true
            case "--web": webOnly = true
            case "--everyday": everydaySizes = (it.next() ?? "").split(separator: ",").compactMap { Int($0) }.filter { $0 >= 100 }
            case "--help", "-h":
                print("""
                    usage: Benchmarks [--quick] [--n N] [--json FILE] [--no-memory]
                      --quick      a smoke run on a few thousand events (the test suite runs it)
                      --n N        events in the workload (default 100000); memory also runs 4N
                      --json FILE  also write the figures to FILE
                      --everyday A,B,…  ledger sizes for the everyday commands (default 1000,100000,1000000)
                      --reconcile  only the range reconciliation of tip entries
                      --sync       only the machine's limits and the sync of N events
                      --web        only gloss web (API vs library, a 500-annotation page, 50 readers + 5 writers)
                    """)
                exit(0)
            default:
                FileHandle.standardError.write(Data("Benchmarks: unknown option \(a); see --help\n".utf8))
                exit(2)
            }
        }
    }
}

let opts = Options(Array(CommandLine.arguments.dropFirst()))
let n = opts.n
let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("gloss-bench-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: tmp) }
let glossBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gloss").path
let table = Table()
print("Gloss benchmarks: N = \(n) events, \(Parallel.cores) cores\(opts.quick ? " (quick)" : "")")

let seedPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("seeds/000_250678edc94afa10.txt").path
if opts.webOnly {
    try WebBench.run(table, tmp: tmp, seedPath: seedPath, quick: opts.quick)
    if let path = opts.json { try table.write(json: path) }
    exit(0)
}

if opts.reconcileOnly {
    try ReconcileBench.run(table, quick: opts.quick)
    try ManyAuthorsBench.run(table, tmp: tmp, quick: opts.quick)
    exit(0)
}

if opts.profileRebuild > 0 {
    let log = try EventLog(path: tmp + "/profile.sqlite", create: true)
    _ = try Workload.append(into: log, n: n, authors: 4)
    for _ in 0..<opts.profileRebuild {
        let t = try seconds { try log.rebuildProjection() }
        print(String(format: "rebuild: %.0f events/s", Double(n) / t))
    }
    exit(0)
}

if opts.profileReplay > 0 {
    let log = try EventLog(path: tmp + "/profile.sqlite", create: true)
    _ = try Workload.append(into: log, n: n, authors: 4)
    for _ in 0..<opts.profileReplay {
        var r: LogReplay?
        let apply = try seconds { r = try log.replay(.all) }
        let write = try seconds { _ = try r?.state.snapshotHash(heads: r?.heads ?? [], eventCount: r?.count ?? 0) }
        print(String(format: "replay: %.0f events/s (apply %.3f s, snapshot %.3f s)", Double(n) / (apply + write), apply, write))
    }
    exit(0)
}

// MARK: The machine's limits, this run
table.section("Machine limits (this run)")
let rawSign = Machine.signRate(opts.quick ? 2_000 : 30_000)
table.add("raw Ed25519 sign, 1 core (libcrypto)", rawSign, "ops/s")
let rawVerify = Machine.verifyRate(opts.quick ? 1_000 : 15_000)
table.add("raw Ed25519 verify, 1 core (libcrypto)", rawVerify, "ops/s")
let rawVerifyAll = Machine.verifyRateAllCores(opts.quick ? 2_000 : 40_000)
table.add("raw Ed25519 verify, all \(Parallel.cores) cores", rawVerifyAll, "ops/s")

// MARK: 1. Bulk append
table.section("Gloss")
let source = try EventLog(path: tmp + "/source.sqlite", create: true)
let appendSeconds = try Workload.append(into: source, n: n, authors: 4)
let appendRate = Double(n) / appendSeconds
table.add("1. bulk append, signed events/s", appendRate, "events/s", String(format: "÷ raw sign = %.2f (target ≥ 1.6) %@", appendRate / rawSign, verdict(appendRate / rawSign >= 1.6)))
let events = try source.allEvents()
let storedBytes = events.reduce(0) { $0 + $1.bytes.count }
let sqlite = Machine.sqliteRates(path: tmp + "/raw.sqlite", n: opts.quick ? 3_000 : 50_000, rowBytes: storedBytes / events.count)
table.add("raw SQLite insert, rows of event size", sqlite.insert, "rows/s", "(\(storedBytes / events.count) B rows, 1,000 per transaction)")
table.add("raw SQLite scan, rows of event size", sqlite.scan, "rows/s")

// MARK: 2. Ingest
let bundle = Bundle.encode(events)
let ingestLog = try EventLog(path: tmp + "/ingest.sqlite", create: true)
let ingestSeconds = try seconds { _ = try BundleExchange.import(bundle, into: ingestLog) }
let ingestRate = Double(n) / ingestSeconds
table.add("2. ingest (bundle import: verify and store)", ingestRate, "events/s", String(format: "÷ raw verify = %.2f (target ≥ 1.7) %@", ingestRate / rawVerify, verdict(ingestRate / rawVerify >= 1.7)))

// MARK: 3. Replay
// The fast replay (gloss verify, snapshot --at): every stored event read in place, to the hash.
var snapshotHash = Hash32.zero
let replaySeconds = try seconds {
    guard let r = try ingestLog.replay(.all) else { fatalError("the log did not replay") }
    snapshotHash = try r.state.snapshotHash(heads: r.heads, eventCount: r.count)
}
let replayRate = Double(n) / replaySeconds
table.add("3. replay, SQLite to snapshot hash", replayRate, "events/s", String(format: "÷ raw SQLite scan = %.3f (target ≥ 1,000,000/s) %@", replayRate / sqlite.scan, verdict(replayRate >= 1_000_000)))
let projectedHash = try ingestLog.snapshotHash()
precondition(snapshotHash == projectedHash, "the fast replay's snapshot differs from the projection's")
let rebuildSeconds = try seconds { try ingestLog.rebuildProjection() }
table.add("   rebuild of the projection from the log", Double(n) / rebuildSeconds, "events/s", "(once, when a ledger's projection is missing or of another format)")
let rebuiltHash = try ingestLog.snapshotHash()
precondition(snapshotHash == rebuiltHash, "the rebuilt projection's snapshot differs from the replay's")
// What erasure costs (MERGE.md §19): zeroing what rows lose (secure_delete) on every ingest, and
// one erasure, which rebuilds the projection without the erased text.
let plainLog = try EventLog(path: tmp + "/ingest-plain.sqlite", create: true, secureDelete: false)
let plainSeconds = try seconds { _ = try BundleExchange.import(bundle, into: plainLog) }
table.add("   ingest with secure_delete ÷ without", plainSeconds / ingestSeconds, "ratio",
          String(format: "(%.0f ÷ %.0f events/s; target ≥ 0.9) %@", ingestRate, Double(n) / plainSeconds, verdict(plainSeconds / ingestSeconds >= 0.9)))
let eraseKeys = (0..<4).map { _ in SigningKey() }
let eraseLog = try EventLog(path: tmp + "/erase.sqlite", create: true)
_ = try Workload.append(into: eraseLog, n: n, authors: 4, keys: eraseKeys)
var victim: AnnotationView?
try eraseLog.forEachAnnotation(article: nil, includeDeleted: true) { a in if victim == nil && a.author == eraseKeys[0].publicKey { victim = a } }
guard let victim else { fatalError("the workload made no annotation") }
let own = try eraseLog.history(of: victim.id).filter { $0.author == eraseKeys[0].publicKey }.map(\.id)
let eraseRebuild = try seconds { try eraseLog.rebuildProjection() }
let eraseSeconds = try seconds {
    _ = try eraseLog.appendOwn(key: eraseKeys[0], payload: .annotationErased(AnnotationErased(annotation: victim.id, article: victim.article,
                                                                                             replyTo: nil, events: own)), time: 1)
}
let cut = try eraseLog.event(victim.id)?.isErased == true
precondition(cut, "the erasure did not cut the payload")
table.add("   erase one annotation (\(own.count) events), \(n) in the ledger", eraseSeconds * 1000, "ms",
          String(format: "÷ rebuild of the projection = %.2f (target ≤ 1.5: an erasure rebuilds it) %@", eraseSeconds / eraseRebuild, verdict(eraseSeconds / eraseRebuild <= 1.5)))
// 1 % more events, then open the ledger and read one annotation: the projection is current.
_ = try Workload.append(into: ingestLog, n: max(10, n / 100), authors: 1)
let openSeconds = try seconds {
    let reopened = try EventLog(path: tmp + "/ingest.sqlite")
    precondition(reopened.projectionRepair == .current, "the projection was not kept up to date by the append")
    _ = try reopened.heads()
}
table.add("   open after appending 1 % more ÷ full replay", openSeconds / replaySeconds, "ratio", "(target ≤ 0.01) \(verdict(openSeconds / replaySeconds <= 0.01))")

// MARK: 4. Sync between two real processes
func makeLedger(_ name: String) throws -> Ledger { try Ledger.create(at: tmp + "/" + name) }
let serverLedger = try makeLedger("server")
_ = try BundleExchange.import(bundle, into: serverLedger.log)

/// Serves `ledger`, syncs a fresh client ledger from it; returns (seconds, client output, client RSS, server RSS).
func syncOnce(_ server: Ledger, clientName: String) throws -> (seconds: Double, out: String, clientRSS: Int, serverRSS: Int, cpu: Double, clientWritten: Int) {
    let client = try makeLedger(clientName)
    try server.log.allowPeer(client.key.publicKey, name: "bench")
    let env = ["HOME": tmp, "PATH": "/usr/bin:/bin"]
    let serve = try GlossProcess(glossBinary, ["--ledger", server.folder, "serve", "--listen", "127.0.0.1:0"], env: env, stdoutPath: tmp + "/serve-\(clientName).out")
    var port = ""
    for _ in 0..<200 {
        if let line = serve.output.split(separator: "\n").first, let r = line.range(of: "127.0.0.1:"), let e = line.range(of: " as ") {
            port = String(line[r.upperBound..<e.lowerBound]); break
        }
        usleep(25_000)
    }
    precondition(!port.isEmpty, "the server did not start: \(serve.errors)")
    var out = "", clientRSS = 0, clientCPU = 0.0, clientWritten = 0
    let t = try seconds {
        let sync = try GlossProcess(glossBinary, ["--ledger", client.folder, "sync", "127.0.0.1:\(port)", "--expect-key", server.key.publicKey.hex], env: env, stdoutPath: tmp + "/sync-\(clientName).out")
        let r = sync.wait()
        precondition(r.status == 0, "sync failed: \(sync.errors)")
        out = sync.output
        clientRSS = r.maxRSS
        clientCPU = r.cpu
        clientWritten = r.written
    }
    serve.signal(SIGTERM)
    let s = serve.wait()
    return (t, out, clientRSS, s.maxRSS, clientCPU + s.cpu, clientWritten)
}

let first = try syncOnce(serverLedger, clientName: "client")
let syncRate = Double(n) / first.seconds
table.add("4. sync, two processes over loopback", syncRate, "events/s", String(format: "÷ ingest = %.2f (target ≥ 0.9) %@", syncRate / ingestRate, verdict(syncRate / ingestRate >= 0.9)))
table.add("   sync ÷ verify on all cores", syncRate / rawVerifyAll, "ratio", String(format: "(%.0f ÷ %.0f; target ≥ 0.85) %@", syncRate, rawVerifyAll, verdict(syncRate / rawVerifyAll >= 0.85)))
table.add("   CPU of both processes ÷ (wall × cores)", first.cpu / (first.seconds * Double(Parallel.cores)), "ratio", String(format: "(%.1f s of CPU in %.1f s; 1 = every core busy)", first.cpu, first.seconds))
table.add("   client's storage writes ÷ stored event bytes", Double(first.clientWritten) / Double(storedBytes), "ratio", "(the log, its indexes and the projection, written through the WAL)")
if opts.syncOnly { exit(0) }
let bytesIn = first.out.split(separator: "\n").first { $0.contains("bytes in") }.flatMap { line in
    line.split(separator: ",").last?.split(separator: " ").first.flatMap { Int($0) }
} ?? 0
let wireRatio = (Double(bytesIn) / Double(n)) / (Double(storedBytes) / Double(n))
table.add("   wire bytes per event ÷ stored bytes per event", wireRatio, "ratio", String(format: "(%.0f ÷ %.0f B; target ≤ 1.05) %@", Double(bytesIn) / Double(n), Double(storedBytes) / Double(n), verdict(wireRatio <= 1.05)))

// MARK: 5. Reconciliation after append-only divergence
let a = try LocalSyncSide(path: tmp + "/rec-a.sqlite"), b = try LocalSyncSide(path: tmp + "/rec-b.sqlite")
_ = try BundleExchange.import(bundle, into: a.log)
_ = try BundleExchange.import(bundle, into: b.log)
_ = try Workload.append(into: a.log, n: 10, authors: 1)
_ = try Workload.append(into: b.log, n: 10, authors: 1)
try a.begin(role: .client, allow: [b.key.publicKey])
try b.begin(role: .server, allow: [a.key.publicKey])
var flightOfFirstBatch = 0
LocalSyncSide.exchange(a, b) { flight in
    if flightOfFirstBatch == 0, a.session.stats.batchesSent + b.session.stats.batchesSent > 0 { flightOfFirstBatch = flight }
}
let handshakeFlights = 2
let recStats = [a.finished, b.finished].compactMap { $0 }
precondition(recStats.count == 2, "reconciliation did not finish")
let resent = recStats.map(\.alreadyHad).reduce(0, +)
let control = recStats.map(\.controlBytesSent).max() ?? 0
table.add("5. reconciliation: round trips before data flows", Double(flightOfFirstBatch - handshakeFlights), "round trips", "(after the 2-flight handshake; target 1) \(verdict(flightOfFirstBatch - handshakeFlights == 1))")
table.add("   control bytes (per side, handshake included)", Double(control), "bytes", "(target ≤ 1,024) \(verdict(control <= 1024))")
table.add("   events re-sent", Double(resent), "events", "(target 0) \(verdict(resent == 0))")
try ManyAuthorsBench.run(table, tmp: tmp, quick: opts.quick)

// MARK: 6. Memory while syncing N and 4N
table.section("Peak resident memory while syncing (VmHWM of each process)")
table.add("6. server, N events", Double(first.serverRSS) / 1_048_576, "MiB", "(target ≤ 64) \(verdict(first.serverRSS <= 64 << 20))")
table.add("   client, N events (sync, then snapshot)", Double(first.clientRSS) / 1_048_576, "MiB", "(target ≤ 64) \(verdict(first.clientRSS <= 64 << 20))")
if !opts.skipMemory {
    let big = try makeLedger("server4n")
    _ = try BundleExchange.import(bundle, into: big.log)
    _ = try Workload.append(into: big.log, n: 3 * n, authors: 4)
    let four = try syncOnce(big, clientName: "client4n")
    table.add("   server, 4N events", Double(four.serverRSS) / 1_048_576, "MiB", String(format: "(4N ÷ N = %.2f; flat is ≈ 1) %@", Double(four.serverRSS) / Double(first.serverRSS), verdict(four.serverRSS <= 64 << 20 && Double(four.serverRSS) / Double(first.serverRSS) < 1.3)))
    table.add("   client, 4N events (sync, then snapshot)", Double(four.clientRSS) / 1_048_576, "MiB", String(format: "(4N ÷ N = %.2f; target ≤ 64 MiB and ≤ 1.1) %@", Double(four.clientRSS) / Double(first.clientRSS), verdict(four.clientRSS <= 64 << 20 && Double(four.clientRSS) / Double(first.clientRSS) <= 1.1)))
}

// MARK: 7. Everyday commands on ledgers of growing size
let sizes = opts.quick ? [1_000, 5_000] : opts.everydaySizes
table.section("Everyday commands, real gloss processes (median of \(opts.quick ? 3 : 7) runs; the same probe article of 50 annotations in each ledger)")
var probes: [Everyday.Probe] = []
for size in sizes {
    let built = try seconds { probes.append(try Everyday.build(at: tmp + "/everyday-\(size)", n: size)) }
    table.add("   ledger of \(size) events, built by appendOwn", Double(probes.last!.events) / built, "events/s", "(the real append path, projection maintained)")  // appended just above
}
let commands: [(String, (Everyday.Probe) -> [String])] = [
    ("show", { ["show", $0.annotation] }),
    ("history", { ["history", $0.annotation] }),
    ("list ARTICLE", { ["list", $0.article] }),
]
var worstRatio = 0.0, worstRSS = 0
for (name, args) in commands {
    var timesBySize: [Double] = []
    for probe in probes {
        let m = try Everyday.measure(glossBinary, probe, args(probe), runs: opts.quick ? 3 : 7, tmp: tmp)
        timesBySize.append(m.seconds)
        table.add("   \(name), \(probe.events) events", m.seconds * 1000, "ms", String(format: "peak %.1f MiB", Double(m.rss) / 1_048_576))
        if probe.events == probes.last?.events { worstRSS = max(worstRSS, m.rss) }
    }
    let ratio = (timesBySize.last ?? 0) / max(1e-9, timesBySize.first ?? 1)
    worstRatio = max(worstRatio, ratio)
    table.add("7. \(name): \(probes.last?.events ?? 0) ÷ \(probes.first?.events ?? 0) events (time)", ratio, "ratio", "(target ≤ 1.5) \(verdict(ratio <= 1.5))")
}
table.add("   peak RSS of show, history, list at \(probes.last?.events ?? 0) events", Double(worstRSS) / 1_048_576, "MiB", "(target ≤ 32) \(verdict(worstRSS <= 32 << 20))")
try ReconcileBench.run(table, quick: opts.quick)
try WebBench.run(table, tmp: tmp, seedPath: seedPath, quick: opts.quick)
print("\nsnapshot of the workload: \(snapshotHash.hex)")
if let path = opts.json { try table.write(json: path) }
