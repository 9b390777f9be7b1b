import Foundation
import Testing

/// Moving an identity to another device without forking its chain.
@Suite struct KeyTests {
    @Test func exportImportThenSyncBeforeWriting() throws {
        let laptop = try GlossRunner(), phone = try GlossRunner()
        try laptop.ok("init")
        try laptop.ok("article", "add", GlossRunner.seedPath)
        let article = try laptop.firstID("article", "list")
        try laptop.ok("annotate", article, "--quote", "Kazakhstan overnight", "--comment", "from the laptop")
        let keyFile = laptop.home + "/moving.key"
        #expect(try laptop.ok("key", "export", "--to", keyFile).contains("Anyone holding this file"))
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try laptop.fails("key", "export", "--to", keyFile).err.contains("cannot create"))

        try phone.ok("init")
        #expect(try phone.ok("key", "import", keyFile).contains("Writing is refused until you sync"))
        #expect(phone.publicKey == laptop.publicKey)
        // Refused until a sync: writing now could fork the chain.
        let early = try phone.run(["article", "add", GlossRunner.seedPath])
        #expect(early.status != 0 && early.err.contains("sync first"))

        let server = try ServerProcess(laptop)
        let out = try phone.ok("sync", server.address)
        #expect(out.contains("received 2 (2 new"))
        try phone.ok("annotate", article, "--quote", "Putin", "--occurrence", "2", "--comment", "from the phone")
        let back = try phone.ok("sync", server.address)
        #expect(back.contains("sent 1 event"))
        #expect(try laptop.ok("verify").contains("ok: 3 events verified"), "one chain, no fork")
        #expect(try laptop.ok("log").contains("     3"), "the phone wrote seq 3, continuing the laptop's chain")
    }

    @Test func importRefusesToOrphanAKeyThatWrote() throws {
        let a = try GlossRunner(), b = try GlossRunner()
        try a.ok("init"); try b.ok("init")
        try b.ok("article", "add", GlossRunner.seedPath)
        let keyFile = a.home + "/a.key"
        try a.ok("key", "export", "--to", keyFile)
        #expect(try b.fails("key", "import", keyFile).err.contains("Import into a new ledger instead"))
        chmod(keyFile, 0o644)
        let c = try GlossRunner()
        try c.ok("init")
        #expect(try c.fails("key", "import", keyFile).err.contains("chmod 600"))
    }
}
