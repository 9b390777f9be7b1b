import GlossCore
import GlossStore
import GlossSync
import Testing
import GlossTestSupport

/// Erasure in a sync session (SYNC.md §7.3), both sides in memory on real SQLite files.
@Suite struct ErasureSyncTests {
    static let text = "One two three. One two three."
    let article = ArticleAdded(title: "t", source: "s", text: Self.text)

    /// A server whose author wrote a note and erased it, after a reply by another key.
    func erasingServer(_ dir: TempDir) throws -> (LocalSyncSide, note: EventID) {
        let server = try LocalSyncSide(path: dir.path + "/server.sqlite")
        let other = SigningKey()
        _ = try server.log.appendOwn(key: server.key, payload: .articleAdded(article), time: 1)
        let sel = try QuoteMatcher(text: ArticleText(Self.text)).select(quote: "two", occurrence: 1)
        let n = try server.log.appendOwn(key: server.key, payload: .annotationCreated(AnnotationCreated(article: article.articleID, target: .text(sel),
                                                                                                         motivation: "commenting", body: "gone soon", tags: [])), time: 2)
        _ = try server.log.appendOwn(key: other, payload: .annotationCreated(AnnotationCreated(article: article.articleID, target: .reply(to: n.id),
                                                                                                motivation: "replying", body: "a reply", tags: [])), time: 3)
        _ = try server.log.appendOwn(key: server.key, payload: .annotationErased(AnnotationErased(annotation: n.id, article: article.articleID,
                                                                                                  replyTo: nil, events: [n.id])), time: 4)
        return (server, n.id)
    }

    @Test func aPeerWithTheFeatureGetsTheErasedEventsAndConverges() throws {
        let dir = try TempDir()
        let (server, note) = try erasingServer(dir)
        let client = try LocalSyncSide(path: dir.path + "/client.sqlite")
        try server.begin(role: .server, allow: [client.key.publicKey])
        try client.begin(role: .client, allow: [server.key.publicKey])
        LocalSyncSide.exchange(client, server)
        #expect(client.failure == nil && server.failure == nil, "\(String(describing: client.failure ?? server.failure))")
        #expect(try client.log.snapshotHash() == server.log.snapshotHash())
        #expect(try client.log.event(note)?.isErased == true, "the note arrived as header and signature")
        #expect(try client.log.verifyAll().isEmpty)
    }

    @Test func aPeerWithoutTheFeatureGetsNoErasedEvent() throws {
        let dir = try TempDir()
        let (server, note) = try erasingServer(dir)
        let old = try LocalSyncSide(path: dir.path + "/old.sqlite")
        try server.begin(role: .server, allow: [old.key.publicKey])
        try old.begin(role: .client, allow: [server.key.publicKey], erasures: false)
        LocalSyncSide.exchange(old, server)
        #expect(old.failure == nil && server.failure == nil)
        // The article came; the erased note and everything that depends on it were withheld.
        #expect(try old.log.count() == 1)
        #expect(try old.log.event(note) == nil)
        #expect(try server.log.count() == 4)
    }
}
