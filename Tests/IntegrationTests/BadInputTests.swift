import Foundation
import Testing

/// Every bad input gets a clear message, a non-zero exit, and a ledger left exactly as it was.
@Suite struct BadInputTests {
    /// A ledger holding the seed article and one annotation.
    func seeded() throws -> (GlossRunner, article: String, annotation: String) {
        let g = try GlossRunner()
        try g.ok("init")
        try g.ok("article", "add", GlossRunner.seedPath)
        let article = try g.firstID("article", "list")
        try g.ok("annotate", article, "--quote", "Kazakhstan overnight", "--comment", "mine")
        return (g, article, try g.firstID("list"))
    }

    @Test func noLedgerYetSaysInit() throws {
        let g = try GlossRunner()
        let r = try g.fails("list")
        #expect(r.err.contains("gloss init"))
        #expect(!FileManager.default.fileExists(atPath: g.ledger))
    }

    @Test func initTwiceIsRefused() throws {
        let (g, _, _) = try seeded()
        #expect(try g.fails("init").err.contains("already holds a ledger"))
    }

    @Test func unknownAndMalformedIDs() throws {
        let (g, article, ann) = try seeded()
        let unknown = ann.hasPrefix("f") ? "0000" : "ffff"
        #expect(try g.fails("show", unknown).err.contains("no annotation has an id starting with"))
        #expect(try g.fails("show", "xyz").err.contains("is not an annotation id"))
        #expect(try g.fails("annotate", ann, "--quote", "Putin").err.contains("no article has an id"))
        _ = article
    }

    @Test func ambiguousPrefixListsTheCandidates() throws {
        let g = try GlossRunner()
        try g.ok("init")
        let text = try g.write("a.txt", Array("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho".utf8))
        try g.ok("article", "add", text)
        let article = try g.firstID("article", "list")
        for i in 0..<17 { try g.ok("annotate", article, "--start", "\(i)", "--end", "\(i + 1)") }
        // 17 ids, 16 possible first digits: at least two share one.
        let ids = try g.run(["list"]).out.split(separator: "\n").map { String($0.prefix(1)) }
        let shared = try #require(Dictionary(grouping: ids, by: { $0 }).first { $0.value.count > 1 }?.key)
        let r = try g.fails("show", shared)
        #expect(r.err.contains("is ambiguous"))
        #expect(r.err.contains("type more digits"))
    }

    @Test func quoteProblems() throws {
        let (g, article, _) = try seeded()
        #expect(try g.fails("annotate", article, "--quote", "Obama").err.contains("does not occur"))
        let many = try g.fails("annotate", article, "--quote", "Putin")
        #expect(many.err.contains("occurs 20 times"))
        #expect(many.err.contains("--occurrence"))
        #expect(try g.fails("annotate", article, "--quote", "Putin", "--occurrence", "99").err.contains("out of range"))
        #expect(try g.fails("annotate", article, "--start", "10", "--end", "999999").err.contains("not a passage"))
        #expect(try g.fails("annotate", article, "--start", "10", "--end", "5").err.contains("not a passage"))
        #expect(try g.fails("annotate", article).err.contains("--quote"))
        #expect(try g.fails("annotate", article, "--quote", "Putin", "--start", "1", "--end", "2").err.contains("not both"))
        #expect(try g.fails("annotate", article, "--quote", "Kazakhstan", "--motivation", "shouting").err.contains("W3C motivation"))
    }

    @Test func offsetsSplittingACharacter() throws {
        let g = try GlossRunner()
        try g.ok("init")
        try g.ok("article", "add", try g.write("cafe.txt", Array("Cafe\u{0301} and 🇺🇦.".utf8)))
        let article = try g.firstID("article", "list")
        #expect(try g.fails("annotate", article, "--start", "0", "--end", "4").err.contains("inside a character"))
        #expect(try g.ok("annotate", article, "--start", "0", "--end", "5").contains("Café"))
    }

    @Test func badArticleFiles() throws {
        let g = try GlossRunner()
        try g.ok("init")
        #expect(try g.fails("article", "add", try g.write("empty.txt", [])).err.contains("is empty"))
        let latin1 = try g.fails("article", "add", try g.write("latin1.txt", [0x63, 0x61, 0x66, 0xE9]))
        #expect(latin1.err.contains("not UTF-8") && latin1.err.contains("iconv -f WINDOWS-1252 -t UTF-8"), "the hint names the source encoding: \(latin1.err)")
        #expect(try g.fails("article", "add", g.home + "/missing.txt").err.contains("does not exist"))
        #expect(try g.fails("article", "add", try g.write("blank.txt", Array(" \n\t\n  ".utf8))).err.contains("only white space"))
        // Too large: refused by its size, in words, before it is read.
        let big = try g.write("big.txt", [UInt8](repeating: 0x61, count: 3_000_000))
        let tooBig = try g.fails("article", "add", big)
        #expect(tooBig.err.contains("3,000,000 bytes") && tooBig.err.contains("1,048,576 bytes (1 MiB)"), "\(tooBig.err)")
    }

    @Test func aByteOrderMarkIsNotPartOfTheTitle() throws {
        let g = try GlossRunner()
        try g.ok("init")
        let out = try g.ok("article", "add", try g.write("bom.txt", [0xEF, 0xBB, 0xBF] + Array("The title\n\nSome text.\n".utf8)))
        #expect(out.contains("  The title\n"))
        #expect(try g.ok("article", "list").contains("  The title  ("))
        #expect(try g.ok("article", "show", try g.firstID("article", "list")) == "The title\n\nSome text.\n")
    }

    @Test func aCommentOfWhiteSpaceIsRefused() throws {
        let (g, article, annotation) = try seeded()
        #expect(try g.fails("annotate", article, "--quote", "Putin", "--occurrence", "1", "--comment", "  \n\t").err.contains("only white space"))
        #expect(try g.fails("annotate", article, "--quote", "Putin", "--occurrence", "1", "--comment", "").err.contains("the comment is empty"))
        #expect(try g.fails("reply", annotation, "--comment", "   ").err.contains("only white space"))
        #expect(try g.fails("edit", annotation, "--comment", " ").err.contains("only white space"))
        // Clearing a comment on purpose is still possible.
        try g.ok("edit", annotation, "--comment", "")
    }

    @Test func aPortWithNoServerSaysSo() throws {
        let g = try GlossRunner()
        try g.ok("init")
        // A port that was just free: bind one, note it, close it.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        close(fd)
        let r = try g.fails("sync", "127.0.0.1:\(port)", "--expect-key", String(repeating: "ab", count: 32))
        #expect(r.err.contains("nothing accepts connections at 127.0.0.1:\(port)") && !r.err.contains("errno"), "\(r.err)")
    }

    @Test func editingSomeoneElsesAnnotation() throws {
        let (alice, _, ann) = try seeded()
        // Bob holds a copy of Alice's log, with his own key.
        let bob = try GlossRunner()
        try bob.ok("init")
        let fm = FileManager.default
        try fm.removeItem(atPath: bob.ledger + "/ledger.sqlite")
        try fm.copyItem(atPath: alice.ledger + "/ledger.sqlite", toPath: bob.ledger + "/ledger.sqlite")
        #expect(try bob.fails("edit", ann, "--comment", "bob's").err.contains("only its author"))
        #expect(try bob.fails("tag", ann, "--add", "x").err.contains("only its author"))
        #expect(try bob.fails("delete", ann).err.contains("reply"))
        #expect(try bob.ok("reply", ann, "--comment", "bob replies").contains("Replied"))
        #expect(try bob.ok("verify").contains("ok:"))
    }

    @Test func stateErrors() throws {
        let (g, _, ann) = try seeded()
        #expect(try g.fails("restore", ann).err.contains("is not deleted"))
        #expect(try g.fails("tag", ann, "--remove", "nope").err.contains("not tagged"))
        try g.ok("delete", ann)
        #expect(try g.fails("delete", ann).err.contains("already deleted"))
        #expect(try g.fails("reply", ann, "--comment", "").err.contains("empty"))
    }

    @Test func corruptLedgerFile() throws {
        let (g, _, _) = try seeded()
        let db = g.ledger + "/ledger.sqlite"
        try? FileManager.default.removeItem(atPath: db + "-wal")
        try? FileManager.default.removeItem(atPath: db + "-shm")
        try Data(repeating: 0x2A, count: 8192).write(to: URL(fileURLWithPath: db))
        let r = try g.run(["list"])
        #expect(r.status != 0)
        #expect(r.err.contains("is not a Gloss ledger database"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == Data(repeating: 0x2A, count: 8192), "the file is left as it was")
    }

    @Test func keyReadableByOthersIsRefused() throws {
        let (g, _, _) = try seeded()
        chmod(g.ledger + "/key", 0o644)
        let r = try g.run(["whoami"])
        #expect(r.status != 0)
        #expect(r.err.contains("chmod 600"))
        #expect(!r.err.contains("gloss-ed25519-seed"), "never print the key")
    }

    @Test func verifyCatchesAHandEditedRow() throws {
        let (g, article, _) = try seeded()
        try g.ok("annotate", article, "--quote", "Putin", "--occurrence", "2")
        #expect(try g.ok("verify").contains("ok: 3 events"))
        let db = g.ledger + "/ledger.sqlite"
        // The triggers refuse the edit as long as they are there.
        #expect(try sqlite(db, "UPDATE events SET time = time + 1 WHERE rowid = 2").status != 0)
        #expect(try sqlite(db, """
            DROP TRIGGER events_append_only_update;
            UPDATE events SET time = time + 1 WHERE rowid = 2;
            UPDATE events SET bytes = substr(bytes, 1, 150) || x'00' || substr(bytes, 152) WHERE rowid = 3;
            """).status == 0)
        let r = try g.run(["verify"])
        #expect(r.status == 1)
        #expect(r.out.contains("append-only triggers"))
        #expect(r.out.contains("row 2"))
        #expect(r.out.contains("row 3"))
    }

    func sqlite(_ db: String, _ sql: String) throws -> (status: Int32, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = [db, sql]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// The exit statuses of README §Exit status, each through the real binary.
    @Test func exitStatusesFollowTheTable() throws {
        let (g, article, _) = try seeded()
        func status(_ args: String...) throws -> Int32 { try g.run(args).status }
        #expect(try status("lsit") == 64, "an unknown command is a usage error")
        #expect(try status("show", "zz") == 64, "a malformed id is a usage error")
        #expect(try status("annotate", article, "--quote", "x", "--start", "1") == 64)
        #expect(try status("show", "0000") == 66, "no annotation by that id")
        #expect(try status("article", "add", g.home + "/missing.txt") == 66)
        #expect(try g.run(["list"], env: ["GLOSS_LEDGER": g.home + "/nowhere"]).status == 66, "no ledger there")
        #expect(try status("annotate", article, "--quote", "not in the article at all") == 65)
        #expect(try status("annotate", article, "--quote", "Putin", "--occurrence", "1", "--comment", " ") == 65)
        #expect(try status("search", "nowhere-to-be-found") == 1)
        #expect(try status("search", "nowhere-to-be-found", "--json") == 1)
        #expect(try status("search", "Kazakhstan") == 0)
        #expect(try status("sync", "127.0.0.1:1", "--expect-key", String(repeating: "ab", count: 32)) == 69)
        chmod(g.ledger, 0o755)
        #expect(try status("list") == 77, "a ledger others may read")
        chmod(g.ledger, 0o700)
        #expect(try status("list") == 0)
    }

    /// `-` is standard input for an article and a comment; a reply with no comment opens the
    /// editor on a terminal and is refused, saying how to give one, elsewhere.
    @Test func standardInputAndTheEditor() throws {
        let (g, _, annotation) = try seeded()
        let added = try g.run(["article", "add", "-"], input: Array("Piped title\n\nPiped text.\n".utf8))
        #expect(added.ok && added.out.contains("Piped title"), "\(added.err)")
        #expect(try g.ok("article", "list").contains("Piped title"))
        let reply = try g.run(["reply", annotation, "--comment", "-"], input: Array("from standard input\n".utf8))
        #expect(reply.ok)
        #expect(try g.ok("show", annotation).contains(": from standard input"))
        let none = try g.run(["reply", annotation])
        #expect(none.status == 64 && none.err.contains("--comment -"), "\(none.err)")
        // On a terminal (script(1) gives one), $EDITOR writes the reply.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            Issue.record("script(1) is missing: install bsdutils"); return
        }
        let editor = g.home + "/editor.sh"
        try Data("#!/bin/sh\nprintf 'written in the editor\\n# a comment line\\n' > \"$1\"\n".utf8).write(to: URL(fileURLWithPath: editor))
        chmod(editor, 0o755)
        let cmd = "\(GlossRunner.binary) reply \(annotation)"
        let r = try g.run(["-qec", cmd, "/dev/null"], env: ["EDITOR": editor], binary: "/usr/bin/script")
        #expect(r.ok, "\(r.out) \(r.err)")
        let show = try g.ok("show", annotation)
        #expect(show.contains(": written in the editor") && !show.contains("a comment line"), "\(show)")
        // `edit` with nothing to change opens the editor on the current comment.
        let append = g.home + "/append.sh"
        try Data("#!/bin/sh\nsed -i '1s/$/ (amended)/' \"$1\"\n".utf8).write(to: URL(fileURLWithPath: append))
        chmod(append, 0o755)
        let amend = try g.run(["-qec", "\(GlossRunner.binary) edit \(annotation)", "/dev/null"], env: ["EDITOR": append], binary: "/usr/bin/script")
        #expect(amend.ok, "\(amend.out)")
        #expect(try g.ok("show", annotation).contains("comment    mine (amended)"))
        let piped = try g.run(["edit", annotation])
        #expect(piped.status == 64 && piped.err.contains("--comment"), "off a terminal, edit says what to give: \(piped.err)")
    }

    /// A mistyped command or option is named, with the near one; `--version` says what runs.
    @Test func typosGetASuggestionAndVersionSaysWhatRuns() throws {
        let (g, article, _) = try seeded()
        let cmd = try g.run(["lsit"])
        #expect(cmd.status == 64 && cmd.err.contains("unknown command 'lsit'") && cmd.err.contains("did you mean 'list'?"), "\(cmd.err)")
        let sub = try g.run(["peer", "alow", "x"])
        #expect(sub.err.contains("did you mean 'allow'?"), "\(sub.err)")
        let opt = try g.run(["annotate", article, "--qoute", "Putin"])
        #expect(opt.status == 64 && opt.err.contains("unknown option '--qoute'") && opt.err.contains("did you mean '--quote'?"), "\(opt.err)")
        let far = try g.run(["xyzzy"])
        #expect(far.status == 64 && !far.err.contains("did you mean"), "nothing near: no suggestion")
        let v = try g.run(["--version"])
        #expect(v.ok && v.out.hasPrefix("gloss ") && v.out.contains("SQLite") && v.out.contains("OpenSSL"), "\(v.out)")
    }

    /// Long-output commands go through $PAGER on a terminal, never when piped or with --no-pager.
    @Test func aPagerOnATerminalOnly() throws {
        let (g, _, _) = try seeded()
        let pager = g.home + "/pager.sh"
        try Data("#!/bin/sh\necho PAGED\ncat\n".utf8).write(to: URL(fileURLWithPath: pager))
        chmod(pager, 0o755)
        let onTerminal = try g.run(["-qec", "\(GlossRunner.binary) list", "/dev/null"], env: ["PAGER": pager], binary: "/usr/bin/script")
        #expect(onTerminal.out.contains("PAGED") && onTerminal.out.contains("Kazakhstan overnight"), "\(onTerminal.out)")
        let noPager = try g.run(["-qec", "\(GlossRunner.binary) --no-pager list", "/dev/null"], env: ["PAGER": pager], binary: "/usr/bin/script")
        #expect(!noPager.out.contains("PAGED") && noPager.out.contains("Kazakhstan overnight"))
        let piped = try g.run(["list"], env: ["PAGER": pager])
        #expect(!piped.out.contains("PAGED") && piped.out.contains("Kazakhstan overnight"))
    }
}
