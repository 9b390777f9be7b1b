import Foundation
import Testing

/// Reading and finding annotations: `read`, `export`, `search`, `article revise`, `reanchor`.
@Suite struct ReadingTests {
    /// The seed with overlapping and nested highlights, a reply and a comment full of markup.
    func seeded() throws -> (GlossRunner, article: String) {
        let g = try GlossRunner()
        try g.ok("init")
        try g.ok("article", "add", GlossRunner.seedPath)
        let a = try g.firstID("article", "list")
        try g.ok("annotate", a, "--quote", "“Dozens” of demonstrators were killed", "--comment", "Who counted? <script>alert(1)</script> & co", "--tag", "casualties")
        try g.ok("annotate", a, "--quote", "demonstrators were killed, a Kazakh official", "--comment", "overlapping")
        try g.ok("annotate", a, "--quote", "Putin", "--suffix", " ordered it", "--comment", "Moscow's order", "--tag", "russia")
        try g.ok("annotate", a, "--quote", "collective security agreement with several", "--comment", "the treaty")
        try g.ok("annotate", a, "--quote", "security", "--occurrence", "1", "--comment", "nested inside")
        try g.ok("reply", try g.firstID("list", "--tag", "russia"), "--comment", "A reply to the order")
        return (g, a)
    }

    @Test func readMarksHighlightsAndListsNotes() throws {
        let (g, a) = try seeded()
        let out = try g.ok("read", a, "--no-color", "--width", "400")
        let narrow = try g.ok("read", a, "--no-color", "--width", "70")
        #expect(out.contains("[“Dozens” of [demonstrators were killed]⁴"), "overlapping highlights open where they start")
        #expect(out.contains(", a Kazakh official]⁵"))
        #expect(out.contains("[collective [security]³ agreement with"), "a nested highlight")
        #expect(out.contains("several]²"))
        #expect(out.contains("  ⁴ Who counted?"))
        #expect(out.contains("  ¹ Moscow's order  #russia"))
        #expect(out.contains("↳ A reply to the order"))
        #expect(!out.contains("\u{1B}["), "no colour codes when piped")
        #expect(narrow.split(separator: "\n").allSatisfy { $0.count <= 70 || !$0.contains(" ") }, "wrapped to the width")
        #expect(narrow.split(separator: "\n").count > out.split(separator: "\n").count)
    }

    @Test func htmlIsSelfContainedAndEscaped() throws {
        let (g, a) = try seeded()
        let path = g.home + "/page.html"
        try g.ok("export", a, "--format", "html", "--out", path)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!html.contains("<script>alert(1)</script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"), "no fetches, no scripts")
        #expect(html.components(separatedBy: "<mark").count - 1 >= 5, "every highlight piece is marked")
        for n in 1...5 { #expect(html.contains("id=\"n\(n)\"")) }
        let md = try g.ok("export", a, "--format", "markdown")
        #expect(md.contains("> “Dozens” of demonstrators were killed"))
        #expect(md.contains("- ↳ A reply to the order"))
    }

    /// A hit shows what it is about: the passage, the note and the tags, the matched words
    /// marked; a reply shows the passage of its thread and whom it answers.
    @Test func searchHitsShowPassageNoteAndTags() throws {
        let (g, _) = try seeded()
        let hit = try g.ok("search", "counted")
        #expect(hit.contains("    passage  “Dozens” of demonstrators were killed"), "\(hit)")
        #expect(hit.contains("    note     Who [counted]?"))
        #expect(hit.contains("    tags     #casualties"))
        let order = try g.firstID("list", "--tag", "russia")
        let reply = try g.ok("search", "reply")
        #expect(reply.contains("    reply to \(order): \"Putin\""), "\(reply)")
        #expect(reply.contains("    note     A [reply] to the order"))
        #expect(try g.ok("search", "casualties").contains("    tags     #[casualties]"))
    }

    @Test func searchFindsCommentsQuotesAndTags() throws {
        let (g, _) = try seeded()
        #expect(try g.ok("search", "counted").contains("Who [counted]"))
        #expect(try g.ok("search", "demonstrators").contains("[demonstrators]"))
        #expect(try g.ok("search", "casualties").contains("[casualties]"))
        #expect(try g.ok("search", "moscow's").contains("[Moscow's]"), "punctuation in the query")
        #expect(try g.ok("search", "“dozens”").contains("Dozens"), "non-ASCII in the query")
        let none = try g.run(["search", "nowhere-to-be-found"])
        #expect(none.status == 1 && none.err.contains("no annotation matches"), "no hit is exit 1, as grep: \(none.status) \(none.err)")
        let json = try JSONSerialization.jsonObject(with: Data(try g.ok("search", "russia", "--json").utf8)) as? [[String: Any]]
        #expect(json?.count == 1)
        // Kept current: a new annotation is found at once.
        try g.ok("annotate", try g.firstID("article", "list"), "--quote", "peacekeepers", "--comment", "zanzibar")
        #expect(try g.ok("search", "zanzibar").contains("zanzibar"))
    }

    @Test func reviseReanchorsAndListsOrphans() throws {
        let (g, a) = try seeded()
        let seed = try String(contentsOfFile: GlossRunner.seedPath, encoding: .utf8)
        // The sentence with "Putin ordered it…" goes; the "Dozens" paragraph moves to the top.
        let dozens = seed.components(separatedBy: "\n\n").first { $0.contains("“Dozens”") }!
        let gone = "Putin ordered it under a collective security agreement with several of the former Soviet republics on Russia’s border, but the question will be whether they ever leave:"
        #expect(seed.contains(gone))
        var revised = seed.replacingOccurrences(" " + gone, "")
        revised = dozens + "\n\n" + revised.replacingOccurrences(dozens + "\n\n", "")
        let file = try g.write("revised.txt", Array(revised.utf8))
        let out = try g.ok("article", "revise", a, file)
        #expect(out.contains("orphaned"))
        let read = try g.ok("read", a, "--no-color", "--width", "200")
        #expect(read.contains("orphaned annotation"))
        #expect(read.contains("was \"Putin\""))
        #expect(read.contains("[“Dozens” of [demonstrators were killed]"), "the moved paragraph keeps its highlights")
        // Re-attach the orphan by hand.
        let putin = try g.firstID("list", "--tag", "russia")
        try g.ok("reanchor", putin, "--quote", "Putin really does")
        let after = try g.ok("read", a, "--no-color", "--width", "200")
        #expect(after.contains("[Putin really does]"))
        #expect(try g.ok("history", putin).contains("re-anchored"))
        #expect(try g.ok("verify").contains("ok:"))
        // Only the one who added the article may revise it.
        let other = try GlossRunner()
        try other.ok("init")
        try FileManager.default.removeItem(atPath: other.ledger + "/ledger.sqlite")
        try FileManager.default.copyItem(atPath: g.ledger + "/ledger.sqlite", toPath: other.ledger + "/ledger.sqlite")
        #expect(try other.fails("article", "revise", a, file).err.contains("only someone who added"))
    }

    /// The HTML page in a real browser: Debian's headless Chromium renders it, its DOM has every
    /// highlight, no script error is logged, and a screenshot is left for a person to look at.
    @Test func htmlRendersInChromium() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
                     "Debian's chromium is needed: `make test` installs it (.ci/install-deps)")
        let (g, a) = try seeded()
        let page = g.home + "/page.html"
        try g.ok("export", a, "--format", "html", "--out", page)
        let shots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        for (name, size) in [("desktop", "1280,1600"), ("phone", "390,1400")] {
            let png = shots.appendingPathComponent("seed-\(name).png").path
            let r = try chromium(["--screenshot=\(png)", "--window-size=\(size)", "file://\(page)"])
            #expect(r.status == 0, "chromium failed: \(r.err)")
            #expect((try? FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0 > 20_000, "a real screenshot")
            #expect(!r.err.contains("Uncaught"), "no script errors")
        }
        let dom = try chromium(["--dump-dom", "file://\(page)"])
        #expect(dom.out.components(separatedBy: "<mark").count - 1 >= 5)
        for n in 1...5 { #expect(dom.out.contains("id=\"n\(n)\"")) }
    }

    func chromium(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--hide-scrollbars"] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }


    /// Articles saved with CR LF (or CR) line breaks read as paragraphs, in the terminal, the
    /// HTML page and Markdown; and a revision to another normalisation form is a change.
    @Test func crlfArticlesHaveParagraphsAndNormalisationIsAChange() throws {
        let g = try GlossRunner()
        try g.ok("init")
        let text = "A title\r\n\r\nFirst paragraph, about the régime.\r\nStill the first.\r\n\r\nSecond paragraph.\r\n"
        try g.ok("article", "add", try g.write("crlf.txt", Array(text.utf8)))
        let a = try g.firstID("article", "list")
        try g.ok("annotate", a, "--quote", "Second paragraph", "--comment", "second")
        let read = try g.ok("read", a, "--no-color", "--width", "200")
        #expect(read.contains("First paragraph, about the régime. Still the first.\n\n[Second paragraph]"), "\(read)")
        #expect(!read.contains("\\r"), "no CR shown as text")
        let path = g.home + "/crlf.html"
        try g.ok("export", a, "--format", "html", "--out", path)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.components(separatedBy: "<section class=\"para\">").count - 1 == 3, "title line and two paragraphs")
        #expect(!html.contains("\\r"))
        let md = try g.ok("export", a, "--format", "markdown")
        #expect(!md.contains("\r") && !md.contains("\\r"))
        // The same words in NFD (é as e + U+0301): other bytes, so a revision, not "nothing to change".
        let nfd = text.decomposedStringWithCanonicalMapping
        #expect(Array(nfd.utf8) != Array(text.utf8))
        let revised = try g.run(["article", "revise", a, try g.write("nfd.txt", Array(nfd.utf8))])
        #expect(revised.ok && revised.out.contains("Revised"), "\(revised.out) \(revised.err)")
        // A quote typed in NFC finds the NFD text.
        let annotated = try g.run(["annotate", a, "--quote", "régime", "--comment", "typed in NFC"])
        #expect(annotated.ok && annotated.out.contains("Annotated"), "\(annotated.err)")
    }

    /// After `article revise`, `show` and `list` say where each annotation is now, or that it is
    /// an orphan and why; repeated short quotes are told apart by the words around them.
    @Test func showAndListFollowTheRevisedText() throws {
        let g = try GlossRunner()
        try g.ok("init")
        try g.ok("article", "add", GlossRunner.seedPath)
        let a = try g.firstID("article", "list")
        try g.ok("annotate", a, "--quote", "Putin", "--occurrence", "2", "--comment", "second")
        try g.ok("annotate", a, "--quote", "Putin", "--occurrence", "3", "--comment", "third")
        try g.ok("annotate", a, "--quote", "Kazakhstan overnight", "--comment", "gone")
        let before = try g.ok("list")
        #expect(before.contains("government. [Putin] ordered it") && before.contains("first time [Putin] has used"), "\(before)")
        let seed = try String(contentsOfFile: GlossRunner.seedPath, encoding: .utf8)
        let revised = seed.replacingOccurrences(of: "Kazakhstan overnight", with: "Almaty")
            .replacingOccurrences(of: "Putin ordered it under a collective security agreement", with: "Putin ordered it, under a collective-security agreement,")
        try g.ok("article", "revise", a, try g.write("revised.txt", Array(revised.utf8)))
        let after = try g.ok("list")
        #expect(after.contains("\"Kazakhstan overnight\" [orphan]"), "\(after)")
        #expect(after.contains("government. [Putin] ordered it, und"), "the line shows the revised text: \(after)")
        let ids = after.split(separator: "\n").map { String($0.prefix(12)) }
        let shows = try ids.map { try g.ok("show", $0) }
        let orphan = try #require(shows.first { $0.contains("comment    gone") })
        #expect(orphan.contains("orphaned: \"Kazakhstan overnight\" is gone from the revised text"), "\(orphan)")
        #expect(orphan.contains("it was [273–293]"))
        let moved = try #require(shows.first { $0.contains("comment    second") })
        let offset = revised.unicodeScalars.distance(from: revised.unicodeScalars.startIndex, to: try #require(revised.range(of: "Putin ordered it,")?.lowerBound.samePosition(in: revised.unicodeScalars)))
        #expect(moved.contains("passage    [\(offset)–\(offset + 5)]"), "the offsets of the revised text: \(moved)")
        #expect(moved.contains("found again by its quote and context in the revised text"))
        let md = try g.ok("export", a, "--format", "markdown")
        #expect(md.contains("government. **Putin** ordered it"), "a short quote in its sentence: \(md)")
    }

    /// Every command that prints data has `--json`, and it parses, with the fields README
    /// §JSON output names.
    @Test func jsonOnEveryCommandThatPrintsData() throws {
        let (g, a) = try seeded()
        func parse(_ args: String...) throws -> Any {
            let r = try g.run(args)
            #expect(r.ok, "gloss \(args.joined(separator: " ")) failed: \(r.err)")
            return try JSONSerialization.jsonObject(with: Data(r.out.utf8))
        }
        let ann = try g.firstID("list", "--tag", "russia")
        let show = try #require(try parse("show", ann, "--json") as? [String: Any])
        #expect(show["body"] as? String == "Moscow's order")
        #expect((show["placement"] as? [String: Any])?["state"] as? String == "original")
        #expect((show["repliesShown"] as? [[String: Any]])?.first?["body"] as? String == "A reply to the order")
        let history = try #require(try parse("history", ann, "--json") as? [String: Any])
        #expect((history["changes"] as? [[String: Any]])?.first?["kind"] as? String == "annotation.created")
        let log = try #require(try parse("log", "--json") as? [[String: Any]])
        #expect(log.count == 7 && log.allSatisfy { $0["id"] is String && $0["seq"] is Int && $0["kind"] is String })
        let articles = try #require(try parse("article", "list", "--json") as? [[String: Any]])
        #expect(articles.first?["annotations"] as? Int == 6 && (articles.first?["id"] as? String)?.hasPrefix(a) == true)
        #expect((try parse("peer", "list", "--json") as? [Any])?.isEmpty == true)
        let article = try #require(try parse("article", "show", a, "--json") as? [String: Any])
        #expect((article["text"] as? String)?.hasPrefix("Don't look now") == true && article["revised"] as? Bool == false)
        let frontier = try #require(try parse("frontier", "--json") as? [[String: Any]])
        #expect(frontier.first?["seq"] as? Int == 7)
        let verify = try #require(try parse("verify", "--json") as? [String: Any])
        #expect(verify["ok"] as? Bool == true && verify["events"] as? Int == 7 && verify["projection"] as? String == "agrees")
        let snap = try #require(try parse("snapshot", "--out", g.home + "/s.json", "--json") as? [String: Any])
        #expect(snap["snapshot"] as? String == verify["snapshot"] as? String, "the summary names the same state verify checked")
        #expect(try g.run(["snapshot", "--json"]).status == 64, "--json needs --out")
    }
}

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String { components(separatedBy: a).joined(separator: b) }
}
