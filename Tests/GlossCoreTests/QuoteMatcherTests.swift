import Foundation
import GlossCore
import Testing

/// Anchoring on the shipped seed article: curly quotes, NBSP, em dashes and "Putin" ×20.
@Suite struct QuoteMatcherTests {
    static let seed: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("seeds/000_250678edc94afa10.txt")
        return try! String(contentsOf: url, encoding: .utf8)
    }()
    let m = QuoteMatcher(text: ArticleText(Self.seed))

    /// The selector's offsets are code points: slicing the text there gives back the quote.
    func check(_ s: TextSelector) {
        let scalars = Array(Self.seed.unicodeScalars)
        var v = String.UnicodeScalarView()
        v.append(contentsOf: scalars[Int(s.start)..<Int(s.end)])
        #expect(String(v) == s.exact)
    }

    @Test func curlyQuotesTypedAsTheyAre() throws {
        let s = try m.select(quote: "“Dozens” of demonstrators")
        #expect(s.exact == "“Dozens” of demonstrators")
        check(s)
    }

    @Test func straightQuotesFindCurlyText() throws {
        let s = try m.select(quote: "\"Dozens\" of demonstrators")
        #expect(s.exact == "“Dozens” of demonstrators", "the selector records the article's own characters")
        check(s)
    }

    @Test func emDashAndNBSP() throws {
        let dash = try m.select(quote: "protests — a major test")
        check(dash)
        let typedNBSP = try m.select(quote: "according to\u{00A0}Reuters")
        check(typedNBSP)
        let typedSpace = try m.select(quote: "according to Reuters")
        #expect(typedSpace == typedNBSP, "a plain space finds the NBSP, and the selector keeps the NBSP")
        #expect(typedSpace.exact.unicodeScalars.contains("\u{00A0}"))
    }

    @Test func putinIsAmbiguousAndListsEveryPlace() {
        #expect {
            try m.select(quote: "Putin")
        } throws: { e in
            guard case .ambiguous(_, let places) = e as? AnchorError else { return false }
            return places.count == 20 && (e as! AnchorError).description.contains("--occurrence")
        }
    }

    @Test func putinChosenByContext() throws {
        let bySuffix = try m.select(quote: "Putin", suffix: " ordered it")
        #expect(bySuffix.start == 365)
        check(bySuffix)
        let byPrefix = try m.select(quote: "Putin", prefix: "Vladimir ")
        #expect(byPrefix.start == 95)
        let third = try m.select(quote: "Putin", occurrence: 3)
        #expect(third.start == 1778)
        #expect(throws: AnchorError.occurrenceOutOfRange(21, count: 20)) { try m.select(quote: "Putin", occurrence: 21) }
    }

    /// A passage copied from `gloss read`, whose lines wrap where the article has spaces.
    @Test func whiteSpaceRunsMatchWhiteSpaceRuns() throws {
        let wrapped = try m.select(quote: "doesn’t\nhe? While the US")
        #expect(wrapped.exact == "doesn’t he? While the US", "the selector records the article's own characters")
        check(wrapped)
        let spaced = try m.select(quote: "  Putin   ordered\t it  \n")
        #expect(spaced.exact == "Putin ordered it" && spaced.start == 365)
        check(spaced)
        // Straight quotes and a line break together; context with its own line break.
        let both = try m.select(quote: "doesn't\nlike popular", prefix: "notes that\nPutin ")
        #expect(both.exact == "doesn’t like popular")
        // An exact match is still preferred: white space is never loosened when not needed.
        #expect(try m.select(quote: "Putin ordered it").start == 365)
        // A run must match a run: words that touch in the article do not match a quote with a space.
        #expect(throws: AnchorError.self) { try m.select(quote: "Put in ordered") }
        #expect(throws: AnchorError.emptyQuote) { try m.select(quote: " \n\t") }
    }

    /// A quote typed in one normalisation form finds the text in the other; the selector keeps
    /// the article's own code points.
    @Test func canonicallyEquivalentQuotesMatch() throws {
        let nfd = "Le re\u{301}gime a chute\u{301}."
        let m = QuoteMatcher(text: ArticleText(nfd))
        let s = try m.select(quote: "régime")
        #expect(s.exact == "re\u{301}gime" && s.start == 3 && s.end == 10)
        let nfc = QuoteMatcher(text: ArticleText("Le régime a chuté."))
        let t = try nfc.select(quote: "re\u{301}gime", suffix: " a")
        #expect(t.exact == "régime" && t.start == 3 && t.end == 9)
    }

    @Test func aMissOffersTheNearestPassages() throws {
        do {
            _ = try m.select(quote: "Putin ordered it under a collective agreement")
            Issue.record("a quote that is not in the article was selected")
        } catch {
            guard case .notFound(_, false, let nearest) = error else { Issue.record("unexpected \(error)"); return }
            let first = try #require(nearest.first)
            #expect(first.start == 365, "the passage that differs by one word comes first: \(nearest)")
            #expect(first.text == "Putin ordered it under a collective security agreement", "\(first.text)")
            #expect(nearest.count <= 3)
            #expect(error.description.contains("[365–"), "\(error.description)")
        }
        // Nothing near: no suggestions.
        #expect(throws: AnchorError.notFound(quote: "Obama", withoutContext: false)) { try m.select(quote: "Obama") }
    }

    @Test func notFoundSaysWhy() {
        #expect(throws: AnchorError.notFound(quote: "Obama", withoutContext: false)) { try m.select(quote: "Obama") }
        #expect(throws: AnchorError.notFound(quote: "Putin", withoutContext: true)) { try m.select(quote: "Putin", suffix: " danced") }
    }

    @Test func offsets() throws {
        let s = try m.selector(start: 95, end: 100)
        #expect(s.exact == "Putin")
        #expect(s.prefix.hasSuffix("Vladimir "))
        #expect(s.suffix.hasPrefix(" really"))
        #expect(throws: AnchorError.outOfRange(start: 10, end: 99999, length: ArticleText(Self.seed).count)) { try m.selector(start: 10, end: 99999) }
        #expect(throws: AnchorError.self) { try m.selector(start: 5, end: 5) }
    }

    @Test func offsetsMustNotSplitACharacter() throws {
        let t = QuoteMatcher(text: ArticleText("Cafe\u{0301} 🇺🇦 ok"))
        #expect(throws: AnchorError.splitsCharacter(offset: 4)) { try t.selector(start: 0, end: 4) }
        #expect(throws: AnchorError.splitsCharacter(offset: 7)) { try t.selector(start: 6, end: 7) }
        #expect(try t.selector(start: 0, end: 5).exact == "Cafe\u{0301}")
        #expect(try t.selector(start: 6, end: 8).exact == "🇺🇦")
        // A quote that would end inside a character is not a match either.
        #expect(throws: AnchorError.self) { try t.select(quote: "Cafe") }
    }
}
