import Foundation
import Testing

/// A person annotates the seed article offline with real `gloss` processes.
@Suite struct AnnotateOfflineTests {
    @Test func theWholeOfflineStory() throws {
        let g = try GlossRunner()
        let key = try g.ok("init")
        #expect(key.contains("Created a ledger"))
        let pub = try g.ok("whoami").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(pub.count == 64 && key.contains(pub))
        let perms = try FileManager.default.attributesOfItem(atPath: g.ledger + "/key")[.posixPermissions] as? Int
        #expect(perms == 0o600)

        #expect(try g.ok("article", "add", GlossRunner.seedPath).contains("Added article"))
        let article = try g.firstID("article", "list")
        #expect(article.count == 12)

        // A passage with curly quotes, as written; and "Putin" by its context.
        let dozens = try g.ok("annotate", article, "--quote", "“Dozens” of demonstrators", "--comment", "Who counted?", "--tag", "casualties")
        #expect(dozens.contains("[786–811]"))
        let putin = try g.ok("annotate", article, "--quote", "Putin", "--prefix", "Moscow-friendly government. ", "--comment", "first", "--tag", "russia")
        #expect(putin.contains("[365–370]"))
        let pid = try g.firstID("list", "--tag", "russia")
        let did = try g.firstID("list", "--tag", "casualties")

        try g.ok("edit", pid, "--comment", "The order came from Moscow.")
        try g.ok("tag", pid, "--add", "kazakhstan", "--remove", "russia")
        let reply = try g.ok("reply", did, "--comment", "An official said so.")
        #expect(reply.contains("Replied"))
        try g.ok("delete", did)
        #expect(!(try g.ok("list")).split(separator: "\n").contains { $0.hasPrefix(did) })
        #expect(try g.ok("list", "--all").contains("[deleted]"))
        try g.ok("restore", did)

        let json = try JSONSerialization.jsonObject(with: Data(try g.ok("list", "--json").utf8)) as? [[String: Any]]
        let p = try #require(json?.first { ($0["id"] as? String)?.hasPrefix(pid) == true })
        #expect(p["body"] as? String == "The order came from Moscow.")
        #expect(p["tags"] as? [String] == ["kazakhstan"])
        #expect((p["selector"] as? [String: Any])?["exact"] as? String == "Putin")
        #expect(json?.count == 3)

        let show = try g.ok("show", did)
        #expect(show.contains("comment    Who counted?"))
        #expect(show.contains("An official said so."))
        #expect(try g.ok("log").split(separator: "\n").count == 1 + 8)
        #expect(try g.ok("verify").contains("ok: 8 events verified"))
    }

    @Test func helpTeaches() throws {
        let g = try GlossRunner()
        let help = try g.run(["--help"]).out
        #expect(help.contains("GLOSS_LEDGER"))
        #expect(help.contains("annotate"))
        let annotate = try g.run(["annotate", "--help"]).out
        #expect(annotate.contains("--occurrence"))
        #expect(annotate.contains("Example:"))
    }
}
