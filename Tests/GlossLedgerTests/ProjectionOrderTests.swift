import Foundation
import GlossCore
import GlossLedger
import GlossReplay
import GlossStore
import Testing
import GlossTestSupport

/// Small hand-made histories whose events are concurrent (so many storage orders are valid),
/// each built around one case where the order of arrival must not matter: a removal stored
/// before the addition it names, a write stored after a write that replaced it, a revision
/// stored before its author added the text, changes and replies waiting for their target, an
/// earlier addition of a text arriving last. Every valid order, one event per transaction,
/// must give the projection the reference replay's snapshot.
@Suite struct ProjectionOrderTests {
    struct Chain {
        let key: SigningKey
        var seq: UInt64 = 0
        var prev: Event?
        init(_ n: UInt8) { key = try! SigningKey(seed: [UInt8](repeating: n, count: 32)) }  // a fixed, valid seed
        /// The next event of this author, depending on `deps` besides its own previous one.
        mutating func next(_ p: Payload, deps: [Event] = [], time: Int64 = 0) -> Event {
            let parents = (prev.map { [$0] } ?? []) + deps
            let e = Event.make(key: key, seq: seq + 1, prev: prev?.id, lamport: 1 + (parents.map(\.header.lamport).max() ?? 0),
                               time: time, deps: deps.map(\.id), payload: try! p.encoded())  // the payloads below are valid
            seq += 1; prev = e
            return e
        }
    }

    static let text = "Putin ordered it. Troops landed. Nobody resigned."

    /// Stores `events` in up to `limit` random orders that put parents first, one event per
    /// append; each time the projection must equal the reference.
    func everyOrderAgrees(_ events: [Event], limit: Int = 40, seed: UInt64 = 1) throws {
        let dir = try TempDir()
        let reference = Snapshot(events: events)
        var rng = SeededRandom(seed: seed)
        var seen: Set<[EventID]> = []
        for n in 0..<limit {
            let order = HistoryGenerator.randomTopologicalOrder(events, &rng)
            guard seen.insert(order.map(\.id)).inserted else { continue }
            let log = try EventLog(path: "\(dir.path)/o\(n).sqlite", create: true)
            for e in order { try log.append([e]) }
            var bytes: [UInt8] = []
            _ = try log.writeSnapshot { bytes.append(contentsOf: $0) }
            #expect(bytes == reference.bytes, "order \(order.map { $0.id.short(6) })")
        }
        #expect(seen.count > 1, "the history allows more than one order")
    }

    @Test func aRemovalStoredBeforeTheAdditionItNames() throws {
        var a = Chain(1), b = Chain(2)
        let article = a.next(.articleAdded(ArticleAdded(title: "t", source: "s", text: Self.text)))
        let sel = try QuoteMatcher(text: ArticleText(Self.text)).select(quote: "Troops")
        let x = a.next(.annotationCreated(AnnotationCreated(article: ArticleAdded(title: "t", source: "s", text: Self.text).articleID,
                                                             target: .text(sel), motivation: "commenting", body: "b", tags: ["old"], editors: [b.key.publicKey])))
        let add = b.next(.tagsChanged(TagsChanged(annotation: x.id, add: ["t"], remove: [], pred: [])), deps: [x])
        // A removes the addition it learned of out of band: concurrent with it.
        let remove = a.next(.tagsChanged(TagsChanged(annotation: x.id, add: [], remove: ["t", "old"], pred: [add.id, x.id])))
        let other = b.next(.tagsChanged(TagsChanged(annotation: x.id, add: ["u"], remove: [], pred: [])))
        try everyOrderAgrees([article, x, add, remove, other])
        let state = LedgerState.replay([article, x, add, remove, other])
        #expect(state.annotations[x.id]?.tags.tags == ["u"])  // the removed addition stays removed whenever it arrives
    }

    @Test func aWriteStoredAfterTheWriteThatReplacedIt() throws {
        var a = Chain(1), b = Chain(2), c = Chain(3)
        let added = ArticleAdded(title: "t", source: "s", text: Self.text)
        let article = a.next(.articleAdded(added))
        let sel = try QuoteMatcher(text: ArticleText(Self.text)).select(quote: "Nobody")
        let x = a.next(.annotationCreated(AnnotationCreated(article: added.articleID, target: .text(sel), motivation: "commenting",
                                                             body: "first", tags: [], editors: [b.key.publicKey, c.key.publicKey])))
        let e1 = b.next(.bodyEdited(BodyEdited(annotation: x.id, pred: [x.id], body: "by b")), deps: [x])
        let e2 = c.next(.bodyEdited(BodyEdited(annotation: x.id, pred: [x.id], body: "by c")), deps: [x])
        // A replaces both without holding either (its chain only has the creation).
        let e3 = a.next(.bodyEdited(BodyEdited(annotation: x.id, pred: [e1.id], body: "by a, over b")))
        let m = c.next(.motivationChanged(MotivationChanged(annotation: x.id, pred: [x.id], motivation: "questioning")))
        let d = b.next(.annotationDeleted(StateChange(annotation: x.id, pred: [x.id])))
        let r = a.next(.annotationRestored(StateChange(annotation: x.id, pred: [d.id])))
        try everyOrderAgrees([article, x, e1, e2, e3, m, d, r])
    }

    @Test func aRevisionStoredBeforeItsAuthorAddedTheText() throws {
        var a = Chain(1), b = Chain(2)
        let added = ArticleAdded(title: "first", source: "s", text: Self.text)
        let article = a.next(.articleAdded(added), time: 5)
        let sel = try QuoteMatcher(text: ArticleText(Self.text)).select(quote: "Putin")
        let x = a.next(.annotationCreated(AnnotationCreated(article: added.articleID, target: .text(sel), motivation: "commenting",
                                                             body: "n", tags: [])))
        // B revises having seen the article, then adds the same text itself (becoming an adder);
        // with a smaller stamp, B's addition would name the article instead.
        let rev = b.next(.articleRevised(ArticleRevised(article: added.articleID, pred: [], text: "Putin ordered it. Nobody resigned.")), deps: [article])
        let again = b.next(.articleAdded(ArticleAdded(title: "second", source: "s2", text: Self.text)), time: 1)
        let rev2 = a.next(.articleRevised(ArticleRevised(article: added.articleID, pred: [], text: "Putin, again.")))
        let re = a.next(.annotationReanchored(Reanchored(annotation: x.id, pred: [],
                                                         selector: try QuoteMatcher(text: ArticleText("Putin, again.")).select(quote: "Putin"))))
        try everyOrderAgrees([article, x, rev, again, rev2, re])
    }

    @Test func changesAndRepliesWaitForTheirTarget() throws {
        var a = Chain(1), b = Chain(2), c = Chain(3)
        let added = ArticleAdded(title: "t", source: "s", text: Self.text)
        let article = a.next(.articleAdded(added))
        let sel = try QuoteMatcher(text: ArticleText(Self.text)).select(quote: "Troops")
        // B writes on an annotation and a reply it was told of, before receiving either.
        let x = a.next(.annotationCreated(AnnotationCreated(article: added.articleID, target: .text(sel), motivation: "commenting",
                                                             body: "x", tags: ["a"], editors: [b.key.publicKey])))
        let reply = c.next(.annotationCreated(AnnotationCreated(article: added.articleID, target: .reply(to: x.id), motivation: "replying", body: "r", tags: [])), deps: [article])
        let replyToReply = b.next(.annotationCreated(AnnotationCreated(article: added.articleID, target: .reply(to: reply.id), motivation: "replying", body: "rr", tags: [])), deps: [article])
        let edit = b.next(.bodyEdited(BodyEdited(annotation: x.id, pred: [x.id], body: "edited blind")))
        let bad = c.next(.bodyEdited(BodyEdited(annotation: x.id, pred: [x.id], body: "not allowed")))
        let reanchorReply = b.next(.annotationReanchored(Reanchored(annotation: reply.id, pred: [], selector: sel)))
        let selfEditor = c.next(.annotationCreated(AnnotationCreated(article: added.articleID, target: .text(sel), motivation: "commenting",
                                                                      body: "me", tags: [], editors: [c.key.publicKey])))
        let toRejected = b.next(.annotationCreated(AnnotationCreated(article: added.articleID, target: .reply(to: selfEditor.id), motivation: "replying", body: "lost", tags: [])))
        let unknown = c.next(.unknown(kind: 300, body: [1, 2, 3]))
        try everyOrderAgrees([article, x, reply, replyToReply, edit, bad, reanchorReply, selfEditor, toRejected, unknown], limit: 60)
    }
}
