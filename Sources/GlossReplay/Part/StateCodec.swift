import GlossCore

/// The stored form of one article's or annotation's replay state (`ArticleState`,
/// `AnnotationState`): what a store that keeps the state as rows (the hub's projection) writes
/// in a row and reads back. It is a cache's layout, never exchanged: `format` changes with it,
/// and a store holding another format rebuilds from its log. Nothing here is canonical (sets
/// are written in whatever order they iterate); reading it back gives an equal state.
public enum StateCodec {
    public static let format: UInt8 = 1
    /// Longest string read back: the rows are the store's own, so this only guards a damaged one.
    static let maxString = 1 << 30

    // MARK: Articles

    public static func encode(_ a: ArticleState) -> [UInt8] {
        var w = ByteWriter(capacity: 256 + a.originalText.utf8.count)
        w.u8(format)
        w.raw(a.id.bytes); w.string(a.title); w.string(a.source); w.string(a.originalText)
        stamp(a.added, &w)
        ids(a.adders.map(\.raw), &w)
        w.u32(UInt32(a.revisionWrites.count))
        for r in a.revisionWrites.values {
            stamp(r.stamp, &w); w.string(r.text); ids(r.pred, &w)
        }
        return w.bytes
    }

    public static func article(_ bytes: [UInt8]) throws(DecodeError) -> ArticleState {
        var r = ByteReader(bytes)
        try version(&r)
        let id = try r.id("article id")
        let title = try r.string("title", max: maxString), source = try r.string("source", max: maxString)
        let text = try r.string("text", max: maxString)
        var a = ArticleState(id: id, title: title, source: source, text: text, added: try stamp(&r))
        a.adders = Set(try ids(&r).map(PublicKey.init))
        for _ in 0..<(try count(&r)) {
            let s = try stamp(&r)
            let text = try r.string("revision", max: maxString)
            a.revisionWrites[s.id] = .init(stamp: s, text: text, pred: try ids(&r))
        }
        try end(r)
        return a
    }

    // MARK: Annotations

    public static func encode(_ a: AnnotationState) -> [UInt8] {
        var w = ByteWriter(capacity: 512)
        w.u8(format)
        w.raw(a.id.bytes); w.raw(a.article.bytes)
        switch a.target {
        case .reply(let p): w.u8(0); w.raw(p.bytes)
        case .text(let s): w.u8(1); selector(s, &w)
        }
        stamp(a.created, &w)
        ids(a.editors.map(\.raw), &w)
        register(a.body, &w) { v, w in w.string(v) }
        register(a.motivation, &w) { v, w in w.string(v) }
        register(a.deleted, &w) { v, w in w.u8(v ? 1 : 0) }
        if let r = a.reanchors { w.u8(1); register(r, &w) { v, w in selector(v, &w) } } else { w.u8(0) }
        w.u32(UInt32(a.tags.additions.count))
        for (tag, events) in a.tags.additions { w.string(tag.text); ids(Array(events), &w) }
        w.u32(UInt32(a.tags.removed.count))
        for t in a.tags.removed { w.string(t.tag.text); w.raw(t.event.bytes) }
        stamps(a.replyStamps, &w)
        stamps(a.history, &w)
        if let x = a.erasure {
            w.u8(1); w.raw(x.article.bytes)
            if let p = x.replyTo { w.u8(1); w.raw(p.bytes) } else { w.u8(0) }
            stamp(x.by, &w)
        } else {
            w.u8(0)
        }
        return w.bytes
    }

    public static func annotation(_ bytes: [UInt8]) throws(DecodeError) -> AnnotationState {
        var r = ByteReader(bytes)
        try version(&r)
        let id = try r.id("annotation id"), article = try r.id("article")
        let target: AnnotationTarget
        switch try r.u8("target") {
        case 0: target = .reply(to: try r.id("parent"))
        default: target = .text(try selector(&r))
        }
        let created = try stamp(&r)
        let editors = try ids(&r).map(PublicKey.init)
        let body: Register<String> = try register(&r) { (r: inout ByteReader) throws(DecodeError) in try r.string("body", max: maxString) }
        let motivation: Register<String> = try register(&r) { (r: inout ByteReader) throws(DecodeError) in try r.string("motivation", max: maxString) }
        let deleted: Register<Bool> = try register(&r) { (r: inout ByteReader) throws(DecodeError) in try r.u8("deleted") != 0 }
        var reanchors: Register<TextSelector>?
        if try r.u8("reanchors") != 0 {
            reanchors = try register(&r) { (r: inout ByteReader) throws(DecodeError) in try selector(&r) }
        }
        var tags = TagSet()
        for _ in 0..<(try count(&r)) {
            let tag = TagSet.Tag(try r.string("tag", max: maxString))
            tags.additions[tag] = Set(try ids(&r))
        }
        for _ in 0..<(try count(&r)) {
            let tag = TagSet.Tag(try r.string("tag", max: maxString))
            tags.removed.insert(TagSet.TagInstance(tag: tag, event: try r.id("removed tag")))
        }
        var a = AnnotationState(id: id, article: article, target: target, created: created, editors: editors,
                                body: body, motivation: motivation, deleted: deleted, tags: tags,
                                replyStamps: try stamps(&r), history: try stamps(&r))
        a.reanchors = reanchors
        if try r.u8("erasure") != 0 {
            let article = try r.id("erased article")
            let replyTo: EventID? = try r.u8("erased reply") != 0 ? try r.id("erased parent") : nil
            a.erasure = ErasureMap.Erased(article: article, replyTo: replyTo, by: try stamp(&r))
        }
        try end(r)
        return a
    }

    // MARK: Parts

    private static func version(_ r: inout ByteReader) throws(DecodeError) {
        let v = try r.u8("format")
        guard v == format else { throw DecodeError(.invalidField, "a stored state of format \(v), this gloss reads \(format)") }
    }
    private static func end(_ r: borrowing ByteReader) throws(DecodeError) {
        guard r.isAtEnd else { throw DecodeError(.invalidField, "\(r.remaining) bytes after a stored state") }
    }
    private static func count(_ r: inout ByteReader) throws(DecodeError) -> Int {
        let n = Int(try r.u32("count"))
        // Every item takes at least one byte: a count past the end is a damaged row.
        guard n <= r.remaining else { throw DecodeError(.truncated, "a count of \(n) with \(r.remaining) bytes left") }
        return n
    }
    /// A selector as held, unchecked: an erased annotation's is empty, which a payload's may not be.
    private static func selector(_ s: TextSelector, _ w: inout ByteWriter) {
        w.string(s.exact); w.string(s.prefix); w.string(s.suffix); w.u32(s.start); w.u32(s.end)
    }
    private static func selector(_ r: inout ByteReader) throws(DecodeError) -> TextSelector {
        TextSelector(exact: try r.string("exact", max: maxString), prefix: try r.string("prefix", max: maxString),
                     suffix: try r.string("suffix", max: maxString), start: try r.u32("start"), end: try r.u32("end"))
    }
    private static func ids(_ list: [Hash32], _ w: inout ByteWriter) {
        w.u32(UInt32(list.count))
        for h in list { w.raw(h.bytes) }
    }
    private static func ids(_ r: inout ByteReader) throws(DecodeError) -> [Hash32] {
        var out: [Hash32] = []
        for _ in 0..<(try count(&r)) { out.append(try r.id("id")) }
        return out
    }
    private static func stamp(_ s: Stamp, _ w: inout ByteWriter) {
        w.u64(s.lamport); w.raw(s.author.raw.bytes); w.raw(s.id.bytes); w.i64(s.time)
        if s.identity == s.author { w.u8(0) } else { w.u8(1); w.raw(s.identity.raw.bytes) }
    }
    private static func stamp(_ r: inout ByteReader) throws(DecodeError) -> Stamp {
        let lamport = try r.u64("lamport"), author = PublicKey(try r.id("author")), id = try r.id("event"), time = try r.i64("time")
        let identity = try r.u8("identity") != 0 ? PublicKey(try r.id("identity")) : author
        return Stamp(lamport: lamport, author: author, id: id, time: time, identity: identity)
    }
    private static func stamps(_ list: [Stamp], _ w: inout ByteWriter) {
        w.u32(UInt32(list.count))
        for s in list { stamp(s, &w) }
    }
    private static func stamps(_ r: inout ByteReader) throws(DecodeError) -> [Stamp] {
        var out: [Stamp] = []
        for _ in 0..<(try count(&r)) { out.append(try stamp(&r)) }
        return out
    }
    private static func register<V: Sendable & Equatable>(_ reg: Register<V>, _ w: inout ByteWriter, _ value: (V, inout ByteWriter) -> Void) {
        w.u32(UInt32(reg.writes.count))
        for v in reg.writes.values { value(v.value, &w); stamp(v.stamp, &w) }
        ids(Array(reg.replaced), &w)
    }
    private static func register<V: Sendable & Equatable>(_ r: inout ByteReader, _ value: (inout ByteReader) throws(DecodeError) -> V) throws(DecodeError) -> Register<V> {
        var writes: [EventID: Register<V>.Version] = [:]
        for _ in 0..<(try count(&r)) {
            let v = try value(&r)
            let s = try stamp(&r)
            writes[s.id] = .init(value: v, stamp: s)
        }
        return Register(writes: writes, replaced: Set(try ids(&r)))
    }
}
