import Foundation
import GlossCore
import GlossStore
import Testing

/// A ledger with one damaged row still relays everything else, by sync and by bundle, and
/// says which event it left out.
@Suite(.serialized) struct RelayIntegrityTests {
    /// Flips one byte of the stored event `id` in `g`'s ledger, as a failing disk would (the
    /// append-only trigger is lifted for the edit and put back).
    func damage(_ g: GlossRunner, _ id: EventID, byteFromEnd: Int) throws {
        let raw = try SQLiteConnection(path: g.ledger + "/ledger.sqlite", create: false)
        let s = try raw.statement("SELECT sql FROM sqlite_master WHERE name = 'events_append_only_update'")
        _ = try s.step()
        let trigger = String(decoding: s.blob(0), as: UTF8.self)
        let row = try raw.statement("SELECT bytes FROM events WHERE id = ?")
        row.bind(1, blob: id.bytes)
        #expect(try row.step())
        var bytes = row.blob(0)
        bytes[bytes.count - byteFromEnd] ^= 0x01
        try raw.execute("DROP TRIGGER events_append_only_update")
        try raw.statement("UPDATE events SET bytes = ? WHERE id = ?").bind(1, blob: bytes).bind(2, blob: id.bytes).run()
        try raw.execute(trigger)
    }

    /// The ids of `author`'s events in `g`'s ledger, by seq.
    func ids(_ g: GlossRunner, author: String) throws -> [EventID] {
        let raw = try SQLiteConnection(path: g.ledger + "/ledger.sqlite", create: false)
        let s = try raw.statement("SELECT id FROM events WHERE author = ? ORDER BY seq")
        s.bind(1, blob: PublicKey(hex: author)?.raw.bytes ?? [])
        var out: [EventID] = []
        while try s.step() { out.append(Hash32(s.blob(0))) }
        return out
    }

    func count(_ g: GlossRunner) throws -> Int { try EventLog(path: g.ledger + "/ledger.sqlite").count() }

    /// Alice relays Bob's events to Carol. One of Bob's rows is damaged at Alice's: Carol gets
    /// every event that does not depend on it, Alice's log and `verify` name it, and Carol gets
    /// the rest from Bob, who holds it intact.
    @Test(arguments: [10, 200])  // a byte of the signature, a byte of the payload
    func oneDamagedRowDoesNotStopTheOthers(byteFromEnd: Int) throws {
        let p = try GlossRunner.peers(3)
        let alice = p[0], bob = p[1], carol = p[2]
        try alice.ok("article", "add", GlossRunner.seedPath)
        let article = try alice.firstID("article", "list")
        try alice.ok("annotate", article, "--quote", "Putin", "--suffix", " ordered it", "--comment", "Alice's first")
        let aliceServer = try ServerProcess(alice)
        try bob.ok("sync", aliceServer.address)
        // Bob writes two independent annotations on separate branches of his chain: the second
        // has the first as prev, so only events before the damaged one can reach Carol from Alice.
        try bob.ok("annotate", article, "--quote", "Kazakhstan overnight", "--comment", "Bob one")
        try bob.ok("annotate", article, "--quote", "“Dozens”", "--comment", "Bob two, long enough to hold a payload byte that can be damaged without touching the header", "--tag", "casualties")
        try bob.ok("sync", aliceServer.address)
        let bobs = try ids(alice, author: bob.publicKey)
        #expect(bobs.count == 2)
        try damage(alice, bobs[1], byteFromEnd: byteFromEnd)
        try alice.ok("annotate", article, "--quote", "peacekeepers", "--comment", "Alice's second")
        // Alice's second event names Bob's damaged one as a dep, so it is withheld with it.
        let total = try count(alice)
        let out = try carol.ok("sync", aliceServer.address)
        #expect(out.contains("received \(total - 2) (\(total - 2) new"), "everything but the damaged event and its child: \(out)")
        #expect(aliceServer.log.contains("quarantined \(bobs[1].hex)"), "the server's log names the damaged event")
        let verify = try alice.run(["verify"])
        #expect(verify.status != 0 && verify.out.contains("quarantined") && verify.out.contains(bobs[1].short()))
        // Carol's copy is sound, and Bob (who holds the event intact) completes it.
        #expect(try carol.ok("verify").contains("ok:"))
        let bobServer = try ServerProcess(bob)
        try carol.ok("sync", bobServer.address)
        try carol.ok("sync", aliceServer.address)
        #expect(try count(carol) == total)
        #expect(try carol.snapshotHash() == alice.snapshotHash())
    }

    /// `bundle export` leaves the damaged event and its descendants out, says so, and the
    /// bundle imports cleanly elsewhere.
    @Test func bundleExportSkipsTheDamagedRow() throws {
        let p = try GlossRunner.peers(2)
        let alice = p[0], bob = p[1]
        try alice.ok("article", "add", GlossRunner.seedPath)
        let article = try alice.firstID("article", "list")
        try alice.ok("annotate", article, "--quote", "Putin", "--suffix", " ordered it", "--comment", "one")
        try alice.ok("annotate", article, "--quote", "Kazakhstan overnight", "--comment", "two")
        let mine = try ids(alice, author: alice.publicKey)
        try damage(alice, mine[1], byteFromEnd: 5)
        let file = alice.home + "/out.bundle"
        let r = try alice.run(["bundle", "export", file])
        #expect(r.ok, "the export succeeds with what is sound: \(r.err)")
        #expect(r.out.contains("Wrote 1 event"))
        #expect(r.err.contains("event \(mine[1].hex) is damaged") && r.err.contains("1 event that depend"))
        let imported = try bob.ok("bundle", "import", file)
        #expect(imported.contains("Imported 1 new event"))
    }
}
