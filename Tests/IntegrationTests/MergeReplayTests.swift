import Foundation
import Testing

/// Two people edit one annotation concurrently on their own ledgers and swap bundles.
@Suite struct MergeReplayTests {
    /// Sends everything `to` lacks from `from`, by file, as two people would.
    func exchange(_ from: GlossRunner, _ to: GlossRunner) throws {
        let frontier = try to.ok("frontier").trimmingCharacters(in: .whitespacesAndNewlines)
        let file = from.home + "/out-\(UUID().uuidString).bundle"
        try from.ok("bundle", "export", "--since", frontier.isEmpty ? "" : frontier, file)
        try to.ok("bundle", "import", file)
    }

    func hash(_ g: GlossRunner, _ extra: String...) throws -> String {
        let out = try g.run(["snapshot"] + extra).out
        let last = out.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("snapshot "), "snapshot ends with its hash: \(last)")
        return last
    }

    @Test func concurrentEditsMergeWithTheConflictVisible() throws {
        let alice = try GlossRunner(), bob = try GlossRunner()
        try alice.ok("init"); try bob.ok("init")
        let bobKey = try bob.ok("whoami").trimmingCharacters(in: .whitespacesAndNewlines)
        try alice.ok("article", "add", GlossRunner.seedPath)
        let article = try alice.firstID("article", "list")
        try alice.ok("annotate", article, "--quote", "Putin", "--suffix", " ordered it", "--comment", "original", "--editor", bobKey, "--tag", "russia")
        let ann = try alice.firstID("list")
        try exchange(alice, bob)
        #expect(try hash(alice) == hash(bob))

        // Offline, both edit the same comment.
        try alice.ok("edit", ann, "--comment", "Alice's version")
        try bob.ok("edit", ann, "--comment", "Bob's version")
        try bob.ok("tag", ann, "--add", "csto")
        try exchange(alice, bob)
        try exchange(bob, alice)
        #expect(try hash(alice) == hash(bob), "same events, same snapshot")
        for g in [alice, bob] {
            let show = try g.ok("show", ann)
            #expect(show.contains("2 concurrent versions of the comment"))
            #expect(show.contains("Alice's version") && show.contains("Bob's version"))
            #expect(show.contains("#csto #russia"))
        }
        #expect(try alice.ok("list").contains("[conflict]"))
        let history = try alice.ok("history", ann)
        #expect(history.contains("comment → \"Alice's version\"") && history.contains("comment → \"Bob's version\""))

        // Editing again resolves it, on both sides once exchanged.
        try alice.ok("edit", ann, "--comment", "Agreed version")
        try exchange(alice, bob)
        for g in [alice, bob] {
            let show = try g.ok("show", ann)
            #expect(!show.contains("concurrent versions"))
            #expect(show.contains("comment    Agreed version"))
        }
        #expect(try hash(alice) == hash(bob))
        #expect(try alice.ok("verify").contains("ok:"))
    }

    @Test func snapshotAtReproducesAPointOfHistory() throws {
        let g = try GlossRunner()
        try g.ok("init")
        try g.ok("article", "add", GlossRunner.seedPath)
        let article = try g.firstID("article", "list")
        try g.ok("annotate", article, "--quote", "Putin", "--occurrence", "1", "--comment", "first")
        let before = try hash(g)
        let lastEvent = try #require(g.ok("log").split(separator: "\n").last?.split(separator: " ").first.map(String.init))
        let ann = try g.firstID("list")
        try g.ok("edit", ann, "--comment", "second")
        try g.ok("delete", ann)
        #expect(try hash(g) != before)
        #expect(try hash(g, "--at", lastEvent) == before, "--at the last event of that moment gives that moment's snapshot")
        #expect(try hash(g, "--lamport", "2") == before)
        let old = try g.ok("snapshot", "--at", lastEvent)
        #expect(old.contains("\"body\":\"first\""))
        #expect(try g.fails("snapshot", "--at", "zz").err.contains("is not an event id"))
        #expect(try g.fails("snapshot", "--before", "yesterday").err.contains("is not a time"))
    }

    @Test func w3cRoundTrip() throws {
        let alice = try GlossRunner()
        try alice.ok("init")
        try alice.ok("article", "add", GlossRunner.seedPath)
        let article = try alice.firstID("article", "list")
        try alice.ok("annotate", article, "--quote", "“Dozens” of demonstrators", "--comment", "Who counted? — «quotes»", "--tag", "casualties", "--tag", "kazakh")
        try alice.ok("annotate", article, "--quote", "Putin", "--occurrence", "3", "--motivation", "questioning")
        let first = try alice.firstID("list", "--tag", "casualties")
        try alice.ok("reply", first, "--comment", "An official said so.")
        let file = alice.home + "/w3c.json"
        try alice.ok("snapshot", "--format", "w3c", "--out", file)
        let exported = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any]
        #expect(exported?["@context"] as? String == "http://www.w3.org/ns/anno.jsonld")
        #expect(exported?["type"] as? String == "AnnotationCollection")

        let carol = try GlossRunner()
        try carol.ok("init")
        try carol.ok("article", "add", GlossRunner.seedPath)
        #expect(try carol.ok("import", "--format", "w3c", file).contains("Imported 3 annotations"))
        let back = carol.home + "/back.json"
        try carol.ok("snapshot", "--format", "w3c", "--out", back)
        #expect(try normalized(file) == normalized(back), "a round trip keeps everything the model carries")

        // Importing into a ledger without the article is refused, and changes nothing.
        let dave = try GlossRunner()
        try dave.ok("init")
        #expect(try dave.fails("import", file).err.contains("add the article first"))
        #expect(try dave.fails("import", try dave.write("x.json", Array("not json".utf8))).err.contains("not JSON"))
    }

    /// The items without what a re-import changes (ids, creator, times), replies pointing at
    /// their parent's position instead of its id.
    func normalized(_ path: String) throws -> [NSDictionary] {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        let items = ((root?["first"] as? [String: Any])?["items"] as? [[String: Any]]) ?? []
        let ids = items.map { $0["id"] as? String ?? "" }
        return items.map { item in
            var i = item
            for k in ["id", "creator", "created", "modified"] { i[k] = nil }
            if let t = i["target"] as? String { i["target"] = "item \(ids.firstIndex(of: t) ?? -1)" }
            return i as NSDictionary
        }
    }

    @Test func aBadBundleImportsNothing() throws {
        let alice = try GlossRunner(), bob = try GlossRunner()
        try alice.ok("init"); try bob.ok("init")
        try alice.ok("article", "add", GlossRunner.seedPath)
        let bundle = alice.home + "/all.bundle"
        try alice.ok("bundle", "export", bundle)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: bundle))
        let truncated = try bob.write("t.bundle", Array(bytes.prefix(bytes.count - 5)))
        #expect(try bob.fails("bundle", "import", truncated).err.contains("truncated"))
        bytes[bytes.count / 2] ^= 0x01
        #expect(try bob.fails("bundle", "import", try bob.write("d.bundle", Array(bytes))).err.contains("damaged"))
        #expect(try bob.fails("bundle", "import", try bob.write("g.bundle", Array("garbage".utf8))).err.contains("not a Gloss bundle"))
        #expect(try bob.fails("bundle", "export", "--since", "nonsense", bob.home + "/x").err.contains("not a frontier entry"))
    }
}
