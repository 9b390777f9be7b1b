import Foundation
import GlossCore
import GlossReplay
import GlossStore
import Testing
import GlossTestSupport

/// Anchors on a revised article are kept in the projection once computed, and dropped in the
/// same transaction as an event that changes the text or the selector in force.
@Suite struct AnchorCacheTests {
    @Test func anchorsAreKeptUntilTheTextOrSelectorChanges() throws {
        let dir = try TempDir()
        let log = try EventLog(path: dir.path + "/a.sqlite", create: true)
        let key = SigningKey()
        let text = "Troops landed at dawn. Nobody resigned. The ministry denied it."
        let added = ArticleAdded(title: "t", source: "s", text: text)
        let matcher = QuoteMatcher(text: ArticleText(text))
        _ = try log.appendOwn(key: key, payload: .articleAdded(added), time: 1)
        let created = try log.appendOwn(key: key, payloads: [
            .annotationCreated(AnnotationCreated(article: added.articleID, target: .text(try matcher.select(quote: "Nobody resigned")), motivation: "commenting", body: "a", tags: [])),
            .annotationCreated(AnnotationCreated(article: added.articleID, target: .text(try matcher.select(quote: "ministry denied")), motivation: "commenting", body: "b", tags: [])),
        ], time: 2)
        #expect(try log.anchors(of: added.articleID).isEmpty, "nothing is kept for an article that is not revised")
        func layout() throws -> ArticleLayout {
            let article = try #require(try log.article(added.articleID))
            var all: [AnnotationView] = []
            try log.forEachAnnotation(article: article.id, includeDeleted: true) { all.append($0) }
            let known = try log.anchors(of: article.id)
            let l = ArticleLayout(article: article, text: try #require(try log.articleText(article.id)), annotations: all, known: known)
            if let h = article.revisedText { try log.saveAnchors(l.computed, article: article.id, textHash: h) }
            return l
        }
        // Revised: the first read computes both anchors and keeps them; the second reuses them.
        let revised = "Troops landed at dawn. Nobody resigned. The ministry denies it, officials say."
        _ = try log.appendOwn(key: key, payload: .articleRevised(ArticleRevised(article: added.articleID, pred: [], text: revised)), time: 3)
        var l = try layout()
        #expect(l.computed.count == 2)
        #expect(l.notes.count == 1 && l.orphans.count == 1)
        let kept = try log.anchors(of: added.articleID)
        #expect(kept == l.computed, "kept as computed, the orphan's suggestion with it")
        guard case .orphan(let suggestion?) = kept[created[1].id] else { Issue.record("an orphan with a suggestion: \(String(describing: kept[created[1].id]))"); return }
        #expect(l.text.slice(suggestion.range) == "ministry denies" && suggestion.alike == 14 && suggestion.quoteLength == 15)
        l = try layout()
        #expect(l.computed.isEmpty, "nothing recomputed")
        #expect(l.notes.count == 1 && l.orphans.count == 1, "the same layout from the kept anchors")
        // Re-anchoring the orphan drops its kept anchor only.
        let newText = QuoteMatcher(text: ArticleText(revised))
        _ = try log.appendOwn(key: key, payload: .annotationReanchored(Reanchored(annotation: created[1].id, pred: [],
                                                                                selector: try newText.select(quote: "officials say"))), time: 4)
        #expect(try log.anchors(of: added.articleID).keys.sorted() == [created[0].id])
        l = try layout()
        #expect(l.computed.keys.sorted() == [created[1].id] && l.notes.count == 2 && l.orphans.isEmpty)
        // A new revision drops every anchor of the article.
        let heads = try log.revisionHeads(of: added.articleID)
        _ = try log.appendOwn(key: key, payload: .articleRevised(ArticleRevised(article: added.articleID, pred: heads, text: "Something else entirely, nobody resigned.")), time: 5)
        #expect(try log.anchors(of: added.articleID).isEmpty)
        l = try layout()
        #expect(l.computed.count == 2)
    }
}
