import GlossCore

/// The state of a whole ledger: articles and annotations, built by applying events in the total
/// order of `Stamp`. Rules of Protocol/MERGE.md: an event that breaks one is kept in the log but
/// has no effect, and `ineffective` says why; events of unknown kinds are skipped.
public struct LedgerState: Sendable {
    public private(set) var articles: [Hash32: ArticleState] = [:]
    public private(set) var annotations: [EventID: AnnotationState] = [:]
    /// Events that had no effect, with the reason.
    public private(set) var ineffective: [EventID: String] = [:]
    /// Events of kinds this version does not know, skipped.
    public private(set) var unknownKinds: Int = 0
    /// How many events have been applied.
    public private(set) var applied: Int = 0
    public private(set) var last: Stamp?

    public init() {}

    /// Replays `events` (any order) from nothing.
    public static func replay(_ events: [Event]) -> LedgerState {
        var s = LedgerState()
        for e in events.sorted(by: { Stamp($0) < Stamp($1) }) { s.apply(e) }
        return s
    }

    /// Applies one event. Events must come in increasing `Stamp` order.
    public mutating func apply(_ e: Event) {
        let stamp = Stamp(e)
        precondition(last.map { $0 < stamp } ?? true, "events must be applied in total order")
        last = stamp
        applied += 1
        let payload: Payload
        do { payload = try e.payload() } catch {
            ineffective[e.id] = "payload does not decode: \(error)"
            return
        }
        if let reason = apply(payload, stamp: stamp) { ineffective[e.id] = reason }
    }

    /// Returns why the event has no effect, or nil when it took effect.
    private mutating func apply(_ payload: Payload, stamp: Stamp) -> String? {
        switch payload {
        case .articleAdded(let a):
            let id = a.articleID
            if articles[id] != nil { return "the article \(id.short()) was already added; the first addition names it" }
            articles[id] = ArticleState(id: id, title: a.title, source: a.source, text: a.text, added: stamp)
            return nil
        case .annotationCreated(let a):
            guard articles[a.article] != nil else { return "it annotates article \(a.article.short()), which is not in its causal past" }
            if case .reply(let parent) = a.target {
                guard let p = annotations[parent] else { return "it replies to \(parent.short()), which is not in its causal past" }
                guard p.article == a.article else { return "it replies to \(parent.short()) but names another article" }
                annotations[parent]?.replies.append(stamp.id)
            }
            if a.editors.contains(stamp.author) { return "it lists its own author as an editor" }
            annotations[stamp.id] = AnnotationState(a, stamp: stamp)
            return nil
        case .bodyEdited(let p):
            return change(p.annotation, stamp) { $0.body.write(p.body, stamp: stamp, pred: p.pred) }
        case .motivationChanged(let p):
            return change(p.annotation, stamp) { $0.motivation.write(p.motivation, stamp: stamp, pred: p.pred) }
        case .tagsChanged(let p):
            return change(p.annotation, stamp) {
                $0.tags.remove(p.remove, seen: p.pred)
                $0.tags.add(p.add, by: stamp.id)
            }
        case .annotationDeleted(let p):
            return change(p.annotation, stamp) { $0.deleted.write(true, stamp: stamp, pred: p.pred) }
        case .annotationRestored(let p):
            return change(p.annotation, stamp) { $0.deleted.write(false, stamp: stamp, pred: p.pred) }
        case .unknown:
            unknownKinds += 1
            return nil
        }
    }

    private mutating func change(_ id: EventID, _ stamp: Stamp, _ body: (inout AnnotationState) -> Void) -> String? {
        guard var a = annotations[id] else { return "it changes annotation \(id.short()), which is not in its causal past" }
        guard a.mayChange(stamp.author) else {
            return "its author \(stamp.author.raw.short()) may not change annotation \(id.short()) (only its author \(a.author.raw.short()) and the editors it names may)"
        }
        body(&a)
        a.history.append(stamp)
        annotations[id] = a
        return nil
    }

    /// Annotations of `article` (all articles when nil), in creation order.
    public func annotations(of article: Hash32? = nil, includeDeleted: Bool = false) -> [AnnotationState] {
        annotations.values
            .filter { (article == nil || $0.article == article) && (includeDeleted || !$0.isDeleted) }
            .sorted { $0.created < $1.created }
    }
}
