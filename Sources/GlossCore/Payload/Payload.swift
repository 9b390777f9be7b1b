/// What an event says: one of the payload kinds of Protocol/EVENTS.md, or an unknown kind from a
/// newer version, kept as opaque bytes so it can be stored and relayed.
public enum Payload: Sendable, Equatable {
    case articleAdded(ArticleAdded)
    case annotationCreated(AnnotationCreated)
    case bodyEdited(BodyEdited)
    case tagsChanged(TagsChanged)
    case annotationDeleted(StateChange)
    case annotationRestored(StateChange)
    case motivationChanged(MotivationChanged)
    case articleRevised(ArticleRevised)
    case annotationReanchored(Reanchored)
    case deviceLinked(DeviceLinked)
    case deviceRevoked(DeviceRevoked)
    case annotationErased(AnnotationErased)
    case unknown(kind: UInt16, body: [UInt8])

    public var kindNumber: UInt16 {
        switch self {
        case .articleAdded: PayloadKind.articleAdded.rawValue
        case .annotationCreated: PayloadKind.annotationCreated.rawValue
        case .bodyEdited: PayloadKind.bodyEdited.rawValue
        case .tagsChanged: PayloadKind.tagsChanged.rawValue
        case .annotationDeleted: PayloadKind.annotationDeleted.rawValue
        case .annotationRestored: PayloadKind.annotationRestored.rawValue
        case .motivationChanged: PayloadKind.motivationChanged.rawValue
        case .articleRevised: PayloadKind.articleRevised.rawValue
        case .annotationReanchored: PayloadKind.annotationReanchored.rawValue
        case .deviceLinked: PayloadKind.deviceLinked.rawValue
        case .deviceRevoked: PayloadKind.deviceRevoked.rawValue
        case .annotationErased: PayloadKind.annotationErased.rawValue
        case .unknown(let k, _): k
        }
    }

    /// The annotation an event of this payload acts on, when it acts on an existing one.
    public var targetAnnotation: EventID? {
        switch self {
        case .bodyEdited(let p): p.annotation
        case .tagsChanged(let p): p.annotation
        case .annotationDeleted(let p), .annotationRestored(let p): p.annotation
        case .motivationChanged(let p): p.annotation
        case .annotationReanchored(let p): p.annotation
        case .annotationErased(let p): p.annotation
        case .articleAdded, .annotationCreated, .articleRevised, .deviceLinked, .deviceRevoked, .unknown: nil
        }
    }

    /// The canonical bytes. Throws when a value breaks a rule (a cap, an empty quote, …), so that
    /// nothing non-canonical is ever signed.
    public func encoded() throws(DecodeError) -> [UInt8] {
        var w = ByteWriter()
        w.u16(kindNumber)
        switch self {
        case .articleAdded(let p): try p.encode(into: &w)
        case .annotationCreated(let p): try p.encode(into: &w)
        case .bodyEdited(let p): try p.encode(into: &w)
        case .tagsChanged(let p): try p.encode(into: &w)
        case .annotationDeleted(let p), .annotationRestored(let p): try p.encode(into: &w)
        case .motivationChanged(let p): try p.encode(into: &w)
        case .articleRevised(let p): try p.encode(into: &w)
        case .annotationReanchored(let p): try p.encode(into: &w)
        case .deviceLinked(let p): try p.encode(into: &w)
        case .deviceRevoked(let p): try p.encode(into: &w)
        case .annotationErased(let p): try p.encode(into: &w)
        case .unknown(_, let body): w.raw(body)
        }
        guard w.bytes.count <= EventLimits.maxPayload else {
            throw DecodeError(.oversize, "payload of \(w.bytes.count) bytes, the limit is \(EventLimits.maxPayload)")
        }
        // Whatever we write must read back identically: this catches a rule broken on the way in.
        let back = try Payload.decode(w.bytes[...])
        guard back == self else { throw DecodeError(.nonCanonical, "the payload does not round-trip") }
        return w.bytes
    }

    public static func decode(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> Payload {
        var r = ByteReader(Array(bytes))
        let kind = try r.u16("payload kind")
        let p: Payload
        switch PayloadKind(rawValue: kind) {
        case .articleAdded: p = .articleAdded(try .decode(&r))
        case .annotationCreated: p = .annotationCreated(try .decode(&r))
        case .bodyEdited: p = .bodyEdited(try .decode(&r))
        case .tagsChanged: p = .tagsChanged(try .decode(&r))
        case .annotationDeleted: p = .annotationDeleted(try .decode(&r))
        case .annotationRestored: p = .annotationRestored(try .decode(&r))
        case .motivationChanged: p = .motivationChanged(try .decode(&r))
        case .articleRevised: p = .articleRevised(try .decode(&r))
        case .annotationReanchored: p = .annotationReanchored(try .decode(&r))
        case .deviceLinked: p = .deviceLinked(try .decode(&r))
        case .deviceRevoked: p = .deviceRevoked(try .decode(&r))
        case .annotationErased: p = .annotationErased(try .decode(&r))
        case nil: return .unknown(kind: kind, body: Array(bytes.dropFirst(2)))
        }
        guard r.isAtEnd else { throw DecodeError(.trailingBytes, "\(r.remaining) bytes after the \(PayloadKind.name(kind)) payload") }
        return p
    }
}

/// Article added: its title, where it came from, and its full text. Article id = SHA-256(text).
public struct ArticleAdded: Sendable, Equatable {
    public var title: String
    public var source: String
    public var text: String
    public init(title: String, source: String, text: String) { self.title = title; self.source = source; self.text = text }
    public var articleID: Hash32 { SHA256.hash(Array(text.utf8)) }

    func encode(into w: inout ByteWriter) throws(DecodeError) {
        guard !text.isEmpty else { throw DecodeError(.invalidField, "an article's text must not be empty") }
        w.string(title); w.string(source); w.string(text)
    }
    static func decode(_ r: inout ByteReader) throws(DecodeError) -> ArticleAdded {
        let title = try r.string("title", max: EventLimits.maxTitle)
        let source = try r.string("source", max: EventLimits.maxSource)
        let text = try r.string("text", max: EventLimits.maxText)
        guard !text.isEmpty else { throw DecodeError(.invalidField, "an article's text must not be empty") }
        return ArticleAdded(title: title, source: source, text: text)
    }
}

/// What a new annotation points at: a passage of the article, or another annotation (a reply).
public enum AnnotationTarget: Sendable, Equatable {
    case text(TextSelector)
    case reply(to: EventID)
}

/// Annotation created. Its id is the id of this event.
public struct AnnotationCreated: Sendable, Equatable {
    public var article: Hash32
    public var target: AnnotationTarget
    public var motivation: String
    public var body: String
    /// Strictly ascending by UTF-8 bytes.
    public var tags: [String]
    /// Keys allowed to edit, tag, delete and restore this annotation besides its author.
    public var editors: [PublicKey]

    public init(article: Hash32, target: AnnotationTarget, motivation: String, body: String,
                tags: [String], editors: [PublicKey] = []) {
        self.article = article; self.target = target; self.motivation = motivation
        self.body = body; self.tags = PayloadFields.sortedTags(tags); self.editors = Array(Set(editors)).sorted()
    }

    func encode(into w: inout ByteWriter) throws(DecodeError) {
        w.raw(article.bytes)
        switch target {
        case .text(let s): w.u8(0); try s.encode(into: &w)
        case .reply(let parent): w.u8(1); w.raw(parent.bytes)
        }
        try PayloadFields.writeMotivation(motivation, &w)
        w.string(body)
        try PayloadFields.writeTags(tags, &w)
        w.u8(UInt8(clamping: editors.count))
        for e in editors { w.raw(e.raw.bytes) }
    }
    static func decode(_ r: inout ByteReader) throws(DecodeError) -> AnnotationCreated {
        let article = try r.id("article")
        let target: AnnotationTarget
        switch try r.u8("target kind") {
        case 0: target = .text(try TextSelector.decode(&r))
        case 1: target = .reply(to: try r.id("reply target"))
        case let k: throw DecodeError(.invalidField, "target kind \(k) is neither 0 (text) nor 1 (reply)")
        }
        let motivation = try PayloadFields.readMotivation(&r)
        let body = try r.string("body", max: EventLimits.maxBody)
        let tags = try PayloadFields.readTags(&r, "tags")
        let n = Int(try r.u8("editors count"))
        guard n <= EventLimits.maxEditors else { throw DecodeError(.oversize, "\(n) editors, the limit is \(EventLimits.maxEditors)") }
        var editors: [PublicKey] = []
        for i in 0..<n {
            let k = PublicKey(try r.id("editors[\(i)]"))
            if let last = editors.last, !(last < k) { throw DecodeError(.nonCanonical, "editors must be strictly ascending") }
            editors.append(k)
        }
        var a = AnnotationCreated(article: article, target: target, motivation: motivation, body: body, tags: [], editors: [])
        a.tags = tags; a.editors = editors
        return a
    }
}

/// Body edited: the new comment text, replacing the values named in `pred`.
public struct BodyEdited: Sendable, Equatable {
    public var annotation: EventID
    /// The ids of the body values the editor saw (and so replaces): strictly ascending.
    public var pred: [EventID]
    public var body: String
    public init(annotation: EventID, pred: [EventID], body: String) {
        self.annotation = annotation; self.pred = Array(Set(pred)).sorted(); self.body = body
    }
    func encode(into w: inout ByteWriter) throws(DecodeError) {
        w.raw(annotation.bytes); try PayloadFields.writeIDs(pred, &w); w.string(body)
    }
    static func decode(_ r: inout ByteReader) throws(DecodeError) -> BodyEdited {
        let a = try r.id("annotation")
        let pred = try PayloadFields.readIDs(&r, "pred")
        var e = BodyEdited(annotation: a, pred: [], body: try r.string("body", max: EventLimits.maxBody))
        e.pred = pred
        return e
    }
}

/// Motivation changed (highlighting → commenting, say), replacing the values named in `pred`.
public struct MotivationChanged: Sendable, Equatable {
    public var annotation: EventID
    public var pred: [EventID]
    public var motivation: String
    public init(annotation: EventID, pred: [EventID], motivation: String) {
        self.annotation = annotation; self.pred = Array(Set(pred)).sorted(); self.motivation = motivation
    }
    func encode(into w: inout ByteWriter) throws(DecodeError) {
        w.raw(annotation.bytes); try PayloadFields.writeIDs(pred, &w); try PayloadFields.writeMotivation(motivation, &w)
    }
    static func decode(_ r: inout ByteReader) throws(DecodeError) -> MotivationChanged {
        let a = try r.id("annotation")
        let pred = try PayloadFields.readIDs(&r, "pred")
        var e = MotivationChanged(annotation: a, pred: [], motivation: try PayloadFields.readMotivation(&r))
        e.pred = pred
        return e
    }
}

/// Tags added and removed. A removal removes only the additions named in `pred` (the events
/// whose addition of a removed tag the editor had seen): an add-wins set.
public struct TagsChanged: Sendable, Equatable {
    public var annotation: EventID
    public var add: [String]
    public var remove: [String]
    public var pred: [EventID]
    public init(annotation: EventID, add: [String], remove: [String], pred: [EventID]) {
        self.annotation = annotation; self.add = PayloadFields.sortedTags(add)
        self.remove = PayloadFields.sortedTags(remove); self.pred = Array(Set(pred)).sorted()
    }
    func encode(into w: inout ByteWriter) throws(DecodeError) {
        w.raw(annotation.bytes)
        try PayloadFields.writeTags(add, &w); try PayloadFields.writeTags(remove, &w); try PayloadFields.writeIDs(pred, &w)
        try check()
    }
    private func check() throws(DecodeError) {
        guard !(add.isEmpty && remove.isEmpty) else { throw DecodeError(.invalidField, "a tags change must add or remove at least one tag") }
        guard Set(add.map { Array($0.utf8) }).isDisjoint(with: remove.map { Array($0.utf8) }) else { throw DecodeError(.invalidField, "a tag cannot be both added and removed in one event") }
        guard !remove.isEmpty || pred.isEmpty else { throw DecodeError(.invalidField, "pred must be empty when no tag is removed") }
    }
    static func decode(_ r: inout ByteReader) throws(DecodeError) -> TagsChanged {
        let a = try r.id("annotation")
        var t = TagsChanged(annotation: a, add: [], remove: [], pred: [])
        t.add = try PayloadFields.readTags(&r, "add")
        t.remove = try PayloadFields.readTags(&r, "remove")
        t.pred = try PayloadFields.readIDs(&r, "pred")
        try t.check()
        return t
    }
}

/// Annotation deleted or restored: the new value of the annotation's deleted register.
public struct StateChange: Sendable, Equatable {
    public var annotation: EventID
    public var pred: [EventID]
    public init(annotation: EventID, pred: [EventID]) { self.annotation = annotation; self.pred = Array(Set(pred)).sorted() }
    func encode(into w: inout ByteWriter) throws(DecodeError) { w.raw(annotation.bytes); try PayloadFields.writeIDs(pred, &w) }
    static func decode(_ r: inout ByteReader) throws(DecodeError) -> StateChange {
        let a = try r.id("annotation")
        var s = StateChange(annotation: a, pred: [])
        s.pred = try PayloadFields.readIDs(&r, "pred")
        return s
    }
}

/// Article revised: a new version of an article's text (the article keeps the id of its first
/// text). Replaces the revisions named in `pred`.
public struct ArticleRevised: Sendable, Equatable {
    public var article: Hash32
    public var pred: [EventID]
    public var text: String
    public init(article: Hash32, pred: [EventID], text: String) {
        self.article = article; self.pred = Array(Set(pred)).sorted(); self.text = text
    }
    func encode(into w: inout ByteWriter) throws(DecodeError) {
        guard !text.isEmpty else { throw DecodeError(.invalidField, "a revised text must not be empty") }
        w.raw(article.bytes); try PayloadFields.writeIDs(pred, &w); w.string(text)
    }
    static func decode(_ r: inout ByteReader) throws(DecodeError) -> ArticleRevised {
        let a = try r.id("article")
        var e = ArticleRevised(article: a, pred: [], text: "")
        e.pred = try PayloadFields.readIDs(&r, "pred")
        e.text = try r.string("text", max: EventLimits.maxText)
        guard !e.text.isEmpty else { throw DecodeError(.invalidField, "a revised text must not be empty") }
        return e
    }
}

/// Annotation re-anchored by hand: a new selector on the article's current text, replacing the
/// selectors named in `pred`.
public struct Reanchored: Sendable, Equatable {
    public var annotation: EventID
    public var pred: [EventID]
    public var selector: TextSelector
    public init(annotation: EventID, pred: [EventID], selector: TextSelector) {
        self.annotation = annotation; self.pred = Array(Set(pred)).sorted(); self.selector = selector
    }
    func encode(into w: inout ByteWriter) throws(DecodeError) {
        w.raw(annotation.bytes); try PayloadFields.writeIDs(pred, &w); try selector.encode(into: &w)
    }
    static func decode(_ r: inout ByteReader) throws(DecodeError) -> Reanchored {
        let a = try r.id("annotation")
        let pred = try PayloadFields.readIDs(&r, "pred")
        var e = Reanchored(annotation: a, pred: [], selector: try TextSelector.decode(&r))
        e.pred = pred
        return e
    }
}
