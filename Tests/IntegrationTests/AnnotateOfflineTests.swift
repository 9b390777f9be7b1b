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

    /// A passage copied from `gloss read` (wrapped at 40 columns) annotates as it is; a quote
    /// that is not in the article gets the nearest passages, and the ledger stays as it was.
    @Test func aPassageCopiedFromReadCanBeAnnotated() throws {
        let g = try GlossRunner()
        try g.ok("init")
        try g.ok("article", "add", GlossRunner.seedPath)
        let article = try g.firstID("article", "list")
        let read = try g.ok("read", article, "--no-color", "--width", "40")
        // Two consecutive lines of the wrapped paragraph, as a terminal selection copies them.
        let lines = read.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let i = try #require(lines.firstIndex { $0.contains("collective security") })
        let copied = lines[i] + "\n" + lines[i + 1]
        let out = try g.ok("annotate", article, "--quote", copied, "--comment", "copied from read")
        #expect(out.contains("Annotated"))
        let shown = try g.ok("show", try g.firstID("list"))
        #expect(shown.contains(lines[i].trimmingCharacters(in: .whitespaces) + " " + lines[i + 1].trimmingCharacters(in: .whitespaces)),
                "the passage is the article's own text, one space where the copy had a line break: \(shown)")

        let miss = try g.fails("annotate", article, "--quote", "Putin ordered it under a collective agreement")
        #expect(miss.err.contains("nearest passage") && miss.err.contains("[365–"), "\(miss.err)")
    }

    @Test func helpTeaches() throws {
        let g = try GlossRunner()
        let help = try g.run(["--help"]).out
        #expect(help.contains("GLOSS_LEDGER"))
        #expect(help.contains("annotate"))
        let annotate = try g.run(["annotate", "--help"]).out
        #expect(annotate.contains("--occurrence"))
        #expect(annotate.contains("Example"))
    }

    /// Every command's help: paragraphs wrap at the terminal's width, not the source's, and
    /// every example runs as written, on a ledger holding the seed article.
    @Test func everyHelpExampleRunsAsWritten() throws {
        let g = try GlossRunner()
        try g.ok("init")
        try g.ok("article", "add", GlossRunner.seedPath)
        let commands = ["", "init", "whoami", "article", "article add", "article list", "article show", "article revise", "annotate",
                        "reply", "edit", "tag", "delete", "restore", "list", "show", "history", "search", "read", "export", "reanchor",
                        "snapshot", "import", "bundle", "bundle export", "bundle import", "frontier", "serve", "sync", "peer",
                        "peer allow", "peer list", "peer remove", "key", "key export", "key import", "log", "verify"]
        var examples = 0
        for c in commands {
            let args = c.split(separator: " ").map(String.init) + ["--help"]
            let help = try g.run(args)
            #expect(help.ok, "gloss \(c) --help failed")
            let lines = help.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // A source line break left in a paragraph shows as a line much shorter than the width
            // followed by one that goes on with the sentence in lower case.
            for (a, b) in zip(lines, lines.dropFirst()) where a.count < 50 && a.last.map({ $0.isLetter || $0 == "," }) == true
                && b.first?.isLowercase == true && !a.hasPrefix(" ") && !a.hasPrefix("USAGE") && !a.hasSuffix(":") {
                Issue.record("gloss \(c) --help breaks a sentence: \"\(a)\" / \"\(b)\"")
            }
            for (i, line) in lines.enumerated() where line.hasPrefix("  gloss ") && i > 0 && lines[i - 1].contains("Example") {
                let words = Self.shellWords(String(line.dropFirst(2)))
                let r = try g.run(Array(words.dropFirst()))
                #expect(r.ok, "the example `\(line)` of gloss \(c) --help fails: \(r.err)")
                examples += 1
            }
        }
        #expect(examples >= 1, "the help shows at least one example")
    }

    /// A command line split as a shell would (double quotes only).
    static func shellWords(_ s: String) -> [String] {
        var words: [String] = [], current = "", quoted = false, started = false
        for c in s {
            if c == "\"" { quoted.toggle(); started = true; continue }
            if c == " " && !quoted {
                if started { words.append(current); current = ""; started = false }
                continue
            }
            current.append(c); started = true
        }
        if started { words.append(current) }
        return words
    }
}
