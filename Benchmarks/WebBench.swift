import Dispatch
import Foundation
import GlossCore
import GlossStore
import GlossWeb
import Logging
import Synchronization

/// `gloss web` measured in process over real HTTP/1.1 on loopback, against real SQLite
/// ledgers (issue 14): annotating through the API against the library call, an article page
/// of 500 annotations against the same bytes served as a file, and 50 readers with 5 writers.
enum WebBench {
    /// A `WebServer` running in this process until `stop()`.
    final class Running: @unchecked Sendable {  // `task` is set once, before any other thread reads it
        let port: Int
        let secret: String
        private var task: Task<Void, Never>?
        init(ledger: Ledger, fixed: [String: [UInt8]] = [:]) throws {
            let secret = WebServer.newSecret()
            var logger = Logger(label: "bench.web")
            logger.logLevel = .critical  // stopping by cancellation logs harmless errors
            let server = WebServer(ledger: WebLedger(ledger), sync: WebSync(serving: nil), host: "127.0.0.1", port: 0,
                                   secret: secret, logger: logger, fixedResponses: fixed)
            let bound = Mutex(0)
            let ready = DispatchSemaphore(value: 0)
            task = Task.detached { try? await server.run { p in bound.withLock { $0 = p }; ready.signal() } }
            guard ready.wait(timeout: .now() + 30) == .success else { throw HTTPClient.HTTPFailure("the web server did not start") }
            port = bound.withLock { $0 }
            self.secret = secret
        }
        func client() throws -> HTTPClient { let c = try HTTPClient(port: port); try c.login(secret: secret); return c }
        func stop() { task?.cancel() }
    }

    static func run(_ table: Table, tmp: String, seedPath: String, quick: Bool) throws {
        table.section("gloss web (in process, real SQLite files, HTTP/1.1 on loopback, one request at a time per connection)")
        let seed = try String(contentsOfFile: seedPath, encoding: .utf8)
        let added = ArticleAdded(title: "seed", source: "bench", text: seed)
        let sel = try QuoteMatcher(text: ArticleText(seed)).selector(start: 365, end: 370)
        let n = quick ? 40 : 300

        // 1. One annotation per call, each its own transaction with fsync: library, then HTTP.
        let lib = try Ledger.create(at: tmp + "/web-library")
        _ = try lib.log.appendOwn(key: lib.key, payload: .articleAdded(added), time: Clock.nowMillis())
        let tLibrary = try seconds {
            for i in 0..<n {
                _ = try lib.log.appendOwn(key: lib.key, payload: .annotationCreated(AnnotationCreated(
                    article: added.articleID, target: .text(sel), motivation: "commenting", body: "note \(i)", tags: [])), time: Clock.nowMillis())
            }
        }
        let api = try Ledger.create(at: tmp + "/web-api")
        _ = try api.log.appendOwn(key: api.key, payload: .articleAdded(added), time: Clock.nowMillis())
        let server = try Running(ledger: api)
        let c = try server.client()
        let tAPI = try seconds {
            for i in 0..<n {
                let r = try c.request("POST", "/api/annotations", json: "{\"article\":\"\(added.articleID.hex)\",\"start\":365,\"end\":370,\"exact\":\"Putin\",\"comment\":\"note \(i)\"}")
                guard r.status == 200 else { throw HTTPClient.HTTPFailure("POST /api/annotations: \(r.status) \(String(decoding: r.body, as: UTF8.self))") }
            }
        }
        let tRead = try seconds { for _ in 0..<n { _ = try c.request("GET", "/api/me") } }
        let tNothing = try seconds { for _ in 0..<n { _ = try c.request("GET", "/favicon.ico") } }
        server.stop()
        let ratio = tLibrary / tAPI
        table.add("annotate through the library call", Double(n) / tLibrary, "events/s", "(one event per transaction, fsync included)")
        table.add("annotate through POST /api/annotations", Double(n) / tAPI, "events/s",
                  String(format: "÷ library = %.2f (target ≥ 0.8) %@", ratio, verdict(ratio >= 0.8)))
        table.add("   a request that only reads (GET /api/me)", tRead / Double(n) * 1000, "ms", "(HTTP, the gate and the ledger's queue, per request)")
        table.add("   a request that reads nothing (GET /favicon.ico)", tNothing / Double(n) * 1000, "ms", "(HTTP and the gate alone)")

        // 2. An article page of 500 annotations, against the same bytes as a fixed file.
        let big = try Ledger.create(at: tmp + "/web-page")
        _ = try big.log.appendOwn(key: big.key, payload: .articleAdded(added), time: Clock.nowMillis())
        let matcher = QuoteMatcher(text: ArticleText(seed))
        var payloads: [Payload] = []
        for i in 0..<500 {
            let start = (i * 131) % (seed.unicodeScalars.count - 40)
            guard let s = try? matcher.selector(start: start, end: start + 12 + i % 20) else { continue }
            payloads.append(.annotationCreated(AnnotationCreated(article: added.articleID, target: .text(s), motivation: "commenting",
                                                                 body: "Note \(i): a comment of a few words on this passage.", tags: ["t\(i % 7)"])))
        }
        _ = try big.log.appendOwn(key: big.key, payloads: payloads, time: Clock.nowMillis())
        let first = try Running(ledger: big)
        let pagePath = "/api/articles/\(added.articleID.hex)"
        let bytes = try first.client().request("GET", pagePath).body
        first.stop()
        let page = try Running(ledger: big, fixed: ["/bench/page": bytes])
        let pc = try page.client()
        func median(_ path: String, _ runs: Int) throws -> Double {
            var times: [Double] = []
            for _ in 0..<runs {
                var status = 0
                times.append(try seconds { status = try pc.request("GET", path).status })
                guard status == 200 else { throw HTTPClient.HTTPFailure("GET \(path): \(status)") }
            }
            return times.sorted()[runs / 2]
        }
        _ = try median(pagePath, 3)
        // Cold: the page built again after an event (another annotation) arrived.
        var cold: [Double] = []
        for i in 0..<(quick ? 5 : 21) {
            _ = try pc.request("POST", "/api/annotations", json: "{\"article\":\"\(added.articleID.hex)\",\"start\":365,\"end\":370,\"exact\":\"Putin\",\"comment\":\"cold \(i)\"}")
            cold.append(try seconds { _ = try pc.request("GET", pagePath) })
        }
        let tCold = cold.sorted()[cold.count / 2]
        let tPage = try median(pagePath, quick ? 5 : 21), tFile = try median("/bench/page", quick ? 5 : 21)
        table.add("article page, 500 annotations, built (after an event)", tCold * 1000, "ms",
                  String(format: "median; %d bytes; target ≤ 50 ms %@", bytes.count, verdict(tCold <= 0.05)))
        table.add("   ÷ the same bytes served as a fixed file", tCold / tFile, "ratio", String(format: "(the file: %.3f ms)", tFile * 1000))
        table.add("   the page again, no event since (kept)", tPage * 1000, "ms", String(format: "÷ the file = %.2f", tPage / tFile))

        // 3. 50 connections reading the page, 5 writing annotations, at once.
        let duration = quick ? 3.0 : 30.0
        let results = Mutex<(reads: [Double], writes: [Double], errors: [String])>(([], [], []))
        let group = DispatchGroup()
        let deadline = DispatchTime.now() + duration
        for i in 0..<55 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let client = try page.client()
                    var times: [Double] = []
                    var k = 0
                    while DispatchTime.now() < deadline {
                        var status = 0
                        if i < 50 {
                            times.append(try seconds { status = try client.request("GET", pagePath).status })
                        } else {
                            k += 1
                            times.append(try seconds { status = try client.request("POST", "/api/annotations", json: "{\"article\":\"\(added.articleID.hex)\",\"start\":365,\"end\":370,\"exact\":\"Putin\",\"comment\":\"writer \(i) note \(k)\"}").status })
                        }
                        if status != 200 { results.withLock { $0.errors.append("HTTP \(status)") } }
                    }
                    results.withLock { if i < 50 { $0.reads += times } else { $0.writes += times } }
                } catch {
                    results.withLock { $0.errors.append("\(error)") }
                }
            }
        }
        group.wait()
        page.stop()
        let r = results.withLock { $0 }
        func p(_ xs: [Double], _ q: Double) -> Double { xs.isEmpty ? 0 : xs.sorted()[min(xs.count - 1, Int(Double(xs.count) * q))] * 1000 }
        table.add("50 readers + 5 writers, \(Int(duration)) s: requests", Double(r.reads.count + r.writes.count), "requests",
                  "(\(r.reads.count) page reads, \(r.writes.count) annotations written; errors \(r.errors.count)\(r.errors.first.map { ": \($0)" } ?? "")) \(verdict(r.errors.isEmpty))")
        table.add("   page read latency p50 / p99", p(r.reads, 0.5), "ms", String(format: "p99 %.1f ms", p(r.reads, 0.99)))
        table.add("   annotation write latency p50 / p99", p(r.writes, 0.5), "ms", String(format: "p99 %.1f ms", p(r.writes, 0.99)))
    }
}
