import GlossCore
import GlossReplay
import Testing

/// Builds small ledgers by hand: keys, events with chosen parents, replay in any order.
struct Builder {
    var events: [Event] = []
    var tips: [PublicKey: Event] = [:]
    var t: Int64 = 1_700_000_000_000

    /// Appends an event by `key` whose parents are its own previous event and `seen`.
    @discardableResult
    mutating func add(_ key: SigningKey, _ p: Payload, seen: [Event] = []) throws -> Event {
        let prev = tips[key.publicKey]
        let parents = (prev.map { [$0] } ?? []) + seen
        t += 1000
        let e = Event.make(key: key, seq: (prev?.header.seq ?? 0) + 1, prev: prev?.id,
                           lamport: 1 + (parents.map(\.header.lamport).max() ?? 0), time: t,
                           deps: seen.map(\.id), payload: try p.encoded())
        tips[key.publicKey] = e
        events.append(e)
        return e
    }
}

@Suite struct ReplayTests {
    let alice = try! SigningKey(seed: [UInt8](repeating: 1, count: 32))
    let bob = try! SigningKey(seed: [UInt8](repeating: 2, count: 32))
    let carol = try! SigningKey(seed: [UInt8](repeating: 3, count: 32))
    static let text = "One two three. One two three."
    let article = ArticleAdded(title: "t", source: "s", text: Self.text)

    func created(editors: [PublicKey] = [], tags: [String] = []) throws -> AnnotationCreated {
        AnnotationCreated(article: article.articleID,
                          target: .text(try QuoteMatcher(text: ArticleText(Self.text)).select(quote: "two", occurrence: 1)),
                          motivation: "commenting", body: "first", tags: tags, editors: editors)
    }

    @Test func concurrentEditsConflictAndAnEditResolvesThem() throws {
        var b = Builder()
        let art = try b.add(alice, .articleAdded(article))
        let a = try b.add(alice, .annotationCreated(try created(editors: [bob.publicKey])), seen: [art])
        let ea = try b.add(alice, .bodyEdited(BodyEdited(annotation: a.id, pred: [a.id], body: "alice's")))
        let eb = try b.add(bob, .bodyEdited(BodyEdited(annotation: a.id, pred: [a.id], body: "bob's")), seen: [a])
        var s = LedgerState.replay(b.events)
        let ann = try #require(s.annotations[a.id])
        #expect(ann.body.live.count == 2)
        let winner = Stamp(ea) > Stamp(eb) ? "alice's" : "bob's"
        #expect(ann.body.value == winner)
        #expect(ann.body.conflicts.count == 1)
        // An edit that saw both versions resolves the conflict.
        try b.add(alice, .bodyEdited(BodyEdited(annotation: a.id, pred: ann.body.heads, body: "merged")), seen: [eb])
        s = LedgerState.replay(b.events)
        #expect(s.annotations[a.id]?.body.value == "merged")
        #expect(s.annotations[a.id]?.body.conflicts.isEmpty == true)
    }

    @Test func onlyTheAuthorAndEditorsMayChangeButAnyoneMayReply() throws {
        var b = Builder()
        let art = try b.add(alice, .articleAdded(article))
        let a = try b.add(alice, .annotationCreated(try created(editors: [bob.publicKey])), seen: [art])
        let byCarol = try b.add(carol, .bodyEdited(BodyEdited(annotation: a.id, pred: [a.id], body: "carol's")), seen: [a])
        let delByCarol = try b.add(carol, .annotationDeleted(StateChange(annotation: a.id, pred: [a.id])))
        let reply = try b.add(carol, .annotationCreated(AnnotationCreated(article: article.articleID, target: .reply(to: a.id), motivation: "replying", body: "hi", tags: [])))
        let s = LedgerState.replay(b.events)
        #expect(s.annotations[a.id]?.body.value == "first")
        #expect(s.annotations[a.id]?.isDeleted == false)
        #expect(s.ineffective[byCarol.id] != nil)
        #expect(s.ineffective[delByCarol.id] != nil)
        #expect(s.ineffective[reply.id] == nil)
        #expect(s.annotations[a.id]?.replies == [reply.id])
    }

    @Test func tagsAreAddWins() throws {
        var b = Builder()
        let art = try b.add(alice, .articleAdded(article))
        let a = try b.add(alice, .annotationCreated(try created(editors: [bob.publicKey], tags: ["x"])), seen: [art])
        // Bob adds "x" again while Alice, not having seen it, removes the "x" she saw.
        try b.add(bob, .tagsChanged(TagsChanged(annotation: a.id, add: ["x", "y"], remove: [], pred: [])), seen: [a])
        try b.add(alice, .tagsChanged(TagsChanged(annotation: a.id, add: [], remove: ["x"], pred: [a.id])))
        let s = LedgerState.replay(b.events)
        #expect(s.annotations[a.id]?.tags.tags == ["x", "y"], "the concurrent addition survives")
        // Removing after seeing both additions removes the tag.
        let add = try #require(s.annotations[a.id]).tags.additions(of: "x")
        try b.add(alice, .tagsChanged(TagsChanged(annotation: a.id, add: [], remove: ["x"], pred: add)), seen: [b.tips[bob.publicKey]!])
        #expect(LedgerState.replay(b.events).annotations[a.id]?.tags.tags == ["y"])
    }

    @Test func deleteAndRestoreAreARegister() throws {
        var b = Builder()
        let art = try b.add(alice, .articleAdded(article))
        let a = try b.add(alice, .annotationCreated(try created()), seen: [art])
        let d = try b.add(alice, .annotationDeleted(StateChange(annotation: a.id, pred: [a.id])))
        #expect(LedgerState.replay(b.events).annotations[a.id]?.isDeleted == true)
        try b.add(alice, .annotationRestored(StateChange(annotation: a.id, pred: [d.id])))
        #expect(LedgerState.replay(b.events).annotations[a.id]?.isDeleted == false)
    }

    @Test func unknownKindsAndDanglingTargetsHaveNoEffect() throws {
        var b = Builder()
        let art = try b.add(alice, .articleAdded(article))
        try b.add(alice, .unknown(kind: 4242, body: [1]))
        let orphan = try b.add(bob, .bodyEdited(BodyEdited(annotation: SHA256.hash([9]), pred: [], body: "?")))
        let noArticle = try b.add(bob, .annotationCreated(AnnotationCreated(article: SHA256.hash([8]), target: .reply(to: art.id), motivation: "replying", body: "", tags: [])))
        let s = LedgerState.replay(b.events)
        #expect(s.unknownKinds == 1)
        #expect(s.ineffective.keys.sorted() == [orphan.id, noArticle.id].sorted())
        #expect(s.articles.count == 1)
    }

    @Test func twoPeopleAddingOneTextInAnyOrderAgree() throws {
        var b = Builder()
        let a1 = try b.add(alice, .articleAdded(article))
        let a2 = try b.add(bob, .articleAdded(ArticleAdded(title: "other title", source: "elsewhere", text: Self.text)))
        let x = Snapshot(events: [a1, a2]), y = Snapshot(events: [a2, a1])
        #expect(x.hash == y.hash)
        let s = LedgerState.replay([a2, a1])
        #expect(s.articles[article.articleID]?.isRevised == false)
        #expect(s.articles[article.articleID]?.added.id == min(Stamp(a1), Stamp(a2)).id, "the first addition names it")
        // A revision, then the same checks in both orders.
        let namer = Stamp(a1) < Stamp(a2) ? alice : bob
        try b.add(namer, .articleRevised(ArticleRevised(article: article.articleID, pred: [], text: "New text.")), seen: [a1, a2])
        let forward = Snapshot(events: b.events), backward = Snapshot(events: b.events.reversed())
        #expect(forward.hash == backward.hash)
        #expect(LedgerState.replay(b.events).articles[article.articleID]?.text == "New text.")
    }

    @Test func revisionsByBothAddersAgreeInEveryOrder() throws {
        var b = Builder()
        let a1 = try b.add(alice, .articleAdded(article))
        let r1 = try b.add(alice, .articleRevised(ArticleRevised(article: article.articleID, pred: [], text: "Alice's text.")))
        let a2 = try b.add(bob, .articleAdded(ArticleAdded(title: "o", source: "o", text: Self.text)))
        let r2 = try b.add(bob, .articleRevised(ArticleRevised(article: article.articleID, pred: [], text: "Bob's text.")))
        let byCarol = try b.add(carol, .articleRevised(ArticleRevised(article: article.articleID, pred: [], text: "Carol's text.")), seen: [a1])
        let total = Snapshot(events: b.events.sorted { Stamp($0) < Stamp($1) })
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<30 { #expect(Snapshot(events: [a1, r1, a2, r2, byCarol].shuffled(using: &rng)).hash == total.hash) }
        let s = LedgerState.replay(b.events)
        #expect(s.ineffective[byCarol.id] != nil, "Carol never added the text")
        #expect(s.articles[article.articleID]?.revisions?.conflicts.count == 1, "the two adders' revisions are concurrent")
    }

    @Test func repeatedEventsChangeNothing() throws {
        var b = Builder()
        let art = try b.add(alice, .articleAdded(article))
        let a = try b.add(alice, .annotationCreated(try created()), seen: [art])
        try b.add(bob, .annotationCreated(AnnotationCreated(article: article.articleID, target: .reply(to: a.id), motivation: "replying", body: "r", tags: [])), seen: [a])
        try b.add(alice, .bodyEdited(BodyEdited(annotation: a.id, pred: [a.id], body: "edited")))
        let once = Snapshot(events: b.events)
        let twice = Snapshot(events: b.events + b.events.reversed())
        #expect(once.hash == twice.hash)
        #expect(LedgerState.replay(b.events + [a]).annotations[a.id]?.body.value == "edited")
    }

    @Test func w3cLeavesOutRepliesToDeletedAnnotations() throws {
        var b = Builder()
        let art = try b.add(alice, .articleAdded(article))
        let a = try b.add(alice, .annotationCreated(try created()), seen: [art])
        try b.add(bob, .annotationCreated(AnnotationCreated(article: article.articleID, target: .reply(to: a.id), motivation: "replying", body: "r", tags: [])), seen: [a])
        #expect(W3C.collection(LedgerState.replay(b.events)).serialized().contains("\"total\":2"))
        try b.add(alice, .annotationDeleted(StateChange(annotation: a.id, pred: [a.id])))
        #expect(W3C.collection(LedgerState.replay(b.events)).serialized().contains("\"total\":0"))
    }

    /// The state depends only on the set of events: every arrival order gives the same JSON.
    @Test func arrivalOrderDoesNotMatter() throws {
        var b = Builder()
        let art = try b.add(alice, .articleAdded(article))
        let a = try b.add(alice, .annotationCreated(try created(editors: [bob.publicKey, carol.publicKey])), seen: [art])
        for i in 0..<6 {
            let k = [alice, bob, carol][i % 3]
            try b.add(k, .bodyEdited(BodyEdited(annotation: a.id, pred: [a.id], body: "v\(i)")), seen: [a])
            try b.add(k, .tagsChanged(TagsChanged(annotation: a.id, add: ["t\(i)"], remove: [], pred: [])))
        }
        let reference = LedgerState.replay(b.events).annotations(includeDeleted: true).map(\.json)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            #expect(LedgerState.replay(b.events.shuffled(using: &rng)).annotations(includeDeleted: true).map(\.json) == reference)
        }
    }
}
