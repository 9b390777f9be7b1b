import GlossCore
import Testing

/// Re-anchoring onto a revised text: position, quote, fuzzy, orphan.
@Suite struct AnchorTests {
    static let original = """
        The minister said the troops would leave by Friday, officials confirmed.

        Protesters gathered in the main square before dawn on Thursday.

        Prices of fuel doubled overnight, which started the unrest.
        """

    func select(_ quote: String, in text: String = original) throws -> TextSelector {
        try QuoteMatcher(text: ArticleText(text)).select(quote: quote)
    }

    func locate(_ s: TextSelector, _ text: String) -> (String?, Anchor.Stage?) {
        let t = ArticleText(text)
        switch Anchor.locate(s, in: t) {
        case .anchored(let r, let stage): return (t.slice(r), stage)
        case .orphan: return (nil, nil)
        }
    }

    @Test func unchangedTextKeepsThePosition() throws {
        let s = try select("main square")
        #expect(locate(s, Self.original) == ("main square", .position))
    }

    @Test func aPassageMovedToAnotherParagraphReanchorsByQuote() throws {
        let s = try select("Prices of fuel doubled overnight")
        let revised = """
            Prices of fuel doubled overnight, which started the unrest.

            The minister said the troops would leave by Friday, officials confirmed.

            Protesters gathered in the main square before dawn on Thursday.
            """
        #expect(locate(s, revised) == ("Prices of fuel doubled overnight", .quote))
    }

    @Test func aLightlyEditedPassageReanchorsFuzzily() throws {
        let s = try select("Protesters gathered in the main square before dawn")
        let revised = Self.original.replacingOccurrences("Protesters gathered in the main square before dawn", "Protesters had gathered in the main square before the dawn")
        let (found, stage) = locate(s, revised)
        #expect(stage == .fuzzy)
        #expect(found == "Protesters had gathered in the main square before the dawn", "the whole edited passage, no more, no less")
    }

    @Test func aDeletedPassageIsAnOrphan() throws {
        let s = try select("Prices of fuel doubled overnight")
        let revised = Self.original.replacingOccurrences("\n\nPrices of fuel doubled overnight, which started the unrest.", "")
        #expect(locate(s, revised) == (nil, nil))
    }

    @Test func aLookAlikeIsNotTakenForTheVanishedOriginal() throws {
        let text = """
            The minister said the troops would leave by Friday, officials confirmed.

            The minister said the troops would stay until Friday, officials denied.
            """
        let s = try select("the troops would leave by Friday", in: text)
        let revised = """
            The minister said the troops would stay until Friday, officials denied.
            """
        #expect(locate(s, revised) == (nil, nil), "the look-alike paragraph must not inherit the note")
    }

    @Test func curlyVersusStraightQuotesAndNBSPStillAnchor() throws {
        let text = "He said “Dozens” were killed,\u{00A0}according to Reuters."
        let s = try select("“Dozens” were killed,\u{00A0}according", in: text)
        let straight = "A new first line.\nHe said \"Dozens\" were killed, according to Reuters."
        let (found, stage) = locate(s, straight)
        #expect(found == "\"Dozens\" were killed, according")
        #expect(stage == .quote)
    }

    @Test func anchoringIsAFunctionOfItsInputs() throws {
        let s = try select("Protesters gathered in the main square before dawn")
        let revised = Self.original.replacingOccurrences("before dawn", "before the dawn")
        #expect(Anchor.locate(s, in: ArticleText(revised)) == Anchor.locate(s, in: ArticleText(revised)))
    }
}

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: a) {
            out += rest[..<r.lowerBound] + b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of s: String) -> Range<Substring.Index>? {
        guard !s.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(s) { return i..<index(i, offsetBy: s.count) }
            i = index(after: i)
        }
        return nil
    }
}

/// The code-point shortcut of §17.2 gives what the stages give, and only when it may.
@Suite struct StoredPlaceShortcutTests {
    @Test func itTakesOnlyAPassageWithAllItsContextOnCharacterBoundaries() throws {
        let text = ArticleText("Le re\u{301}gime tombe, dit-on; le re\u{301}gime tient, dit l'autre.")
        let sel = try QuoteMatcher(text: text).select(quote: "tombe")
        #expect(Anchor.atStoredPlace(sel, in: text) == .anchored(Int(sel.start)..<Int(sel.end), .position))
        #expect(Anchor.locate(sel, in: text) == Anchor.locate([sel], in: AnchoringText(text)))
        // A prefix cut inside a character (only a hand-made selector has one): the shortcut
        // declines, and the stages decide.
        var cut = sel
        cut.prefix = "\u{301}gime "
        #expect(Anchor.atStoredPlace(cut, in: text) == nil)
        // Context that is not the text's, or a quote moved: declined.
        var other = sel
        other.suffix = ", dit-il"
        #expect(Anchor.atStoredPlace(other, in: text) == nil)
        var moved = sel
        moved.start += 1; moved.end += 1
        #expect(Anchor.atStoredPlace(moved, in: text) == nil)
    }
}
