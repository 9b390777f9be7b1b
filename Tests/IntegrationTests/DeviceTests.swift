import Foundation
import GlossCore
import Testing

/// One person on two devices (MERGE.md §18), through real `gloss` processes and real sync on
/// loopback: pairing, offline writing on both, convergence through a third peer with one
/// author shown, and a revocation that every peer applies alike whatever the arrival order.
@Suite(.serialized) struct DeviceTests {
    /// A laptop with the seed article, a phone paired with it, and a hub both sync with: the
    /// hub allows the laptop, and the laptop's devices with it; the phone trusts the hub.
    func pairedDevices() throws -> (laptop: GlossRunner, phone: GlossRunner, hub: GlossRunner) {
        let laptop = try GlossRunner(), hub = try GlossRunner(), phone = try GlossRunner()
        try laptop.ok("init"); try hub.ok("init")
        try laptop.ok("peer", "allow", hub.publicKey); try hub.ok("peer", "allow", laptop.publicKey, "--name", "Lena")
        try laptop.ok("article", "add", GlossRunner.seedPath)
        let code = phone.home + "/pairing"
        let minted = try laptop.ok("device", "link", "--out", code)
        #expect(minted.contains("Linked a new device"), "\(minted)")
        let joined = try phone.ok("device", "link", "--from", code)
        #expect(joined.contains("Created a ledger") && joined.contains("linked by your device \(laptop.publicKey)"), "\(joined)")
        try phone.ok("peer", "allow", hub.publicKey)
        return (laptop, phone, hub)
    }

    func json(_ text: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], "not a JSON array: \(text)")
    }

    @Test func twoDevicesAnnotateOfflineAndConvergeAsOneAuthor() throws {
        let (laptop, phone, hub) = try pairedDevices()
        let server = try ServerProcess(hub)
        try laptop.ok("sync", server.address)     // the hub learns the link: it now admits the phone
        try phone.ok("sync", server.address)      // the phone gets the article and its own link
        let phoneKey = try phone.ok("whoami").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(phoneKey != laptop.publicKey)
        let article = try laptop.firstID("article", "list")
        // Both write offline at the same time: two chains, no fork.
        try laptop.ok("annotate", article, "--quote", "Kazakhstan overnight", "--comment", "from the laptop")
        try phone.ok("annotate", article, "--quote", "batten down the hatches", "--comment", "from the phone")
        try phone.ok("sync", server.address)
        try laptop.ok("sync", server.address)
        try phone.ok("sync", server.address)
        let hash = try hub.snapshotHash()
        #expect(try laptop.snapshotHash() == hash)
        #expect(try phone.snapshotHash() == hash)
        for g in [laptop, phone, hub] {
            #expect(try g.ok("verify").contains("ok:"), "no fork, every chain verifies")
        }
        // One author everywhere: the identity, the phone only as the signing device.
        let list = try json(try hub.ok("list", "--json"))
        #expect(list.count == 2)
        #expect(list.allSatisfy { $0["author"] as? String == laptop.publicKey }, "\(list)")
        #expect(list.contains { $0["device"] as? String == phoneKey && $0["body"] as? String == "from the phone" })
        #expect(try hub.ok("list").components(separatedBy: "Lena").count == 3, "the hub names both notes by the identity's name")
        #expect(try phone.ok("list").components(separatedBy: "you").count >= 3, "the phone shows both as yours")
        // What the phone wrote, the laptop may edit: one person.
        let fromPhone = try #require(list.first { $0["body"] as? String == "from the phone" }?["id"] as? String)
        try laptop.ok("edit", String(fromPhone.prefix(12)), "--comment", "edited on the laptop")
        try laptop.ok("sync", server.address)
        try phone.ok("sync", server.address)
        #expect(try phone.ok("show", String(fromPhone.prefix(12))).contains("edited on the laptop"))
        let history = try phone.ok("history", String(fromPhone.prefix(12)))
        #expect(history.contains("(device \(String(phoneKey.prefix(12))))"), "history names the device that signed: \(history)")
        let devices = try hub.ok("device", "list", "--all")
        #expect(devices.contains(laptop.publicKey) && devices.contains(phoneKey), "\(devices)")
        #expect(server.stop())
    }

    /// The phone is stolen after its first note: its second, written later, is void on every
    /// peer, whether the revocation or the thief's event reaches a peer first.
    @Test func aRevokedDevicesLaterEventsAreVoidInEveryOrder() throws {
        let (laptop, phone, hub) = try pairedDevices()
        let second = try GlossRunner()
        try second.ok("init")
        for (a, b) in [(hub, second), (second, hub)] { try a.ok("peer", "allow", b.publicKey) }
        try second.ok("peer", "allow", laptop.publicKey); try laptop.ok("peer", "allow", second.publicKey)
        try phone.ok("peer", "allow", second.publicKey)
        let server = try ServerProcess(hub), other = try ServerProcess(second)
        try laptop.ok("sync", server.address)
        try laptop.ok("sync", other.address)
        try phone.ok("sync", server.address)
        let article = try phone.firstID("article", "list")
        try phone.ok("annotate", article, "--quote", "Kazakhstan overnight", "--comment", "honest note")
        try phone.ok("sync", server.address)
        try laptop.ok("sync", server.address)
        // Stolen: the thief writes, and reaches the second hub before the revocation does.
        try phone.ok("annotate", article, "--quote", "batten down the hatches", "--comment", "thief's note")
        try phone.ok("sync", other.address)
        let phoneKey = try phone.ok("whoami").trimmingCharacters(in: .whitespacesAndNewlines)
        let revoked = try laptop.ok("device", "revoke", String(phoneKey.prefix(10)))
        #expect(revoked.contains("up to seq 1 count"), "the default keeps what the laptop has seen: \(revoked)")
        // Order 1: the thief's event is at the second hub already; the revocation comes after.
        try laptop.ok("sync", other.address)
        // Order 2: the first hub gets the revocation first, then the thief's event relayed.
        try laptop.ok("sync", server.address)
        try second.ok("sync", server.address)
        let hash = try hub.snapshotHash()
        for g in [laptop, second] { #expect(try g.snapshotHash() == hash) }
        for g in [hub, second] {
            let bodies = try json(try g.ok("list", "--json")).compactMap { $0["body"] as? String }
            #expect(bodies == ["honest note"], "\(bodies)")
            let verify = try g.run(["verify"])
            #expect(verify.out.contains("after its revocation"), "verify says why: \(verify.out)")
        }
        // Peers stop syncing with it; and once the revocation reaches the device itself (here by
        // a bundle), it refuses to write, saying why.
        let refused = try phone.run(["sync", server.address])
        #expect(!refused.ok && refused.err.contains("does not allow your key"), "\(refused.err)")
        let bundle = laptop.home + "/all.bundle"
        try laptop.ok("bundle", "export", bundle)
        try phone.ok("bundle", "import", bundle)
        let write = try phone.fails("annotate", article, "--quote", "Kazakhstan overnight", "--comment", "more")
        #expect(write.status == 77 && write.err.contains("was revoked"), "\(write.err)")
        #expect(try phone.ok("device", "list").contains("REVOKED: only its events up to seq 1 count"))
        #expect(server.stop() && other.stop())
    }

    /// Pairing inside a sync session: the new device takes the code and syncs with the device
    /// that made it in the same step, and writes as its identity from then on.
    @Test func pairingAndTheFirstSyncInOneStep() throws {
        let laptop = try GlossRunner(), phone = try GlossRunner()
        try laptop.ok("init")
        try laptop.ok("article", "add", GlossRunner.seedPath)
        let code = phone.home + "/pairing"
        try laptop.ok("device", "link", "--out", code)
        let server = try ServerProcess(laptop)
        let joined = try phone.ok("device", "link", "--from", code, "--sync", server.address)
        #expect(joined.contains("Linked: this device writes for identity \(laptop.publicKey)"), "\(joined)")
        let article = try phone.firstID("article", "list")
        try phone.ok("annotate", article, "--quote", "Kazakhstan overnight", "--comment", "on the phone")
        #expect(try phone.ok("list").contains("by you"))
        try phone.ok("sync", server.address)
        let list = try laptop.ok("list", "--json")
        #expect(list.contains("\"author\" : \"\(laptop.publicKey)\"") || list.contains("\"author\": \"\(laptop.publicKey)\""), "\(list)")
        #expect(try laptop.ok("list").contains("by you"), "the laptop shows the phone's note as its own person's")
        #expect(server.stop())
    }

    @Test func pairingMistakesSayWhatToDo() throws {
        let laptop = try GlossRunner()
        try laptop.ok("init")
        let code = try laptop.ok("device", "link").split(separator: "\n").first { $0.contains("gloss device link GLOSS-") }
        let text = try #require(code.map { String($0.split(separator: " ").last ?? "") })
        let phone = try GlossRunner()
        var typo = Array(text); typo[typo.count - 2] = typo[typo.count - 2] == "A" ? "B" : "A"
        let bad = try phone.run(["device", "link", String(typo)])
        #expect(bad.status == 64 && bad.err.contains("typing mistake"), "\(bad.err)")
        #expect(!FileManager.default.fileExists(atPath: phone.ledger), "nothing created on a bad code")
        // A ledger whose key already wrote is not taken over.
        try phone.ok("init")
        try phone.ok("article", "add", GlossRunner.seedPath)
        let busy = try phone.fails("device", "link", text)
        #expect(busy.err.contains("orphan"), "\(busy.err)")
        let none = try laptop.fails("device", "revoke", "ffff")
        #expect(none.status == 66, "\(none.err)")
        // Revoking the device in use needs --yes; a code file that exists is refused before any link.
        let me = try laptop.ok("whoami").trimmingCharacters(in: .whitespacesAndNewlines)
        let own = try laptop.fails("device", "revoke", String(me.prefix(12)))
        #expect(own.status == 64 && own.err.contains("--yes"), "\(own.err)")
        let taken = try laptop.write("taken", Array("x".utf8))
        let exists = try laptop.fails("device", "link", "--out", taken)
        #expect(exists.status == 64 && exists.err.contains("already exists"), "\(exists.err)")
    }
}
