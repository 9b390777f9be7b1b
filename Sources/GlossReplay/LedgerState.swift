import GlossCore

/// The state of a whole ledger: articles and annotations, built from a set of events by the
/// rules of Protocol/MERGE.md. Applying events is commutative: any order of the same set gives
/// the same state, so a cache of it can apply events that arrive late.
///
/// An event that breaks a rule is kept in the log but has no effect, and `ineffective` says
/// why; an event whose target (article, annotation) is not in the set waits for it; events of
/// unknown kinds are skipped.
public struct LedgerState: Sendable {
    public internal(set) var articles: [Hash32: ArticleState] = [:]
    public internal(set) var annotations: [EventID: AnnotationState] = [:]
    /// Events that break a rule, with the reason. Final: no later event changes it.
    public internal(set) var rejected: [EventID: String] = [:]
    /// Events waiting for their target (an article or annotation id) to arrive.
    var waiting: [Hash32: [Waiting]] = [:]
    /// Events of kinds this version does not know, skipped.
    public internal(set) var unknownKinds: Int = 0
    /// How many events have been applied.
    public internal(set) var applied: Int = 0
    /// Who writes for whom (MERGE.md §18), from the set's device events, fixed before replay.
    public internal(set) var devices: DeviceMap = .empty
    /// Which payloads are erased (MERGE.md §19), from the set's erasures, fixed before replay.
    public internal(set) var erasures: ErasureMap = .empty

    struct Waiting: Sendable {
        let stamp: Stamp
        let payload: Payload
    }

    /// Set while a batch is applied to part of a state (`LedgerStatePart`): the ids of the
    /// articles, annotations and waiting lists each step read, and those it changed.
    var tracking: Tracking?
    struct Tracking: Sendable {
        var read: Set<Hash32> = []
        var articles: Set<Hash32> = []
        var annotations: Set<EventID> = []
        var waiting: Set<Hash32> = []
    }

    public init() {}

    /// Replays `events` (in any order, repeats ignored) from nothing. The device map comes
    /// first: it decides whose each event is, and which events a revocation makes void.
    public static func replay(_ events: [Event]) -> LedgerState {
        var s = LedgerState()
        var seen: Set<EventID> = []
        let unique = events.filter { seen.insert($0.id).inserted }
        s.devices = DeviceMap(unique.compactMap(DeviceEvent.init))
        let byID = Dictionary(unique.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        s.erasures = ErasureMap(unique.compactMap(ErasureEvent.init), devices: s.devices, authorOf: { byID[$0]?.author },
                                kindOf: { byID[$0].flatMap { $0.isErased ? nil : $0.payloadKind } })
        for e in unique { s.apply(e) }
        return s
    }

    /// Events with no effect, and why: those that broke a rule, and those whose target is not
    /// in the ledger.
    public var ineffective: [EventID: String] {
        var out = rejected
        for (id, why) in devices.ineffective { out[id] = why }
        for (id, why) in erasures.ineffective { out[id] = why }
        for a in articles.values {
            for id in a.ineffectiveRevisions { out[id] = "only someone who added article \(a.id.short()) may revise it" }
        }
        for (target, list) in waiting {
            for w in list { out[w.stamp.id] = "its target \(target.short()) is not in the ledger" }
        }
        return out
    }

    /// Applies one event, in any order relative to the others, under `devices`.
    mutating func apply(_ e: Event) {
        applied += 1
        // Void first (§18.1): a void event is absent, erased or not.
        if let why = devices.voidReason(author: e.author, seq: e.header.seq), !PayloadKind.isExemptFromVoiding(e.payloadKind) {
            rejected[e.id] = why
            return
        }
        if erasures.erasedEvents[e.id] != nil {
            // Its payload is ignored even where it is still held: every ledger decides alike.
            if let x = erasures.annotations[e.id] { return applyErased(e.id, x, stamp: Stamp(e, devices: devices)) }
            rejected[e.id] = "its payload was erased"
            return
        }
        if e.isErased {
            rejected[e.id] = "its payload was erased by an erasure this ledger does not hold"
            return
        }
        let payload: Payload
        do { payload = try e.payload() } catch {
            rejected[e.id] = "payload does not decode: \(error)"
            return
        }
        apply(payload, stamp: Stamp(e, devices: devices))
    }

    mutating func apply(_ payload: Payload, stamp: Stamp) {
        switch payload {
        case .articleAdded(let a):
            let id = a.articleID
            tracking?.read.insert(id); tracking?.articles.insert(id)
            let new = ArticleState(id: id, title: a.title, source: a.source, text: a.text, added: stamp)
            if var old = articles[id] {
                // The first addition in the total order names the article; every adder may
                // revise it; revisions are kept whichever addition arrived first.
                old.adders.insert(stamp.identity)
                if stamp < old.added {
                    var earlier = new
                    earlier.adders = old.adders
                    earlier.revisionWrites = old.revisionWrites
                    old = earlier
                }
                articles[id] = old
                return
            }
            articles[id] = new
            wake(id)
        case .annotationCreated(let a):
            // Applying a creation twice must not wipe what happened to the annotation since.
            tracking?.read.formUnion([stamp.id, a.article])
            guard annotations[stamp.id] == nil else { return }
            guard articles[a.article] != nil else { return wait(for: a.article, stamp, payload) }
            if case .reply(let parent) = a.target {
                tracking?.read.insert(parent)
                guard let p = annotations[parent] else { return wait(for: parent, stamp, payload) }
                guard p.article == a.article else { return reject(stamp, "it replies to \(parent.short()) but names another article") }
            }
            if a.editors.contains(stamp.author) { return reject(stamp, "it lists its own author as an editor") }
            if case .reply(let parent) = a.target { annotations[parent]?.addReply(stamp); tracking?.annotations.insert(parent) }
            annotations[stamp.id] = AnnotationState(a, stamp: stamp)
            tracking?.annotations.insert(stamp.id)
            wake(stamp.id)
        case .bodyEdited(let p):
            change(p.annotation, stamp, payload) { $0.body.write(p.body, stamp: stamp, pred: p.pred) }
        case .motivationChanged(let p):
            change(p.annotation, stamp, payload) { $0.motivation.write(p.motivation, stamp: stamp, pred: p.pred) }
        case .tagsChanged(let p):
            change(p.annotation, stamp, payload) {
                $0.tags.remove(p.remove, seen: p.pred)
                $0.tags.add(p.add, by: stamp.id)
            }
        case .annotationDeleted(let p):
            change(p.annotation, stamp, payload) { $0.deleted.write(true, stamp: stamp, pred: p.pred) }
        case .annotationRestored(let p):
            change(p.annotation, stamp, payload) { $0.deleted.write(false, stamp: stamp, pred: p.pred) }
        case .articleRevised(let r):
            tracking?.read.insert(r.article)
            guard articles[r.article] != nil else { return wait(for: r.article, stamp, payload) }
            // Kept whoever wrote it: it counts once its author is known to have added the text.
            articles[r.article]?.revisionWrites[stamp.id] = .init(stamp: stamp, text: r.text, pred: r.pred)
            tracking?.articles.insert(r.article)
        case .annotationReanchored(let r):
            tracking?.read.insert(r.annotation)
            if let a = annotations[r.annotation], a.isReply { return reject(stamp, "a reply has no passage to re-anchor") }
            change(r.annotation, stamp, payload) { a in
                if a.reanchors == nil { a.reanchors = Register(writes: [:], replaced: []) }
                a.reanchors?.write(r.selector, stamp: stamp, pred: r.pred)
            }
        case .annotationErased(let x) where x.annotation == stamp.id:
            // An erased creation that waited for its article or parent (see `applyErased`).
            if let erased = erasures.annotations[stamp.id] { applyErased(stamp.id, erased, stamp: stamp) }
        case .deviceLinked, .deviceRevoked, .annotationErased:
            break  // their whole effect is the device or erasure map, built before replay
        case .unknown:
            unknownKinds += 1
        }
    }

    /// An erased annotation (§19): placed by its erasure, with nothing of its payload.
    private mutating func applyErased(_ id: EventID, _ x: ErasureMap.Erased, stamp: Stamp) {
        tracking?.read.formUnion([id, x.article])
        guard annotations[id] == nil else { return }
        let payload = Self.erasedPayload(id, x)
        guard articles[x.article] != nil else { return wait(for: x.article, stamp, payload) }
        if let parent = x.replyTo {
            tracking?.read.insert(parent)
            guard let p = annotations[parent] else { return wait(for: parent, stamp, payload) }
            guard p.article == x.article else { return reject(stamp, "it replies to \(parent.short()) but names another article") }
            annotations[parent]?.addReply(stamp)
            tracking?.annotations.insert(parent)
        }
        annotations[id] = AnnotationState(erased: id, x, stamp: stamp)
        tracking?.annotations.insert(id)
        wake(id)
    }

    /// What an erased creation waits with: the erasure's own account of where it goes.
    static func erasedPayload(_ id: EventID, _ x: ErasureMap.Erased) -> Payload {
        .annotationErased(AnnotationErased(annotation: id, article: x.article, replyTo: x.replyTo, events: [id]))
    }

    private mutating func change(_ id: EventID, _ stamp: Stamp, _ payload: Payload, _ body: (inout AnnotationState) -> Void) {
        tracking?.read.insert(id)
        if let a = annotations[id], a.erasure != nil { return reject(stamp, "annotation \(id.short()) was erased") }
        guard let allowed = annotations[id]?.mayChange(stamp.identity, devices: devices) else { return wait(for: id, stamp, payload) }
        guard allowed else {
            let owner = annotations[id]?.author.raw.short() ?? "?"
            return reject(stamp, "its author \(stamp.identity.raw.short()) may not change annotation \(id.short()) (only its author \(owner) and the editors it names may)")
        }
        // Mutated in place in the dictionary: a copy taken out and put back would copy its
        // arrays on every change.
        annotations[id]?.modify { body(&$0); $0.addHistory(stamp) }
        tracking?.annotations.insert(id)
    }

    private mutating func reject(_ stamp: Stamp, _ reason: String) { rejected[stamp.id] = reason }

    private mutating func wait(for target: Hash32, _ stamp: Stamp, _ payload: Payload) {
        tracking?.read.insert(target); tracking?.waiting.insert(target)
        waiting[target, default: []].append(Waiting(stamp: stamp, payload: payload))
    }

    /// `target` has arrived: apply what was waiting for it.
    private mutating func wake(_ target: Hash32) {
        tracking?.read.insert(target)
        guard let list = waiting.removeValue(forKey: target) else { return }
        tracking?.waiting.insert(target)
        for w in list { apply(w.payload, stamp: w.stamp) }
    }

    /// Annotations of `article` (all articles when nil), in the total order of their creation.
    public func annotations(of article: Hash32? = nil, includeDeleted: Bool = false) -> [AnnotationState] {
        annotations.values
            .filter { (article == nil || $0.article == article) && (includeDeleted || !$0.isDeleted) }
            .sorted { $0.created < $1.created }
    }
}
