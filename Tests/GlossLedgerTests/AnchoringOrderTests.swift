import Foundation
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore
import Testing
import GlossTestSupport

/// Two ledgers holding the same events anchor every annotation alike (MERGE.md §17), whatever
/// order the events arrived in: concurrent revisions by two adders, hand re-attachments on each
/// side, and the anchors kept in the projection between deliveries.
@Suite struct AnchoringOrderTests {
    static let original = """
        The minister said the troops would leave by Friday, officials confirmed.

        Protesters gathered in the main square before dawn on Thursday.

        Prices of fuel doubled overnight, which started the unrest.
        """

    /// Events by Alice and Bob (each an adder), made on their own logs and exchanged by hand.
    static func events(dir: TempDir) throws -> [Event] {
        let alice = try SigningKey(seed: [UInt8](repeating: 11, count: 32)), bob = try SigningKey(seed: [UInt8](repeating: 12, count: 32))
        let a = try EventLog(path: dir.path + "/alice.sqlite", create: true), b = try EventLog(path: dir.path + "/bob.sqlite", create: true)
        let added = ArticleAdded(title: "t", source: "s", text: original)
        let id = added.articleID
        var t: Int64 = 1_000
        func next() -> Int64 { t += 1; return t }
        _ = try a.appendOwn(key: alice, payload: .articleAdded(added), time: next())
        let m = QuoteMatcher(text: ArticleText(original))
        let made = try a.appendOwn(key: alice, payloads: try ["Friday", "main square before dawn", "Prices of fuel doubled", "which started the unrest"].map {
            .annotationCreated(AnnotationCreated(article: id, target: .text(try m.select(quote: $0)), motivation: "commenting", body: $0, tags: [],
                                                 editors: [bob.publicKey]))
        }, time: next())
        _ = try b.append(try a.allEvents())
        _ = try b.appendOwn(key: bob, payload: .articleAdded(added), time: next())
        // Concurrently: Alice rewords the second paragraph and re-attaches to it; Bob moves the
        // last paragraph first, fixes a word and re-attaches another annotation.
        let aliceText = original.replacingOccurrences(of: "Protesters gathered in the main square before dawn", with: "Protesters had gathered in the central square at dawn")
        _ = try a.appendOwn(key: alice, payload: .articleRevised(ArticleRevised(article: id, pred: [], text: aliceText)), time: next())
        let aliceSel = try QuoteMatcher(text: ArticleText(aliceText)).select(quote: "central square at dawn")
        _ = try a.appendOwn(key: alice, payload: .annotationReanchored(Reanchored(annotation: made[1].id, pred: [], selector: aliceSel)), time: next())
        let bobText = "Prices of fuel doubled overnight, which set off the unrest.\n\n" + original.components(separatedBy: "\n\n").prefix(2).joined(separator: "\n\n")
        _ = try b.appendOwn(key: bob, payload: .articleRevised(ArticleRevised(article: id, pred: [], text: bobText)), time: next())
        let bobSel = try QuoteMatcher(text: ArticleText(bobText)).select(quote: "which set off the unrest")
        _ = try b.appendOwn(key: bob, payload: .annotationReanchored(Reanchored(annotation: made[3].id, pred: [], selector: bobSel)), time: next())
        _ = try a.append(try b.allEvents())
        return try a.allEvents()
    }

    /// Every passage annotation's anchor on the current text, read as `gloss read` reads it
    /// (anchors kept in the projection are reused and new ones kept).
    static func anchors(_ log: EventLog) throws -> [String] {
        let article = try #require(try log.articles().first)
        var all: [AnnotationView] = []
        try log.forEachAnnotation(article: article.id, includeDeleted: true) { all.append($0) }
        let layout = ArticleLayout(article: article, text: try #require(try log.articleText(article.id)), annotations: all,
                                   known: try log.anchors(of: article.id),
                                   losingRevisions: Array(try log.liveRevisions(of: article.id).dropFirst()))
        if let h = article.revisedText { try log.saveAnchors(layout.computed, article: article.id, textHash: h) }
        return layout.notes.map { "\($0.annotation.body) [\($0.range.lowerBound)–\($0.range.upperBound)] \($0.stage.rawValue)" }
            + layout.orphans.map { "\($0.body) orphan \(layout.suggestions[$0.id].map { "\($0.range)" } ?? "-")" }
            + layout.losingRevisions.map { "lost \($0.id.short())" }
    }

    @Test func everyArrivalOrderAnchorsAlike() throws {
        let dir = try TempDir()
        let events = try Self.events(dir: dir)
        let reference = try Self.anchors(try EventLog(path: dir.path + "/alice.sqlite"))
        #expect(reference.count == 5, "four annotations and one losing revision: \(reference)")
        #expect(reference.contains { $0.hasPrefix("lost ") })
        #expect(!reference.contains { $0.contains("orphan") }, "every passage is in the winning text: \(reference)")
        #expect(reference.contains("main square before dawn [162–185] quote"),
                "Alice's re-attachment was made on the losing revision: the creation's selector anchors it: \(reference)")
        var rng = SeededRandom(seed: 13)
        for n in 0..<12 {
            let order = MergePropertyTests.randomTopologicalOrder(events, &rng)
            let log = try EventLog(path: "\(dir.path)/order\(n).sqlite", create: true)
            var i = 0
            while i < order.count {
                let k = Int.random(in: 1...4, using: &rng)
                _ = try log.append(Array(order[i..<min(order.count, i + k)]))
                if try !log.articles().isEmpty { _ = try Self.anchors(log) }   // anchors kept mid-way must not stick
                i += k
            }
            #expect(try Self.anchors(log) == reference, "order \(n)")
        }
    }
}
