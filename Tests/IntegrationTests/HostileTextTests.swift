import Foundation
import Testing

/// A peer's words are data: an article, a comment and a reply holding escape sequences, C1
/// controls and bidirectional overrides, synced over real TCP, print as visible text in every
/// command of the receiving ledger (and in its errors), never as bytes a terminal acts on.
@Suite struct HostileTextTests {
    static let comment = "fine \u{1B}[2J\u{1B}]0;pwned\u{07} \u{1B}[31mRED \u{202E}evil\u{202C} \u{9B}31m\r\nsecond line"

    /// Scalars a terminal would act on (newline and tab aside). Written here, independently of
    /// the code under test.
    static func hazards(_ s: String) -> Set<UInt32> {
        var found: Set<UInt32> = []
        for v in s.unicodeScalars.map(\.value) where isHazard(v) { found.insert(v) }
        return found
    }

    static func isHazard(_ v: UInt32) -> Bool {
        if v == 0x0A || v == 0x09 { return false }
        if v < 0x20 || (0x7F...0x9F).contains(v) { return true }
        if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) { return true }
        return v == 0x200E || v == 0x200F || v == 0x061C
    }

    func expectClean(_ r: GlossRunner.Result, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let h = Self.hazards(r.out + r.err)
        #expect(h.isEmpty, "gloss \(what) printed raw controls \(h.map { String($0, radix: 16) }.sorted())", sourceLocation: sourceLocation)
    }

    @Test func aPeersTextArrivesAsTextInEveryCommand() throws {
        let p = try GlossRunner.peers()
        let alice = p[0], bob = p[1]
        let file = try alice.write("hostile.txt", Array("Title \u{1B}]0;pwned\u{07} \u{202E}evil\n\nTroops \u{1B}[2J landed. Putin ordered it.\n".utf8))
        try alice.ok("article", "add", file)
        let article = try alice.firstID("article", "list")
        try alice.ok("annotate", article, "--quote", "Putin ordered", "--comment", Self.comment, "--tag", "hostile")
        let ann = try alice.firstID("list")
        try alice.ok("reply", ann, "--comment", Self.comment)
        // Bob names Alice on his allow-list with a hostile name too (his own input, shown as text).
        try bob.ok("peer", "allow", alice.publicKey, "--name", "Alice\u{1B}[2J")
        let server = try ServerProcess(alice)
        let sync = try bob.run(["sync", server.address])
        #expect(sync.ok, "sync failed: \(sync.err)")
        expectClean(sync, "sync")

        var outputs: [String: GlossRunner.Result] = [:]
        for args in [["list"], ["list", "--all"], ["show", ann], ["read", article], ["read", article, "--no-color"], ["search", "fine"],
                     ["history", ann], ["log"], ["verify"], ["article", "list"], ["peer", "list"],
                     ["export", article, "--format", "markdown"], ["export", article, "--format", "html"]] {
            let r = try bob.run(args)
            #expect(r.ok, "gloss \(args.joined(separator: " ")) failed: \(r.err)")
            expectClean(r, args.joined(separator: " "))
            outputs[args.joined(separator: " ")] = r
        }
        for cmd in ["list", "show \(ann)", "read \(article)", "search fine", "history \(ann)"] {
            #expect(outputs[cmd]?.out.contains("\\x1b[2J") == true, "gloss \(cmd) shows the escape as text: \(outputs[cmd]?.out ?? "")")
        }
        #expect(outputs["show \(ann)"]?.out.contains("U+202Eevil") == true)
        #expect(outputs["article list"]?.out.contains("Title \\x1b]0;pwned\\x07 U+202Eevil") == true)
        #expect(outputs["peer list"]?.out.contains("Alice\\x1b[2J") == true)

        // On a terminal (script(1) gives one), in colour: the only escape sequences are SGR colours.
        for args in [["list"], ["show", ann], ["read", article], ["search", "fine"], ["history", ann]] {
            let cmd = ([GlossRunner.binary, "--no-pager"] + args).joined(separator: " ")
            let r = try bob.run(["-qec", cmd, "/dev/null"], binary: "/usr/bin/script")
            #expect(r.ok && r.out.contains("\\x1b[2J"), "\(args) on a terminal: \(r.out)")
            let coloursOnly = r.out.replacingOccurrences(of: #"\u{1B}\[[0-9;]*m"#, with: "", options: .regularExpression)
                .replacingOccurrences(of: "\r", with: "")
            #expect(Self.hazards(coloursOnly).isEmpty, "gloss \(args) on a terminal printed raw controls \(Self.hazards(coloursOnly))")
        }

        // Errors that quote their input neutralise it as well.
        let bad = try bob.fails("show", "\u{1B}[2Jzz\u{202E}")
        expectClean(bad, "show (bad id)")
        #expect(bad.err.contains("\\x1b[2Jzz"))
        #expect(server.stop())
        #expect(Self.hazards(server.log).isEmpty, "the server's log holds raw controls")
    }

    @Test func dataSentToAFileIsKeptExactly() throws {
        let g = try GlossRunner()
        try g.ok("init")
        let text = "Title\n\nA line with \u{1B}[1m bold \u{202E} text.\n"
        let file = try g.write("a.txt", Array(text.utf8))
        try g.ok("article", "add", file)
        let article = try g.firstID("article", "list")
        // Piped, `article show` gives back the stored text byte for byte (to revise it, say).
        #expect(try g.ok("article", "show", article) == text)
    }
}
