import GlossCore
import GlossReplay

/// Random histories for the projection's property tests: several authors, each writing on its
/// own view of the ledger and gossiping now and then, so edits conflict; plus the events a
/// careful implementation must get right: rejected ones (a change by someone who may not, a
/// reply naming another article, an author listing itself as editor, a reanchor of a reply),
/// revisions by someone who never added the text, several additions of one text, unknown kinds,
/// and changes naming an annotation the author never saw (so its target may arrive later).
/// Events are built and signed directly, not through a ledger, so any of these can be made.
public struct HistoryGenerator {
    public struct Author {
        public let key: SigningKey
        var seq: UInt64 = 0
        var prev: EventID?
        /// The events this author has seen (its own and what gossip brought).
        var seen: [EventID: Event] = [:]
    }

    public var rng: SeededRandom
    public var authors: [Author]
    /// Whether authors also link each other as devices of one identity and revoke devices
    /// (MERGE.md §18): links with good and bad consents, by devices of the identity or not,
    /// revocations cutting a device below events already made.
    public var devices = false
    /// Whether authors also erase annotations (MERGE.md §19): their own (with their own changes
    /// of it), now and then someone else's (no effect), or naming others' events (left alone).
    public var erasures = false
    /// Every event made, in the order made (parents first).
    public private(set) var events: [Event] = []
    private var time: Int64 = 0

    static let texts = [
        "Putin ordered it. Troops landed. “Dozens” were killed — officials said. Putin again.\u{00A0}End.",
        "A second article: the ministry denied it, then the ministry confirmed it. Nobody resigned.",
    ]
    static let revisions = [
        "Putin ordered it. Troops landed at dawn. “Dozens” were killed — officials said. End.",
        "Troops landed. Officials said nothing. Putin again.",
        "A second article, corrected: the ministry confirmed it. Nobody resigned.",
    ]

    public init(seed: UInt64, authors n: Int = 4) {
        var r = SeededRandom(seed: seed)
        var keys: [Author] = []
        for _ in 0..<n {
            let seedBytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &r) }
            keys.append(Author(key: try! SigningKey(seed: seedBytes)))  // 32 random bytes are a valid seed
        }
        authors = keys
        rng = r
    }

    public var keys: [PublicKey] { authors.map(\.key.publicKey) }

    /// Makes `steps` events (gossip rounds in between do not count).
    public mutating func run(steps: Int) {
        var made = 0
        while made < steps {
            let i = Int.random(in: 0..<authors.count, using: &rng)
            if Int.random(in: 0..<6, using: &rng) == 0 { gossip(to: i); continue }
            if let p = payload(for: i) { emit(p, by: i); made += 1 }
        }
    }

    /// Another author's view (all of it) reaches author `i`.
    private mutating func gossip(to i: Int) {
        let j = Int.random(in: 0..<authors.count, using: &rng)
        authors[i].seen.merge(authors[j].seen) { a, _ in a }
    }

    private mutating func emit(_ payload: Payload, by i: Int) {
        let a = authors[i]
        // deps: the heads of what this author has seen, other than its own previous event.
        var named: Set<EventID> = []
        for e in a.seen.values { named.formUnion(e.header.parents) }
        let heads = a.seen.keys.filter { !named.contains($0) && $0 != a.prev }.sorted().prefix(EventLimits.maxDeps)
        let parents = (a.prev.map { [$0] } ?? []) + heads
        let lamport = 1 + (parents.compactMap { a.seen[$0]?.header.lamport }.max() ?? 0)
        time += Int64.random(in: -3...20, using: &rng)  // clocks disagree now and then
        guard let bytes = try? payload.encoded() else { return }
        let e = Event.make(key: a.key, seq: a.seq + 1, prev: a.prev, lamport: lamport, time: time, deps: Array(heads), payload: bytes)
        authors[i].seq += 1
        authors[i].prev = e.id
        authors[i].seen[e.id] = e
        events.append(e)
    }

    private mutating func payload(for i: Int) -> Payload? {
        let me = authors[i].key.publicKey
        let view = LedgerState.replay(Array(authors[i].seen.values))
        let articles = view.articles.values.sorted { $0.id < $1.id }
        let annotations = view.annotations.values.sorted { $0.id < $1.id }
        let roll = Int.random(in: 0..<100, using: &rng)
        // Only the first two authors add articles: the others' revisions never count.
        if articles.isEmpty && i >= 2 { return nil }
        if articles.isEmpty || (roll < 4 && i < 2) {
            let text = Self.texts.randomElement(using: &rng)!
            return .articleAdded(ArticleAdded(title: "t\(roll)", source: "s\(roll % 3)", text: text))
        }
        let article = articles.randomElement(using: &rng)!
        if annotations.isEmpty || roll < 22 {
            let words = ["Putin", "Troops", "officials", "ministry", "Nobody", "End", "landed", "confirmed"]
            let matcher = QuoteMatcher(text: ArticleText(article.text))
            guard let sel = try? matcher.select(quote: words.randomElement(using: &rng)!, occurrence: 1) else { return nil }
            var editors = keys.filter { $0 != me && Bool.random(using: &rng) }
            if roll == 5 { editors.append(me) }  // rejected: lists its own author
            return .annotationCreated(AnnotationCreated(article: article.id, target: .text(sel), motivation: "commenting",
                                                        body: "note \(time)", tags: roll % 3 == 0 ? ["t\(roll % 4)", "x"] : [], editors: editors))
        }
        // Sometimes a target the author never saw: it may arrive after the change.
        let others = events.filter { e in authors[i].seen[e.id] == nil && e.payloadKind == PayloadKind.annotationCreated.rawValue }
        var a = annotations.randomElement(using: &rng)!
        var blind: EventID?
        if Int.random(in: 0..<4, using: &rng) == 0, let e = others.randomElement(using: &rng) { blind = e.id }
        let target = blind ?? a.id
        // A blind change names what the whole history holds (ids its author never saw): so a
        // removal or a replacement can reach a ledger before the write it names.
        let known = blind.flatMap { LedgerState.replay(events).annotations[$0] }
        switch roll {
        case 22..<30:
            // A reply; now and then naming the wrong article (rejected).
            let wrong = roll == 23 ? articles.first { $0.id != a.article }?.id : nil
            if blind != nil { a = annotations[0] }
            return .annotationCreated(AnnotationCreated(article: wrong ?? a.article, target: .reply(to: target), motivation: "replying",
                                                        body: "re \(time)", tags: []))
        case 30..<50:
            return .bodyEdited(BodyEdited(annotation: target, pred: blind == nil ? a.body.heads : [], body: "edit \(time) by \(i)"))
        case 50..<56:
            return .motivationChanged(MotivationChanged(annotation: target, pred: (known ?? a).motivation.heads,
                                                        motivation: ["questioning", "commenting", "highlighting"].randomElement(using: &rng)!))
        case 56..<70:
            let tag = "t\(Int.random(in: 0..<4, using: &rng))"
            if let on = known ?? (blind == nil ? a : nil), on.tags.tags.contains(tag) {
                return .tagsChanged(TagsChanged(annotation: target, add: Bool.random(using: &rng) ? ["y"] : [], remove: [tag], pred: on.tags.additions(of: tag)))
            }
            return .tagsChanged(TagsChanged(annotation: target, add: [tag], remove: [], pred: []))
        case 70..<80:
            let change = StateChange(annotation: target, pred: (known ?? a).deleted.heads)
            return a.isDeleted ? .annotationRestored(change) : .annotationDeleted(change)
        case 80..<87:
            // Revisions, by an adder or (ineffective until it adds the text) by someone else.
            let text = Self.revisions.randomElement(using: &rng)!
            return .articleRevised(ArticleRevised(article: article.id, pred: article.revisions?.heads ?? [], text: text))
        case 87..<94:
            // Re-anchors; of a reply now and then (rejected).
            let replies = annotations.filter(\.isReply)
            let on = roll == 88 && !replies.isEmpty ? replies.randomElement(using: &rng)! : annotations.randomElement(using: &rng)!
            let matcher = QuoteMatcher(text: ArticleText(view.articles[on.article]?.text ?? article.text))
            guard let sel = (try? matcher.select(quote: "Nobody", occurrence: 1)) ?? (try? matcher.select(quote: "Troops", occurrence: 1)) else {
                return nil
            }
            return .annotationReanchored(Reanchored(annotation: on.id, pred: on.reanchors?.heads ?? [], selector: sel))
        case 94..<98 where devices:
            return devicePayload(for: i, view: view, roll: roll)
        case 98..<100 where erasures:
            return erasurePayload(for: i, view: view)
        default:
            return .unknown(kind: UInt16(100 + roll), body: [UInt8(roll), 1, 2])
        }
    }

    /// An erasure of an annotation this author (its identity) made, naming the creation and the
    /// identity's changes of it; one in four names someone else's annotation or events instead.
    private mutating func erasurePayload(for i: Int, view: LedgerState) -> Payload? {
        let identity = view.devices.identity(of: authors[i].key.publicKey)
        let own = view.annotations.values.filter { $0.author == identity && $0.erasure == nil }.sorted { $0.id < $1.id }
        let foreign = Int.random(in: 0..<4, using: &rng) == 0
        let pool = foreign ? view.annotations.values.filter { $0.erasure == nil }.sorted { $0.id < $1.id } : own
        guard let a = pool.randomElement(using: &rng) else { return nil }
        let named = foreign ? a.history.map(\.id) : a.history.filter { view.devices.identity(of: $0.author) == identity }.map(\.id)
        return .annotationErased(AnnotationErased(annotation: a.id, article: a.article, replyTo: a.parent, events: named + [a.id]))
    }

    /// A link of another author's key to this author's identity (sometimes with a consent for
    /// another identity, or naming an identity it is not a device of), or a revocation of a
    /// device of its identity (sometimes of a key outside it), cutting at a random seq.
    private mutating func devicePayload(for i: Int, view: LedgerState, roll: Int) -> Payload {
        let me = authors[i].key.publicKey
        let identity = view.devices.identity(of: me)
        let j = Int.random(in: 0..<authors.count, using: &rng)
        let other = authors[j].key
        if roll < 96 {
            let claimed = roll == 95 && Int.random(in: 0..<3, using: &rng) == 0 ? keys.randomElement(using: &rng)! : identity
            let consentFor = Int.random(in: 0..<3, using: &rng) == 0 ? keys.randomElement(using: &rng)! : claimed
            let signed = DeviceLinked(identity: consentFor, signingConsentWith: other)
            guard other.publicKey != claimed else { return .unknown(kind: 200, body: [1]) }
            return .deviceLinked(DeviceLinked(identity: claimed, device: other.publicKey, consent: signed.consent))
        }
        let ownDevices = view.devices.devices(of: identity)
        let target = Int.random(in: 0..<4, using: &rng) == 0 ? other.publicKey : ownDevices.randomElement(using: &rng)!
        let seqOfTarget = authors.first { $0.key.publicKey == target }?.seq ?? 0
        return .deviceRevoked(DeviceRevoked(identity: identity, device: target, lastSeq: UInt64.random(in: 0...seqOfTarget, using: &rng)))
    }

    /// A random order of `events` in which every event comes after its parents.
    public static func randomTopologicalOrder(_ events: [Event], _ rng: inout SeededRandom) -> [Event] {
        var placed: Set<EventID> = []
        var pending = events.shuffled(using: &rng)
        var out: [Event] = []
        while !pending.isEmpty {
            var rest: [Event] = []
            for e in pending {
                if e.header.parents.allSatisfy(placed.contains), Bool.random(using: &rng) {
                    placed.insert(e.id); out.append(e)
                } else { rest.append(e) }
            }
            if rest.count == pending.count, let i = rest.firstIndex(where: { $0.header.parents.allSatisfy(placed.contains) }) {
                placed.insert(rest[i].id); out.append(rest.remove(at: i))
            }
            pending = rest
        }
        return out
    }
}
