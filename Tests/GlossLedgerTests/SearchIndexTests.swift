import Foundation
import GlossCore
import GlossStore
import Testing
import GlossTestSupport

/// The full-text index is part of the projection: every change of a quote, comment or tag is
/// found by the next search, and nothing stale is.
@Suite struct SearchIndexTests {
    @Test func searchFollowsEveryChange() throws {
        let dir = try TempDir()
        let log = try EventLog(path: dir.path + "/s.sqlite", create: true)
        let key = SigningKey()
        let text = "Troops landed at dawn. Nobody resigned. The ministry denied it."
        let added = ArticleAdded(title: "t", source: "s", text: text)
        let matcher = QuoteMatcher(text: ArticleText(text))
        _ = try log.appendOwn(key: key, payload: .articleAdded(added), time: 1)
        let a = try log.appendOwn(key: key, payload: .annotationCreated(AnnotationCreated(
            article: added.articleID, target: .text(try matcher.select(quote: "Troops landed")), motivation: "commenting",
            body: "first comment about zebras", tags: ["alpha"])), time: 2)
        func hits(_ q: String, _ filter: SearchFilter = SearchFilter()) throws -> [EventID] { try log.search(q, filter: filter).map(\.annotation) }
        #expect(try hits("zebras") == [a.id])
        #expect(try hits("troops") == [a.id], "the quote is indexed")
        #expect(try hits("alpha") == [a.id], "the tags are indexed")
        // Edit, retag, re-anchor: old words go, new ones come.
        _ = try log.appendOwn(key: key, payloads: [
            .bodyEdited(BodyEdited(annotation: a.id, pred: [a.id], body: "second comment about giraffes")),
            .tagsChanged(TagsChanged(annotation: a.id, add: ["beta"], remove: ["alpha"], pred: [a.id])),
            .annotationReanchored(Reanchored(annotation: a.id, pred: [], selector: try matcher.select(quote: "ministry denied"))),
        ], time: 3)
        #expect(try hits("zebras").isEmpty)
        #expect(try hits("giraffes") == [a.id])
        #expect(try hits("alpha").isEmpty)
        #expect(try hits("beta") == [a.id])
        #expect(try hits("troops").isEmpty, "the quote in force is the re-anchored one")
        #expect(try hits("ministry") == [a.id])
        // Deleted annotations are found only when asked for.
        _ = try log.appendOwn(key: key, payload: .annotationDeleted(StateChange(annotation: a.id, pred: [a.id])), time: 4)
        #expect(try hits("giraffes").isEmpty)
        #expect(try hits("giraffes", SearchFilter(includeDeleted: true)) == [a.id])
        // A rebuilt projection indexes the same.
        try log.rebuildProjection()
        #expect(try hits("giraffes", SearchFilter(includeDeleted: true)) == [a.id])
        #expect(try hits("zebras", SearchFilter(includeDeleted: true)).isEmpty)
    }
}
