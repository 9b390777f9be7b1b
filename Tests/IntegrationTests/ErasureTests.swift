import Foundation
import GlossCore
import Testing

/// Erasure (MERGE.md §19) through real `gloss` processes, real sync on loopback and real
/// bundles: after it spreads, the erased words are in no byte of any ledger file.
@Suite(.serialized) struct ErasureTests {
    static let secret = "Zqxvy-private-remark"
    static let secretEdit = "Wmkrt-second-thought"
    static let secretTag = "qjxtag"

    /// Every byte of a ledger's SQLite files (the database, its WAL and shared memory).
    func files(_ g: GlossRunner) -> [(String, Data)] {
        ["", "-wal", "-shm"].compactMap { suffix in
            let path = g.ledger + "/ledger.sqlite" + suffix
            return FileManager.default.contents(atPath: path).map { (path, $0) }
        }
    }

    func expectNoTrace(_ g: GlossRunner, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for (path, data) in files(g) {
            for word in [Self.secret, Self.secretEdit, Self.secretTag] {
                #expect(data.range(of: Data(word.utf8)) == nil, "\(label): \(word) is still in \(path)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func anErasureReachesEveryLedgerAndLeavesNoTrace() throws {
        let p = try GlossRunner.peers(4)
        let alice = p[0], bob = p[1], carol = p[2], dave = p[3]
        try alice.ok("article", "add", GlossRunner.seedPath)
        let article = try alice.firstID("article", "list")
        try alice.ok("annotate", article, "--quote", "Kazakhstan overnight", "--comment", Self.secret, "--tag", Self.secretTag)
        let note = try alice.firstID("list")
        try alice.ok("edit", note, "--comment", Self.secretEdit)
        let server = try ServerProcess(alice)
        try bob.ok("sync", server.address)
        try bob.ok("reply", note, "--comment", "Bob's reply is his own")
        try bob.ok("sync", server.address)
        #expect(try bob.ok("show", note).contains(Self.secretEdit), "Bob holds the whole note before the erasure")
        #expect(server.stop())
        // The text is in Bob's file before: the test can see it.
        #expect(files(bob).contains { $0.1.range(of: Data(Self.secretEdit.utf8)) != nil })

        // Only the author may erase, and only with --yes; neither changes anything.
        let notMine = try bob.fails("erase", note, "--yes")
        #expect(notMine.status == 77 && notMine.err.contains("only its author"), "\(notMine.err)")
        let unconfirmed = try alice.fails("erase", note)
        #expect(unconfirmed.status == 64 && unconfirmed.err.contains("--yes"), "\(unconfirmed.err)")
        let erased = try alice.ok("erase", note, "--yes")
        #expect(erased.contains("the payloads of 2 events are gone"), "\(erased)")
        expectNoTrace(alice, "the author's ledger")

        // Carol never had it: she gets the erased events as header and signature only.
        let again = try ServerProcess(alice)
        try carol.ok("sync", again.address)
        // Bob had it whole: the erasure removes it from his file.
        try bob.ok("sync", again.address)
        // Dave takes a bundle of Alice's ledger.
        let bundle = alice.home + "/all.bundle"
        try alice.ok("bundle", "export", bundle)
        #expect((FileManager.default.contents(atPath: bundle) ?? Data()).range(of: Data(Self.secret.utf8)) == nil, "no erased text in a bundle")
        try dave.ok("bundle", "import", bundle)
        #expect(again.stop())

        let hash = try alice.snapshotHash()
        for (g, name) in [(alice, "alice"), (bob, "bob"), (carol, "carol"), (dave, "dave")] {
            #expect(try g.snapshotHash() == hash, "\(name) converges")
            #expect(try g.ok("verify").split(separator: "\n").last?.hasPrefix("ok:") == true, "\(name): every chain verifies")
            expectNoTrace(g, name)
            let show = try g.ok("show", note)
            #expect(show.contains("erased     by") && show.contains("Bob's reply is his own"), "\(name): \(show)")
            #expect(!show.contains(Self.secret))
        }
        let snapshot = try carol.ok("snapshot")
        #expect(snapshot.contains("\"erased\":{\"at\":") && snapshot.contains("\"format\":\"gloss-snapshot-v2\""))
        let history = try bob.ok("history", note)
        #expect(history.contains("(erased)") && history.contains("erased 2 events"), "\(history)")
        // A peer that relays what it holds sends no erased text: Bob serves Dave's copy back.
        let bobServer = try ServerProcess(bob)
        let fresh = try GlossRunner()
        try fresh.ok("init"); try fresh.ok("peer", "allow", bob.publicKey); try bob.ok("peer", "allow", fresh.publicKey)
        try fresh.ok("sync", bobServer.address)
        expectNoTrace(fresh, "a peer that synced with a relay")
        #expect(try fresh.snapshotHash() == hash)
        #expect(bobServer.stop())
    }
}
