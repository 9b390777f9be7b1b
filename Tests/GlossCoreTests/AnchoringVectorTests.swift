import Foundation
import GlossCore
import Testing

/// Protocol/vectors/anchoring.json: texts, the selectors an annotation has had (newest first)
/// and the anchor each must give (Protocol/MERGE.md §17), for an independent implementation to
/// check itself against (`Protocol/vectors/check_anchoring.py` does, from the document alone).
/// GLOSS_WRITE_VECTORS=1 rewrites the file from the cases below and the suite.
struct AnchoringVectorFile: Codable, Equatable {
    struct Selector: Codable, Equatable {
        var exact: String, prefix: String, suffix: String, start: Int, end: Int
    }
    struct Suggestion: Codable, Equatable {
        var start: Int, end: Int, alike: Int, quoteLength: Int, context: Int, contextLength: Int
    }
    struct Expected: Codable, Equatable {
        /// "position", "quote", "fuzzy" or "orphan".
        var stage: String
        var start: Int?, end: Int?
        var suggestion: Suggestion?
    }
    struct Case: Codable, Equatable {
        var name: String
        var text: String
        var selectors: [Selector]
        var expected: Expected
    }
    var format: String
    var cases: [Case]
}

@Suite struct AnchoringVectorTests {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    static var url: URL { root.appendingPathComponent("Protocol/vectors/anchoring.json") }

    static func selector(_ s: TextSelector) -> AnchoringVectorFile.Selector {
        .init(exact: s.exact, prefix: s.prefix, suffix: s.suffix, start: Int(s.start), end: Int(s.end))
    }

    static func expected(_ a: Anchor) -> AnchoringVectorFile.Expected {
        switch a {
        case .anchored(let r, let stage): return .init(stage: stage.rawValue, start: r.lowerBound, end: r.upperBound)
        case .orphan(let g):
            return .init(stage: "orphan", suggestion: g.map {
                .init(start: $0.range.lowerBound, end: $0.range.upperBound, alike: $0.alike, quoteLength: $0.quoteLength,
                      context: $0.context, contextLength: $0.contextLength)
            })
        }
    }

    /// Small cases that each show one rule, then every case of the revision suite.
    static func generate() throws -> AnchoringVectorFile {
        var cases: [AnchoringVectorFile.Case] = []
        func add(_ name: String, on original: String, quotes: [String], prefix: String? = nil, occurrence: Int? = nil, revised: String) throws {
            let matcher = QuoteMatcher(text: ArticleText(original))
            let selectors = try quotes.map { try matcher.select(quote: $0, prefix: prefix, occurrence: occurrence) }
            let found = Anchor.locate(selectors, in: AnchoringText(revised))
            cases.append(.init(name: name, text: revised, selectors: selectors.map(selector), expected: expected(found)))
        }
        let news = "The minister said the troops would leave by Friday, officials confirmed.\n\nProtesters gathered in the main square before dawn on Thursday.\n\nPrices of fuel doubled overnight, which started the unrest.\n"
        try add("unchanged: the stored position", on: news, quotes: ["main square"], revised: news)
        try add("a paragraph moved: the quote by its context", on: news, quotes: ["Prices of fuel doubled overnight"],
                revised: "Prices of fuel doubled overnight, which started the unrest.\n\n" + news.replacingOccurrences(of: "\n\nPrices of fuel doubled overnight, which started the unrest.", with: ""))
        try add("words inserted: approximate, widened to whole words", on: news, quotes: ["Protesters gathered in the main square before dawn"],
                revised: news.replacingOccurrences(of: "Protesters gathered in the main square before dawn", with: "Protesters had gathered in the main square before the dawn"))
        try add("a quote cut inside a word keeps its cut", on: news, quotes: ["otesters gathered in the main squ"],
                revised: news.replacingOccurrences(of: "gathered", with: "had gathered"))
        try add("deleted: an orphan", on: news, quotes: ["Prices of fuel doubled overnight"],
                revised: news.replacingOccurrences(of: "\n\nPrices of fuel doubled overnight, which started the unrest.", with: ""))
        try add("LF to CR LF: one character each", on: news, quotes: ["on Thursday.\n\nPrices"], revised: news.replacingOccurrences(of: "\n", with: "\r\n"))
        try add("NFC quote on NFD text", on: "Le régime de Tokaïev vacille, écrit-on.\n", quotes: ["régime de Tokaïev"],
                revised: "Le régime de Tokaïev vacille, écrit-on.\n".decomposedStringWithCanonicalMapping)
        try add("a Kelvin sign is a K", on: "It was 300 K that night, the station said.\n", quotes: ["300 K that night"],
                revised: "It was 300 \u{212A} that night, the station said.\n")
        try add("curly and straight quotes, dashes and spaces fold", on: "He said “no” — twice\u{A0}over, they wrote.\n", quotes: ["said “no” — twice\u{A0}over"],
                revised: "He said \"no\" - twice over, they wrote.\n")
        try add("an emoji sequence is one character", on: "Great 👍🏽 work from the team today.\n", quotes: ["Great 👍🏽 work"],
                revised: "Really. Great 👍🏽 work from the team today.\n")
        try add("a short quote, both sides agree: found where it moved", on: news, quotes: ["Friday"],
                revised: "Update at noon.\n\n" + news)
        try add("a short quote with a quarter of its shortfall agreeing after it", on: news, quotes: ["Friday"],
                revised: news.replacingOccurrences(of: "Friday, officials confirmed.", with: "Friday, officials said."))
        try add("a paragraph moved to the top: nothing before it to agree", on: news, quotes: ["Prices of fuel"],
                revised: "Prices of fuel doubled overnight, which set off the unrest.\n\n" + news.components(separatedBy: "\n\n").prefix(2).joined(separator: "\n\n"))
        try add("a short quote with one side changed entirely: an orphan with a suggestion", on: news, quotes: ["Friday"],
                revised: news.replacingOccurrences(of: "Friday, officials confirmed.", with: "Friday at the latest."))
        try add("two copies alike in words and context: no margin, an orphan", on: "X: Protesters gathered in the square at dawn; Y.\n",
                quotes: ["Protesters gathered in the square at dawn"],
                revised: "X: Protesters had gathered in the square at dawn; Y.\n\nX: Protesters had gathered in the square at dawn; Y.\n")
        try add("the newest selector that anchors decides", on: news, quotes: ["Prices of fuel doubled overnight", "main square"],
                revised: news.replacingOccurrences(of: "Prices of fuel doubled overnight", with: "Fuel prices rose sharply"))
        try add("no selector anchors: the first suggestion", on: news, quotes: ["Friday", "Thursday"],
                revised: news.replacingOccurrences(of: "Friday, officials confirmed.", with: "Friday at the latest.")
                    .replacingOccurrences(of: "before dawn on Thursday.", with: "Thursday"))
        let seed = try String(contentsOf: root.appendingPathComponent("seeds/000_250678edc94afa10.txt"), encoding: .utf8)
        for c in AnchoringSuite.cases {
            let (selectors, revised) = AnchoringSuite.inputs(c, seed: seed)
            cases.append(.init(name: "suite: " + c.name, text: revised, selectors: selectors.map(selector),
                               expected: expected(Anchor.locate(selectors, in: AnchoringText(revised)))))
        }
        return AnchoringVectorFile(format: "gloss-anchoring-vectors-1", cases: cases)
    }

    @Test func theFileIsWhatTheImplementationComputes() throws {
        let generated = try Self.generate()
        if ProcessInfo.processInfo.environment["GLOSS_WRITE_VECTORS"] == "1" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try (encoder.encode(generated) + Array("\n".utf8)).write(to: Self.url)
        }
        let file = try JSONDecoder().decode(AnchoringVectorFile.self, from: Data(contentsOf: Self.url))
        #expect(file.cases.count == generated.cases.count)
        for (f, g) in zip(file.cases, generated.cases) {
            #expect(f == g, "case \(f.name)")
        }
        // Each case through the file's own inputs, so the file stands on its own.
        for c in file.cases {
            let selectors = c.selectors.map { TextSelector(exact: $0.exact, prefix: $0.prefix, suffix: $0.suffix, start: UInt32($0.start), end: UInt32($0.end)) }
            #expect(Self.expected(Anchor.locate(selectors, in: AnchoringText(c.text))) == c.expected, "case \(c.name)")
        }
        let stages = Set(file.cases.map(\.expected.stage))
        #expect(stages == ["position", "quote", "fuzzy", "orphan"], "every stage has a case")
        #expect(file.cases.contains { $0.expected.suggestion != nil } && file.cases.contains { $0.expected.stage == "orphan" && $0.expected.suggestion == nil })
    }
}
