import Foundation
import GlossCore
import GlossTestSupport
import Testing

/// A hub: real `gloss serve --store` processes on a real PostgreSQL (a throw-away cluster the
/// tests start), real clients over TCP on 127.0.0.1.
@Suite(.serialized) struct HubTests {
    static let seed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("seeds/000_250678edc94afa10.txt").path

    /// A hub database with its schema, its key, and `peers` on its allow-list (and the hub on theirs).
    struct Hub {
        let admin: GlossRunner
        let url: String
        let keyPath: String
        let key: String

        init(_ cluster: ThrowawayPostgres, peers: [GlossRunner]) throws {
            admin = try GlossRunner()
            url = try cluster.createDatabase().url
            keyPath = admin.home + "/hub.key"
            let out = try admin.ok("hub", "init", "--store", url, "--key", keyPath)
            key = String(out.split(separator: "\n").last?.split(separator: " ").last ?? "")
            for p in peers {
                try admin.ok("hub", "peer", "allow", p.publicKey, "--name", "peer", "--store", url)
                try p.ok("peer", "allow", key, "--name", "hub")
            }
        }

        func serve() throws -> ServerProcess { try ServerProcess(admin, extra: ["--store", url, "--key", keyPath]) }
        func snapshotHash() throws -> String { String(try admin.ok("hub", "snapshot", "--store", url).split(separator: "\n").last ?? "") }
    }

    /// The id an `annotate` printed ("Annotated ID  …").
    static func annotated(_ g: GlossRunner, _ args: String...) throws -> String {
        let out = try g.run(["annotate"] + args).out
        return String(out.split(separator: " ").dropFirst().first ?? "")
    }

    /// Adds the seed article; its id.
    static func addArticle(_ g: GlossRunner) throws -> String {
        try g.ok("article", "add", seed)
        return try g.firstID("article", "list")
    }

    /// `n` signed events of a new author (unknown kind: carried and kept, no effect), as a bundle.
    static func bundle(_ n: Int, in g: GlossRunner) throws -> String {
        let key = SigningKey()
        var events: [Event] = []
        var last: Event?
        for i in 0..<n {
            let e = Event.make(key: key, seq: UInt64(i + 1), prev: last?.id, lamport: UInt64(i + 1), time: 0, deps: [],
                               payload: try Payload.unknown(kind: 900, body: Array("event \(i)".utf8)).encoded())
            events.append(e)
            last = e
        }
        var bytes: [UInt8] = []
        let w = try Bundle.Writer(count: events.count, sink: { bytes += $0 })
        for e in events { try w.add(e) }
        try w.finish()
        return try g.write("bulk-\(UUID().uuidString).bundle", bytes)
    }

    @Test func clientsOfTwoProcessesConvergeToOneSnapshot() throws {
        let cluster = try ThrowawayPostgres.shared()
        let peers = try GlossRunner.peers(3)
        let hub = try Hub(cluster, peers: peers)
        let s1 = try hub.serve(), s2 = try hub.serve()
        let (ann, bob, cat) = (peers[0], peers[1], peers[2])
        let article = try Self.addArticle(ann)
        try ann.ok("annotate", article, "--quote", "Dozens", "--occurrence", "1", "--comment", "Who counted?")
        try ann.ok("sync", s1.address)
        try bob.ok("sync", s2.address, "--expect-key", hub.key)
        try bob.ok("annotate", article, "--quote", "Dozens", "--occurrence", "2", "--comment", "Bob's note")
        try cat.ok("sync", s1.address)
        try cat.ok("annotate", article, "--quote", "Dozens", "--occurrence", "1", "--tag", "casualties")
        // Bob and Cat push to different processes at the same moment.
        let pushes = [try bob.spawn(["sync", s2.address]), try cat.spawn(["sync", s1.address])]
        for p in pushes { p.waitUntilExit(); #expect(p.terminationStatus == 0) }
        for (p, s) in [(ann, s2), (bob, s1), (cat, s2)] { try p.ok("sync", s.address) }
        // Ann takes back a note the hub already holds whole: the hub cuts it, and after a
        // checkpoint the words are in none of the database's table files.
        // Long, and its start searched for: a plain VACUUM leaves the start of a long row in
        // the page's freed space; only the table's rewrite removes it.
        let secret = "a secret only Ann wrote"
        let note = try Self.annotated(ann, article, "--quote", "Dozens", "--occurrence", "2", "--comment",
                                      secret + String(repeating: " lorem ipsum dolor sit amet", count: 50))
        try ann.ok("sync", s1.address)
        let database = Self.database(hub.url)
        // The serve processes bring the projection (the hub's state in PostgreSQL) up to the
        // log after each append, in the background: the note's words reach it.
        let inProjection = "SELECT count(*) FROM p_annotations WHERE position('\(secret)'::bytea IN state) > 0"
        #expect(try Self.eventually { try cluster.psql(database, inProjection).hasPrefix("1") }, "the projection never held the note")
        // Its dead rows could hold the words after a rebuild: the table is rewritten (a new file).
        let file = "SELECT pg_relation_filepath('p_annotations')"
        let before = try cluster.psql(database, file)
        try ann.ok("erase", note, "--yes")
        try ann.ok("sync", s2.address)
        for (p, s) in [(bob, s1), (cat, s2)] { try p.ok("sync", s.address) }
        #expect(try cluster.psql(database, "SELECT count(*) FROM events WHERE position('\(secret)'::bytea IN bytes) > 0").hasPrefix("0"))
        // The erasure makes the projection rebuild, and its tables are rewritten after.
        var holding: [String] = []
        let gone = try Self.eventually {
            try cluster.psql(database, "CHECKPOINT")
            holding = try Self.filesHolding(Array(secret.utf8), under: cluster.folder + "/data/base")
            return holding.isEmpty
        }
        let stillThere = try cluster.psql(database, inProjection).hasPrefix("0") == false
        #expect(try Self.eventually { try cluster.psql(database, file) != before }, "the projection's table was not rewritten after the erasure")
        #expect(gone && !stillThere, "\(holding)")
        let named = try holding.isEmpty ? "" : cluster.psql(database, "SELECT string_agg(relname || '=' || relfilenode, ' ') FROM pg_class WHERE relfilenode::text = ANY(ARRAY[\(holding.map { "'" + ($0 as NSString).lastPathComponent.split(separator: ".")[0] + "'" }.joined(separator: ","))]::text[])")
        #expect(holding.isEmpty, "\(holding) \(named) S1: \(s1.log.split(separator: "\n").filter { !$0.contains("session") }) S2: \(s2.log.split(separator: "\n").filter { !$0.contains("session") })")
        let hashes = try peers.map { try $0.snapshotHash() }
        #expect(Set(hashes).count == 1, "\(hashes)")
        #expect(try hub.snapshotHash() == hashes[0])
        #expect(try hub.admin.ok("hub", "verify", "--store", hub.url).contains("ok: "))
        let status = try hub.admin.ok("hub", "status", "--store", hub.url)
        #expect(status.contains("Served by: gloss serve"), "\(status)")
        #expect(try Self.eventually { try hub.admin.ok("hub", "status", "--store", hub.url).contains("Projection: up to date") })
        // One log line per session, as a ledger's server writes.
        #expect(s1.log.contains("outcome=ok") && s2.log.contains("outcome=ok"))
        _ = s1.stop(); _ = s2.stop()
    }

    /// Mistakes an operator makes get a clear error, the right exit status, and leave nothing
    /// behind.
    @Test func operatorMistakesAreExplainedAndLeaveNothingBehind() throws {
        let cluster = try ThrowawayPostgres.shared()
        let hub = try Hub(cluster, peers: [])
        let g = hub.admin
        let missing = "postgres://gloss@127.0.0.1:\(cluster.port)/no_such_database?sslmode=disable"
        var r = try g.run(["hub", "init", "--store", missing, "--key", g.home + "/new.key"])
        #expect(r.status == 74 && r.err.contains("createdb no_such_database"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: g.home + "/new.key"), "a failed init left a key file")
        #expect(try FileManager.default.contentsOfDirectory(atPath: g.home).allSatisfy { !$0.hasPrefix("new.key") })
        r = try g.run(["hub", "init", "--store", hub.url, "--key", g.home + "/other.key"])
        #expect(r.status == 74 && r.err.contains("belongs to key"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: g.home + "/other.key"))
        let closed = try ThrowawayPostgres.freePort()
        r = try g.run(["hub", "status", "--store", "postgres://gloss@127.0.0.1:\(closed)/x?sslmode=disable"])
        #expect(r.status == 74 && r.err.contains("connection refused"), "\(r.err)")
        r = try g.run(["hub", "status"])
        #expect(r.status == 64 && r.err.contains("GLOSS_HUB"), "\(r.err)")
        r = try g.run(["hub", "status", "--store", "postgres://u:hunter2@127.0.0.1:\(closed)/x?colour=red"])
        #expect(r.status == 64 && !r.err.contains("hunter2"), "\(r.err)")
        r = try g.run(["hub", "peer", "allow", hub.key, "--store", hub.url])
        #expect(r.status == 65 && r.err.contains("own key"), "\(r.err)")
        r = try g.run(["hub", "peer", "allow", "abc", "--store", hub.url])
        #expect(r.status == 64, "\(r.err)")
        r = try g.run(["hub", "migrate", g.home + "/nowhere", "--store", hub.url])
        #expect(r.status == 66 && r.err.contains("no ledger"), "\(r.err)")
        r = try g.run(["serve", "--store", hub.url, "--key", g.home + "/missing.key", "--listen", "127.0.0.1:0"])
        #expect(r.status == 66 && r.err.contains("gloss hub init --key"), "\(r.err)")
        r = try g.run(["serve", "--store", hub.url, "--listen", "127.0.0.1:0"])
        #expect(r.status == 64, "\(r.err)")
        // Nothing of it reached the hub.
        #expect(try g.ok("hub", "status", "--store", hub.url, "--json").contains("\"events\": 0,"))
        #expect(try g.ok("hub", "peer", "list", "--store", hub.url).isEmpty)
    }

    /// A live session with one process sees what a peer pushed through the other.
    @Test func aLiveSessionOnOneProcessSeesWhatAnotherProcessStored() throws {
        let cluster = try ThrowawayPostgres.shared()
        let peers = try GlossRunner.peers(2)
        let (watcher, writer) = (peers[0], peers[1])
        let hub = try Hub(cluster, peers: peers)
        let s1 = try hub.serve(), s2 = try hub.serve()
        let article = try Self.addArticle(writer)
        try writer.ok("sync", s2.address)
        let watching = try watcher.spawn(["sync", s1.address, "--watch"])
        defer { watching.terminate(); watching.waitUntilExit() }
        let note = try Self.annotated(writer, article, "--quote", "Dozens", "--occurrence", "1", "--comment", "seen live")
        try writer.ok("sync", s2.address)
        let deadline = Date().addingTimeInterval(20)
        var seen = false
        while !seen && Date() < deadline {
            seen = (try? watcher.run(["show", note]).ok) ?? false
            if !seen { usleep(200_000) }
        }
        #expect(seen, "the watching client never received the note stored through the other process")
        _ = s1.stop(); _ = s2.stop()
    }

    @Test func migrateCopiesALedgerAndItsBundleIsTheLedgersByteForByte() throws {
        let cluster = try ThrowawayPostgres.shared()
        let g = try GlossRunner()
        try g.ok("init")
        let article = try Self.addArticle(g)
        let keep = try Self.annotated(g, article, "--quote", "Dozens", "--occurrence", "1", "--comment", "kept")
        let gone = try Self.annotated(g, article, "--quote", "Dozens", "--occurrence", "2", "--comment", "a secret to erase")
        try g.ok("reply", keep, "--comment", "a reply")
        try g.ok("erase", gone, "--yes")
        try g.ok("bundle", "import", try Self.bundle(300, in: g))
        let hub = try Hub(cluster, peers: [])
        let out = try hub.admin.ok("hub", "migrate", g.ledger, "--store", hub.url)
        let hashes = out.split(separator: "\n").filter { $0.hasPrefix("snapshot ") }.map { $0.split(separator: " ")[1] }
        #expect(hashes.count == 2 && hashes[0] == hashes[1], "\(out)")
        #expect(try "snapshot \(hashes.first ?? "")" == g.snapshotHash())
        // Again: nothing new, nothing refused.
        #expect(try hub.admin.ok("hub", "migrate", g.ledger, "--store", hub.url).contains("Copied 0 events"))
        let fromLedger = g.home + "/ledger.bundle", fromHub = g.home + "/hub.bundle"
        try g.ok("bundle", "export", fromLedger)
        try hub.admin.ok("hub", "export", fromHub, "--store", hub.url)
        #expect(FileManager.default.contents(atPath: fromLedger) == FileManager.default.contents(atPath: fromHub))
        let secret = try cluster.psql(hub.url.split(separator: "/").last.map { String($0.split(separator: "?")[0]) } ?? "",
                                      "SELECT count(*) FROM events WHERE position('a secret to erase'::bytea IN bytes) > 0")
        #expect(secret.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test func aProcessKilledMidPushLosesNothingItAcknowledged() throws {
        let cluster = try ThrowawayPostgres.shared()
        let peers = try GlossRunner.peers(1)
        let client = peers[0]
        try client.ok("bundle", "import", try Self.bundle(6000, in: client))
        let hub = try Hub(cluster, peers: [client])
        let doomed = try hub.serve(), other = try hub.serve()
        let push = try client.spawn(["sync", doomed.address])
        // Kill it once some batches are in, before all are.
        let deadline = Date().addingTimeInterval(30)
        var held = 0
        while Date() < deadline && held == 0 {
            held = Int(try cluster.psql(Self.database(hub.url), "SELECT count(*) FROM events").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            usleep(5_000)
        }
        doomed.kill9()
        push.waitUntilExit()
        // What the hub holds verifies (whole batches, every parent), and a sync through the
        // other process completes it.
        #expect(try hub.admin.ok("hub", "verify", "--store", hub.url).contains("ok: "))
        try client.ok("sync", other.address)
        #expect(try hub.snapshotHash() == client.snapshotHash())
        #expect(try hub.admin.ok("hub", "frontier", "--store", hub.url) == client.ok("frontier"))
        _ = other.stop()
    }

    /// The database restarted during a session, then down when a client arrives: clean errors
    /// that say to try again, nothing half-stored, and a later sync completes. On a cluster of
    /// its own (the others' tests go on meanwhile).
    @Test func theDatabaseGoingAwayGivesCleanErrorsAndALaterSyncCompletes() throws {
        let cluster = try ThrowawayPostgres(fsync: false)
        defer { cluster.destroy() }
        let peers = try GlossRunner.peers(1)
        let client = peers[0]
        try client.ok("bundle", "import", try Self.bundle(4000, in: client))
        let hub = try Hub(cluster, peers: [client])
        let server = try hub.serve()
        let push = try client.spawn(["sync", server.address])
        let deadline = Date().addingTimeInterval(30)
        var held = 0
        while Date() < deadline && held == 0 {
            held = Int((try? cluster.psql(Self.database(hub.url), "SELECT count(*) FROM events"))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
            usleep(5_000)
        }
        try cluster.restart()
        push.waitUntilExit()
        #expect(server.process.isRunning, "the server died with its database")
        #expect(try hub.admin.ok("hub", "verify", "--store", hub.url).contains("ok: "))
        try client.ok("sync", server.address)
        #expect(try hub.snapshotHash() == client.snapshotHash())

        try cluster.stop()
        let refused = try client.run(["sync", server.address, "--retries", "0"])
        #expect(refused.status == 69, "\(refused.err)")
        #expect(refused.err.lowercased().contains("try again"), "\(refused.err)")
        let status = try hub.admin.run(["hub", "status", "--store", hub.url])
        #expect(status.status == 74 && status.err.lowercased().contains("try again"), "\(status.err)")
        try cluster.start()
        try client.ok("annotate", try Self.addArticle(client), "--quote", "Dozens", "--occurrence", "1", "--comment", "after")
        try client.ok("sync", server.address)
        #expect(try hub.snapshotHash() == client.snapshotHash())
        _ = server.stop()
    }

    /// The files under `folder` whose bytes contain `needle`.
    static func filesHolding(_ needle: [UInt8], under folder: String) throws -> [String] {
        var out: [String] = []
        guard let walk = FileManager.default.enumerator(atPath: folder) else { return out }
        while let name = walk.nextObject() as? String {
            let path = folder + "/" + name
            guard let data = FileManager.default.contents(atPath: path), data.count >= needle.count else { continue }
            if data.range(of: Data(needle)) != nil { out.append(path) }
        }
        return out
    }

    /// Whether `condition` holds within 30 s (asked every 0.2 s): for what serve processes do
    /// in the background.
    static func eventually(_ condition: () throws -> Bool) throws -> Bool {
        for _ in 0..<150 {
            if try condition() { return true }
            usleep(200_000)
        }
        return false
    }

    static func database(_ url: String) -> String {
        String(url.split(separator: "/").last?.split(separator: "?").first ?? "")
    }
}
