import Foundation
import Testing

/// Issue 13's failures through the real binary: revisions of the seed article that must orphan
/// (never jump to a look-alike) and say what is closest, normalisation both ways, a hand
/// re-attachment on a revision that lost, and the losing revision kept in view.
@Suite struct RevisionAnchoringTests {
    let seed = (try? String(contentsOfFile: GlossRunner.seedPath, encoding: .utf8)) ?? ""

    func ledger() throws -> (GlossRunner, String) {
        let g = try GlossRunner()
        try g.ok("init")
        try g.ok("article", "add", GlossRunner.seedPath)
        return (g, try g.firstID("article", "list"))
    }

    func revise(_ g: GlossRunner, _ article: String, _ text: String) throws -> String {
        try g.ok("article", "revise", article, try g.write("revised.txt", Array(text.utf8)))
    }

    @Test func aDeletedSentenceRepeatedInACorrectionBoxIsAnOrphan() throws {
        let (g, article) = try ledger()
        let sentence = "State TV reported that more than a dozen members of law enforcement were dead, two of whom were said to have been decapitated, according to\u{A0}Reuters. "
        try g.ok("annotate", article, "--quote", "State TV reported that more than a dozen members of law enforcement were dead", "--comment", "source?")
        let id = try g.firstID("list")
        let revised = seed.replacingOccurrences(of: sentence, with: "")
            + "\n\nCorrection: an earlier version said that state TV reported more than a dozen members of law enforcement were dead; that report could not be confirmed.\n"
        #expect(revised != seed)
        #expect(try revise(g, article, revised).contains("0 annotations anchored, 1 orphaned"))
        let read = try g.ok("read", article, "--no-color")
        #expect(read.contains("1 orphaned annotation") && read.contains("0 highlights"), "\(read)")
        let show = try g.ok("show", id)
        #expect(show.contains("orphaned:"), "\(show)")
    }

    @Test func aShortQuoteWhoseSentenceWentIsAnOrphanWithASuggestionTakenInOneStep() throws {
        let (g, article) = try ledger()
        try g.ok("annotate", article, "--quote", "Putin", "--suffix", " ordered it", "--comment", "the CSTO treaty")
        let id = try g.firstID("list")
        let a = try #require(seed.range(of: "Putin ordered it"))
        let b = try #require(seed.range(of: "Putin", range: a.upperBound..<seed.endIndex))
        let revised = String(seed[..<a.lowerBound] + seed[b.lowerBound...])
        let out = try revise(g, article, revised)
        #expect(out.contains("1 orphaned") && out.contains("suggested \"Putin\"") && out.contains("--suggested"), "another Putin sits at the old offsets now, in another sentence: \(out)")
        let show = try g.ok("show", id)
        #expect(show.contains("orphaned:") && show.contains("suggested [") && show.contains("gloss reanchor \(id) --suggested"), "\(show)")
        let json = try g.ok("show", id, "--json")
        #expect(json.contains("\"state\": \"orphan\"") && json.contains("\"suggestion\"") && json.contains("\"alikePercent\": 100"), "\(json)")
        #expect(try g.ok("export", article, "--format", "html").contains("class=\"suggestion\""))
        // Taking the suggestion is one step; then it is no orphan, and there is nothing to take.
        #expect(try g.ok("reanchor", id, "--suggested").contains("Re-anchored \(id)"))
        #expect(try g.ok("read", article, "--no-color").contains("1 highlight"))
        let again = try g.fails("reanchor", id, "--suggested")
        #expect(again.status == 65 && again.err.contains("not an orphan"), "\(again.err)")
        let neither = try g.fails("reanchor", id)
        #expect(neither.status == 64 && neither.err.contains("--suggested"), "\(neither.err)")
        let both = try g.fails("reanchor", id, "--suggested", "--quote", "Putin")
        #expect(both.status == 64, "\(both.err)")
    }

    @Test func anOrphanWithNothingCloseHasNoSuggestionToTake() throws {
        let (g, article) = try ledger()
        try g.ok("annotate", article, "--quote", "a fuel price hike", "--comment", "why")
        let id = try g.firstID("list")
        _ = try revise(g, article, "A different article altogether.\n")
        let r = try g.fails("reanchor", id, "--suggested")
        #expect(r.status == 65 && r.err.contains("no suggestion"), "\(r.err)")
    }

    @Test func normalisationBothWays() throws {
        let g = try GlossRunner()
        try g.ok("init")
        let nfc = seed.replacingOccurrences(of: "Kazakhstan’s regime", with: "Kazakhstan’s régime")
        try g.ok("article", "add", try g.write("nfc.txt", Array(nfc.utf8)))
        let article = try g.firstID("article", "list")
        try g.ok("annotate", article, "--quote", "régime", "--comment", "which one?")
        let nfd = nfc.decomposedStringWithCanonicalMapping
        #expect(Array(nfd.utf8) != Array(nfc.utf8))
        let toNFD = try revise(g, article, nfd)
        #expect(toNFD.contains("1 annotation anchored, 0 orphaned"), "the same words, é decomposed: \(toNFD)")
        #expect(try g.ok("article", "show", article) == nfd, "the NFD bytes are the text now")
        try g.ok("annotate", article, "--quote", "régime", "--comment", "typed composed, found decomposed")
        let back = try revise(g, article, nfc)
        #expect(back.contains("2 annotations anchored, 0 orphaned"), "reverting to the NFC bytes is a change, and both anchor: \(back)")
        #expect(try g.ok("article", "show", article) == nfc)
    }

    @Test func aHandReattachmentOnALosingRevisionFallsBackToTheOriginalQuote() throws {
        let p = try GlossRunner.peers()
        let alice = p[0], bob = p[1]
        try alice.ok("article", "add", GlossRunner.seedPath)
        let article = try alice.firstID("article", "list")
        try alice.ok("annotate", article, "--quote", "a fuel price hike", "--comment", "the trigger", "--editor", bob.publicKey)
        let id = try alice.firstID("list")
        let server = try ServerProcess(alice)
        try bob.ok("sync", server.address)
        try bob.ok("article", "add", GlossRunner.seedPath)
        // Offline, each revises: Alice rewords the passage and re-attaches her note to the new
        // words; Bob appends an update, keeping the passage as it was. Bob's revision wins.
        _ = try revise(alice, article, seed.replacingOccurrences(of: "a fuel price hike", with: "a sharp rise in fuel prices"))
        try alice.ok("reanchor", id, "--quote", "a sharp rise in fuel prices")
        _ = try revise(bob, article, seed + "\n\nUPDATE: the government resigned on Wednesday.\n")
        try bob.ok("sync", server.address)
        #expect(try alice.snapshotHash() == bob.snapshotHash())
        #expect(try alice.ok("article", "show", article).hasSuffix("resigned on Wednesday.\n"), "Bob's revision wins")
        for g in [alice, bob] {
            let show = try g.ok("show", id)
            #expect(show.contains("[a fuel price hike]"), "the creation's quote is in the winning text: \(show)")
            let read = try g.ok("read", article, "--no-color")
            #expect(read.contains("Concurrent revisions") && read.contains("lost and is kept"), "the losing revision is in view: \(read)")
            #expect(!read.contains("orphaned annotation"))
        }
        // The losing text can be printed by its event.
        let json = try alice.ok("article", "show", article, "--json")
        let losing = try #require(json.range(of: "\"event\": \"").map { String(json[$0.upperBound...].prefix(64)) })
        #expect(try alice.ok("article", "show", article, "--revision", String(losing.prefix(12))).contains("a sharp rise in fuel prices"))
        let notOne = try alice.fails("article", "show", article, "--revision", id)
        #expect(notOne.status == 66 && notOne.err.contains("not a revision"), "\(notOne.err)")
        // A new revision replaces both: no conflict left.
        #expect(try revise(alice, article, seed).contains("replaces 2 concurrent revisions"))
        #expect(!(try alice.ok("read", article, "--no-color")).contains("Concurrent revisions"))
    }
}
