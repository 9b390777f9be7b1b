import Foundation
import GlossCore
import GlossStore
import Testing

/// Real `gloss serve` and `gloss sync` processes over TCP on loopback.
@Suite(.serialized) struct SyncTests {
    func peers(_ names: Int = 2) throws -> [GlossRunner] { try GlossRunner.peers(names) }

    @Test func aliceAndBobEditConcurrentlyAndConverge() throws {
        let p = try peers()
        let alice = p[0], bob = p[1]
        try alice.ok("article", "add", GlossRunner.seedPath)
        let article = try alice.firstID("article", "list")
        try alice.ok("annotate", article, "--quote", "Putin", "--suffix", " ordered it", "--comment", "original", "--editor", bob.publicKey)
        let server = try ServerProcess(alice)
        let first = try bob.ok("sync", server.address)
        #expect(first.contains("received 3 (3 new, 0 already here)") || first.contains("received 2 (2 new"))
        let ann = try bob.firstID("list")
        // Offline, both edit the same annotation; Bob also annotates on his own.
        try alice.ok("edit", ann, "--comment", "Alice's reading")
        try bob.ok("edit", ann, "--comment", "Bob's reading")
        try bob.ok("annotate", article, "--quote", "“Dozens”", "--comment", "scare quotes", "--tag", "casualties")
        let out = try bob.ok("sync", server.address)
        #expect(out.contains("sent 2 events, received 1 (1 new, 0 already here)"))
        let hashLine = try #require(out.split(separator: "\n").last.map(String.init))
        #expect(try alice.snapshotHash() == hashLine)
        #expect(try bob.snapshotHash() == hashLine)
        for g in [alice, bob] {
            let show = try g.ok("show", ann)
            #expect(show.contains("2 concurrent versions of the comment"))
        }
        #expect(server.log.contains("outcome=ok"))
        #expect(server.stop(), "SIGTERM stops the server")
        #expect(server.log.contains("stopped"))
    }

    @Test func carolGetsAlicesEventsThroughBob() throws {
        let p = try peers(3)
        let alice = p[0], bob = p[1], carol = p[2]
        try alice.ok("article", "add", GlossRunner.seedPath)
        let article = try alice.firstID("article", "list")
        try alice.ok("annotate", article, "--quote", "Kazakhstan overnight", "--comment", "by Alice")
        let aliceServer = try ServerProcess(alice)
        try bob.ok("sync", aliceServer.address)
        let bobServer = try ServerProcess(bob)
        // Carol only ever talks to Bob.
        let out = try carol.ok("sync", bobServer.address, "--expect-key", bobServer.key, "--json")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "sync --json: \(out)")
        #expect(summary["received"] as? Int == 2 && summary["stored"] as? Int == 2 && summary["peer"] as? String == bobServer.key)
        #expect(summary["snapshot"] as? String == (try carol.snapshotHash()).replacingOccurrences(of: "snapshot ", with: ""))
        #expect(try carol.ok("list").contains("by Alice"))
        #expect(try carol.ok("verify").contains("ok: 2 events verified"), "Alice's signatures verify at Carol's")
        #expect(try carol.snapshotHash() == alice.snapshotHash())
    }

    /// A peer who received an article by sync becomes an adder by adding the same text (MERGE.md
    /// §3.1), and may then revise it; the revision takes effect on both sides.
    @Test func aPeerBecomesAnAdderAndRevises() throws {
        let p = try peers()
        let alice = p[0], bob = p[1]
        try alice.ok("article", "add", GlossRunner.seedPath)
        let server = try ServerProcess(alice)
        try bob.ok("sync", server.address)
        let article = try bob.firstID("article", "list")
        let refused = try bob.run(["article", "revise", article, try bob.write("r.txt", Array("A new text.\n".utf8))])
        #expect(refused.status == 77 && refused.err.contains("gloss article add"), "\(refused.err)")
        let added = try bob.ok("article", "add", GlossRunner.seedPath)
        #expect(added.contains("Added you as an adder of \(article)"), "\(added)")
        #expect(try bob.ok("article", "add", GlossRunner.seedPath).contains("Already in the ledger"), "a second add writes nothing")
        let revised = try bob.ok("article", "revise", article, try bob.write("r.txt", Array("A new text.\n".utf8)))
        #expect(revised.contains("Revised"))
        try bob.ok("sync", server.address)
        #expect(try alice.ok("article", "show", article) == "A new text.\n", "Bob's revision is effective at Alice's too")
        #expect(try alice.snapshotHash() == bob.snapshotHash())
    }

    @Test func refusalsSayWhatToDo() throws {
        let alice = try GlossRunner(), mallory = try GlossRunner()
        try alice.ok("init"); try mallory.ok("init")
        let server = try ServerProcess(alice)
        let r = try mallory.run(["sync", server.address, "--expect-key", server.key])
        #expect(r.status != 0)
        #expect(r.err.contains("gloss peer allow \(mallory.publicKey)"))
        let wrongKey = try mallory.run(["sync", server.address, "--expect-key", String(repeating: "ab", count: 32)])
        #expect(wrongKey.status != 0 && wrongKey.err.contains("not the expected"))
        let unknown = try mallory.run(["sync", server.address])
        #expect(unknown.status != 0 && unknown.err.contains("--expect-key"))
        let noServer = try mallory.run(["sync", "127.0.0.1:1"])
        #expect(noServer.status != 0 && noServer.err.contains("cannot connect"))
        #expect(server.log.contains("not on the allow-list"))
    }

    /// Ledgers of many authors reconcile by RANGES over TCP (the client asks once it holds more
    /// than 40 authors): the second sync moves only the new events, in few bytes.
    @Test func manyAuthorsReconcileByRanges() throws {
        let p = try peers()
        let alice = p[0], bob = p[1]
        let log = try EventLog(path: alice.ledger + "/ledger.sqlite")
        let payload = try Payload.unknown(kind: 900, body: [1]).encoded()
        try log.append((0..<300).map { _ in Event.make(key: SigningKey(), seq: 1, prev: nil, lamport: 1, time: 0, deps: [], payload: payload) })
        let server = try ServerProcess(alice)
        #expect(try bob.ok("sync", server.address).contains("received 300 (300 new"))
        try alice.ok("article", "add", GlossRunner.seedPath)
        let out = try bob.ok("sync", server.address)
        #expect(out.contains("sent 0 events, received 1 (1 new"))
        // 300 agreed authors would be 21,600 bytes of FRONTIER each way.
        let bytesOut = out.split(separator: "\n").first { $0.contains("bytes out") }.flatMap { Int($0.split(separator: " ")[0]) } ?? .max
        #expect(bytesOut < 4000, "\(out)")
        #expect(try bob.snapshotHash() == alice.snapshotHash())
    }

    /// Fills `g`'s ledger with `n` signed events by a third author, through the real log.
    func fill(_ g: GlossRunner, _ n: Int) throws {
        let log = try EventLog(path: g.ledger + "/ledger.sqlite")
        let key = SigningKey()
        var done = 0
        while done < n {
            let k = min(2000, n - done)
            _ = try log.appendOwn(key: key, payloads: (0..<k).map { i in
                .unknown(kind: 900, body: Array(String(repeating: "padding for a realistic event size ", count: 8).utf8) + [UInt8(truncatingIfNeeded: done + i)])
            }, time: Int64(done))
            done += k
        }
    }

    func count(_ g: GlossRunner) throws -> Int {
        (try? EventLog(path: g.ledger + "/ledger.sqlite").count()) ?? 0
    }

    @Test(arguments: ["client", "server"])
    func killNineMidSyncLosesNothingAndResendsNothing(side: String) throws {
        let p = try peers()
        let alice = p[0], bob = p[1]
        try fill(alice, 30_000)
        var server = try ServerProcess(alice)
        let client = try bob.spawn(["sync", server.address])
        // Kill as soon as some, not all, events have landed at Bob's.
        let deadline = Date().addingTimeInterval(60)
        var landed = 0
        while Date() < deadline {
            landed = try count(bob)
            if landed > 0 { break }
            usleep(2_000)
        }
        if side == "client" { kill(client.processIdentifier, SIGKILL) } else { server.kill9() }
        client.waitUntilExit()
        let before = try count(bob)
        #expect(before > 0 && before < 30_000, "killed mid-way (\(before) of 30000 stored)")
        #expect(try bob.ok("verify").contains("ok:"), "the ledger opens and verifies after the kill")
        if side == "server" { server = try ServerProcess(alice) }
        let out = try bob.ok("sync", server.address)
        #expect(out.contains("received \(30_000 - before) (\(30_000 - before) new, 0 already here)"), "nothing re-sent: \(out)")
        #expect(try count(bob) == 30_000)
        #expect(try bob.snapshotHash() == alice.snapshotHash())
    }
}

/// `gloss sync --watch`: a live session that carries new events both ways as they appear.
@Suite struct WatchTests {
    func waitFor(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if try condition() { return Date().timeIntervalSince(start) }
            usleep(20_000)
        }
        return nil
    }

    @Test func newEventsFlowBothWaysWhileConnected() throws {
        let alice = try GlossRunner(), bob = try GlossRunner()
        try alice.ok("init"); try bob.ok("init")
        try alice.ok("peer", "allow", bob.publicKey)
        try alice.ok("article", "add", GlossRunner.seedPath)
        let article = try alice.firstID("article", "list")
        let server = try ServerProcess(alice)
        let watch = try bob.spawn(["sync", server.address, "--expect-key", alice.publicKey, "--watch"])
        defer { if watch.isRunning { kill(watch.processIdentifier, SIGKILL) } }
        #expect(try waitFor(10) { try bob.run(["article", "list"]).out.contains(article) } != nil, "the first catch-up")
        // Alice writes (another process than the server): Bob has it within a second or so.
        try alice.ok("annotate", article, "--quote", "Kazakhstan overnight", "--comment", "live from Alice")
        let toBob = try waitFor(5) { try bob.run(["list"]).out.contains("live from Alice") }
        #expect(toBob != nil && toBob! < 3, "Alice → Bob took \(String(describing: toBob)) s")
        try bob.ok("annotate", article, "--quote", "Putin", "--occurrence", "4", "--comment", "live from Bob")
        let toAlice = try waitFor(5) { try alice.run(["list"]).out.contains("live from Bob") }
        #expect(toAlice != nil && toAlice! < 3, "Bob → Alice took \(String(describing: toAlice)) s")
        kill(watch.processIdentifier, SIGINT)
        let exited = waitFor(10) { !watch.isRunning }
        #expect(exited != nil, "Ctrl-C ends the live session")
        #expect(watch.terminationStatus == 0)
        #expect(try alice.snapshotHash() == bob.snapshotHash())
    }
}
